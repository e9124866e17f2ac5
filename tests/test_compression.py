"""Compressed responses: shoppers' pages and static files are, builder pages (which hold CSRF tokens) are not."""
import gzip
import re

import pytest


@pytest.fixture
def store(create_store, create_product):
    tenant = create_store(name="Toko Kopi", slug="toko-kopi")
    create_product(tenant, title="Kopi Gayo", status="active")
    return tenant


def test_storefront_pages_and_their_cache_hits_are_compressed(store, store_client):
    shopper = store_client(store)
    for expected in ("MISS", "HIT"):
        response = shopper.get("/products/kopi-gayo", headers={"Accept-Encoding": "gzip"})
        assert response.headers["X-Cache"] == expected
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Kopi Gayo" in gzip.decompress(response.data).decode()
    plain = shopper.get("/products/kopi-gayo")  # a client that doesn't ask gets plain text
    assert "Content-Encoding" not in plain.headers and "Kopi Gayo" in plain.get_data(as_text=True)


def test_theme_assets_are_compressed_whole_and_ranges_are_left_alone(store, store_client):
    shopper = store_client(store)
    css_url = re.search(r'href="(/theme-assets/[^"]+theme\.css[^"]*)"', shopper.get("/").get_data(as_text=True))[1]
    with shopper.get(css_url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert b"--" in gzip.decompress(response.data)
        assert "immutable" in response.headers["Cache-Control"]
    with shopper.get(css_url, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"}) as partial:
        assert partial.status_code == 206 and "Content-Encoding" not in partial.headers and len(partial.data) == 10


def test_builder_pages_are_not_compressed(client, create_user, login, create_store):
    owner = create_user()
    create_store(owner=owner, name="Toko Kopi", slug="toko-kopi")
    login(client, owner)
    response = client.get("/stores/toko-kopi/products", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


def test_pages_with_a_csrf_token_are_not_compressed(store, store_client):
    shopper = store_client(store)
    for path in ("/account/login?next=/checkout", "/account/register", "/cart"):
        response = shopper.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and "Content-Encoding" not in response.headers, path
