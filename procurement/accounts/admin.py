from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from procurement.accounts.models import Contact, User


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "type",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["type", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name", "company"]
    inlines = [ContactInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("first_name", "last_name", "company", "position", "type", "language")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "type", "password1", "password2")}),
    )
