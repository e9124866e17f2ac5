"""The session cookie's signer is built once per secret key, and a changed key still refuses the old cookies."""
from saas.sessions import CookieSessions


def test_a_session_cookie_is_signed_once_per_key_and_refused_after_the_key_changes(app, monkeypatch):
    assert isinstance(app.session_interface, CookieSessions)
    old_key = app.secret_key
    client = app.test_client()
    with client.session_transaction() as session:
        session["cart"] = "kept"
    with client.session_transaction() as session:
        assert session["cart"] == "kept"
    assert app.session_interface.get_signing_serializer(app) is app.session_interface.get_signing_serializer(app)

    monkeypatch.setattr(app, "secret_key", "a-new-secret-key-for-this-test")
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old_key])
    with client.session_transaction() as session:
        assert session.get("cart") == "kept"  # a rotated key still reads cookies signed with the one before
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
    with client.session_transaction() as session:
        assert "cart" not in session  # signed with a key no longer trusted
