"""The promotions services on their own: saving and checking, state, stats, words, duplicating, deleting,
batches of codes and their CSV."""
import csv
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from saas.extensions import db
from saas.ids import new_id
from saas.orm import utcnow
from saas.promotions import exports
from saas.promotions import services as promotions
from saas.promotions.models import Discount, DiscountCode, DiscountTarget, DiscountUsage, TargetRole
from saas.promotions.services import BatchInput, DiscountError, DiscountErrors, DiscountInput
from tests.promotions.factories import add_usage, make_collection, make_discount


@pytest.fixture
def ctx(ctx):
    """The shared ctx, in English, so messages can be compared."""

    @contextmanager
    def english(tenant_id=None):
        with ctx(tenant_id) as session, force_locale("en"):
            yield session

    return english


@pytest.fixture
def store(create_store):
    return create_store(name="Batik Sari", slug="batik-sari", locale="id")


@pytest.fixture
def other(create_store):
    return create_store(name="Kopi Kenangan", slug="kopi-kenangan")


def get(discount_id) -> Discount:
    return db.session.scalar(select(Discount).where(Discount.id == discount_id))


def codes(discount_id) -> list[str]:
    return list(db.session.scalars(select(DiscountCode.code).where(DiscountCode.discount_id == discount_id)))


# Saving and checking


def test_a_code_is_stored_normalized_and_names_an_untitled_discount(ctx, store):
    with ctx(store.id):
        discount = promotions.save_discount(None, DiscountInput(code=" ramadan 10 ", percentage_bp=1250))
        db.session.commit()
        assert codes(discount.id) == ["RAMADAN10"]
        assert (discount.title, discount.percentage_bp, discount.enabled) == ("RAMADAN10", 1250, True)
        assert discount.starts_at <= utcnow()


def test_checks_collect_every_error_and_write_nothing(ctx, store):
    data = DiscountInput(title="", code="diskon!", percentage_bp=15000, usage_limit=0, per_customer_limit=0,
                         min_quantity=-1, starts_at=utcnow(), ends_at=utcnow() - timedelta(days=1))
    with ctx(store.id):
        with pytest.raises(DiscountErrors) as refused:
            promotions.save_discount(None, data)
        assert set(refused.value.errors) == {"code", "percentage", "usage_limit", "per_customer_limit",
                                             "min_quantity", "ends_at"}  # the title comes from the code once fixed
        assert db.session.scalar(select(func.count(Discount.id))) == 0


def test_limits_and_minimum_items_stop_at_a_million_whoever_calls(ctx, store):
    huge = 10**20  # what a form once passed on, overflowing the Integer columns
    data = DiscountInput(code="BESAR", percentage_bp=1000, usage_limit=huge, per_customer_limit=2**31,
                         per_code_limit=promotions.MAX_LIMIT + 1, min_quantity=huge)
    with ctx(store.id):
        with pytest.raises(DiscountErrors) as refused:
            promotions.save_discount(None, data)
        assert refused.value.errors == dict.fromkeys(
            ("usage_limit", "per_customer_limit", "per_code_limit", "min_quantity"), "Enter a number up to 1,000,000.")
        at_most = promotions.MAX_LIMIT
        saved = promotions.save_discount(None, DiscountInput(code="BESAR", percentage_bp=1000, usage_limit=at_most,
                                                             per_customer_limit=at_most, min_quantity=at_most))
        db.session.commit()
        assert (saved.usage_limit, saved.per_customer_limit, saved.min_quantity) == (at_most, at_most, at_most)


@pytest.mark.parametrize(("rows", "errors"), [
    ([], {"tiers"}),
    ([(None, None), (None, None)], {"tiers"}),
    ([(50_000_000, 5_000_000), (30_000_000, 3_000_000)], {"tiers-1-min_subtotal"}),  # out of order
    ([(50_000_000, 5_000_000), (50_000_000, 8_000_000)], {"tiers-1-min_subtotal"}),  # the same spend twice
    ([(50_000_000, 5_000_000), (100_000_000, 5_000_000)], {"tiers-1-amount"}),  # no more saved for more spent
    ([(50_000_000, None)], {"tiers-0-amount"}),
    ([(None, 5_000_000)], {"tiers-0-min_subtotal"}),
    ([(5_000_000, 50_000_000)], {"tiers-0-amount"}),  # saves more than is spent
    ([(0, 0)], {"tiers-0-min_subtotal"}),
])
def test_tiers_must_rise_without_repeats(ctx, store, rows, errors):
    with ctx(store.id):
        found = promotions.discount_errors(DiscountInput(title="Hemat", method="automatic", kind="tiered",
                                                         tiers=rows))
        assert set(found) == errors


def test_tiers_are_stored_in_order_skipping_blank_rows(ctx, store):
    rows = [(50_000_000, 5_000_000), (None, None), (100_000_000, 15_000_000)]
    with ctx(store.id):
        discount = promotions.save_discount(None, DiscountInput(title="Hemat", method="automatic", kind="tiered",
                                                                tiers=rows))
        assert discount.tiers == [{"min_subtotal": 50_000_000, "amount": 5_000_000},
                                  {"min_subtotal": 100_000_000, "amount": 15_000_000}]
        assert discount.percentage_bp == 0 and codes(discount.id) == []


def test_another_stores_products_and_collections_are_refused_never_attached(app, ctx, store, other,
                                                                              create_product):
    theirs = create_product(other, title="Kopi Susu")
    their_collection = make_collection(app, other, "Kopi")
    mine = create_product(store, title="Kemeja")
    with ctx(store.id):
        errors = promotions.discount_errors(DiscountInput(code="A1", percentage_bp=1000, scope="products",
                                                          product_ids=[mine.id, theirs.id]))
        assert "isn’t in your store" in errors["product_ids"]
        errors = promotions.discount_errors(DiscountInput(code="A1", percentage_bp=1000, scope="collections",
                                                          collection_ids=[their_collection]))
        assert "isn’t in your store" in errors["collection_ids"]
        errors = promotions.discount_errors(DiscountInput(
            code="A1", kind="buy_x_get_y", buy_quantity=2, get_quantity=1, gets="products",
            get_product_ids=[theirs.id]))
        assert "isn’t in your store" in errors["get_product_ids"]
        assert db.session.scalar(select(func.count(DiscountTarget.id))) == 0


def test_targets_follow_the_scope_and_buy_x_get_y(app, ctx, store, create_product):
    shirt, scarf = create_product(store, title="Kemeja"), create_product(store, title="Selendang")
    batik = make_collection(app, store, "Batik")
    with ctx(store.id):
        discount = promotions.save_discount(None, DiscountInput(
            title="Beli 2 gratis 1", method="automatic", kind="buy_x_get_y", buy_quantity=2, get_quantity=1,
            get_percentage_bp=5000, scope="products", product_ids=[shirt.id, shirt.id], gets="collections",
            get_collection_ids=[batik], percentage_bp=999))
        db.session.commit()
        assert promotions.target_ids(discount) == ([shirt.id], [])
        assert promotions.target_ids(discount, TargetRole.GETS) == ([], [batik])
        assert (discount.buy_quantity, discount.get_quantity, discount.get_percentage_bp) == (2, 1, 5000)
        assert discount.percentage_bp == 0  # another kind's value is not kept

        promotions.save_discount(discount, DiscountInput(title="Selendang 10%", method="automatic",
                                                         percentage_bp=1000, scope="products",
                                                         product_ids=[scarf.id]))
        db.session.commit()
        assert promotions.target_ids(get(discount.id)) == ([scarf.id], [])
        assert promotions.target_ids(get(discount.id), TargetRole.GETS) == ([], [])


def test_editing_the_only_code_renames_it_and_keeps_its_uses(app, ctx, store):
    discount_id = make_discount(app, store, codes=["LEBARAN"])
    with ctx(store.id):
        row = db.session.scalar(select(DiscountCode))
        row.times_used = 4
        db.session.commit()
        promotions.save_discount(get(discount_id), DiscountInput(title="Lebaran", code="lebaran-2", percentage_bp=1000))
        db.session.commit()
        assert [(c.code, c.times_used) for c in db.session.scalars(select(DiscountCode))] == [("LEBARAN-2", 4)]


def test_codes_are_unique_in_a_store_whatever_the_case_but_not_across_stores(app, ctx, store, other):
    make_discount(app, store, codes=["RAMADAN"])
    make_discount(app, other, codes=["MERDEKA"])
    with ctx(store.id):
        errors = promotions.discount_errors(DiscountInput(code="ramadan", percentage_bp=1000))
        assert errors == {"code": "Another discount in your store already uses this code."}
        assert promotions.discount_errors(DiscountInput(code="merdeka", percentage_bp=1000)) == {}


def test_a_code_is_added_to_a_discount_with_many_codes_once(app, ctx, store):
    discount_id = make_discount(app, store, codes=["V-1", "V-2"])
    with ctx(store.id):
        errors = promotions.discount_errors(DiscountInput(title="Voucher", code="v-2", percentage_bp=1000),
                                            get(discount_id))
        assert errors == {"code": "This discount already has this code."}
        promotions.save_discount(get(discount_id), DiscountInput(title="Voucher", code="v-3", percentage_bp=1000))
        assert sorted(codes(discount_id)) == ["V-1", "V-2", "V-3"]


def test_an_automatic_discount_has_no_code_and_a_code_discount_needs_one(app, ctx, store):
    with ctx(store.id):
        assert set(promotions.discount_errors(DiscountInput(title="Auto", method="automatic", code="X1",
                                                            percentage_bp=1000))) == {"code"}
        assert set(promotions.discount_errors(DiscountInput(title="Kode", code="", percentage_bp=1000))) == {"code"}
        # A batch instead of a code is fine.
        assert promotions.discount_errors(DiscountInput(title="Kode", code="", percentage_bp=1000,
                                                        batch=BatchInput(5, "VIP"))) == {}
    with_codes = make_discount(app, store, codes=["A1", "A2"])
    with ctx(store.id):
        errors = promotions.discount_errors(DiscountInput(title="Auto", method="automatic", percentage_bp=1000),
                                            get(with_codes))
        assert set(errors) == {"method"}


# State


def test_state_and_its_sql_agree(app, ctx, store):
    now = utcnow()
    made = {
        "active": make_discount(app, store, title="active", usage_limit=5, times_used=4),
        "scheduled": make_discount(app, store, title="scheduled", starts_at=now + timedelta(days=1)),
        "expired": make_discount(app, store, title="expired", ends_at=now - timedelta(minutes=1)),
        "used_up": make_discount(app, store, title="used up", usage_limit=5, times_used=5),
        "disabled": make_discount(app, store, title="disabled", enabled=False, ends_at=now - timedelta(days=1)),
        "ending": make_discount(app, store, title="ending", ends_at=now + timedelta(minutes=1)),
    }
    with ctx(store.id):
        states = {key: promotions.state(get(i), now) for key, i in made.items()}
        assert states == {"active": "active", "scheduled": "scheduled", "expired": "expired", "used_up": "used_up",
                          "disabled": "disabled", "ending": "active"}
        for name in promotions.STATES:
            found = set(db.session.scalars(select(Discount.id).where(promotions.state_clause(name, now))))
            assert found == {made[key] for key, state in states.items() if state == name}, name


# Stats and words


def test_stats_for_a_page_take_one_query(app, ctx, store, count_queries):
    first = make_discount(app, store, title="A")
    second = make_discount(app, store, title="B", usage_limit=10)
    make_discount(app, store, title="C")
    add_usage(app, store, first, order_total=450_000_00)
    add_usage(app, store, first, order_total=150_000_00)
    add_usage(app, store, second, order_total=90_000_00)
    with ctx(store.id):
        rows = list(db.session.scalars(select(Discount).order_by(Discount.title)))
        with count_queries() as queries:
            stats = promotions.stats_for(rows)
        assert len(queries) == 1
        assert [(s.uses, s.limit, s.orders, s.sales) for s in stats.values()] == [
            (2, None, 2, 600_000_00), (1, 10, 1, 90_000_00), (0, None, 0, 0)]
        with count_queries() as queries:
            summaries = promotions.code_summaries(rows)
        assert len(queries) == 1 and summaries == {}


def test_describe_says_what_each_kind_gives(app, ctx, store, create_product):
    shirt = create_product(store)
    cases = [
        (dict(percentage_bp=1000), "10% off entire order", ""),
        (dict(percentage_bp=1250, scope="products", targets=[(TargetRole.APPLIES, "product_id", shirt.id)]),
         "12.5% off 1 product", ""),
        (dict(kind="fixed", amount=5_000_000, min_subtotal=10_000_000, min_quantity=2),
         "IDR 50,000 off entire order", "Minimum purchase IDR 100,000 · Minimum 2 items"),
        (dict(kind="free_shipping"), "Free shipping", ""),
        (dict(kind="buy_x_get_y", buy_quantity=2, get_quantity=1), "Buy 2 get 1 free", ""),
        (dict(kind="buy_x_get_y", buy_quantity=3, get_quantity=1, get_percentage_bp=5000), "Buy 3 get 1 at 50% off",
         ""),
        (dict(kind="tiered", tiers=[{"min_subtotal": 50_000_000, "amount": 5_000_000}]),
         "Spend IDR 500,000, save IDR 50,000", ""),
    ]
    for fields, words, minimum in cases:
        discount_id = make_discount(app, store, **fields)
        with ctx(store.id):
            discount = db.session.scalar(select(Discount).where(Discount.id == discount_id))
            assert promotions.describe(discount, "IDR").replace("\xa0", " ") == words
            assert promotions.requirement(discount, "IDR").replace("\xa0", " ") == minimum
    with ctx(store.id), force_locale("id"):
        assert promotions.percent_text(1250) == "12,5%"


# Duplicating, turning on and off, deleting


def test_duplicate_is_a_disabled_copy_without_codes(app, ctx, store, create_product):
    shirt = create_product(store)
    original = make_discount(app, store, title="x" * 120, codes=["ASLI"], times_used=7, usage_limit=50,
                             scope="products", targets=[(TargetRole.APPLIES, "product_id", shirt.id)])
    with ctx(store.id):
        copy = promotions.duplicate_discount(get(original))
        db.session.commit()
        copy = get(copy.id)
        assert copy.title == "x" * 113 + " (copy)" and len(copy.title) == 120
        assert (copy.enabled, copy.times_used, copy.usage_limit, copy.percentage_bp) == (False, 0, 50, 1000)
        assert promotions.target_ids(copy) == ([shirt.id], [])
        assert codes(copy.id) == [] and codes(original) == ["ASLI"]
        with pytest.raises(DiscountError, match="Add a code"):
            promotions.set_enabled(copy, True)
        promotions.generate_codes(copy, 1)
        assert promotions.set_enabled(copy, True).enabled is True


def test_delete_takes_codes_targets_and_uses_along(app, ctx, store, create_product):
    shirt = create_product(store)
    doomed = make_discount(app, store, codes=["HAPUS"], targets=[(TargetRole.APPLIES, "product_id", shirt.id)])
    kept = make_discount(app, store, codes=["SIMPAN"])
    add_usage(app, store, doomed, order_total=100_000_00)
    with ctx(store.id):
        promotions.delete_discount(get(doomed))
        db.session.commit()
        assert list(db.session.scalars(select(Discount.id))) == [kept]
        assert list(db.session.scalars(select(DiscountCode.code))) == ["SIMPAN"]
        assert db.session.scalar(select(func.count(DiscountTarget.id))) == 0
        assert db.session.scalar(select(func.count(DiscountUsage.id))) == 0


# Batches of codes


def test_a_batch_of_500_codes_is_unique_with_the_prefix(app, ctx, store):
    discount_id = make_discount(app, store, codes=["RAMADAN"])
    with ctx(store.id):
        made = promotions.generate_codes(get(discount_id), 500, " ramadan ", single_use=True)
        db.session.commit()
        stored = codes(discount_id)
        assert len(made) == 500 and len(set(made)) == 500 and len(stored) == 501
        for code in made:
            prefix, suffix = code.split("-")
            assert prefix == "RAMADAN" and len(suffix) == 8 and set(suffix) <= set(promotions.ALPHABET)
        assert get(discount_id).per_code_limit == 1


def test_a_prefix_ending_in_a_dash_gets_no_second_one(app, ctx, store):
    discount_id = make_discount(app, store)
    with ctx(store.id):
        assert all(code.startswith("VIP_") and "-" not in code
                   for code in promotions.generate_codes(get(discount_id), 3, "vip_"))
        assert all(len(code) == 8 for code in promotions.generate_codes(get(discount_id), 3, ""))


def test_a_code_that_is_taken_is_drawn_again(app, ctx, store, monkeypatch):
    make_discount(app, store, codes=["PROMO-AAAAAAAA"])
    discount_id = make_discount(app, store)
    drawn = iter(["AAAAAAAA", "BBBBBBBB", "AAAAAAAA", "CCCCCCCC"])
    monkeypatch.setattr(promotions, "_suffix", lambda: next(drawn))
    with ctx(store.id):
        assert sorted(promotions.generate_codes(get(discount_id), 2, "promo")) == ["PROMO-BBBBBBBB", "PROMO-CCCCCCCC"]


@pytest.mark.parametrize(("count", "prefix", "field"), [
    (0, "", "batch_count"), (1001, "", "batch_count"), (None, "", "batch_count"),
    (10, "diskon!", "batch_prefix"), (10, "X" * 32, "batch_prefix"),
])
def test_batch_input_is_checked(app, ctx, store, count, prefix, field):
    discount_id = make_discount(app, store)
    with ctx(store.id):
        with pytest.raises(DiscountErrors) as refused:
            promotions.generate_codes(get(discount_id), count, prefix)
        assert set(refused.value.errors) == {field}
        assert codes(discount_id) == []


def test_automatic_discounts_get_no_batch(app, ctx, store):
    discount_id = make_discount(app, store, method="automatic")
    with ctx(store.id), pytest.raises(DiscountError):
        promotions.generate_codes(get(discount_id), 5)


def test_the_codes_csv_lists_every_code_with_its_uses_and_defuses_formulas(app, ctx, store):
    discount_id = make_discount(app, store, codes=["HEMAT-1", "HEMAT-2"])
    with ctx(store.id):
        # Codes typed in the builder can't start with "=", but a row could still hold one (an import, say).
        db.session.add(DiscountCode(id=new_id(), discount_id=discount_id, code="=HYPERLINK(1)", times_used=3))
        db.session.commit()
        data = exports.codes_csv(get(discount_id))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Code", "Times used"]
    assert sorted(rows[1:]) == [["'=HYPERLINK(1)", "3"], ["HEMAT-1", "0"], ["HEMAT-2", "0"]]
