from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`: 20 by default, at most 100 (larger sizes are clamped).

    A `page` or `page_size` that is not a whole number of 1 or more is a 400; a page
    past the end is a 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self._check_parameters(request)
        return super().paginate_queryset(queryset, request, view)

    def _check_parameters(self, request) -> None:
        errors = {}
        page = request.query_params.get(self.page_query_param)
        if page is not None and page not in self.last_page_strings and not _is_positive(page):
            errors[self.page_query_param] = [_("Must be a whole number of 1 or more.")]
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and not _is_positive(size):
            errors[self.page_size_query_param] = [_("Must be a whole number of 1 or more.")]
        if errors:
            raise ValidationError(errors)

    def get_page_size(self, request) -> int:
        size = request.query_params.get(self.page_size_query_param)
        if size is None:
            return self.page_size
        # Compared as text first: int() refuses strings of thousands of digits.
        digits = size.lstrip("0")
        if len(digits) > len(str(self.max_page_size)):
            return self.max_page_size
        return min(int(digits), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["default"] = self.page_size
                parameter["description"] = _(
                    "Number of results per page, at most %(max)d (larger values are clamped)."
                ) % {"max": self.max_page_size}
        return parameters


def _is_positive(value: str) -> bool:
    return value.isascii() and value.isdigit() and value.strip("0") != ""


class KnownCountPaginator(Paginator):
    """A paginator told its count instead of counting the queryset (the whole catalog, whose
    size is kept by triggers)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count


MAX_PAGE_DIGITS = 12
COUNT_CAP = 100


@dataclass(frozen=True)
class CappedWindow:
    """One page of a list whose count stops `COUNT_CAP` results past the page: the page's
    keys, the count (exact or a lower bound), and whether a next page exists."""

    keys: list[Any]
    count: int
    count_exact: bool
    has_next: bool


def capped_window(
    queryset: QuerySet, *, number: int, size: int, cap: int = COUNT_CAP
) -> CappedWindow:
    """Page `number` (from 1) of `size` keys of `queryset`, counting up to `cap` past it.

    Counting every match costs as much as reading them all; one read of the keys from the
    page's start to `cap` past it finds the page, whether there is a next one and the
    count up to the cap, so `has_next` is always right and every result stays reachable.
    """
    start = (number - 1) * size
    window = list(queryset.values_list("pk", flat=True)[start : start + size + cap + 1])
    return CappedWindow(
        keys=window[:size],
        count=start + min(len(window), size + cap),
        count_exact=len(window) <= size + cap,
        has_next=len(window) > size,
    )


class CappedCountPagination(PageNumberPagination):
    """Pages of a list that may match a large share of a large table.

    Counting every match costs as much as reading them all, so the count stops COUNT_CAP
    results past the page: `count_exact` false says there are more than `count` results.
    The keys of the matches are read once, from the page's start to COUNT_CAP past it, so
    `next` is always right and a client pages through every result whatever the count
    says. A count the caller knows (`count=`), or the last page (`page=last`), is exact as
    before.
    """

    COUNT_CAP = COUNT_CAP

    def paginate_queryset(
        self,
        queryset,
        request,
        view=None,
        *,
        count: int | None = None,
        fetch: Callable[[list[Any]], list[Any]] | None = None,
    ):
        """`fetch(keys)`, if given, loads the page's rows in the order of their keys (by key
        alone, without filters that cost again what found them)."""
        self.count_exact = True
        number = request.query_params.get(self.page_query_param)
        if count is not None or number in self.last_page_strings:
            # DRF only calls the class it is given: a Paginator told the count does.
            paginator_class: Any = (
                partial(KnownCountPaginator, count=count) if count is not None else Paginator
            )
            self.django_paginator_class = paginator_class
            return super().paginate_queryset(queryset, request, view)
        self._check_parameters(request)
        self.request = request
        size = self.get_page_size(request)
        if number and len(number.lstrip("0")) > MAX_PAGE_DIGITS:
            raise NotFound(self.invalid_page_message)  # far past any end; no huge OFFSET
        self.number = int(number) if number else 1
        window = capped_window(queryset, number=self.number, size=size, cap=self.COUNT_CAP)
        if not window.keys and self.number > 1:
            raise NotFound(self.invalid_page_message)
        self.more, self.count_exact, self.count = window.has_next, window.count_exact, window.count
        self.page = None
        if not window.keys:
            return []
        keys = window.keys
        return fetch(keys) if fetch is not None else list(queryset.filter(pk__in=keys))

    def get_paginated_response(self, data):
        if self.page is not None:
            response = super().get_paginated_response(data)
            response.data = {
                "count": response.data.pop("count"),
                "count_exact": True,
                **response.data,
            }
            return response
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self._link(self.number + 1) if self.more else None,
                "previous": self._link(self.number - 1) if self.number > 1 else None,
                "results": data,
            }
        )

    def _link(self, number: int) -> str:
        url = cast(Request, self.request).build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_exact": {
                "type": "boolean",
                "example": True,
                "description": _(
                    "false: there are more than `count` results (counting stops %(cap)d "
                    "results past the page); follow `next` to page through them all."
                )
                % {"cap": self.COUNT_CAP},
            },
            **{name: value for name, value in response["properties"].items() if name != "count"},
        }
        response["required"] = [*response.get("required", []), "count_exact"]
        return response
