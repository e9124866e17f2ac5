"""Prepared reads (tenants/prepared.py): compiled once with the tenant filter, and as safe as an ORM read."""
import pytest
from sqlalchemy import bindparam, select

from saas.catalog import product_page
from saas.catalog.models import Product, ProductStatus, Variant
from saas.extensions import db
from saas.sql_json import in_order
from saas.tenants.prepared import PreparedRead
from saas.tenants.scoping import TenantNotBound, UnscopedStatement, unscoped

BY_SLUG = select(Product.id, Product.title, Product.status, Product.options, Product.on_sale).where(
    Product.slug == bindparam("slug"))


def test_a_prepared_read_sees_only_the_bound_store(create_store, create_product, ctx):
    a, b = create_store(), create_store()
    mine = create_product(a, title="Kemeja Sama", options=[{"name": "Ukuran", "values": ["S", "M"]}])
    create_product(b, title="Kemeja Sama")
    read = PreparedRead(BY_SLUG)
    with ctx(a.id):
        assert read.rows(slug="kemeja-sama") == [(mine.id, "Kemeja Sama", ProductStatus.DRAFT,
                                                  [{"name": "Ukuran", "values": ["S", "M"]}], False)]
    with ctx(create_store().id):
        assert read.rows(slug="kemeja-sama") == []
        assert read.first(slug="kemeja-sama") is None


def test_a_prepared_read_with_no_store_bound_is_refused(app, create_store, create_product):
    create_product(create_store(), title="Kemeja")
    read = PreparedRead(BY_SLUG)
    with app.app_context():
        with pytest.raises(TenantNotBound):
            read.rows(slug="kemeja")
        with unscoped(), pytest.raises(TenantNotBound):  # it never crosses stores
            read.rows(slug="kemeja")


def test_only_statements_the_tenant_filter_can_see_are_prepared():
    with pytest.raises(UnscopedStatement):
        PreparedRead(select(Product.__table__.c.id))
    with pytest.raises(UnscopedStatement):
        PreparedRead(select(bindparam("x")))


def test_expanding_parameters_are_refused_when_first_run(create_store, ctx):
    read = PreparedRead(select(Product.id).where(Product.id.in_(bindparam("ids", expanding=True))))
    with ctx(create_store().id), pytest.raises(ValueError):
        read.rows(ids=[1, 2])


def test_a_prepared_read_runs_in_the_sessions_transaction_and_is_counted(create_store, ctx, count_queries):
    store = create_store()
    read = PreparedRead(select(Variant.id).join(Variant.product).where(Product.slug == bindparam("slug")))
    with ctx(store.id) as session:
        from saas.catalog import services as catalog
        from saas.tenants.models import Tenant

        product = catalog.create_product(session.get(Tenant, store.id), title="Belum Disimpan", price=100_00, stock=1)
        session.flush()  # not committed: only the same transaction sees it
        with count_queries() as queries:
            assert read.rows(slug=product.slug) == [(product.variants[0].id,)]
        assert len(queries) == 1 and "tenant_id" in queries[0]
        session.rollback()


def test_the_product_page_values_match_the_models(create_store, create_product, ctx):
    import io

    from PIL import Image

    from saas.catalog import services as catalog

    store = create_store()
    made = create_product(store, title="Kain Ikat", status="active", options=[{"name": "Warna", "values": ["Merah", "Biru"]}],
                          vendor="Sumba", description_html="<p>Halus</p>")
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), (90, 30, 30)).save(buffer, "JPEG")
    with ctx(store.id) as session:
        product = session.get(Product, (store.id, made.id))
        for alt in ("Depan", "Belakang", "Samping"):
            catalog.add_image(product, buffer.getvalue(), f"{alt}.jpg", alt=alt)
        session.flush()
        # positions against the order the rows were made in, so neither id nor insertion order gives them
        catalog.reorder_images(product, [image.id for image in reversed(product.images)])
        product.variants[0].allow_backorder, product.variants[0].compare_at_price = True, 150_00
        product.variants[1].position, product.variants[0].position = 0, 1
        session.commit()
    with ctx(store.id):
        shown = product_page.product_for_page("kain-ikat")
        product = db.session.get(Product, (store.id, made.id))
        for name in ("id", "slug", "title", "description_html", "vendor", "options", "price_min", "price_max",
                     "on_sale", "stock_state"):
            assert getattr(shown, name) == getattr(product, name), name
        fields = ("id", "option_values", "title", "price", "compare_at_price", "stock", "track_stock",
                  "allow_backorder", "low_stock_threshold", "sku", "barcode", "image_id")
        assert [tuple(getattr(v, name) for name in fields) for v in shown.variants] == [
            tuple(getattr(v, name) for name in fields) for v in product.variants]
        assert [v.option1 for v in shown.variants] == ["Biru", "Merah"]
        assert all(type(v.track_stock) is bool and type(v.allow_backorder) is bool for v in shown.variants)
        assert [(i.id, i.alt, i.media.id, i.media.renditions) for i in shown.images] == [
            (i.id, i.alt, i.media.id, i.media.renditions) for i in product.images]
        assert [i.alt for i in shown.images] == ["Samping", "Belakang", "Depan"]
        assert product_page.product_for_page("no-such-product") is None
    with ctx(create_store().id):
        assert product_page.product_for_page("kain-ikat") is None


def test_the_product_pages_images_and_variants_come_in_position_order_whatever_order_the_database_gives():
    # The JSON aggregates have no set order (json_agg and json_group_array follow whatever plan the database
    # picks): the indexes make both databases give position order here, so the rows are shuffled by hand.
    rows = [[2, 11, "c"], [0, 30, "a"], [1, 5, "b"], [1, 7, "b2"]]
    assert in_order(rows) == [[0, 30, "a"], [1, 5, "b"], [1, 7, "b2"], [2, 11, "c"]]
    assert in_order(None) == [] and in_order([]) == []
