"""`make run` as the README starts it, on a free port, with its SQLite file in a given folder.

Started with none of the test run's own settings (tests/support/environment.py turns HTTPS
off for the suite): the service sees the defaults a newcomer's machine has."""

import os
import signal
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from harness.ports import free_port
from harness.waiting import WaitTimedOut, wait_until
from tests.support.binaries import require_binary, which
from tests.support.settings_env import environment_without_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


class MakeRun:
    """`make run PORT=...` in its own process group; `stop()` ends make, runserver and its
    autoreloader together. Start it again on the same folder to restart the service."""

    def __init__(self, folder: Path):
        self.make = require_binary(which("make"), "make")
        self.database = folder / "db.sqlite3"
        self.port = free_port()
        self.log_path = Path(tempfile.mkstemp(prefix="make-run-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> "MakeRun":
        environment = environment_without_settings(DATABASE_URL=f"sqlite:///{self.database}")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.make, "run", f"PORT={self.port}"],
                cwd=REPO_ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def serving() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError("make run ended")
            return self._healthy()

        try:
            wait_until(serving, timeout=timeout, interval=0.3)
        except (WaitTimedOut, RuntimeError):
            log_text = self.log()
            self.stop()
            raise RuntimeError(f"make run did not start:\n{log_text}") from None
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # The runserver child may outlive make for a moment: wait until its port is free.
        wait_until(lambda: not self._healthy(), timeout=30, interval=0.2)
