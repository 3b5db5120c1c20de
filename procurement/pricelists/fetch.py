"""Fetching a price list from a URL a supplier names, without letting it reach internal hosts.

Only http and https. A URL is requested as browsers send it: a non-ASCII host name in IDNA
(punycode), spaces and non-ASCII characters in the path, query and fragment percent-encoded
as UTF-8 (`/прайс.yaml` → `/%D0%BF%D1%80…`), `%` escapes already there kept. A URL with a
control character (a line break, a tab) is refused rather than guessed at: it is a paste
gone wrong or a try at adding a header to the request.

The host is resolved once and every address it resolves to must be a public one (unless
IMPORT_ALLOWED_HOSTS lets that host in on that port: an entry allows ports 80 and 443 only,
unless it names a port, so allowing a supplier's intranet server does not open the Redis or
PostgreSQL port next to it); the connection then goes to the address that was checked, so a
second DNS answer cannot redirect it. Redirects are followed by hand and checked the same way.

Socket time-outs bound each connect and read, but a server that sends one byte every few
seconds never trips them; so one deadline covers the whole download (connect, TLS, headers,
body and every redirect), enforced by a watchdog that shuts the socket down when it passes,
which ends whatever read is blocked on it, however the body is delimited (a length, chunks,
or the end of the connection). The size limit is enforced while streaming, and a body
shorter than its Content-Length is refused rather than imported half.

A scheduled pull asks with the validators of the last list it imported (`If-None-Match`,
`If-Modified-Since`): a server that answers 304 sends nothing and nothing is imported.
"""

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from procurement.pricelists.errors import ImportFailed
from procurement.pricelists.parse import max_bytes, too_large_error

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
USER_AGENT = "procurement-pricelist-fetcher/1.0"
_REDIRECTS = {301, 302, 303, 307, 308}
DEFAULT_PORTS = frozenset({80, 443})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(ImportFailed):
    """The price list at a URL cannot be fetched, or the URL is refused."""


def timeout_seconds() -> float:
    return float(settings.IMPORT_FETCH_TIMEOUT_SECONDS)


def deadline_seconds() -> float:
    return float(settings.IMPORT_FETCH_DEADLINE_SECONDS)


# C0 controls (line breaks, tabs, NUL) and DEL: refused anywhere in a URL.
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def requested_url(url: str) -> str:
    """`url` as it is requested: its host name in IDNA, its path, query and fragment
    percent-encoded where they are not printable ASCII (a space too). Refuses a URL with a
    control character, or one that is not an http(s) URL (`check_url_syntax`).

    Encoding what is encoded already changes nothing, so a stored URL can be passed again."""
    url = url.strip()
    if _CONTROL.search(url):
        raise FetchError(_("The URL must not contain control characters such as line breaks."))
    check_url_syntax(url)
    if url.isascii() and " " not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    try:
        if not netloc.isascii():
            host = str(parts.hostname).encode("idna").decode("ascii")
            netloc = host if parts.port is None else f"{host}:{parts.port}"
        return parts._replace(
            netloc=netloc,
            path=_percent_encoded(parts.path),
            query=_percent_encoded(parts.query),
            fragment=_percent_encoded(parts.fragment),
        ).geturl()
    except UnicodeError:  # a label IDNA refuses (empty, too long), a lone surrogate
        raise FetchError(_("The URL is not valid.")) from None


def _percent_encoded(text: str) -> str:
    return "".join(char if "!" <= char <= "~" else quote(char, safe="") for char in text)


def check_url_syntax(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; refuses anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError(_("The URL is not valid.")) from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(_("Only http and https URLs are allowed."))
    if not parts.hostname:
        raise FetchError(_("The URL has no host."))
    if parts.username or parts.password:
        raise FetchError(_("URLs with credentials are not allowed."))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and not is_public_address(embedded):
            return False
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def allowed_host_entry(entry: str) -> tuple[str, frozenset[int]]:
    """An IMPORT_ALLOWED_HOSTS entry → (host, ports): `host`, `host:port`, `v6`, `[v6]:port`."""
    text = entry.strip().lower()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ImproperlyConfigured(f"IMPORT_ALLOWED_HOSTS: {entry!r} is not host[:port]")
        port = rest[1:] or None
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:  # a name, an IPv4 address or a bare IPv6 address
        host, port = text, None
    if not host:
        raise ImproperlyConfigured(f"IMPORT_ALLOWED_HOSTS: {entry!r} has no host")
    if not host.isascii():  # compared with a URL's host, which is requested in IDNA
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ImproperlyConfigured(
                f"IMPORT_ALLOWED_HOSTS: {entry!r} is not a valid host name"
            ) from None
    if port is None:
        return host, DEFAULT_PORTS
    if not port.isdecimal() or not 1 <= int(port) <= 65535:
        raise ImproperlyConfigured(f"IMPORT_ALLOWED_HOSTS: {entry!r} has no valid port")
    return host, frozenset({int(port)})


def _same_host(first: str, second: str) -> bool:
    try:
        return ipaddress.ip_address(first) == ipaddress.ip_address(second)
    except ValueError:
        return first == second


def host_allowed(host: str, port: int) -> bool:
    """Whether IMPORT_ALLOWED_HOSTS lets `host` in on `port` even on a non-public address."""
    host = host.lower()
    for entry in settings.IMPORT_ALLOWED_HOSTS:
        allowed, ports = allowed_host_entry(entry)
        if port in ports and _same_host(host, allowed):
            return True
    return False


def resolve_checked(host: str, port: int) -> str:
    """The address to connect to; refuses hosts that resolve to a non-public address."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise FetchError(
                _("The host %(host)s could not be resolved.") % {"host": host}
            ) from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise FetchError(_("The host %(host)s could not be resolved.") % {"host": host})
    if not host_allowed(host, port):
        for address in addresses:
            if not is_public_address(address):
                raise FetchError(
                    _("The host %(host)s resolves to a non-public address; it is refused.")
                    % {"host": host}
                )
    return str(addresses[0])


def check_url(url: str) -> str:
    """Refuse a URL without fetching it: its scheme, its characters, and where its host
    resolves to; else the URL as it will be requested (`requested_url`).

    The fetch resolves and checks the host again and connects to the address it checked,
    so a name that resolves elsewhere later is still refused.
    """
    url = requested_url(url)
    _scheme, host, port = check_url_syntax(url)
    resolve_checked(host, port)
    return url


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while sending the URL's host name.

    `opened` is the socket the download reads from, for the watchdog: `sock` is not, once
    the headers of an answer whose body ends with the connection (HTTP/1.0, or
    `Connection: close` without a length) are in: http.client then closes the connection
    and sets `sock` to None while the response goes on reading the same socket.
    """

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.opened: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.opened = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        # The handshake after the TLS socket is `opened`, so the watchdog can end it too
        # (wrapping detaches the plain socket: shutting that one down would do nothing).
        self.sock = self.opened = context.wrap_socket(
            self.sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.sock.do_handshake()


class _Deadline:
    """The moment the whole download must be over, and the watchdog that enforces it."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.expired = False

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.at

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise _too_long()
        return left

    @contextmanager
    def watching(self, connection: _PinnedHTTPConnection) -> Iterator[None]:
        timer = threading.Timer(self.remaining(), self._expire, args=(connection,))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _expire(self, connection: _PinnedHTTPConnection) -> None:
        self.expired = True
        sock = connection.opened
        if sock is None:  # still connecting: the connect time-out bounds that
            return
        # The plain socket's shutdown, also for TLS: it ends a read blocked in another thread
        # without touching the TLS object that read is using. OSError: already closed (a
        # closed socket object has no descriptor left, so no other connection's is hit).
        with suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _too_long() -> FetchError:
    return FetchError(_("The download took too long."))


@dataclass(frozen=True)
class Fetched:
    body: bytes
    etag: str  # the validators the server sent with it ("" when none)
    last_modified: str


def fetch_url(url: str, *, limit: int | None = None) -> bytes:
    """GET `url` and return the body; FetchError (or TOO_LARGE) when it is refused or fails."""
    fetched = fetch_if_changed(url, limit=limit)
    if fetched is None:  # (not reached: asked without validators, a 304 is refused as such)
        raise FetchError(_("The server answered with HTTP status %(status)d.") % {"status": 304})
    return fetched.body


def fetch_if_changed(
    url: str, *, etag: str = "", last_modified: str = "", limit: int | None = None
) -> Fetched | None:
    """GET `url` unless it is unchanged since the list that had these validators: None when
    the server answers 304 Not Modified; else the body and its validators."""
    conditions = {}
    if etag:
        conditions["If-None-Match"] = etag
    if last_modified:
        conditions["If-Modified-Since"] = last_modified
    limit = max_bytes() if limit is None else limit
    deadline = _Deadline(deadline_seconds())
    for _redirect in range(MAX_REDIRECTS + 1):
        url = requested_url(url)
        scheme, host, port = check_url_syntax(url)
        address = resolve_checked(host, port)
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        timeout = min(timeout_seconds(), deadline.remaining())
        connection = connection_class(host, port, address, timeout)
        try:
            with deadline.watching(connection):
                location = _request(connection, url, limit=limit, conditions=conditions)
            if deadline.passed():  # the watchdog's shutdown can look like the end of the body
                raise _too_long()
            if not isinstance(location, str):
                return location
        except (OSError, http.client.HTTPException, FetchError) as error:
            if deadline.passed():  # whatever the shutdown made the read fail with
                raise _too_long() from None
            if isinstance(error, FetchError):
                raise
            if isinstance(error, TimeoutError | socket.timeout):
                raise FetchError(_("The server did not answer in time.")) from None
            raise FetchError(
                _("The price list could not be downloaded: %(problem)s") % {"problem": error}
            ) from None
        finally:
            connection.close()
        url = urljoin(url, location)
    raise FetchError(_("Too many redirects."))


def _request(
    connection: _PinnedHTTPConnection, url: str, *, limit: int, conditions: dict[str, str]
) -> Fetched | str | None:
    """The body, None when unchanged (304), or the next URL when the answer is a redirect."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connection.request(
        "GET",
        target,
        headers={
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",
            "Accept": "*/*",
            **conditions,
        },
    )
    response = connection.getresponse()
    if response.status == 304 and conditions:
        return None
    if response.status in _REDIRECTS:
        location = response.getheader("Location")
        if not location:
            raise FetchError(_("A redirect without a Location header."))
        # http.client reads headers as Latin-1; a non-ASCII Location is UTF-8, as browsers
        # read it (then encoded again for the request), unless it cannot be.
        with suppress(UnicodeError):
            return location.encode("latin-1").decode("utf-8")
        return location
    if response.status != 200:
        raise FetchError(
            _("The server answered with HTTP status %(status)d.") % {"status": response.status}
        )
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large_error(limit)
    parts_read: list[bytes] = []
    size = 0
    while chunk := response.read1(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise too_large_error(limit)
        parts_read.append(chunk)
    if response.length:  # the connection ended before the declared length
        raise FetchError(_("The download was cut short."))
    return Fetched(
        body=b"".join(parts_read),
        etag=(response.getheader("ETag") or "")[:200],
        last_modified=(response.getheader("Last-Modified") or "")[:100],
    )
