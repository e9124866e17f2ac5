"""Midtrans Snap against a fake Midtrans on loopback: checkout's redirect, signed notifications, the status check
and refunds, through HTTP on the store's host (and the builder for refunds)."""
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from saas.catalog.models import Variant
from saas.orders import tasks
from saas.orders.models import (
    CheckoutSettings,
    Order,
    OrderStatus,
    PaymentRecordStatus,
    PaymentStatus,
    Refund,
    WebhookEvent,
)
from saas.orm import utcnow
from saas.payments import providers
from saas.payments import services as payments
from saas.payments.providers.midtrans import signature
from tests.payments.fake_midtrans import fake_midtrans, notification  # noqa: F401  (fake_midtrans is a fixture)
from tests.storefront.test_checkout import add, checkout_form
from tests.orders.factories import flat_shipping

SERVER_KEY = "SB-Mid-server-AbCdEf123456XyZ9"
MIDTRANS = {"server_key": SERVER_KEY, "client_key": "SB-Mid-client-QwErTy7890", "mode": "sandbox"}
GROSS = "170000.00"  # 150.000 for the product and 20.000 shipping


def set_up_midtrans(ctx, tenant, server_key=SERVER_KEY):
    with ctx(tenant.id) as session:
        payments.save_credentials("midtrans", {**MIDTRANS, "server_key": server_key})
        payments.save_methods([{"provider": "midtrans", "enabled": True}])
        session.add(CheckoutSettings(unpaid_cancel_hours=24))
        flat_shipping(session, 20_000_00)
        session.commit()


@pytest.fixture
def owner(create_user):
    return create_user(name="Rina Kusuma")


@pytest.fixture
def store(create_store, owner, ctx):
    tenant = create_store(owner=owner, name="Toko Kain", slug="toko-kain", locale="id",
                          contact_email="pemilik@tokokain.example")
    set_up_midtrans(ctx, tenant)
    return tenant


@pytest.fixture
def kain(store, create_product):
    return create_product(store, title="Kain Songket", status="active", price=150_000_00, stock=5)


@pytest.fixture
def shopper(store, store_client):
    return store_client(store)


@pytest.fixture
def midtrans_client(store, store_client):
    """Midtrans posting notifications to the store's host."""
    return store_client(store)


def place(shopper, product, quantity=1):
    add(shopper, product.variants[0].id, quantity)
    return shopper.post("/checkout", data={**checkout_form(shopper), "payment_method": "midtrans"})


def state(ctx, tenant, number=1001):
    """The order as the database has it now, as plain values."""
    with ctx(tenant.id) as session:
        order = session.scalar(select(Order).where(Order.number == number))
        payment = order.payments[-1]
        return SimpleNamespace(
            id=order.id, token=order.token, status=order.status, payment_status=order.payment_status,
            payment=payment.status, reference=payment.reference, redirect_url=payment.redirect_url,
            attempts=list((payment.details or {}).get("attempts", [])), due=order.payment_due_at,
            refunded_total=order.refunded_total, events=[e.kind for e in order.events],
            refunds=[(r.amount, r.provider_reference) for r in
                     session.scalars(select(Refund).where(Refund.order_id == order.id))])


def notify(client, payload):
    return client.post("/webhooks/midtrans", data=json.dumps(payload), content_type="application/json")


def shopper_mail(outbox, address="sari@example.com"):
    return [m for m in outbox() if str(m["To"]) == address]


@pytest.fixture
def placed(store, kain, shopper, fake_midtrans, ctx):
    """An order placed with Midtrans: the shopper was sent to (fake) Snap."""
    response = place(shopper, kain)
    assert response.status_code == 303
    return state(ctx, store)


# Starting a payment


def test_placing_an_order_sends_the_shopper_to_snap(store, kain, shopper, fake_midtrans, ctx):
    response = place(shopper, kain, 2)
    assert response.status_code == 303
    [call] = fake_midtrans.seen("snap")
    token = fake_midtrans.transactions[call.body["transaction_details"]["order_id"]]["token"]
    assert response.headers["Location"] == f"{fake_midtrans.url}/snap/v4/redirection/{token}"
    assert call.basic_auth == (SERVER_KEY, "")
    details = call.body["transaction_details"]
    assert details["gross_amount"] == 320_000 and isinstance(details["gross_amount"], int)
    assert sum(item["price"] * item["quantity"] for item in call.body["item_details"]) == 320_000
    assert {"id": "shipping", "price": 20_000, "quantity": 1}.items() <= call.body["item_details"][-1].items()
    assert call.body["item_details"][0]["name"] == "Kain Songket" and call.body["item_details"][0]["quantity"] == 2
    assert call.body["customer_details"]["email"] == "sari@example.com"
    assert call.body["customer_details"]["first_name"] == "Sari Wulandari"
    assert call.body["customer_details"]["phone"] == "+6281234567890"
    assert call.body["expiry"]["unit"] == "minute" and 24 * 60 - 2 <= call.body["expiry"]["duration"] <= 24 * 60
    order = state(ctx, store)
    assert call.body["callbacks"]["finish"] == f"http://toko-kain.localhost/orders/{order.token}"
    assert details["order_id"].startswith("1001-") and order.reference == details["order_id"]
    assert order.redirect_url == response.headers["Location"] and order.attempts == [details["order_id"]]
    assert order.payment_status == PaymentStatus.PENDING and order.payment == PaymentRecordStatus.PENDING
    assert order.due is not None  # the store's unpaid window applies to Midtrans orders too
    assert SERVER_KEY not in json.dumps(call.body)


def test_the_api_failing_on_start_leaves_the_order_pending_with_pay_now(store, kain, shopper, fake_midtrans, ctx):
    fake_midtrans.fail("snap", 500)
    response = place(shopper, kain)
    assert response.status_code == 303 and "/orders/" in response.headers["Location"]
    page = shopper.get(response.headers["Location"]).get_data(as_text=True)
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PENDING and order.status == OrderStatus.OPEN
    assert order.reference == "" and f'action="/orders/{order.token}/pay"' in page
    assert 'role="alert"' in page  # "we couldn't reach the payment provider"
    fake_midtrans.recover("snap")
    retry = shopper.post(f"/orders/{order.token}/pay")
    assert retry.status_code == 303 and retry.headers["Location"].startswith(f"{fake_midtrans.url}/snap/")
    assert state(ctx, store).reference


def test_errors_are_short_and_never_show_the_key(store, kain, shopper, fake_midtrans, ctx, app):
    place(shopper, kain)
    order = state(ctx, store)
    fake_midtrans.fail("status", 401, {"status_code": "401", "error_messages": [f"bad key {SERVER_KEY}"]})
    with ctx(store.id) as session, app.test_request_context(headers={"Accept-Language": "en"}):
        row = session.scalar(select(Order))
        with pytest.raises(providers.ProviderError) as raised:
            providers.get("midtrans").check_status(row.payments[-1])
        assert SERVER_KEY not in str(raised.value) and "server key" in str(raised.value)
        fake_midtrans.fail("status", 400, {"status_code": "400", "error_messages": [f"nope {SERVER_KEY}"]})
        with pytest.raises(providers.ProviderError) as raised:
            providers.get("midtrans").check_status(row.payments[-1])
        assert SERVER_KEY not in str(raised.value) and "nope" in str(raised.value)
    assert state(ctx, store).payment_status == order.payment_status == PaymentStatus.PENDING


def test_a_timeout_is_a_provider_error(store, kain, shopper, fake_midtrans, ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "MIDTRANS_TIMEOUT", 0.2)
    fake_midtrans.delays["snap"] = 1
    response = place(shopper, kain)
    assert response.status_code == 303 and "/orders/" in response.headers["Location"]
    assert state(ctx, store).reference == ""  # nothing was saved of the attempt that timed out


def test_a_server_key_refused_by_midtrans_says_so(store, kain, shopper, fake_midtrans, ctx, app):
    fake_midtrans.fail("snap", 401, {"status_code": "401", "error_messages": ["Access denied"]})
    place(shopper, kain)
    with ctx(store.id) as session, app.test_request_context():
        row = session.scalar(select(Order))
        with pytest.raises(providers.ProviderError) as raised:
            providers.get("midtrans").start(row, row.payments[-1], "http://x/", "http://x/")
        assert SERVER_KEY not in str(raised.value)


# Notifications


def test_settlement_marks_the_order_paid_once(placed, store, shopper, midtrans_client, ctx, run_jobs, outbox):
    run_jobs()
    before = len(shopper_mail(outbox))
    payload = notification(SERVER_KEY, placed.reference, "settlement", GROSS)
    assert notify(midtrans_client, payload).status_code == 200
    assert notify(midtrans_client, payload).status_code == 200  # delivered again: applied once
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PAID and order.payment == PaymentRecordStatus.PAID
    assert order.events.count("paid") == 1
    page = shopper.get(f"/orders/{order.token}").get_data(as_text=True)
    assert '<li class="is-done">Dibayar</li>' in page and f"/orders/{order.token}/pay" not in page
    run_jobs()
    assert len(shopper_mail(outbox)) == before + 1  # one "payment received"
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_capture_with_fraud_accept_pays_but_challenge_waits(placed, store, midtrans_client, ctx):
    challenge = notification(SERVER_KEY, placed.reference, "capture", GROSS, fraud_status="challenge")
    assert notify(midtrans_client, challenge).status_code == 200
    assert state(ctx, store).payment_status == PaymentStatus.PENDING
    accept = notification(SERVER_KEY, placed.reference, "capture", GROSS, fraud_status="accept")
    assert notify(midtrans_client, accept).status_code == 200
    assert state(ctx, store).payment_status == PaymentStatus.PAID


def test_pending_changes_nothing(placed, store, midtrans_client, ctx):
    assert notify(midtrans_client, notification(SERVER_KEY, placed.reference, "pending", GROSS)).status_code == 200
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PENDING and order.payment == PaymentRecordStatus.PENDING
    assert order.events == placed.events


@pytest.mark.parametrize("status, recorded", [
    ("deny", PaymentRecordStatus.FAILED),
    ("cancel", PaymentRecordStatus.CANCELLED),
    ("expire", PaymentRecordStatus.EXPIRED),
])
def test_a_failed_attempt_marks_the_payment_and_leaves_the_order_open(placed, store, shopper, midtrans_client, ctx,
                                                                      status, recorded):
    assert notify(midtrans_client, notification(SERVER_KEY, placed.reference, status, GROSS)).status_code == 200
    order = state(ctx, store)
    assert order.payment == recorded and "payment_failed" in order.events
    assert order.payment_status == PaymentStatus.PENDING and order.status == OrderStatus.OPEN
    assert f"/orders/{order.token}/pay" in shopper.get(f"/orders/{order.token}").get_data(as_text=True)


def test_after_expire_the_store_auto_cancel_releases_the_stock(placed, store, kain, midtrans_client, ctx, app):
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "expire", GROSS))
    with ctx(store.id) as session:
        assert session.scalar(select(Variant.stock).where(Variant.id == kain.variants[0].id)) == 4
        session.scalar(select(Order)).payment_due_at = utcnow() - timedelta(minutes=1)
        session.commit()
    with app.app_context():
        assert tasks.cancel_unpaid() == 1
    order = state(ctx, store)
    assert order.status == OrderStatus.CANCELLED and order.payment_status == PaymentStatus.EXPIRED
    with ctx(store.id) as session:
        assert session.scalar(select(Variant.stock).where(Variant.id == kain.variants[0].id)) == 5
    # A settlement that arrives after the order lapsed leaves it cancelled but shows the money to the merchant.
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS))
    order = state(ctx, store)
    assert order.status == OrderStatus.CANCELLED and order.payment_status == PaymentStatus.EXPIRED
    assert order.events.count("paid_after_cancel") == 1


def test_settlement_after_expire_of_an_open_order_pays_it(placed, store, midtrans_client, ctx):
    """Decided: money Midtrans settled counts while the order is still open, even after its attempt expired."""
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "expire", GROSS))
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS))
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PAID and order.payment == PaymentRecordStatus.PAID
    assert order.reference == placed.reference


@pytest.mark.parametrize("late", ["expire", "deny", "cancel", "pending"])
def test_a_late_event_never_unpays_a_paid_order(placed, store, midtrans_client, ctx, late):
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS))
    assert notify(midtrans_client, notification(SERVER_KEY, placed.reference, late, GROSS)).status_code == 200
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PAID and order.payment == PaymentRecordStatus.PAID
    assert "payment_failed" not in order.events


@pytest.mark.parametrize("change", [
    lambda p: {**p, "signature_key": "0" * 128},
    lambda p: {**p, "gross_amount": "1.00"},  # signed for another amount
    lambda p: {**p, "transaction_status": "settlement", "order_id": p["order_id"] + "x"},
    lambda p: {k: v for k, v in p.items() if k != "signature_key"},
    lambda p: {**p, "signature_key": signature(p["order_id"], p["status_code"], p["gross_amount"], "SB-Mid-server-x")},
])
def test_a_bad_signature_is_refused_and_changes_nothing(placed, store, midtrans_client, ctx, change):
    response = notify(midtrans_client, change(notification(SERVER_KEY, placed.reference, "settlement", GROSS)))
    assert response.status_code == 400
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PENDING and order.events == placed.events
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


@pytest.mark.parametrize("body", [b"not json", b"[]", b"{}", json.dumps({"order_id": 5}).encode()])
def test_malformed_notifications_are_refused(placed, store, midtrans_client, ctx, body):
    response = midtrans_client.post("/webhooks/midtrans", data=body, content_type="application/json")
    assert response.status_code == 400 and state(ctx, store).payment_status == PaymentStatus.PENDING


def test_a_gross_amount_mismatch_never_pays(placed, store, midtrans_client, ctx, caplog):
    payload = notification(SERVER_KEY, placed.reference, "settlement", "1000.00")  # genuinely signed, wrong amount
    assert notify(midtrans_client, payload).status_code == 200
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PENDING and order.events == placed.events
    assert "ignored" in caplog.text


def test_another_stores_order_id_changes_nothing(placed, store, create_store, create_product, store_client,
                                                 midtrans_client, ctx):
    other = create_store(name="Toko Lain", slug="toko-lain")
    other_key = "SB-Mid-server-OtherStore12345"
    set_up_midtrans(ctx, other, other_key)
    other_shopper = store_client(other)
    assert place(other_shopper, create_product(other, status="active", price=150_000_00)).status_code == 303
    theirs = state(ctx, other)
    # Signed with this store's key but naming the other store's transaction: not found here, ignored.
    assert notify(midtrans_client, notification(SERVER_KEY, theirs.reference, "settlement", GROSS)).status_code == 200
    # The other store's genuine notification sent to this store's host doesn't verify here.
    assert notify(midtrans_client, notification(other_key, theirs.reference, "settlement", GROSS)).status_code == 400
    assert state(ctx, other).payment_status == PaymentStatus.PENDING
    assert state(ctx, store).payment_status == PaymentStatus.PENDING
    # And at its own store it pays only that store's order.
    genuine = notification(other_key, theirs.reference, "settlement", GROSS)
    assert notify(store_client(other), genuine).status_code == 200
    assert state(ctx, other).payment_status == PaymentStatus.PAID
    assert state(ctx, store).payment_status == PaymentStatus.PENDING


# Retrying and the status check


def test_a_missed_webhook_is_found_by_the_status_check_on_pay_now(placed, store, shopper, fake_midtrans, ctx):
    fake_midtrans.set_status(placed.reference, "settlement")
    response = shopper.post(f"/orders/{placed.token}/pay")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/orders/{placed.token}")
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PAID and order.reference == placed.reference
    assert len(fake_midtrans.seen("snap")) == 1  # no new transaction
    [check] = fake_midtrans.seen("status")
    assert check.path == f"/v2/{placed.reference}/status" and check.basic_auth == (SERVER_KEY, "")


def test_pay_now_while_an_attempt_is_pending_reopens_the_same_snap_page(placed, store, shopper, fake_midtrans, ctx):
    response = shopper.post(f"/orders/{placed.token}/pay")  # Snap opened, nothing chosen yet: Midtrans says 404
    assert response.headers["Location"] == placed.redirect_url
    fake_midtrans.set_status(placed.reference, "pending")  # a virtual account number was issued
    response = shopper.post(f"/orders/{placed.token}/pay")
    assert response.headers["Location"] == placed.redirect_url
    assert len(fake_midtrans.seen("snap")) == 1 and state(ctx, store).payment_status == PaymentStatus.PENDING


def test_pay_now_after_a_denied_attempt_starts_a_new_one(placed, store, shopper, fake_midtrans, midtrans_client, ctx):
    fake_midtrans.set_status(placed.reference, "deny")
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "deny", GROSS,
                                         transaction_id=fake_midtrans.transactions[placed.reference]["transaction_id"]))
    response = shopper.post(f"/orders/{placed.token}/pay")
    assert response.status_code == 303 and response.headers["Location"] != placed.redirect_url
    order = state(ctx, store)
    assert order.reference != placed.reference and order.attempts == [placed.reference, order.reference]
    assert order.payment == PaymentRecordStatus.PENDING and len(fake_midtrans.seen("snap")) == 2
    # The old attempt's late failure doesn't touch the new one; the new one's settlement pays the order.
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "expire", GROSS))
    assert state(ctx, store).payment == PaymentRecordStatus.PENDING
    notify(midtrans_client, notification(SERVER_KEY, order.reference, "settlement", GROSS))
    assert state(ctx, store).payment_status == PaymentStatus.PAID


def test_a_settlement_of_an_older_attempt_still_pays(placed, store, shopper, fake_midtrans, midtrans_client, ctx):
    fake_midtrans.set_status(placed.reference, "expire")
    shopper.post(f"/orders/{placed.token}/pay")  # the status check applies the expiry, then a new attempt
    newer = state(ctx, store)
    assert newer.reference != placed.reference and "payment_failed" in newer.events
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS))
    order = state(ctx, store)
    assert order.payment_status == PaymentStatus.PAID and order.reference == placed.reference


def test_the_status_check_failing_on_pay_now_starts_nothing(placed, store, shopper, fake_midtrans, ctx):
    fake_midtrans.fail("status", 503)
    response = shopper.post(f"/orders/{placed.token}/pay")
    assert response.headers["Location"].endswith(f"/orders/{placed.token}")
    assert len(fake_midtrans.seen("snap")) == 1 and state(ctx, store).reference == placed.reference


# Refunds


@pytest.fixture
def merchant(client, owner, store, login):
    login(client, owner)
    return client


def test_a_builder_refund_goes_through_midtrans_and_its_notification_adds_nothing(
        placed, store, merchant, fake_midtrans, midtrans_client, ctx, run_jobs, outbox):
    fake_midtrans.set_status(placed.reference, "settlement")
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS))
    response = merchant.post(f"/stores/toko-kain/orders/{placed.id}/refund",
                             data={"refund-amount": "50.000", "refund-reason": "Ukuran salah"})
    assert response.status_code == 302
    [call] = fake_midtrans.seen("refund")
    assert call.path == f"/v2/{placed.reference}/refund" and call.basic_auth == (SERVER_KEY, "")
    assert call.body["amount"] == 50_000 and isinstance(call.body["amount"], int)
    assert call.body["reason"] == "Ukuran salah"
    key = call.body["refund_key"]
    order = state(ctx, store)
    assert order.refunded_total == 50_000_00 and order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.refunds == [(50_000_00, key)]
    # Midtrans then reports the refund we made: it is counted once.
    reported = notification(SERVER_KEY, placed.reference, "partial_refund", GROSS, refund_amount="50000.00",
                            refunds=fake_midtrans.transactions[placed.reference]["refunds"])
    assert notify(midtrans_client, reported).status_code == 200
    assert state(ctx, store).refunded_total == 50_000_00 and len(state(ctx, store).refunds) == 1
    # A refund made in Midtrans' dashboard is recorded, once.
    dashboard = notification(SERVER_KEY, placed.reference, "partial_refund", GROSS, refund_amount="70000.00", refunds=[
        *fake_midtrans.transactions[placed.reference]["refunds"],
        {"refund_chargeback_id": 2, "refund_amount": "20000.00", "reason": "", "refund_key": "dashboard-1"}])
    assert notify(midtrans_client, dashboard).status_code == 200
    assert notify(midtrans_client, dashboard).status_code == 200
    order = state(ctx, store)
    assert order.refunded_total == 70_000_00 and sorted(order.refunds) == [(20_000_00, "dashboard-1"),
                                                                           (50_000_00, key)]
    # The rest, refunded in full: the order is refunded, and a late settlement doesn't move it back to paid.
    merchant.post(f"/stores/toko-kain/orders/{placed.id}/refund", data={"refund-amount": "100.000"})
    assert state(ctx, store).payment_status == PaymentStatus.REFUNDED
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS, transaction_id="tx-9"))
    assert state(ctx, store).payment_status == PaymentStatus.REFUNDED


def test_a_refund_midtrans_refuses_records_nothing(placed, store, merchant, fake_midtrans, midtrans_client, ctx):
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS))
    # The fake's transaction is still unpaid, so Midtrans answers 412 "cannot modify the status".
    response = merchant.post(f"/stores/toko-kain/orders/{placed.id}/refund", data={"refund-amount": "50.000"})
    assert response.status_code == 200
    assert "cannot modify" in response.get_data(as_text=True)
    order = state(ctx, store)
    assert order.refunded_total == 0 and order.refunds == [] and order.payment_status == PaymentStatus.PAID


def test_a_full_refund_notification_without_the_list_is_counted_once(placed, store, midtrans_client, ctx):
    notify(midtrans_client, notification(SERVER_KEY, placed.reference, "settlement", GROSS))
    refund = notification(SERVER_KEY, placed.reference, "refund", GROSS, refund_amount=GROSS)
    notify(midtrans_client, refund)
    notify(midtrans_client, {**refund, "transaction_id": "tx-other"})
    order = state(ctx, store)
    assert order.refunded_total == 170_000_00 and order.payment_status == PaymentStatus.REFUNDED
    assert len(order.refunds) == 1

