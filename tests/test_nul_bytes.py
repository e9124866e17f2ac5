"""A NUL byte in a query string or form is a bad request everywhere (PostgreSQL refuses such text, which was a
500 there), answered with the site's own 400 page, on the platform and on a store alike."""
import pytest


@pytest.fixture
def store(own_store):
    return own_store(name="Batik Sari", slug="batik-sari", locale="en")


@pytest.mark.parametrize("path", ["/search?q=%00", "/collections/all?vendor=a%00b", "/collections/all?opt=Size:%00",
                                  "/products/x?variant=%00", "/?q%00=1"])
def test_a_shopper_gets_the_stores_400_page(store, store_client, path):
    response = store_client(store).get(path)
    assert response.status_code == 400
    assert "Batik Sari" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/stores/batik-sari/products?q=%00", "/stores/batik-sari/products/lookup?q=%00",
                                  "/stores/batik-sari/orders?q=%00"])
def test_a_merchant_gets_a_400_page(client, store, path):
    assert client.get(path).status_code == 400


def test_a_posted_form_with_a_nul_is_refused_and_saves_nothing(client, store, ctx):
    from sqlalchemy import select

    from saas.catalog.models import Product

    response = client.post("/stores/batik-sari/products/new", data={"title": "Kain\x00", "status": "active",
                                                                   "price": "10.000"})
    assert response.status_code == 400
    with ctx(store.id) as session:
        assert session.scalar(select(Product.id)) is None


def test_ordinary_requests_are_untouched(client, store, store_client):
    assert store_client(store).get("/search?q=kain").status_code == 200
    assert client.get("/stores/batik-sari/products?q=kain").status_code == 200
