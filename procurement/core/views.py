import sys
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import csrf, defaults
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.core.errors import RETRY_AFTER_SECONDS
from procurement.core.exception_handler import database_error_response

# What the errors answered outside the API's views say: Django's handlers below, and the
# gunicorn worker of deploy/gunicorn.conf.py for requests it could not even read.
ERROR_MESSAGES = {
    400: gettext_lazy("The request could not be processed."),
    403: gettext_lazy("You do not have permission to perform this action."),
    404: gettext_lazy("Not found."),
    413: gettext_lazy("The request body is too large."),
    414: gettext_lazy("The request line is too long."),
    417: gettext_lazy("The expectation in the request cannot be met."),
    431: gettext_lazy("The request headers are too large."),
    500: gettext_lazy("Internal server error."),
    501: gettext_lazy("The request uses a transfer coding that is not supported."),
}


def error_message(status: int) -> str:
    """The message for people of an error answered with `status` (in the active language)."""
    if status in ERROR_MESSAGES:
        return str(ERROR_MESSAGES[status])
    return str(ERROR_MESSAGES[500 if status >= 500 else 400])


def is_api_path(path: str) -> bool:
    """API clients get JSON errors; the admin and the other HTML pages keep Django's pages
    (save a CSRF failure on the site's pages, see `csrf_failure`)."""
    return path.startswith("/api/")


def api_error(status: int) -> JsonResponse:
    return JsonResponse({"Status": False, "Errors": error_message(status)}, status=status)


@require_GET
def health(request):
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse(
            {"status": "unavailable", "database": False},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JsonResponse({"status": "ok", "database": True})


class ApiIndexView(APIView):
    """`/api/v1/`: every endpoint with its methods and what each does, and where the docs are.

    Read from the OpenAPI schema, so it lists exactly what the schema and Swagger UI show."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return Response(
            {
                "name": schema["info"]["title"],
                "version": schema["info"]["version"],
                "docs": request.build_absolute_uri(reverse("swagger-ui")),
                "schema": request.build_absolute_uri(reverse("schema")),
                "endpoints": [
                    {
                        "path": path,
                        "methods": {
                            method.upper(): _short_description(operation)
                            for method, operation in operations.items()
                            if method in HTTP_METHODS
                        },
                    }
                    for path, operations in schema["paths"].items()
                ],
            }
        )


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _short_description(operation: dict) -> str:
    """The operation's summary, else the first sentence of its description."""
    if operation.get("summary"):
        return str(operation["summary"])
    return str(operation.get("description", "")).split(". ")[0].strip()


def bad_request(request, exception=None):
    """Django's 400: a disallowed Host header, a body too large or with too many fields read
    outside the API's views (those answer through the exception handler)."""
    if not is_api_path(request.path):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return api_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    return api_error(HTTPStatus.BAD_REQUEST)


def permission_denied(request, exception=None):
    if not is_api_path(request.path):
        return defaults.permission_denied(request, exception)
    return api_error(HTTPStatus.FORBIDDEN)


def csrf_failure(request, reason=""):
    """The API's CSRF refusal, and Django's page elsewhere (the web pages answer their own
    first: `procurement.web.views.common.csrf_failure`)."""
    if not is_api_path(request.path):
        return csrf.csrf_failure(request, reason)
    return JsonResponse(
        {"Status": False, "Errors": _("The request was refused: its CSRF check failed.")},
        status=HTTPStatus.FORBIDDEN,
    )


def not_found(request, exception=None):
    if not is_api_path(request.path):
        return defaults.page_not_found(request, exception)
    return api_error(HTTPStatus.NOT_FOUND)


def server_error(request):
    # Called while the uncaught error is being handled: one raised by a middleware (a
    # session saved while the database restarts) is still a 503, not a 500.
    error = sys.exc_info()[1]
    unavailable = database_error_response(error) if error is not None else None
    if unavailable is not None:
        return unavailable
    if not is_api_path(request.path):
        return defaults.server_error(request)
    return api_error(HTTPStatus.INTERNAL_SERVER_ERROR)
