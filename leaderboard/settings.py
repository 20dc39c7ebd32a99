"""Django settings, read from the environment through leaderboard.env (see .env.example)."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from leaderboard.broker import broker_config
from leaderboard.env import (
    database_url,
    env_bool,
    env_choice,
    env_hex_secret,
    env_int,
    env_list,
    env_log_level,
    env_path,
    env_proxy_ssl_header,
    env_rate,
    env_redis_url,
    env_str,
    mail_config,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("SPARSEBENCH_VAR_DIR", BASE_DIR / "var")

SECRET_KEY = secret_key("DJANGO_SECRET_KEY", VAR_DIR / "secret_key")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# TLS, for a deployment served over HTTPS (`manage.py check --deploy` is silent with all of them set); off by
# default, so the embedded run keeps serving plain HTTP on 127.0.0.1.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from inside the network may ask over plain HTTP
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaderboard",
]

MIDDLEWARE = [
    # First: refuses an oversized body on its Content-Length before anything (CSRF, forms) reads it.
    "leaderboard.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "leaderboard.urls"
WSGI_APPLICATION = "leaderboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

DATABASES = {"default": database_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}").django()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("SPARSEBENCH_STATIC_ROOT", VAR_DIR / "static")
STATICFILES_DIRS = [("vendor/plotly", Path(find_spec("plotly").origin).parent / "package_data")]
MEDIA_ROOT = env_path("SPARSEBENCH_MEDIA_ROOT", VAR_DIR / "media")
MEDIA_URL = "media/"

# Private storage: never under MEDIA_ROOT or STATIC_ROOT, never served by any URL.
DATA_ROOT = env_path("SPARSEBENCH_DATA_ROOT", VAR_DIR / "private" / "data")
SUBMISSION_ROOT = env_path("SPARSEBENCH_SUBMISSION_ROOT", VAR_DIR / "private" / "submissions")
# Public seed of the generated data (training scenes, public splits, samples). Hidden items derive from
# the deployment secret instead: SPARSEBENCH_HIDDEN_SECRET (hex, >= 32 bytes) or, unset, a random one
# created on first start in DATA_ROOT/.hidden-secret (mode 0600). Django's error pages mask it by name.
BUILD_SEED = env_int("SPARSEBENCH_BUILD_SEED", 0)
HIDDEN_SECRET = env_hex_secret("SPARSEBENCH_HIDDEN_SECRET", min_bytes=32)  # evaluator.hidden.SECRET_MIN_BYTES

# Upload limits (per phase limits come from the phase row; this is the global ceiling). Every request body
# is refused (413) above it plus 1 MiB for form fields, on its Content-Length, before it is read.
UPLOAD_MAX_BYTES = env_int("SPARSEBENCH_UPLOAD_MAX_BYTES", 256 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Files saved through Django's storages (collectstatic included) are private like the rest (the web process
# serves static files itself); the processes run with umask 077 (leaderboard/filemodes.py).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Evaluation pipeline.
LEASE_SECONDS = env_int("SPARSEBENCH_LEASE_SECONDS", 60, minimum=5)
HEARTBEAT_SECONDS = env_int("SPARSEBENCH_HEARTBEAT_SECONDS", 10, minimum=1)
REAPER_INTERVAL_SECONDS = env_int("SPARSEBENCH_REAPER_INTERVAL_SECONDS", 30, minimum=1)
MAX_ATTEMPTS = env_int("SPARSEBENCH_MAX_ATTEMPTS", 3, minimum=1)

# Celery reads every CELERY_* setting below (workers/celery.py: config_from_object, namespace CELERY).
BROKER = broker_config(
    env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}"), lease_seconds=LEASE_SECONDS
)
CELERY_BROKER_URL = BROKER.url
CELERY_BROKER_TRANSPORT = BROKER.transport
CELERY_BROKER_TRANSPORT_OPTIONS = BROKER.options
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "reap-expired-leases": {
        "task": "workers.tasks.reap_expired_leases",
        "schedule": float(REAPER_INTERVAL_SECONDS),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "leaderboard.apis.auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "leaderboard.apis.errors.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "leaderboard.apis.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("SPARSEBENCH_THROTTLE_ANON", "120/min"),
        "user": env_rate("SPARSEBENCH_THROTTLE_USER", "600/min"),
    },
    # How many reverse proxies stand in front (0: X-Forwarded-For is ignored, the peer address counts;
    # n: the n-th address from the right of X-Forwarded-For, the one the last trusted proxy saw).
    "NUM_PROXIES": env_int("SPARSEBENCH_PROXIES", 0, minimum=0),
}
#: Failed portal sign-ins allowed per client address in 15 minutes (counted in the cache; per web process
#: with the default local-memory cache).
LOGIN_FAILURES_LIMIT = env_int("SPARSEBENCH_LOGIN_FAILURES", 10, minimum=1)
#: Accounts one client address may create in 24 hours (counted in the same cache), then 429.
SIGNUPS_PER_ADDRESS = env_int("SPARSEBENCH_SIGNUPS_PER_ADDRESS", 5, minimum=1)

# E-mail: the verification link of a new account (only a verified account may submit). The console
# backend prints the mail in the web process's log; smtp sends it (SPARSEBENCH_EMAIL_* in .env.example).
globals().update(mail_config().django())  # EMAIL_BACKEND, DEFAULT_FROM_EMAIL, EMAIL_HOST, EMAIL_PORT, ...
#: How long a verification link stays valid.
VERIFY_LINK_MAX_AGE_S = env_int("SPARSEBENCH_VERIFY_LINK_HOURS", 48, minimum=1) * 3600

SPECTACULAR_SETTINGS = {
    "TITLE": "Sparsebench API",
    "DESCRIPTION": "Submit sparse methods, follow their scoring and read the leaderboards.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Where a worker scores attention (read by evaluator/devices.py; checked here so a typo stops the start)
SCORING_DEVICE = env_choice("SPARSEBENCH_DEVICE", "auto", ("auto", "cpu", "cuda"))

# The cache holds the throttles' counters, so it must be shared by every web process: Redis where
# SPARSEBENCH_CACHE_URL names one (a database of its own: clearing the cache flushes it), else files
# under VAR_DIR/cache, shared by the processes of one machine.
CACHE_URL = env_redis_url("SPARSEBENCH_CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    ),
    # Rendered page fragments (the leaderboard rows), keyed by a digest of what they show: per process.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "sparsebench-fragments",
        "OPTIONS": {"MAX_ENTRIES": 256},  # 100 rows: ~28 KiB with 3 metrics; some MiB a process
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_log_level("SPARSEBENCH_LOG_LEVEL", "INFO")},
}
