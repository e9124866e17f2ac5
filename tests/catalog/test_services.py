"""The catalog's rules, through the service layer (the builder tests drive the same rules over HTTP)."""
import pytest
from sqlalchemy import select

from saas.catalog import collections, services as catalog
from saas.catalog.models import (
    AdjustmentReason,
    CollectionKind,
    InventoryAdjustment,
    Product,
    ProductStatus,
    StockState,
    Variant,
)
from saas.extensions import db
from saas.tenants.models import Tenant

SIZES = [{"name": "Ukuran", "values": ["S", "M", "L"]}]


def _store(tenant_id):
    return db.session.get(Tenant, tenant_id)


def test_options_generate_the_variant_matrix(create_store, create_product, ctx):
    store = create_store()
    product = create_product(store, options=SIZES + [{"name": "Warna", "values": ["Merah", "Biru"]}])
    assert [v.title for v in product.variants] == ["S / Merah", "S / Biru", "M / Merah", "M / Biru", "L / Merah", "L / Biru"]
    assert all(v.price == 150_000_00 for v in product.variants)


def test_changing_options_keeps_matching_variants(create_store, create_product, ctx):
    store = create_store()
    product = create_product(store, options=SIZES)
    with ctx(store.id) as session:
        product = session.get(Product, (store.id, product.id))
        medium = product.variants[1]
        catalog.update_variant(medium, catalog.VariantValues(price=99_000_00, sku="KMJ-M"), _store(store.id), stock=4)
        catalog.set_options(product, [{"name": "Ukuran", "values": ["M", "XL"]}], _store(store.id))
        titles = {v.title: v for v in product.variants}
        assert list(titles) == ["M", "XL"]
        assert titles["M"].id == medium.id and titles["M"].sku == "KMJ-M" and titles["M"].stock == 4
        assert titles["XL"].sku is None and titles["XL"].stock == 0
        session.rollback()


def test_duplicate_option_values_are_refused(create_store, ctx):
    store = create_store()
    with ctx(store.id):
        with pytest.raises(catalog.CatalogErrors) as raised:
            catalog.create_product(_store(store.id), title="Kaos", options=[{"name": "Ukuran", "values": ["S", "s"]}])
        assert "option_0" in raised.value.errors
        assert db.session.scalar(select(Product).where(Product.title == "Kaos")) is None


def test_bad_variant_values_are_refused_together(create_store, create_product, ctx):
    store = create_store()
    create_product(store, default_variant=catalog.VariantValues(price=10_000_00, sku="SKU-1"))
    with ctx(store.id):
        with pytest.raises(catalog.CatalogErrors) as raised:
            catalog.create_product(_store(store.id), title="Dup", default_variant=catalog.VariantValues(
                price=50_000_00, compare_at_price=40_000_00, sku="sku-1"))
        assert set(raised.value.errors) == {"compare_at_price", "sku"}


def test_slug_clash_is_suffixed_and_a_change_leaves_a_redirect(create_store, create_product, ctx):
    store = create_store()
    first = create_product(store, title="Kemeja Batik")
    second = create_product(store, title="Kemeja Batik")
    assert (first.slug, second.slug) == ("kemeja-batik", "kemeja-batik-2")
    with ctx(store.id) as session:
        product = session.get(Product, (store.id, first.id))
        catalog.update_product(product, tenant=_store(store.id), title="Kemeja", slug="kemeja-biru",
                               description_html="<p>Hi<script>alert(1)</script></p>", status="active", vendor="",
                               seo_title="", seo_description="", tags="Batik, batik , Pria")
        assert product.slug == "kemeja-biru"
        assert product.description_html == "<p>Hi</p>"
        assert product.tags == ["Batik", "Pria"]
        assert catalog.redirect_target("product", "kemeja-batik") == first.id
        session.rollback()


def test_stock_changes_are_recorded(create_store, create_product, ctx, create_user):
    store = create_store(low_stock_threshold=3)
    product = create_product(store, stock=10)
    with ctx(store.id) as session:
        variant = session.get(Variant, (store.id, product.variants[0].id))
        catalog.adjust_stock(variant, -8, AdjustmentReason.DAMAGED, tenant=_store(store.id), note="banjir")
        assert variant.product.stock_state == StockState.LOW
        history = catalog.stock_history(variant.product)
        assert [(h.delta, h.quantity_after, h.reason) for h in history] == [
            (-8, 2, AdjustmentReason.DAMAGED), (10, 10, AdjustmentReason.INITIAL)]
        with pytest.raises(catalog.CatalogError):
            catalog.adjust_stock(variant, -5, AdjustmentReason.CORRECTION, tenant=_store(store.id))
        session.rollback()


def test_automated_collection_follows_product_changes(create_store, create_product, ctx):
    store = create_store()
    cheap = create_product(store, title="Murah", price=50_000_00, tags="sale")
    create_product(store, title="Mahal", price=500_000_00)
    with ctx(store.id) as session:
        tenant = _store(store.id)
        sale = collections.save_collection(tenant, None, title="Sale", kind=CollectionKind.AUTOMATED, match_all=True,
                                           rules=[{"field": "tag", "relation": "equals", "value": "SALE"},
                                                  {"field": "price", "relation": "less_than", "value": "100.000"}])
        assert [p.id for p in collections.products_in(sale)] == [cheap.id]
        product = session.get(Product, (store.id, cheap.id))
        catalog.update_product(product, tenant=tenant, title="Murah", slug=product.slug, description_html="",
                               status=ProductStatus.ACTIVE, vendor="", seo_title="", seo_description="", tags="")
        assert collections.products_in(sale) == [] and sale.product_count == 0
        session.rollback()


def test_manual_collection_order(create_store, create_product, ctx):
    store = create_store()
    a, b, c = (create_product(store, title=t) for t in "ABC")
    with ctx(store.id) as session:
        manual = collections.save_collection(_store(store.id), None, title="Pilihan")
        assert collections.add_products(manual, [a.id, b.id, c.id, a.id]) == 3
        collections.reorder(manual, [c.id, a.id])
        assert [p.title for p in collections.products_in(manual)] == ["C", "A", "B"]
        catalog.delete_product(session.get(Product, (store.id, a.id)))
        assert manual.product_count == 2
        assert session.scalar(select(InventoryAdjustment).where(InventoryAdjustment.product_id == a.id)) is None
        session.rollback()
