"""Run a command with DATABASE_URL pointing at a fresh throwaway PostgreSQL cluster:
python -m tests.support.postgres -- python -m pytest
"""

import os
import subprocess
import sys

from harness.postgres import PostgresCluster, postgres_bindir
from tests.support.binaries import in_ci


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    bindir = postgres_bindir()
    if bindir is None:
        if in_ci():
            print("PostgreSQL is not installed; CI=true, so this is a failure", file=sys.stderr)
            return 1
        print("PostgreSQL is not installed: the PostgreSQL run is skipped", file=sys.stderr)
        return 0
    with PostgresCluster(bindir) as cluster:
        print(f"PostgreSQL run on {cluster.url}", flush=True)
        env = {**os.environ, "DATABASE_URL": cluster.url}
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
