"""Stripe Checkout, over HTTP: checkout redirects to a hosted page on a fake Stripe API on loopback, webhooks
signed as Stripe signs them change the order once, and refunds go through the API and are counted once."""
import hashlib
import hmac
import json
import re
import time

import pytest
from sqlalchemy import func, select

from saas.orders.models import (
    CheckoutSettings,
    Order,
    OrderStatus,
    Payment,
    PaymentRecordStatus,
    PaymentStatus,
    Refund,
    WebhookEvent,
)
from saas.payments import providers
from saas.payments import services as payments
from tests.payments.fake_stripe import fake_stripe  # noqa: F401  (a fixture)
from tests.orders.factories import flat_shipping, shipping_choice

SECRET_KEY = "sk_test_51HqLyjWDarjtT1zdp7dcXYZ4242"
WEBHOOK_SECRET = "whsec_abcdefghij1234567890"
STRIPE = {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET,
          "publishable_key": "pk_test_51HqLyjWDarjtT1zdABCD"}
ADDRESS = {
    "email": "Sari@Example.com", "phone": "0812-3456-7890", "name": "Sari Wulandari",
    "street": "Jl. Braga No. 10, RT 02/RW 05", "district": "Sumur Bandung", "city": "Kota Bandung",
    "province": "Jawa Barat", "postal_code": "40111", "payment_method": "stripe", "note": "",
}
PRICE = 250_000_00
SHIPPING = 20_000_00
TOTAL = PRICE + SHIPPING


def with_stripe(ctx, tenant, cancel_hours=24):
    with ctx(tenant.id) as session:
        payments.save_credentials("stripe", STRIPE)
        payments.save_methods([{"provider": "stripe", "enabled": True}, {"provider": "cod", "enabled": True}])
        session.add(CheckoutSettings(unpaid_cancel_hours=cancel_hours))
        flat_shipping(session, SHIPPING)
        session.commit()
    return tenant


@pytest.fixture
def owner(create_user):
    return create_user(name="Dewi Lestari")


@pytest.fixture
def store(create_store, ctx, owner):
    tenant = create_store(owner=owner, name="Toko Kain", slug="toko-kain", locale="en",
                          contact_email="pemilik@tokokain.example")
    return with_stripe(ctx, tenant)


@pytest.fixture
def stripe_api(app, fake_stripe, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", fake_stripe.url)
    return fake_stripe


@pytest.fixture
def shopper(store, store_client):
    return store_client(store)


@pytest.fixture
def kain(store, create_product):
    return create_product(store, title="Kain Songket", status="active", price=PRICE, stock=5)


def checkout_form(shopper):
    page = shopper.get("/checkout")
    assert page.status_code == 200, page.status_code
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.get_data(as_text=True))[1]
    return {**ADDRESS, "idempotency_key": key, "shipping_option": shipping_choice(shopper, ADDRESS)}


def place_order(shopper, product, quantity=1):
    assert shopper.post("/cart/add", data={"variant_id": str(product.variants[0].id),
                                           "quantity": str(quantity)}).status_code == 303
    return shopper.post("/checkout", data=checkout_form(shopper))


def the_order(ctx, store) -> Order:
    from saas.orders.management import get_order

    with ctx(store.id) as session:
        order = get_order(session.scalar(select(Order.id).order_by(Order.number.desc()).limit(1)))
        session.expunge_all()
        return order


def count(ctx, store, model) -> int:
    with ctx(store.id) as session:
        return session.scalar(select(func.count()).select_from(model))


# Webhooks, signed as Stripe signs them


def signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_event_ids = iter(range(1, 10_000))


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_test_{next(_event_ids):06d}", "object": "event", "type": kind,
            "api_version": "2026-10-28.endive", "created": int(time.time()), "livemode": False,
            "data": {"object": obj}}


def send(shopper, body: dict | str, header: str | None = "sign", **sign_kwargs):
    payload = body if isinstance(body, str) else json.dumps(body)
    headers = {}
    if header == "sign":
        headers["Stripe-Signature"] = signature(payload, **sign_kwargs)
    elif header is not None:
        headers["Stripe-Signature"] = header
    return shopper.post("/webhooks/stripe", data=payload, content_type="application/json", headers=headers)


def completed(stripe_api, session_id: str, payment_intent: str = "pi_test_3PaId0001", **changes) -> dict:
    """The session as checkout.session.completed reports it once the shopper has paid."""
    return {**stripe_api.sessions[session_id], "status": "complete", "payment_status": "paid",
            "payment_intent": payment_intent, **changes}


def paid_order(shopper, stripe_api, ctx, store, product, payment_intent="pi_test_3PaId0001"):
    place_order(shopper, product)
    order = the_order(ctx, store)
    session_id = order.payments[-1].reference
    assert send(shopper, event("checkout.session.completed",
                               completed(stripe_api, session_id, payment_intent))).status_code == 200
    return the_order(ctx, store)


# Starting a payment


def test_placing_an_order_redirects_to_the_stripe_session(shopper, stripe_api, kain, ctx, store):
    response = place_order(shopper, kain)
    assert response.status_code == 303
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    session = stripe_api.sessions[next(iter(stripe_api.sessions))]
    assert response.headers["Location"] == session["url"]
    order = the_order(ctx, store)
    form = call.form
    assert call.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert form["mode"] == "payment" and form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][unit_amount]"] == str(TOTAL) == str(order.total)
    assert form["line_items[0][price_data][currency]"] == "idr"
    assert form["line_items[0][price_data][product_data][name]"] == "Order #1001 · Toko Kain"
    assert form["customer_email"] == "sari@example.com" and form["client_reference_id"] == order.token
    assert form["metadata[order_id]"] == str(order.id) and form["metadata[tenant_id]"] == str(store.id)
    assert form["success_url"] == form["cancel_url"] == f"http://toko-kain.localhost/orders/{order.token}"
    assert call.headers["Idempotency-Key"].startswith("etalase-checkout-")
    # The hosted page closes when the store stops waiting (24 hours here), within Stripe's 30 min to 24 h.
    assert 23 * 3600 < int(form["expires_at"]) - time.time() <= 24 * 3600
    [payment] = order.payments
    assert (payment.provider, payment.status, payment.reference, payment.redirect_url) == (
        "stripe", PaymentRecordStatus.PENDING, session["id"], session["url"])
    assert order.payment_status == PaymentStatus.PENDING and order.status == OrderStatus.OPEN


def test_the_session_expires_within_the_stores_unpaid_window(create_store, create_product, ctx, store_client,
                                                              stripe_api):
    tenant = with_stripe(ctx, create_store(locale="en"), cancel_hours=1)
    product = create_product(tenant, status="active", price=PRICE, stock=5)
    assert place_order(store_client(tenant), product).status_code == 303
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert 30 * 60 < int(call.form["expires_at"]) - time.time() <= 3600


def test_stripe_is_offered_at_checkout_only_with_keys(create_store, ctx):
    tenant = create_store()
    with ctx(tenant.id) as session:
        payments.save_credentials("stripe", STRIPE)
        payments.save_methods([{"provider": "stripe", "enabled": True}])
        assert [m.provider for m in payments.enabled_methods()] == ["stripe"]
        payments.remove_credentials("stripe")
        assert payments.enabled_methods() == []
        session.rollback()
    assert providers.get("stripe").name == "stripe" and not providers.get("stripe").manual


def test_a_provider_error_leaves_the_order_pending_with_a_pay_now_button(shopper, stripe_api, kain, ctx, store,
                                                                       monkeypatch):
    from saas.payments.providers import stripe_checkout

    stripe_api.fail("/v1/checkout/sessions", 500, "An unknown error occurred", "api_error")
    response = place_order(shopper, kain)
    order = the_order(ctx, store)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/orders/{order.token}")
    assert order.payment_status == PaymentStatus.PENDING and order.status == OrderStatus.OPEN
    assert order.payments[-1].reference == "" and order.payments[-1].status == PaymentRecordStatus.PENDING
    page = shopper.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pay now" in page and "reach the payment provider" in page and SECRET_KEY not in page
    # A moment later (Stripe replays a failed call for the same idempotency key), the retry makes the session.
    later = int(time.time()) + stripe_checkout.IDEMPOTENCY_BUCKET
    monkeypatch.setattr(stripe_checkout, "_now", lambda: later)
    retry = shopper.post(f"/orders/{order.token}/pay")
    assert retry.status_code == 303 and retry.headers["Location"].startswith("https://checkout.stripe.test/")
    order = the_order(ctx, store)
    assert order.payments[-1].reference.startswith("cs_test_") and len(order.payments) == 1
    # Clicking again while that page is open sends the shopper back to it, without a new session.
    again = shopper.post(f"/orders/{order.token}/pay")
    assert again.headers["Location"] == retry.headers["Location"]
    assert len(stripe_api.calls("POST", "/v1/checkout/sessions")) == 2  # the failed one and the retry


def test_a_new_attempt_after_the_session_expired(shopper, stripe_api, kain, ctx, store):
    place_order(shopper, kain)
    order = the_order(ctx, store)
    first = order.payments[-1].reference
    expired = {**stripe_api.sessions[first], "status": "expired"}
    assert send(shopper, event("checkout.session.expired", expired)).status_code == 200
    order = the_order(ctx, store)
    assert order.payments[-1].status == PaymentRecordStatus.EXPIRED
    assert order.payment_status == PaymentStatus.PENDING and "payment_failed" in [e.kind for e in order.events]
    retry = shopper.post(f"/orders/{order.token}/pay")
    order = the_order(ctx, store)
    assert [p.status for p in order.payments] == [PaymentRecordStatus.EXPIRED, PaymentRecordStatus.PENDING]
    assert order.payments[-1].reference != first and retry.headers["Location"].endswith(order.payments[-1].reference)
    # Paying on the new page pays the order.
    session_id = order.payments[-1].reference
    send(shopper, event("checkout.session.completed", completed(stripe_api, session_id)))
    order = the_order(ctx, store)
    assert order.payment_status == PaymentStatus.PAID
    assert [p.status for p in order.payments] == [PaymentRecordStatus.EXPIRED, PaymentRecordStatus.PAID]


# Webhooks


def test_the_paid_webhook_marks_the_order_paid_once(shopper, stripe_api, kain, ctx, store, run_jobs, outbox):
    place_order(shopper, kain)
    order = the_order(ctx, store)
    session_id = order.payments[-1].reference
    run_jobs()
    before = len(outbox())
    paid = event("checkout.session.completed", completed(stripe_api, session_id))
    response = send(shopper, paid)
    assert response.status_code == 200 and response.json == {"ok": True}
    assert send(shopper, paid).status_code == 200  # Stripe delivers it again
    assert send(shopper, {**paid}, timestamp=int(time.time()) - 60).status_code == 200  # and once more, later
    order = the_order(ctx, store)
    assert order.payment_status == PaymentStatus.PAID and order.paid_at is not None
    assert [e.kind for e in order.events].count("paid") == 1
    [payment] = order.payments
    assert payment.status == PaymentRecordStatus.PAID and payment.reference == session_id
    assert payment.details["payment_intent"] == "pi_test_3PaId0001"
    assert count(ctx, store, WebhookEvent) == 1
    run_jobs()
    sent = outbox()[before:]
    assert [str(m["Subject"]) for m in sent].count("Payment received for order #1001") == 1
    page = shopper.get(f"/orders/{order.token}").get_data(as_text=True)
    assert '<li class="is-done">Paid</li>' in page and "Pay now" not in page


def test_an_unpaid_completed_session_waits_for_the_async_result(shopper, stripe_api, kain, ctx, store):
    place_order(shopper, kain)
    session_id = the_order(ctx, store).payments[-1].reference
    waiting = completed(stripe_api, session_id, payment_status="unpaid")
    send(shopper, event("checkout.session.completed", waiting))
    assert the_order(ctx, store).payment_status == PaymentStatus.PENDING
    send(shopper, event("checkout.session.async_payment_succeeded", completed(stripe_api, session_id)))
    assert the_order(ctx, store).payment_status == PaymentStatus.PAID


def test_an_async_failure_marks_the_attempt_failed(shopper, stripe_api, kain, ctx, store):
    place_order(shopper, kain)
    session_id = the_order(ctx, store).payments[-1].reference
    send(shopper, event("checkout.session.async_payment_failed",
                        completed(stripe_api, session_id, payment_status="unpaid")))
    order = the_order(ctx, store)
    assert order.payments[-1].status == PaymentRecordStatus.FAILED and order.payment_status == PaymentStatus.PENDING


@pytest.mark.parametrize("header, sign_kwargs", [
    ("sign", {"secret": "whsec_someoneelse1234567890"}),  # signed with another secret
    ("sign", {"timestamp": "old"}),  # older than 5 minutes: a replay
    (None, {}),  # no signature at all
    ("t=abc,v1=123", {}),  # not a signature
    ("v1=deadbeef", {}),  # no timestamp
])
def test_a_webhook_that_isnt_genuine_is_refused_and_changes_nothing(shopper, stripe_api, kain, ctx, store,
                                                                    header, sign_kwargs):
    place_order(shopper, kain)
    session_id = the_order(ctx, store).payments[-1].reference
    paid = event("checkout.session.completed", completed(stripe_api, session_id))
    if sign_kwargs.get("timestamp") == "old":
        sign_kwargs = {"timestamp": int(time.time()) - 301}
    response = send(shopper, paid, header, **sign_kwargs)
    assert response.status_code == 400 and response.json["ok"] is False
    assert WEBHOOK_SECRET not in response.get_data(as_text=True)
    order = the_order(ctx, store)
    assert order.payment_status == PaymentStatus.PENDING and [e.kind for e in order.events] == ["placed"]
    assert count(ctx, store, WebhookEvent) == 0
    # The same event, properly signed, still applies afterwards: the refusal recorded nothing.
    assert send(shopper, paid).status_code == 200
    assert the_order(ctx, store).payment_status == PaymentStatus.PAID


def test_a_tampered_body_or_bad_json_is_refused(shopper, stripe_api, kain, ctx, store):
    place_order(shopper, kain)
    order = the_order(ctx, store)
    payload = json.dumps(event("checkout.session.completed",
                               completed(stripe_api, order.payments[-1].reference, amount_total=1)))
    header = signature(payload)
    tampered = payload.replace('"amount_total": 1', f'"amount_total": {TOTAL}')
    assert send(shopper, tampered, header).status_code == 400
    assert send(shopper, "{not json").status_code == 400
    assert send(shopper, "[1, 2]").status_code == 400
    assert send(shopper, json.dumps({"object": "event"})).status_code == 400
    assert the_order(ctx, store).payment_status == PaymentStatus.PENDING


def test_unknown_events_are_acknowledged_and_ignored(shopper, stripe_api, kain, ctx, store):
    place_order(shopper, kain)
    response = send(shopper, event("customer.created", {"id": "cus_test_1", "object": "customer"}))
    assert response.status_code == 200
    assert the_order(ctx, store).events[-1].kind == "placed"


def test_expired_after_paid_doesnt_unpay(shopper, stripe_api, kain, ctx, store):
    order = paid_order(shopper, stripe_api, ctx, store, kain)
    session_id = order.payments[-1].reference
    expired = {**stripe_api.sessions[session_id], "status": "expired"}
    failed = completed(stripe_api, session_id, payment_status="unpaid")
    assert send(shopper, event("checkout.session.expired", expired)).status_code == 200
    assert send(shopper, event("checkout.session.async_payment_failed", failed)).status_code == 200
    order = the_order(ctx, store)
    assert order.payment_status == PaymentStatus.PAID and order.payments[-1].status == PaymentRecordStatus.PAID
    assert "payment_failed" not in [e.kind for e in order.events]


def test_a_paid_event_for_a_cancelled_order_is_kept_for_the_merchant(shopper, stripe_api, kain, ctx, store):
    from saas.orders import management

    place_order(shopper, kain)
    order = the_order(ctx, store)
    with ctx(store.id) as session:
        management.cancel(management.get_order(order.id), "test")
        session.commit()
    send(shopper, event("checkout.session.completed", completed(stripe_api, order.payments[-1].reference)))
    order = the_order(ctx, store)
    assert order.status == OrderStatus.CANCELLED and order.payment_status == PaymentStatus.EXPIRED
    assert "paid_after_cancel" in [e.kind for e in order.events]


def test_a_payment_that_doesnt_match_the_total_doesnt_pay_the_order(shopper, stripe_api, kain, ctx, store):
    place_order(shopper, kain)
    session_id = the_order(ctx, store).payments[-1].reference
    send(shopper, event("checkout.session.completed", completed(stripe_api, session_id, amount_total=100)))
    order = the_order(ctx, store)
    assert order.payment_status == PaymentStatus.PENDING and order.events[-1].kind == "payment_review"
    assert "IDR" in order.events[-1].message or "Rp" in order.events[-1].message


def test_a_webhook_about_another_stores_order_changes_nothing(shopper, stripe_api, kain, ctx, store, create_store,
                                                              create_product, store_client):
    other = with_stripe(ctx, create_store(locale="en", name="Toko Lain", slug="toko-lain"))
    theirs = create_product(other, status="active", price=PRICE, stock=5)
    their_shopper = store_client(other)
    place_order(their_shopper, theirs)
    their_order = the_order(ctx, other)
    their_session = completed(stripe_api, their_order.payments[-1].reference)
    # Delivered to our store, signed with our secret (the sender knows ours): our store can't see that order.
    assert send(shopper, event("checkout.session.completed", their_session)).status_code == 200
    # Even when it claims our store in its metadata.
    claimed = {**their_session, "metadata": {**their_session["metadata"], "tenant_id": str(store.id)}}
    assert send(shopper, event("checkout.session.completed", claimed)).status_code == 200
    assert send(shopper, event("checkout.session.expired", {**their_session, "status": "expired"})).status_code == 200
    their_order = the_order(ctx, other)
    assert their_order.payment_status == PaymentStatus.PENDING and [e.kind for e in their_order.events] == ["placed"]
    assert their_order.payments[-1].status == PaymentRecordStatus.PENDING
    assert count(ctx, other, WebhookEvent) == 0
    # Our own order wasn't touched either.
    place_order(shopper, kain)
    assert the_order(ctx, store).payment_status == PaymentStatus.PENDING


def test_a_refund_made_in_the_stripe_dashboard_is_recorded_once(shopper, stripe_api, kain, ctx, store):
    order = paid_order(shopper, stripe_api, ctx, store, kain)
    charge = {"id": "ch_test_1", "object": "charge", "amount": TOTAL, "amount_refunded": 50_000_00,
              "currency": "idr", "payment_intent": "pi_test_3PaId0001", "refunded": False, "metadata": {},
              "refunds": {"object": "list", "has_more": False, "data": [
                  {"id": "re_test_dash1", "object": "refund", "amount": 50_000_00, "status": "succeeded"}]}}
    refunded = event("charge.refunded", charge)
    assert send(shopper, refunded).status_code == 200
    assert send(shopper, refunded).status_code == 200
    second = {**charge, "amount_refunded": 70_000_00, "refunds": {**charge["refunds"], "data": [
        {"id": "re_test_dash2", "object": "refund", "amount": 20_000_00, "status": "succeeded"},
        *charge["refunds"]["data"]]}}
    assert send(shopper, event("charge.refunded", second)).status_code == 200
    order = the_order(ctx, store)
    assert order.refunded_total == 70_000_00 and order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    with ctx(store.id) as session:
        assert sorted(session.scalars(select(Refund.provider_reference))) == ["re_test_dash1", "re_test_dash2"]


def test_a_refund_event_without_the_refund_list_counts_the_new_amount(shopper, stripe_api, kain, ctx, store):
    paid_order(shopper, stripe_api, ctx, store, kain)
    charge = {"id": "ch_test_1", "object": "charge", "amount": TOTAL, "amount_refunded": TOTAL, "currency": "idr",
              "payment_intent": "pi_test_3PaId0001", "refunded": True, "metadata": {}}
    send(shopper, event("charge.refunded", charge))
    send(shopper, event("charge.refunded", charge))  # a second event saying the same: nothing new
    order = the_order(ctx, store)
    assert order.refunded_total == TOTAL and order.payment_status == PaymentStatus.REFUNDED
    assert count(ctx, store, Refund) == 1


def test_a_refund_event_for_an_unknown_payment_is_ignored(shopper, stripe_api, kain, ctx, store):
    paid_order(shopper, stripe_api, ctx, store, kain)
    charge = {"id": "ch_test_9", "object": "charge", "amount": TOTAL, "amount_refunded": TOTAL, "currency": "idr",
              "payment_intent": "pi_test_someoneelse", "metadata": {}}
    assert send(shopper, event("charge.refunded", charge)).status_code == 200
    assert the_order(ctx, store).refunded_total == 0 and count(ctx, store, Refund) == 0


# Refunds from the builder


@pytest.fixture
def merchant(client, login, owner, store):
    login(client, owner)
    return client


def test_a_merchant_refund_goes_through_stripe_and_its_webhook_adds_nothing(merchant, shopper, stripe_api, kain,
                                                                           ctx, store, run_jobs, outbox):
    order = paid_order(shopper, stripe_api, ctx, store, kain)
    url = f"/stores/toko-kain/orders/{order.id}"
    assert "Up to IDR 270,000 can still be refunded" in merchant.get(url).get_data(as_text=True).replace("\xa0", " ")
    response = merchant.post(f"{url}/refund", data={"refund-amount": "100.000", "refund-reason": "Warna beda"})
    assert response.status_code == 302
    [call] = stripe_api.calls("POST", "/v1/refunds")
    assert call.form["payment_intent"] == "pi_test_3PaId0001" and call.form["amount"] == str(100_000_00)
    assert call.form["metadata[order_id]"] == str(order.id) and call.form["metadata[reason]"] == "Warna beda"
    assert call.headers["Idempotency-Key"].startswith("etalase-refund-")
    refund_id = next(iter(stripe_api.refunds))
    with ctx(store.id) as session:
        [refund] = session.scalars(select(Refund))
        assert (refund.amount, refund.provider_reference) == (100_000_00, refund_id)
    # Stripe then reports the refund it made: already counted.
    charge = {"id": "ch_test_1", "object": "charge", "amount": TOTAL, "amount_refunded": 100_000_00,
              "currency": "idr", "payment_intent": "pi_test_3PaId0001", "metadata": {},
              "refunds": {"object": "list", "has_more": False, "data": [stripe_api.refunds[refund_id]]}}
    assert send(shopper, event("charge.refunded", charge)).status_code == 200
    without_list = {key: value for key, value in charge.items() if key != "refunds"}
    assert send(shopper, event("charge.refunded", without_list)).status_code == 200
    order = the_order(ctx, store)
    assert order.refunded_total == 100_000_00 and order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert [e.kind for e in order.events].count("refunded") == 1 and count(ctx, store, Refund) == 1
    # The rest, refunded again from the builder.
    merchant.post(f"{url}/refund", data={"refund-amount": "170.000", "refund-reason": ""})
    assert [c.form["amount"] for c in stripe_api.calls("POST", "/v1/refunds")] == [str(100_000_00), str(170_000_00)]
    order = the_order(ctx, store)
    assert order.refunded_total == TOTAL and order.payment_status == PaymentStatus.REFUNDED


def test_a_refused_refund_shows_the_error_and_records_nothing(merchant, shopper, stripe_api, kain, ctx, store):
    order = paid_order(shopper, stripe_api, ctx, store, kain)
    stripe_api.fail("/v1/refunds", 400, "Charge ch_test_1 has been disputed.", "invalid_request_error")
    response = merchant.post(f"/stores/toko-kain/orders/{order.id}/refund",
                             data={"refund-amount": "100.000", "refund-reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The payment provider refused the refund" in html and "has been disputed" in html
    assert SECRET_KEY not in html
    order = the_order(ctx, store)
    assert order.refunded_total == 0 and order.payment_status == PaymentStatus.PAID
    assert count(ctx, store, Refund) == 0 and "refunded" not in [e.kind for e in order.events]


def test_stripe_being_down_on_refund_shows_the_error_and_records_nothing(merchant, shopper, stripe_api, kain, ctx,
                                                                         store):
    order = paid_order(shopper, stripe_api, ctx, store, kain)
    stripe_api.fail("/v1/refunds", 500, "An unknown error occurred", "api_error")
    response = merchant.post(f"/stores/toko-kain/orders/{order.id}/refund",
                             data={"refund-amount": "100.000", "refund-reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Stripe had a problem" in html
    assert the_order(ctx, store).refunded_total == 0 and count(ctx, store, Refund) == 0


def test_a_refund_finds_the_payment_intent_when_the_webhook_didnt_say(merchant, shopper, stripe_api, kain, ctx,
                                                                     store):
    place_order(shopper, kain)
    order = the_order(ctx, store)
    session_id = order.payments[-1].reference
    stripe_api.sessions[session_id].update(payment_intent="pi_test_fromapi", payment_status="paid")
    send(shopper, event("checkout.session.completed", completed(stripe_api, session_id, payment_intent=None)))
    assert the_order(ctx, store).payment_status == PaymentStatus.PAID
    merchant.post(f"/stores/toko-kain/orders/{order.id}/refund", data={"refund-amount": "10.000"})
    assert stripe_api.calls("GET", f"/v1/checkout/sessions/{session_id}")
    assert stripe_api.calls("POST", "/v1/refunds")[0].form["payment_intent"] == "pi_test_fromapi"
    with ctx(store.id) as session:
        payment = session.scalar(select(Payment))
        assert payment.details["payment_intent"] == "pi_test_fromapi"


def test_a_refund_reported_before_the_payment_is_sent_back_for_later(shopper, stripe_api, kain, ctx, store):
    place_order(shopper, kain)
    order = the_order(ctx, store)
    charge = {"id": "ch_test_1", "object": "charge", "amount": TOTAL, "amount_refunded": 50_000_00,
              "currency": "idr", "payment_intent": "pi_test_3PaId0001",
              "metadata": {"order_id": str(order.id), "tenant_id": str(store.id)}}
    refunded = event("charge.refunded", charge)
    assert send(shopper, refunded).status_code == 400  # Stripe retries it later
    order = the_order(ctx, store)
    assert order.payment_status == PaymentStatus.PENDING and order.refunded_total == 0
    send(shopper, event("checkout.session.completed", completed(stripe_api, order.payments[-1].reference)))
    assert send(shopper, refunded).status_code == 200  # the retry, now in order
    order = the_order(ctx, store)
    assert order.refunded_total == 50_000_00 and order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
