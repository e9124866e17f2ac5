"""The storefront's page cache over HTTP: hits cost no query, and each kind of change drops only its store's pages."""
import pytest
from sqlalchemy import select, update

from saas.catalog.models import Product
from saas.content import services as content
from saas.storefront import cache as page_cache
from saas.storefront.models import Subscriber
from saas.tenants.models import Tenant

BASE = "/stores/batik-sari"


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="en")
    login(client, owner)
    return tenant


@pytest.fixture
def shop(store, create_product, store_client):
    product = create_product(store, title="Kemeja Parang", status="active", price=150_000_00, stock=5)
    return store_client(store), product


def warm(shopper, path):
    first = shopper.get(path)
    second = shopper.get(path)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT"), path
    return second


@pytest.mark.parametrize("path", ["/", "/products/kemeja-parang", "/collections/all", "/pages/faq",
                                  "/search?q=kemeja", "/sitemap.xml", "/no/such/page"])
def test_a_cached_page_is_served_without_a_query(shop, count_queries, path):
    shopper, _product = shop
    first = shopper.get(path)
    with count_queries() as queries:
        again = shopper.get(path)
    assert queries == []
    assert again.headers["X-Cache"] == "HIT"
    assert (again.status_code, again.data, again.content_type) == (first.status_code, first.data, first.content_type)


def test_editing_a_product_in_the_builder_drops_the_cached_pages(shop, client, ctx):
    shopper, product = shop
    warm(shopper, "/products/kemeja-parang")
    warm(shopper, "/collections/all")
    form = client.get(f"{BASE}/products/{product.id}")
    assert form.status_code == 200
    data = {"title": "Kemeja Kawung", "slug": "kemeja-parang", "status": "active", "price": "175.000",
            "description_html": "", "vendor": "", "tags": "", "compare_at_price": "", "cost": "", "sku": "",
            "barcode": "", "weight_grams": "", "stock": "5", "track_stock": "y", "low_stock_threshold": "",
            "seo_title": "", "seo_description": ""}
    assert client.post(f"{BASE}/products/{product.id}", data=data).status_code == 302
    page = shopper.get("/products/kemeja-parang")
    assert page.headers["X-Cache"] == "MISS"
    html = page.get_data(as_text=True)
    assert "Kemeja Kawung" in html and "175" in html, html[html.find("<main"):][:1500]
    assert "Kemeja Kawung" in shopper.get("/collections/all").get_data(as_text=True)


def test_publishing_a_theme_drops_the_cached_pages_but_editing_the_draft_does_not(shop, client):
    shopper, _product = shop
    before = warm(shopper, "/").get_data(as_text=True)
    assert client.post(f"{BASE}/themes/use", data={"theme": "pasar"}).status_code == 302
    assert shopper.get("/").headers["X-Cache"] == "HIT"  # a draft is not what shoppers see
    assert client.post(f"{BASE}/themes/publish").status_code == 302
    after = shopper.get("/")
    assert after.headers["X-Cache"] == "MISS"
    assert "/theme-assets/pasar/" in after.get_data(as_text=True) and "/theme-assets/pasar/" not in before


def test_changing_a_menu_drops_the_cached_pages(shop, client, ctx, store):
    shopper, _product = shop
    warm(shopper, "/")
    with ctx(store.id) as session:
        content.save_menu("main", [{"title": "Promo Lebaran", "link_type": "url", "target_id": None,
                                    "url": "https://example.com/promo", "children": []}])
        session.commit()
    assert "Promo Lebaran" in shopper.get("/").get_data(as_text=True)


def test_bulk_updates_and_store_settings_drop_the_cached_pages(shop, ctx, store):
    shopper, product = shop
    warm(shopper, "/products/kemeja-parang")
    with ctx(store.id) as session:
        session.execute(update(Product).where(Product.id == product.id).values(status="archived"))
        session.commit()
    assert shopper.get("/products/kemeja-parang").status_code == 404
    warm(shopper, "/")
    with ctx() as session:
        session.get(Tenant, store.id).name = "Batik Sari Jaya"
        session.commit()
    assert "Batik Sari Jaya" in shopper.get("/").get_data(as_text=True)


def test_rows_no_page_shows_leave_the_cache_alone(shop, ctx, store):
    shopper, _product = shop
    warm(shopper, "/")
    with ctx(store.id) as session:
        session.add(Subscriber(email="pembeli@example.com"))
        session.commit()
    assert shopper.get("/").headers["X-Cache"] == "HIT"


def test_one_stores_change_leaves_another_stores_cache_and_never_crosses_it(shop, create_store, create_product,
                                                                         store_client, ctx, store):
    shopper, product = shop
    other = create_store(name="Toko Lain", slug="toko-lain")
    create_product(other, title="Kemeja Parang", status="active", price=99_000_00)
    neighbour = store_client(other)
    warm(shopper, "/products/kemeja-parang")
    theirs = warm(neighbour, "/products/kemeja-parang").get_data(as_text=True)
    assert "Toko Lain" in theirs and ("99.000" in theirs or "99,000" in theirs) and "Batik Sari" not in theirs
    with ctx(store.id) as session:
        session.scalar(select(Product).where(Product.id == product.id)).title = "Kemeja Baru"
        session.commit()
    assert shopper.get("/products/kemeja-parang").headers["X-Cache"] == "MISS"
    assert neighbour.get("/products/kemeja-parang").headers["X-Cache"] == "HIT"


def test_previews_the_cart_and_posts_are_never_cached(shop, store, app):
    shopper, _product = shop
    for _ in range(2):
        assert "X-Cache" not in shopper.get("/?preview=not-a-token").headers
        assert "X-Cache" not in shopper.get("/cart").headers
    posted = shopper.post("/cart/add", data={"variant_id": "1"})
    assert posted.status_code == 303 and "X-Cache" not in posted.headers


def test_a_suspended_store_is_not_served_from_the_cache(shop, ctx, store):
    shopper, _product = shop
    warm(shopper, "/")
    with ctx() as session:
        session.get(Tenant, store.id).status = "suspended"
        session.commit()
    assert shopper.get("/").status_code == 503


def test_pages_are_still_built_when_the_cache_server_fails(shop, monkeypatch, app):
    shopper, _product = shop
    warm(shopper, "/products/kemeja-parang")

    def broken(*args, **kwargs):
        raise ConnectionError("cache server down")

    backend = app.extensions["cache"][page_cache.cache]
    for method in ("get", "set", "add"):
        monkeypatch.setattr(backend, method, broken)
    for _ in range(2):
        response = shopper.get("/products/kemeja-parang")
        assert response.status_code == 200 and "Kemeja Parang" in response.get_data(as_text=True)
        assert "X-Cache" not in response.headers


def test_the_cache_can_be_turned_off(shop, app, monkeypatch):
    shopper, _product = shop
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    for _ in range(2):
        assert "X-Cache" not in shopper.get("/").headers


def test_a_host_taken_over_by_another_store_never_serves_the_old_stores_pages(shop, ctx, store, create_store,
                                                                            create_product, store_client):
    shopper, _product = shop
    warm(shopper, "/products/kemeja-parang")
    with ctx() as session:
        session.get(Tenant, store.id).slug = "batik-sari-lama"
        session.commit()
    newcomer = create_store(name="Toko Baru", slug="batik-sari")  # the freed name, on the same host
    create_product(newcomer, title="Kemeja Parang", status="active", price=55_000_00)
    for _ in range(3):
        html = shopper.get("/products/kemeja-parang").get_data(as_text=True)
        assert "Toko Baru" in html and "Batik Sari<" not in html


def test_related_products_are_cached_like_pages_and_dropped_with_them(shop, store, create_product, count_queries):
    shopper, product = shop
    url = f"/recommendations/products?product_id={product.id}&section_id=related"
    first = warm(shopper, url)
    with count_queries() as queries:
        again = shopper.get(url)
    assert queries == [] and again.data == first.data
    create_product(store, title="Kemeja Kawung", status="active")
    fresh = shopper.get(url)
    assert fresh.headers["X-Cache"] == "MISS" and "Kemeja Kawung" in fresh.get_data(as_text=True)
