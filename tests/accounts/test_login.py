"""Login and logout through HTTP: redirects, safe `next`, one message for every failure, session renewal."""
import pytest

from tests.accounts.pages import error_fields, field_error, value
from tests.conftest import PASSWORD

NO_MATCH = "That email and password don't match an account."


def post_login(client, email, password=PASSWORD, next=None):
    return client.post("/login", query_string={"next": next} if next else None, data={"email": email, "password": password})


def test_login_page_renders(client):
    """The login page has its heading, both fields and the Log in button."""
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Log in</h1>" in page
    assert value(response, "email") == ""
    assert 'name="password"' in page


def test_login_redirects_to_the_stores_page(client, create_user):
    """A right email and password sign in and land on the user's stores."""
    user = create_user(email="budi@example.com")
    response = post_login(client, "budi@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/"
    assert client.get("/stores/").status_code == 200


def test_login_ignores_the_email_case(client, create_user):
    """Emails are matched case-insensitively."""
    create_user(email="budi@example.com")
    assert post_login(client, "  BUDI@Example.com ").status_code == 302


def test_login_honours_a_safe_next(client, create_store, create_user):
    """A local path in `next` is where the user lands after signing in."""
    owner = create_user(email="budi@example.com")
    store = create_store(owner=owner, slug="kopi-budi")
    response = post_login(client, owner.email, next="/stores/kopi-budi/settings")
    assert response.headers["Location"] == "/stores/kopi-budi/settings"


def test_builder_sends_anonymous_users_to_login_with_next(client, create_store):
    """The login redirect from the builder carries the page to come back to."""
    store = create_store(slug="kopi-budi")
    response = client.get("/stores/kopi-budi/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "kopi-budi" in response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    ["//evil.com", "//evil.com/stores/", "https://evil.com/", "http://localhost.evil.com/", "/\\evil.com",
     "javascript:alert(1)", "/\t/evil.com", "/\n/evil.com", "evil.com"],
)
def test_login_refuses_an_unsafe_next(client, create_user, target):
    """`next` never sends the user to another site: anything but a plain local path goes to /stores/."""
    user = create_user(email="budi@example.com")
    response = post_login(client, user.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/"


def test_wrong_password_is_refused_beside_the_password(client, create_user):
    """A wrong password keeps the email and says so beside the password field."""
    create_user(email="budi@example.com")
    response = post_login(client, "budi@example.com", password="not-the-password")
    assert response.status_code == 200
    assert field_error(response, "password") == NO_MATCH
    assert error_fields(response) == {"password"}
    assert value(response, "email") == "budi@example.com"
    assert client.get("/stores/").status_code == 302, "still signed out"


def test_unknown_email_gets_the_same_message(client, create_user):
    """An email with no account gets exactly the wrong-password answer, so accounts can't be probed."""
    create_user(email="budi@example.com")
    unknown = post_login(client, "nobody@example.com")
    wrong = post_login(client, "budi@example.com", password="not-the-password")
    assert unknown.status_code == wrong.status_code == 200
    assert field_error(unknown, "password") == field_error(wrong, "password") == NO_MATCH


@pytest.mark.parametrize("missing", ["email", "password"])
def test_missing_login_fields_are_refused(client, missing):
    """An empty field is named beside itself."""
    data = {"email": "budi@example.com", "password": PASSWORD, missing: ""}
    response = client.post("/login", data=data)
    assert field_error(response, missing) == "This field is required."


def test_login_renews_the_session(client, create_user):
    """Nothing set in the session before login (say, by an attacker fixing it) survives the login."""
    user = create_user(email="budi@example.com")
    with client.session_transaction() as session:
        session["planted"] = "x"
    post_login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_login_keeps_the_chosen_language(client, create_user):
    """The language picked before login is the one thing carried over."""
    user = create_user(email="budi@example.com")
    with client.session_transaction() as session:
        session["locale"] = "id"
    post_login(client, user.email)
    with client.session_transaction() as session:
        assert session.get("locale") == "id"


def test_signed_in_user_visiting_login_is_redirected(client, create_user, login):
    """A signed-in user asking for /login goes straight on."""
    login(client, create_user())
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/"


def test_logout_is_post_only(client, create_user, login):
    """A GET can't sign anyone out (a link or image on another site could make one)."""
    login(client, create_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/stores/").status_code == 200, "still signed in"


def test_logout_ends_the_session(client, create_user, login):
    """POST /logout signs out and clears the session."""
    login(client, create_user())
    with client.session_transaction() as session:
        session["extra"] = "x"
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "extra" not in session
    assert client.get("/stores/").status_code == 302


def test_logout_needs_csrf_token(app, client, create_user, login, monkeypatch):
    """With CSRF on, a logout post from elsewhere (no token) is refused and the user stays in."""
    login(client, create_user())
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/logout").status_code == 400
    assert client.get("/stores/").status_code == 200


def test_login_without_csrf_token_is_refused(app, client, create_user, monkeypatch):
    """With CSRF on, a login post with no token gets the 400 page (no login CSRF)."""
    user = create_user(email="budi@example.com")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = post_login(client, user.email)
    assert response.status_code == 400
    assert client.get("/stores/").status_code == 302


def test_spaces_around_a_pasted_email_are_ignored(client, create_user):
    """An address pasted with surrounding spaces still signs in."""
    user = create_user()
    response = client.post("/login", data={"email": f"  {user.email.upper()}  ", "password": PASSWORD})
    assert response.status_code == 302
