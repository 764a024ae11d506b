"""Settings for newsindex.

Every setting read from the environment is listed in README.md ("Settings").
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from newsindex.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# NEWSINDEX_DATA_DIR holds the SQLite database, the Whoosh index and the local secret key.
DATA_DIR = Path(env_str("NEWSINDEX_DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """A random key kept in the data folder, so no known key is ever the default."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Several app servers of one database need one SECRET_KEY (`check --deploy` warns: newsindex/checks.py).
SECRET_KEY_FILE = None if env_str("SECRET_KEY", "") else DATA_DIR / "secret_key"
SECRET_KEY = env_str("SECRET_KEY", "") or _local_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "search",
]

MIDDLEWARE = [
    "newsindex.routers.ReplicaMiddleware",  # first: decides where this request reads from
    "django.middleware.security.SecurityMiddleware",
    "newsindex.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "search.web.access.PrivateArchiveMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "newsindex.urls"

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

WSGI_APPLICATION = "newsindex.wsgi.application"

# SQLite in the data folder by default; DATABASE_URL (postgres://...) selects a server.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'newsindex.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web process read while an import writes; wait instead of failing on a lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

# DATABASE_REPLICA_URL: a streaming replica of DATABASE_URL; the read-only pages read from it and
# everything else reads and writes DATABASE_URL (newsindex/routers.py).
_replica_url = env_str("DATABASE_REPLICA_URL", "").strip()
if _replica_url:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to be a PostgreSQL primary (postgres://...)")
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=60)
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL must be a postgres:// URL, not {_replica_url.split(':', 1)[0]}")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsindex.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# NEWSINDEX_LOGIN_REQUIRED=1: every page, the CSV export and the JSON API need a logged-in
# reader or curator, or an API token (search/web/access.py). Off for the local sample.
NEWSINDEX_LOGIN_REQUIRED = env_bool("NEWSINDEX_LOGIN_REQUIRED", False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "search:search"
LOGOUT_REDIRECT_URL = "login"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS set NEWSINDEX_HTTPS=1: secure cookies, HSTS and redirects to https.
HTTPS = env_bool("NEWSINDEX_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

# The search engine behind the search page, the export and the API (one contract, see
# search/index/base.py), chosen with SEARCH_BACKEND. PATH is the Whoosh index folder (the
# postgres engine keeps its index in the database and ignores it).
SEARCH_ENGINES = {
    "whoosh": "search.index.whoosh.backend.WhooshBackend",
    "postgres": "search.index.postgres.backend.PostgresBackend",
}
SEARCH_BACKEND = env_str("SEARCH_BACKEND", "whoosh").strip().lower() or "whoosh"
if SEARCH_BACKEND not in SEARCH_ENGINES:
    raise ImproperlyConfigured(f"SEARCH_BACKEND={SEARCH_BACKEND!r}: use one of {', '.join(SEARCH_ENGINES)}")
if SEARCH_BACKEND == "postgres" and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "SEARCH_BACKEND=postgres needs a PostgreSQL database: set DATABASE_URL=postgres://... "
        "(or use SEARCH_BACKEND=whoosh with SQLite)"
    )
NEWSINDEX_SEARCH = {
    "BACKEND": SEARCH_ENGINES[SEARCH_BACKEND],
    "PATH": str(DATA_DIR / "index"),
}

# Facet counting stops after this many milliseconds and shows the counts over the matches counted
# so far, marked as partial (never an empty facet). Empty: no budget.
_FACET_BUDGET = env_str("NEWSINDEX_FACET_BUDGET_MS", "1000").strip()
try:
    NEWSINDEX_FACET_BUDGET_MS: float | None = float(_FACET_BUDGET) if _FACET_BUDGET else None
    if NEWSINDEX_FACET_BUDGET_MS is not None and not 0 <= NEWSINDEX_FACET_BUDGET_MS < 1e9:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(f"NEWSINDEX_FACET_BUDGET_MS={_FACET_BUDGET!r}: a number of milliseconds (or empty for none)") from None

# Shingles of every paragraph, kept so new articles are compared with the corpus incrementally.
NEWSINDEX_SHINGLES = str(DATA_DIR / "shingles")

# Fetching feeds, sitemaps and pages (search/fetch, poll_sources). URLs that come in through the
# web may not reach private, loopback or link-local addresses unless ALLOW_PRIVATE.
NEWSINDEX_FETCH = {
    "ALLOW_PRIVATE": env_bool("NEWSINDEX_FETCH_ALLOW_PRIVATE", False),
    "DELAY": float(env_str("NEWSINDEX_FETCH_DELAY", "1.0")),  # seconds between requests to one host
    "TIMEOUT": float(env_str("NEWSINDEX_FETCH_TIMEOUT", "30")),  # seconds for one whole answer
    "MAX_BYTES": int(env_str("NEWSINDEX_FETCH_MAX_MB", "10")) * 1024 * 1024,  # larger answers are rejected
}

LOGIN_REDIRECT_URL = "search:saved"  # after logging in without a `next` page

# The address the app is reached at, for links in webhook payloads and Atom feeds made outside a request.
NEWSINDEX_PUBLIC_URL = env_str("NEWSINDEX_PUBLIC_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"search": {"handlers": ["console"], "level": "INFO"}},
}
