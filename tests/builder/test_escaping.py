"""A store name with HTML in it is shown as text on the builder and the storefront, never run."""
import pytest

NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def store(client, create_user, create_store, login):
    owner = create_user()
    tenant = create_store(owner=owner, name=NAME, slug="toko-xss", contact_email="halo@example.com")
    login(client, owner)
    return tenant


@pytest.mark.parametrize("path", ["/stores/", "/stores/toko-xss/", "/stores/toko-xss/settings"])
def test_builder_pages_escape_the_store_name(client, store, path):
    """The builder prints the name escaped, in text and in attributes."""
    page = client.get(path).get_data(as_text=True)
    assert ESCAPED in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page


def test_storefront_escapes_the_store_name(store_client, store):
    """The storefront prints the name escaped, including in its title and meta description."""
    page = store_client(store).get("/").get_data(as_text=True)
    assert page.count(ESCAPED) >= 3
    assert "<script>alert" not in page
    assert "<img src=x" not in page


def test_name_saved_through_settings_is_escaped(client, store_client, store):
    """A name typed into the settings form is stored as typed and shown escaped."""
    name = '"><svg onload=alert(2)>'
    response = client.post("/stores/toko-xss/settings", data={
        "name": name, "contact_email": "halo@example.com", "locale": "en", "currency": "IDR", "timezone": "Asia/Jakarta",
        "low_stock_threshold": "5",
    })
    assert response.status_code == 302
    for page in (client.get("/stores/toko-xss/").get_data(as_text=True), store_client(store).get("/").get_data(as_text=True)):
        assert "&#34;&gt;&lt;svg onload=alert(2)&gt;" in page
        assert "<svg onload" not in page
