"""AgentIQ settings: the only module that reads the environment.

Every variable read here is listed, with its default, in `.env.example` and in the README.
On a bare laptop (no variables set) it runs on SQLite, the local-memory cache and a broker
that needs no server. With DEBUG off it refuses to start without real secrets.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# --- Secrets -------------------------------------------------------------------------------
# Known placeholders that must never run outside DEBUG.
INSECURE_SECRET_VALUES = frozenset(
    {
        "",
        "change-me",
        "change-me-in-production",
        "changeme",
        "secret",
        "insecure",
        "django-insecure-dev-only",
        "dev-only-encryption-key",
    }
)
MIN_SECRET_LENGTH = 32
# Long enough for HS256 JWT signing (PyJWT warns under 32 bytes); refused outside DEBUG by its prefix.
DEV_SECRET_KEY = "django-insecure-dev-only-never-use-outside-debug"  # noqa: S105
DEV_ENCRYPTION_KEY = "dev-only-encryption-key"


def require_secret(name: str, value: str, *, how_to_generate: str) -> None:
    """Refuse to start outside DEBUG with a missing, placeholder or short secret."""
    if value.startswith("django-insecure") or value.lower() in INSECURE_SECRET_VALUES:
        problem = "is missing or a known placeholder"
    elif len(value) < MIN_SECRET_LENGTH:
        problem = f"is shorter than {MIN_SECRET_LENGTH} characters"
    else:
        return
    raise ImproperlyConfigured(f"{name} {problem}; with DEBUG off it must be set. Generate one with: {how_to_generate}")


GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Fernet keys for credentials at rest, newest first. django-fernet-encrypted-fields derives its
# keys from SECRET_KEY (+ fallbacks) x SALT_KEY; reading tries every pair, writing uses the first.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[DEV_ENCRYPTION_KEY] if DEBUG else [])
SALT_KEY = ENCRYPTION_KEYS

if not DEBUG:
    require_secret("SECRET_KEY", SECRET_KEY, how_to_generate=GENERATE_HINT)
    if not ENCRYPTION_KEYS:
        require_secret("ENCRYPTION_KEYS", "", how_to_generate=GENERATE_HINT)
    for encryption_key in ENCRYPTION_KEYS:
        require_secret("ENCRYPTION_KEYS", encryption_key, how_to_generate=GENERATE_HINT)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Apps ----------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files, not a CDN
    "django_celery_beat",
    "django_prometheus",
    "agentiq",
    "sellers",
    "integrations",
    "interactions",
    "notifications",
    "guardrails",
    "ai",
    "autoreplies",
    "leads",
    "sandbox",  # the demo and test double; only its management command is used
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "agentiq.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "agentiq.middleware.AdminTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "agentiq.urls"
WSGI_APPLICATION = "agentiq.wsgi.application"
AUTH_USER_MODEL = "sellers.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# --- Database ------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'agentiq.sqlite3'}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.sqlite3"
    # Web, worker and beat share one file under `make run`: wait for the write lock, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Tests run on an in-memory database (said explicitly: the prometheus engine hides the sqlite default).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
IS_POSTGRES = "postgresql" in DATABASES["default"]["ENGINE"]

# --- Cache and broker ----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Fail fast when Redis is away: /api/health must answer, not hang.
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
            "KEY_PREFIX": "agentiq",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "agentiq"}}
    # A broker that needs no server: kombu's filesystem transport under var/.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "broker-control"),
    }

# --- Celery --------------------------------------------------------------------------------
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "integrations.tasks.*": {"queue": "sync"},
    "ai.tasks.*": {"queue": "ai"},
}
# A task is acknowledged when it ends, so one a worker was running or had reserved when it was killed with -9
# is not lost; with Redis it comes back only after the transport's visibility timeout (an hour, kombu's
# default). The sync does not wait for that: see SYNC_LEASE_SECONDS and SYNC_ENQUEUED_GRACE_SECONDS below,
# and the late copy finds its connection synced since and does nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth, API -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

THROTTLE_RATE_USER = env.str("THROTTLE_RATE_USER", default="600/min")
THROTTLE_RATE_ANON = env.str("THROTTLE_RATE_ANON", default="60/min")
THROTTLE_RATE_AUTH = env.str("THROTTLE_RATE_AUTH", default="20/min")
# A regenerated draft is an LLM call the shop pays for: per user.
THROTTLE_RATE_AI_DRAFT = env.str("THROTTLE_RATE_AI_DRAFT", default="30/min")
# The landing's lead form, per client IP (both the API and the plain form post count against them).
THROTTLE_RATE_LEADS_MINUTE = env.str("THROTTLE_RATE_LEADS_MINUTE", default="5/min")
THROTTLE_RATE_LEADS_DAY = env.str("THROTTLE_RATE_LEADS_DAY", default="50/day")
# How many proxies put their address in X-Forwarded-For (1 behind deploy/nginx). Unset: DRF reads the whole
# header, which a client can forge to dodge the per-IP throttles.
NUM_PROXIES = env.int("NUM_PROXIES", default=None)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sellers.authentication.SellerJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["agentiq.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "agentiq.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "agentiq.throttling.UserThrottle",
        "agentiq.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": THROTTLE_RATE_USER,
        "anon": THROTTLE_RATE_ANON,
        "auth": THROTTLE_RATE_AUTH,
        "ai_draft": THROTTLE_RATE_AI_DRAFT,
        "leads_minute": THROTTLE_RATE_LEADS_MINUTE,
        "leads_day": THROTTLE_RATE_LEADS_DAY,
    },
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "UPDATE_LAST_LOGIN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AgentIQ API",
    "DESCRIPTION": "Unified inbox for Wildberries and Ozon sellers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs must work where no public CDN is reachable.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Interactions, templates and the inbox filter share one kind enum; notifications have their own kinds.
    # The lead form's list of marketplaces is the same choice set as an interaction's marketplace: one enum.
    "ENUM_NAME_OVERRIDES": {
        "InteractionKindEnum": "interactions.models.Kind",
        "MarketplaceEnum": "interactions.models.Marketplace",
        "AIAnswerEnum": ["llm", "offline"],  # who wrote a draft, who answers the shop: the model or offline
        "GuardrailStatusEnum": ["ok", "warn", "block"],
        # An auto-reply rule's action and its reply's source; a rule's intents are the inbox's intents.
        "AutoReplyActionEnum": "autoreplies.models.Action",
        "AutoReplySourceEnum": "autoreplies.models.ReplySource",
        "IntentEnum": "interactions.models.Intent",
    },
}

# --- Observability -------------------------------------------------------------------------
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1"])
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        # The LLM SDK and its HTTP client log every request; ai.llm.client logs what matters, without secrets.
        "httpx2": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
    },
}

# --- AI ------------------------------------------------------------------------------------
DEEPSEEK_API_KEY = env.str("DEEPSEEK_API_KEY", default="")
AI_BASE_URL = env.str("AI_BASE_URL", default="https://api.deepseek.com")
AI_MODEL = env.str("AI_MODEL", default="deepseek-chat")
# One HTTP request to the LLM may take this long; all attempts of one call (retries, backoff) together at most
# AI_DEADLINE_SECONDS; AI_MAX_ATTEMPTS requests per call at most (ai/llm/client.py).
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=30.0)
AI_DEADLINE_SECONDS = env.float("AI_DEADLINE_SECONDS", default=90.0)
AI_MAX_ATTEMPTS = env.int("AI_MAX_ATTEMPTS", default=4)
# LLM calls one AI task makes at once (ai.services: a batch's analyses and drafts on a thread pool).
AI_CONCURRENCY = env.int("AI_CONCURRENCY", default=64)

# --- Marketplaces --------------------------------------------------------------------------
# The same clients talk to the real APIs, the sandbox marketplace or a test server.
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8090")
# Signs the fake marketplace's credentials; only the demo and tests use the sandbox, so no default outside DEBUG.
SANDBOX_SECRET = env.str("SANDBOX_SECRET", default="agentiq-sandbox-dev-secret" if DEBUG else "")
# `make run` sets MARKETPLACE_SANDBOX=true: every marketplace URL then defaults to the sandbox, so a
# demo works with no marketplace account and no internet. An explicit *_BASE_URL still wins.
MARKETPLACE_SANDBOX = env.bool("MARKETPLACE_SANDBOX", default=False)
WB_FEEDBACKS_BASE_URL = env.str(
    "WB_FEEDBACKS_BASE_URL", default=SANDBOX_URL if MARKETPLACE_SANDBOX else "https://feedbacks-api.wildberries.ru"
)
WB_CHAT_BASE_URL = env.str(
    "WB_CHAT_BASE_URL", default=SANDBOX_URL if MARKETPLACE_SANDBOX else "https://buyer-chat-api.wildberries.ru"
)
# `{basket}` is the two-digit basket number computed from the nmId.
WB_CDN_BASE_URL = env.str(
    "WB_CDN_BASE_URL",
    default=SANDBOX_URL + "/cdn/basket-{basket}" if MARKETPLACE_SANDBOX else "https://basket-{basket}.wbbasket.ru",
)
OZON_BASE_URL = env.str("OZON_BASE_URL", default=SANDBOX_URL if MARKETPLACE_SANDBOX else "https://api-seller.ozon.ru")
MARKETPLACE_TIMEOUT_SECONDS = env.float("MARKETPLACE_TIMEOUT_SECONDS", default=15.0)

# --- Sync recovery -------------------------------------------------------------------------
# A sync holds its connection by a lease it renews every SYNC_LEASE_RENEW_SECONDS, before each marketplace
# call and with each batch it writes. The longest gap between two renewal chances is one call: the rate
# limiter's longest wait (10 s) plus MARKETPLACE_TIMEOUT_SECONDS. The lease must outlast that plus a few
# renewal intervals (60 >= 10 + 15 + 3 x 10), or a live sync could lose its connection to another worker;
# it is also how long a connection waits after its worker was killed mid-sync.
SYNC_LEASE_SECONDS = env.float("SYNC_LEASE_SECONDS", default=60.0)
SYNC_LEASE_RENEW_SECONDS = env.float("SYNC_LEASE_RENEW_SECONDS", default=10.0)
# A connection queued by the beat sweep whose sync has not started this long after is queued again: its
# task was lost (broker restarted) or sits reserved by a killed worker (Redis gives it back only after
# the transport's visibility timeout, an hour). Longer than a beat tick (30 s); a task that runs late
# after all finds the connection synced since it was queued and does nothing.
SYNC_ENQUEUED_GRACE_SECONDS = env.float("SYNC_ENQUEUED_GRACE_SECONDS", default=60.0)

# --- E-mail (notices to shop owners, e.g. a WB token about to expire) ---------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AgentIQ <noreply@agentiq.local>")
# Where users open the product; links in e-mails start with it (no trailing slash needed).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# --- Landing and leads (docs/landing.md) -------------------------------------------------------
# A new lead is e-mailed here (not a merged repeat); empty: no e-mail, staff read the admin.
SALES_EMAIL = env.str("SALES_EMAIL", default="")
# Yandex Metrika counter number; empty: the landing loads no counter at all.
METRIKA_COUNTER_ID = env.str("METRIKA_COUNTER_ID", default="")
if METRIKA_COUNTER_ID and not METRIKA_COUNTER_ID.isdigit():
    raise ImproperlyConfigured("METRIKA_COUNTER_ID must be the counter's number (digits only).")
# A form sent sooner than this after the page was served is a bot's: it sees a success and nothing is stored.
LEAD_MIN_FILL_SECONDS = env.float("LEAD_MIN_FILL_SECONDS", default=2.0)
# A page older than this must be reloaded before its form is accepted (its signed timestamp has expired).
LEAD_FORM_MAX_AGE_SECONDS = 24 * 3600
# Leads are deleted this many days after the visitor's last request (the privacy policy promises it).
LEAD_RETENTION_DAYS = env.int("LEAD_RETENTION_DAYS", default=365)
# Who processes the visitors' personal data and where they write to withdraw consent (the privacy policy).
PRIVACY_OPERATOR = env.str("PRIVACY_OPERATOR", default="AgentIQ")
PRIVACY_EMAIL = env.str("PRIVACY_EMAIL", default="privacy@agentiq.local")

# --- i18n, time, static --------------------------------------------------------------------
LANGUAGE_CODE = "ru"
# Russian only: LocaleMiddleware must not switch the admin to English for a browser that asks for it.
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_SELLER_TIMEZONE = "Europe/Moscow"
# Staff have no shop; the admin shows times in this zone (agentiq.middleware.AdminTimezoneMiddleware).
STAFF_TIME_ZONE = "Europe/Moscow"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files whose name changes with their content are cached forever: the seller app's Vite build
# (static/app/assets/<name>-<hash>.js, docs/frontend.md) and the manifest storage's <name>.<12 hex>.<ext>.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/app/assets/[^/]+-[A-Za-z0-9_-]{8,}\.\w+$|\.[0-9a-f]{12}\.\w+$"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
