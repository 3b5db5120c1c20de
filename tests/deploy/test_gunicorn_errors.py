"""gunicorn, started as the image and compose start it, answers the requests it cannot read
in the API's error shape; raw sockets send what no HTTP client library would."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.ports import free_port
from harness.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `raw` on a fresh connection; read the answer until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = dechunked(body)
    return int(status_line.split()[1]), headers, body


def dechunked(body: bytes) -> bytes:
    data = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return data
        data, body = data + body[:size], body[size + 2 :]


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def image_command(port: int) -> list[str]:
    """The image's gunicorn command (deploy/Dockerfile CMD), on a loopback port, one worker."""
    (cmd,) = re.findall(r"^CMD (\[.*\])$", (ROOT / "deploy" / "Dockerfile").read_text(), re.M)
    command = json.loads(cmd)
    assert command[0] == "gunicorn"
    command[0] = str(GUNICORN)
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    return command


@contextmanager
def serving(directory: Path, language: str) -> Iterator[int]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LANGUAGE_CODE": language,
        "LOG_LEVEL": "WARNING",
    }
    log = directory / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            image_command(port), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )

    def healthy() -> bool:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            return exchange(port, get("/health", "Host: 127.0.0.1"))[0] == 200
        except OSError:
            return False

    try:
        wait_until(
            healthy,
            timeout=60,
            interval=0.2,
            message=lambda: f"gunicorn did not start: {log.read_text()[-2000:]}",
        )
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("gunicorn"), "en") as port:
        yield port


def assert_json_error(answer, status: int, message: str) -> None:
    got_status, headers, body = answer
    assert got_status == status, body
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"Status": False, "Errors": message}


def assert_gunicorn_json_error(answer, status: int, message: str) -> None:
    """gunicorn's own answer: whole, then the connection is closed."""
    assert_json_error(answer, status, message)
    _status, headers, body = answer
    assert int(headers["content-length"]) == len(body)
    assert headers["connection"] == "close"


def test_a_request_line_too_long_is_a_json_414(gunicorn):
    answer = exchange(gunicorn, get("/api/v1/products?search=" + "a" * 5000, "Host: 127.0.0.1"))
    assert_gunicorn_json_error(answer, 414, "The request line is too long.")


def test_a_header_too_large_is_a_json_431(gunicorn):
    answer = exchange(gunicorn, get("/api/v1/shops", "Host: 127.0.0.1", "X-Big: " + "a" * 9000))
    assert_gunicorn_json_error(answer, 431, "The request headers are too large.")


def test_too_many_headers_is_a_json_431(gunicorn):
    headers = [f"X-Header-{number}: {number}" for number in range(150)]
    answer = exchange(gunicorn, get("/api/v1/shops", "Host: 127.0.0.1", *headers))
    assert_gunicorn_json_error(answer, 431, "The request headers are too large.")


@pytest.mark.parametrize(
    "raw",
    [
        b"NONSENSE\r\n\r\n",
        b"GET /api/v1/shops HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /api/v1/shops HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n",
        b"GET /api/v1/shops HTTP/1.1\r\nHost: 127.0.0.1\r\nX: a\x00b\r\n\r\n",
    ],
    ids=["request line", "version", "header name", "header value"],
)
def test_a_malformed_request_is_a_json_400(gunicorn, raw):
    assert_gunicorn_json_error(exchange(gunicorn, raw), 400, "The request could not be processed.")


def test_a_disallowed_host_is_a_json_400_on_the_api_and_a_page_in_the_admin(gunicorn):
    assert_json_error(
        exchange(gunicorn, get("/api/v1/shops", "Host: attacker.example")),
        400,
        "The request could not be processed.",
    )
    status, headers, _body = exchange(gunicorn, get("/admin/login/", "Host: attacker.example"))
    assert status == 400
    assert headers["content-type"].startswith("text/html")


def test_good_requests_are_served_as_before(gunicorn):
    status, _headers, body = exchange(gunicorn, get("/health", "Host: 127.0.0.1"))
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": True}


def test_gunicorns_errors_speak_the_configured_language(tmp_path):
    with serving(tmp_path, "ru") as port:
        answer = exchange(port, get("/api/v1/products?search=" + "a" * 5000, "Host: 127.0.0.1"))
    assert_gunicorn_json_error(answer, 414, "Строка запроса слишком длинная.")
