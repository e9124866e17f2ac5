"""The demo store's catalog: what `make run` seeds, and that seeding twice changes nothing."""
import pytest
from sqlalchemy import func, select

from saas.accounts import services as accounts
from saas.catalog import collections, demo
from saas.catalog.models import (
    Collection,
    CollectionKind,
    CollectionProduct,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductStatus,
    StockState,
    Variant,
)
from saas.cli import DEMO_EMAIL
from saas.seed import DEMO_SLUG, _create_demo_tenant, seed_demo_store
from saas.storage.models import MediaFile
from saas.tenants.services import store_by_slug

COUNTED = (Product, Variant, ProductImage, MediaFile, Collection, CollectionProduct, InventoryAdjustment)


@pytest.fixture(autouse=True)
def _small_images(monkeypatch):
    """Small pictures keep the test quick; their size changes nothing else."""
    monkeypatch.setattr(demo, "SIZE", 96)


def _demo_id(ctx) -> int:
    with ctx():
        return store_by_slug(DEMO_SLUG).id


def _counts(ctx, tenant_id) -> tuple:
    with ctx(tenant_id) as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) for model in COUNTED)


def test_the_demo_store_gets_a_believable_catalog(ctx):
    with ctx():
        assert seed_demo_store() == "created"
    tenant_id = _demo_id(ctx)
    with ctx(tenant_id) as session:
        products = session.scalars(select(Product)).all()
        assert 20 <= len(products) <= 30
        assert all(p.title and p.vendor and p.tags and p.seo_title and p.seo_description for p in products)
        assert all(p.description_html.startswith("<p>") for p in products)
        assert all(1 <= len(p.images) <= 3 for p in products)
        assert all(189_000_00 <= p.price_min <= p.price_max <= 1_250_000_00 for p in products)
        assert {p.status for p in products} == {ProductStatus.ACTIVE, ProductStatus.DRAFT}

        with_options = [p for p in products if p.options]
        assert len(with_options) >= 8
        assert any(p.variant_count >= 6 for p in with_options)
        assert all(p.variant_count == len(p.variants) for p in products)
        variants = session.scalars(select(Variant)).all()
        skus = [v.sku for v in variants]
        assert all(skus) and len(set(skus)) == len(skus)
        assert all(v.weight_grams > 0 for v in variants)
        # a colour's variants show that colour's picture
        scarf = next(p for p in products if p.title == "Selendang Sutra Batik Lereng")
        assert len({v.image_id for v in scarf.variants}) == 3 == len(scarf.images)

        on_sale = {p.id for p in products if p.on_sale}
        assert len(on_sale) >= 4
        assert all(v.compare_at_price > v.price for v in variants if v.product_id in on_sale)
        states = {p.stock_state for p in products}
        assert {StockState.IN_STOCK, StockState.LOW, StockState.OUT} <= states
        assert session.scalar(select(func.count()).select_from(InventoryAdjustment)) == sum(
            1 for v in variants if v.stock)

        everything = session.scalars(select(Collection).order_by(Collection.title)).all()
        assert len(everything) == 4
        for collection in everything:
            members = collections.products_in(collection)
            assert members and collection.product_count == len(members)
            assert collection.image_media_id is not None
        promo = next(c for c in everything if c.title == "Promo")
        assert promo.kind == CollectionKind.AUTOMATED
        assert {p.id for p in collections.products_in(promo)} == on_sale
        # every product is in at least one collection
        listed = set(session.scalars(select(CollectionProduct.product_id)))
        assert listed == {p.id for p in products}


def test_seeding_again_changes_nothing(ctx):
    with ctx():
        seed_demo_store()
    tenant_id = _demo_id(ctx)
    before = _counts(ctx, tenant_id)
    with ctx():
        assert seed_demo_store() == "unchanged"
    assert _counts(ctx, tenant_id) == before


def test_a_demo_store_seeded_before_the_catalog_gets_it(ctx):
    """Development databases made before the catalog existed get it on the next `make run`."""
    with ctx() as session:
        user = accounts.find_user(DEMO_EMAIL) or accounts.create_user(DEMO_EMAIL, "kopi-susu-gula-aren", "Sari")
        _create_demo_tenant(user)
        session.commit()
    tenant_id = _demo_id(ctx)
    assert _counts(ctx, tenant_id)[0] == 0
    with ctx():
        assert seed_demo_store() == "catalog added"
    counts = _counts(ctx, tenant_id)
    assert counts[0] == len(demo.PRODUCTS) and counts[4] == 4


def test_pictures_are_the_same_every_time():
    spec = ("tote", "ceplok", "marun", "TAS-CPL:marun")
    assert demo._draw(spec) == demo._draw(spec)
    assert demo._draw(spec) != demo._draw(("tote", "ceplok", "marun", "another seed"))
