"""Shoppers see active products on the store's host; old slugs answer with a 301."""
from saas.catalog import services as catalog
from saas.catalog.models import Product
from saas.extensions import db
from saas.tenants.models import Tenant


def test_active_products_are_shown_and_drafts_are_not(create_store, create_product, store_client):
    store = create_store()
    create_product(store, title="Kemeja Tampil", status="active", price=189_000_00)
    create_product(store, title="Draf Rahasia")
    html = store_client(store).get("/").get_data(as_text=True)
    assert "Kemeja Tampil" in html and "Draf Rahasia" not in html
    assert store_client(store).get("/products/draf-rahasia").status_code == 404


def test_old_slug_redirects_permanently(create_store, create_product, store_client, ctx):
    store = create_store()
    product = create_product(store, title="Kain Lama", status="active")
    with ctx(store.id) as session:
        found = session.get(Product, (store.id, product.id))
        catalog.update_product(found, tenant=session.get(Tenant, store.id), title="Kain Baru", slug="kain-baru",
                               description_html="", status="active", vendor="", seo_title="", seo_description="", tags="")
        db.session.commit()
    response = store_client(store).get("/products/kain-lama")
    assert response.status_code == 301 and response.headers["Location"].endswith("/products/kain-baru")
    assert "Kain Baru" in store_client(store).get("/products/kain-baru").get_data(as_text=True)


def test_another_stores_product_is_not_found(create_store, create_product, store_client):
    mine, theirs = create_store(), create_store()
    create_product(theirs, title="Milik Toko Lain", status="active")
    assert store_client(mine).get("/products/milik-toko-lain").status_code == 404
