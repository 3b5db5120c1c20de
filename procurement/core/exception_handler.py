"""One place that turns every error into `{"Status": false, "Errors": ...}` with its true status."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from procurement.core.db import as_application_error
from procurement.core.errors import RETRY_AFTER_SECONDS, ApplicationError, ErrorCode
from procurement.core.throttling import try_again_in

logger = logging.getLogger(__name__)


def _headers_of(error: ApplicationError) -> dict | None:
    if error.code == ErrorCode.UNAVAILABLE:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return None


def database_error_response(error: BaseException) -> JsonResponse | None:
    """The 503 for a database error that is nobody's fault, outside DRF (the admin, health,
    a middleware); None for any other error."""
    application_error = as_application_error(error)
    if application_error is None:
        return None
    response = JsonResponse(
        {"Status": False, "Errors": application_error.message, **application_error.extra},
        status=application_error.status_code,
        headers=_headers_of(application_error),
    )
    return _logged_once(response, error)


def _logged_once(response, error: BaseException):
    """One warning line, instead of Django's error log of every 5xx: a restart of the database
    answers many requests 503 and is no fault of the service."""
    logger.warning("answered %d: %s: %s", response.status_code, type(error).__name__, error)
    response._has_been_logged = True
    return response


def error_response(errors, status_code: int, headers: dict | None = None, **extra) -> Response:
    return Response(
        {"Status": False, "Errors": errors, **extra}, status=status_code, headers=headers
    )


def _flatten_detail(detail):
    """DRF ErrorDetail trees → plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {key: _flatten_detail(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten_detail(item) for item in detail]
    return str(detail)


class _Throttled(exceptions.Throttled):
    """A 429 worded as the web pages word it: DRF words the wait before it asks for the
    translation, so no catalog can translate its own."""

    def __init__(self, wait: float):
        seconds, message = try_again_in(wait)
        super().__init__(detail=message)
        self.wait = seconds  # the Retry-After header


def exception_handler(exc, context):
    database_error = as_application_error(exc)
    if database_error is not None:
        return _logged_once(
            error_response(
                database_error.message, database_error.status_code, _headers_of(database_error)
            ),
            exc,
        )
    if isinstance(exc, ApplicationError):
        errors = exc.field_errors or exc.message
        return error_response(errors, exc.status_code, _headers_of(exc), **exc.extra)
    if isinstance(exc, RequestDataTooBig):
        return error_response(
            _("The request body is too large."), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request could not be processed."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.Throttled) and (wait := getattr(exc, "wait", None)) is not None:
        exc = _Throttled(wait)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server fault: let Django log it and answer 500
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    errors = _flatten_detail(detail)
    if isinstance(errors, list) and len(errors) == 1:
        errors = errors[0]
    response.data = {"Status": False, "Errors": errors}
    return response
