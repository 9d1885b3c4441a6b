"""A minimal Django project serving django-allauth's headless API with MFA (TOTP), for
bench/server.sh. Not for anything but the benchmark: fixed secret key, no e-mail."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "twofold-benchmark-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "benchsite",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "benchsite.urls"
WSGI_APPLICATION = "benchsite.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

# SQLite like Twofold's server: WAL, synchronous=NORMAL, writers wait instead of failing.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("BENCH_DJANGO_DB", str(BASE_DIR / "bench.sqlite3")),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }
}
USE_TZ = True

# BENCH_HASHER=default: Django's own default (PBKDF2-SHA256, 1,000,000 iterations in 5.2);
# BENCH_HASHER=argon2: Argon2id with Twofold's parameters (benchsite/hashers.py).
if os.environ.get("BENCH_HASHER", "default") == "argon2":
    PASSWORD_HASHERS = ["benchsite.hashers.TwofoldArgon2PasswordHasher"]

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# allauth limits logins per IP (30/m); every benchmark request comes from 127.0.0.1. Twofold
# limits failed codes per user only, which a run of valid flows never reaches.
ACCOUNT_RATE_LIMITS = False
HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("app",)
HEADLESS_FRONTEND_URLS = {}
MFA_SUPPORTED_TYPES = ["totp"]
# Twofold's default tolerance (django-otp's); allauth's default is 0.
MFA_TOTP_TOLERANCE = 1

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
