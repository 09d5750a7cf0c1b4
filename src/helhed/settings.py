"""Django settings for Helhed, read from environment variables.

Five variables matter for a deployment: ``DATABASE_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``HELHED_BASE_URL`` and ``DEBUG``. The embedded default is SQLite under ``var/`` so that
``make run`` works on a bare machine. A missing or malformed variable raises
:class:`ImproperlyConfigured` with one line that names the variable; the ``helhed`` command
prints that line and exits.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from helhed.config import env_base_url, env_bool, env_database, env_list, env_secret_key

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("HELHED_VAR_DIR", PROJECT_DIR / "var"))

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_secret_key("SECRET_KEY", debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
DATABASES = {"default": env_database("DATABASE_URL", default_sqlite=VAR_DIR / "helhed.sqlite3")}
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS: must name at least one host")

INSTALLED_APPS = [
    "helhed.core.admin_site.HelhedAdminConfig",  # django.contrib.admin with Helhed's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the widgets' templates for FORM_RENDERER (helhed.core.renderer)
    "ninja",  # serves Swagger UI's assets locally (no CDN)
    "rules.apps.AutodiscoverRulesConfig",
    # Logins (docs/security.md, "Log ind / Logins"): passwords, two factors, rate limits, OIDC.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "helhed.core",
    "helhed.audit",
    "helhed.registry",
    "helhed.courses",
    "helhed.notifications",
    "helhed.meetings",
    "helhed.handovers",
    "helhed.progress",
    "helhed.coordination",
    "helhed.economics",
    "helhed.devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "helhed.core.middleware.NoStoreMiddleware",  # Cache-Control: no-store for logged-in users
    "helhed.core.middleware.RequestCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "helhed.urls"
WSGI_APPLICATION = "helhed.wsgi.application"
ASGI_APPLICATION = "helhed.asgi.application"

FORM_RENDERER = "helhed.core.renderer.DkfdsFormRenderer"

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
                "helhed.core.context_processors.navigation",
            ],
            # The ``date`` filter in the reader's language (core/templatetags/helhed_dates.py).
            "builtins": ["helhed.core.templatetags.helhed_dates"],
        },
    },
]

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# django-allauth (helhed.core.accounts): one login page (/log-ind/, core:login), username and
# password, no self-service signup (accounts come from an organisation's administrator or from
# the identity broker), no e-mail verification (staff accounts need not have an e-mail address).
ACCOUNT_ADAPTER = "helhed.core.accounts.AccountAdapter"
ACCOUNT_FORMS = {"login": "helhed.core.accounts.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_SESSION_REMEMBER = False  # the session ends when the browser closes (and after 8 hours)
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Helhed: "
SOCIALACCOUNT_ONLY = False

# Danish first, English second. Source strings in templates and code are Danish; English lives in
# locale/en. Dates are shown in Copenhagen time and stored in UTC.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# "6. dec. 2026" and decimal commas in Danish, "6 Dec 2026" in English (core/formats/).
FORMAT_MODULE_PATH = ["helhed.core.formats"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "helhed@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
# Notification e-mails link back to Helhed: the address users reach it on (no trailing slash).
# Required when DEBUG is off (config.env_base_url): a production install refuses to start without.
HELHED_BASE_URL = env_base_url("HELHED_BASE_URL", debug=DEBUG)

# Relational coordination (docs/coordination.md): a figure from a survey rests on at least this
# many respondents (never below 3; a wave may ask for more), and the bands "weak below" and
# "strong from" — a convention, not a published rule.
HELHED_RC_MIN_RESPONDENTS = 5
HELHED_RC_BANDS = (3.5, 4.0)

# The course page caches nothing (it is fast enough without keeping rendered personal data). The
# coordination results keep their rendered, suppressed (anonymous) figures here; keep the cache
# in the server's own memory (the default, per process) or one as protected as the database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "helhed",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day; personal data must not stay open for weeks
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Behind HTTPS (production) the cookies and HSTS are strict. HTTPS defaults to "not DEBUG".
HTTPS = env_bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

# A refused request (403, 404, other 4xx) is logged as one line; tracebacks are for real errors.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_on_one_line": {"()": "helhed.core.logfilters.ClientErrorsOnOneLine"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_on_one_line"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# WhiteNoise warns when the collected-static folder does not exist; in development it serves from
# the finders, so an empty folder is all it needs.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# OpenID Connect login per organisation (helhed.identity; docs/security.md, "Log ind med OpenID
# Connect"): allauth's relying party (listed above) with Helhed's provider class (ID token
# signature always verified, the configured issuer enforced, PKCE) and the adapter that maps
# claims to user, unit and role or to an existing citizen.
INSTALLED_APPS.append("helhed.identity")
SOCIALACCOUNT_ADAPTER = "helhed.identity.adapter.OrganisationLoginAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "helhed.identity.provider.HelhedOIDCProvider",
        "OAUTH_PKCE_ENABLED": True,  # the code is bound to this login's verifier (S256)
    }
}
SOCIALACCOUNT_STORE_TOKENS = False  # Helhed calls no API with the broker's tokens
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an e-mail claim never links to an existing user
