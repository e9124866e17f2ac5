"""Login rate limits through HTTP: per account (5 failures in 10 minutes) and per address (20 posts)."""
from datetime import UTC, datetime

from tests.accounts.pages import field_error
from tests.conftest import PASSWORD


def post_login(client, email, password, address="203.0.113.7"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def assert_too_many(response):
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 600
    page = response.get_data(as_text=True)
    assert "Too many tries" in page
    assert "before you try again" in page
    assert "You can try again at" in page


def test_sixth_failed_login_for_one_account_is_refused(client, create_user):
    """Five wrong passwords for an account are answered normally; the sixth try gets a 429 that says when."""
    user = create_user(email="budi@example.com")
    for _ in range(5):
        response = post_login(client, user.email, "not-the-password")
        assert response.status_code == 200
    # Even the right password is refused now: guessing must stop, not just wrong guesses.
    response = post_login(client, user.email, PASSWORD)
    assert_too_many(response)
    assert client.get("/stores/").status_code == 302


def test_account_limit_follows_the_account_across_addresses(client, create_user):
    """Spreading guesses over many addresses (or email case) doesn't reset the account's count."""
    user = create_user(email="budi@example.com")
    for n in range(5):
        post_login(client, "BUDI@example.com" if n % 2 else user.email, "not-the-password", address=f"198.51.100.{n}")
    assert_too_many(post_login(client, user.email, "wrong-again", address="198.51.100.99"))


def test_account_limit_is_per_account(client, create_user):
    """One account being locked doesn't lock another."""
    locked = create_user(email="budi@example.com")
    other = create_user(email="sari@example.com")
    for n in range(5):
        post_login(client, locked.email, "not-the-password", address=f"198.51.100.{n}")
    assert post_login(client, locked.email, PASSWORD).status_code == 429
    assert post_login(client, other.email, PASSWORD).status_code == 302


def test_successful_logins_do_not_count_as_failures(app, create_user):
    """Signing in six times in a row (phone, laptop …) is not a brute-force attack."""
    user = create_user(email="budi@example.com")
    for _ in range(6):
        client = app.test_client()
        assert post_login(client, user.email, PASSWORD).status_code == 302


def test_more_than_twenty_posts_from_one_address_are_refused(client):
    """The 21st login post from one address within the window gets a 429, whatever the emails."""
    for n in range(20):
        response = post_login(client, f"guess{n}@example.com", "not-the-password")
        assert response.status_code == 200
        assert field_error(response, "password")
    assert_too_many(post_login(client, "guess-last@example.com", "not-the-password"))
    # Another address is still served.
    assert post_login(client, "guess-last@example.com", "not-the-password", address="192.0.2.1").status_code == 200


def test_rate_limit_page_says_when_to_retry(client, create_user):
    """The retry time on the 429 page matches the Retry-After header."""
    user = create_user(email="budi@example.com")
    for _ in range(5):
        post_login(client, user.email, "not-the-password")
    response = post_login(client, user.email, "not-the-password")
    assert response.status_code == 429
    when = datetime.now(UTC).timestamp() + int(response.headers["Retry-After"])
    assert 9 <= int(response.headers["Retry-After"]) / 60 <= 10
    assert "10 minutes" in response.get_data(as_text=True)
    assert when > datetime.now(UTC).timestamp()


def test_login_page_get_is_not_limited(client):
    """Only posts count: reading the login page never runs into the limit."""
    for _ in range(25):
        assert client.get("/login").status_code == 200
