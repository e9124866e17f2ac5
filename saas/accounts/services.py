"""Accounts: passwords, sign-in, and password reset tokens."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from saas.accounts.models import User
from saas.accounts.passwords import is_common_password
from saas.orm import utcnow
from saas.extensions import db

MIN_PASSWORD_LENGTH = 8
RESET_MAX_AGE = 2 * 3600
_hasher = PasswordHasher()
# A real hash to verify against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class WeakPassword(ValueError):
    pass


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problem(password: str) -> str | None:
    """Why `password` is refused, or None; the messages are shown beside the field."""
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if is_common_password(password):
        return _("This password is too common. Choose one that is harder to guess.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email: str, password: str, name: str, locale: str = "id") -> User:
    problem = password_problem(password)
    if problem:
        raise WeakPassword(problem)
    user = User(email=normalize_email(email), password_hash=hash_password(password), name=name.strip(), locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries auth_version, so a password change signs out old sessions."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.auth_version != version:
        return None
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise WeakPassword(problem)
    user.password_hash = hash_password(password)
    user.auth_version += 1


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def reset_token(user: User) -> str:
    # auth_version makes a token single-use: the reset bumps it and the token no longer matches.
    return _serializer().dumps({"user": user.id, "v": user.auth_version})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.auth_version != data.get("v"):
        return None
    return user
