"""On PostgreSQL, read-only storefront pages read in autocommit (no BEGIN, no COMMIT), and refuse to write."""
import os
import re

import pytest
from sqlalchemy import event, select

from saas.extensions import db
from saas.ids import new_id
from saas.tenants.scoping import bound_tenant

pytestmark = [
    pytest.mark.postgres, pytest.mark.no_transaction,  # outside the tests' rolled-back transaction, as in production
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (psycopg's autocommit)"),
]


@pytest.fixture
def shop(committed_store):
    from saas.catalog import services as catalog

    def fill(tenant):
        product = catalog.create_product(tenant, title="Kain Baca", options=(), price=100_000_00, stock=5,
                                         status="active")
        return product.slug, product.id

    tenant_id, owner_id, (slug, product_id) = committed_store("Toko Baca", "toko-baca", fill)
    return tenant_id, owner_id, slug, product_id


@pytest.fixture
def autocommit_seen(app):
    """Whether psycopg was in autocommit for each statement the app ran."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((conn.connection.dbapi_connection.autocommit, statement))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_read_only_pages_read_in_autocommit_and_others_in_a_transaction(app, shop, autocommit_seen, monkeypatch):
    _tenant_id, _owner_id, slug, product_id = shop
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)  # every page built, none answered from the cache
    client = app.test_client()
    client.default_base_url = "http://toko-baca.localhost"
    for _ in range(2):  # a new host is read twice (hosts.py), in a transaction; later requests know it
        client.get("/robots.txt")
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    content_page = re.search(r"<loc>https?://[^/]+(/pages/[^<]+)</loc>", sitemap)[1]  # a new store's own pages
    for path in ("/", f"/products/{slug}", "/collections/all", "/search?q=kain", content_page, "/sitemap.xml",
                 f"/recommendations/products?product_id={product_id}&section_id=related", "/products/nothing-here"):
        autocommit_seen.clear()
        assert client.get(path).status_code == (404 if "nothing" in path else 200), path
        assert autocommit_seen and all(autocommit for autocommit, _sql in autocommit_seen), path
    autocommit_seen.clear()
    assert client.get("/cart").status_code == 200
    assert not any(autocommit for autocommit, _sql in autocommit_seen)
    with app.app_context():  # the connection went back to the pool in its usual mode
        assert db.session.connection().connection.dbapi_connection.autocommit is False


def test_a_read_only_page_that_writes_is_refused_and_keeps_nothing(app, shop, monkeypatch):
    from saas.content.models import Page
    from saas.storefront import listing

    tenant_id, _owner_id, slug, _product_id = shop
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    real_related = listing.RelatedLater

    def related_that_writes():
        db.session.add(Page(id=new_id(), tenant_id=tenant_id, title="Tulisan gelap", slug="tulisan-gelap", body_html=""))
        db.session.flush()
        return real_related()

    monkeypatch.setattr(listing, "RelatedLater", related_that_writes)
    client = app.test_client()
    client.default_base_url = "http://toko-baca.localhost"
    for _ in range(2):
        client.get("/robots.txt")
    assert client.get(f"/products/{slug}").status_code == 500
    with app.app_context(), bound_tenant(tenant_id):
        assert db.session.scalar(select(Page.id).where(Page.slug == "tulisan-gelap")) is None
