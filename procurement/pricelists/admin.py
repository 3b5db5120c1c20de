from django.contrib import admin

from procurement.pricelists.models import ExportJob, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "owner",
        "state",
        "source",
        "created",
        "updated",
        "withdrawn",
        "created_at",
    ]
    list_filter = ["state", "created_at"]
    search_fields = ["owner__email", "source"]
    exclude = ["content"]
    readonly_fields = [
        "owner",
        "state",
        "source",
        "url",
        "filename",
        "created",
        "updated",
        "withdrawn",
        "errors",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "format", "state", "created_at", "finished_at"]
    list_filter = ["state", "format"]
    exclude = ["content"]
    readonly_fields = [
        "user",
        "format",
        "state",
        "errors",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
