"""Storefront product search: ranking, fields, typos, hostile input, drafts, stores apart, and the index in step."""
import pytest
from sqlalchemy import text

from saas.catalog import fulltext
from saas.catalog import services as catalog
from saas.catalog.models import Product, ProductStatus, Variant
from saas.catalog.services import VariantValues
from saas.extensions import db
from saas.tenants.models import Tenant
from saas.tenants.scoping import TenantNotBound


@pytest.fixture
def search(ctx):
    """search(store, query, **kw) -> [titles], total"""

    def run(store, query, **kw):
        with ctx(store.id):
            products, total = fulltext.search_products(query, **kw)
            return [p.title for p in products], total

    return run


@pytest.fixture
def suggest(ctx):
    def run(store, query):
        with ctx(store.id):
            return fulltext.suggest(query)

    return run


@pytest.fixture
def shop(create_store, create_product):
    store = create_store()
    create_product(store, title="Kemeja Batik Parang", status="active", vendor="Omah Laweyan", tags="pria, kantor",
                   description_html="<p>Katun <strong>primisima</strong>, lengan panjang.</p>")
    create_product(store, title="Kain Tulis Sogan", status="active", vendor="Batik Giriloyo", tags="premium",
                   description_html="<p>Cocok untuk kemeja atau dress.</p>",
                   default_variant=VariantValues(price=350_000_00, sku="SGN-042-XL"))
    create_product(store, title="Blus Kawung", status="active", tags="wanita, lebaran",
                   description_html="<p>Motif klasik dari Yogyakarta.</p>")
    create_product(store, title="Kemeja Rahasia", description_html="draf")  # a draft
    return store


def test_title_match_ranks_above_description_match(shop, search):
    titles, total = search(shop, "kemeja")
    assert titles == ["Kemeja Batik Parang", "Kain Tulis Sogan"] and total == 2


@pytest.mark.parametrize("query, expected", [
    ("SGN-042-XL", "Kain Tulis Sogan"),  # SKU as typed
    ("sgn042xl", "Kain Tulis Sogan"),  # SKU without its punctuation
    ("lebaran", "Blus Kawung"),  # tag
    ("giriloyo", "Kain Tulis Sogan"),  # vendor
    ("yogyakarta", "Blus Kawung"),  # description
    ("primisima", "Kemeja Batik Parang"),  # text inside markup
    ("LENGAN panjang", "Kemeja Batik Parang"),  # case, several words
])
def test_every_field_is_searched(shop, search, query, expected):
    assert search(shop, query)[0] == [expected]


def test_prefix_of_the_last_word(shop, search):
    assert search(shop, "kem")[0][0] == "Kemeja Batik Parang"
    assert search(shop, "batik par")[0] == ["Kemeja Batik Parang"]
    assert search(shop, "kem batik")[0] == []  # only the last word is a prefix


def test_diacritics_are_ignored_both_ways(create_store, create_product, search):
    store = create_store()
    create_product(store, title="Kopi Café Crème", status="active")
    assert search(store, "cafe creme")[0] == ["Kopi Café Crème"]
    assert search(store, "CAFÉ")[0] == ["Kopi Café Crème"]


def test_drafts_are_excluded_unless_asked_for(shop, search):
    assert "Kemeja Rahasia" not in search(shop, "kemeja")[0]
    titles, total = search(shop, "kemeja", only_active=False)
    assert "Kemeja Rahasia" in titles and total == 3


def test_paging_and_total(create_store, create_product, search):
    store = create_store()
    for n in range(5):
        create_product(store, title=f"Selendang {n}", status="active")
    first, total = search(store, "selendang", limit=2)
    second, _ = search(store, "selendang", limit=2, offset=2)
    rest, _ = search(store, "selendang", limit=2, offset=4)
    assert total == 5 and len(first) == len(second) == 2 and len(rest) == 1
    assert len(set(first + second + rest)) == 5


def test_another_stores_products_are_never_found(create_store, create_product, search, suggest):
    mine, theirs = create_store(), create_store()
    create_product(mine, title="Kemeja Batik Milikku", status="active", tags="sutra")
    create_product(theirs, title="Kemeja Batik Milik Mereka", status="active", tags="sutra",
                   default_variant=VariantValues(price=1, sku="MEREKA-1"))
    create_product(theirs, title="Dompet Kulit", status="active")
    assert search(mine, "kemeja batik") == (["Kemeja Batik Milikku"], 1)
    assert search(mine, "sutra", only_active=False) == (["Kemeja Batik Milikku"], 1)
    assert search(mine, "mereka") == ([], 0)
    assert search(mine, "dompet") == ([], 0)
    assert suggest(mine, "dompett") is None  # their vocabulary is not ours


def test_search_needs_a_bound_store(app):
    with app.app_context():
        with pytest.raises(TenantNotBound):
            fulltext.search_products("kemeja")
        with pytest.raises(TenantNotBound):
            fulltext.suggest("kemeja")


HOSTILE = [
    '"', "'", '""', "kemeja\"", '"kemeja', "kemeja AND", "AND", "OR kemeja", "NOT", "kemeja NOT batik",
    "-kemeja", "kemeja -batik", "*", "kem*", "**", "NEAR(kemeja batik)", "NEAR/2", "title:kemeja",
    "{title}: kemeja", "scope : t1", "^kemeja", "(kemeja", "kemeja)", "a & b | !c", "kemeja:*", "<->", "\\",
    "%", "_", "'; DROP TABLE products; --", "\x00", "\u200b", "🧵 batik", "ケミア", "كميجا", "x" * 1000,
    "kemeja " * 300, "", "   ", "\n\t", "é" * 500,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(shop, search, suggest, query):
    titles, total = search(shop, query)
    assert isinstance(titles, list) and total >= 0
    suggest(shop, query)


def test_operator_words_are_searched_as_words(create_store, create_product, search):
    store = create_store()
    create_product(store, title="Rock AND Roll Tee", status="active")
    create_product(store, title="Tote Bag", status="active")
    assert search(store, "rock and")[0] == ["Rock AND Roll Tee"]
    assert search(store, "NOT")[0] == []
    assert search(store, '"tote"')[0] == ["Tote Bag"]


@pytest.mark.parametrize("query, expected", [
    ("kemja batk", "kemeja batik"),
    ("kemeja parnag", "kemeja parang"),
    ("laweyann", "laweyan"),  # a vendor
    ("lebarn", "lebaran"),  # a tag
])
def test_suggestions_for_typos(shop, search, suggest, query, expected):
    assert search(shop, query)[1] == 0
    assert suggest(shop, query) == expected
    assert search(shop, expected)[1] > 0


def test_no_suggestion_when_nothing_is_close_or_query_already_fine(shop, suggest):
    assert suggest(shop, "zzzzqqq") is None
    assert suggest(shop, "kemeja") is None
    assert suggest(shop, "rahasia") is None  # a draft's words are not offered


def test_index_follows_create_update_delete_and_tags(create_store, create_product, search, ctx):
    store = create_store()
    product = create_product(store, title="Taplak Meja", status="active", tags="rumah")
    assert search(store, "taplak")[0] == ["Taplak Meja"]
    with ctx(store.id) as session:
        tenant = session.get(Tenant, store.id)
        found = session.get(Product, (store.id, product.id))
        catalog.update_product(found, tenant=tenant, title="Sarung Bantal", slug="", description_html="<p>Empuk</p>",
                               status="active", vendor="Rumah Kain", seo_title="", seo_description="",
                               tags="dekorasi")
        session.commit()
    assert search(store, "taplak") == ([], 0)
    assert search(store, "rumah")[0] == ["Sarung Bantal"]  # now the vendor, not the old tag
    assert search(store, "dekorasi")[0] == ["Sarung Bantal"]
    assert search(store, "empuk")[0] == ["Sarung Bantal"]

    with ctx(store.id) as session:
        catalog.bulk_tag([product.id], "hadiah", add=True)
        session.commit()
    assert search(store, "hadiah")[0] == ["Sarung Bantal"]
    with ctx(store.id) as session:
        catalog.bulk_tag([product.id], "hadiah", add=False)
        session.commit()
    assert search(store, "hadiah")[0] == []

    with ctx(store.id) as session:
        variant = session.scalars(db.select(Variant).where(Variant.product_id == product.id)).one()
        catalog.update_variant(variant, VariantValues(sku="BNT-77"), session.get(Tenant, store.id))
        session.commit()
    assert search(store, "bnt-77")[0] == ["Sarung Bantal"]

    with ctx(store.id) as session:
        catalog.bulk_set_status([product.id], ProductStatus.DRAFT)
        session.commit()
    assert search(store, "sarung")[0] == []
    assert search(store, "sarung", only_active=False)[0] == ["Sarung Bantal"]

    with ctx(store.id) as session:
        catalog.delete_product(session.get(Product, (store.id, product.id)))
        session.commit()
    assert search(store, "sarung", only_active=False) == ([], 0)
    assert _rows(ctx, store.id) == 0


def test_stock_changes_do_not_rewrite_the_index(create_store, create_product, ctx, count_queries):
    store = create_store()
    product = create_product(store, title="Dasi Batik", status="active")
    with ctx(store.id) as session:
        variant = session.scalars(db.select(Variant).where(Variant.product_id == product.id)).one()
        with count_queries() as queries:
            catalog.update_variant(variant, VariantValues(), session.get(Tenant, store.id), stock=3)
        assert not any("product_search" in q for q in queries)


def test_a_rolled_back_change_leaves_the_index_alone(create_store, create_product, search, ctx):
    store = create_store()
    product = create_product(store, title="Pouch Lurik", status="active")
    with ctx(store.id) as session:
        found = session.get(Product, (store.id, product.id))
        found.title = "Pouch Tenun"
        session.flush()
        assert [p.title for p in fulltext.search_products("tenun")[0]] == ["Pouch Tenun"]
        session.rollback()
    assert search(store, "tenun")[0] == [] and search(store, "lurik")[0] == ["Pouch Lurik"]


def test_reindex_remove_and_rebuild(create_store, create_product, search, ctx):
    store = create_store()
    first = create_product(store, title="Syal Sutra", status="active")
    create_product(store, title="Syal Katun", status="active")
    with ctx(store.id) as session:
        fulltext.remove_product(first.id)
        session.commit()
    assert search(store, "syal")[0] == ["Syal Katun"]
    with ctx(store.id) as session:
        fulltext.reindex_product(session.get(Product, (store.id, first.id)))
        session.commit()
    assert search(store, "syal")[1] == 2
    with ctx(store.id) as session:
        session.execute(text("DELETE FROM product_search WHERE tenant_id = :t"), {"t": store.id})
        assert fulltext.rebuild(store.id) == 2
        session.commit()
    assert search(store, "syal")[1] == 2 and _rows(ctx, store.id) == 2


def _rows(ctx, tenant_id) -> int:
    with ctx(tenant_id) as session:
        return session.execute(text("SELECT count(*) FROM product_search WHERE tenant_id = :t"),
                               {"t": tenant_id}).scalar_one()
