"""The project as another process sees it."""

import json
import os
import subprocess
import sys
from typing import Any


def settings_in_a_fresh_process(expression: str, **env_vars: str) -> Any:
    """`expression` (JSON-able, over the settings `s`) as settings.py computes it from the
    caller's environment with `env_vars` added; DATABASE_PREPARED_STATEMENTS starts unset."""
    code = (
        "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        f"django.setup(); from django.conf import settings as s; print(json.dumps({expression}))"
    )
    env = {
        name: value for name, value in os.environ.items() if name != "DATABASE_PREPARED_STATEMENTS"
    }
    env.update(env_vars)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
