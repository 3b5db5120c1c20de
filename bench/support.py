"""What the benchmarks share: Django against a given database, gunicorn and a Celery worker
on loopback, an HTTP client with keep-alive, percentiles. Everything started is stopped."""

import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.pgbouncer import PgBouncer, pgbouncer_binary  # noqa: E402
from harness.ports import free_port  # noqa: E402
from harness.postgres import PostgresCluster, postgres_bindir  # noqa: E402
from harness.redis import RedisServer  # noqa: E402
from harness.smtp import CapturingSMTPServer  # noqa: E402
from harness.waiting import WaitTimedOut, wait_until  # noqa: E402

# Plain HTTP on loopback, as behind a TLS-terminating proxy; quiet logs.
SERVER_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    "AUTH_THROTTLE_RATE": "100000/minute",
}


def setup_django(database_url: str, **extra_env: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        **SERVER_ENV,
        **extra_env,
    )
    import django

    django.setup()


def start_gunicorn(database_url: str, port: int, *, workers: int = 2, **extra_env: str):
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url, **extra_env}
    # As in production: static files collected once, then served by WhiteNoise.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--config",
            "deploy/gunicorn.conf.py",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )

    def healthy() -> bool:
        try:
            return Client(port).request("GET", "/health")[0] == 200
        except OSError:
            return False

    try:
        wait_until(healthy, timeout=30, interval=0.2)
    except WaitTimedOut:
        server.terminate()
        raise RuntimeError("gunicorn did not start") from None
    return server


def start_celery_worker(
    database_url: str, broker_url: str, *, concurrency: int = 1, **extra_env: str
):
    env = {
        **os.environ,
        **SERVER_ENV,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        **extra_env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--quiet",
            "-A",
            "config",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class Client:
    """One keep-alive HTTP connection to 127.0.0.1; JSON in, (status, JSON or None) out."""

    def __init__(self, port: int, token: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        payload = json.dumps(body) if body is not None else None
        try:
            self.connection.request(method, path, body=payload, headers=self.headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, ConnectionError):
            self.connection.close()  # reconnect once on a dropped keep-alive connection
            self.connection.request(method, path, body=payload, headers=self.headers)
            response = self.connection.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, None

    def timed(self, method: str, path: str, body: dict | None = None) -> tuple[int, object, float]:
        started = time.perf_counter()
        status, data = self.request(method, path, body)
        return status, data, time.perf_counter() - started


def percentile(samples: list[float], fraction: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[round(fraction * 100) - 1]


def process_tree_cpu_seconds(root_pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [root_pid]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # utime, stime, cutime, cstime: the process's own and its reaped children's
        total += sum(int(value) for value in fields[11:15]) / ticks
        pending.extend(int(child) for child in children)
    return total


def postmaster_pid(datadir: Path) -> int:
    return int((datadir / "postmaster.pid").read_text().split()[0])


class CpuMeter:
    """CPU seconds used by named process trees, and by this process, between start and stop."""

    def __init__(self, processes: dict[str, int]):
        self.processes = processes
        self.before: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        seconds = {name: process_tree_cpu_seconds(pid) for name, pid in self.processes.items()}
        return {**seconds, "this client": usage.ru_utime + usage.ru_stime}

    def start(self) -> None:
        self.before = self._now()

    def stop(self) -> dict[str, float]:
        return {name: seconds - self.before[name] for name, seconds in self._now().items()}


Prepared = TypeVar("Prepared")


# What a process that reaches PostgreSQL through PgBouncer in transaction mode sets: no
# prepared statements (PgBouncer before 1.21 cannot keep them), no server-side cursors.
POOLED_ENV = {
    "DATABASE_PREPARED_STATEMENTS": "false",
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
}


def smtp_env(smtp: CapturingSMTPServer) -> dict[str, str]:
    """The settings that send a process's emails to the capturing SMTP server."""
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)}


@dataclass
class Stack:
    cluster: PostgresCluster
    redis: RedisServer
    smtp: CapturingSMTPServer
    port: int
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    bouncer: PgBouncer | None = None

    @property
    def database_url(self) -> str:
        """Where the web and the worker connect: PgBouncer if there is one, else PostgreSQL."""
        return self.bouncer.url() if self.bouncer else self.cluster.url

    @property
    def database_env(self) -> dict[str, str]:
        return POOLED_ENV if self.bouncer else {}

    def start_worker(self) -> None:
        """One Celery worker sending emails to the capturing SMTP server."""
        if self.worker is None:
            self.worker = start_celery_worker(
                self.database_url, self.redis.url, **smtp_env(self.smtp), **self.database_env
            )

    def processes(self) -> dict[str, int]:
        """The root process of each component, for CpuMeter."""
        assert self.web is not None, "started by loopback_stack"
        pids = {"web": self.web.pid, "database": postmaster_pid(self.cluster.datadir)}
        if self.bouncer is not None and self.bouncer.process is not None:
            pids["pgbouncer"] = self.bouncer.process.pid
        if self.worker is not None:
            pids["celery worker"] = self.worker.pid
        pids["redis"] = self.redis.process.pid
        return pids


@contextmanager
def loopback_stack(
    prepare: Callable[[], Prepared],
    *,
    web_workers: int,
    worker: bool = True,
    pgbouncer: bool = False,
) -> Iterator[tuple[Stack, Prepared]]:
    """A throwaway PostgreSQL cluster (migrated, filled by `prepare()`, then analysed),
    Redis, a capturing SMTP server, gunicorn and (unless `worker` is false; see
    Stack.start_worker) a Celery worker, all on loopback; with `pgbouncer`, the web and the
    worker reach PostgreSQL through PgBouncer in transaction mode. Yields the stack and
    what `prepare` returned; stops everything."""
    bindir, redis_binary = postgres_bindir(), shutil.which("redis-server")
    if bindir is None or redis_binary is None:
        raise SystemExit("needs PostgreSQL and redis-server")
    bouncer_binary = pgbouncer_binary() if pgbouncer else None
    if pgbouncer and bouncer_binary is None:
        raise SystemExit("--pgbouncer needs pgbouncer (Debian's package)")
    smtp = CapturingSMTPServer().start()
    redis_server = RedisServer(redis_binary).start()
    try:
        with PostgresCluster(bindir) as cluster:
            setup_django(cluster.url, CELERY_BROKER_URL=redis_server.url)
            from django.core.management import call_command
            from django.db import connection

            call_command("migrate", verbosity=0)
            prepared = prepare()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            connection.close()
            bouncer = None
            if bouncer_binary is not None:
                bouncer = PgBouncer(bouncer_binary, server_port=cluster.port).start()
            port = free_port()
            stack = Stack(cluster, redis_server, smtp, port, bouncer=bouncer)
            try:
                stack.web = start_gunicorn(
                    stack.database_url,
                    port,
                    workers=web_workers,
                    CELERY_BROKER_URL=redis_server.url,
                    **smtp_env(smtp),
                    **stack.database_env,
                )
                if worker:
                    stack.start_worker()
                yield stack, prepared
            finally:
                if stack.web is not None:
                    stop(stack.web)
                if stack.worker is not None:
                    time.sleep(2)  # let the worker finish the email in hand
                    stop(stack.worker)
                if bouncer is not None:
                    bouncer.stop()
    finally:
        redis_server.stop()
        smtp.stop()


def run_child(script: str, *args: str) -> dict:
    """Run `script --child *args` in an interpreter of its own (its peak RSS its own) →
    the JSON object it printed last."""
    output = subprocess.run(
        [sys.executable, script, "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])
