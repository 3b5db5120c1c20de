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
from procurement.orders import services as order_services
from procurement.orders.models import (
    ALLOWED_TRANSITIONS,
    SHORTABLE_STATES,
    Order,
    OrderItem,
    OrderState,
)
from procurement.pricelists import selectors, services
from procurement.pricelists.export import CONTENT_TYPES, export_filename
from procurement.pricelists.models import ExportFormat, JobState
from procurement.pricelists.uploads import SizeLimitUploadHandler
from procurement.web import forms
from procurement.web.views.common import LoggedInRequest, page_of, query_without_page, supplier_page
from procurement.web.views.orders import parts_of

RECENT_IMPORTS = 10


def _dashboard(
    request: LoggedInRequest,
    *,
    name_form: forms.ShopNameForm | None = None,
    source_form: forms.PriceListSourceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    shop = supplier_shop(supplier=request.user)
    source = selectors.price_list_source_of(supplier=request.user)
    context = {
        "shop": shop,
        "imports": selectors.import_jobs_of(supplier=request.user)[:RECENT_IMPORTS],
        "formats": ExportFormat.choices,
        "source": source,
        "name_form": name_form or forms.ShopNameForm(initial={"name": shop.name}),
        "source_form": source_form
        or forms.PriceListSourceForm(
            initial={"url": source.url, "every": source.every} if source else None
        ),
    }
    return render(request, "web/supplier/dashboard.html", context, status=status)


@require_GET
@supplier_page
def dashboard_page(request: LoggedInRequest) -> HttpResponse:
    return _dashboard(request)


@require_POST
@supplier_page
def shop_name_page(request: LoggedInRequest) -> HttpResponse:
    """The shop's rename, by the same service as the API's `partner/state {"name"}`."""
    form = forms.ShopNameForm(request.POST)
    if form.is_valid():
        try:
            services.shop_state_set(
                supplier=request.user, accepts_orders=None, name=form.cleaned_data["name"]
            )
        except ApplicationError as error:
            forms.show_refusal(form, error)
            return _dashboard(request, name_form=form, status=error.status_code)
        messages.success(request, _("Your shop is renamed."))
        return redirect("web:supplier")
    return _dashboard(request, name_form=form, status=400)


@require_POST
@supplier_page
def source_page(request: LoggedInRequest) -> HttpResponse:
    """Set or change the scheduled pull of the price list, or stop it (`stop`)."""
    if "stop" in request.POST:
        services.source_delete(supplier=request.user)
        messages.success(request, _("Your price list is no longer pulled on a schedule."))
        return redirect("web:supplier")
    form = forms.PriceListSourceForm(request.POST)
    if form.is_valid():
        try:
            services.source_set(supplier=request.user, **form.cleaned_data)
        except ApplicationError as error:
            forms.show_refusal(form, error)
            return _dashboard(request, source_form=form, status=error.status_code)
        messages.success(request, _("Your price list is pulled on a schedule."))
        return redirect("web:supplier")
    return _dashboard(request, source_form=form, status=400)


@require_GET
@supplier_page
def imports_page(request: LoggedInRequest) -> HttpResponse:
    """Every import of the supplier (uploads, URLs, scheduled pulls, previews), page by page."""
    page = page_of(request, selectors.import_jobs_of(supplier=request.user))
    return render(request, "web/supplier/imports.html", {"page": page, "page_query": ""})


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
                    dry_run=form.cleaned_data["dry_run"],
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
    context = {
        "job": job,
        "finished": job.state in (JobState.DONE, JobState.FAILED),
        # Applying sends the previewed file again (or fetches the URL again).
        "appliable": selectors.preview_appliable(job=job),
    }
    return render(request, "web/supplier/import.html", context)


@require_POST
@supplier_page
def import_apply_page(request: LoggedInRequest, job_id: int) -> HttpResponse:
    """Apply a finished preview: the same file becomes an ordinary import."""
    job = services.import_job_apply_preview(supplier=request.user, job_id=job_id)
    return redirect("web:supplier-import", job_id=job.pk)


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


def _shop_lines(order: Order) -> list[OrderItem]:
    """The supplier's own lines, which `supplier_order_detail` attaches to the order."""
    lines: list[OrderItem] = order.shop_items  # type: ignore[attr-defined]
    return lines


def _supplier_order_context(
    request: LoggedInRequest, order_id: int, short_form: forms.ShortDeliveryForm | None = None
) -> dict:
    """The order as its supplier sees it: its lines, its part with its history, the moves
    its part can make next, and the short-delivery form while the part may still be lowered."""
    order = order_selectors.supplier_order_detail(supplier=request.user, order_id=order_id)
    (part,) = parts_of(order, _shop_lines(order))
    state = part["part"].state
    moves = [value for value in OrderState.values if value in ALLOWED_TRANSITIONS[state]]
    shortable = state in SHORTABLE_STATES and bool(part["lines"])
    return {
        "order": order,
        "part": part,
        "moves": [(value, OrderState(value).label) for value in moves],
        "short_form": (short_form or forms.ShortDeliveryForm(lines=part["lines"]))
        if shortable
        else None,
    }


@require_GET
@supplier_page
def supplier_order_page(request: LoggedInRequest, order_id: int) -> HttpResponse:
    return render(request, "web/supplier/order.html", _supplier_order_context(request, order_id))


def _refused(
    request: LoggedInRequest,
    order_id: int,
    error: ApplicationError | None,
    short_form: forms.ShortDeliveryForm | None = None,
    status: int = 400,
) -> HttpResponse:
    """The order's page again with the refusal's reason and its true status."""
    if error is not None:
        messages.error(request, error.message)
        status = error.status_code
    context = _supplier_order_context(request, order_id, short_form)
    return render(request, "web/supplier/order.html", context, status=status)


@require_POST
@supplier_page
def supplier_part_state_page(request: LoggedInRequest, order_id: int) -> HttpResponse:
    """The supplier moves its own part (confirmed, assembled, sent, ... or canceled)."""
    form = forms.PartStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown state."))
        return _refused(request, order_id, None)
    try:
        part = order_services.supplier_part_set_state(
            order_id=order_id, state=form.cleaned_data["state"], supplier=request.user
        )
    except ApplicationError as error:
        return _refused(request, order_id, error)
    messages.success(
        request, _("Your part is now %(state)s.") % {"state": part.get_state_display()}
    )
    return redirect("web:supplier-order", order_id=order_id)


@require_POST
@supplier_page
def supplier_short_delivery_page(request: LoggedInRequest, order_id: int) -> HttpResponse:
    """The supplier lowers one line of its part, with the reason the buyer is told."""
    order = order_selectors.supplier_order_detail(supplier=request.user, order_id=order_id)
    form = forms.ShortDeliveryForm(request.POST, lines=_shop_lines(order))
    if not form.is_valid():
        return _refused(request, order_id, None, short_form=form)
    try:
        order_services.supplier_part_short_deliver(
            order_id=order_id,
            supplier=request.user,
            lines=[
                order_services.LineShortage(
                    line_id=form.cleaned_data["line"], quantity=form.cleaned_data["quantity"]
                )
            ],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        # Shown as a message: the form is gone when the part can no longer be lowered.
        return _refused(request, order_id, error, short_form=form)
    messages.success(request, _("The line is lowered; the buyer is told why."))
    return redirect("web:supplier-order", order_id=order_id)
