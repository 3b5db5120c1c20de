"""`make run` as the README starts it, on a free port, with its SQLite file in a given folder.

Started with none of the test run's own settings (tests/support/environment.py turns HTTPS
off for the suite): the service sees the defaults a newcomer's machine has."""

import subprocess
from pathlib import Path

from harness.waiting import wait_until
from tests.support.binaries import require_binary, which
from tests.support.settings_env import environment_without_settings
from tests.support.web import LocalServer

REPO_ROOT = Path(__file__).resolve().parents[2]


class MakeRun(LocalServer):
    """`make run PORT=...` in its own process group; `stop()` ends make, runserver and its
    autoreloader together. Start it again on the same folder to restart the service."""

    name = "make run"

    def __init__(self, folder: Path):
        self.make = require_binary(which("make"), "make")
        super().__init__("make-run-")
        self.database = folder / "db.sqlite3"

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
        self._wait_serving(timeout, interval=0.3)
        return self

    def stop(self) -> None:
        if not self.running():
            return
        super().stop()
        # The runserver child may outlive make for a moment: wait until its port is free.
        wait_until(lambda: not self._healthy(), timeout=30, interval=0.2)
