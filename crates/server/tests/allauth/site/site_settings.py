"""A minimal Django project serving django-allauth's headless API (app and browser clients)
with MFA (TOTP, recovery codes, trust), over SQLite, on loopback only. For the conformance test
(crates/server/tests/allauth/run.sh); fixed secret key, no e-mail, never for anything else.

Settings are allauth's defaults except where noted; each non-default one has a Twofold flag the
test passes to `twofold serve --profile allauth` as well."""
import os

SECRET_KEY = "twofold-conformance-test-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "site_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["ALLAUTH_TEST_DB"],
    }
}
USE_TZ = True
# Cheap hashing: the test is about the protocol, not the hash (Twofold: --light-password-hashing).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_FRONTEND_URLS = {}
# (The spec itself is read from the package: allauth/headless/spec/doc/openapi.yaml.)
# The otpauth issuer (allauth's default is the request's host; Twofold: --issuer).
MFA_TOTP_ISSUER = "Twofold"
# "Trust this browser" on (default off; Twofold: --trust).
MFA_TRUST_ENABLED = True

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Twofold sends no e-mail, so addresses count as verified; allauth refuses MFA for unverified
# ones (409 unverified_email) unless told otherwise.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# The HTML side-by-side check (html.py): allauth's own pages under /accounts/ as well, the
# login redirect Twofold uses, and a short ACCOUNT_REAUTHENTICATION_TIMEOUT (twofold serve
# --reauthentication-timeout) so that the test can outwait it.
if os.environ.get("ALLAUTH_HTML"):
    HEADLESS_ONLY = False
    LOGIN_REDIRECT_URL = "/accounts/2fa/"
    ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("ALLAUTH_REAUTH_TIMEOUT", "300"))
