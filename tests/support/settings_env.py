"""The environment variables the settings read, and an environment without any of them."""

import ast
import os
from pathlib import Path

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"


def variables_read_by_settings() -> set[str]:
    tree = ast.parse(SETTINGS.read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "").startswith("env_")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def environment_without_settings(**variables: str) -> dict[str, str]:
    """This process's environment less every variable the project reads (the test run's own
    HTTPS overrides, its DATABASE_URL, ...), plus `variables`: a process started with it
    sees the settings' defaults, as on a newcomer's machine."""
    project = variables_read_by_settings() | {
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    environment = {name: value for name, value in os.environ.items() if name not in project}
    environment.update(variables)
    return environment
