"""A throwaway redis-server on a free port, without persistence."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import redis

from harness.ports import free_port
from harness.waiting import WaitTimedOut, wait_until


class RedisServer:
    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.tempdir = Path(tempfile.mkdtemp(prefix="redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tempdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        process = self.process

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                if process.poll() is not None:
                    raise RuntimeError("redis-server exited") from None
                return False

        try:
            wait_until(answers, timeout=20)
        except (WaitTimedOut, RuntimeError) as error:
            self.stop()
            raise RuntimeError(f"redis-server did not start: {error}") from None
        return self

    def halt(self) -> None:
        """Stop the server; `start()` brings it back on the same port, empty."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.tempdir, ignore_errors=True)
