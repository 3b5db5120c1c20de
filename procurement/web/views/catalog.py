"""The catalog: a page of offers (search, filters, ordering) and a product's offers side by side."""

from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from procurement.catalog import selectors
from procurement.catalog.filters import OfferFilter
from procurement.core.pagination import KnownCountPaginator
from procurement.web import forms
from procurement.web.views.common import (
    PAGE_SIZE,
    CappedPage,
    capped_page_of,
    page_of,
    query_without_page,
    shows_refusals,
)

# What a row of the catalog page shows: plain rows, no model objects (as the API's page).
OFFER_COLUMNS = [
    "id",
    "model",
    "price",
    "price_rrc",
    "quantity",
    "product_id",
    "product__name",
    "shop_id",
    "shop__name",
]

# The filter form's labels, on the form and naming a filter's errors: the parameter names
# are the API's, not words a visitor of the page reads.
FILTER_LABELS = {
    "search": _("Search"),
    "shop_id": _("Shop"),
    "category_id": _("Category"),
    "price_min": _("Price from"),
    "price_max": _("Price to"),
    "in_stock": _("In stock only"),
    "ordering": _("Sort by"),
}


def _filled(query: QueryDict) -> QueryDict:
    """The query without the fields the filter form left empty (a blank box filters nothing)."""
    filled = QueryDict(mutable=True)
    for name, values in query.lists():
        kept = [value for value in values if value.strip()]
        if kept:
            filled.setlist(name, kept)
    return filled


def _options(rows: QuerySet, chosen: str | None) -> list[tuple[int, str, bool]]:
    """(id, name, chosen) of each row, for a select of the filter form."""
    return [(pk, name, str(pk) == chosen) for pk, name in rows.values_list("id", "name")]


@require_GET
def catalog_page(request: HttpRequest) -> HttpResponse:
    query = _filled(request.GET)
    query.pop("page", None)
    offers = OfferFilter(data=query, queryset=selectors.offer_rows(columns=OFFER_COLUMNS))
    context: dict[str, Any] = {
        "query": request.GET,
        "labels": FILTER_LABELS,
        "shops": _options(selectors.shop_list(), request.GET.get("shop_id")),
        "categories": _options(selectors.category_list(), request.GET.get("category_id")),
        "page_query": query_without_page(request),
        "add_url": reverse("web:basket-add"),
        # A product's page is this plus its id and a slash (one reverse() for all the rows).
        "products_url": reverse("web:product", kwargs={"product_id": 1}).removesuffix("1/"),
        "login_url": f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}",
    }
    if not offers.is_valid():
        context["errors"] = [
            (FILTER_LABELS.get(name, ""), messages) for name, messages in offers.errors.items()
        ]
        return render(request, "web/catalog.html", context, status=400)
    # As the API's page: the whole catalog's size is kept by triggers, not counted.
    filtered = set(query) & (set(OfferFilter.base_filters) - {"ordering"})
    page: Page | CappedPage
    if filtered:
        # As the API's filtered list: counted up to a cap, never every match.
        page = capped_page_of(
            request,
            offers.qs,
            fetch=lambda keys: selectors.offer_rows_by_id(offer_ids=keys, columns=OFFER_COLUMNS),
        )
    else:
        paginator = KnownCountPaginator(offers.qs, PAGE_SIZE, count=selectors.offer_count())
        page = page_of(request, offers.qs, paginator=paginator)
    context["page"] = page
    context["offer_count"] = page.paginator.count if isinstance(page, Page) else page.count
    context["count_capped"] = isinstance(page, CappedPage) and page.count_capped
    return render(request, "web/catalog.html", context)


@require_GET
@shows_refusals
def product_page(request: HttpRequest, product_id: int) -> HttpResponse:
    offers = selectors.product_offers(product_id=product_id)
    parameter_names: list[str] = []
    for offer in offers:
        for value in offer.parameters.all():
            if value.parameter.name not in parameter_names:
                parameter_names.append(value.parameter.name)
    rows = [
        {
            "name": name,
            "values": [
                next(
                    (each.value for each in offer.parameters.all() if each.parameter.name == name),
                    "",
                )
                for offer in offers
            ],
        }
        for name in parameter_names
    ]
    context = {
        "product": offers[0].product,
        "offers": offers,
        "parameters": rows,
        "add_form": forms.BasketAddForm(),
    }
    return render(request, "web/product.html", context)
