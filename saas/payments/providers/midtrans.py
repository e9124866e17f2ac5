"""Midtrans Snap: a redirect to Snap's hosted page, signed HTTP notifications, a status check and refunds.

Each store has its own Midtrans account (server key, client key, mode), read through the payment services.
Calls use the standard library (urllib with a timeout) and HTTP Basic auth: the server key as the user name
and an empty password. Amounts here are in minor units (×100); Midtrans takes whole rupiah.

An order has one Midtrans Payment row. Each attempt to pay gets its own Midtrans order id
("<order number>-<random>"), kept in `payment.reference` (the current attempt) and in
`payment.details["attempts"]` (every attempt), so that a notification for an older attempt still finds its order.
A retry ("Pay now") asks Midtrans about the current attempt first: a settled one marks the order paid, a pending
one sends the shopper back to the same Snap page (so they are never asked to pay twice), and only a failed or
expired one starts a new attempt.
"""
import base64
import hashlib
import hmac
import json
import logging
import math
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from saas.extensions import db
from saas.orders.models import Order, OrderStatus, Payment, PaymentRecordStatus, PaymentStatus
from saas.orm import utcnow
from saas.payments import services as payment_settings
from saas.payments.providers import Provider, ProviderError, Started, WebhookRejected, register
from saas.payments.webhooks import first_time

log = logging.getLogger(__name__)

NAME = "midtrans"
HOSTS = {  # (Snap, Core API) by the store's mode, unless configuration points elsewhere
    "sandbox": ("https://app.sandbox.midtrans.com", "https://api.sandbox.midtrans.com"),
    "production": ("https://app.midtrans.com", "https://api.midtrans.com"),
}
DEFAULT_TIMEOUT = 15  # seconds; MIDTRANS_TIMEOUT in config overrides it
ITEM_NAME_MAX = 50  # Midtrans' limits on item_details
ITEM_ID_MAX = 50
FAILED_STATUSES = {"deny": PaymentRecordStatus.FAILED, "failure": PaymentRecordStatus.FAILED,
                   "cancel": PaymentRecordStatus.CANCELLED, "expire": PaymentRecordStatus.EXPIRED}
REFUND_STATUSES = ("refund", "partial_refund")
REQUIRED_FIELDS = ("order_id", "status_code", "gross_amount", "signature_key", "transaction_status")


def rupiah(amount: int) -> int:
    """Minor units to whole rupiah, half up (IDR prices are whole rupiah, so this rarely rounds)."""
    return (amount + 50) // 100


def _minor(value) -> int | None:
    """A Midtrans amount ("150000.00") in minor units, or None when it isn't one."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return int(amount * 100)


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """What Midtrans signs a notification with: SHA512(order_id + status_code + gross_amount + server_key), in hex."""
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


class MidtransSnap(Provider):
    name = NAME
    manual = False
    refunds = True

    # Starting a payment

    def start(self, order, payment, return_url: str, cancel_url: str) -> Started:
        if order.status != OrderStatus.OPEN or order.payment_status != PaymentStatus.PENDING:
            return Started()
        if payment is None or payment.provider != self.name:
            raise ProviderError(_("This order has no Midtrans payment to start."))
        if order.currency != "IDR":
            raise ProviderError(_("Midtrans takes payments in rupiah (IDR) only."))
        credentials = _credentials()
        # Reloaded under a row lock: two clicks on "Pay now" make one attempt, the second reuses it.
        db.session.refresh(payment, with_for_update=True)
        if payment.reference:
            transaction = self._fetch_status(credentials, payment.reference)
            status = self._apply(order, payment, transaction, credentials) if transaction is not None else None
            if order.payment_status != PaymentStatus.PENDING or order.status != OrderStatus.OPEN:
                return Started()  # paid after all (a notification went missing), or refunded, or cancelled
            reusable = status is None or status in ("pending", "capture", "authorize")
            if reusable and payment.status == PaymentRecordStatus.PENDING and payment.redirect_url \
                    and not _attempt_expired(payment):
                return Started(payment.redirect_url)  # the same Snap page: the shopper may already have a VA number
        return self._new_attempt(order, payment, credentials, return_url)

    def _new_attempt(self, order, payment, credentials, return_url) -> Started:
        gross = rupiah(payment.amount)
        if gross < 1:
            raise ProviderError(_("There is nothing to pay for this order."))
        now = utcnow()
        if order.payment_due_at is None:  # Snap's link lapses with the store's unpaid window, and so does the order
            hours = payment_settings.checkout_settings().unpaid_cancel_hours
            order.payment_due_at = (order.placed_at or now) + timedelta(hours=hours)
        minutes = math.floor((order.payment_due_at - now).total_seconds() / 60)
        if minutes < 1:
            raise ProviderError(_("The time to pay for this order is over."))
        midtrans_order_id = f"{order.number}-{secrets.token_hex(4)}"
        body = {
            "transaction_details": {"order_id": midtrans_order_id, "gross_amount": gross},
            "item_details": _items(order, gross),
            "customer_details": _customer(order),
            "callbacks": {"finish": return_url},
            "expiry": {"unit": "minute", "duration": minutes},
        }
        status, answer = _call("POST", f"{_snap_base(credentials)}/snap/v1/transactions", credentials, body)
        redirect_url = answer.get("redirect_url") if isinstance(answer, dict) else None
        if status not in (200, 201) or not isinstance(redirect_url, str) or not redirect_url.startswith(
                ("https://", "http://")):
            raise _refused(status, answer, credentials)
        details = dict(payment.details or {})
        details["attempts"] = [*details.get("attempts", []), midtrans_order_id][-20:]
        details["expires_at"] = order.payment_due_at.isoformat()
        details["gross_amount"] = gross
        payment.details = details
        payment.reference = midtrans_order_id
        payment.redirect_url = redirect_url[:2000]
        payment.status = PaymentRecordStatus.PENDING
        db.session.flush()
        return Started(redirect_url)

    # What Midtrans reports: notifications and the status check share _apply()

    def handle_webhook(self, request) -> None:
        try:
            data = json.loads(request.get_data() or b"")
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("not JSON") from None
        if not isinstance(data, dict) or any(not isinstance(data.get(k), str) or not data.get(k)
                                             for k in REQUIRED_FIELDS):
            raise WebhookRejected("missing fields")
        credentials = _credentials(required=False)
        server_key = credentials.get("server_key")
        if not server_key:
            raise WebhookRejected("Midtrans is not set up for this store")
        expected = signature(data["order_id"], data["status_code"], data["gross_amount"], server_key)
        if not hmac.compare_digest(expected.encode(), data["signature_key"].strip().lower().encode()):
            raise WebhookRejected("bad signature")
        payment = _payment_for(data["order_id"])
        if payment is None:
            log.info("midtrans notification for an unknown order id %s: ignored", data["order_id"][:60])
            return
        order = _order_of(payment)
        if order is None:
            return
        self._apply(order, payment, data, credentials)

    def check_status(self, payment) -> str | None:
        """Ask Midtrans about the payment's current attempt and apply what it says, as a notification would.

        Returns the transaction status, or None when Midtrans has no transaction (Snap opened, nothing chosen).
        """
        if not payment.reference:
            return None
        order = _order_of(payment)
        credentials = _credentials()
        transaction = self._fetch_status(credentials, payment.reference)
        if transaction is None or order is None:
            return None
        return self._apply(order, payment, transaction, credentials)

    def _fetch_status(self, credentials, midtrans_order_id: str) -> dict | None:
        url = f"{_api_base(credentials)}/v2/{quote(midtrans_order_id, safe='')}/status"
        status, answer = _call("GET", url, credentials)
        if isinstance(answer, dict) and isinstance(answer.get("transaction_status"), str) \
                and answer.get("order_id") == midtrans_order_id:
            return answer
        if status == 404 or (isinstance(answer, dict) and str(answer.get("status_code")) == "404"):
            return None
        raise _refused(status, answer, credentials)

    def _apply(self, order, payment, data: dict, credentials) -> str:
        """Apply one transaction state (verified, or fetched from Midtrans) to the payment and its order, once."""
        midtrans_order_id = str(data.get("order_id") or "")
        status = str(data.get("transaction_status") or "")
        gross = _minor(data.get("gross_amount"))
        if gross is None or gross != rupiah(payment.amount) * 100:
            log.warning("midtrans reported %s for order %s but it costs %s: ignored",
                        str(data.get("gross_amount"))[:30], order.name, rupiah(payment.amount))
            return status
        event_id = f"{midtrans_order_id}:{status}:{data.get('transaction_id') or ''}"
        fraud = str(data.get("fraud_status") or "accept")
        if status == "capture":  # a challenged capture that the merchant approves is reported as capture again
            event_id += f":{fraud}"
        elif status in REFUND_STATUSES:  # each refund of one transaction reports the same status and id
            event_id += f":{data.get('refund_amount') or ''}:{len(data.get('refunds') or [])}"
        if not first_time(NAME, event_id, status):
            return status
        if status == "settlement" or (status == "capture" and fraud == "accept"):
            self._confirm(order, payment, midtrans_order_id, gross)
        elif status == "capture" and fraud == "deny":
            self._fail(order, payment, midtrans_order_id, PaymentRecordStatus.FAILED)
        elif status in FAILED_STATUSES:
            self._fail(order, payment, midtrans_order_id, FAILED_STATUSES[status])
        elif status in REFUND_STATUSES:
            self._refunded(order, data, midtrans_order_id)
        # pending, authorize, capture with fraud "challenge" (the merchant reviews it at Midtrans): nothing yet
        return status

    def _confirm(self, order, payment, midtrans_order_id: str, gross: int) -> None:
        from saas.orders import management  # here, not at the top: management imports the providers

        if order.status == OrderStatus.OPEN and order.payment_status == PaymentStatus.PENDING:
            # Money came in for this attempt, even after an earlier expire or deny of it: it counts.
            payment.status = PaymentRecordStatus.PENDING
        if management.confirm_provider_payment(order, NAME, midtrans_order_id, gross):
            return
        if order.status == OrderStatus.CANCELLED:  # management recorded "paid after cancel" for the merchant
            log.warning("midtrans payment %s arrived for cancelled order %s", midtrans_order_id, order.name)

    def _fail(self, order, payment, midtrans_order_id: str, status: PaymentRecordStatus) -> None:
        from saas.orders import management

        if midtrans_order_id != payment.reference:
            return  # an older attempt failing says nothing about the current one
        management.fail_provider_payment(order, NAME, midtrans_order_id, status)

    def _refunded(self, order, data: dict, midtrans_order_id: str) -> None:
        from saas.orders import management

        refunds = data.get("refunds")
        if isinstance(refunds, list) and refunds:
            for index, entry in enumerate(refunds):
                if not isinstance(entry, dict):
                    continue
                amount = _minor(entry.get("refund_amount"))
                key = str(entry.get("refund_key") or entry.get("refund_chargeback_id")
                          or f"{midtrans_order_id}:refund:{index}")
                if amount:
                    management.record_provider_refund(order, NAME, key[:255], amount)
            return
        total = _minor(data.get("refund_amount"))  # without the list: the total refunded so far
        if total and total > order.refunded_total:
            management.record_provider_refund(order, NAME, f"{midtrans_order_id}:refund:{total}",
                                              total - order.refunded_total)

    # Refunds

    def refund(self, order, payment, amount: int, reason: str) -> str:
        if payment is None or not payment.reference:
            raise ProviderError(_("There is no Midtrans payment to refund."))
        if amount % 100:
            raise ProviderError(_("Midtrans refunds whole rupiah only."))
        credentials = _credentials()
        # Lock the order first: Midtrans may notify us of this refund before our caller has recorded it, and
        # that notification must then wait, find the refund by its key, and not count it twice.
        db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
        refund_key = f"{payment.reference}-r{secrets.token_hex(4)}"
        body = {"refund_key": refund_key, "amount": amount // 100, "reason": (reason or "")[:255]}
        url = f"{_api_base(credentials)}/v2/{quote(payment.reference, safe='')}/refund"
        status, answer = _call("POST", url, credentials, body)
        code = str(answer.get("status_code") or status) if isinstance(answer, dict) else str(status)
        if status not in (200, 201) or code not in ("200", "201"):
            raise _refused(status, answer, credentials)
        return refund_key


# Helpers


def _credentials(required: bool = True) -> dict:
    found = payment_settings.credentials(NAME)
    if required and not (found.get("server_key")):
        raise ProviderError(_("Midtrans is not set up for this store."))
    return found


def _bases(credentials) -> tuple[str, str]:
    return HOSTS.get(credentials.get("mode") or "sandbox", HOSTS["sandbox"])


def _snap_base(credentials) -> str:
    return (current_app.config.get("MIDTRANS_SNAP_BASE") or _bases(credentials)[0]).rstrip("/")


def _api_base(credentials) -> str:
    return (current_app.config.get("MIDTRANS_API_BASE") or _bases(credentials)[1]).rstrip("/")


def _call(method: str, url: str, credentials: dict, body: dict | None = None) -> tuple[int, object]:
    """One API call: (HTTP status, parsed JSON or None). Raises ProviderError when Midtrans can't be reached."""
    auth = base64.b64encode(f"{credentials.get('server_key', '')}:".encode()).decode()
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Accept": "application/json", "Content-Type": "application/json", "Authorization": f"Basic {auth}"})
    timeout = current_app.config.get("MIDTRANS_TIMEOUT") or DEFAULT_TIMEOUT
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https or configured)
            return response.status, _parse(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _parse(error.read())
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        log.warning("midtrans %s %s failed: %s", method, url.split("?")[0], type(error).__name__)
        raise ProviderError(_("Midtrans could not be reached. Try again in a moment.")) from None


def _parse(raw: bytes):
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def _refused(status: int, answer, credentials) -> ProviderError:
    """A short error that is safe to show: Midtrans' own message (never the key), or the HTTP status."""
    if status == 401:
        return ProviderError(_("Midtrans did not accept the store's server key."))
    reason = ""
    if isinstance(answer, dict):
        messages = answer.get("error_messages")
        reason = str(messages[0]) if isinstance(messages, list) and messages else str(
            answer.get("status_message") or "")
    key = credentials.get("server_key") or ""
    if key:
        reason = reason.replace(key, "…")
    reason = " ".join(reason.split())[:160] or f"HTTP {status}"
    log.warning("midtrans refused a call: %s (HTTP %s)", reason, status)
    return ProviderError(_("Midtrans refused the request: %(reason)s", reason=reason))


def _items(order, gross: int) -> list[dict]:
    """One item per order line, then shipping, discount and tax; a last "rounding" line makes them add up to gross."""
    items = []
    for line in order.lines:
        name = f"{line.title} ({line.variant_title})" if line.variant_title else line.title
        items.append({"id": (line.sku or str(line.variant_id or line.id))[:ITEM_ID_MAX],
                      "price": rupiah(line.unit_price), "quantity": line.quantity, "name": name[:ITEM_NAME_MAX]})
    for key, amount, label in (("shipping", order.shipping_total, order.shipping_method or _("Shipping")),
                               ("discount", -order.discount_total, _("Discount")),
                               ("tax", order.added_tax, _("Tax"))):
        if amount:
            price = rupiah(amount) if amount > 0 else -rupiah(-amount)
            items.append({"id": key, "price": price, "quantity": 1, "name": str(label)[:ITEM_NAME_MAX]})
    difference = gross - sum(item["price"] * item["quantity"] for item in items)
    if difference:
        items.append({"id": "rounding", "price": difference, "quantity": 1, "name": _("Rounding")[:ITEM_NAME_MAX]})
    return items


def _customer(order) -> dict:
    address = order.shipping_address or {}
    name = str(address.get("name") or order.email)[:255]
    customer = {"first_name": name, "email": order.email, "phone": order.phone or ""}
    if address:
        customer["shipping_address"] = {
            "first_name": name, "phone": order.phone or "", "address": str(address.get("street") or "")[:255],
            "city": str(address.get("city") or "")[:255], "postal_code": str(address.get("postal_code") or "")[:10],
            "country_code": "IDN"}
    return customer


def _attempt_expired(payment) -> bool:
    expires = (payment.details or {}).get("expires_at")
    try:
        return bool(expires) and datetime.fromisoformat(expires) <= utcnow()
    except (TypeError, ValueError):
        return True


def _payment_for(midtrans_order_id: str) -> Payment | None:
    """The bound store's Midtrans payment of that attempt; another store's is never found."""
    payment = db.session.scalar(select(Payment).where(Payment.provider == NAME, Payment.reference == midtrans_order_id))
    if payment is not None:
        return payment
    number = midtrans_order_id.split("-", 1)[0]  # an older attempt: find the order by its number
    if not number.isdigit() or len(number) > 9:
        return None
    order = db.session.scalar(select(Order).where(Order.number == int(number)))
    if order is None:
        return None
    return next((p for p in order.payments if p.provider == NAME
                 and midtrans_order_id in ((p.details or {}).get("attempts") or [])), None)


def _order_of(payment) -> Order | None:
    # Locked on PostgreSQL, so that two notifications for one order apply one after the other.
    return db.session.scalar(select(Order).where(Order.id == payment.order_id).with_for_update()
                             .execution_options(populate_existing=True))


register(MidtransSnap())
