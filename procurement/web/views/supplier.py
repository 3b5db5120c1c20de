"""The supplier's pages: the shop and its intake, price-list uploads and their jobs, exports,
and the orders holding its goods."""

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement.catalog.selectors import supplier_shop
from procurement.catalog.services import supplier_set_accepts_orders
from procurement.core.errors import ApplicationError
from procurement.orders import selectors as order_selectors
from procurement.pricelists import selectors, services
from procurement.pricelists.export import CONTENT_TYPES, export_filename
from procurement.pricelists.models import ExportFormat, JobState
from procurement.pricelists.uploads import SizeLimitUploadHandler
from procurement.web import forms
from procurement.web.views.common import LoggedInRequest, page_of, query_without_page, supplier_page

RECENT_IMPORTS = 10


@require_GET
@supplier_page
def dashboard_page(request: LoggedInRequest) -> HttpResponse:
    context = {
        "shop": supplier_shop(supplier=request.user),
        "imports": selectors.import_jobs_of(supplier=request.user)[:RECENT_IMPORTS],
        "formats": ExportFormat.choices,
    }
    return render(request, "web/supplier/dashboard.html", context)


@require_POST
@supplier_page
def shop_state_page(request: LoggedInRequest) -> HttpResponse:
    form = forms.ShopStateForm(request.POST)
    form.is_valid()  # a box left unticked is "off": nothing else to refuse
    accepts = form.cleaned_data.get("accepts_orders", False)
    supplier_set_accepts_orders(supplier=request.user, accepts_orders=accepts)
    if accepts:
        messages.success(request, _("Your shop accepts orders."))
    else:
        messages.success(request, _("Your shop does not accept orders now."))
    return redirect("web:supplier")


@csrf_exempt  # checked below, once the upload's size limit is in place
@require_http_methods(["GET", "POST"])
@supplier_page
def upload_page(request: LoggedInRequest) -> HttpResponse:
    if request.method == "POST":
        # Before anything reads the body: a file over IMPORT_MAX_BYTES is refused (413)
        # as its bytes arrive, not stored first.
        request.upload_handlers = [SizeLimitUploadHandler(request), *request.upload_handlers]
    return _upload(request)


@csrf_protect
def _upload(request: LoggedInRequest) -> HttpResponse:
    form = forms.PriceListUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_job_create(
                    supplier=request.user,
                    url=form.cleaned_data["url"] or None,
                    chunks=upload.chunks() if upload else None,
                    filename=upload.name if upload else "",
                )
            except ApplicationError as error:
                forms.show_refusal(form, error)
                status = error.status_code
            else:
                return redirect("web:supplier-import", job_id=job.pk)
    return render(request, "web/supplier/upload.html", {"form": form}, status=status)


@require_GET
@supplier_page
def import_page(request: LoggedInRequest, job_id: int) -> HttpResponse:
    job = services.import_job_get(user=request.user, job_id=job_id)
    context = {"job": job, "finished": job.state in (JobState.DONE, JobState.FAILED)}
    return render(request, "web/supplier/import.html", context)


@require_GET
@supplier_page
def export_page(request: LoggedInRequest) -> HttpResponseBase:
    form = forms.ExportForm(request.GET)
    if not form.is_valid():
        context = {
            "message": _("Choose one of the formats: %(formats)s.")
            % {"formats": ", ".join(ExportFormat.values)}
        }
        return render(request, "web/refused.html", context, status=400)
    fmt = form.cleaned_data["format"]
    shop, chunks = services.export_stream(supplier=request.user, fmt=fmt)
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(shop, fmt)}"'
    return response


@require_GET
@supplier_page
def supplier_orders_page(request: LoggedInRequest) -> HttpResponse:
    form = forms.OrderStateFilterForm(request.GET)
    context = {"form": form, "page_query": query_without_page(request)}
    if not form.is_valid():
        return render(request, "web/supplier/orders.html", context, status=400)
    orders = order_selectors.supplier_order_list(
        supplier=request.user, state=form.cleaned_data["state"] or None
    )
    page = page_of(request, orders)
    for order in page.object_list:
        order.shop_total = sum(item.placed_sum for item in order.shop_items)
    context["page"] = page
    return render(request, "web/supplier/orders.html", context)
