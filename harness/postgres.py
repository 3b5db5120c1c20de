"""A throwaway PostgreSQL cluster: initdb in a temp dir, on a free port, stopped on exit."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.ports import free_port

UNPRIVILEGED_USER = "nobody"  # initdb refuses to run as root


def postgres_bindir() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    return Path(candidates[-1]).parent if candidates else None


class PostgresCluster:
    """`settings`: more server settings (`{"shared_buffers": "1GB"}`), as `-c name=value`."""

    def __init__(self, bindir: Path, settings: dict[str, str] | None = None):
        self.bindir = bindir
        self.settings = settings or {}
        self.port = free_port()
        self.tempdir = Path(tempfile.mkdtemp(prefix="pgcluster-"))
        self.datadir = self.tempdir / "data"
        self.user_kwargs: dict = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.tempdir, nobody.pw_uid, nobody.pw_gid)
            self.user_kwargs = {"user": nobody.pw_uid, "group": nobody.pw_gid}

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.tempdir,
            **self.user_kwargs,
        )

    def start(self) -> "PostgresCluster":
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self._start_server()
        return self

    @property
    def options(self) -> str:
        # wal_level and max_wal_senders: a streaming replica can be cloned from it (initdb's
        # pg_hba.conf lets loopback connect for replication).
        return (
            f"-p {self.port} -k {self.tempdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=120 "
            "-c wal_level=replica -c max_wal_senders=10"
            + "".join(f" -c {name}={value}" for name, value in self.settings.items())
        )

    def _start_server(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-o",
            self.options,
            "-l",
            str(self.tempdir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def restart(self, mode: str = "fast") -> None:
        """`pg_ctl restart`: `fast` ends every session (their transactions roll back) and
        shuts down cleanly; the cluster comes back with the same options and port."""
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-m",
            mode,
            "-l",
            str(self.tempdir / "server.log"),
            "-w",
            "-t",
            "60",
            "restart",
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        finally:
            shutil.rmtree(self.tempdir, ignore_errors=True)

    def __enter__(self) -> "PostgresCluster":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info) -> None:
        self.stop()


class PostgresReplica(PostgresCluster):
    """A streaming replica of a running cluster on loopback: `pg_basebackup -R` clones the
    primary, then the copy starts on its own free port as a hot standby."""

    def __init__(self, bindir: Path, *, primary_port: int, primary_host: str = "127.0.0.1"):
        super().__init__(bindir)
        self.primary_host = primary_host
        self.primary_port = primary_port

    def start(self) -> "PostgresReplica":
        self._run(
            "pg_basebackup",
            "-h",
            self.primary_host,
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(self.datadir),
            "-R",  # standby.signal and primary_conninfo: it follows the primary
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        self._start_server()
        return self

    def start_again(self) -> None:
        """Start it after `stop_server()`: it catches up with the primary from where it was."""
        self._start_server()

    def stop_server(self) -> None:
        """Stop the server, keeping its data (`stop()` removes them)."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
