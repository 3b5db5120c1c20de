"""Finding the server binaries integration tests start; a missing one skips, or fails under CI=true."""

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_binary(path: str | None, what: str) -> str:
    if path:
        return path
    message = f"{what} is not installed (.ci/run installs it)"
    if in_ci():
        pytest.fail(f"{message}; CI=true, so this is a failure, not a skip")
    pytest.skip(message)


def which(name: str) -> str | None:
    return shutil.which(name)
