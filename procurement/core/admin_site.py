"""The admin site: Django's, with its login form limited like the API's login."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from procurement.core.throttling import AuthRateThrottle


class ProcurementAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        """Every posted password counts against AUTH_THROTTLE_RATE, the right one too: past
        the limit nothing is checked until the window has passed."""
        if request.method == "POST":
            throttle = AuthRateThrottle()
            if not throttle.allow_request(request, None):
                return self.login_throttled(request, wait=throttle.wait())
        return super().login(request, extra_context)

    def login_throttled(self, request, *, wait: float | None) -> TemplateResponse:
        seconds = max(1, round(wait or 1))
        context = {**self.each_context(request), "title": _("Too many attempts"), "wait": seconds}
        return TemplateResponse(
            request,
            "admin/login_throttled.html",
            context,
            status=429,
            headers={"Retry-After": str(seconds)},
        )


class ProcurementAdminConfig(AdminConfig):
    default_site = "procurement.core.admin_site.ProcurementAdminSite"
