"""What every page shares: refusals shown as pages with their true status, the suppliers'
gate, the login throttle, pages of a list."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from procurement.accounts.models import User
from procurement.core import views as core_views
from procurement.core.errors import RETRY_AFTER_SECONDS, ApplicationError, ErrorCode
from procurement.core.pagination import MAX_PAGE_DIGITS, KnownCountPaginator, capped_window
from procurement.core.throttling import AuthRateThrottle, try_again_in

PAGE_SIZE = 20


class LoggedInRequest(HttpRequest):
    """The request of a page behind `buyer_page` or `supplier_page`: its user has logged in."""

    user: User


def refusal_page(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    response = render(
        request, "web/refused.html", {"message": error.message}, status=error.status_code
    )
    if error.code == ErrorCode.UNAVAILABLE:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def shows_refusals(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A refusal the view does not show on its own form becomes a page with the message and
    the status the API would answer (404 for another buyer's order, 409, 413, ...)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as error:
            return refusal_page(request, error)

    return wrapper


def buyer_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Any logged-in account, as the API's basket and orders."""
    return login_required(shows_refusals(view))


def supplier_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Supplier accounts only, as the API's partner paths."""

    @wraps(view)
    def wrapper(request: LoggedInRequest, *args, **kwargs) -> HttpResponseBase:
        if not request.user.is_supplier:
            # Answered here, not raised as PermissionDenied: Django's 403 handler would put
            # its generic message in place of this one and log a traceback for a plain refusal.
            message = _("Only supplier accounts may use this page.")
            return refusal_page(request, ApplicationError(ErrorCode.FORBIDDEN, message))
        return view(request, *args, **kwargs)

    return login_required(shows_refusals(wrapper))


def throttled(request: HttpRequest) -> HttpResponse | None:
    """The 429 page when this client posted a password form past AUTH_THROTTLE_RATE (the
    counts the API's logins and the admin's use); None when it may go on."""
    throttle = AuthRateThrottle()
    if throttle.allow_request(request, None):
        return None
    seconds, message = try_again_in(throttle.wait())
    response = render(request, "web/refused.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def page_of(request: HttpRequest, items, *, paginator: Paginator | None = None) -> Page:
    """The page `?page=` asks for; anything that is not a page number gives the first, a
    number past the end the last."""
    paginator = paginator or Paginator(items, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


@dataclass
class CappedPage:
    """A page whose count stops COUNT_CAP results past it (`count_capped`: there are more
    than `count`), with the previous and next pages of Django's `Page` for the links."""

    object_list: list[Any]
    number: int
    count: int
    count_capped: bool
    has_next: bool

    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def paginator(self) -> Paginator | None:
        """An exact count's pages (a Paginator told the count), for "Page N of M"; None
        while the count is capped."""
        if self.count_capped:
            return None
        return KnownCountPaginator([], PAGE_SIZE, count=self.count)

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def capped_page_of(
    request: HttpRequest, items: QuerySet, *, fetch: Callable[[list[Any]], list[Any]]
) -> Page | CappedPage:
    """The page `?page=` asks for of a filtered list, counted as the API counts it (up to
    COUNT_CAP past the page); `fetch(keys)` loads the page's rows in the keys' order.

    As `page_of`: anything that is not a page number gives the first; a number past the
    end (rare: no link leads there) the last, which takes an exact count to find."""
    number = request.GET.get("page", "")
    number = number if number.isascii() and number.isdigit() and number.strip("0") else "1"
    if len(number.lstrip("0")) <= MAX_PAGE_DIGITS:
        window = capped_window(items, number=int(number), size=PAGE_SIZE)
        if window.keys or number == "1":
            return CappedPage(
                object_list=fetch(window.keys) if window.keys else [],
                number=int(number),
                count=window.count,
                count_capped=not window.count_exact,
                has_next=window.has_next,
            )
    return Paginator(items, PAGE_SIZE).get_page(number)


def query_without_page(request: HttpRequest) -> str:
    """The query string minus `page`, for the links to other pages of the same list."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def next_url(request: HttpRequest, default: str) -> str:
    """Where to go after a form: `next` when it is a printable path of this site, else
    `default` (a path)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form of the site's pages refused by its CSRF check says what to do: Django's page is
    for developers (it tells the reader to set DEBUG=True), and a visitor meets it on a form
    left open past a new login. The API and the admin answer as `core.views` does."""
    if core_views.is_api_path(request.path) or request.path.startswith(reverse("admin:index")):
        return core_views.csrf_failure(request, reason)
    message = _("The form expired or came from another site: reload the page and try again.")
    return render(request, "web/refused.html", {"message": message}, status=403)
