"""Pickers that link to a product (menu items, theme sections) find any of the store's products, not only the
first few hundred that their list starts with, and never lose one already chosen."""
import re

import pytest

from saas.builder import themes as theme_views
from saas.catalog.services import VariantValues
from saas.builder import content as content_views
from saas.storefront import look

BASE = "/stores/batik-sari"


@pytest.fixture
def store(own_store):
    return own_store("Sari", name="Batik Sari", slug="batik-sari", locale="en")


def lookup(client, **args):
    response = client.get(f"{BASE}/products/lookup", query_string=args)
    assert response.status_code == 200
    return [(p["title"], p["status"]) for p in response.json["products"]]


def test_the_lookup_finds_this_stores_products_by_title_or_sku(client, store, create_store, create_product):
    create_product(store, title="Kain Songket Palembang", status="active",
                   default_variant=VariantValues(price=100_000_00, sku="SGK-01"))
    create_product(store, title="Songket Draf", status="draft")
    create_product(store, title="Kemeja Parang", status="active")
    other = create_store(name="Toko Lain", slug="toko-lain")
    create_product(other, title="Songket Toko Lain", status="active")
    assert lookup(client, q="songket") == [("Kain Songket Palembang", "active"), ("Songket Draf", "draft")]
    assert lookup(client, q="songket", active="1") == [("Kain Songket Palembang", "active")]
    assert lookup(client, q="SGK-01") == [("Kain Songket Palembang", "active")]
    assert len(lookup(client, q="")) == 3


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "%' OR 1=1 --", "ü" * 500, "%", "_"])
def test_the_lookup_survives_hostile_queries(client, store, create_product, query):
    create_product(store, title="Kain", status="active")
    assert lookup(client, q=query) == []


def test_the_lookup_is_for_the_stores_members_only(app, client, store, create_user, create_store, login):
    assert app.test_client().get(f"{BASE}/products/lookup?q=x").status_code in (302, 401)
    stranger = create_user()
    create_store(owner=stranger, slug="punya-orang")
    theirs = app.test_client()
    login(theirs, stranger)
    assert theirs.get(f"{BASE}/products/lookup?q=x").status_code == 404
    assert theirs.get("/stores/punya-orang/products/lookup?q=x").status_code == 200


def test_the_lookup_returns_at_most_twenty(client, store, create_product):
    for i in range(25):
        create_product(store, title=f"Batik {i:02}", status="active")
    assert len(lookup(client, q="batik")) == 20


def test_a_section_keeps_its_product_when_it_is_past_the_first_ones_listed(client, store, create_product, ctx,
                                                                         monkeypatch):
    create_product(store, title="Aaa Pertama", status="active")
    chosen = create_product(store, title="Zzz Terakhir", status="active")
    with ctx(store.id) as session:
        theme, data = look.start_draft("minimal")
        section_id = look.add_section(theme, data, "home", "featured-product")
        data["templates"]["home"]["sections"][section_id]["settings"]["product"] = str(chosen.id)
        look.save_draft(theme, data)
        session.commit()
    monkeypatch.setattr(theme_views, "PICK_LIMIT", 1)
    html = client.get(f"{BASE}/themes/editor?page=home&section={section_id}").get_data(as_text=True)
    import sys; print(re.findall(r"<h1[^>]*>.*?</h1>|<title>.*?</title>|data-id=\"[^\"]+\"", html)[:20], file=sys.stderr)
    assert re.search(rf'<option value="{chosen.id}"\s+selected>Zzz Terakhir</option>', html), "the chosen one is offered"
    assert "Aaa Pertama" in html
    assert "data-product-search" in html and "Find a product for" in html


def test_the_menu_editor_offers_a_product_search_box(client, store, create_product, monkeypatch):
    create_product(store, title="Kain Songket", status="active")
    monkeypatch.setattr(content_views, "PICK_LIMIT", 0)
    html = client.get(f"{BASE}/navigation/main").get_data(as_text=True)
    assert html.count("data-product-search") >= 1 and "products/lookup" in html
