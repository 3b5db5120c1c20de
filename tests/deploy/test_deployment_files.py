"""The deployment files hold together: compose, Dockerfile, .env.example and the settings."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.settings_env import environment_without_settings, variables_read_by_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()
ENV_EXAMPLE = dict(
    line.split("=", 1)
    for line in (ROOT / ".env.example").read_text().splitlines()
    if line and not line.startswith("#")
)

# What a production container cannot do without: no default fits a real deployment.
REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "DEFAULT_FROM_EMAIL",
    "ORDER_ADMIN_EMAIL",
}

PRODUCTION_ENVIRONMENT = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "procurement.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
}


WORKERS = ["worker-emails", "worker-imports", "worker-exports"]
APP_SERVICES = ["web", *WORKERS, "beat"]  # the project's image, each with its command


def test_compose_has_every_service_the_deployment_needs():
    services = COMPOSE["services"]
    assert set(services) == {*APP_SERVICES, "postgres", "redis", "mailpit"}
    assert "migrate" in services["web"]["command"] and "gunicorn" in services["web"]["command"]
    for name in WORKERS:
        assert services[name]["command"].startswith("celery -A config worker"), name
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]
    assert any("/var/lib/postgresql/data" in volume for volume in services["postgres"]["volumes"])
    assert "8025:8025" in services["mailpit"]["ports"]
    for name in APP_SERVICES:
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def worker_queues(service: str) -> set[str]:
    command = COMPOSE["services"][service]["command"].split()
    return set(command[command.index("--queues") + 1].split(","))


def test_each_queue_has_its_own_worker_and_every_queue_a_worker():
    from django.conf import settings

    queues = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {"emails", "imports", "exports"}
    assert worker_queues("worker-emails") == {"emails", settings.CELERY_TASK_DEFAULT_QUEUE}
    assert worker_queues("worker-imports") == {"imports"}
    assert worker_queues("worker-exports") == {"exports"}
    assert set().union(*(worker_queues(name) for name in WORKERS)) == queues


def test_one_beat_sends_the_periodic_tasks_with_its_schedule_in_a_writable_place():
    beat = COMPOSE["services"]["beat"]
    command = beat["command"].split()
    assert command[:4] == ["celery", "-A", "config", "beat"]
    schedule = command[command.index("--schedule") + 1]
    # The image runs as a non-root user that owns nothing under /app: /tmp is writable.
    assert schedule.startswith("/tmp/")  # noqa: S108
    assert "replicas" not in beat.get("deploy", {}) or beat["deploy"]["replicas"] == 1
    running_beat = [
        name
        for name, service in COMPOSE["services"].items()
        if re.search(r"\bbeat\b|\s-B\b|--beat", str(service.get("command", "")))
    ]
    assert running_beat == ["beat"]


def test_the_beat_schedule_sends_the_unsent_emails_task():
    from django.conf import settings

    from config.celery import app
    from procurement.notifications.tasks import send_unsent_emails

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert send_unsent_emails.name in tasks
    assert send_unsent_emails.name in app.tasks


def test_web_and_worker_get_every_variable_the_settings_require():
    for name in APP_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        assert set(environment) >= REQUIRED_IN_PRODUCTION, name
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert environment["EMAIL_HOST"] == "mailpit"
        unknown = set(environment) - variables_read_by_settings() - {"SECRET_KEY"}
        assert not unknown, f"{name} sets variables the settings never read: {unknown}"


def test_required_secrets_come_from_env_example():
    text = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert required == {"SECRET_KEY", "POSTGRES_PASSWORD"}
    assert required <= set(ENV_EXAMPLE)
    defaulted = set(re.findall(r"\$\{(\w+):-", text))
    assert defaulted <= set(ENV_EXAMPLE) | {"IMPORT_ALLOWED_HOSTS"}


def compose_interpolate(text: str, variables: dict[str, str]) -> str:
    """docker compose's interpolation: `${NAME:?message}` fails when NAME is unset or empty,
    `${NAME:-default}` falls back when it is unset or empty, `$$` is a dollar."""

    def value(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        current = variables.get(name, "")
        if operator == ":?" and not current:
            raise ValueError(f"required variable {name} is missing a value: {argument}")
        if operator == ":-" and not current:
            return argument
        return current

    return re.sub(r"\$\$|\$\{(\w+)(?:(:\?|:-)([^}]*))?\}", value, text)


def test_compose_refuses_to_start_with_env_example_until_its_secrets_are_set():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    with pytest.raises(ValueError, match="SECRET_KEY"):
        compose_interpolate(compose_text, ENV_EXAMPLE)
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        compose_interpolate(compose_text, {**ENV_EXAMPLE, "SECRET_KEY": secrets.token_urlsafe(50)})

    filled = {**ENV_EXAMPLE, "SECRET_KEY": "k" * 50, "POSTGRES_PASSWORD": "p" * 20}
    environment = yaml.safe_load(compose_interpolate(compose_text, filled))["x-app"]["environment"]
    assert environment["SECRET_KEY"] == "k" * 50
    assert (
        environment["DATABASE_URL"]
        == f"postgres://procurement:{'p' * 20}@postgres:5432/procurement"
    )


def test_env_example_holds_no_secret_value():
    secret_names = {name for name in ENV_EXAMPLE if re.search(r"SECRET|PASSWORD", name)}
    assert secret_names == {"SECRET_KEY", "POSTGRES_PASSWORD"}
    assert {name: ENV_EXAMPLE[name] for name in secret_names} == dict.fromkeys(secret_names, "")


def test_env_example_names_only_variables_something_reads():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    for name in ENV_EXAMPLE:
        assert name in variables_read_by_settings() or f"${{{name}" in compose_text, name


def test_documented_configuration_is_read_by_the_settings():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", readme, re.MULTILINE))
    assert documented
    assert documented <= variables_read_by_settings() | {"SECRET_KEY"}


def test_dockerfile_is_slim_non_root_and_serves_with_gunicorn():
    assert re.search(r"^FROM python:3\.\d+-slim", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^USER app$", DOCKERFILE, re.MULTILINE)
    assert "collectstatic" in DOCKERFILE
    assert '"gunicorn", "config.wsgi"' in DOCKERFILE


def test_check_deploy_is_clean_under_the_documented_production_variables():
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DATABASE_URL": "sqlite:///:memory:",
        **PRODUCTION_ENVIRONMENT,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def https_settings(**variables: str) -> list[str]:
    """The HTTPS settings, log format and browsable API as settings.py makes them from only
    `variables` (no DEBUG: its default, false)."""
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": secrets.token_urlsafe(60), **variables}
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.LOG_FORMAT,"
        " 'BrowsableAPIRenderer' in str(s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


HTTPS_ON = ["True", "True", "True", "31536000", "True", "json", "False"]
HTTPS_OFF = ["False", "False", "False", "0", "False", "json", "False"]


@pytest.mark.parametrize(
    "allowed_hosts",
    ["procurement.example.com", "procurement.example.com,localhost,127.0.0.1", "10.0.0.5"],
)
def test_a_service_that_answers_to_any_other_name_has_the_https_defaults_on(allowed_hosts):
    assert https_settings(ALLOWED_HOSTS=allowed_hosts) == HTTPS_ON


@pytest.mark.parametrize("variables", [{}, {"ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]"}])
def test_a_service_only_this_machine_reaches_answers_plain_http(variables):
    """`make run` and a plain `manage.py runserver` (the default ALLOWED_HOSTS) have no
    certificate: a redirect to https, worse a permanent one, would only break them."""
    assert https_settings(**variables) == HTTPS_OFF


def test_each_https_setting_can_still_be_set_by_its_variable():
    assert https_settings(SECURE_SSL_REDIRECT="true", SECURE_HSTS_SECONDS="60")[:4] == [
        "True",
        "False",
        "False",
        "60",
    ]
    assert https_settings(ALLOWED_HOSTS="procurement.example.com", SECURE_SSL_REDIRECT="false")[
        :2
    ] == ["False", "True"]


def test_plain_runserver_with_the_defaults_answers_http_without_a_redirect(tmp_path):
    """What `manage.py runserver` serves with nothing set: the API over plain HTTP."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from django.test.utils import setup_test_environment;"
        "setup_test_environment(); from django.test import Client;"
        "answer = Client().get('/api/v1/', HTTP_HOST='127.0.0.1:8000');"
        "print(answer.status_code, answer.get('Location', '-'))"
    )
    env = environment_without_settings(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "-"]


def test_every_gunicorn_the_project_starts_reads_its_config():
    """deploy/gunicorn.conf.py answers gunicorn's own errors in the API's shape."""
    config = "deploy/gunicorn.conf.py"
    assert f"COPY {config} ./{config}" in DOCKERFILE
    assert f'"gunicorn", "config.wsgi", "--config", "{config}"' in DOCKERFILE
    assert f"gunicorn config.wsgi --config {config} " in COMPOSE["services"]["web"]["command"]
    bench = (ROOT / "bench" / "support.py").read_text()
    assert f'"--config",\n            "{config}",' in bench
