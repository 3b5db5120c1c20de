from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from procurement.accounts.models import User, UserType
from procurement.catalog import admin as catalog_admin
from procurement.catalog.models import Shop
from procurement.core.errors import ApplicationError
from procurement.pricelists.export import CONTENT_TYPES, export_chunks, export_filename
from procurement.pricelists.models import ExportFormat, ExportJob, ImportJob, PriceListSource
from procurement.pricelists.services import import_job_create


class ImportPricelistForm(forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        queryset=User.objects.filter(type=UserType.SHOP, is_active=True).order_by("email"),
        help_text=_("The price list goes to this supplier's shop (created on the first import)."),
    )
    file = forms.FileField(label=_("Price list file (YAML, JSON, CSV or XLSX)"), required=False)
    url = forms.CharField(label=_("or its URL"), max_length=2000, required=False)
    dry_run = forms.BooleanField(
        label=_("Preview only"),
        required=False,
        help_text=_("Check the list and show what would change, without writing anything."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise forms.ValidationError(_("Give either a file or a URL."))
        return cleaned


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    change_list_template = "admin/pricelists/importjob/change_list.html"
    list_select_related = ["supplier"]
    list_display = [
        "id",
        "supplier",
        "state",
        "dry_run",
        "source",
        "progress",
        "created",
        "updated",
        "withdrawn",
        "created_at",
    ]
    list_filter = ["state", "dry_run", "scheduled", "created_at"]
    search_fields = ["supplier__email", "source"]
    exclude = ["content", "changes", "warnings", "errors"]
    readonly_fields = [
        "supplier",
        "state",
        "dry_run",
        "scheduled",
        "source",
        "url",
        "filename",
        "progress",
        "created",
        "updated",
        "withdrawn",
        "problems",
        "warning_lines",
        "change_lines",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "heartbeat_at",
    ]

    @admin.display(description=_("goods processed"))
    def progress(self, job: ImportJob) -> str:
        return f"{job.processed} / {job.total}" if job.total is not None else "—"

    @admin.display(description=_("errors"))
    def problems(self, job: ImportJob) -> str:
        return _lines(job.errors)

    @admin.display(description=_("warnings"))
    def warning_lines(self, job: ImportJob) -> str:
        return _lines(job.warnings)

    @admin.display(description=_("changes"))
    def change_lines(self, job: ImportJob) -> str:
        return format_html_join(
            mark_safe("<br>"),
            "{}",
            ((line,) for line in job.change_lines()),
        )

    def has_add_permission(self, request) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="pricelists_importjob_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Start an import for a supplier's shop; the job page shows how it went."""
        if not self.has_view_permission(request) or not request.user.is_staff:
            return redirect("admin:login")
        form = ImportPricelistForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_create(
                    supplier=form.cleaned_data["supplier"],
                    url=form.cleaned_data["url"] or None,
                    chunks=upload.chunks() if upload else None,
                    filename=upload.name if upload else "",
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ApplicationError as error:
                form.add_error(None, str(error.message))
            else:
                return redirect(reverse("admin:pricelists_importjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a price list"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/pricelists/importjob/import.html", context)


def _lines(problems: list[dict]) -> str:
    """Each problem's readable line (older jobs have only `error` or `warning`)."""
    return format_html_join(
        mark_safe("<br>"),
        "{}",
        (
            (problem.get("message") or problem.get("error") or problem.get("warning"),)
            for problem in problems
        ),
    )


@admin.register(PriceListSource)
class PriceListSourceAdmin(admin.ModelAdmin):
    """The suppliers' scheduled pulls; each pull is an import job."""

    list_display = ["supplier", "url", "every", "last_pulled_at"]
    list_select_related = ["supplier"]
    list_filter = ["every"]
    search_fields = ["supplier__email", "url"]
    readonly_fields = ["supplier", "url", "etag", "last_modified", "last_pulled_at"]

    def has_add_permission(self, request) -> bool:
        return False  # the supplier sets it (`PUT partner/source`), with the URL checked


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "supplier", "format", "state", "created_at", "finished_at"]
    list_select_related = ["supplier"]
    list_filter = ["state", "format"]
    exclude = ["content"]
    readonly_fields = [
        "supplier",
        "format",
        "state",
        "errors",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "heartbeat_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


# The catalog's shop admin, with the download of a shop's price list: price lists build on
# the catalog, so they extend its admin rather than the catalog importing them.
admin.site.unregister(Shop)


@admin.register(Shop)
class ShopAdmin(catalog_admin.ShopAdmin):
    actions = [*catalog_admin.ShopAdmin.actions, "export_yaml", "export_csv", "export_xlsx"]

    @admin.action(description=_("Export the price list of the selected shop (YAML)"))
    def export_yaml(self, request, queryset):
        return self._export(request, queryset, ExportFormat.YAML)

    @admin.action(description=_("Export the price list of the selected shop (CSV)"))
    def export_csv(self, request, queryset):
        return self._export(request, queryset, ExportFormat.CSV)

    @admin.action(description=_("Export the price list of the selected shop (XLSX)"))
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, ExportFormat.XLSX)

    def _export(self, request, queryset, fmt: str):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one shop to export."), messages.ERROR)
            return None
        shop = queryset.get()
        response = StreamingHttpResponse(
            export_chunks(shop=shop, fmt=fmt), content_type=CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{export_filename(shop, fmt)}"'
        return response
