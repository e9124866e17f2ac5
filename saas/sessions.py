"""Flask's signed-cookie sessions, with the signer built once per secret key instead of on every request."""
from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Every request opens the session, and Flask builds its serializer (and signer settings) each time."""

    _kept = None  # ((secret key, fallbacks), serializer)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:  # a changed key (a test, a rotation) gets a new signer
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]
