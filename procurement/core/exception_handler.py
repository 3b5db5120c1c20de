"""One place that turns every error into `{"Status": false, "Errors": ...}` with its true status."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from procurement.core.errors import ApplicationError


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


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return error_response(exc.message, exc.status_code, **exc.extra)
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

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server fault: let Django log it and answer 500
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    errors = _flatten_detail(detail)
    if isinstance(errors, list) and len(errors) == 1:
        errors = errors[0]
    response.data = {"Status": False, "Errors": errors}
    return response
