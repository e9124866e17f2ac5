"""Settings, read from the environment (and an optional .env) in this one place."""
import os
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """Return the app's settings; every variable is documented in README.md."""
    load_dotenv(ROOT / ".env")
    env = os.environ.get
    return {
        "SECRET_KEY": env("SECRET_KEY", "dev-only-insecure-secret-key"),
        "SECRETS_KEY": env("SECRETS_KEY") or None,
        # The providers' API addresses: tests point them at fake servers on loopback.
        "STRIPE_API_BASE": env("STRIPE_API_BASE", "https://api.stripe.com"),
        "MIDTRANS_API_BASE": env("MIDTRANS_API_BASE") or None,  # None: by the store's mode, sandbox or production
        "MIDTRANS_SNAP_BASE": env("MIDTRANS_SNAP_BASE") or None,
        "BITESHIP_API_BASE": env("BITESHIP_API_BASE", "https://api.biteship.com"),
        # Seconds a checkout waits for live carrier rates before it uses each rate's fallback price.
        "SHIPPING_RATE_TIMEOUT": float(env("SHIPPING_RATE_TIMEOUT", "3")),
        "SQLALCHEMY_DATABASE_URI": env("DATABASE_URL", f"sqlite:///{INSTANCE / 'etalase.db'}"),
        "REDIS_URL": env("REDIS_URL") or None,
        "PLATFORM_HOST": env("PLATFORM_HOST", "localhost:5000"),
        "PREFERRED_URL_SCHEME": env("URL_SCHEME", "http"),
        "MAIL_URL": env("MAIL_URL") or None,
        "MAIL_FROM": env("MAIL_FROM", "Etalase <no-reply@etalase.test>"),
        "OUTBOX_DIR": env("OUTBOX_DIR", str(INSTANCE / "outbox")),
        "MEDIA_DIR": env("MEDIA_DIR", str(INSTANCE / "media")),
        "S3_BUCKET": env("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": env("S3_ENDPOINT_URL") or None,
        "S3_REGION": env("S3_REGION", "ap-southeast-1"),
        "S3_PUBLIC_URL": env("S3_PUBLIC_URL") or None,
        "MAX_UPLOAD_BYTES": int(env("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), False),
        # Host-only cookies (no SESSION_COOKIE_DOMAIN): a session on one store's host means nothing on another.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "RATELIMIT_ENABLED": _bool(env("RATELIMIT_ENABLED"), True),
        "WORKER_ID": env("WORKER_ID"),
        "STOREFRONT_CACHE": _bool(env("STOREFRONT_CACHE"), True),
        "STORE_FRAME_CACHE": _bool(env("STORE_FRAME_CACHE"), True),
    }
