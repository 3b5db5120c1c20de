import sys

from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from procurement.core.errors import RETRY_AFTER_SECONDS
from procurement.core.exception_handler import database_error_response


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


def not_found(request, exception=None):
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"Status": False, "Errors": _("Not found.")}, status=404)


def server_error(request):
    # Called while the uncaught error is being handled: one raised by a middleware (a
    # session saved while the database restarts) is still a 503, not a 500.
    unavailable = database_error_response(sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    return JsonResponse({"Status": False, "Errors": _("Internal server error.")}, status=500)
