import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from procurement.core.errors import ErrorCode
from procurement.pricelists import fetch
from procurement.pricelists.fetch import (
    FetchError,
    allowed_host_entry,
    fetch_url,
    host_allowed,
    is_public_address,
)
from procurement.pricelists.models import ImportJob, PriceListSource
from procurement.pricelists.services import import_pricelist, sources_pull_due
from tests.support.pricelists import catalog_snapshot, shop1_bytes

BODY = shop1_bytes()
PRICE_PATH = "/%D0%BF%D1%80%D0%B0%D0%B9%D1%81.yaml"  # /прайс.yaml, as UTF-8 percent-encoded
PRICE_QUERY = "%D1%86%D0%B5%D0%BD%D0%B0"  # цена


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append((self.path, self.headers["Host"]))
        routes = {
            "/list.yaml": lambda: self._send(BODY),
            "/to-list": lambda: self._redirect("/list.yaml"),
            "/to-private": lambda: self._redirect("http://10.0.0.1/list.yaml"),
            "/to-metadata": lambda: self._redirect("http://169.254.169.254/latest/"),
            "/to-localhost": lambda: self._redirect(
                f"http://localhost:{self.server.server_port}/list.yaml"
            ),
            "/to-file": lambda: self._redirect("file:///etc/passwd"),
            "/loop": lambda: self._redirect("/loop"),
            "/big": lambda: self._send(b"x" * 5000, length=False),
            "/big-declared": lambda: self._send(b"x" * 5000),
            "/cut-short": self._cut_short,
            "/to-other-port": lambda: self._redirect(
                f"http://127.0.0.1:{self.server.other_port}/list.yaml"
            ),
            PRICE_PATH: lambda: self._send(BODY),
            PRICE_PATH + "?q=" + PRICE_QUERY: lambda: self._send(BODY),
            "/price%20list.yaml": lambda: self._send(BODY),
            # A non-ASCII Location as servers send it: UTF-8 (send_header writes Latin-1).
            "/to-price": lambda: self._redirect("/прайс.yaml".encode().decode("latin-1")),
        }
        routes.get(self.path, lambda: self._send(b"missing", status=404))()

    def _send(self, body: bytes, status: int = 200, length: bool = True):
        self.send_response(status)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _cut_short(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY[: len(BODY) // 2])  # then the handler ends and the connection closes
        self.close_connection = True

    def _redirect(self, location: str):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(handler=Handler) -> ThreadingHTTPServer:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.seen = []
    httpd.other_port = None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def server(settings):
    httpd = serve()
    settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{httpd.server_port}"]
    settings.IMPORT_FETCH_TIMEOUT_SECONDS = 0.5
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def connections(monkeypatch):
    """Every connection the fetcher opens; anything but 127.0.0.1 fails the test before it is made."""
    opened = []
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        assert address[0] == "127.0.0.1", f"tried to connect to {address}"
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(fetch.socket, "create_connection", guarded)
    return opened


def url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_port}{path}"


def test_fetches_from_an_allowed_local_server(server):
    assert fetch_url(url(server, "/list.yaml")) == BODY


def test_follows_a_redirect_and_checks_it(server, connections):
    assert fetch_url(url(server, "/to-list")) == BODY
    assert [path for path, _host in server.seen] == ["/to-list", "/list.yaml"]
    assert len(connections) == 2


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata", "/to-localhost", "/to-file"])
def test_a_redirect_to_a_refused_address_is_not_followed(server, connections, path):
    with pytest.raises(FetchError):
        fetch_url(url(server, path))
    assert [seen for seen, _host in server.seen] == [path]
    assert len(connections) == 1


def test_redirect_loops_end(server):
    with pytest.raises(FetchError) as caught:
        fetch_url(url(server, "/loop"))
    assert "redirects" in str(caught.value.message)
    assert len(server.seen) == fetch.MAX_REDIRECTS + 1


def test_http_errors_are_reported(server):
    with pytest.raises(FetchError) as caught:
        fetch_url(url(server, "/nothing"))
    assert "404" in str(caught.value.message)


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_size_limit_while_streaming(server, settings, path):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(Exception) as caught:
        fetch_url(url(server, path))
    assert caught.value.code == ErrorCode.TOO_LARGE


def test_a_server_that_never_answers_times_out(settings, connections):
    settings.IMPORT_FETCH_TIMEOUT_SECONDS = 0.3
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the handshake completes; nothing is ever sent
        settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{silent.getsockname()[1]}"]
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            fetch_url(f"http://127.0.0.1:{silent.getsockname()[1]}/list.yaml")
    assert time.monotonic() - started < 3
    assert "in time" in str(caught.value.message)
    assert len(connections) == 1


@pytest.mark.parametrize(
    "refused",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/list.yaml",
        "http://localhost/list.yaml",
        "http://127.0.0.1/list.yaml",
        "http://127.1.2.3/list.yaml",
        "http://0.0.0.0/list.yaml",
        "http://10.0.0.1/list.yaml",
        "http://172.16.5.4/list.yaml",
        "http://192.168.1.1/list.yaml",
        "http://100.64.0.1/list.yaml",
        "http://169.254.169.254/latest/meta-data/",
        "http://224.0.0.1/list.yaml",
        "http://240.0.0.1/list.yaml",
        "http://255.255.255.255/list.yaml",
        "http://[::1]/list.yaml",
        "http://[::]/list.yaml",
        "http://[fe80::1]/list.yaml",
        "http://[fc00::1]/list.yaml",
        "http://[ff02::1]/list.yaml",
        "http://[::ffff:10.0.0.1]/list.yaml",
        "http://[::ffff:127.0.0.1]/list.yaml",
        "http://[2002:a00:1::]/list.yaml",
        "https://user:secret@example.com/list.yaml",
        "http:///list.yaml",
        "http://127.0.0.1:99999/list.yaml",
    ],
)
def test_refused_urls_never_connect(settings, connections, refused):
    settings.IMPORT_ALLOWED_HOSTS = []
    with pytest.raises(FetchError):
        fetch_url(refused)
    assert connections == []


def test_a_name_resolving_to_a_private_address_is_refused(settings, monkeypatch, connections):
    settings.IMPORT_ALLOWED_HOSTS = []
    monkeypatch.setattr(
        fetch.socket,
        "getaddrinfo",
        lambda host, port, *args, **kw: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))
        ],
    )
    with pytest.raises(FetchError) as caught:
        fetch_url("http://intranet.example/list.yaml")
    assert "non-public" in str(caught.value.message)
    assert connections == []


def test_the_checked_address_is_the_one_connected_to(server, settings, monkeypatch):
    settings.IMPORT_ALLOWED_HOSTS = [f"prices.test:{server.server_port}"]
    answers = iter(["127.0.0.1", "10.9.9.9"])  # a second lookup would get a private address
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host != "prices.test":  # the connection to the literal address
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolve)
    assert fetch_url(f"http://prices.test:{server.server_port}/list.yaml") == BODY
    assert server.seen == [("/list.yaml", f"prices.test:{server.server_port}")]


@pytest.mark.parametrize("address", ["8.8.8.8", "2a00:1450:4001::1", "77.88.55.60"])
def test_public_addresses_pass_the_check(address):
    assert is_public_address(ipaddress.ip_address(address))


def import_by_url(client, commit_callbacks, address: str):
    """POST partner/update with the URL, its job run as the request commits."""
    with commit_callbacks():
        return client.post("/api/v1/partner/update", {"url": address}, format="json")


@pytest.mark.django_db
def test_url_import_through_the_api(server, supplier_client, supplier, commit_callbacks):
    response = import_by_url(supplier_client, commit_callbacks, url(server, "/to-list"))
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert (job.state, job.created, job.source) == ("done", 14, url(server, "/to-list"))


@pytest.mark.django_db
def test_url_import_redirected_to_a_private_address_fails(
    server, supplier_client, commit_callbacks
):
    response = import_by_url(supplier_client, commit_callbacks, url(server, "/to-private"))
    body = supplier_client.get(f"/api/v1/partner/imports/{response.json()['job']}").json()
    assert body["state"] == "failed"
    refused = "The host 10.0.0.1 resolves to a non-public address; it is refused."
    assert body["errors"] == [{"error": refused, "message": refused}]


class Dripping:
    """A server that accepts, then sends a few bytes every `pause` seconds: each read gets
    something in time, so only a deadline over the whole download ends it."""

    def __init__(self, chunks: list[bytes], pause: float, stop_after: float = 20):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.chunks, self.pause, self.stop_after = chunks, pause, stop_after
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _address = self.listener.accept()
        with connection:
            ends = time.monotonic() + self.stop_after  # so a fetch without a deadline ends too
            for chunk in self.chunks:
                if time.monotonic() > ends:
                    return
                try:
                    connection.sendall(chunk)
                except OSError:
                    return  # the client gave up
                time.sleep(self.pause)

    def close(self):
        self.listener.close()
        self.thread.join(timeout=30)


DEADLINE = 1.5
MARGIN = 5  # generous: the point is "about the deadline", not "forever"


@pytest.mark.parametrize(
    "chunks",
    [
        # The status line, then the headers one byte at a time.
        [b"HTTP/1.1 200 OK\r\n"] + [b"X"] * 1000,
        # Headers at once, then a declared body one byte at a time.
        [b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"] + [b"x"] * 1000,
        # A chunked body, one byte per chunk.
        [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"] + [b"1\r\nx\r\n"] * 1000,
        # Bodies that end when the server closes the connection: http.client lets go of
        # the connection's socket as soon as it has the headers of such an answer.
        [b"HTTP/1.0 200 OK\r\n\r\n"] + [b"x"] * 1000,
        [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"] + [b"x"] * 1000,
    ],
    ids=["slow-headers", "slow-body", "slow-chunks", "slow-http-1.0", "slow-until-close"],
)
def test_one_deadline_covers_headers_and_body(settings, connections, chunks):
    server = Dripping(chunks, pause=0.1)
    settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{server.port}"]
    settings.IMPORT_FETCH_TIMEOUT_SECONDS = 1  # each byte comes well within it
    settings.IMPORT_FETCH_DEADLINE_SECONDS = DEADLINE
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as caught:
            fetch_url(f"http://127.0.0.1:{server.port}/list.yaml")
    finally:
        server.close()
    assert time.monotonic() - started < DEADLINE + MARGIN
    assert str(caught.value.message) == "The download took too long."
    assert caught.value.problems == [{"error": "The download took too long."}]
    assert not server.thread.is_alive()  # the fetch hung up: the server stopped sending


@pytest.mark.django_db
def test_a_url_import_dripping_until_the_server_closes_fails_at_the_deadline(
    settings, supplier, supplier_client, commit_callbacks
):
    import_pricelist(supplier=supplier, data=BODY, source="setup")
    before = catalog_snapshot()
    # A valid price list, each byte a pause later, then the connection closed: HTTP/1.0.
    server = Dripping([b"HTTP/1.0 200 OK\r\n\r\n", *(bytes([byte]) for byte in BODY)], 0.1)
    settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{server.port}"]
    settings.IMPORT_FETCH_TIMEOUT_SECONDS = 1
    settings.IMPORT_FETCH_DEADLINE_SECONDS = DEADLINE
    started = time.monotonic()
    try:
        with commit_callbacks():
            response = supplier_client.post(
                "/api/v1/partner/update",
                {"url": f"http://127.0.0.1:{server.port}/list.yaml"},
                format="json",
            )
    finally:
        server.close()
    assert time.monotonic() - started < DEADLINE + MARGIN  # the server sends for 20 s
    assert not server.thread.is_alive()
    job = ImportJob.objects.get(pk=response.json()["job"])
    too_long = "The download took too long."
    assert (job.state, job.errors) == ("failed", [{"error": too_long, "message": too_long}])
    assert catalog_snapshot() == before


def test_the_deadline_covers_the_redirects_together(server, settings):
    settings.IMPORT_FETCH_DEADLINE_SECONDS = DEADLINE
    dripping = Dripping([b"HTTP/1.1 200 OK\r\n"] + [b"X"] * 1000, pause=0.1)
    server.other_port = dripping.port
    settings.IMPORT_ALLOWED_HOSTS += [f"127.0.0.1:{dripping.port}"]
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as caught:
            fetch_url(url(server, "/to-other-port"))
    finally:
        dripping.close()
    assert time.monotonic() - started < DEADLINE + MARGIN
    assert str(caught.value.message) == "The download took too long."


def test_a_body_shorter_than_its_content_length_is_refused(server):
    with pytest.raises(FetchError) as caught:
        fetch_url(url(server, "/cut-short"))
    assert str(caught.value.message) == "The download was cut short."


def test_an_allowed_host_without_a_port_is_allowed_on_80_and_443_only(settings, connections):
    httpd = serve()
    try:
        settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1"]
        with pytest.raises(FetchError) as caught:
            fetch_url(f"http://127.0.0.1:{httpd.server_port}/list.yaml")
        assert "non-public" in str(caught.value.message)
        assert connections == [] and httpd.seen == []

        settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{httpd.server_port + 1}"]
        with pytest.raises(FetchError):
            fetch_url(f"http://127.0.0.1:{httpd.server_port}/list.yaml")
        assert connections == [] and httpd.seen == []

        settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{httpd.server_port}"]
        assert fetch_url(f"http://127.0.0.1:{httpd.server_port}/list.yaml") == BODY
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(server, connections):
    other = serve()  # listening, but not allowed: e.g. a Redis next to the price lists
    server.other_port = other.server_port
    try:
        with pytest.raises(FetchError) as caught:
            fetch_url(url(server, "/to-other-port"))
    finally:
        other.shutdown()
        other.server_close()
    assert "non-public" in str(caught.value.message)
    assert other.seen == []
    assert connections == [("127.0.0.1", server.server_port)]


@pytest.mark.parametrize(
    "entry, host, port, allowed",
    [
        ("prices.local", "prices.local", 80, True),
        ("prices.local", "prices.local", 443, True),
        ("prices.local", "prices.local", 6379, False),
        ("PRICES.local:8080", "prices.local", 8080, True),
        ("prices.local:8080", "prices.local", 80, False),
        ("prices.local:8080", "other.local", 8080, False),
        ("10.0.0.5", "10.0.0.5", 443, True),
        ("10.0.0.5:6379", "10.0.0.5", 6379, True),
        ("10.0.0.5", "10.0.0.5", 6379, False),
        ("::1", "::1", 80, True),
        ("::1", "::1", 8080, False),
        ("[::1]", "::1", 443, True),
        ("[::1]:8080", "::1", 8080, True),
        ("[::1]:8080", "0:0::1", 8080, True),
        ("[::1]:8080", "::1", 80, False),
    ],
)
def test_allowed_hosts_entries_name_their_ports(settings, entry, host, port, allowed):
    settings.IMPORT_ALLOWED_HOSTS = [entry]
    assert host_allowed(host, port) is allowed


@pytest.mark.parametrize("entry", ["prices.local:", "prices.local:http", "[::1", "[::1]x", ":80"])
def test_a_bad_allowed_hosts_entry_is_a_configuration_error(settings, entry):
    settings.IMPORT_ALLOWED_HOSTS = [entry]
    with pytest.raises(ImproperlyConfigured):
        allowed_host_entry(entry)
    assert [message.id for message in run_checks()] == ["pricelists.E001"]


@pytest.mark.parametrize(
    "typed, requested",
    [
        ("http://h.example/list.yaml?a=1&b=%20#top", "http://h.example/list.yaml?a=1&b=%20#top"),
        ("http://h.example/прайс.yaml", f"http://h.example{PRICE_PATH}"),
        (
            "http://h.example/a b.yaml?q=цена#ф",
            "http://h.example/a%20b.yaml?q=" + PRICE_QUERY + "#%D1%84",
        ),
        (f"http://h.example{PRICE_PATH}", f"http://h.example{PRICE_PATH}"),  # encoded once only
        ("  http://h.example/list.yaml \n", "http://h.example/list.yaml"),  # pasted with spaces
        (
            "https://Пример.РФ:8443/прайс",
            "https://xn--e1afmkfd.xn--p1ai:8443/%D0%BF%D1%80%D0%B0%D0%B9%D1%81",
        ),
        ("http://[::1]:8080/a b", "http://[::1]:8080/a%20b"),
    ],
)
def test_a_url_is_requested_as_a_browser_sends_it(typed, requested):
    assert fetch.requested_url(typed) == requested
    assert fetch.requested_url(requested) == requested


@pytest.mark.parametrize(
    "refused, message",
    [
        ("http://h.example/a\r\nX-Injected: 1", "control characters"),
        ("http://h.example/a\tb.yaml", "control characters"),
        ("http://h.example/a\x00.yaml", "control characters"),
        ("http://h.example/a\x7f.yaml", "control characters"),
        ("http://h.example/\ud800.yaml", "not valid"),
        ("http://пример..рф/list.yaml", "not valid"),
    ],
)
def test_a_url_with_control_characters_is_refused_before_any_connection(
    settings, connections, refused, message
):
    settings.IMPORT_ALLOWED_HOSTS = ["h.example", "127.0.0.1"]
    for refuse in (fetch.check_url, fetch_url):
        with pytest.raises(FetchError) as caught:
            refuse(refused)
        assert message in str(caught.value.message)
    assert connections == []


@pytest.mark.parametrize(
    "path, seen",
    [
        ("/прайс.yaml", PRICE_PATH),
        ("/прайс.yaml?q=цена", f"{PRICE_PATH}?q={PRICE_QUERY}"),
        ("/price list.yaml", "/price%20list.yaml"),
        ("/to-price", PRICE_PATH),  # a redirect's UTF-8 Location
    ],
)
def test_a_non_ascii_url_is_fetched_percent_encoded(server, path, seen):
    assert fetch_url(url(server, path)) == BODY
    assert server.seen[-1][0] == seen


def test_an_idn_host_is_requested_in_punycode(server, settings, monkeypatch):
    punycode = f"xn--e1afmkfd.xn--p1ai:{server.server_port}"
    settings.IMPORT_ALLOWED_HOSTS = [f"пример.рф:{server.server_port}"]
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host == "xn--e1afmkfd.xn--p1ai":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        assert host.isascii(), host
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolve)
    assert fetch_url(f"http://Пример.рф:{server.server_port}/list.yaml") == BODY
    assert server.seen == [("/list.yaml", punycode)]


@pytest.mark.django_db
def test_a_non_ascii_url_is_imported_and_stored_as_it_is_requested(
    server, supplier_client, commit_callbacks
):
    response = import_by_url(supplier_client, commit_callbacks, url(server, "/прайс.yaml?q=цена"))
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["job"])
    requested = url(server, f"{PRICE_PATH}?q={PRICE_QUERY}")
    assert (job.state, job.created, job.url, job.source) == ("done", 14, requested, requested)
    assert [path for path, _host in server.seen] == [f"{PRICE_PATH}?q={PRICE_QUERY}"]


@pytest.mark.django_db
def test_a_non_ascii_schedule_is_stored_and_pulled_as_it_is_requested(
    server, supplier, supplier_client, commit_callbacks
):
    response = supplier_client.put(
        "/api/v1/partner/source",
        {"url": url(server, "/прайс.yaml"), "every": "daily"},
        format="json",
    )
    requested = url(server, PRICE_PATH)
    assert (response.status_code, response.json()["url"]) == (200, requested)
    assert PriceListSource.objects.get(supplier=supplier).url == requested
    with commit_callbacks():
        [job_id] = sources_pull_due()
    job = ImportJob.objects.get(pk=job_id)
    assert (job.state, job.created, job.url) == ("done", 14, requested)
    assert [path for path, _host in server.seen] == [PRICE_PATH]
    # The same URL typed either way is the same schedule: its validators are kept.
    PriceListSource.objects.update(etag='"v1"')
    supplier_client.put(
        "/api/v1/partner/source", {"url": requested, "every": "daily"}, format="json"
    )
    assert PriceListSource.objects.get().etag == '"v1"'


REFUSED_URLS = [
    ("/a\r\nX-Injected: 1", "The URL must not contain control characters such as line breaks."),
    ("/a\tb.yaml", "The URL must not contain control characters such as line breaks."),
    # 400 characters typed, 2,400 once encoded ({} is the length of the URL's start)
    ("/" + "ц" * 400, "The URL is too long: once encoded its length is {}, at most 2000."),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path, refusal", REFUSED_URLS)
def test_an_import_url_refused_for_its_characters_is_400_and_starts_nothing(
    server, supplier, supplier_client, commit_callbacks, path, refusal
):
    import_pricelist(supplier=supplier, data=BODY, source="setup")
    before, jobs = catalog_snapshot(), ImportJob.objects.count()
    response = import_by_url(supplier_client, commit_callbacks, url(server, path))
    assert response.status_code == 400
    refusal = refusal.format(len(url(server, "/")) + 400 * len("%D1%86"))
    assert response.json() == {"Status": False, "Errors": refusal}
    assert ImportJob.objects.count() == jobs
    assert catalog_snapshot() == before
    assert server.seen == []


@pytest.mark.django_db
@pytest.mark.parametrize("path, refusal", REFUSED_URLS)
def test_a_schedule_refused_for_its_characters_is_400_and_keeps_the_old_one(
    server, supplier, supplier_client, path, refusal
):
    kept = url(server, "/list.yaml")
    supplier_client.put("/api/v1/partner/source", {"url": kept, "every": "daily"}, format="json")
    response = supplier_client.put(
        "/api/v1/partner/source", {"url": url(server, path), "every": "hourly"}, format="json"
    )
    assert response.status_code == 400
    refusal = refusal.format(len(url(server, "/")) + 400 * len("%D1%86"))
    assert response.json() == {"Status": False, "Errors": refusal}
    assert list(PriceListSource.objects.values_list("url", "every")) == [(kept, "daily")]
    assert server.seen == []
