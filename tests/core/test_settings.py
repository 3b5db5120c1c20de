import pytest
from django.conf import settings

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list
from tests.support.processes import settings_in_a_fresh_process


def test_debug_is_off_unless_the_environment_turns_it_on():
    assert settings.DEBUG is False


def test_sqlite_waits_for_writers_instead_of_failing():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5


def test_env_readers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "On")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", " a.example , b.example ,")
    assert env_bool("X_BOOL") is True
    assert env_bool("X_MISSING", default=True) is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST") == ["a.example", "b.example"]
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfiguredEnv):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfiguredEnv):
        env_int("X_INT", 1)


def test_json_log_lines():
    import json
    import logging

    from config.logging import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "procurement.x", logging.ERROR, __file__, 1, "order %s", (7,), sys.exc_info()
        )
    record.job_id = 42
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "order 7"
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "procurement.x"
    assert entry["job_id"] == 42
    assert "ValueError: boom" in entry["exception"]


def test_cache_is_redis_when_cache_url_is_set():
    cache = "[s.CACHES['default']['BACKEND'], s.CACHES['default'].get('LOCATION')]"
    assert settings_in_a_fresh_process(cache, CACHE_URL="redis://127.0.0.1:6390/1") == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6390/1",
    ]


def _database_settings(**env_vars: str) -> list:
    database = "[s.DATABASES['default']['ENGINE'], s.DATABASES['default']['OPTIONS']]"
    return settings_in_a_fresh_process(database, **env_vars)


def test_postgresql_prepares_statements_unless_turned_off():
    url = "postgres://app@127.0.0.1:5432/app"
    assert _database_settings(DATABASE_URL=url) == [
        "procurement.core.postgresql",
        {"server_side_binding": True, "prepare_threshold": 5},
    ]
    assert _database_settings(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false") == [
        "procurement.core.postgresql",
        {},
    ]
