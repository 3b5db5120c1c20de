"""Real `celery -A config worker` and `celery -A config beat` processes, using the test
database and a test broker."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from django.db import connection

from harness.waiting import WaitTimedOut, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]


def database_url_of_test_database() -> str:
    """The URL of the database this test process uses, for another process to open."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return (
        f"postgres://{config['USER']}{password}@{config['HOST']}:{config['PORT']}/{config['NAME']}"
    )


class _CeleryProcess:
    """A `celery -A config <command>` process with the test's database and broker."""

    command: list[str]
    ready_marker: str

    def __init__(self, *, broker_url: str, extra_env: dict[str, str] | None = None):
        self.log_path = Path(
            tempfile.mkstemp(prefix=f"celery-{self.command[0]}-", suffix=".log")[1]
        )
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url_of_test_database(),
            "CELERY_BROKER_URL": broker_url,
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "_CeleryProcess":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", *self.command],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = self.process

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"celery {self.command[0]} exited")
            return self.ready_marker in self.log()

        try:
            wait_until(ready, timeout=timeout, interval=0.1)
        except (WaitTimedOut, RuntimeError):
            log_text = self.log()
            self.stop()
            raise RuntimeError(f"celery {self.command[0]} did not start:\n{log_text}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class CeleryWorker(_CeleryProcess):
    """`beat=True` runs the periodic tasks in the worker too (`-B`), as the beat service does;
    `queues` limits it to those queues (`-Q`), else it takes every queue."""

    ready_marker = "ready."

    def __init__(
        self,
        *,
        broker_url: str,
        extra_env: dict[str, str] | None = None,
        beat: bool = False,
        queues: list[str] | None = None,
    ):
        name = "-".join(queues) if queues else "all"
        self.command = [
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"test-{os.getpid()}-{name}@%h",
        ]
        if queues:
            self.command += ["--queues", ",".join(queues)]
        super().__init__(broker_url=broker_url, extra_env=extra_env)
        if beat:  # beat's record of its last runs goes beside the log
            schedule = self.log_path.with_suffix(".schedule")
            self.command += ["--beat", "--schedule", str(schedule)]

    def pool_processes(self) -> list[int]:
        """The pids of the pool processes that run the tasks."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def kill_pool_process(self) -> int:
        pid = self.pool_processes()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill(self) -> None:
        """SIGKILL the main process and every process it started (pool, beat): the node is
        lost, with no chance to requeue or acknowledge anything."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class CeleryBeat(_CeleryProcess):
    """`celery beat`: sends the periodic tasks of CELERY_BEAT_SCHEDULE through the broker
    (MAINTENANCE_INTERVAL_SECONDS in `extra_env` makes them come often)."""

    ready_marker = "beat: Starting..."

    def __init__(self, *, broker_url: str, extra_env: dict[str, str] | None = None):
        self.schedule_dir = Path(tempfile.mkdtemp(prefix="celery-beat-"))
        self.command = [
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(self.schedule_dir / "schedule"),
        ]
        super().__init__(broker_url=broker_url, extra_env=extra_env)

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.schedule_dir, ignore_errors=True)
