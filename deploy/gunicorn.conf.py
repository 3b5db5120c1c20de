"""gunicorn settings of the web service: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

gunicorn answers a request it cannot read (a request line or headers over its limits, a
malformed line or header) itself, before Django sees it, with an HTML page. The worker class
here answers those in the API's error shape, `{"Status": false, "Errors": "..."}`, with the
status gunicorn chose (400, 414 for a request line too long, 431 for headers too large …),
whatever the path: gunicorn answers them before it knows which page was asked for. Errors
Django answers (a bad Host header, a 404 …) are Django's: JSON on API paths, pages elsewhere.

The worker is gunicorn's sync worker (the one the service runs: requests spend their time on
the CPU, one process per core); `--threads` is not used with it.
"""

import json
import re
from http import HTTPStatus

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


class _CapturedError:
    """Stands in for the client socket while gunicorn writes its own error page, and keeps
    the page instead of sending it: gunicorn's status and logging are kept, only the page is
    replaced."""

    def __init__(self, sock):
        self._sock = sock
        self.written = b""

    def sendall(self, data: bytes) -> None:
        self.written += data

    def setblocking(self, flag: bool) -> None:
        pass

    def gettimeout(self) -> float:
        return 0.0

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


def _json_error(status: int) -> bytes:
    # Imported here: the worker has loaded the application (and Django) by then.
    from django.conf import settings
    from django.utils import translation

    from procurement.core.views import error_message

    # The request could not be read, so neither can its Accept-Language.
    with translation.override(settings.LANGUAGE_CODE):
        body = json.dumps({"Status": False, "Errors": error_message(status)}, ensure_ascii=False)
    payload = body.encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + payload


class JsonErrorWorker(SyncWorker):
    def handle_error(self, req, client, addr, exc):
        captured = _CapturedError(client)
        super().handle_error(req, captured, addr, exc)
        matched = _STATUS_LINE.match(captured.written)
        try:
            util.write_nonblock(client, _json_error(int(matched.group(1)) if matched else 500))
        except Exception:
            self.log.debug("Failed to send error message.")


worker_class = JsonErrorWorker
