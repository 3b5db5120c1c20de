from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class IsSupplier(BasePermission):
    """Supplier (`type: shop`) accounts only."""

    message = _("Only supplier accounts may use this endpoint.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_supplier)
