"""The basket, checkout, and the buyer's orders."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement.accounts import selectors as account_selectors
from procurement.accounts import services as account_services
from procurement.core.errors import ApplicationError
from procurement.orders import selectors, services
from procurement.orders.models import Order, OrderItem, OrderState
from procurement.web import forms
from procurement.web.views.common import (
    LoggedInRequest,
    buyer_page,
    next_url,
    page_of,
    query_without_page,
)


def _basket_context(request: LoggedInRequest, line_errors: dict | None = None) -> dict:
    """The basket's lines grouped by shop, each group with its total; `line_errors` (by
    line id) are shown next to their lines."""
    basket = selectors.basket_detail(basket=services.basket_get_or_create(user=request.user))
    groups: dict[int, dict] = defaultdict(lambda: {"lines": [], "total": Decimal("0.00")})
    for item in basket.ordered_items.all():
        group = groups[item.offer.shop_id]
        group["shop"] = item.offer.shop
        group["lines"].append({"item": item, "errors": (line_errors or {}).get(str(item.pk), [])})
        group["total"] += item.line_sum
    return {"basket": basket, "shops": list(groups.values())}


def _line_errors(error: ApplicationError) -> dict[str, list[str]]:
    """A basket refusal's messages by the line (or offer) id they name."""
    items = error.field_errors.get("items")
    if not isinstance(items, dict):
        return {}
    return {str(key): [str(message) for message in value] for key, value in items.items()}


@require_GET
@buyer_page
def basket_page(request: LoggedInRequest) -> HttpResponse:
    return render(request, "web/basket.html", _basket_context(request))


@require_POST
@buyer_page
def basket_add_page(request: LoggedInRequest) -> HttpResponse:
    form = forms.BasketAddForm(request.POST)
    if not form.is_valid():
        context = {**_basket_context(request), "form_errors": form.errors}
        return render(request, "web/basket.html", context, status=400)
    offer_id, quantity = form.cleaned_data["offer"], form.cleaned_data["quantity"]
    try:
        services.basket_add(
            user=request.user, lines=[services.BasketLine(offer_id=offer_id, quantity=quantity)]
        )
    except ApplicationError as error:
        messages.error(request, " ".join(_line_errors(error).get(str(offer_id), [error.message])))
        return render(request, "web/basket.html", _basket_context(request), status=400)
    messages.success(request, _("Added to your basket."))
    return HttpResponseRedirect(next_url(request, reverse("web:basket")))


@require_POST
@buyer_page
def basket_change_page(request: LoggedInRequest) -> HttpResponse:
    """One form for the whole basket: its quantities, or the removal of the line whose
    remove button was pressed."""
    remove = request.POST.get("remove")
    if remove is not None:
        try:
            line_id = forms.IdField().clean(
                remove if remove.isascii() and remove.isdigit() else "-"
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return render(request, "web/basket.html", _basket_context(request), status=400)
        if not services.basket_remove(user=request.user, item_ids=[line_id]):
            messages.error(request, _("No such line in your basket."))
            return render(request, "web/basket.html", _basket_context(request), status=404)
        messages.success(request, _("The line is removed."))
        return redirect("web:basket")

    changes, line_errors = [], {}
    for name, value in request.POST.items():
        if not name.startswith("quantity-"):
            continue
        key = name.removeprefix("quantity-")
        try:
            line_id = forms.IdField().clean(key if key.isascii() and key.isdigit() else "-")
            quantity = forms.QuantityField().clean(value)
        except ValidationError as error:
            line_errors[key] = error.messages
            continue
        changes.append(services.BasketChange(line_id=line_id, quantity=quantity))
    if not line_errors and changes:
        try:
            services.basket_update(user=request.user, changes=changes)
        except ApplicationError as error:
            line_errors = _line_errors(error) or {"": [error.message]}
    if line_errors:
        context = _basket_context(request, line_errors)
        page_errors = list(line_errors.get("", []))
        # An error keyed by a line the basket does not show (another buyer's, a key that is
        # no id) has no line to stand next to: said above the basket, or it would not show.
        shown = {str(line["item"].pk) for group in context["shops"] for line in group["lines"]}
        if any(key and key not in shown for key in line_errors):
            page_errors.append(_("No such line in your basket."))
        if page_errors:
            messages.error(request, " ".join(page_errors))
        return render(request, "web/basket.html", context, status=400)
    messages.success(request, _("The basket is updated."))
    return redirect("web:basket")


@require_http_methods(["GET", "POST"])
@buyer_page
def checkout_page(request: LoggedInRequest) -> HttpResponse:
    contact_form = forms.ContactForm()
    status = 200
    if request.method == "POST" and "add_contact" in request.POST:
        contact_form = forms.ContactForm(request.POST)
        status = 400
        if contact_form.is_valid():
            try:
                account_services.contact_create(user=request.user, **contact_form.cleaned_data)
            except ApplicationError as error:
                forms.show_refusal(contact_form, error)
                if not error.field_errors:  # the form may be hidden: at the most contacts
                    messages.error(request, error.message)
                status = error.status_code
            else:
                messages.success(request, _("The contact is added."))
                return redirect("web:checkout")
    elif request.method == "POST":
        place_form = forms.PlaceOrderForm(request.POST)
        basket = services.basket_get_or_create(user=request.user)
        if place_form.is_valid():
            try:
                order = services.order_place(
                    buyer=request.user,
                    basket_id=basket.pk,
                    contact_id=place_form.cleaned_data["contact"],
                )
            except ApplicationError as error:
                messages.error(request, error.message)
                status = error.status_code
            else:
                messages.success(
                    request, _("Thank you: your order %(number)d is placed.") % {"number": order.pk}
                )
                return redirect("web:order", order_id=order.pk)
        else:
            messages.error(request, _("Choose a delivery contact."))
            status = 400
    context = {
        **_basket_context(request),
        "contacts": account_selectors.contact_list(user=request.user),
        "contact_form": contact_form,
        "max_contacts": settings.MAX_CONTACTS_PER_USER,
    }
    return render(request, "web/checkout.html", context, status=status)


@require_GET
@buyer_page
def orders_page(request: LoggedInRequest) -> HttpResponse:
    form = forms.OrderStateFilterForm(request.GET)
    context = {"form": form, "page_query": query_without_page(request)}
    if not form.is_valid():
        return render(request, "web/orders.html", context, status=400)
    orders = selectors.order_list(user=request.user, state=form.cleaned_data["state"] or None)
    context["page"] = page_of(request, orders)
    return render(request, "web/orders.html", context)


def parts_of(order: Order, lines: Iterable[OrderItem]) -> list[dict]:
    """Each part of the order (read with its history and short deliveries) with its lines
    among `lines` and their sum; a short delivery names its line."""
    lines = list(lines)
    by_id = {line.pk: line for line in lines}
    parts = []
    # A supplier's read of the order holds only its own part (`shop_parts`).
    for part in getattr(order, "shop_parts", None) or order.parts.all():
        own = [line for line in lines if line.shop_id_snapshot == part.shop_id]
        parts.append(
            {
                "part": part,
                "lines": own,
                "sum": sum((line.placed_sum for line in own), Decimal("0.00")),
                "short_deliveries": [
                    {"change": change, "line": by_id.get(change.item_id)}
                    for change in part.short_deliveries.all()
                ],
            }
        )
    return parts


@require_GET
@buyer_page
def order_page(request: LoggedInRequest, order_id: int) -> HttpResponse:
    order = selectors.order_detail(user=request.user, order_id=order_id)
    context = {
        "order": order,
        "cancelable": selectors.order_cancelable_by_buyer(order),
        "parts": parts_of(order, order.ordered_items.all()),
    }
    return render(request, "web/order.html", context)


@require_POST
@buyer_page
def order_cancel_page(request: LoggedInRequest, order_id: int) -> HttpResponse:
    services.order_set_state(order_id=order_id, state=OrderState.CANCELED, actor=request.user)
    messages.success(request, _("The order is canceled."))
    return redirect("web:order", order_id=order_id)


@require_POST
@buyer_page
def order_part_cancel_page(request: LoggedInRequest, order_id: int, part_id: int) -> HttpResponse:
    """The buyer cancels one supplier's part while it is still new; the others go on."""
    part = services.order_part_set_state(
        order_id=order_id, part_id=part_id, state=OrderState.CANCELED, actor=request.user
    )
    messages.success(request, _("The part of %(shop)s is canceled.") % {"shop": part.shop_name})
    return redirect("web:order", order_id=order_id)
