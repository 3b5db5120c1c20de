from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`: 20 by default, at most 100 (larger sizes are clamped).

    A `page` or `page_size` that is not a whole number of 1 or more is a 400; a page
    past the end is a 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        page = request.query_params.get(self.page_query_param)
        if page is not None and page not in self.last_page_strings and not _is_positive(page):
            errors[self.page_query_param] = [_("Must be a whole number of 1 or more.")]
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and not _is_positive(size):
            errors[self.page_size_query_param] = [_("Must be a whole number of 1 or more.")]
        if errors:
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

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
