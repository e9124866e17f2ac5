"""Who can fetch an uploaded file: members on the platform host, and only the owning store on store hosts."""
import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.accounts.pages import images


def upload_logo(client, slug):
    """Upload a logo through the settings form and return its /media/ URL from the page."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (10, 120, 200)).save(buffer, "PNG")
    buffer.seek(0)
    data = {"name": slug, "contact_email": "halo@example.com", "locale": "en", "currency": "IDR",
            "timezone": "Asia/Jakarta", "low_stock_threshold": "5", "logo": FileStorage(buffer, filename="logo.png", content_type="image/png")}
    boundary, body = encode_multipart(data)
    response = client.post(f"/stores/{slug}/settings", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    (src,) = [s for s in images(client.get(f"/stores/{slug}/settings")) if s.startswith("/media/")]
    return src


@pytest.fixture
def shops(app, create_user, create_store, login):
    """Two stores, A with an uploaded logo; returns (store_a, store_b, logo_url, client_a, client_b)."""
    owner_a, owner_b = create_user(), create_user()
    store_a = create_store(owner=owner_a, slug="toko-a")
    store_b = create_store(owner=owner_b, slug="toko-b")
    client_a, client_b = app.test_client(), app.test_client()
    login(client_a, owner_a)
    login(client_b, owner_b)
    return store_a, store_b, upload_logo(client_a, "toko-a"), client_a, client_b


def test_member_fetches_the_logo(shops):
    """The store's member gets the file, as an image that browsers won't sniff."""
    store_a, _, url, client_a, _ = shops
    assert url.startswith(f"/media/{store_a.id}/logo/")
    response = client_a.get(url)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype.startswith("image/")


def test_anonymous_users_get_404_on_the_platform_host(client, shops):
    """Without signing in, a store's file on the platform host is a 404."""
    assert client.get(shops[2]).status_code == 404


def test_another_stores_member_gets_404(shops):
    """A member of store B can't read store A's files on the platform host."""
    _, _, url, _, client_b = shops
    assert client_b.get(url).status_code == 404


def test_operator_may_view_any_stores_files(app, shops, create_user, login):
    """Operators see every store's files (support work)."""
    operator = app.test_client()
    login(operator, create_user(is_operator=True))
    assert operator.get(shops[2]).status_code == 200


def test_store_host_serves_its_own_files(store_client, shops):
    """On A's host, A's logo is served to anyone (it is on A's public storefront)."""
    store_a, _, url, _, _ = shops
    assert store_client(store_a).get(url).status_code == 200


def test_store_host_refuses_another_stores_key(store_client, shops):
    """B's host with A's key is a 404: a store host serves only its own keys."""
    store_a, store_b, url, _, _ = shops
    response = store_client(store_b).get(url)
    assert response.status_code == 404
    assert response.data[:4] != b"RIFF"


def test_storefront_shows_the_logo_from_its_own_host(store_client, shops):
    """The storefront's img src loads on the store's host."""
    store_a = shops[0]
    shop = store_client(store_a)
    sources = [src for src in images(shop.get("/")) if "/media/" in src]
    assert sources
    assert shop.get(sources[0]).status_code == 200


@pytest.mark.parametrize("key", ["../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "{tenant}/../../secret", "{tenant}/logo/missing.webp"])
def test_bad_or_missing_keys_are_404(shops, key):
    """Paths that escape the store's folder or name no file are 404s, never another file."""
    store_a, _, _, client_a, _ = shops
    assert client_a.get("/media/" + key.format(tenant=store_a.id)).status_code == 404
