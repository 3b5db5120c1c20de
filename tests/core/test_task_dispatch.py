"""Handing a task to a broker that is down or hangs: the change stays committed, the failure
is logged, and the request goes on (what was to be done is in its outbound email or job row)."""

import os
import socket
import subprocess
import sys

import pytest

from tests.support.celery_worker import REPO_ROOT

QUEUE_ONE_TASK = (
    "import django; django.setup();"
    "from procurement.core.tasks import run_after_commit;"
    "from procurement.notifications.tasks import send_email;"
    "run_after_commit(send_email, 1); print('returned')"
)


def queue_one_task_with_broker(url: str) -> subprocess.CompletedProcess:
    """run_after_commit outside a transaction, in a fresh process whose broker is `url`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_BROKER_URL": url,
        "LOG_FORMAT": "plain",
    }
    # The deadline is for a broken run only: a hanging publish without socket time-outs
    # never returns.
    return subprocess.run(
        [sys.executable, "-c", QUEUE_ONE_TASK],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.mark.parametrize("broker", ["down", "hanging"])
def test_a_broker_that_is_down_or_hangs_is_logged_and_the_caller_goes_on(broker):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        if broker == "hanging":
            silent.listen(100)  # the kernel accepts connections; nothing ever answers
        host, port = silent.getsockname()
        try:
            result = queue_one_task_with_broker(f"redis://{host}:{port}/0")
        except subprocess.TimeoutExpired:
            pytest.fail(f"queueing a task with a {broker} broker did not return")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "returned"
    assert "could not queue task procurement.notifications.tasks.send_email(1,)" in result.stderr


def test_the_broker_connection_has_socket_time_outs(settings):
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["socket_connect_timeout"] <= 1
    assert options["socket_timeout"] <= 2
