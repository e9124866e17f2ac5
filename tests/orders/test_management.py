"""Order management services: finding orders, payment, shipping, delivery, cancelling, refunds and notes."""
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from saas.catalog.models import AdjustmentReason, InventoryAdjustment
from saas.orders import management
from saas.orders.management import OrderError, OrderFilters
from saas.orders.models import (
    FulfillmentStatus,
    Order,
    OrderStatus,
    PaymentRecordStatus,
    PaymentStatus,
    Refund,
)
from saas.shipping import carriers
from saas.shipping import services as shipping
from tests.orders.factories import load_order, make_order, stock_of


@pytest.fixture
def store(create_store):
    return create_store(name="Batik Sari", slug="batik-sari", timezone="Asia/Jakarta")


@pytest.fixture
def shirt(store, create_product):
    return create_product(store, title="Kemeja Batik", price=150_000_00, stock=10)


@pytest.fixture
def scarf(store, create_product):
    return create_product(store, title="Selendang", price=90_000_00, stock=5)


@pytest.fixture
def order_of(app, store, shirt, scarf):
    """order_of(**fields) -> an order id: 2 shirts and 1 scarf, paid by bank transfer unless told otherwise."""
    return lambda items=None, **fields: make_order(app, store, items or [(shirt, 2), (scarf, 1)], **fields)


@pytest.fixture
def act(ctx, store):
    """act(fn, order_id, *args) runs a service on the loaded order and commits, as a request would."""

    def run(fn, order_id, *args, **kwargs):
        with ctx(store.id) as session, force_locale("en"):
            order = management.get_order(order_id)
            try:
                result = fn(order, "Dewi", *args, **kwargs)
            except OrderError:
                session.rollback()
                raise
            session.commit()
            if hasattr(result, "_sa_instance_state"):
                session.refresh(result)
                session.expunge(result)
            return result

    return run


def ledger(ctx, store, product):
    with ctx(store.id) as session:
        return session.scalars(select(InventoryAdjustment).where(
            InventoryAdjustment.variant_id == product.variants[0].id).order_by(InventoryAdjustment.created_at)).all()


# Finding orders


def test_the_list_filters_searches_and_puts_the_newest_first(app, ctx, store, shirt, order_of):
    first = order_of(name="Budi Santoso", email="budi@example.test",
                     placed_at=datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    second = order_of(name="Siti Rahayu", email="siti@example.test",
                      placed_at=datetime(2025, 3, 1, 18, 0, tzinfo=UTC))  # 2 March in Jakarta (UTC+7)
    third = order_of(items=[(shirt, 1)], name="Agus", payment_method="cod",
                     placed_at=datetime(2025, 3, 5, 10, 0, tzinfo=UTC))

    def found(**args):
        with ctx(store.id) as session:
            filters = OrderFilters.from_args(args)
            return list(session.scalars(management.order_query(filters, "Asia/Jakarta").with_only_columns(
                Order.id)))

    assert found() == [third, second, first]
    assert found(q="#1001") == [first] and found(q="1002") == [second] and found(q=" # 1003 ") == [third]
    assert found(q="SITI@") == [second] and found(q="santoso") == [first] and found(q="nobody") == []
    assert found(q="100%") == []  # LIKE wildcards are text
    assert found(date_from="2025-03-02") == [third, second]
    assert found(date_to="2025-03-01") == [first]
    assert found(date_from="2025-03-02", date_to="2025-03-02") == [second]
    with ctx(store.id) as session:
        management.mark_paid(management.get_order(first), "Dewi")
        session.commit()
    assert found(payment="paid") == [first] and found(payment="pending") == [third, second]
    assert found(fulfillment="unfulfilled") == [third, second, first] and found(status="cancelled") == []
    # Unknown values are dropped, not errors.
    filters = OrderFilters.from_args({"payment": "evil", "date_from": "yesterday", "status": "x"})
    assert filters.as_dict() == {} and not filters.active


def test_another_stores_order_is_not_found(app, ctx, store, order_of, create_store, create_product):
    other = create_store()
    theirs = make_order(app, other, [(create_product(other), 1)])
    mine = order_of()
    with ctx(store.id):
        assert management.get_order(theirs) is None and management.get_order("x") is None
        assert management.get_order(mine).number == 1001


# Payment


def test_mark_paid_confirms_a_manual_payment(app, ctx, store, order_of, act):
    order_id = order_of()
    act(management.mark_paid, order_id)
    order = load_order(app, store, order_id)
    assert order.payment_status == PaymentStatus.PAID and order.paid_at is not None
    assert order.payment_due_at is None
    assert [p.status for p in order.payments] == [PaymentRecordStatus.PAID]
    assert order.events[-1].kind == "paid" and order.events[-1].actor == "Dewi"
    with pytest.raises(OrderError, match="not waiting for payment"):
        act(management.mark_paid, order_id)


def test_mark_paid_is_refused_for_card_payments_and_cancelled_orders(app, store, order_of, act):
    card = order_of(payment_method="stripe")
    with pytest.raises(OrderError, match="Only bank transfer"):
        act(management.mark_paid, card)
    cancelled = order_of()
    act(management.cancel, cancelled)
    with pytest.raises(OrderError, match="cancelled"):
        act(management.mark_paid, cancelled)
    assert load_order(app, store, card).payment_status == PaymentStatus.PENDING


# Fulfilment


def test_fulfil_in_two_shipments(app, store, order_of, act):
    order_id = order_of()
    order = load_order(app, store, order_id)
    shirt_line, scarf_line = order.lines
    shipment = act(management.fulfil, order_id, "jne", " CGK 123-456 ", {shirt_line.id: 1, scarf_line.id: 0})
    assert shipment.tracking_url == "https://www.jne.co.id/tracking-package?awb=CGK%20123-456"
    assert shipment.carrier == "JNE" and shipment.quantities == {str(shirt_line.id): 1}
    order = load_order(app, store, order_id)
    assert order.fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    assert [line.fulfilled_quantity for line in order.lines] == [1, 0]
    act(management.fulfil, order_id, "other", "", None)  # the rest, with no tracking page
    order = load_order(app, store, order_id)
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert [line.fulfilled_quantity for line in order.lines] == [2, 1]
    assert order.fulfillments[1].tracking_url == "" and order.fulfillments[1].quantities == {
        str(shirt_line.id): 1, str(scarf_line.id): 1}
    assert [e.kind for e in order.events].count("fulfilled") == 2
    with pytest.raises(OrderError, match="has been shipped"):
        act(management.fulfil, order_id, "jne", "X1", None)


@pytest.mark.parametrize("carrier, tracking, quantities, field, message", [
    ("dhl-moon", "X1", None, "carrier", "Choose a carrier"),
    ("jne", "", None, "tracking_number", "Enter the tracking number"),
    ("jne", "<script>", None, "tracking_number", "letters, digits"),
    ("jnt", "X1", "too_many", "qty-", "from 0 to 2"),
    ("jnt", "X1", "negative", "qty-", "from 0 to 2"),
    ("jnt", "X1", "none", None, "at least one item"),
    ("jnt", "X1", "foreign", None, "not part of this order"),
])
def test_fulfil_refuses_bad_input_and_changes_nothing(app, store, order_of, act, carrier, tracking, quantities,
                                                      field, message):
    order_id = order_of()
    lines = load_order(app, store, order_id).lines
    quantities = {
        None: None, "too_many": {lines[0].id: 3}, "negative": {lines[0].id: -1},
        "none": {lines[0].id: 0, lines[1].id: 0}, "foreign": {123: 1},
    }[quantities]
    with pytest.raises(OrderError, match=message) as refused:
        act(management.fulfil, order_id, carrier, tracking, quantities)
    assert (refused.value.field or "").startswith(field or "") and bool(refused.value.field) == bool(field)
    order = load_order(app, store, order_id)
    assert order.fulfillments == [] and order.fulfillment_status == FulfillmentStatus.UNFULFILLED
    assert [line.fulfilled_quantity for line in order.lines] == [0, 0]


def test_fulfil_with_the_stores_own_carrier_or_one_with_no_tracking_page(app, ctx, store, create_store, order_of,
                                                                         act):
    with ctx(store.id) as session:
        own = shipping.save_carrier(None, name="Kurir Sari", tracking_url="https://kurir.example/lacak?resi={number}")
        session.commit()
        code = carriers.custom_code(own)
    order_id = order_of()
    shirt_line, scarf_line = load_order(app, store, order_id).lines
    shipment = act(management.fulfil, order_id, code, "KS 42", {shirt_line.id: 1})
    assert (shipment.carrier, shipment.tracking_url) == ("Kurir Sari", "https://kurir.example/lacak?resi=KS%2042")
    shipment = act(management.fulfil, order_id, "gosend", "", {scarf_line.id: 1})  # GoSend shares a live link
    assert (shipment.carrier, shipment.tracking_number, shipment.tracking_url) == ("GoSend", "", "")
    # Another store's carrier is unknown here.
    other = create_store()
    with ctx(other.id) as session:
        theirs = carriers.custom_code(shipping.save_carrier(None, name="Kurir Lain"))
        session.commit()
    with pytest.raises(OrderError, match="Choose a carrier"):
        act(management.fulfil, order_id, theirs, "X1", None)


def test_cash_on_delivery_is_paid_when_delivered(app, store, order_of, act):
    order_id = order_of(payment_method="cod")
    with pytest.raises(OrderError, match="Ship the order"):
        act(management.mark_delivered, order_id)
    act(management.fulfil, order_id, "sicepat", "0042", None)
    act(management.mark_delivered, order_id)
    order = load_order(app, store, order_id)
    assert order.fulfillments[0].delivered_at is not None
    assert order.payment_status == PaymentStatus.PAID and order.payments[0].status == PaymentRecordStatus.PAID
    assert [e.kind for e in order.events][-2:] == ["delivered", "paid"]
    with pytest.raises(OrderError, match="already marked delivered"):
        act(management.mark_delivered, order_id)


# Cancelling and restocking


def test_cancel_with_restock_puts_stock_back_exactly_once(app, ctx, store, shirt, scarf, order_of, act):
    order_id = order_of()
    assert (stock_of(app, store, shirt), stock_of(app, store, scarf)) == (8, 4)
    act(management.cancel, order_id, True, "Pembeli minta batal")
    assert (stock_of(app, store, shirt), stock_of(app, store, scarf)) == (10, 5)
    order = load_order(app, store, order_id)
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    assert order.payment_status == PaymentStatus.EXPIRED and order.payment_due_at is None
    assert order.payments[0].status == PaymentRecordStatus.CANCELLED
    assert [line.restocked_quantity for line in order.lines] == [2, 1]
    assert "Pembeli minta batal" in order.events[-1].message
    [entry] = [e for e in ledger(ctx, store, shirt) if e.reason == AdjustmentReason.ORDER_CANCELLED]
    assert (entry.delta, entry.quantity_after, entry.note) == (2, 10, "#1001")
    with pytest.raises(OrderError, match="already cancelled"):
        act(management.cancel, order_id, True, "")
    assert stock_of(app, store, shirt) == 10
    assert len([e for e in ledger(ctx, store, shirt) if e.reason == AdjustmentReason.ORDER_CANCELLED]) == 1


def test_cancel_without_restock_and_of_a_partly_shipped_order(app, store, shirt, scarf, order_of, act):
    kept = order_of()
    act(management.cancel, kept, False, "")
    assert stock_of(app, store, shirt) == 8
    partly = order_of()  # shirts 6, scarves 3
    lines = load_order(app, store, partly).lines
    act(management.fulfil, partly, "jne", "A1", {lines[0].id: 1})
    act(management.cancel, partly, True, "")
    assert (stock_of(app, store, shirt), stock_of(app, store, scarf)) == (7, 4)  # the shipped shirt stays out


def test_a_shipped_order_cannot_be_cancelled(app, store, order_of, act):
    order_id = order_of()
    act(management.fulfil, order_id, "jne", "A1", None)
    with pytest.raises(OrderError, match="shipped in full"):
        act(management.cancel, order_id, True, "")
    assert load_order(app, store, order_id).status == OrderStatus.OPEN


def test_cancel_survives_a_deleted_variant(app, ctx, store, shirt, order_of, act):
    from saas.catalog import services as catalog
    from saas.catalog.models import Product

    order_id = order_of(items=[(shirt, 1)])
    with ctx(store.id) as session:
        catalog.delete_product(session.scalar(select(Product).where(Product.id == shirt.id)))
        session.commit()
    act(management.cancel, order_id, True, "")
    assert load_order(app, store, order_id).lines[0].restocked_quantity == 1


def test_untracked_stock_is_not_put_back(app, store, create_product, act):
    from saas.catalog.services import VariantValues

    free = create_product(store, title="Jasa Jahit", stock=0,
                          default_variant=VariantValues(price=50_000_00, track_stock=False))
    order_id = make_order(app, store, [(free, 3)])
    act(management.cancel, order_id, True, "")
    assert stock_of(app, store, free) == 0
    assert load_order(app, store, order_id).lines[0].restocked_quantity == 0


# Refunds


def test_partial_then_full_refund_with_restock(app, ctx, store, shirt, order_of, act):
    order_id = order_of()  # 2 × 150.000 + 90.000 + 15.000 shipping = 405.000
    act(management.mark_paid, order_id)
    lines = load_order(app, store, order_id).lines
    act(management.refund, order_id, 150_000_00, "Ukuran salah", {lines[0].id: 1})
    order = load_order(app, store, order_id)
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED and order.refunded_total == 150_000_00
    assert stock_of(app, store, shirt) == 9 and order.lines[0].restocked_quantity == 1
    with pytest.raises(OrderError, match="at most what is left") as refused:
        act(management.refund, order_id, 255_000_01, "", None)
    assert refused.value.field == "amount"
    with pytest.raises(OrderError, match="from 0 to 1"):
        act(management.refund, order_id, 1, "", {lines[0].id: 2})
    act(management.refund, order_id, 255_000_00, "", {lines[0].id: 1})
    order = load_order(app, store, order_id)
    assert order.payment_status == PaymentStatus.REFUNDED and order.refunded_total == order.total
    assert stock_of(app, store, shirt) == 10
    with ctx(store.id) as session:
        refunds = session.scalars(select(Refund).order_by(Refund.created_at)).all()
        assert [(r.amount, r.restocked, r.actor) for r in refunds] == [(150_000_00, True, "Dewi"),
                                                                       (255_000_00, True, "Dewi")]
    with pytest.raises(OrderError, match="Only paid orders"):
        act(management.refund, order_id, 1, "", None)
    # Cancelling afterwards puts back only what is still out: the scarf.
    act(management.cancel, order_id, True, "")
    assert stock_of(app, store, shirt) == 10 and [line.restocked_quantity
                                                  for line in load_order(app, store, order_id).lines] == [2, 1]


@pytest.mark.parametrize("amount", [None, 0, -5, True])
def test_refund_refuses_bad_amounts(app, store, order_of, act, amount):
    order_id = order_of()
    act(management.mark_paid, order_id)
    with pytest.raises(OrderError) as refused:
        act(management.refund, order_id, amount, "", None)
    assert refused.value.field == "amount"
    order = load_order(app, store, order_id)
    assert order.refunded_total == 0 and order.payment_status == PaymentStatus.PAID


def test_an_unpaid_order_cannot_be_refunded(app, store, order_of, act):
    with pytest.raises(OrderError, match="Only paid orders"):
        act(management.refund, order_of(), 100, "", None)


# Notes


def test_notes_go_on_the_timeline(app, store, order_of, act):
    order_id = order_of()
    act(management.add_note, order_id, "  Kirim sebelum Jumat  ")
    with pytest.raises(OrderError, match="Write a note"):
        act(management.add_note, order_id, "   ")
    with pytest.raises(OrderError, match="at most 1000"):
        act(management.add_note, order_id, "x" * 1001)
    events = load_order(app, store, order_id).events
    assert [(e.kind, e.message, e.actor) for e in events[1:]] == [("note", "Kirim sebelum Jumat", "Dewi")]
