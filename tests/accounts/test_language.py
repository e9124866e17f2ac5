"""Switching the interface language with POST /language."""
import pytest
from sqlalchemy import select

from saas.accounts.models import User


def test_anonymous_visitor_switches_to_indonesian(client):
    """An anonymous visitor's choice is kept in the session and translates the pages."""
    english = client.get("/login")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "<h1>Log in</h1>" in english.get_data(as_text=True)

    response = client.post("/language", data={"locale": "id"}, headers={"Referer": "http://localhost/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost/login"

    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "<h1>Masuk</h1>" in page


def test_signed_in_user_switch_is_saved_on_the_account(client, create_user, login, ctx):
    """A signed-in user's choice is saved, so it follows them to their next session."""
    user = create_user(email="budi@example.com", locale="en")
    login(client, user)
    client.post("/language", data={"locale": "id"})
    assert '<html lang="id">' in client.get("/stores/").get_data(as_text=True)
    with ctx() as s:
        assert s.scalar(select(User.locale).where(User.id == user.id)) == "id"


def test_language_redirect_ignores_a_foreign_referrer(client):
    """The switch never bounces the visitor to another site named in Referer."""
    response = client.post("/language", data={"locale": "en"}, headers={"Referer": "https://evil.com/"})
    assert response.status_code == 302
    assert "evil.com" not in response.headers["Location"]


def test_language_switch_is_post_only(client):
    """A GET can't change the language."""
    assert client.get("/language", query_string={"locale": "id"}).status_code == 405


@pytest.mark.parametrize("locale", ["fr", "", "../en"])
def test_unknown_language_is_refused(client, locale):
    """Only the shipped languages can be chosen."""
    assert client.post("/language", data={"locale": locale}).status_code == 400
