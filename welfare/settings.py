"""Settings for the officer welfare system, read from the environment (12-factor).

With nothing set the project runs on embedded defaults — SQLite and Celery over
kombu's filesystem transport, both under ``var/`` — so a fresh machine needs no
outside service. ``DJANGO_ENV=production`` (or ``DEBUG=0``) switches the defaults
to production ones and makes the secrets mandatory. Every variable is listed in
the README's configuration table.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from welfare.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV={DJANGO_ENV!r} must be 'development' or 'production'.")
DEBUG = env_bool("DEBUG", DJANGO_ENV == "development")
PRODUCTION = DJANGO_ENV == "production" or not DEBUG


def _development_secret_key() -> str:
    """A random key kept under var/, so dev sessions survive a restart; never used in production."""
    key_file = VAR_DIR / "dev_secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if DJANGO_ENV == "production" and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", required=True)
else:
    SECRET_KEY = env_str("SECRET_KEY") or _development_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "people",
    "audit",
    "notifications",
    "health",
    "activities",
    "surveys",
    "care",
    "awards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "audit.context.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "people.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "welfare.urls"
WSGI_APPLICATION = "welfare.wsgi.application"
ASGI_APPLICATION = "welfare.asgi.application"

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
                "people.context_processors.navigation",
                "people.context_processors.security_policy",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# Production never falls back to the embedded SQLite database.
DATABASE_URL = env_str("DATABASE_URL", required=DJANGO_ENV == "production")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django understands: {exc}") from None
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not memory, so a Celery worker subprocess can see the test database.
            "TEST": {"NAME": VAR_DIR / "test-db.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security (MLPS level 3 baseline) ----------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "people.backends.PoliceNumberOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "people.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "people.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Log out after 30 idle minutes: every request pushes the expiry forward.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", PRODUCTION):
    # The bureau's reverse proxy terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies sit in front of the app; 0 trusts REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# django-axes: 5 failures lock the account (not only the address) for 30 minutes.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks to lock by address too. Officers of a station share one NAT address, so one
# officer's typos would lock the whole station out; the token endpoint is throttled per address instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "people.backends.canonical_username_for_axes"
AXES_CLIENT_IP_CALLABLE = "audit.ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Log-in attempt records (not the audit log) are kept this long for the lock-out and throttle rules.
LOGIN_ATTEMPT_RETENTION_DAYS = env_int("LOGIN_ATTEMPT_RETENTION_DAYS", 30, minimum=1)
# Failed log-ins from one address in an hour, over all accounts, before that address must wait.
LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = env_int("LOGIN_FAILURES_PER_ADDRESS_PER_HOUR", 30, minimum=5)


# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# zh-hans with a thousands separator for amounts (welfare/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["welfare.formats"]

# --- Static files: Bootstrap, htmx and Chart.js come from npm, served locally ---
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION and not env_bool("STATIC_NO_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Cache: local memory by default, Redis when CACHE_URL is set ---------------
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} must be a redis:// URL.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST API ---------------------------------------------------------------
API_TOKEN_THROTTLE = env_str("API_TOKEN_THROTTLE", "30/minute")
if not re.fullmatch(r"\d+/(second|minute|hour|day)", API_TOKEN_THROTTLE):
    raise ImproperlyConfigured(f"API_TOKEN_THROTTLE={API_TOKEN_THROTTLE!r} must look like 30/minute.")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "welfare.api.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "welfare.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_THROTTLE_RATES": {"token": API_TOKEN_THROTTLE},
    # Throttles key on the client address the trusted proxies saw, not on a header the client writes.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The app's session follows the portal's rules: a refresh token lives 30 idle minutes (each refresh
# rotates it), a session lasts at most JWT_SESSION_MAX_HOURS, and a password change, a lock-out or a
# deactivated account ends it.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 10, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_REFRESH_MINUTES", 30, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "CHECK_REVOKE_TOKEN": True,
    "USER_AUTHENTICATION_RULE": "people.backends.may_use_tokens",
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
}
JWT_SESSION_MAX_HOURS = env_int("JWT_SESSION_MAX_HOURS", 12, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "幸福警营 API",
    "DESCRIPTION": "REST API of the officer welfare system for the mobile app. Authenticate with a JWT "
    "from POST /api/v1/auth/token/ and send it as 'Authorization: Bearer <token>'.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "SexEnum": "people.models.Sex",
        "FamilyRelationEnum": "people.models.FamilyRelation",
        "OfficerKindEnum": "people.models.OfficerKind",
        "OrgUnitKindEnum": "people.models.OrgUnitKind",
        "RoleEnum": "people.models.Role",
        "VerdictEnum": "health.selectors.Verdict",
        "FollowUpStatusEnum": "health.models.FollowUpStatus",
        "ActivityKindEnum": "activities.models.ActivityKind",
        "ActivityStatusEnum": "activities.models.ActivityStatus",
        "AudienceEnum": "activities.models.Audience",
        "SignUpStatusEnum": "activities.models.SignUpStatus",
    },
}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = (
    env_str("CELERY_BROKER_URL", required=True)
    if DJANGO_ENV == "production"
    else env_str("CELERY_BROKER_URL", "filesystem://")
)
# Redis redelivers an unacknowledged message after the visibility timeout (long waits live in the database);
# socket timeouts bound every read, so a broker that accepts but never answers cannot hang a request.
REDIS_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 4, minimum=1),
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 4, minimum=1),
}
CELERY_FILESYSTEM_ROOT = Path(env_str("CELERY_FILESYSTEM_ROOT", str(VAR_DIR / "celery")))
if CELERY_BROKER_URL == "filesystem://":
    for sub in ("queue", "processed", "control"):
        (CELERY_FILESYSTEM_ROOT / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_ROOT / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_ROOT / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_ROOT / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_ROOT / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis redelivers an unacknowledged message after this; long waits live in the database instead.
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
elif not CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "pyamqp://", "memory://")):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r} is not a redis://, amqp:// or filesystem:// URL."
    )
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# For tasks with late acks: a worker that dies mid-task leaves the message to be delivered again.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
WORKER_QUEUES = ("default", "reminders", "imports", "reports")
CELERY_TASK_QUEUES = [Queue(name) for name in WORKER_QUEUES]
CELERY_TASK_ROUTES = {
    "notifications.*": {"queue": "reminders"},
    "*.import_*": {"queue": "imports"},
    "*.report_*": {"queue": "reports"},
}
# Enqueueing must fail fast when the broker is down, never hang a web request.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 4, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    **{
        f"heartbeat-{queue}": {
            "task": "people.record_worker_heartbeat",
            "schedule": 60.0,
            "args": (queue,),
            "options": {"queue": queue, "expires": 55},
        }
        for queue in WORKER_QUEUES
    },
    "sweep-due-reminders": {
        "task": "notifications.sweep_due_reminders",
        "schedule": float(env_int("REMINDER_SWEEP_SECONDS", 15, minimum=1)),
        "options": {"expires": 60},
    },
    "housekeeping": {"task": "people.housekeeping", "schedule": crontab(hour=3, minute=15)},
    "activities-expire-offers": {"task": "activities.expire_offers", "schedule": 60.0},
    # Hourly: a reminder round is due from 09:00 local on its day; deduplicated per campaign/officer/round.
    "surveys-remind-non-respondents": {
        "task": "surveys.remind_non_respondents",
        "schedule": crontab(minute=5),
    },
    # Hourly: service levels of care requests (reminders to handlers, then to the heads) and auto-close.
    "care-escalate-overdue": {"task": "care.escalate_overdue", "schedule": crontab(minute=20)},
    # Daily: award programmes opening or closing soon, and applications waiting for a reviewer.
    "awards-reminders": {"task": "awards.schedule_reminders", "schedule": crontab(hour=7, minute=10)},
    "health-checkup-overdue": {
        "task": "health.remind_overdue_checkups",
        "schedule": crontab(hour=6, minute=40),
    },
    "daily-greetings": {
        "task": "notifications.schedule_daily_greetings",
        # Hourly, though the greetings are due once a day at GREETING_HOUR: beat marks an entry as run
        # before sending it, so one send lost to a broker outage must not lose the day. It is idempotent.
        "schedule": crontab(minute=30),
    },
}
# A worker is shown as missing on the status page when its heartbeat is older than this.
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 180, minimum=60)

# --- Reminders and channels ---------------------------------------------------------
REMINDER_SWEEP_BATCH = env_int("REMINDER_SWEEP_BATCH", 500, minimum=1)
REMINDER_SWEEP_MAX_BATCHES = env_int("REMINDER_SWEEP_MAX_BATCHES", 40, minimum=1)
REMINDER_DELIVERY_CHUNK = env_int("REMINDER_DELIVERY_CHUNK", 50, minimum=1)
# A claim not finished in this time (the worker died) is taken back and retried.
REMINDER_CLAIM_LEASE_SECONDS = env_int("REMINDER_CLAIM_LEASE_SECONDS", 600, minimum=30)
if REMINDER_CLAIM_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"REMINDER_CLAIM_LEASE_SECONDS={REMINDER_CLAIM_LEASE_SECONDS} must exceed CELERY_TASK_TIME_LIMIT="
        f"{CELERY_TASK_TIME_LIMIT}: a claim must outlive the task holding it."
    )
# A reminder claimed this many times without being finished (its worker keeps dying) fails visibly.
REMINDER_MAX_CLAIMS = env_int("REMINDER_MAX_CLAIMS", 5, minimum=1)
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5, minimum=1)
REMINDER_RETRY_BASE_SECONDS = env_int("REMINDER_RETRY_BASE_SECONDS", 60, minimum=1)
REMINDER_RETRY_MAX_SECONDS = env_int("REMINDER_RETRY_MAX_SECONDS", 3600, minimum=1)
GREETING_HOUR = env_int("GREETING_HOUR", 9, minimum=0)
if GREETING_HOUR > 23:
    raise ImproperlyConfigured(f"GREETING_HOUR={GREETING_HOUR} must be an hour from 0 to 23.")
BROADCAST_BATCH = env_int("BROADCAST_BATCH", 500, minimum=1)
# A broadcast untouched this long has lost its task (broker down); the sweep starts it again.
BROADCAST_STALL_SECONDS = env_int("BROADCAST_STALL_SECONDS", 120, minimum=10)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# E-mail goes through the bureau's intranet SMTP; in development it is written to var/mail/.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "幸福警营 <welfare@gaj.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Production names its SMS gateway: the file default would mark every SMS sent and keep numbers on disk.
SMS_BACKEND = (
    env_str("SMS_BACKEND", required=True)
    if DJANGO_ENV == "production"
    else env_str("SMS_BACKEND", "notifications.sms.FileBackend")
)
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms.log")))
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
if SMS_BACKEND == "notifications.sms.HttpGatewayBackend" and not SMS_GATEWAY_URL:
    raise ImproperlyConfigured("SMS_BACKEND is the HTTP gateway but SMS_GATEWAY_URL is not set.")
SMS_SIGNATURE = env_str("SMS_SIGNATURE", "幸福警营")
SMS_MAX_LENGTH = env_int("SMS_MAX_LENGTH", 300, minimum=20)

# --- Imports ------------------------------------------------------------------
# Uploaded files larger than this are refused before they are read.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

# --- Care requests ---------------------------------------------------------
# Service levels in working days (Monday–Friday, less the holidays in the admin's calendar).
CARE_FIRST_RESPONSE_WORKING_DAYS = env_int("CARE_FIRST_RESPONSE_WORKING_DAYS", 2, minimum=1)
CARE_RESOLUTION_WORKING_DAYS = env_int("CARE_RESOLUTION_WORKING_DAYS", 20, minimum=1)
# Past its due time a request is reminded to its handler; this many working days later, to the heads.
CARE_ESCALATE_AFTER_WORKING_DAYS = env_int("CARE_ESCALATE_AFTER_WORKING_DAYS", 2, minimum=1)
# A resolved request the officer has not rated closes by itself after this many days.
CARE_AUTO_CLOSE_DAYS = env_int("CARE_AUTO_CLOSE_DAYS", 14, minimum=1)
CARE_ATTACHMENT_MAX_BYTES = env_int("CARE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
CARE_MAX_ATTACHMENTS = env_int("CARE_MAX_ATTACHMENTS", 10, minimum=1)

# --- Education awards ------------------------------------------------------
AWARD_LETTER_MAX_BYTES = env_int("AWARD_LETTER_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# An application waiting this many days for its reviewer is reminded to them (daily, once per wait).
AWARD_REVIEW_REMIND_DAYS = env_int("AWARD_REVIEW_REMIND_DAYS", 5, minimum=1)

# --- PDF ----------------------------------------------------------------------
# A TrueType font (.ttf, .ttc) with Chinese glyphs to embed in PDFs. Unset: a system CJK font, else the
# built-in STSong-Light (welfare/pdf.py). A path that is not a usable font fails the first PDF, loudly.
PDF_FONT_PATH = env_str("PDF_FONT_PATH", "")

# --- Demo data ----------------------------------------------------------------
DEFAULT_DEMO_PASSWORD = "Jingying@2026!"  # noqa: S105 - published in the README; refused in production
DEMO_PASSWORD = env_str("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)

# --- Privacy ----------------------------------------------------------------
# Aggregates over fewer people than this are withheld (health, surveys).
MIN_GROUP_SIZE = env_int("MIN_GROUP_SIZE", 5, minimum=2)

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}
