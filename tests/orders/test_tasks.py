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
