"""Settings, read from the environment (see the Configuration table in the README)."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from config.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_int,
    env_list,
    env_str,
    secret_key_from_env_or_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = secret_key_from_env_or_file(BASE_DIR / ".secret_key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "procurement.core.admin_site.ProcurementAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procurement.core",
    "procurement.accounts",
    "procurement.notifications",
    "procurement.catalog",
    "procurement.pricelists",
    "procurement.orders",
    "procurement.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "procurement.core.middleware.DatabaseUnavailableMiddleware",
    "procurement.core.middleware.OptionalTrailingSlashMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# Database: a SQLite file unless DATABASE_URL names another.
def database_from_url(url: str) -> dj_database_url.DBConfig:
    database = dj_database_url.parse(
        url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Writers queue for the lock at BEGIN instead of failing mid-transaction.
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 30),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        database["CONN_MAX_AGE"] = 0
    elif database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = "procurement.core.postgresql"
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            # Parameters bound by the server, so a connection prepares the statements it runs
            # again and again and PostgreSQL stops parsing and planning them each time. Off
            # behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
            database["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
        # Behind PgBouncer in transaction mode a cursor cannot outlive its transaction, and
        # QuerySet.iterator() outside one declares a cursor WITH HOLD: read in chunks instead.
        database["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
        )
    return database


DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}

# Read replicas (streaming, PostgreSQL): the public catalog reads of anonymous clients go to
# a healthy one, everything else to the primary (procurement/core/db_replicas.py).
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS")):
    _replica = database_from_url(_url)
    if _replica["ENGINE"] != "procurement.core.postgresql":
        raise ImproperlyConfiguredEnv("DATABASE_REPLICA_URLS must name PostgreSQL databases")
    # A replica that is away is found out at once, not after the system's TCP time-out.
    _replica.setdefault("OPTIONS", {})["connect_timeout"] = 2
    _replica["TEST"] = {"MIRROR": "default"}  # tests read their own test database
    DATABASES[f"replica_{_number}"] = _replica
DATABASE_ROUTERS = ["procurement.core.db_replicas.ReplicaRouter"]
# A replica whose replay is this far behind the primary is skipped until it catches up.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without `collectstatic` (make run, tests) WhiteNoise serves straight from the apps.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# HTTPS: on by default, unless DEBUG or every allowed host is a name of this machine itself
# (a local start: `make run`, `manage.py runserver`), where a browser's requests never cross
# a network and there is no certificate to redirect to. A deployment names its own host in
# ALLOWED_HOSTS, so it keeps them on. Each can be set by the variable of the same name.
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
SERVES_ONLY_THIS_MACHINE = bool(ALLOWED_HOSTS) and set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS
HTTPS_BY_DEFAULT = not DEBUG and not SERVES_ONLY_THIS_MACHINE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_BY_DEFAULT)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS_BY_DEFAULT)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS_BY_DEFAULT)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS_BY_DEFAULT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_BY_DEFAULT)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REDIRECT_EXEMPT = [r"^health$"]  # load balancers probe over plain HTTP
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The web pages log in with a session; the API keeps its tokens.
LOGIN_URL = "web:login"
# The public address of the web pages, for the links in emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
CSRF_FAILURE_VIEW = "procurement.web.views.common.csrf_failure"  # the site's page; JSON on the API

# Throttling counts live in the cache: share it (Redis) when more than one process serves.
# Short socket time-outs: a Redis that is down or hangs costs a request at most a second,
# and throttling then lets the request through (procurement/core/throttling.py).
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Email: the console unless an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")
ORDER_ADMIN_EMAIL = env_str("ORDER_ADMIN_EMAIL", "admin@localhost")

# Tasks run in-process after commit unless a broker is configured.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_IGNORE_RESULT = True  # import and export results are their job rows
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 840)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Socket time-outs: with a Redis that hangs (not down: that fails at once) a request that
# queues a task gives up after a few seconds, logged, instead of waiting forever.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_TASK_DEFAULT_QUEUE = "procurement"
# Emails, imports and exports each have a queue, so that a large import or export never
# delays an order's emails: give each its own workers (`celery worker -Q emails`, see
# docker-compose.yml). A worker started without -Q takes every queue. The periodic
# maintenance stays on the default queue.
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name) for name in ("procurement", "emails", "imports", "exports")
]
CELERY_TASK_ROUTES = {
    "procurement.notifications.tasks.send_email": {"queue": "emails"},
    "procurement.notifications.tasks.send_unsent_emails": {"queue": "emails"},
    "procurement.pricelists.tasks.do_import": {"queue": "imports"},
    "procurement.pricelists.tasks.do_export": {"queue": "exports"},
}
# Periodic work, run by `celery -A config beat` (the `beat` service of docker-compose), so
# that no fault waits for an operator: unsent emails are sent again, jobs whose task was
# lost or whose worker died are started again.
MAINTENANCE_INTERVAL_SECONDS = env_int("MAINTENANCE_INTERVAL_SECONDS", 60)
# A maintenance task not started by the next one's time (the workers were away) is dropped:
# the next one does the same work.
CELERY_BEAT_SCHEDULE = {
    "send-unsent-emails": {
        "task": "procurement.notifications.tasks.send_unsent_emails",
        "schedule": MAINTENANCE_INTERVAL_SECONDS,
        "options": {"expires": MAINTENANCE_INTERVAL_SECONDS},
    },
    "recover-jobs": {
        "task": "procurement.pricelists.tasks.recover_jobs",
        "schedule": MAINTENANCE_INTERVAL_SECONDS,
        "options": {"expires": MAINTENANCE_INTERVAL_SECONDS},
    },
    "pull-price-lists": {
        "task": "procurement.pricelists.tasks.pull_price_lists",
        "schedule": MAINTENANCE_INTERVAL_SECONDS,
        "options": {"expires": MAINTENANCE_INTERVAL_SECONDS},
    },
    "delete-expired-credentials": {
        "task": "procurement.accounts.tasks.delete_expired_credentials",
        "schedule": 3600,
    },
    "forget-old-previews": {
        "task": "procurement.pricelists.tasks.forget_old_previews",
        "schedule": 3600,
    },
}
# An email whose task was lost (pending this long after it was recorded, or a failed one
# whose next retry is this long overdue) is sent again by the periodic task.
EMAIL_LOST_AFTER_SECONDS = env_int("EMAIL_LOST_AFTER_SECONDS", 300)

# A running import or export job renews its lease every third of this; a job whose
# lease ran out (its worker died) is started again by the recover-jobs task.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 60)
# A job still queued this long after it was created lost its task (the broker was down) and
# is handed over again; a run already under way keeps it (the claim decides).
JOB_LOST_AFTER_SECONDS = env_int("JOB_LOST_AFTER_SECONDS", 900)
# A finished preview keeps its upload so that it can be applied; this long, then the hourly
# clean-up lets it go (the preview's counts and changes stay).
PREVIEW_KEEP_HOURS = env_int("PREVIEW_KEEP_HOURS", 24)

CONFIRM_TOKEN_TTL_HOURS = env_int("CONFIRM_TOKEN_TTL_HOURS", 72)
PASSWORD_RESET_TOKEN_TTL_HOURS = env_int("PASSWORD_RESET_TOKEN_TTL_HOURS", 2)
# Life of an API token from its login; unset or 0: until logout or a password change.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 0) or None
MAX_PENDING_REGISTRATIONS_PER_EMAIL = 5
MAX_CONTACTS_PER_USER = 5

IMPORT_ALLOWED_HOSTS = env_list("IMPORT_ALLOWED_HOSTS")
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20_000_000)
# An XLSX price list is a zip archive: what its parts may unpack to, in all and per byte.
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", 300_000_000)
IMPORT_XLSX_MAX_RATIO = env_int("IMPORT_XLSX_MAX_RATIO", 100)
# What openpyxl may unpack while it opens the workbook (its shared strings, styles, the
# workbook's own parts): it holds all of that in memory, while the sheet's rows stream.
IMPORT_XLSX_MAX_LOADED_BYTES = env_int("IMPORT_XLSX_MAX_LOADED_BYTES", 64_000_000)
IMPORT_FETCH_TIMEOUT_SECONDS = env_int("IMPORT_FETCH_TIMEOUT_SECONDS", 10)
# The whole download of a price-list URL (connect, headers, body, redirects).
IMPORT_FETCH_DEADLINE_SECONDS = env_int("IMPORT_FETCH_DEADLINE_SECONDS", 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "procurement.accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "procurement.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "procurement.core.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_METADATA_CLASS": "procurement.core.metadata.ApiMetadata",
    "DEFAULT_PAGINATION_CLASS": "procurement.core.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "procurement.core.schema.ApiSchema",
    "EXCEPTION_HANDLER": "procurement.core.exception_handler.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env_str("AUTH_THROTTLE_RATE", "10/minute")},
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Retail procurement API",
    "DESCRIPTION": "Buyers order from one catalog fed by many suppliers; suppliers keep "
    "their price lists and stock up to date through the same API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # The token entered under "Authorize" is kept in the browser across reloads.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": False,  # a PATCH's input is validated whole, its required fields too
    "ENUM_NAME_OVERRIDES": {
        "OrderStateEnum": "procurement.orders.models.OrderState",
        "PlacedOrderStateEnum": "procurement.orders.models.PLACED_STATE_CHOICES",
        "JobStateEnum": "procurement.pricelists.models.JobState",
    },
}

LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
