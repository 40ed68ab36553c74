"""Production settings, read from the environment with django-environ.

Nothing here names a machine path or holds a secret: the defaults are the safe choice for
production (DEBUG off, secure cookies), and `make run` sets the few variables a developer's
machine needs.
"""

import re
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The service's public name, shown in the header, page titles and emails.
SERVICE_NAME = env.str("SERVICE_NAME", default="CivicMarkets")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files, served from here rather than a CDN (core/api/docs.py).
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "core",
    "accounts",
    "commissioning",
    "providers",
    "accountability",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Security headers (see "Security headers" below): the Content-Security-Policy.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The edge (core/edge.py): body size caps, control characters and impossible years are
    # refused here, before the CSRF check reads the form and before any view runs.
    "core.edge.EdgeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Security headers: pages shown to a signed-in person or from their session are never
    # stored (Cache-Control: private, no-store). After authentication, which it reads.
    "core.http_cache.PrivatePagesNotStoredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicmarkets.urls"
WSGI_APPLICATION = "civicmarkets.wsgi.application"

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
                "core.context_processors.service",
            ],
        },
    },
]

# Every form field is rendered as GOV.UK Frontend markup from one template.
FORM_RENDERER = "core.forms.GovukFormRenderer"

# PostgreSQL everywhere: search, row locks and constraints must behave the same in the demo,
# the tests and production.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {"default": env.cache("CACHE_URL", default=REDIS_URL.replace("redis://", "rediscache://"))}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out client is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"

# Failed logins: after AXES_FAILURE_LIMIT failures for one account from one client, that
# pair is locked out for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# The client's address comes from the one helper every limit uses (see PROXY_COUNT below).
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
# static/dist is built by `npm run build` (GOV.UK Frontend's CSS, JS and images).
STATICFILES_DIRS = [BASE_DIR / "static" / "dist"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {
        "BACKEND": env.str("FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_CONFIG = env.email("EMAIL_URL", default="smtp://localhost:25")
# EMAIL_URL's query string (smtp://host:25?timeout=10) comes back as OPTIONS: see EMAIL_TIMEOUT.
EMAIL_URL_OPTIONS = EMAIL_CONFIG.pop("OPTIONS", {})
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CivicMarkets <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Production hardening; `manage.py check --deploy` is clean with these.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz is probed over plain HTTP by the load balancer and the compose health check.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Security headers: Content-Security-Policy (django-csp) -----------------------------------
# Pages load scripts, styles, fonts and images only from this origin (static files, Swagger UI
# from drf-spectacular-sidecar): no inline script, style attribute or event handler runs, so
# markup that slipped past escaping cannot execute. The browser tests fail on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Where browsers send violation reports (e.g. a collector of your own); none by default.
if _csp_report_uri := env.str("CSP_REPORT_URI", default=""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [_csp_report_uri]

# The REST API at /api/v1/ (see core/api/): API keys or the browser session, scopes, the
# apps' Policies, cursor pages, throttles, one error shape and an OpenAPI 3 schema.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ScopedAccess"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.CivicAutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.api.filters.StrictOrderingFilter",
    ],
    # DRF's own two, the browsable API fitted to the Content-Security-Policy.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.ApiKeyRateThrottle",
        "core.api.throttling.SessionUserRateThrottle",
        "core.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env.str("API_THROTTLE_KEY", default="1200/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
    },
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    # JSON and forms checked for control characters, depth and number sizes (core/edge.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.CheckedJSONParser",
        "core.api.parsers.CheckedFormParser",
        "core.api.parsers.CheckedMultiPartParser",
    ],
    "DEFAULT_VERSIONING_CLASS": None,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CivicMarkets API",
    "DESCRIPTION": (
        "Commissioning of public services: tenders, bids, evaluations, awards, contracts and "
        "complaints, under the same rules as the web pages. Authenticate with "
        "`Authorization: Bearer <API key>`; public data needs no key. Lists are cursor-paged "
        "(follow `next`); every error has the shape `{detail, errors}`."
    ),
    "VERSION": "1.0.0",
    # Swagger UI from the platform's own static files: no third-party script on this origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    # Deep links put a link inside each operation's button: nested controls that screen
    # readers and touch users cannot use (axe: nested-interactive, target-size).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SCHEMA_PATH_PREFIX": r"/api/(v1|ocds)",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models share a field name ("status", "outcome") with different choices: each
    # set of choices gets its own schema component.
    "ENUM_NAME_OVERRIDES": {
        "ContractStatusEnum": "commissioning.choices.ContractStatus",
        "CriterionKindEnum": "commissioning.choices.CriterionKind",
        "ComplaintStatusEnum": "accountability.choices.ComplaintStatus",
        "ComplaintOutcomeEnum": "accountability.choices.ComplaintOutcome",
        "OmbudsmanOutcomeEnum": "accountability.choices.OmbudsmanOutcome",
        "ProposalStatusEnum": "accountability.choices.ProposalStatus",
        "EscalationLevelEnum": "accountability.choices.EscalationLevel",
        "RenewalRecommendationEnum": "commissioning.models.RenewalRecommendation",
        "TenderStatusEnum": "commissioning.choices.TenderStatus",
        "WebhookEventEnum": "core.models.WebhookEvent",
        "WebhookDeliveryStatusEnum": "core.models.WebhookDelivery.Status",
    },
}
# The registered OCDS ocid prefix (https://standard.open-contracting.org/1.1/en/guidance/build/ocid/);
# the tender's id follows it. Deployments register their own.
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-civicm1")
OCDS_PUBLISHER_NAME = env.str("OCDS_PUBLISHER_NAME", default="CivicMarkets")
OCDS_PUBLISHER_URI = env.str("OCDS_PUBLISHER_URI", default="")
# Public base URL, for links in OCDS packages and webhooks (e.g. https://civicmarkets.example):
# SITE_URL unless set apart. `check --deploy` refuses either left at a local address.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=SITE_URL)

# Celery: Redis is the broker. `make run` falls back to kombu's filesystem transport
# (CELERY_BROKER_URL=filesystem://) when no Redis answers.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_folder = Path(env.str("CELERY_BROKER_FOLDER", default=str(BASE_DIR / "var" / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder),
        "data_folder_out": str(_broker_folder),
        "processed_folder": str(_broker_folder / "processed"),
        # Else kombu writes its exchange table to ./control in the working directory.
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="civicmarkets")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": crontab()},  # every minute
    "close-due-tenders": {
        "task": "commissioning.tasks.close_due_tenders",
        "schedule": crontab(),  # every minute: bids open within a minute of the deadline
    },
    "dispatch-outbox": {
        "task": "core.tasks.dispatch_outbox",
        "schedule": crontab(),  # every minute: emails go out within a minute of the change
    },
    "complaint-overdue-sweep": {
        "task": "accountability.tasks.complaint_overdue_sweep",
        "schedule": crontab(minute=7),  # hourly: due dates are whole days
    },
    "contract-renewals": {
        "task": "commissioning.tasks.contract_renewals",
        "schedule": crontab(hour=2, minute=15),  # daily: notice points and end dates are days
    },
    "anonymise-complaints": {
        "task": "accountability.tasks.anonymise_complaints",
        "schedule": crontab(hour=3, minute=17),  # daily, at night
    },
    "contract-reviews": {
        "task": "commissioning.tasks.contract_reviews",
        "schedule": crontab(hour=2, minute=30),  # daily: reviews fall due on whole dates
    },
}

# /healthz reports unhealthy when the beat heartbeat is older than this.
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=300)

# Reference data shared beside the project (never copied into it); see README.
SHARED_DATA_DIR = Path(env.str("CIVICMARKETS_SHARED_DIR", default=str(BASE_DIR.parent / "shared")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The password `seed_demo` gives every demo login. Only `make run` loads demo data.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="civic-demo-2026")

# The master key that wraps every tender's bid-sealing key (Fernet, urlsafe base64, 32 bytes;
# several comma-separated keys, newest first, while rotating). Required to publish tenders
# or read bids; never stored in the database.
BID_MASTER_KEY = env.str("BID_MASTER_KEY", default="")

# Uploads: what bids and tender documents may carry, checked by content, not by name.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)

# Complaint Handling Code timescales, in working days (England and Wales bank holidays
# excluded): acknowledge, stage 1 response, stage 2 response.
COMPLAINT_ACKNOWLEDGE_DAYS = env.int("COMPLAINT_ACKNOWLEDGE_DAYS", default=5)
COMPLAINT_STAGE1_RESPONSE_DAYS = env.int("COMPLAINT_STAGE1_RESPONSE_DAYS", default=10)
COMPLAINT_STAGE2_RESPONSE_DAYS = env.int("COMPLAINT_STAGE2_RESPONSE_DAYS", default=20)
# How long complainants' personal data is kept after a complaint closes (days).
COMPLAINT_RETENTION_DAYS = env.int("COMPLAINT_RETENTION_DAYS", default=6 * 365)
# Working days after a reporting period ends by which a provider's KPI return is due.
KPI_RETURN_DUE_WORKING_DAYS = env.int("KPI_RETURN_DUE_WORKING_DAYS", default=10)

# --- edge: client addresses, limits that fail open, and what requests may carry ---------------
# Reverse proxies in front of the application, each appending to X-Forwarded-For. 0 trusts no
# header at all; docker-compose.yml sets 1 for its nginx. The sign-in lock-out, the rate
# limits and the API throttles all read the client's address through core.clientip.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "core.clientip.client_ip"
# A limit whose counter cannot be read lets the request through (core.ratelimits logs it).
RATELIMIT_FAIL_OPEN = True


def _rate(name: str, default: str) -> str:
    """A django-ratelimit rate such as "10/h" (also s, m, d; "5/15m"), checked at start-up."""
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"\d+/\d*[smhd]", value):
        raise ImproperlyConfigured(f'{name} must be a rate like "10/h" or "5/15m", not {value!r}')
    return value


# Complaints submitted, and tracking pages opened, per client address (form and API share
# the submission allowance).
COMPLAINT_SUBMIT_RATE = _rate("COMPLAINT_SUBMIT_RATE", "10/h")
COMPLAINT_TRACK_RATE = _rate("COMPLAINT_TRACK_RATE", "20/h")
# Photos and documents uploaded to the complaint form per client address, and how long an
# upload waits for its complaint to be sent before the job below removes it.
COMPLAINT_UPLOAD_RATE = _rate("COMPLAINT_UPLOAD_RATE", "30/h")
COMPLAINT_UPLOAD_KEEP_MINUTES = env.int("COMPLAINT_UPLOAD_KEEP_MINUTES", default=120)
CELERY_BEAT_SCHEDULE["remove-abandoned-uploads"] = {
    "task": "accountability.tasks.remove_abandoned_uploads",
    "schedule": crontab(minute="*/15"),
}

# Request bodies. Anything but a multipart upload may be DATA_UPLOAD_MAX_MEMORY_SIZE (2 MiB);
# an upload MAX_REQUEST_BYTES (the largest document plus 1 MiB for the rest of the form), or
# less where a page says so. A larger Content-Length is refused with 413 before the body is
# read (core.edge); nginx in docker-compose.yml refuses anything larger still.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=MAX_UPLOAD_BYTES + 1024 * 1024)
# Uploaded files larger than this are spooled to a temporary file rather than kept in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Password resets asked for per client address, and per email address whoever asks (past
# that the page answers as usual but sends nothing more to that address).
PASSWORD_RESET_RATE = _rate("PASSWORD_RESET_RATE", "10/h")
PASSWORD_RESET_ADDRESS_RATE = _rate("PASSWORD_RESET_ADDRESS_RATE", "3/h")

# Provider registrations started per client address, and per admin email address whoever
# asks; how long the emailed link to finish registering works.
REGISTRATION_RATE = _rate("REGISTRATION_RATE", "20/h")
REGISTRATION_ADDRESS_RATE = _rate("REGISTRATION_ADDRESS_RATE", "3/h")
REGISTRATION_CONFIRM_HOURS = env.int("REGISTRATION_CONFIRM_HOURS", default=24)
CELERY_BEAT_SCHEDULE["remove-expired-registrations"] = {
    "task": "providers.tasks.remove_expired_registrations",
    "schedule": crontab(minute=41),  # hourly
}

# The cache holds only counters (rate limits, throttles), so a slow Redis must not hold a
# request for long: after this many seconds to connect or to answer, the limit is skipped.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=1.0)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=CACHE_TIMEOUT_SECONDS, socket_timeout=CACHE_TIMEOUT_SECONDS
    )

# --- webhooks (core/webhooks.py) -----------------------------------------------------------------
# Due webhook deliveries are sent every minute, and at once after the change that queued them.
CELERY_BEAT_SCHEDULE["deliver-webhooks"] = {
    "task": "core.tasks.deliver_webhooks",
    "schedule": crontab(),  # every minute: retries fall due on the minute
}
# Receivers must be public: URLs resolving to loopback, private, link-local or other
# non-global addresses are refused at registration and at every attempt. Only tests (which
# deliver to a server on this machine) and isolated development set this.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Ports a webhook URL may name, comma-separated; empty allows any port.
WEBHOOK_ALLOWED_PORTS = [
    int(port) for port in env.str("WEBHOOK_ALLOWED_PORTS", default="80,443").split(",") if port
]
# Seconds to connect and to wait for each read of the receiver's answer.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Failed attempts in a row (over all its deliveries) after which an endpoint is disabled and
# its organisation told by email.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)

# --- keys, backups and restores (commissioning/sealing.py) ---------------------------------------
# A wrong or missing BID_MASTER_KEY (and any other core.errors.ServiceUnavailable) answers a
# 503 page saying so, not a 500.
MIDDLEWARE += ["core.unavailable.ServiceUnavailableMiddleware"]

# --- the audit log's chain (core/services_audit.py, core/audit_signing.py) ----------------------
# The HMAC key that chains audit entries: at least 32 random characters, kept out of the
# database and its backups; several, comma-separated, newest first, while rotating.
AUDIT_HMAC_KEYS = env.list("AUDIT_HMAC_KEY", default=[])
# The Ed25519 private key (base64 of its 32 bytes) that signs checkpoints of the chain's head,
# and older public keys (base64, comma-separated) whose checkpoints still count.
AUDIT_CHECKPOINT_SIGNING_KEY = env.str("AUDIT_CHECKPOINT_SIGNING_KEY", default="")
AUDIT_CHECKPOINT_TRUSTED_KEYS = env.list("AUDIT_CHECKPOINT_TRUSTED_KEYS", default=[])
# Who signs: part of every checkpoint's signed text, so one installation's checkpoints cannot
# pass for another's.
AUDIT_CHECKPOINT_ISSUER = env.str("AUDIT_CHECKPOINT_ISSUER", default=PUBLIC_BASE_URL)
# Entries are chained within seconds of their transaction's end; the head is signed and
# published as a checkpoint every AUDIT_CHECKPOINT_INTERVAL_SECONDS when it has moved.
AUDIT_SEAL_INTERVAL_SECONDS = env.float("AUDIT_SEAL_INTERVAL_SECONDS", default=10.0)
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env.float("AUDIT_CHECKPOINT_INTERVAL_SECONDS", default=900.0)
CELERY_BEAT_SCHEDULE["audit-seal"] = {
    "task": "core.tasks.audit_seal",
    "schedule": AUDIT_SEAL_INTERVAL_SECONDS,
}
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {
    "task": "core.tasks.audit_checkpoint",
    "schedule": AUDIT_CHECKPOINT_INTERVAL_SECONDS,
}

# --- database timeouts (core/dbtimeouts.py) ----------------------------------------------
# Milliseconds; 0 turns one off. A statement that waits longer than DATABASE_LOCK_TIMEOUT_MS
# for a lock, or runs longer than DATABASE_STATEMENT_TIMEOUT_MS, fails (a 503 "busy, try
# again" for a web request), and a session left idle inside a transaction longer than
# DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS is ended, so one stuck transaction cannot hold the
# site. The defaults suit web requests; docker-compose.yml gives the Celery worker longer
# ones and migrations none.
DATABASE_LOCK_TIMEOUT_MS = env.int("DATABASE_LOCK_TIMEOUT_MS", default=5000)
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30000)
DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = env.int(
    "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=60000
)
# /healthz gives the database this long before reporting it unhealthy.
HEALTHZ_DATABASE_TIMEOUT_MS = env.int("HEALTHZ_DATABASE_TIMEOUT_MS", default=2000)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = " ".join(
    [
        _db_options.get("options", ""),
        f"-c lock_timeout={DATABASE_LOCK_TIMEOUT_MS}",
        f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}",
        f"-c idle_in_transaction_session_timeout={DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS}",
    ]
).strip()
MIDDLEWARE += ["core.dbtimeouts.DatabaseBusyMiddleware"]

# --- effects exactly once: email, jobs, Celery limits (core/outbox.py, core/jobs.py) --------------
# Seconds the mail server may take to connect and to answer each command: a server that hangs
# costs one attempt (retried with backoff), never the worker. EMAIL_URL may carry it too
# (smtp+tls://user:password@host:587?timeout=20); EMAIL_TIMEOUT wins.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=float(EMAIL_URL_OPTIONS.get("TIMEOUT", 10)))
# Every task has a soft time limit (the task is told, and stops cleanly) and a hard one (its
# process is killed). These are for the minutely tasks; the daily jobs have their own.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
JOB_SOFT_TIME_LIMIT = env.int("JOB_SOFT_TIME_LIMIT", default=2 * 3600)
JOB_TIME_LIMIT = env.int("JOB_TIME_LIMIT", default=2 * 3600 + 300)
# Redis hands a task taken by a worker that never acknowledged it (acks_late: the worker died
# mid-task) to another worker after this many seconds. It must be longer than the longest
# hard time limit, or a task still running would be started a second time.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=3 * 3600
    )
# A running job that has shown no sign of life (one per chunk) for this long lost its worker
# and is marked abandoned on /jobs/.
JOB_RUN_ABANDONED_AFTER_SECONDS = env.int("JOB_RUN_ABANDONED_AFTER_SECONDS", default=600)
# Sent and given-up emails (by then only a hash of the address, the subject, the Message-ID
# and the times) are deleted this many days after they were queued.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=180)
# Events for a webhook endpoint that is turned off wait this many days for it to be turned on
# again, then expire.
WEBHOOK_HOLD_DAYS = env.int("WEBHOOK_HOLD_DAYS", default=7)
# Secrets that travel in URLs (tracking links, invitations, password resets) never reach a
# log line (core/redaction.py; gunicorn: --logger-class core.redaction.GunicornLogger).
LOGGING["filters"] = {"redact_secrets": {"()": "core.redaction.RedactSecrets"}}
LOGGING["handlers"]["console"]["filters"] = ["redact_secrets"]
