from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, 20 by default and 100 at most; a page past the end is 404."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
