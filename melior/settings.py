"""Django settings for Melior, configured from the environment.

MELIOR_DATABASE_URL  database URL; SQLite under var/ by default, PostgreSQL by URL
MELIOR_SECRET_KEY    secret key; when unset one is generated once and kept in var/secret_key
MELIOR_DEBUG         1 for development pages with tracebacks; 0 (default) for production behaviour
MELIOR_ALLOWED_HOSTS comma-separated host names (default: 127.0.0.1,localhost)
MELIOR_HTTPS         1 when served behind an HTTPS proxy: secure cookies, HSTS, SSL redirect
MELIOR_VAR_DIR       where the embedded database, secret key and built assets live (default: ./var)
MELIOR_UPLOADS_DIR   where files attached to PDSA cycles are kept, and files checked for import
                     wait (for a day at most) in its imports/ (default: var/uploads)
MELIOR_MAX_UPLOAD_MB the largest file a team may attach, in MB (default: 5)
MELIOR_MAX_IMPORT_MB the largest file an import reads, in MB (default: 100)
MELIOR_EMAIL_BACKEND Django email backend (default: SMTP when MELIOR_EMAIL_HOST is set, else the
                     console)
MELIOR_EMAIL_FROM    the sender address of every email (digests, invitations, password resets)
MELIOR_EMAIL_HOST, MELIOR_EMAIL_PORT (587), MELIOR_EMAIL_USER, MELIOR_EMAIL_PASSWORD,
MELIOR_EMAIL_TLS (1), MELIOR_EMAIL_SSL (0)   the SMTP server that sends them
MELIOR_MFA_REQUIRED  1 (default): data stewards and operators must set up a second factor
MELIOR_SETUP_LINK_ONLY 1: the first-run page opens only by the link `melior setup` prints
MELIOR_SITE_URL      the address people reach Melior at, for links in emails and `melior setup`
                     (default: http://127.0.0.1:8000)
MELIOR_PSEUDONYM_KEY the secret of the keyed hash of student ids; generated once in var/ if unset
MELIOR_BACKUP_DIR    where `melior backup` writes (default: var/backups)
MELIOR_REDIS_URL     Redis for the task queue, the shared cache and sessions (default: SQLite under
                     var/, a per-process cache, sessions in the database), e.g. redis://127.0.0.1:6379/0
MELIOR_CACHE_REDIS_URL another Redis (or database number) for the cache and sessions alone
                     (default: MELIOR_REDIS_URL)
MELIOR_TASKS_IMMEDIATE 1 to run background jobs at once in the calling process (no worker)
MELIOR_WORKER_STALE_SECONDS how old the worker's heartbeat may be before /health/ fails (180)
MELIOR_DISK_MIN_FREE_MB the free disk under var/ below which readiness fails (default: 500)
MELIOR_LOG_LEVEL     level of Melior's JSON log lines on stderr (default: INFO)
MELIOR_SLOW_REQUEST_MS requests slower than this are logged with view and query count (1000)
MELIOR_SENTRY_DSN    report errors to Sentry (or a compatible service); off when unset

Hardening (docs/security.md):
MELIOR_ARCHIVE_KEY         the key that signs network archives; generated once in var/ if unset
MELIOR_TRUSTED_PROXY       the address of the reverse proxy in front of `melior serve`; only its
                           X-Forwarded-For/-Proto are believed (default: none)
MELIOR_MAX_REQUEST_MB      the largest request body the server accepts, in MB (default: the
                           import limit and 1 MB for the form around the file)
MELIOR_SESSION_IDLE_MINUTES  sign-in ends after this long without a request (default: 60)
MELIOR_STEWARD_IDLE_MINUTES  the same for data stewards and superusers (default: 15)
MELIOR_LOGIN_FAILURE_LIMIT failed sign-ins per account or per address before a lockout (default: 10)
MELIOR_LOGIN_COOLOFF_MINUTES how long a lockout lasts (default: 15)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from melior.files import MAX_FILE_BYTES, private_folder, write_private

# Everything Melior writes — the database, its keys, uploads, archives, var/ — is its owner's
# alone: files 0600 and folders 0700, whoever else shares the machine.
os.umask(0o077)
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = private_folder(Path(os.environ.get("MELIOR_VAR_DIR", Path.cwd() / "var")).resolve())
ASSETS_DIR = VAR_DIR / "assets"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(variable: str = "MELIOR_SECRET_KEY", name: str = "secret_key") -> str:
    if key := os.environ.get(variable):
        return key
    # A key generated once per installation keeps sessions valid across restarts.
    key_file = VAR_DIR / name
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    write_private(key_file, key.encode())
    return key


DEBUG = _flag("MELIOR_DEBUG", False)
SECRET_KEY = _secret_key()
# The key of the keyed hash that turns a district's student id into Melior's pseudonymous key.
# Keep it secret and never change it: the same student must get the same key on every import.
PSEUDONYM_KEY = _secret_key("MELIOR_PSEUDONYM_KEY", "pseudonym_key")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("MELIOR_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "melior.accounts",  # before allauth: its templates restyle allauth's pages
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "django_htmx",
    "ninja",
    "rules",
    "auditlog",
    "melior.web",
    "melior.networks",
    "melior.measures",
    "melior.projects",
    "melior.theory",
    "melior.problems",
    "melior.pdsa",
    "melior.learning",
    "melior.governance",
    "melior.evaluation",
    "melior.progress",
    "melior.convening",
    "melior.administration",
    "melior.fidelity",
    "melior.workspace",
    "melior.dashboard",
    "melior.api",
    "axes",
    "csp",
    "health_check",
    "huey.contrib.djhuey",
    "melior.ops",
]

MIDDLEWARE = [
    "melior.ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "melior.web.compression.CompressionMiddleware",  # gzip; never a page that shows a secret
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "melior.accounts.middleware.first_run",
    "melior.accounts.middleware.second_factor_required",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "csp.middleware.CSPMiddleware",
    "melior.web.middleware.session_idle_timeout",
    "melior.web.middleware.no_store",
    "melior.governance.actors.CurrentRequestMiddleware",
    "melior.workspace.middleware.checklist_steps",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "melior.urls"
WSGI_APPLICATION = "melior.wsgi.application"

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
                "melior.pdsa.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("MELIOR_DATABASE_URL", f"sqlite:///{VAR_DIR / 'melior.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the chart pages read while an import writes; a busy timeout avoids
    # "database is locked" under the threaded server.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in before the others
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # sign-in by username or email address, and single sign-on (melior.accounts)
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["melior.formats"]  # one date style everywhere (US by default)

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
for _folder in (STATIC_ROOT, ASSETS_DIR):  # WhiteNoise and staticfiles expect them
    _folder.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [ASSETS_DIR]
# Static files under names that carry a hash of their content, gzipped and brotli-compressed
# ahead (once: a file already compressed is left alone, melior.web.static_storage), served by
# WhiteNoise with a year-long immutable Cache-Control: a browser never asks twice. The files
# are collected by `melior migrate`, `melior demo` and `melior serve` (melior.web.assets) and
# by the test suite's setup; with MELIOR_DEBUG=1 they are served straight from the app folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "melior.web.static_storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if _flag("MELIOR_HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health/"]  # probes from the proxy or balancer on plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Operations (docs/operations.md): JSON log lines with the request id, slow requests, the task
# queue, health checks and optional error reporting.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "melior.ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "melior": {"level": os.environ.get("MELIOR_LOG_LEVEL", "INFO")},
        # its own handler, so the worker does not add a second, plain-text one
        "huey": {
            "handlers": ["console"],
            "level": os.environ.get("MELIOR_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
MELIOR_SLOW_REQUEST_MS = float(os.environ.get("MELIOR_SLOW_REQUEST_MS", "1000"))

REDIS_URL = os.environ.get("MELIOR_REDIS_URL", "")
HUEY = {
    "name": "melior",
    "immediate": _flag("MELIOR_TASKS_IMMEDIATE", False),
    "utc": True,
    **(
        {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
        if REDIS_URL
        else {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")}
    ),
}
MELIOR_WORKER_STALE_SECONDS = float(os.environ.get("MELIOR_WORKER_STALE_SECONDS", "180"))
MELIOR_DISK_MIN_FREE_MB = float(os.environ.get("MELIOR_DISK_MIN_FREE_MB", "500"))

if _sentry_dsn := os.environ.get("MELIOR_SENTRY_DSN"):
    import sentry_sdk

    # No personal data: student records must never leave in an error report, so no cookies,
    # users or addresses, no request bodies and no local variables of the failing code.
    sentry_sdk.init(
        dsn=_sentry_dsn,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0.0,
    )

# Email: invitations, password resets, join requests and digests. SMTP when a server is named,
# the console otherwise (`make demo`); the tests use Django's in-memory outbox.
EMAIL_HOST = os.environ.get("MELIOR_EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "MELIOR_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("MELIOR_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("MELIOR_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MELIOR_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = _flag("MELIOR_EMAIL_SSL", False)
EMAIL_USE_TLS = _flag("MELIOR_EMAIL_TLS", not EMAIL_USE_SSL)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("MELIOR_EMAIL_FROM", "melior@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MELIOR_SITE_URL = os.environ.get("MELIOR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Files attached to PDSA cycles: served only through a view that checks who may see the cycle.
MEDIA_ROOT = Path(os.environ.get("MELIOR_UPLOADS_DIR", VAR_DIR / "uploads")).resolve()
MELIOR_MAX_UPLOAD_MB = float(os.environ.get("MELIOR_MAX_UPLOAD_MB", "5"))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# A large upload is spooled to disk while the request is read: beside the checked imports, where
# `melior purge` finds any that a crash left behind, rather than in the system's /tmp.
FILE_UPLOAD_TEMP_DIR = str(private_folder(MEDIA_ROOT / "imports"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

MELIOR_BACKUP_DIR = Path(os.environ.get("MELIOR_BACKUP_DIR", VAR_DIR / "backups")).resolve()

# The cache for computed network views; they are keyed by a data version, so a stale entry is
# never read after data change. Embedded: per process, with sessions in the database. With
# MELIOR_REDIS_URL (the worker's Redis) the cache and the sessions live there, shared by every
# app process and machine, so a user signed in through one is signed in on all and a write
# seen by one is seen by all.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("MELIOR_CACHE_REDIS_URL", REDIS_URL),
            "KEY_PREFIX": "melior",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "melior",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# --- Security hardening (docs/security.md) ------------------------------------------------------
# Sign-in limits (django-axes): failures are counted per account and, separately, per address;
# either reaching the limit locks sign-in for the cool-off. The lockout page reads the same for a
# user who exists and one who does not.
AXES_FAILURE_LIMIT = int(os.environ.get("MELIOR_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("MELIOR_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "melior.web.views.locked_out"
# The address is REMOTE_ADDR: `melior serve` puts the client's address there from
# X-Forwarded-For only when the request came through MELIOR_TRUSTED_PROXY.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_SENSITIVE_PARAMETERS = ["password"]

# The key that signs network archives (HMAC-SHA256), so a restore can tell an archive this
# instance wrote from a changed or foreign one. Its own key, not SECRET_KEY: rotating SECRET_KEY
# (to end every session) must not orphan old archives, and copying this key to a new instance
# to restore there gives away nothing else.
ARCHIVE_KEY = _secret_key("MELIOR_ARCHIVE_KEY", "archive_key")

# `melior serve` (waitress): the one reverse proxy whose forwarding headers are believed, and
# the largest request body it reads.
MELIOR_TRUSTED_PROXY = os.environ.get("MELIOR_TRUSTED_PROXY", "").strip()
# the largest import file, and a megabyte for the form around it
MELIOR_MAX_REQUEST_MB = float(os.environ.get("MELIOR_MAX_REQUEST_MB", MAX_FILE_BYTES / 2**20 + 1))

# Sessions end after idle time (melior.web.middleware moves the end on while people work),
# sooner for data stewards and superusers.
SESSION_IDLE_SECONDS = int(float(os.environ.get("MELIOR_SESSION_IDLE_MINUTES", "60")) * 60)
STEWARD_IDLE_SECONDS = int(float(os.environ.get("MELIOR_STEWARD_IDLE_MINUTES", "15")) * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS

# Content-Security-Policy (django-csp): scripts only from Melior's own static files, never inline
# and never eval (charts run Vega's expression interpreter, melior.js passes `ast: true`).
# Inline styles stay allowed: htmx, vega-embed and the API docs insert <style> elements and style
# attributes, and a style cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Sign-in (django-allauth, docs/admin.md) ----------------------------------------------------
# Username or email address and password; nobody signs themselves up: people arrive by an
# invitation, or by single sign-on from a district domain the operator has tied to a network
# (then as a join request the network's lead approves).
ACCOUNT_ADAPTER = "melior.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "melior.accounts.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "melior.accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"  # a changed address is confirmed by a link before use
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False  # sessions end with the idle time, never "remember me"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Melior] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if _flag("MELIOR_HTTPS", False) else "http"
# django-axes counts failed sign-ins on every path (password, one-time code, single sign-on);
# allauth's own limits stay on for reset and confirmation emails.
ACCOUNT_RATE_LIMITS = {"login": False, "login_failed": False}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True  # an invited person may sign in by their district
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider vouches for the address (checked)
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# A security key proves the page's origin; over plain http (the demo, tests on localhost) the
# origin is http://…, which WebAuthn accepts only when allowed. Behind HTTPS it never is.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not _flag("MELIOR_HTTPS", False)
MFA_TOTP_ISSUER = "Melior"
MFA_TOTP_TOLERANCE = 1  # a phone whose clock is half a minute off still signs in
# Enrolment comes right after signing in (forced for stewards), and people who sign in by their
# district have no Melior password to enter again; a steward who turns the step off is sent
# straight back to set it up.
MFA_REAUTHENTICATION_REQUIRED = False
MFA_FORMS = {
    "authenticate": "melior.accounts.forms.SecondFactorForm",
    "authenticate_webauthn": "melior.accounts.forms.SecurityKeyForm",
}
# Data stewards and operators set up a second factor before any other page.
MELIOR_MFA_REQUIRED = _flag("MELIOR_MFA_REQUIRED", True)
# `melior setup`'s link stays valid this long; with MELIOR_SETUP_LINK_ONLY=1 the first-run page
# opens only through that link (an instance reachable by others before its operator signs up).
MELIOR_SETUP_LINK_HOURS = 24
MELIOR_SETUP_LINK_ONLY = _flag("MELIOR_SETUP_LINK_ONLY", False)
MELIOR_INVITATION_DAYS = 7
