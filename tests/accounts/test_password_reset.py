"""Password reset through HTTP: the same answer for every email, a single-use link, and old sessions ended."""
import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.accounts.pages import field_error
from tests.conftest import PASSWORD

NEW_PASSWORD = "teh-manis-pakai-es-batu"
SENT = "If an account uses that email, a link to reset the password is on its way."
EXPIRED = "That reset link has expired or was already used. Ask for a new one."


def ask_for_reset(client, email):
    return client.post("/password/forgot", data={"email": email}, follow_redirects=True)


def reset_link(client, user, run_jobs, outbox):
    """Ask for a reset and return the path of the link in the email."""
    ask_for_reset(client, user.email)
    run_jobs()
    messages = [m for m in outbox() if m["To"] == user.email]
    assert len(messages) == 1
    text = messages[0].get_body(("plain",)).get_content()
    match = re.search(r"http://localhost(/password/reset/[\w.\-]+)", text)
    assert match, text
    assert match.group(0) in messages[0].get_body(("html",)).get_content()
    return match.group(1)


def can_log_in(app, email, password):
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_forgot_page_renders(client):
    """The forgot-password page asks for an email."""
    response = client.get("/password/forgot")
    assert response.status_code == 200
    assert "Reset your password" in response.get_data(as_text=True)


def test_forgot_answers_the_same_for_known_and_unknown_emails(client, create_user, run_jobs, outbox):
    """Known and unknown emails get the same page, so accounts can't be probed; only the known one gets mail."""
    user = create_user(email="budi@example.com")
    known = ask_for_reset(client, user.email)
    unknown = ask_for_reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert SENT in known.get_data(as_text=True)
    assert SENT in unknown.get_data(as_text=True)
    assert known.request.path == unknown.request.path == "/login"
    run_jobs()
    assert [m["To"] for m in outbox()] == ["budi@example.com"]


def test_reset_link_sets_a_new_password_and_logs_in(app, client, create_user, run_jobs, outbox):
    """The emailed link sets a new password, signs the user in, and the old password stops working."""
    user = create_user(email="budi@example.com")
    link = reset_link(client, user, run_jobs, outbox)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/"
    assert client.get("/stores/").status_code == 200
    assert not can_log_in(app, user.email, PASSWORD)
    assert can_log_in(app, user.email, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [("short1", "Use at least 8 characters."), ("password1", "This password is too common"), ("", "This field is required.")],
)
def test_reset_refuses_weak_passwords_beside_the_field(app, client, create_user, run_jobs, outbox, password, message):
    """A weak new password is refused beside the field; the old one still works and the link stays usable."""
    user = create_user(email="budi@example.com")
    link = reset_link(client, user, run_jobs, outbox)
    response = client.post(link, data={"password": password})
    assert response.status_code == 200
    assert message in field_error(response, "password")
    assert can_log_in(app, user.email, PASSWORD)
    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 302


def test_reset_link_works_only_once(app, client, create_user, run_jobs, outbox):
    """After a reset the same link is refused with a message, and can't set the password again."""
    user = create_user(email="budi@example.com")
    link = reset_link(client, user, run_jobs, outbox)
    client.post(link, data={"password": NEW_PASSWORD})
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = other.post(link, data={"password": "yet-another-long-phrase"}, follow_redirects=True)
    assert response.request.path == "/password/forgot"
    assert EXPIRED in response.get_data(as_text=True)
    assert can_log_in(app, user.email, NEW_PASSWORD)


def test_expired_reset_link_is_refused(app, client, create_user, monkeypatch):
    """A link signed just over two hours ago (RESET_MAX_AGE) is refused with a message."""
    user = create_user(email="budi@example.com")
    signed_at = time.time() - 2 * 3600 - 60
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: signed_at)
        with app.test_request_context():
            from saas.accounts.services import reset_token

            token = reset_token(user)
    response = client.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD}, follow_redirects=True)
    assert response.request.path == "/password/forgot"
    assert EXPIRED in response.get_data(as_text=True)
    assert can_log_in(app, user.email, PASSWORD)


def test_reset_link_expires_after_max_age(client, create_user, run_jobs, outbox, monkeypatch):
    """A real emailed link stops working once RESET_MAX_AGE has passed."""
    user = create_user(email="budi@example.com")
    link = reset_link(client, user, run_jobs, outbox)
    monkeypatch.setattr("saas.accounts.services.RESET_MAX_AGE", -1)
    response = client.get(link, follow_redirects=True)
    assert EXPIRED in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["garbage", "eyJ1c2VyIjoxfQ.Zz9vWw.bad-signature", "a" * 300])
def test_garbage_reset_token_is_refused(client, token):
    """A token that isn't ours is refused with the same message, never an error page."""
    response = client.get(f"/password/reset/{token}", follow_redirects=True)
    assert response.status_code == 200
    assert EXPIRED in response.get_data(as_text=True)


def test_token_signed_with_another_salt_is_refused(app, client, create_user):
    """A token signed for another purpose (another salt) can't reset a password."""
    user = create_user(email="budi@example.com")
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps({"user": user.id, "v": user.auth_version})
    response = client.get(f"/password/reset/{token}", follow_redirects=True)
    assert EXPIRED in response.get_data(as_text=True)


def test_reset_signs_out_other_sessions(app, client, create_user, login, run_jobs, outbox):
    """A session made before the reset (say, on a stolen laptop) is signed out by it."""
    user = create_user(email="budi@example.com")
    laptop = app.test_client()
    login(laptop, user)
    assert laptop.get("/stores/").status_code == 200
    link = reset_link(client, user, run_jobs, outbox)
    client.post(link, data={"password": NEW_PASSWORD})
    response = laptop.get("/stores/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/stores/").status_code == 200, "the session that reset stays in"


def test_reset_email_is_sent_in_the_users_language(client, create_user, run_jobs, outbox):
    """The email follows the account's language, not the visitor's."""
    user = create_user(email="budi@example.com", locale="id")
    ask_for_reset(client, user.email)
    run_jobs()
    (message,) = outbox()
    assert message["Subject"] != "Reset your Etalase password"
