"""A throwaway PgBouncer in transaction mode in front of a PostgreSQL server on loopback."""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import psycopg

from harness.ports import free_port
from harness.waiting import WaitTimedOut, wait_until

UNPRIVILEGED_USER = "nobody"  # PgBouncer refuses to run as root


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (path for path in ("/usr/sbin/pgbouncer",) if os.access(path, os.X_OK)), None
    )


class PgBouncer:
    """Every database of the server behind it, pooled per transaction; `pool_size` server
    connections per database and user, whatever the number of clients."""

    def __init__(self, binary: str, *, server_port: int, pool_size: int = 20):
        self.binary = binary
        self.server_port = server_port
        self.pool_size = pool_size
        self.port = free_port()
        self.tempdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.user_kwargs: dict = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.tempdir, nobody.pw_uid, nobody.pw_gid)
            self.user_kwargs = {"user": nobody.pw_uid, "group": nobody.pw_gid}
        self.process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.tempdir / "pgbouncer.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _write_config(self) -> Path:
        (self.tempdir / "userlist.txt").write_text('"postgres" ""\n')
        config = self.tempdir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.server_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.tempdir / 'userlist.txt'}\n"
            "admin_users = postgres\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "max_client_conn = 1000\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.log_path}\n"
        )
        for path in self.tempdir.iterdir():
            if self.user_kwargs:
                os.chown(path, self.user_kwargs["user"], self.user_kwargs["group"])
        return config

    def start(self, timeout: float = 30) -> "PgBouncer":
        config = self._write_config()
        self.process = subprocess.Popen(
            [self.binary, str(config)],
            cwd=self.tempdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self.user_kwargs,
        )
        process = self.process

        def accepting() -> bool:
            if process.poll() is not None:
                raise RuntimeError("pgbouncer exited")
            try:
                with psycopg.connect(self.url(), connect_timeout=2) as connection:
                    connection.execute("SELECT 1")
                return True
            except psycopg.OperationalError:
                return False

        try:
            wait_until(accepting, timeout=timeout, interval=0.1)
        except (WaitTimedOut, RuntimeError):
            log = self.log()
            self.stop()
            raise RuntimeError(f"pgbouncer did not start:\n{log}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stats(self) -> dict[str, dict]:
        """database → its row of PgBouncer's SHOW STATS (transactions, queries, …)."""
        with psycopg.connect(self.url("pgbouncer"), autocommit=True) as admin:
            cursor = admin.execute("SHOW STATS")
            names = [column.name for column in cursor.description or ()]
            return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
        finally:
            shutil.rmtree(self.tempdir, ignore_errors=True)

    def __enter__(self) -> "PgBouncer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info) -> None:
        self.stop()
