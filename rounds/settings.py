"""Settings for Rounds. Everything that differs between a laptop and production comes from the
environment: DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, MEDIA_ROOT…

Production is the default. A laptop opts in: `ROUNDS_DEMO=1` (what `make demo` sets: plain
http on loopback, a secret key of its own kept in var/, printed email and texts) or `DEBUG=1`
(Django's debug pages, for development); the test suite is its own opt-in."""

import hashlib
import hmac
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use 1 or 0.")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r}: a whole number is needed.") from exc


TESTING = "pytest" in sys.modules or envbool("ROUNDS_TESTING")
DEBUG = envbool("DEBUG")
DEMO = envbool("ROUNDS_DEMO")
# A machine of one person (the demo, development, the tests), not a server on the internet.
LOCAL = DEBUG or DEMO or TESTING


SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE") or BASE_DIR / "var" / "secret_key")


def _local_secret_key() -> str:
    """The key of this checkout, made once on a local machine and kept in var/ (so the command
    line works after `make demo`); never a key written in the code."""
    if not SECRET_KEY_FILE.exists():
        if not LOCAL:
            raise ImproperlyConfigured(
                "Set SECRET_KEY (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')"
                ", or ROUNDS_DEMO=1 to run the local demo."
            )
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        SECRET_KEY_FILE.write_text(get_random_secret_key())
        SECRET_KEY_FILE.chmod(0o600)
    return SECRET_KEY_FILE.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
if not LOCAL and (len(SECRET_KEY) < 32 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY is too short or a published example: set a long random one "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files: /api/docs works offline
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "rounds.accounts",
    "rounds.candidates",
    "rounds.jobs",
    "rounds.pipeline",
    "rounds.activities",
    "rounds.imports",
    "rounds.audit",
    "rounds.matching",
    "rounds.messaging",
    "rounds.outreach",
    "rounds.scheduling",
    "rounds.followups",
    "rounds.locums",
    "rounds.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rounds.lib.security.SecurityHeadersMiddleware",
    "rounds.lib.api_guard.ApiInputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rounds.lib.middleware.OrganizationTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "rounds.urls"
WSGI_APPLICATION = "rounds.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rounds" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rounds.lib.context.roles",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'rounds.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test{os.environ.get('ROUNDS_TEST_DB', '')}.sqlite3")
    }
elif os.environ.get("ROUNDS_TEST_DB"):
    # Lets several test runs share one PostgreSQL server without sharing a test database.
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}_{os.environ['ROUNDS_TEST_DB']}"
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    # SMTP on a server (any provider: EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
    # EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL); the demo prints what it would send.
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
        "django.core.mail.backends.console.EmailBackend" if DEMO or DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
# An email provider through django-anymail: EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
# and its settings as ANYMAIL_<NAME> (ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_SENDGRID_API_KEY, …);
# ANYMAIL_WEBHOOK_SECRET ("user:password") turns its webhooks on under /hooks/esp/.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rounds <no-reply@rounds.local>")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "rounds" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"

# Uploads: documents only, and not huge. Checked in rounds/lib/uploads.py.
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
MAX_IMPORT_BYTES = int(os.environ.get("MAX_IMPORT_BYTES", 100 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Background work: django-tasks with its database backend — durable, survives restarts, runs on
# SQLite embedded and on PostgreSQL with several `db_worker` processes (SKIP LOCKED claims).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Every link in a message (shift offers, unsubscribe, preferences, scheduling, invitations)
# starts with PUBLIC_URL; set it to the https address people reach. By default it is the address
# the development server serves (`make demo` passes PUBLIC_URL=http://$(HOST):$(PORT), and
# PORT alone is read here too). Replies come back to reply+<thread>@REPLY_DOMAIN.
_PORT = os.environ.get("PORT", "")
PUBLIC_URL = (
    os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{_PORT if _PORT.isdigit() else 8000}"
).rstrip("/")
REPLY_DOMAIN = os.environ.get("REPLY_DOMAIN", "reply.rounds.local")
# Inbound email arrives from the mail provider's inbound webhook, signed with this secret.
# Without it (on a server) the webhook refuses every call, and a web process says so at start
# (rounds/wsgi.py): a known default would let anyone post a forged "STOP" for a real candidate.
# A laptop derives one from its own key (never a value written in the code).
INBOUND_EMAIL_SECRET = os.environ.get("INBOUND_EMAIL_SECRET") or (
    hmac.new(SECRET_KEY.encode(), b"rounds.inbound-email", hashlib.sha256).hexdigest()
    if LOCAL else ""
)
# Values once published as defaults or examples: never accepted as a secret.
PUBLIC_SECRETS = {"dev-inbound-secret", "changeme", "secret", "test"}
if INBOUND_EMAIL_SECRET in PUBLIC_SECRETS:
    raise ImproperlyConfigured(
        "INBOUND_EMAIL_SECRET is a public example value: set a long random one.")
# The email provider's webhooks authenticate with HTTP basic auth "user:password".
_esp_secret = ANYMAIL.get("WEBHOOK_SECRET", "")
if _esp_secret and (":" not in _esp_secret or _esp_secret.partition(":")[2] in PUBLIC_SECRETS
                    or len(_esp_secret.partition(":")[2]) < 16):
    raise ImproperlyConfigured(
        'ANYMAIL_WEBHOOK_SECRET must be "user:password" with a long random password.')
# Texts: an adapter speaking Twilio's REST API. Without an account the console backend logs
# what would be sent (like Django's console email backend).
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND",
    "rounds.messaging.sms.TwilioBackend" if os.environ.get("SMS_ACCOUNT_SID")
    else "rounds.messaging.sms.ConsoleBackend",
)
SMS_API_BASE = os.environ.get("SMS_API_BASE", "https://api.twilio.com").rstrip("/")
SMS_ACCOUNT_SID = os.environ.get("SMS_ACCOUNT_SID", "")
# Signs the provider's webhooks (inbound texts, delivery status): without it they refuse every
# call and a web process says so at start.
SMS_AUTH_TOKEN = os.environ.get("SMS_AUTH_TOKEN", "")
if SMS_AUTH_TOKEN in PUBLIC_SECRETS:
    raise ImproperlyConfigured("SMS_AUTH_TOKEN is a public example value.")
SMS_FROM_NUMBER = os.environ.get("SMS_FROM_NUMBER", "+15875550100")
if TESTING:
    SMS_BACKEND = "rounds.messaging.sms.LocmemBackend"

# Imports at or below this many rows run inside the request; larger ones go to the worker.
IMPORT_INLINE_MAX_ROWS = int(os.environ.get("IMPORT_INLINE_MAX_ROWS", 500))
# What an import may hold (rounds/imports/parsing.py enforces it while streaming, whatever the
# file declares): rows (counted by the worker), columns, and characters in one CSV line. The
# upload request reads at most IMPORT_INSPECT_ROWS rows (the preview and which columns hold
# values); a longer file is counted when its import starts.
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 500_000)
IMPORT_MAX_COLUMNS = envint("IMPORT_MAX_COLUMNS", 400)
IMPORT_MAX_LINE_CHARS = envint("IMPORT_MAX_LINE_CHARS", 1024 * 1024)
IMPORT_INSPECT_ROWS = envint("IMPORT_INSPECT_ROWS", 5000)
# Rows per chunk (one transaction each), and how long a running import may go without
# committing one before a sweep gives it to another worker (rounds/imports/tasks.py).
IMPORT_CHUNK_ROWS = envint("IMPORT_CHUNK_ROWS", 0)  # 0: rounds.imports.actions.CHUNK_SIZE
IMPORT_LEASE_SECONDS = envint("IMPORT_LEASE_SECONDS", 120)

# The match index (rounds/matching/index.py): snapshots per organization in this directory
# (shared by the web processes and workers of one host; empty: no snapshots), loaded when a
# process starts (rounds/wsgi.py, `manage.py warm_match_index`). A pool with no snapshot is built
# inside a request only up to this many candidates; a larger one is built by the worker while the
# page says matching is warming up. An organization unused this many minutes leaves memory.
MATCH_INDEX_DIR = os.environ.get("MATCH_INDEX_DIR", str(BASE_DIR / "var" / "match_index"))
if TESTING:
    MATCH_INDEX_DIR = os.environ.get("ROUNDS_TEST_MATCH_INDEX_DIR", "")
MATCH_INDEX_INLINE_BUILD_MAX = envint("MATCH_INDEX_INLINE_BUILD_MAX", 5000)
MATCH_INDEX_IDLE_MINUTES = envint("MATCH_INDEX_IDLE_MINUTES", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Serving on the internet -------------------------------------------------------------------
# Safe when nothing is set; the environment may relax what it must (e.g. HSTS while trying a
# domain). Behind a proxy that terminates TLS, set TRUST_PROXY_HEADERS=1 and TRUSTED_PROXIES
# to the number of proxies in front of Rounds (it reads the client's address from
# X-Forwarded-For, counting from the right).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", not LOCAL)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not LOCAL)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the load balancer's check speaks plain http
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if LOCAL else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not LOCAL)
# The header alone enrols nothing: a domain is preloaded only when its owner submits it.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not LOCAL)
TRUST_PROXY_HEADERS = envbool("TRUST_PROXY_HEADERS")
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 1 if TRUST_PROXY_HEADERS else 0)
if TRUST_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = envbool("USE_X_FORWARDED_HOST", True)
# Forms posted from these origins pass the CSRF check (PUBLIC_URL's origin is always one).
CSRF_TRUSTED_ORIGINS = [
    o.strip().rstrip("/") for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if o.strip()
]
# What a page may load and run (rounds/lib/security.py): Rounds' own scripts and no inline
# script or eval; inline styles only. CONTENT_SECURITY_POLICY replaces it whole ("" turns it off,
# e.g. to try a policy in report-only mode at the proxy first).
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY", (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)).strip()
# Without DEBUG the app serves its own static files (WhiteNoise); the demo reads them where they
# are, production from `collectstatic`.
WHITENOISE_USE_FINDERS = DEMO or DEBUG

AUTHENTICATION_BACKENDS = ["rounds.accounts.backends.EmailBackend"]

# The address in links is where people reach Rounds: forms posted from it pass the CSRF check.
_public_origin = "/".join(PUBLIC_URL.split("/")[:3])
if _public_origin.startswith("https://") and _public_origin not in CSRF_TRUSTED_ORIGINS:
    CSRF_TRUSTED_ORIGINS.append(_public_origin)

# --- Signing in (rounds/accounts) --------------------------------------------------------------
# The sign-in throttle is shared by every process: in Redis when REDIS_URL is set (e.g.
# redis://127.0.0.1:6379/0), else in the database. Each test process keeps its own keys.
REDIS_URL = os.environ.get("REDIS_URL", "")
SIGN_IN_THROTTLE_PREFIX = os.environ.get("SIGN_IN_THROTTLE_PREFIX", "rounds:signin:")
# The send windows (rounds/messaging/ratelimits.py) count there too, under their own prefix.
SEND_WINDOW_PREFIX = os.environ.get("SEND_WINDOW_PREFIX", "rounds:send:")
if TESTING:
    import secrets as _secrets

    SIGN_IN_THROTTLE_PREFIX += f"test-{_secrets.token_hex(6)}:"
    SEND_WINDOW_PREFIX += f"test-{_secrets.token_hex(6)}:"
# A password-reset link works once, for this many seconds.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 60 * 60)
# The longest session any organization may choose; each organization's idle timeout and session
# age (Organization.session_idle_minutes, session_max_hours) end sessions sooner, enforced on
# every request by SignInPolicyMiddleware.
SESSION_COOKIE_AGE = 7 * 24 * 3600
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "rounds.accounts.middleware.SignInPolicyMiddleware",
)
