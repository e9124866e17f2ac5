"""Per-account sign-in throttling: failed logins count against the address typed, whoever sends them.

The per-IP limit is Flask-Limiter's decorator on the view; this is the per-account half, on the same storage.
"""
from limits import parse

from saas.extensions import limiter

FAILED_LOGINS_PER_ACCOUNT = "5 per 10 minutes"
_KEY = "login-account"


def _active() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def locked_until(email: str) -> int | None:
    """The epoch second when `email` may try again, or None when it may try now."""
    if not _active():
        return None
    limit = parse(FAILED_LOGINS_PER_ACCOUNT)
    if limiter.limiter.test(limit, _KEY, email):
        return None
    return int(limiter.limiter.get_window_stats(limit, _KEY, email)[0])


def record_failure(email: str) -> None:
    # Only failures count: signing in from a phone and a laptop is not guessing.
    if _active():
        limiter.limiter.hit(parse(FAILED_LOGINS_PER_ACCOUNT), _KEY, email)
