"""Stripe Checkout: a redirect to Stripe's hosted payment page, signed webhooks, and refunds through the API.

Card data never reaches Etalase: the shopper pays on checkout.stripe.com. Every call goes through a
`stripe.StripeClient` built for the bound store's own secret key, with its API base from the app's config
(`STRIPE_API_BASE`), so tests point it at a fake server on loopback.

What Stripe tells us arrives as webhooks on the store's host (`POST /webhooks/stripe`), signed with the store's
webhook secret. Each event is applied once (by its id), and only to an order of the bound store:
- checkout.session.completed / async_payment_succeeded, paid: the order is paid;
- checkout.session.expired / async_payment_failed: that attempt lapsed or failed (a paid order stays paid);
- charge.refunded: each refund is recorded once, by its id, so the refunds made from the builder (which
  store the same id) aren't counted twice.
"""
import re
import time
from datetime import UTC, datetime

import stripe
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.extensions import db
from saas.ids import new_id
from saas.orders.models import Order, OrderStatus, Payment, PaymentRecordStatus, PaymentStatus
from saas.payments.providers import Provider, ProviderError, Started, WebhookRejected, register

NAME = "stripe"
WEBHOOK_TOLERANCE = 300  # seconds: an older signature is refused (a replay)
TIMEOUT = (5, 25)  # connect, read: the shopper is waiting
RETRIES = 1  # safe: every call that creates something carries an idempotency key
# Stripe lets a Checkout Session live from 30 minutes to 24 hours.
SESSION_MIN = 30 * 60 + 120
SESSION_MAX = 24 * 3600 - 120
# Seconds: a double click within one gets the same session. Stripe answers a key it has seen with its first answer,
# errors included, so a retry after a failure needs the next bucket (the shopper is told to try again in a moment).
IDEMPOTENCY_BUCKET = 15
REUSE_MARGIN = 10 * 60  # an open session with less time left than this isn't offered again
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
FAILED_EVENTS = {"checkout.session.expired": PaymentRecordStatus.EXPIRED,
                 "checkout.session.async_payment_failed": PaymentRecordStatus.FAILED}
_KEY_LIKE = re.compile(r"\b(sk|rk|pk|whsec)_[A-Za-z0-9_*]+")


class StripeCheckout(Provider):
    name = NAME
    manual = False
    refunds = True

    # Starting a payment

    def start(self, order, payment, return_url: str, cancel_url: str) -> Started:
        if payment is None or payment.provider != NAME or payment.status != PaymentRecordStatus.PENDING:
            payment = _new_attempt(order)
        now = _now()
        details = dict(payment.details or {})
        if payment.reference and payment.redirect_url and int(details.get("expires_at") or 0) > now + REUSE_MARGIN:
            return Started(redirect_url=payment.redirect_url)  # the session made a moment ago is still open
        bucket = now - now % IDEMPOTENCY_BUCKET
        expires_at = bucket + _session_seconds(order)
        store = _store_name(order)
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": order.total,  # already in minor units, as Stripe counts them
                    "product_data": {"name": f"{_('Order %(number)s', number=order.name)} · {store}"[:250]},
                },
            }],
            "customer_email": order.email,
            "client_reference_id": order.token,
            "metadata": _metadata(order),
            "payment_intent_data": {"metadata": _metadata(order)},
            "success_url": return_url,
            "cancel_url": cancel_url,
            "expires_at": expires_at,
        }
        if order.locale in ("id", "en"):
            params["locale"] = order.locale
        key = f"etalase-checkout-{order.tenant_id}-{payment.id}-{bucket}"
        session = _call(lambda client: client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": key}))
        url = getattr(session, "url", None) or ""
        if not url or not getattr(session, "id", None):
            raise ProviderError(_("Stripe did not return a payment page. Try again in a moment."))
        payment.reference = session.id[:255]
        payment.redirect_url = url[:2000]
        payment.details = {**details, "session_id": session.id, "expires_at": expires_at}
        db.session.flush()
        return Started(redirect_url=url)

    # Refunds

    def refund(self, order, payment, amount: int, reason: str) -> str:
        # Hold the order while Stripe refunds: the charge.refunded webhook that follows (or a second click)
        # then waits for this refund to be recorded, and finds its id instead of counting it again.
        db.session.scalar(select(Order).where(Order.id == order.id).with_for_update()
                          .execution_options(populate_existing=True))
        if amount > order.total - order.refunded_total:
            raise ProviderError(_("This order was refunded meanwhile. Reload the page to see what is left."))
        payment_intent = _payment_intent_of(order, payment)
        if not payment_intent:
            raise ProviderError(_("There is no Stripe payment on this order to refund."))
        now = _now()
        bucket = now - now % IDEMPOTENCY_BUCKET
        key = f"etalase-refund-{order.tenant_id}-{order.id}-{order.refunded_total}-{amount}-{bucket}"
        metadata = {**_metadata(order)}
        if reason:
            metadata["reason"] = reason[:500]
        refund = _call(lambda client: client.v1.refunds.create(
            params={"payment_intent": payment_intent, "amount": amount, "metadata": metadata},
            options={"idempotency_key": key}))
        if getattr(refund, "status", None) in ("failed", "canceled") or not getattr(refund, "id", None):
            raise ProviderError(_("Stripe could not make this refund."))
        return refund.id

    # Webhooks

    def handle_webhook(self, request) -> None:
        from saas.payments import services as payments
        from saas.payments.webhooks import first_time

        secret = payments.credentials(NAME).get("webhook_secret") if payments.has_credentials(NAME) else None
        if not secret:
            raise WebhookRejected("stripe is not set up for this store")
        payload = request.get_data()
        header = request.headers.get("Stripe-Signature")
        try:
            event = stripe.Webhook.construct_event(payload, header, secret, tolerance=WEBHOOK_TOLERANCE)
            data = event.to_dict()
        except stripe.SignatureVerificationError:
            raise WebhookRejected("invalid signature") from None
        except (ValueError, TypeError, AttributeError, KeyError, IndexError):  # not JSON, or not an event
            raise WebhookRejected("malformed event") from None
        event_id, kind = data.get("id"), data.get("type")
        obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
        if not isinstance(event_id, str) or not event_id or not isinstance(kind, str) or not isinstance(obj, dict):
            raise WebhookRejected("malformed event")
        if kind not in PAID_EVENTS and kind not in FAILED_EVENTS and kind != "charge.refunded":
            return  # not one we act on: acknowledged, so that Stripe stops sending it
        if not first_time(NAME, event_id, kind):
            return
        if kind in PAID_EVENTS:
            _session_paid(obj)
        elif kind in FAILED_EVENTS:
            _session_failed(obj, FAILED_EVENTS[kind])
        else:
            _charge_refunded(obj)


# Applying events


def _session_paid(session: dict) -> None:
    from saas.orders import management

    order = _order_of_session(session)
    if order is None:
        return
    session_id = str(session.get("id") or "")
    payment_intent = _id_of(session.get("payment_intent"))
    payment = _payment_of_session(order, session_id)
    if payment is not None and payment_intent:
        payment.details = {**(payment.details or {}), "session_id": session_id, "payment_intent": payment_intent}
    if session.get("payment_status") != "paid":
        return  # a delayed method (bank debit): async_payment_succeeded or _failed follows
    amount = session.get("amount_total")
    currency = str(session.get("currency") or "").upper()
    if not isinstance(amount, int) or amount != order.total or currency != order.currency.upper():
        shown = management._format_amount(amount, currency) if isinstance(amount, int) and re.fullmatch(
            "[A-Z]{3}", currency) else "?"
        management.record_event(
            order, "payment_review",
            _l("Stripe reported a payment of %(amount)s, which doesn't match the order total. Check it in your "
               "Stripe dashboard.", amount=shown),
            NAME, reference=session_id, amount=amount if isinstance(amount, int) else None, currency=currency[:3])
        return
    management.confirm_provider_payment(order, NAME, session_id or payment_intent, amount)
    if payment is not None and payment_intent:
        # confirm_provider_payment may have marked a later attempt paid: keep the intent on the one marked paid
        paid = next((p for p in reversed(order.payments)
                     if p.provider == NAME and p.status == PaymentRecordStatus.PAID), None)
        if paid is not None and paid is not payment:
            paid.details = {**(paid.details or {}), "session_id": session_id, "payment_intent": payment_intent}


def _session_failed(session: dict, status: PaymentRecordStatus) -> None:
    from saas.orders import management

    order = _order_of_session(session)
    if order is None:
        return
    session_id = str(session.get("id") or "")
    # Only the attempt this session belongs to: an older session lapsing says nothing about a newer one.
    pending = next((p for p in reversed(order.payments) if p.provider == NAME
                    and p.status == PaymentRecordStatus.PENDING), None)
    if pending is None or pending.reference != session_id:
        return
    management.fail_provider_payment(order, NAME, session_id, status)


def _charge_refunded(charge: dict) -> None:
    from saas.orders import management

    payment_intent = _id_of(charge.get("payment_intent"))
    order = _order_of_payment_intent(payment_intent) if payment_intent else None
    if order is None:
        order = _order_from_metadata(charge.get("metadata"))
    if order is None:
        return
    if str(charge.get("currency") or order.currency).upper() != order.currency.upper():
        return
    if order.payment_status == PaymentStatus.PENDING and order.status != OrderStatus.CANCELLED:
        # Out of order: the refund is reported before the payment. Refused (nothing recorded, not even the
        # event), so Stripe sends it again later, after the payment has been applied.
        raise WebhookRejected("the payment of this charge isn't applied yet; send the event again later")
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
        return  # cancelled before it was paid: nothing of ours to refund
    refunds = charge.get("refunds")
    listed = refunds.get("data") if isinstance(refunds, dict) else None
    if isinstance(listed, list):
        for refund in listed:
            if not isinstance(refund, dict) or refund.get("status") not in ("succeeded", "pending"):
                continue
            amount = refund.get("amount")
            if isinstance(amount, int) and amount > 0 and isinstance(refund.get("id"), str):
                management.record_provider_refund(order, NAME, refund["id"], amount)
        return
    # Newer API versions don't list the refunds on the charge: count what was refunded beyond what we know of.
    refunded = charge.get("amount_refunded")
    if isinstance(refunded, int) and refunded > order.refunded_total:
        reference = f"{charge.get('id') or payment_intent}:{refunded}"
        management.record_provider_refund(order, NAME, reference, refunded - order.refunded_total)


# Finding the order an event is about (always within the bound store)


def _locked_order(statement):
    return db.session.scalar(statement.with_for_update().execution_options(populate_existing=True))


def _order_from_metadata(metadata) -> Order | None:
    from saas.tenants.scoping import current_tenant_id

    if not isinstance(metadata, dict):
        return None
    order_id, tenant_id = str(metadata.get("order_id") or ""), str(metadata.get("tenant_id") or "")
    if tenant_id and tenant_id != str(current_tenant_id()):
        return None  # another store's order: never touched from this store's webhook
    if not order_id.isascii() or not order_id.isdigit() or len(order_id) > 18:
        return None
    return _locked_order(select(Order).where(Order.id == int(order_id)))


def _order_of_session(session: dict) -> Order | None:
    order = _order_from_metadata(session.get("metadata"))
    if order is None:
        return None
    token = session.get("client_reference_id")
    if token and token != order.token:
        return None  # metadata and reference disagree: not a session we made for this order
    return order


def _order_of_payment_intent(payment_intent: str) -> Order | None:
    payment = db.session.scalar(
        select(Payment).where(Payment.provider == NAME, Payment.details["payment_intent"].as_string() == payment_intent)
        .order_by(Payment.created_at.desc()).limit(1))
    if payment is None:
        return None
    return _locked_order(select(Order).where(Order.id == payment.order_id))


def _payment_of_session(order: Order, session_id: str) -> Payment | None:
    ours = [p for p in order.payments if p.provider == NAME]
    return next((p for p in reversed(ours) if session_id and p.reference == session_id), None) or (
        ours[-1] if ours else None)


def _payment_intent_of(order: Order, payment: Payment | None) -> str:
    ours = [p for p in reversed(order.payments) if p.provider == NAME]
    candidates = ([payment] if payment is not None else []) + ours
    for candidate in candidates:
        found = (candidate.details or {}).get("payment_intent")
        if found:
            return found
    # Paid before its webhook told us the intent: ask Stripe for the session's.
    for candidate in candidates:
        if candidate.status == PaymentRecordStatus.PAID and candidate.reference.startswith("cs_"):
            session = _call(lambda client: client.v1.checkout.sessions.retrieve(candidate.reference))
            found = _id_of(getattr(session, "payment_intent", None))
            if found:
                candidate.details = {**(candidate.details or {}), "payment_intent": found}
                return found
    return ""


# Helpers


def _now() -> int:
    return int(time.time())


def _new_attempt(order: Order) -> Payment:
    payment = Payment(id=new_id(), tenant_id=order.tenant_id, order_id=order.id, provider=NAME, amount=order.total,
                      status=PaymentRecordStatus.PENDING, details={})
    order.payments.append(payment)
    db.session.flush()
    return payment


def _session_seconds(order: Order) -> int:
    """How long the hosted page stays open: the store's unpaid window, within what Stripe allows."""
    from saas.payments import services as payments

    hours = payments.current_checkout_settings().unpaid_cancel_hours or payments.DEFAULT_CANCEL_HOURS
    seconds = min(SESSION_MAX, int(hours) * 3600)
    if order.payment_due_at is not None:
        # Never past the order's own deadline, or a shopper could pay for an order the store already cancelled.
        left = int(order.payment_due_at.timestamp()) - _now()
        if left <= 0:
            raise ProviderError(_("The time to pay for this order is over."))
        if left < SESSION_MIN:  # Stripe's shortest page outlasts the deadline: the order waits for it
            order.payment_due_at = datetime.fromtimestamp(_now() + SESSION_MIN, UTC)
            left = SESSION_MIN
        seconds = min(seconds, left)
    return max(SESSION_MIN, seconds)


def _store_name(order: Order) -> str:
    from saas.tenants.models import Tenant

    store = db.session.get(Tenant, order.tenant_id)
    return store.name if store is not None else ""


def _metadata(order: Order) -> dict:
    return {"order_id": str(order.id), "tenant_id": str(order.tenant_id), "order_number": order.name}


def _id_of(value) -> str:
    """An id that Stripe sends either as a string or as an expanded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) or hasattr(value, "get"):
        found = value.get("id")
        return found if isinstance(found, str) else ""
    return ""


def _call(request):
    """Run one API call with the bound store's key; any failure becomes a ProviderError safe to show."""
    from saas.payments import services as payments

    secret_key = payments.credentials(NAME).get("secret_key") if payments.has_credentials(NAME) else None
    if not secret_key:
        raise ProviderError(_("Stripe is not set up for this store."))
    http = stripe.RequestsClient(timeout=TIMEOUT)
    client = stripe.StripeClient(secret_key, base_addresses={"api": current_app.config["STRIPE_API_BASE"]},
                                 max_network_retries=RETRIES, http_client=http)
    try:
        return request(client)
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe call failed: %s (%s)", type(error).__name__,
                                   _redact(str(getattr(error, "code", "") or "")))
        raise ProviderError(_message(error)) from None
    finally:
        http.close()


def _redact(text: str) -> str:
    return _KEY_LIKE.sub("[key]", text)


def _message(error: stripe.StripeError) -> str:
    if isinstance(error, (stripe.AuthenticationError, stripe.PermissionError)):
        return _("Stripe refused the store's API key. Check the keys on the Payments page.")
    if isinstance(error, stripe.APIConnectionError):
        return _("Stripe could not be reached. Try again in a moment.")
    if isinstance(error, stripe.RateLimitError):
        return _("Stripe is busy. Try again in a moment.")
    if isinstance(error, (stripe.InvalidRequestError, stripe.CardError)):
        said = getattr(error, "user_message", None) or getattr(error, "_message", None) or ""
        said = _redact(" ".join(str(said).split()))[:200]
        return _("Stripe refused the request: %(message)s", message=said) if said else _(
            "Stripe refused the request.")
    return _("Stripe had a problem. Try again in a moment.")


register(StripeCheckout())
