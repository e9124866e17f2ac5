"""The store frame (look, menus, promotion badges, logo) is built once per store version: with the page cache
off, a second page reads none of it again, yet every kind of change shows on the next page, and one store's
frame is never another's."""
import re
from datetime import timedelta

import pytest

from saas.content import services as content
from saas.orm import utcnow
from saas.storefront import cache as page_cache
from saas.storefront import frame
from tests.promotions.factories import make_discount

BASE = "/stores/batik-sari"
FRAME_TABLES = ("menu_items", "store_themes", "discounts", "discount_targets")


@pytest.fixture(autouse=True)
def _built_pages(app, monkeypatch):
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)  # every page below is built, not served whole


@pytest.fixture
def store(own_store):
    return own_store(name="Batik Sari", slug="batik-sari", locale="en")


@pytest.fixture
def shopper(store, create_product, store_client):
    create_product(store, title="Kemeja Parang", status="active", price=150_000_00, stock=5)
    return store_client(store)


def frame_queries(queries):
    return [q for q in queries if any(f" {table}" in q.split(" WHERE ")[0] for table in FRAME_TABLES)]


def set_menu(ctx, store, title):
    with ctx(store.id) as session:
        content.save_menu("main", [{"title": title, "link_type": "url", "target_id": None,
                                    "url": "https://example.com/promo", "children": []}])
        session.commit()


def test_a_second_page_reads_no_store_wide_data_again(shopper, count_queries):
    with count_queries() as first:
        assert shopper.get("/products/kemeja-parang").status_code == 200
    assert frame_queries(first), "the first page builds the frame"
    with count_queries() as second:
        assert shopper.get("/collections/all").status_code == 200
        assert shopper.get("/").status_code == 200
    assert frame_queries(second) == []
    assert any("products" in q for q in second), "what the page is about is still read for each page"


def test_a_menu_change_shows_on_the_next_page(shopper, ctx, store):
    assert "Promo Lebaran" not in shopper.get("/").get_data(as_text=True)
    set_menu(ctx, store, "Promo Lebaran")
    assert "Promo Lebaran" in shopper.get("/").get_data(as_text=True)
    set_menu(ctx, store, "Promo Kemerdekaan")
    html = shopper.get("/products/kemeja-parang").get_data(as_text=True)
    assert "Promo Kemerdekaan" in html and "Promo Lebaran" not in html


def test_publishing_a_theme_shows_on_the_next_page_but_a_draft_does_not(shopper, client):
    assert "/theme-assets/minimal/" in shopper.get("/").get_data(as_text=True)
    assert client.post(f"{BASE}/themes/use", data={"theme": "pasar"}).status_code == 302
    assert "/theme-assets/pasar/" not in shopper.get("/").get_data(as_text=True)
    assert client.post(f"{BASE}/themes/publish").status_code == 302
    assert "/theme-assets/pasar/" in shopper.get("/").get_data(as_text=True)


def test_a_new_automatic_discount_shows_its_badge_on_the_next_page(shopper, app, store):
    assert "20% off" not in shopper.get("/collections/all").get_data(as_text=True)
    make_discount(app, store, method="automatic", title="Diskon", percentage_bp=2000, scope="order")
    assert "20% off" in shopper.get("/products/kemeja-parang").get_data(as_text=True)


def test_a_scheduled_discount_starts_showing_when_it_starts_with_no_change_to_the_store(shopper, app, store,
                                                                                         monkeypatch):
    make_discount(app, store, method="automatic", title="Nanti", percentage_bp=1500, scope="order",
                  starts_at=utcnow() + timedelta(hours=1))
    assert "15% off" not in shopper.get("/products/kemeja-parang").get_data(as_text=True)
    later = utcnow() + timedelta(hours=2)
    for module in ("saas.storefront.frame", "saas.promotions.offers", "saas.promotions.services"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: later, raising=False)
    assert "15% off" in shopper.get("/products/kemeja-parang").get_data(as_text=True)


def test_a_new_logo_shows_on_the_next_page(shopper, client, store):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (150, 30, 60)).save(buffer, "PNG")
    before = shopper.get("/").get_data(as_text=True)
    assert "/logo/" not in before
    form = {"name": "Batik Sari", "contact_email": "toko@example.test", "contact_phone": "", "address": "",
            "locale": "en", "currency": "IDR", "timezone": "Asia/Jakarta", "low_stock_threshold": "5",
            "logo": (io.BytesIO(buffer.getvalue()), "logo.png")}
    assert client.post(f"{BASE}/settings", data=form, content_type="multipart/form-data").status_code == 302
    assert "/logo/" in shopper.get("/").get_data(as_text=True)


def test_one_stores_frame_is_never_anothers(shopper, ctx, store, create_store, create_product, store_client):
    other = create_store(name="Toko Lain", slug="toko-lain", locale="en")
    create_product(other, title="Kemeja Parang", status="active", price=99_000_00)
    neighbour = store_client(other)
    set_menu(ctx, store, "Menu Batik Sari")
    ours = shopper.get("/products/kemeja-parang").get_data(as_text=True)
    theirs = neighbour.get("/products/kemeja-parang").get_data(as_text=True)
    assert "Menu Batik Sari" in ours
    assert "Menu Batik Sari" not in theirs and "Toko Lain" in theirs
    set_menu(ctx, other, "Menu Toko Lain")
    assert "Menu Toko Lain" not in shopper.get("/").get_data(as_text=True)
    assert "Menu Toko Lain" in neighbour.get("/").get_data(as_text=True)


def test_without_the_cache_server_the_frame_is_built_for_every_page(shopper, ctx, store, app, monkeypatch,
                                                                   count_queries):
    def broken(*args, **kwargs):
        raise ConnectionError("cache server down")

    backend = app.extensions["cache"][page_cache.cache]
    for method in ("get", "set", "add"):
        monkeypatch.setattr(backend, method, broken)
    shopper.get("/")
    with count_queries() as queries:
        assert shopper.get("/").status_code == 200
    assert frame_queries(queries), "no version to trust: nothing is kept"
    set_menu(ctx, store, "Promo Lebaran")
    assert "Promo Lebaran" in shopper.get("/").get_data(as_text=True)


def test_the_frame_cache_can_be_turned_off(shopper, app, monkeypatch, count_queries):
    monkeypatch.setitem(app.config, "STORE_FRAME_CACHE", False)
    shopper.get("/")
    with count_queries() as queries:
        shopper.get("/")
    assert frame_queries(queries)


def test_a_full_frame_starts_afresh(shopper, monkeypatch):
    monkeypatch.setattr(frame, "MAX_ENTRIES", 1)
    for _ in range(3):
        assert shopper.get("/products/kemeja-parang").status_code == 200
    assert len(frame._entries) <= 1


def test_the_search_page_builds_its_own_header_with_the_query_in_it(shopper):
    def search_box(html):
        return re.search(r'<input id="site-search-q"[^>]*value="([^"]*)"', html)[1]

    assert search_box(shopper.get("/").get_data(as_text=True)) == ""
    assert search_box(shopper.get("/search?q=kemeja").get_data(as_text=True)) == "kemeja"
    assert search_box(shopper.get("/products/kemeja-parang").get_data(as_text=True)) == ""


def test_a_draft_preview_shows_the_drafts_header_not_the_stores(shopper, client):
    assert client.post(f"{BASE}/themes/use", data={"theme": "pasar"}).status_code == 302
    shopper.get("/")  # the published chrome (minimal) is built and kept
    editor = client.get(f"{BASE}/themes/editor").get_data(as_text=True)
    token = re.search(r'preview=([A-Za-z0-9._-]+)', editor)[1]
    preview = shopper.get(f"/?preview={token}").get_data(as_text=True)
    assert 'class="pasar-chips"' in preview  # Pasar's own header, not the live store's
    live = shopper.get("/").get_data(as_text=True)
    assert 'class="pasar-chips"' not in live and "/theme-assets/pasar/" not in live
