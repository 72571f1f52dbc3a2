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
MELIOR_EMAIL_BACKEND Django email backend for the notification digest (default: the console)
MELIOR_EMAIL_FROM    the digest's sender address
MELIOR_PSEUDONYM_KEY the secret of the keyed hash of student ids; generated once in var/ if unset
MELIOR_BACKUP_DIR    where `melior backup` writes (default: var/backups)
"""

import os
import secrets
from pathlib import Path

import dj_database_url

from melior.files import private_folder, write_private

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
    "melior.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "melior.web.compression.CompressionMiddleware",  # gzip; never a page that shows a secret
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
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
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
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

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
for _folder in (STATIC_ROOT, ASSETS_DIR):  # WhiteNoise and staticfiles expect them
    _folder.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [ASSETS_DIR]
# Static files under names that carry a hash of their content, gzipped ahead, served by
# WhiteNoise with a year-long immutable Cache-Control: a browser never asks twice. The files
# are collected by `melior migrate`, `melior demo` and `melior serve` (melior.web.assets) and
# by the test suite's setup; with MELIOR_DEBUG=1 they are served straight from the app folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
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
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

EMAIL_BACKEND = os.environ.get(
    "MELIOR_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("MELIOR_EMAIL_FROM", "melior@localhost")

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

# Per-process cache for computed network views; they are keyed by a data version, so a stale
# entry is never read after data change.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "melior",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}
