"""Signup through HTTP: the happy path, every refusal beside its field, and the live subdomain check."""
import pytest
from sqlalchemy import func, select

from saas.accounts.models import User
from saas.tenants.models import Membership, Role, Tenant
from tests.accounts.pages import error_fields, field_error, value
from tests.conftest import PASSWORD

SIGNUP = {
    "name": "Sari Wulandari",
    "email": "sari@batik.example.com",
    "password": PASSWORD,
    "store_name": "Batik Sari",
    "subdomain": "batik-sari",
    "language": "en",
}


@pytest.fixture
def counts(ctx):
    """counts() -> (users, tenants, memberships) now in the database."""

    def read():
        with ctx() as s:
            return tuple(s.scalar(select(func.count()).select_from(model)) for model in (User, Tenant, Membership))

    return read


def signup(client, **changes):
    data = {**SIGNUP, **changes}
    return client.post("/signup", data={key: v for key, v in data.items() if v is not None})


def test_signup_creates_user_store_and_owner_then_opens_the_builder(client, ctx):
    """One form creates the user, the store and the owner membership, and signs the user in."""
    response = signup(client, email="Sari@Batik.Example.COM", language="en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/batik-sari/"

    with ctx() as s:
        user = s.scalar(select(User).where(User.email == "sari@batik.example.com"))
        assert user is not None, "the email is stored lower-cased"
        assert user.locale == "en"
        assert user.name == "Sari Wulandari"
        tenant = s.scalar(select(Tenant).where(Tenant.slug == "batik-sari"))
        assert tenant.name == "Batik Sari"
        assert tenant.locale == "en"
        membership = s.scalar(select(Membership).where(Membership.tenant_id == tenant.id))
        assert (membership.user_id, membership.role) == (user.id, Role.OWNER)

    home = client.get("/stores/batik-sari/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "Get your store ready" in page
    assert "Add your logo and contact details" in page
    assert "batik-sari.localhost" in page


def test_signup_in_indonesian_saves_the_language(client, ctx):
    """The language picked on the form becomes the user's and the store's."""
    assert signup(client, language="id").status_code == 302
    with ctx() as s:
        assert s.scalar(select(User.locale).where(User.email == SIGNUP["email"])) == "id"
        assert s.scalar(select(Tenant.locale).where(Tenant.slug == "batik-sari")) == "id"


def test_signup_sends_a_welcome_email_with_the_store_url(client, run_jobs, outbox):
    """The welcome email arrives after the jobs run, with text and HTML parts that link the store."""
    assert signup(client).status_code == 302
    run_jobs()
    messages = outbox()
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "sari@batik.example.com"
    assert message["Subject"] == "Welcome to Etalase"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://batik-sari.localhost/" in text
    assert "http://batik-sari.localhost/" in html
    assert "http://localhost/stores/batik-sari/" in text


def test_signed_up_user_stays_signed_in(client):
    """The session made at signup carries on to the next page."""
    signup(client)
    assert client.get("/stores/").status_code == 200


def _assert_refused(response, field, message, counts_before, counts):
    assert response.status_code == 200
    error = field_error(response, field)
    assert error is not None and message in error, error
    assert error_fields(response) == {field}
    # What was typed is still there, so only the refused field needs fixing.
    for name in ("name", "email", "store_name"):
        if name != field:
            assert value(response, name) == SIGNUP[name].strip()
    assert counts() == counts_before


def test_taken_email_is_refused_beside_the_email_field(client, create_user, counts):
    """An email that already has an account, in any case, is refused and nothing is saved."""
    create_user(email="sari@batik.example.com")
    before = counts()
    response = signup(client, email="SARI@Batik.example.com")
    _assert_refused(response, "email", "An account with this email exists", before, counts)
    assert value(response, "subdomain") == "batik-sari"


def test_taken_subdomain_is_refused(client, create_store, counts):
    """A subdomain another store has is refused."""
    create_store(slug="batik-sari")
    before = counts()
    _assert_refused(signup(client), "subdomain", "This address is taken", before, counts)


@pytest.mark.parametrize("slug", ["www", "admin", "api", "operator", "static", "media"])
def test_reserved_subdomains_are_refused(client, counts, slug):
    """Subdomains the platform keeps for itself can't be taken."""
    before = counts()
    response = signup(client, subdomain=slug)
    _assert_refused(response, "subdomain", "This address is reserved", before, counts)
    assert value(response, "subdomain") == slug


LETTERS = "Use lowercase letters, digits and single hyphens"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "Use 3 to 63 characters."),
        ("-batik", LETTERS),
        ("batik-", LETTERS),
        ("batik--sari", LETTERS),
        ("batik sari", LETTERS),
        ("toko_sari", LETTERS),
        ("tokó-sari", LETTERS),
        ("batik.sari", LETTERS),
        ("a" * 64, "63 characters"),
    ],
)
def test_malformed_subdomains_are_refused(client, counts, slug, message):
    """Subdomains that aren't valid DNS labels (or are too short or long) are refused beside the field."""
    before = counts()
    response = signup(client, subdomain=slug)
    _assert_refused(response, "subdomain", message, before, counts)
    assert value(response, "subdomain") == slug


def test_uppercase_subdomain_is_lowercased_and_accepted(client, ctx):
    """Capitals in the subdomain are folded to lowercase rather than refused."""
    response = signup(client, subdomain=" Batik-Sari ")
    assert response.headers["Location"] == "/stores/batik-sari/"
    with ctx() as s:
        assert s.scalar(select(Tenant.slug).where(Tenant.name == "Batik Sari")) == "batik-sari"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kopi12", "Use at least 8 characters."),
        ("password1", "This password is too common"),
        ("qwerty123", "This password is too common"),
        ("QWERTY123", "This password is too common"),
    ],
)
def test_weak_passwords_are_refused(client, counts, password, message):
    """Short and common passwords are refused beside the password field."""
    before = counts()
    response = signup(client, password=password)
    _assert_refused(response, "password", message, before, counts)
    assert value(response, "subdomain") == "batik-sari"
    assert password not in response.get_data(as_text=True), "a password is never echoed back"


@pytest.mark.parametrize("missing", ["name", "email", "password", "store_name", "subdomain"])
def test_missing_fields_are_refused(client, counts, missing):
    """Each required field, left out, gets its own message and nothing is saved."""
    before = counts()
    response = signup(client, **{missing: None})
    _assert_refused(response, missing, "This field is required.", before, counts)


def test_malformed_email_is_refused(client, counts):
    """An address that isn't an email is refused beside the email field."""
    before = counts()
    _assert_refused(signup(client, email="sari-at-batik"), "email", "Enter a valid email address", before, counts)


def test_signup_without_csrf_token_is_refused(app, client, counts, monkeypatch):
    """With CSRF on, a post without the token gets the 400 page and saves nothing."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = counts()
    response = signup(client)
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)
    assert counts() == before


def test_signup_with_csrf_token_succeeds(app, client, counts, monkeypatch):
    """With CSRF on, the token from the form is accepted (so the refusal above is about the token)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = value(client.get("/signup"), "csrf_token")
    assert token
    response = client.post("/signup", data={**SIGNUP, "csrf_token": token})
    assert response.status_code == 302


def test_signed_in_user_visiting_signup_goes_to_their_stores(client, create_user, login):
    """Signup is for new people; a signed-in user is sent to their stores."""
    login(client, create_user(email="budi@example.com"))
    response = client.get("/signup")
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/"


@pytest.mark.parametrize(
    ("subdomain", "available", "message"),
    [
        ("kopi-kenangan", True, "This address is free."),
        ("Kopi-Kenangan", True, "This address is free."),
        ("batik-sari", False, "This address is taken. Choose another."),
        ("admin", False, "This address is reserved. Choose another."),
        ("ab", False, "Use 3 to 63 characters."),
        ("-kopi", False, LETTERS),
        ("", False, "Use 3 to 63 characters."),
    ],
)
def test_check_subdomain(client, create_store, subdomain, available, message):
    """The live check answers JSON: free, taken, reserved or malformed, with the message to show."""
    create_store(slug="batik-sari")
    response = client.get("/signup/check-subdomain", query_string={"subdomain": subdomain})
    assert response.status_code == 200
    body = response.get_json()
    assert body["available"] is available
    assert body["subdomain"] == subdomain.strip().lower()
    assert message in body["message"]
