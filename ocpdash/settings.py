"""ocpdash settings. Everything that differs between a laptop and production comes from the
environment; README.md has the table of every variable."""

from __future__ import annotations

import os
from datetime import timedelta

import dj_database_url
from cryptography.fernet import Fernet

from ocpdash.core.logs import json_logging, logging_config
from ocpdash.env import (
    BASE_DIR,
    VAR_DIR,
    env_bool,
    env_float,
    env_list,
    env_str,
    generated_secret,
    random_secret_key,
)

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or generated_secret("secret_key", random_secret_key)
# Fernet keys for OCP credentials at rest, separate from SECRET_KEY so each rotates on its own.
# Comma-separated: the first encrypts, all decrypt (rotate with `manage.py rotate_encryption_key`).
FIELD_ENCRYPTION_KEYS = env_list("OCPDASH_ENCRYPTION_KEY") or [
    generated_secret("encryption_key", lambda: Fernet.generate_key().decode())
]
# Where the key was read from when not from the environment (check --deploy warns: ocpdash.core.checks).
FIELD_ENCRYPTION_KEY_FILE = None if env_list("OCPDASH_ENCRYPTION_KEY") else VAR_DIR / "encryption_key"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "ocpdash.core",
    "ocpdash.sites",
    "ocpdash.catalog",
    "ocpdash.upgrades",
    "ocpdash.changes",
    "ocpdash.rollouts",
    "ocpdash.web",
    "ocpdash.api",
    "ocpdash.ops",
    "ocpdash.notify",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ocpdash.core.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the header's switch (Django's language cookie), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ocpdash.core.middleware.IdleSessionMiddleware",
    "ocpdash.core.middleware.LogContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ocpdash.urls"
WSGI_APPLICATION = "ocpdash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ocpdash.ops.context_processors.process_alerts",
            ],
        },
    },
]

# --- Database: SQLite under var/ by default, PostgreSQL (or any) through DATABASE_URL ---
if env_str("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("OCPDASH_DATABASE_PATH") or VAR_DIR / "ocpdash.sqlite3",
            "OPTIONS": {
                # WAL lets the web process read while a worker writes; IMMEDIATE transactions take
                # the write lock up front so concurrent writers wait (timeout) instead of failing
                # with "database is locked" halfway through.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # One file per test run, so two runs at once (or a run beside `make run`) never collide;
            # worker processes started by the tests are given this path explicitly.
            "TEST": {"NAME": VAR_DIR / f"test-ocpdash-{os.getpid()}.sqlite3"},
            # Workers run hundreds of short polls a second: keep the connection between them.
            "CONN_MAX_AGE": 60,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: REDIS_URL, else the redis-server that `make run` / the tests start on a socket ---
REDIS_URL = env_str("REDIS_URL") or f"redis+socket://{VAR_DIR / 'redis.sock'}"
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
# Celery's Django fixup closes every database connection after every task unless reuse is on; a
# new connection per poll (a TCP handshake and login on PostgreSQL) costs more than the poll.
# ocpdash.celery closes old connections around tasks as Django does around requests instead.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Batch-poll countdowns stay far below this; beat's recovery, not redelivery, restarts a lost chain.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 900}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240

# --- OCP and the engine ---
OCP_URL = env_str("OCP_URL")
OCP_SITE_NAME = env_str("OCP_SITE_NAME", "default")
OCP_USERNAME = env_str("OCP_USERNAME")
OCP_PASSWORD = env_str("OCP_PASSWORD")
OCP_ACCESS_KEY_ID = env_str("OCP_ACCESS_KEY_ID")
OCP_ACCESS_KEY_SECRET = env_str("OCP_ACCESS_KEY_SECRET")
OCP_CONNECT_TIMEOUT = env_float("OCP_CONNECT_TIMEOUT", 3.0)
OCP_READ_TIMEOUT = env_float("OCP_READ_TIMEOUT", 15.0)
OCPDASH_POLL_INTERVAL = env_float("OCPDASH_POLL_INTERVAL", 1.0)
OCPDASH_POLL_BACKOFF_MAX = env_float("OCPDASH_POLL_BACKOFF_MAX", 30.0)
OCPDASH_RECOVER_INTERVAL = env_float("OCPDASH_RECOVER_INTERVAL", 30.0)
OCPDASH_CLUSTER_SYNC_INTERVAL = env_float("OCPDASH_CLUSTER_SYNC_INTERVAL", 300.0)
# How often beat looks for scheduled upgrades whose start has come (ocpdash.changes).
OCPDASH_START_DUE_INTERVAL = env_float("OCPDASH_START_DUE_INTERVAL", 30.0)
# How often beat reconciles live fleet rollouts (ocpdash.rollouts); a member upgrade's change wakes its
# rollout at once too, so this only bounds how late a soak's end or a start time is noticed.
OCPDASH_ROLLOUT_INTERVAL = env_float("OCPDASH_ROLLOUT_INTERVAL", 15.0)
OCPDASH_PAGE_POLL_INTERVAL = env_float("OCPDASH_PAGE_POLL_INTERVAL", 2.0)
OCPDASH_UPGRADE_DEP_FILE = env_str("OCPDASH_UPGRADE_DEP_FILE")
OCPDASH_SYNC_ON_WORKER_START = env_bool("OCPDASH_SYNC_ON_WORKER_START", True)
OCPDASH_LEASE_SECONDS = env_float("OCPDASH_LEASE_SECONDS", 20.0)
OCPDASH_POLL_OVERDUE_GRACE = env_float("OCPDASH_POLL_OVERDUE_GRACE", 15.0)
# Batched polling (ocpdash.upgrades.batch): chains of batch polls in the whole installation, the most
# upgrades one batch claims, requests in flight at once to one OCP site from one batch, and the most
# requests a second all pollers together send to one OCP site (0: no cap; OCP's 429s back off anyway).
OCPDASH_POLLERS = max(1, int(env_float("OCPDASH_POLLERS", 4)))
OCPDASH_POLL_BATCH = max(1, int(env_float("OCPDASH_POLL_BATCH", 50)))
OCPDASH_POLL_SITE_CONCURRENCY = max(1, int(env_float("OCPDASH_POLL_SITE_CONCURRENCY", 4)))
OCPDASH_OCP_RATE_LIMIT = env_float("OCPDASH_OCP_RATE_LIMIT", 0.0)
# After this many 401s in a row from a site, every call to it stops (OCP locks accounts after
# repeated failed logins); after the first, one call at a time probes it, this many seconds apart.
OCPDASH_AUTH_FAILURE_LIMIT = int(env_float("OCPDASH_AUTH_FAILURE_LIMIT", 3))
OCPDASH_AUTH_PROBE_SECONDS = env_float("OCPDASH_AUTH_PROBE_SECONDS", 30.0)
# The most one OCP reply may be (bytes): anything longer is not OCP's answer, and is not read on.
OCPDASH_OCP_MAX_RESPONSE_BYTES = int(env_float("OCPDASH_OCP_MAX_RESPONSE_BYTES", 32 * 1024 * 1024))
# Submission runs that end "try again later" in a row before the upgrade waits for an operator, and
# how long (seconds) the faults must have lasted too: OCP throttling or down for a moment never stops it.
OCPDASH_SUBMIT_MAX_ATTEMPTS = int(env_float("OCPDASH_SUBMIT_MAX_ATTEMPTS", 8))
OCPDASH_SUBMIT_GIVE_UP_SECONDS = env_float("OCPDASH_SUBMIT_GIVE_UP_SECONDS", 300.0)

# Beat writes its own heartbeat from its loop (ocpdash.ops.heartbeat).
CELERY_BEAT_SCHEDULER = "ocpdash.ops.beat:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "recover-upgrades": {"task": "ocpdash.upgrades.tasks.recover", "schedule": OCPDASH_RECOVER_INTERVAL},
    "start-due-upgrades": {
        "task": "ocpdash.changes.tasks.start_due",
        "schedule": OCPDASH_START_DUE_INTERVAL,
    },
    "sync-clusters": {
        "task": "ocpdash.sites.tasks.sync_all_sites",
        "schedule": OCPDASH_CLUSTER_SYNC_INTERVAL,
    },
    "reconcile-rollouts": {
        "task": "ocpdash.rollouts.tasks.reconcile_live",
        "schedule": OCPDASH_ROLLOUT_INTERVAL,
    },
}

# --- Auth ---
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
AXES_FAILURE_LIMIT = int(env_float("OCPDASH_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=env_float("OCPDASH_LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy the client is read from X-Forwarded-For, counting this many proxies from
# the right (ocpdash.core.clientip); otherwise REMOTE_ADDR, and no header is trusted.
OCPDASH_BEHIND_PROXY = env_bool("OCPDASH_BEHIND_PROXY", False)
OCPDASH_TRUSTED_PROXY_COUNT = max(1, int(env_float("OCPDASH_TRUSTED_PROXY_COUNT", 1)))
AXES_CLIENT_IP_CALLABLE = "ocpdash.core.clientip.client_ip"
# Sessions end this long after the user's last own request (polling does not count:
# ocpdash.core.middleware.IdleSessionMiddleware).
OCPDASH_SESSION_IDLE_HOURS = env_float("OCPDASH_SESSION_IDLE_HOURS", 12.0)
SESSION_COOKIE_AGE = int(OCPDASH_SESSION_IDLE_HOURS * 3600)
# Whether whoever requested an upgrade may also sign it off (four eyes by default).
OCPDASH_ALLOW_SELF_SIGN_OFF = env_bool("OCPDASH_ALLOW_SELF_SIGN_OFF", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated API call gets 401 with WWW-Authenticate: Token.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ocpdash.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "ocpdash.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("OCPDASH_API_THROTTLE_ANON", "60/minute"),
        "user": env_str("OCPDASH_API_THROTTLE_USER", "1200/minute"),
    },
    # The throttles' client address: the same proxies as axes trusts, none without a proxy.
    "NUM_PROXIES": OCPDASH_TRUSTED_PROXY_COUNT if OCPDASH_BEHIND_PROXY else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ocpdash API",
    "DESCRIPTION": "Upgrade OceanBase clusters through OCP: pre-check, submit, follow and operate.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from this server (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "state": each its own enum name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "UpgradeStateEnum": "ocpdash.upgrades.models.State",
        "PresenceStateEnum": "ocpdash.catalog.models.Presence",
        "UploadStateEnum": "ocpdash.catalog.models.UploadState",
        "RolloutStateEnum": "ocpdash.rollouts.models.RolloutState",
        "RolloutUnitStateEnum": "ocpdash.rollouts.models.UnitState",
    },
}

# --- Security ---
HTTPS = env_bool("OCPDASH_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if OCPDASH_BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "en"
# English and Simplified Chinese; the catalogue is locale/zh_Hans/LC_MESSAGES/django.po, compiled by
# `manage.py compile_catalogues` (pure Python, no gettext tools), which make run and make test call.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TZ_NAME", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("OCPDASH_MANIFEST_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Plain text, or one JSON object per line with OCPDASH_LOG_FORMAT=json (ocpdash.core.logs).
OCPDASH_LOG_FORMAT = "json" if json_logging() else "plain"
LOGGING = logging_config(env_str("OCPDASH_LOG_LEVEL", "INFO"), json=json_logging())

# --- Operations: /healthz, /readyz, /metrics, heartbeats (ocpdash.ops) ---
# Workers and beat write a heartbeat at most this often; one older than the stale limit means the
# process is gone (banner on every page, /readyz 503).
OCPDASH_HEARTBEAT_INTERVAL = env_float("OCPDASH_HEARTBEAT_INTERVAL", 15.0)
OCPDASH_HEARTBEAT_STALE_SECONDS = env_float("OCPDASH_HEARTBEAT_STALE_SECONDS", 180.0)
# When set, /metrics wants "Authorization: Bearer <token>".
OCPDASH_METRICS_TOKEN = env_str("OCPDASH_METRICS_TOKEN")
# prometheus-client's multi-process mode (gunicorn and Celery fork): every process writes its
# counters here and /metrics adds them up. Set before the library is first imported; one folder per
# host, emptied when the host's processes start (`make run` does).
PROMETHEUS_MULTIPROC_DIR = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "prometheus"))
os.makedirs(PROMETHEUS_MULTIPROC_DIR, exist_ok=True)

# --- Notifications (ocpdash.notify; README "Notifications") ---
# Links in messages point here (the address users open ocpdash at).
OCPDASH_BASE_URL = env_str("OCPDASH_BASE_URL", "http://127.0.0.1:8000")
# An active upgrade whose OCP has not answered for this long is notified (once per outage).
OCPDASH_NOTIFY_UNREACHABLE_MINUTES = env_float("OCPDASH_NOTIFY_UNREACHABLE_MINUTES", 10.0)
# Attempts per delivery (network errors, 5xx, 429 and a bot's "too fast" are tried again), with
# exponential backoff from RETRY_BASE seconds up to RETRY_MAX, and jitter.
OCPDASH_NOTIFY_MAX_ATTEMPTS = int(env_float("OCPDASH_NOTIFY_MAX_ATTEMPTS", 10))
OCPDASH_NOTIFY_RETRY_BASE = env_float("OCPDASH_NOTIFY_RETRY_BASE", 10.0)
OCPDASH_NOTIFY_RETRY_MAX = env_float("OCPDASH_NOTIFY_RETRY_MAX", 1800.0)
# Seconds, on every request to a webhook or bot.
OCPDASH_NOTIFY_CONNECT_TIMEOUT = env_float("OCPDASH_NOTIFY_CONNECT_TIMEOUT", 3.0)
OCPDASH_NOTIFY_READ_TIMEOUT = env_float("OCPDASH_NOTIFY_READ_TIMEOUT", 10.0)
# How long a worker holds a delivery while sending it (at least its longest send, the timeouts above
# or EMAIL_TIMEOUT, plus 2 s).
OCPDASH_NOTIFY_LEASE_SECONDS = env_float("OCPDASH_NOTIFY_LEASE_SECONDS", 60.0)
# Recovery: a pending delivery due this long ago, and not held, lost its message: queued again.
OCPDASH_NOTIFY_RECOVER_INTERVAL = env_float("OCPDASH_NOTIFY_RECOVER_INTERVAL", 30.0)
OCPDASH_NOTIFY_OVERDUE_GRACE = env_float("OCPDASH_NOTIFY_OVERDUE_GRACE", 30.0)
OCPDASH_NOTIFY_CHECK_INTERVAL = env_float("OCPDASH_NOTIFY_CHECK_INTERVAL", 60.0)
CELERY_BEAT_SCHEDULE.update(
    {
        "notify-recover": {
            "task": "ocpdash.notify.tasks.recover",
            "schedule": OCPDASH_NOTIFY_RECOVER_INTERVAL,
        },
        "notify-ocp-unreachable": {
            "task": "ocpdash.notify.tasks.check_unreachable",
            "schedule": OCPDASH_NOTIFY_CHECK_INTERVAL,
        },
    }
)
# Email channels: Django's mail, printed to the console unless a backend is configured.
EMAIL_BACKEND = env_str("OCPDASH_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("OCPDASH_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_float("OCPDASH_EMAIL_PORT", 25))
EMAIL_HOST_USER = env_str("OCPDASH_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("OCPDASH_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("OCPDASH_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("OCPDASH_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_float("OCPDASH_EMAIL_TIMEOUT", 10.0)
DEFAULT_FROM_EMAIL = env_str("OCPDASH_EMAIL_FROM", "ocpdash@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- RPM catalog: where the files are kept, limits, uploads to OCP (ocpdash.catalog) ---
# The RPMs go through Django's storage API under the "rpms" alias: a folder under var/ by default;
# any storage backend (django-storages' S3Storage for S3-compatible object storage, say) through
# OCPDASH_RPM_STORAGE_BACKEND and its options as a JSON object (README, "RPM catalog").
import json as _json  # noqa: E402

OCPDASH_RPM_STORAGE_DIR = env_str("OCPDASH_RPM_STORAGE_DIR") or str(VAR_DIR / "rpms")
try:
    _rpm_storage_options = _json.loads(env_str("OCPDASH_RPM_STORAGE_OPTIONS") or "null")
except ValueError as _exc:
    raise RuntimeError(f"OCPDASH_RPM_STORAGE_OPTIONS is not a JSON object: {_exc}") from None
STORAGES["rpms"] = {
    "BACKEND": env_str("OCPDASH_RPM_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
    "OPTIONS": (
        _rpm_storage_options if _rpm_storage_options is not None else {"location": OCPDASH_RPM_STORAGE_DIR}
    ),
}
# The largest RPM the catalog takes (admin upload, catalog_import from a folder or a URL).
OCPDASH_RPM_MAX_BYTES = int(env_float("OCPDASH_RPM_MAX_BYTES", 4 * 1024**3))
# Seconds a download by URL (catalog_import) may wait for the server: to connect, then per read.
OCPDASH_RPM_DOWNLOAD_TIMEOUT = env_float("OCPDASH_RPM_DOWNLOAD_TIMEOUT", 60.0)
# Uploads to OCP: how long OCP may take to answer once the file is sent, how many tries a
# connection that breaks gets, and how long one upload job may run.
OCPDASH_PACKAGE_UPLOAD_READ_TIMEOUT = env_float("OCPDASH_PACKAGE_UPLOAD_READ_TIMEOUT", 600.0)
OCPDASH_PACKAGE_UPLOAD_MAX_ATTEMPTS = int(env_float("OCPDASH_PACKAGE_UPLOAD_MAX_ATTEMPTS", 3))
OCPDASH_PACKAGE_UPLOAD_TIME_LIMIT = env_float("OCPDASH_PACKAGE_UPLOAD_TIME_LIMIT", 3600.0)
