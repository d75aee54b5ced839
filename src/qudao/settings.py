"""Settings, all from the environment. Defaults give the embedded first run: SQLite under var/,
tasks inline after commit, a secret key generated into var/ on first use."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("QUDAO_HOME", SRC_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("QUDAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1,http://localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from static files, not a CDN
    "treebeard",
    "axes",  # login lockout (qudao.accounts.lockout)
    "qudao.core",
    "qudao.accounts",
    "qudao.network",
    "qudao.catalog",
    "qudao.pricing",
    "qudao.finance",
    "qudao.inventory",
    "qudao.promotions",
    "qudao.orders",
    "qudao.dealers",
    "qudao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qudao.core.middleware.RequestIdMiddleware",
    "qudao.core.middleware.PayloadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qudao.accounts.middleware.SessionExpiryMiddleware",
    "qudao.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qudao.accounts.middleware.ApiTokenMiddleware",
    "qudao.core.middleware.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last: turns a login refused for a locked-out username + address into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qudao.urls"
WSGI_APPLICATION = "qudao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "qudao.core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'qudao.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,  # a connection the database dropped is reopened, not reused
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait instead of failing
    # half-way with "database is locked"; a file-backed test DB lets threads share it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_qudao.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # first: refuses a locked-out username + address before any password is checked
    "qudao.accounts.backends.LockoutBackend",
    "qudao.accounts.backends.UsernameOrMobileBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("QUDAO_PASSWORD_MIN_LENGTH") or 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = os.environ.get("QUDAO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# Third-party assets come from npm at setup (see Makefile `assets`), never from a CDN.
STATICFILES_DIRS = [SRC_DIR / "static", ("vendor", VAR_DIR / "vendor")]
(VAR_DIR / "vendor").mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files only authorised users may read (dealer applications, licences, contracts): outside
    # MEDIA_ROOT, never served by URL, only through views that check the reader's scope.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("PRIVATE_ROOT", str(VAR_DIR / "private")),
            "base_url": None,
        },
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MANIFEST_STRICT = False

# Oversize payloads are refused before they reach a view (core.middleware): other bodies
# above DATA_UPLOAD_MAX_MEMORY_SIZE, multipart uploads (files) above QUDAO_MAX_UPLOAD_BYTES.
# Each upload is then checked by its service (type from its first bytes, size per file).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("QUDAO_MAX_BODY_BYTES") or 1_048_576)
MAX_UPLOAD_BYTES = int(os.environ.get("QUDAO_MAX_UPLOAD_BYTES") or 64 * 1_048_576)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "qudao@localhost")

# Background work: Celery. Without a broker, tasks run eagerly in-process; the outbox
# dispatcher only ever schedules them from transaction.on_commit, so "inline" still means
# "after commit".
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "qudao.core.tasks.outbox_sweep", "schedule": 60.0},
    # receipts that confirm themselves, delivered orders that close (each by its seller's days)
    "orders-sweep": {"task": "qudao.orders.tasks.orders_sweep", "schedule": 3600.0},
    # papers about to expire (reminders), expired authorisations (ordering hold), contracts
    # whose term is over
    "dealers-sweep": {"task": "qudao.dealers.tasks.dealers_sweep", "schedule": 86400.0},
}

# Cache: shared Redis when there is one (REDIS_URL, else a redis:// Celery broker), so that
# counters such as the public application form's rate limit (django-ratelimit) hold across
# processes; the embedded default keeps a per-process memory cache. django_ratelimit is used
# as a library, not an installed app, so its check against non-shared caches does not run.
_REDIS_CACHE_URL = os.environ.get("REDIS_URL") or (
    os.environ.get("CELERY_BROKER_URL", "")
    if os.environ.get("CELERY_BROKER_URL", "").startswith(("redis://", "rediss://"))
    else ""
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _REDIS_CACHE_URL,
        "KEY_PREFIX": "qudao",
    }
    if _REDIS_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qudao"}
}
# Behind a reverse proxy, the META key holding the client address (e.g. HTTP_X_REAL_IP) for
# per-address limits (the application form, the login lockout); by default REMOTE_ADDR.
if os.environ.get("QUDAO_CLIENT_IP_HEADER"):
    RATELIMIT_IP_META_KEY = os.environ["QUDAO_CLIENT_IP_HEADER"]

# Login lockout (django-axes, see qudao.accounts.lockout): after QUDAO_LOGIN_FAILURE_LIMIT
# failed logins in a row for one username (or its mobile number) from one address, that pair
# is refused for QUDAO_LOGIN_LOCKOUT_MINUTES, counted from the last failure; a success resets
# the count. Attempts during the lockout do not extend it (the page can say when it ends).
AXES_FAILURE_LIMIT = int(os.environ.get("QUDAO_LOGIN_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("QUDAO_LOGIN_LOCKOUT_MINUTES") or 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "qudao.accounts.lockout.AuditedAxesHandler"
AXES_USERNAME_CALLABLE = "qudao.accounts.lockout.login_key"
AXES_CLIENT_IP_CALLABLE = "qudao.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "qudao.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # logins and logouts are in accounts.AuthEvent
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
# A login lasts at most QUDAO_SESSION_SECONDS, and ends sooner after QUDAO_SESSION_IDLE_SECONDS
# without a request (0: no idle limit); accounts.middleware.SessionExpiryMiddleware.
SESSION_COOKIE_AGE = int(os.environ.get("QUDAO_SESSION_SECONDS") or 60 * 60 * 12)
SESSION_IDLE_SECONDS = int(os.environ.get("QUDAO_SESSION_IDLE_SECONDS") or 60 * 60 * 2)
# Behind HTTPS (production): QUDAO_HTTPS=1 turns on secure cookies, HSTS, the redirect to
# https and trusts the proxy's X-Forwarded-Proto; `qudao check --deploy` is then clean.
HTTPS = env_bool("QUDAO_HTTPS")
SESSION_COOKIE_SECURE = HTTPS or env_bool("QUDAO_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("QUDAO_SESSION_BROWSER_CLOSE")
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("QUDAO_HSTS_SECONDS") or 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

QUDAO = {
    "PAGE_SIZE": 50,
    "DEMO_PASSWORD": "qudao-demo-2026",
    "SITE_NAME": _("Qudao DMS"),
}
