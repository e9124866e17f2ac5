"""Merchant credentials at rest: a JSON object sealed with Fernet under a key from the app's configuration.

The key is `SECRETS_KEY` when it is set (a Fernet key as `Fernet.generate_key()` prints it, or any long random
text, which is stretched into one), else one derived from `SECRET_KEY`. `SECRETS_KEY` may list several keys,
separated by commas: the first seals, all of them open, which lets an operator rotate keys. The key derived
from `SECRET_KEY` always opens too, so that setting `SECRETS_KEY` later doesn't lose what was stored before.
"""
import base64
import binascii
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_SALT = b"etalase.payments.secrets"


class SecretsUnreadable(ValueError):
    """A stored token that the configured keys can't open (the key changed, or the text was altered)."""


def _derive(material: str) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) stretched from any text with HKDF-SHA256."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"fernet").derive(material.encode())
    return base64.urlsafe_b64encode(raw)


def _as_key(text: str) -> bytes:
    """A configured key as Fernet wants it: used as is when it already is one, derived otherwise."""
    try:
        if len(base64.urlsafe_b64decode(text.encode())) == 32:
            return text.encode()
    except (binascii.Error, ValueError):
        pass
    return _derive(text)


def _fernet() -> MultiFernet:
    config = current_app.config
    configured = [part.strip() for part in str(config.get("SECRETS_KEY") or "").split(",") if part.strip()]
    keys = [_as_key(part) for part in configured]
    fallback = _derive(str(config["SECRET_KEY"]))
    if fallback not in keys:
        keys.append(fallback)
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(values: dict) -> str:
    """Seal a JSON-serializable dict; the token is ASCII text, different every time (Fernet adds a random IV)."""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict:
    """Open a token made by encrypt(); an empty token is an empty dict."""
    if not token:
        return {}
    try:
        values = json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError) as error:
        raise SecretsUnreadable("the stored secrets can't be opened with the configured keys") from error
    if not isinstance(values, dict):
        raise SecretsUnreadable("the stored secrets are not an object")
    return values
