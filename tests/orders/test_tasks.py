"""The recurring job that cancels unpaid manual orders, run as the clock (or `flask run-recurring-jobs`) runs it."""
from datetime import timedelta

from saas.orders.models import OrderStatus, PaymentStatus
from saas.orm import utcnow
from tests.orders.factories import load_order, make_order, stock_of


def test_overdue_transfers_are_cancelled_with_their_stock_back_and_the_shopper_told(app, create_store, create_product,
                                                                                    run_jobs, outbox):
    store = create_store(name="Toko Waktu", slug="toko-waktu", locale="id")
    other = create_store(name="Toko Lain", slug="toko-lain-waktu")
    kain = create_product(store, title="Kain Lurik", status="active", stock=5)
    syal = create_product(other, title="Syal", status="active", stock=5)
    long_ago = utcnow() - timedelta(hours=30)
    overdue = make_order(app, store, [(kain, 2)], placed_at=long_ago, email="telat@example.com")
    fresh = make_order(app, store, [(kain, 1)], email="baru@example.com")
    cash = make_order(app, store, [(kain, 1)], payment_method="cod", placed_at=long_ago)
    theirs = make_order(app, other, [(syal, 1)], placed_at=long_ago, email="lain@example.com")
    assert stock_of(app, store, kain) == 1

    result = app.test_cli_runner().invoke(args=["run-recurring-jobs"])
    assert result.exit_code == 0, result.output

    assert load_order(app, store, overdue).status == OrderStatus.CANCELLED
    assert load_order(app, store, overdue).payment_status == PaymentStatus.EXPIRED
    assert load_order(app, other, theirs).status == OrderStatus.CANCELLED  # every store's, each in its own store
    for untouched in (fresh, cash):
        assert load_order(app, store, untouched).status == OrderStatus.OPEN
    assert stock_of(app, store, kain) == 3  # the two units of the lapsed order are back, once
    app.test_cli_runner().invoke(args=["run-recurring-jobs"])
    assert stock_of(app, store, kain) == 3
    run_jobs()
    told = {str(message["To"]) for message in outbox()}
    assert {"telat@example.com", "lain@example.com"} <= told and "baru@example.com" not in told


def test_stock_goes_back_even_below_zero_and_one_bad_order_never_blocks_the_rest(app, create_store, create_product,
                                                                                  ctx):
    from sqlalchemy import select

    from saas.catalog.models import Variant

    store = create_store(name="Toko Pesanan Lebih", slug="toko-pesanan-lebih")
    kain = create_product(store, title="Kain Pre-order", status="active", stock=0)
    with ctx(store.id) as session:
        session.scalar(select(Variant).where(Variant.product_id == kain.id)).allow_backorder = True
        session.commit()
    long_ago = utcnow() - timedelta(hours=30)
    first = make_order(app, store, [(kain, 2)], placed_at=long_ago)
    second = make_order(app, store, [(kain, 1)], placed_at=long_ago)
    with ctx(store.id) as session:
        variant = session.scalar(select(Variant).where(Variant.product_id == kain.id))
        variant.allow_backorder = False  # the merchant stops taking pre-orders while stock is below zero
        session.commit()
    result = app.test_cli_runner().invoke(args=["run-recurring-jobs"])
    assert result.exit_code == 0, result.output
    assert {load_order(app, store, first).status, load_order(app, store, second).status} == {OrderStatus.CANCELLED}
    assert stock_of(app, store, kain) == 0  # -3 + 2 + 1
