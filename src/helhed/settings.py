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

from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from helhed.config import (
    QUEUED_EMAIL_BACKEND,
    env_audit_key,
    env_base_url,
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_secret_key,
    env_token,
)

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
    # OAuth 2 client credentials for integration clients (helhed.integrations): allauth's
    # provider issues the access tokens; only its token and revoke endpoints are mounted.
    "allauth.idp.oidc",
    "helhed.core",
    "helhed.audit",
    "helhed.registry",
    "helhed.courses",
    "helhed.notifications",
    "helhed.outbox",
    "helhed.meetings",
    "helhed.handovers",
    "helhed.progress",
    "helhed.coordination",
    "helhed.economics",
    "helhed.gdpr",
    "helhed.retention",
    "helhed.integrations",
    "helhed.webhooks",
    "helhed.fhir",
    "helhed.imports",
    "helhed.ops",
    "helhed.devtools",
    # Background work through Django's tasks interface (the django.tasks backport) with its
    # database backend: no new service, SQLite and PostgreSQL (docs/operations.md, "Arbejderen").
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that can refuse a request, so a 400/403 carries the headers too.
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy with a per-response nonce
    "helhed.core.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "helhed.core.middleware.NoStoreMiddleware",  # Cache-Control: no-store for logged-in users
    "helhed.core.middleware.RequestCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "helhed.core.middleware.LoginPolicyMiddleware",  # idle timeout, ended memberships, 2FA
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
                "csp.context_processors.nonce",  # {{ CSP_NONCE }} for the rare inline block
            ],
            # The ``date`` filter in the reader's language (core/templatetags/helhed_dates.py).
            "builtins": ["helhed.core.templatetags.helhed_dates"],
        },
    },
]

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # allauth's, with the per-request read of the user compiled once (identity/backends.py)
    "helhed.identity.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "helhed.core.passwords.DanishMinimumLengthValidator"},  # 12 characters
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Seasons and months with years, Helhed's and municipalities' names, the username, common
    # Danish passwords (docs/security.md, "Log ind / Logins").
    {"NAME": "helhed.core.passwords.HelhedPasswordValidator"},
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
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # a reset for an unknown address sends nothing
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Helhed: "
SOCIALACCOUNT_ONLY = False
# Throttling: a username gets 5 wrong passwords per 15 minutes, an address 20 per minute; then
# the login is refused with the time to wait (core.accounts). The counts live in the default
# cache: it must be shared by all server processes (see CACHES).
ACCOUNT_RATE_LIMITS = {
    "login": "60/m/ip",
    "login_failed": "20/m/ip,5/15m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Two factors: TOTP (an authenticator app) or a WebAuthn security key/passkey, with recovery
# codes. The second step, and the codes, are allauth's; Helhed adds that staff password logins
# must enrol one (HELHED_REQUIRE_SECOND_FACTOR, core.middleware.LoginPolicyMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# WebAuthn needs a secure context: HTTPS in production (the relying party id is the request's
# host). http://localhost also counts as one, for Chromium and for allauth's check (fido2), so
# development (`make run` on localhost) and the browser tests' live server need no exception.
# http://127.0.0.1 does not work even with this switched on: Chromium refuses an IP address as
# relying party id ("SecurityError: This is an invalid domain", measured). So allauth's
# switch that skips the origin check stays off everywhere.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# Passkeys as a second factor only: logging in with a key alone (no password) stays off.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_FORMS = {"add_webauthn": "helhed.core.accounts.AddWebAuthnForm"}  # a Danish label
MFA_TOTP_ISSUER = "Helhed"
MFA_TOTP_TOLERANCE = 1  # the code before and after the current one (clock drift)
# Staff who log in with a password (not through an identity provider at NSIS substantial or high)
# must use a second factor. On unless DEBUG: the demo's printed logins work without one.
HELHED_REQUIRE_SECOND_FACTOR = env_bool("HELHED_REQUIRE_SECOND_FACTOR", default=not DEBUG)
# A session without a request for this many minutes ends (beside the 8-hour session).
HELHED_IDLE_TIMEOUT_MINUTES = env_int("HELHED_IDLE_TIMEOUT_MINUTES", default=30)

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
# STATIC_ROOT and WhiteNoise's finders: at the end (issue 16: production server).
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded documents (signed consents, issue 15): a non-public folder under var/, never served
# as static files and with no MEDIA_URL — they are read only through a view that goes through
# the consent guard and writes the access log (courses.views.consent_evidence).
MEDIA_ROOT = Path(os.environ.get("HELHED_MEDIA_ROOT", VAR_DIR / "dokumenter"))
MEDIA_URL = ""
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# E-mail (EMAIL_*, DEFAULT_FROM_EMAIL): see the issue 16 block at the end (the worker sends it).
# Notification e-mails link back to Helhed: the address users reach it on (no trailing slash).
# Required when DEBUG is off (config.env_base_url): a production install refuses to start without.
HELHED_BASE_URL = env_base_url("HELHED_BASE_URL", debug=DEBUG)

# The access log's hash-chain key, kept outside the database (docs/security.md, "Adgangsloggen kan
# ikke ændres ubemærket"): HELHED_AUDIT_KEY or a file HELHED_AUDIT_KEY_FILE names. Required when
# DEBUG is off (config.env_audit_key). The daily job appends the chain's head to
# HELHED_AUDIT_CHECKPOINT_FILE when set (keep that file off the database server).
HELHED_AUDIT_KEY = env_audit_key(
    "HELHED_AUDIT_KEY", "HELHED_AUDIT_KEY_FILE", debug=DEBUG, secret_key=SECRET_KEY
)
HELHED_AUDIT_CHECKPOINT_FILE = os.environ.get("HELHED_AUDIT_CHECKPOINT_FILE", "").strip()

# Relational coordination (docs/coordination.md): a figure from a survey rests on at least this
# many respondents (never below 3; a wave may ask for more), and the bands "weak below" and
# "strong from" — a convention, not a published rule.
HELHED_RC_MIN_RESPONDENTS = 5
HELHED_RC_BANDS = (3.5, 4.0)

# Background tasks: the database backend by default (`helhed worker` runs them). A large
# installation switches backend by settings alone.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("HELHED_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email"],
    }
}

# Django's database sessions; the per-request read compiled once per process (core/sessions.py)
SESSION_ENGINE = "helhed.core.sessions"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day; personal data must not stay open for weeks
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The 403 for a missing or stale CSRF token: in Danish (or English), styled, saying what to do.
CSRF_FAILURE_VIEW = "helhed.core.errors.csrf_failure"

# Content-Security-Policy (docs/security.md, "Content Security Policy and headers"), enforced, not
# report-only. Scripts and styles come only from our own origin; no template has an inline
# script, style block, style attribute or on…= handler (tests/core/test_csp.py scans them). A
# script that truly must be inline carries nonce="{{ CSP_NONCE }}"; the nonce is added to the
# header only on responses that used it. Styles have no nonce: none is needed, so none is
# allowed. JSON in <script type="application/json"> (json_script) is data, not executed, and
# needs nothing. img-src allows data: for the SVG icons and
# backgrounds that DKFDS's and the admin's stylesheets embed as data: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
# Permissions-Policy (helhed.core.middleware.PermissionsPolicyMiddleware): every powerful browser
# feature off for every origin, including our own; Helhed uses none of them.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Behind HTTPS (production) the cookies and HSTS are strict. HTTPS defaults to "not DEBUG".
HTTPS = env_bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

# LOGGING: at the end (issue 16: JSON lines with a request id, helhed.ops.logconfig).

# OpenID Connect login per organisation (helhed.identity; docs/security.md, "Log ind med OpenID
# Connect"): allauth's relying party (listed above) with Helhed's provider class (ID token
# signature always verified, the configured issuer enforced, PKCE) and the adapter that maps
# claims to user, unit and role or to an existing citizen.
INSTALLED_APPS.append("helhed.identity")
# The login page's form-action names the brokers (inside CSPMiddleware, which reads it).
MIDDLEWARE.append("helhed.identity.middleware.LoginFormActionMiddleware")
SOCIALACCOUNT_ADAPTER = "helhed.identity.adapter.OrganisationLoginAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "helhed.identity.provider.HelhedOIDCProvider",
        "OAUTH_PKCE_ENABLED": True,  # the code is bound to this login's verifier (S256)
    }
}
SOCIALACCOUNT_STORE_TOKENS = False  # Helhed calls no API with the broker's tokens
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an e-mail claim never links to an existing user

# --- issue 16: production server ---
# `helhed serve` (gunicorn; helhed.ops.serve, docs/operations.md, "The production server").
# Collected static files: under var/ unless HELHED_STATIC_ROOT names another folder (e.g. one
# per release, so a deploy collects beside the running version). With DEBUG off they are served
# by WhiteNoise from there under hashed names with a manifest (helhed.ops.staticfiles), never
# from the source folders: `helhed collectstatic` is part of every deploy, and `helhed serve`
# refuses to start without its manifest.
STATIC_ROOT = Path(os.environ.get("HELHED_STATIC_ROOT") or VAR_DIR / "static")
# WhiteNoise warns when the collected-static folder does not exist; in development it serves from
# the finders, so an empty folder is all it needs.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "helhed.ops.staticfiles.ManifestStorage"},
    }
# --- issue 16: worker and e-mail ---
# Every e-mail (notifications' copies, allauth's password reset) leaves a request as a task on the
# "email" queue (helhed.ops.mail.QueuedEmailBackend); `helhed worker` delivers it with the backend
# EMAIL_BACKEND names (console by default, SMTP in production), with a timeout, and retries
# (docs/operations.md, "Arbejderen / The worker" and "E-mail").
_email = env_email()
HELHED_EMAIL_DELIVERY_BACKEND = _email["backend"]
EMAIL_BACKEND = QUEUED_EMAIL_BACKEND
EMAIL_HOST = _email["host"]
EMAIL_PORT = _email["port"]
EMAIL_HOST_USER = _email["user"]
EMAIL_HOST_PASSWORD = _email["password"]
EMAIL_USE_TLS = _email["use_tls"]
EMAIL_USE_SSL = _email["use_ssl"]
EMAIL_TIMEOUT = _email["timeout"]
DEFAULT_FROM_EMAIL = _email["from"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Attempts per e-mail and the first wait; each wait is 5 times the one before (1, 5, 25, 125
# minutes), after the last attempt the e-mail is marked given up.
HELHED_EMAIL_MAX_ATTEMPTS = max(1, env_int("HELHED_EMAIL_MAX_ATTEMPTS", default=5))
HELHED_EMAIL_RETRY_SECONDS = env_int("HELHED_EMAIL_RETRY_SECONDS", default=60)
# A task still RUNNING this long after it started (its worker killed on another machine) is
# handed back to the queue when a worker starts; on the worker's own machine a task whose worker
# process is gone is handed back at once.
HELHED_TASK_STUCK_SECONDS = env_int("HELHED_TASK_STUCK_SECONDS", default=900)
# `helhed alerts` holds a lock while it runs; on SQLite a lock row older than this whose process
# cannot be seen is taken over (PostgreSQL's advisory lock ends with its connection).
HELHED_ALERTS_LOCK_STALE_SECONDS = env_int("HELHED_ALERTS_LOCK_STALE_SECONDS", default=4 * 3600)
# --- issue 16: health, logs, metrics and database connections ---
# (docs/operations.md, "Sundhed, logning og målinger" and "Databaseforbindelsen")
from helhed.ops.database import sqlite_synchronous, tune_database  # noqa: E402
from helhed.ops.logconfig import logging_config  # noqa: E402

# Database connections: persistent for HELHED_DB_CONN_MAX_AGE seconds (0: one per request),
# checked before reuse; PostgreSQL statements end after HELHED_DB_STATEMENT_TIMEOUT_MS (0: no
# limit — for a long migration or backup run, set it in that command's environment), a
# connection attempt after HELHED_DB_CONNECT_TIMEOUT seconds, and with HELHED_DB_PREPARED the
# kept queries are prepared statements (server-side binding; off for a pooler in transaction
# mode); SQLite's synchronous pragma
# HELHED_SQLITE_SYNCHRONOUS (FULL in production: a committed write survives a power loss).
DATABASES["default"] = tune_database(
    DATABASES["default"],
    conn_max_age=env_int("HELHED_DB_CONN_MAX_AGE", default=60),
    statement_timeout_ms=env_int("HELHED_DB_STATEMENT_TIMEOUT_MS", default=30_000),
    connect_timeout=env_int("HELHED_DB_CONNECT_TIMEOUT", default=5),
    prepared=env_bool("HELHED_DB_PREPARED", default=True),
    sqlite_synchronous=sqlite_synchronous(os.environ.get("HELHED_SQLITE_SYNCHRONOUS"), debug=DEBUG),
)

# Request ids and structured logs: RequestIdMiddleware outside everything else, so every line of
# a request — Django's, libraries', the access log's, a traceback — carries its id, and every
# answer (even a redirect to HTTPS or a 400 for a wrong Host) carries X-Request-ID.
MIDDLEWARE.insert(0, "helhed.ops.logs.RequestIdMiddleware")
HELHED_LOG_FORMAT = os.environ.get("HELHED_LOG_FORMAT", "text" if DEBUG else "json").strip()
if HELHED_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(
        f"HELHED_LOG_FORMAT: expected json or text, got {HELHED_LOG_FORMAT!r}"
    )
# One "request" line per request (method, path without query string, route, status, duration).
# Off by default in development, where runserver logs requests itself.
HELHED_REQUEST_LOG = env_bool("HELHED_REQUEST_LOG", default=not DEBUG)
LOGGING = logging_config(log_format=HELHED_LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "WARNING"))

# Health probes and the metrics scrape: no login, reachable over plain HTTP from a load
# balancer or scraper (ALLOWED_HOSTS still applies: probe with a Host it names), never logged
# per request, never touching a session's idle timer.
SECURE_REDIRECT_EXEMPT = [r"^sundhed/", r"^metrics$"]
HELHED_UNLOGGED_PATHS = ("/sundhed/", "/metrics")
HELHED_LOGIN_POLICY_EXEMPT_PATHS = HELHED_UNLOGGED_PATHS
# Readiness fails when a task that may run has waited longer than this (0: never fails on it).
HELHED_READY_QUEUE_MAX_AGE_SECONDS = env_int("HELHED_READY_QUEUE_MAX_AGE_SECONDS", default=600)
# /metrics answers only "Authorization: Bearer <token>"; without a token it does not exist (404).
HELHED_METRICS_TOKEN = env_token("HELHED_METRICS_TOKEN", "HELHED_METRICS_TOKEN_FILE")
# --- issue 16: past one machine ---
# The cache every server process shares (helhed.ops.scale; docs/operations.md, "Flere servere"):
# allauth's login rate limits, used TOTP codes and ID tokens, and the coordination results'
# rendered, suppressed (anonymous) figures. The database by default (`helhed migrate` creates the
# table), HELHED_CACHE_URL for Redis or Memcached. The course pages cache nothing (they hold
# personal data); never point the cache at one less protected than the database.
from helhed.ops.scale import env_cache  # noqa: E402 (plain Python: no models, no Django setup)

CACHES = {"default": env_cache("HELHED_CACHE_URL")}
# --- issue 16: backups ---
# `helhed backup` / `helhed restore` (docs/operations.md, "Sikkerhedskopi / Backups"). PostgreSQL:
# the folder holding pg_dump and pg_restore (default: the server's version under
# /usr/lib/postgresql/N/bin, else PATH), and the role the server and worker run as — a restore
# grants it its rights again (SELECT, INSERT only on the access log). Restore as the owner.
HELHED_PG_BIN = os.environ.get("HELHED_PG_BIN", "").strip()
HELHED_DB_APP_ROLE = os.environ.get("HELHED_DB_APP_ROLE", "").strip()
# --- events ---
# Webhooks (docs/integration.md, "Hændelser / Events"): each attempt's timeout; plain http
# subscriber addresses only in development; the key the signing secrets are encrypted under
# (default: SECRET_KEY — changing it makes the stored secrets unreadable).
HELHED_WEBHOOKS_TIMEOUT_SECONDS = env_int("HELHED_WEBHOOKS_TIMEOUT_SECONDS", default=10)
if not 1 <= HELHED_WEBHOOKS_TIMEOUT_SECONDS <= 120:
    raise ImproperlyConfigured(
        "HELHED_WEBHOOKS_TIMEOUT_SECONDS: expected whole seconds from 1 to 120, "
        f"got {HELHED_WEBHOOKS_TIMEOUT_SECONDS}"
    )
HELHED_WEBHOOKS_ALLOW_HTTP = env_bool("HELHED_WEBHOOKS_ALLOW_HTTP", default=DEBUG)
HELHED_WEBHOOKS_KEY = os.environ.get("HELHED_WEBHOOKS_KEY", "").strip()
# Networks a subscriber's address may point into besides public addresses (a municipality's own
# systems on its internal net), comma-separated CIDRs; loopback, private, link-local (cloud
# metadata) and reserved ranges are refused otherwise. Development allows loopback.
HELHED_WEBHOOKS_ALLOWED_NETWORKS = os.environ.get(
    "HELHED_WEBHOOKS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128" if DEBUG else ""
)
try:
    from helhed.webhooks.logic import parse_networks

    parse_networks(HELHED_WEBHOOKS_ALLOWED_NETWORKS)
except ValueError as exc:
    raise ImproperlyConfigured(f"HELHED_WEBHOOKS_ALLOWED_NETWORKS: {exc}") from None
# --- clients ---
# Integration clients (helhed.integrations; docs/integration.md): allauth's OAuth 2 provider
# issues opaque access tokens (stored hashed) by the client credentials grant at /api/oauth/token.
# Short-lived (15 minutes by default): a revoked client's last token dies soon even if one
# escapes the revocation. No ID tokens are issued, so no IDP_OIDC_PRIVATE_KEY is needed.
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env_int("HELHED_CLIENT_TOKEN_SECONDS", default=15 * 60)
if not 60 <= IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN <= 24 * 3600:
    raise ImproperlyConfigured(
        "HELHED_CLIENT_TOKEN_SECONDS: expected seconds from 60 to 86400, "
        f"got {IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN}"
    )
IDP_OIDC_ACCESS_TOKEN_FORMAT = "opaque"
IDP_OIDC_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
