"""A real gunicorn serving the project on a free port, in its own process group."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from harness.ports import free_port
from harness.waiting import WaitTimedOut, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]


class LocalServer:
    """A service started in its own process group on a free port, its output in a log file;
    `start()` waits until `/health` answers, `stop()` ends the whole group."""

    name = "the server"

    def __init__(self, log_prefix: str):
        self.port = free_port()
        self.log_path = Path(tempfile.mkstemp(prefix=log_prefix, suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_serving(self, timeout: float, interval: float) -> None:
        process = self.process

        def serving() -> bool:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{self.name} ended")
            return self._healthy()

        try:
            wait_until(serving, timeout=timeout, interval=interval)
        except (WaitTimedOut, RuntimeError):
            log_text = self.log()
            self.stop()
            raise RuntimeError(f"{self.name} did not start:\n{log_text}") from None

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class GunicornServer(LocalServer):
    """gunicorn as the service runs it: with deploy/gunicorn.conf.py (sync workers)."""

    name = "gunicorn"

    def __init__(self, *, env: dict[str, str], workers: int = 2):
        super().__init__("gunicorn-")
        self.env = env
        self.workers = workers

    def start(self, timeout: float = 60) -> "GunicornServer":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--config",
                    str(REPO_ROOT / "deploy" / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "60",
                ],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_serving(timeout, interval=0.2)
        return self

    def __enter__(self) -> "GunicornServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def json_call(
    url: str, method: str = "GET", body: dict | None = None, token: str | None = None
) -> tuple[int, object]:
    """One JSON request to a live server: (status, the decoded body, or its text)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text or b"null")
    except ValueError:
        return status, text.decode(errors="replace")
