from django.urls import path

from procurement.pricelists.api import views

urlpatterns = [
    path("partner/update", views.PartnerUpdateView.as_view(), name="partner-update"),
    path("partner/imports", views.ImportJobListView.as_view(), name="partner-import-list"),
    path(
        "partner/imports/<int:job_id>", views.ImportJobView.as_view(), name="partner-import-detail"
    ),
    path("partner/state", views.PartnerStateView.as_view(), name="partner-state"),
    path("partner/source", views.PartnerSourceView.as_view(), name="partner-source"),
    path("partner/export", views.PartnerExportView.as_view(), name="partner-export"),
    path(
        "partner/exports/<int:job_id>", views.ExportJobView.as_view(), name="partner-export-detail"
    ),
    path(
        "partner/exports/<int:job_id>/download",
        views.ExportJobDownloadView.as_view(),
        name="partner-export-download",
    ),
]
