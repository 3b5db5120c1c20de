import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from procurement.core.errors import ErrorCode
from procurement.pricelists import fetch
from procurement.pricelists.fetch import FetchError, fetch_url, is_public_address
from procurement.pricelists.models import ImportJob
from tests.pricelists.conftest import shop1_bytes

BODY = shop1_bytes()


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

    def _redirect(self, location: str):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.IMPORT_FETCH_TIMEOUT_SECONDS = 0.5
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
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
    settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.IMPORT_FETCH_TIMEOUT_SECONDS = 0.3
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the handshake completes; nothing is ever sent
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
    settings.IMPORT_ALLOWED_HOSTS = ["prices.test"]
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


@pytest.mark.django_db
def test_url_import_through_the_api(server, supplier_client, supplier, commit_callbacks):
    with commit_callbacks():
        response = supplier_client.post(
            "/api/v1/partner/update", {"url": url(server, "/to-list")}, format="json"
        )
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert (job.state, job.created, job.source) == ("done", 14, url(server, "/to-list"))


@pytest.mark.django_db
def test_url_import_redirected_to_a_private_address_fails(
    server, supplier_client, commit_callbacks
):
    with commit_callbacks():
        response = supplier_client.post(
            "/api/v1/partner/update", {"url": url(server, "/to-private")}, format="json"
        )
    body = supplier_client.get(f"/api/v1/partner/imports/{response.json()['job']}").json()
    assert body["state"] == "failed"
    assert body["errors"] == [
        {"error": "The host 10.0.0.1 resolves to a non-public address; it is refused."}
    ]
