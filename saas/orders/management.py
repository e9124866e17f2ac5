"""What a merchant does with an order after it is placed: find it, mark it paid, ship it, cancel, refund, note.

Plain functions that add and flush but never commit: the request (or job) that calls them commits once.
A refused action raises OrderError before it changes anything, so the caller's rollback loses nothing.
Every change is an event on the order's timeline (who, what, when).
"""
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from saas.catalog import collections
from saas.catalog import services as catalog
from saas.catalog.models import AdjustmentReason, InventoryAdjustment, Variant
from saas.extensions import db
from saas.ids import new_id, parse_id
from saas.orders import notifications
from saas.orders.services import units_by_product
from saas.payments import providers
from saas.shipping import carriers
from saas.orders.models import (
    FulfillmentStatus,
    Fulfillment,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentRecordStatus,
    PaymentStatus,
    Refund,
)
from saas.orm import utcnow

MANUAL_METHODS = ("bank_transfer", "cod")
MAX_NOTE = 1000
MAX_REASON = 500
TRACKING_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,127}$")


class OrderError(Exception):
    """A refused action; `message` is for the merchant, `field` says which input it belongs beside (if any)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# Finding orders


@dataclass
class OrderFilters:
    q: str = ""
    payment: str = ""
    fulfillment: str = ""
    status: str = ""
    date_from: str = ""  # YYYY-MM-DD, in the store's timezone
    date_to: str = ""

    @classmethod
    def from_args(cls, args) -> "OrderFilters":
        """From the query string; anything unknown is dropped instead of failing."""
        filters = cls(**{name: (args.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__})
        if filters.payment not in {s.value for s in PaymentStatus}:
            filters.payment = ""
        if filters.fulfillment not in {s.value for s in FulfillmentStatus}:
            filters.fulfillment = ""
        if filters.status not in {s.value for s in OrderStatus}:
            filters.status = ""
        for name in ("date_from", "date_to"):
            if _parse_date(getattr(filters, name)) is None:
                setattr(filters, name, "")
        return filters

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def active(self) -> bool:
        return any(asdict(self).values())


# Dates a filter takes: every store's midnight of each, and of the day after, is a datetime Python can hold.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(9998, 12, 31)


def _parse_date(text: str) -> date | None:
    try:
        found = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return found if found is None or FIRST_DATE <= found <= LAST_DATE else None


def store_zone(name: str | None):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def order_query(filters: OrderFilters, timezone: str | None = None):
    """A select(Order) for the list's filters, newest first; dates are whole days in `timezone`."""
    statement = select(Order)
    if filters.payment:
        statement = statement.where(Order.payment_status == PaymentStatus(filters.payment))
    if filters.fulfillment:
        statement = statement.where(Order.fulfillment_status == FulfillmentStatus(filters.fulfillment))
    if filters.status:
        statement = statement.where(Order.status == OrderStatus(filters.status))
    zone = store_zone(timezone)
    start, end = _parse_date(filters.date_from), _parse_date(filters.date_to)
    if start is not None:
        statement = statement.where(Order.placed_at >= datetime.combine(start, time.min, zone).astimezone(UTC))
    if end is not None:
        statement = statement.where(
            Order.placed_at < datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC))
    if filters.q:
        needle = filters.q.strip().lower()
        number = needle.removeprefix("#").strip()
        conditions = [
            func.lower(Order.email).contains(needle, autoescape=True),
            func.lower(Order.shipping_address["name"].as_string()).contains(needle, autoescape=True),
        ]
        if number.isdigit() and len(number) < 10:
            conditions.append(Order.number == int(number))
        statement = statement.where(or_(*conditions))
    return statement.order_by(Order.placed_at.desc(), Order.id.desc())


def get_order(order_id, lock: bool = False) -> Order | None:
    """The bound store's order with everything its page shows, or None (another store's is invisible).

    With lock, the row is locked and re-read for this transaction: every change to an order takes it, so a
    double click, the unpaid-order job and a provider's webhook act one after another on fresh state.
    """
    try:
        order_id = int(order_id)
    except (TypeError, ValueError):
        return None
    statement = select(Order).where(Order.id == order_id).options(
        selectinload(Order.lines), selectinload(Order.events), selectinload(Order.payments),
        selectinload(Order.fulfillments))
    if lock:
        statement = statement.with_for_update(of=Order).execution_options(populate_existing=True)
    return db.session.scalar(statement)


def refunds_of(order: Order) -> list[Refund]:
    return list(db.session.scalars(
        select(Refund).where(Refund.order_id == order.id).order_by(Refund.created_at, Refund.id)))


def unshipped(line: OrderLine) -> int:
    """Units of a line still to ship: neither shipped already nor put back into stock."""
    return max(0, line.quantity - line.fulfilled_quantity - line.restocked_quantity)


def restockable(line: OrderLine) -> int:
    """Units of a line that can still go back into stock (each unit once)."""
    return max(0, line.quantity - line.restocked_quantity) if line.stock_taken else 0


def refundable(order: Order) -> int:
    return max(0, order.total - order.refunded_total)


# The timeline


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor[:255]
    return (getattr(actor, "name", "") or getattr(actor, "email", "") or "")[:255]


def record_event(order: Order, kind: str, message, actor="", **data) -> OrderEvent:
    """Add one entry to the order's timeline; `message` is kept as text in the language of the moment."""
    event = OrderEvent(id=new_id(), tenant_id=order.tenant_id, order_id=order.id, kind=kind[:40],
                       message=str(message)[:1000], actor=_actor_name(actor), data=data)
    order.events.append(event)
    db.session.flush()
    return event


def add_note(order: Order, actor, text: str) -> OrderEvent:
    text = (text or "").strip()
    if not text:
        raise OrderError(_l("Write a note first."), "text")
    if len(text) > MAX_NOTE:
        raise OrderError(_l("Use at most %(max)d characters.", max=MAX_NOTE), "text")
    return record_event(order, "note", text, actor)


# Payment


def _refuse_cancelled(order: Order) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise OrderError(_l("Order %(number)s is cancelled.", number=order.name))


def _set_paid(order: Order, when: datetime) -> None:
    order.payment_status = PaymentStatus.PAID
    order.paid_at = when
    order.payment_due_at = None
    pending = [p for p in order.payments if p.status == PaymentRecordStatus.PENDING]
    if pending:
        pending[-1].status = PaymentRecordStatus.PAID
    else:
        order.payments.append(Payment(id=new_id(), tenant_id=order.tenant_id, order_id=order.id,
                                      provider=order.payment_method, amount=order.total,
                                      status=PaymentRecordStatus.PAID))


def mark_paid(order: Order, actor) -> Order:
    """Confirm a bank transfer or cash payment that the merchant has received."""
    _refuse_cancelled(order)
    if order.payment_method not in MANUAL_METHODS:
        raise OrderError(_l("Only bank transfer and cash on delivery orders can be marked paid by hand."))
    if order.payment_status != PaymentStatus.PENDING:
        raise OrderError(_l("Order %(number)s is not waiting for payment.", number=order.name))
    _set_paid(order, utcnow())
    record_event(order, "paid", _l("Payment marked as received."), actor, amount=order.total)
    notifications.payment_received(order)
    return order


# Fulfilment


def fulfil(order: Order, actor, carrier: str, tracking_number: str,
           quantities: dict | None = None) -> Fulfillment:
    """Ship some or all of what is left: `quantities` is {line id: units}, None ships everything remaining.

    A quantity of 0 leaves that line out; every other must be between 1 and what is left of the line.
    """
    _refuse_cancelled(order)
    if not carriers.is_known(carrier):
        raise OrderError(_l("Choose a carrier."), "carrier")
    tracking_number = " ".join((tracking_number or "").split())
    # A tracking number is asked for where shoppers can track one: not for "other", GoSend and the like.
    if carriers.tracking_template(carrier) and not tracking_number:
        raise OrderError(_l("Enter the tracking number (resi) from the carrier."), "tracking_number")
    if tracking_number and not TRACKING_PATTERN.match(tracking_number):
        raise OrderError(_l("Use letters, digits and dashes only, at most 128 characters."), "tracking_number")
    lines = {line.id: line for line in order.lines}
    if quantities is None:
        chosen = {line.id: unshipped(line) for line in order.lines if unshipped(line) > 0}
    else:
        chosen = {}
        for key, quantity in quantities.items():
            line = lines.get(parse_id(key))
            if line is None:
                raise OrderError(_l("That item is not part of this order."))
            if not isinstance(quantity, int) or isinstance(quantity, bool):
                raise OrderError(_l("Enter a whole number."), f"qty-{line.id}")
            if quantity == 0:
                continue
            if quantity < 0 or quantity > unshipped(line):
                raise OrderError(_l("Enter a number from 0 to %(max)d.", max=unshipped(line)), f"qty-{line.id}")
            chosen[line.id] = quantity
    if not chosen:
        if not any(unshipped(line) for line in order.lines):
            raise OrderError(_l("Everything in order %(number)s has been shipped.", number=order.name))
        raise OrderError(_l("Choose at least one item to ship."))
    for line_id, quantity in chosen.items():
        lines[line_id].fulfilled_quantity += quantity
    shipment = Fulfillment(
        id=new_id(), tenant_id=order.tenant_id, order_id=order.id, carrier=carriers.carrier_name(carrier),
        tracking_number=tracking_number, tracking_url=carriers.tracking_url(carrier, tracking_number),
        quantities={str(line_id): quantity for line_id, quantity in chosen.items()},
    )
    order.fulfillments.append(shipment)
    _update_fulfillment_status(order)
    units = sum(chosen.values())
    if tracking_number:
        message = _ln("Shipped %(num)d item with %(carrier)s, tracking number %(tracking)s.",
                      "Shipped %(num)d items with %(carrier)s, tracking number %(tracking)s.",
                      units, carrier=shipment.carrier, tracking=tracking_number)
    else:
        message = _ln("Shipped %(num)d item.", "Shipped %(num)d items.", units)
    record_event(order, "fulfilled", message, actor, fulfillment_id=str(shipment.id), carrier=shipment.carrier,
                 tracking_number=tracking_number, tracking_url=shipment.tracking_url,
                 quantities=shipment.quantities)
    notifications.order_shipped(order, shipment)
    return shipment


def _update_fulfillment_status(order: Order) -> None:
    shipped = sum(line.fulfilled_quantity for line in order.lines)
    if shipped == 0:
        order.fulfillment_status = FulfillmentStatus.UNFULFILLED
    elif any(unshipped(line) for line in order.lines):
        order.fulfillment_status = FulfillmentStatus.PARTIALLY_FULFILLED
    else:
        order.fulfillment_status = FulfillmentStatus.FULFILLED


def mark_delivered(order: Order, actor, fulfillment_id=None) -> list[Fulfillment]:
    """Record that the shipment(s) arrived; a cash-on-delivery order is paid on delivery."""
    _refuse_cancelled(order)
    waiting = [f for f in order.fulfillments if f.delivered_at is None
               and (fulfillment_id is None or str(f.id) == str(fulfillment_id))]
    if not waiting:
        if not order.fulfillments:
            raise OrderError(_l("Ship the order before marking it delivered."))
        raise OrderError(_l("Every shipment of order %(number)s is already marked delivered.", number=order.name))
    now = utcnow()
    for shipment in waiting:
        shipment.delivered_at = now
    record_event(order, "delivered", _l("Marked as delivered."), actor,
                 fulfillment_ids=[str(f.id) for f in waiting])
    if order.payment_method == "cod" and order.payment_status == PaymentStatus.PENDING:
        _set_paid(order, now)
        record_event(order, "paid", _l("Cash on delivery received."), actor, amount=order.total)
        notifications.payment_received(order)
    return waiting


# Cancelling, refunding and putting stock back


def _tenant(order: Order):
    from saas.tenants.models import Tenant

    return db.session.get(Tenant, order.tenant_id)


def _restock(order: Order, line: OrderLine, quantity: int, reason: AdjustmentReason, user) -> int:
    """Put `quantity` units of a line back (its variant permitting); returns how many were counted back."""
    quantity = min(quantity, restockable(line))
    if quantity <= 0:
        return 0
    # One atomic UPDATE, like checkout's: a checkout taking the same stock meanwhile is never overwritten,
    # and putting stock back is never refused (even below zero, after backorders were turned off).
    left = db.session.execute(
        update(Variant).where(Variant.id == line.variant_id).values(stock=Variant.stock + quantity)
        .returning(Variant.stock), execution_options={"synchronize_session": False}).scalar() if line.variant_id else None
    if left is not None:
        db.session.add(InventoryAdjustment(
            id=new_id(), tenant_id=order.tenant_id, product_id=line.product_id, variant_id=line.variant_id,
            user_id=getattr(user, "id", None), user_name=(getattr(user, "name", "") or getattr(user, "email", "") or "")[:255],
            delta=quantity, quantity_after=left, reason=reason, note=order.name))
        variant = db.session.scalar(select(Variant).where(Variant.id == line.variant_id)
                                    .execution_options(populate_existing=True))
        catalog.refresh_summary(variant.product, _tenant(order).low_stock_threshold)
        collections.sync_product(variant.product)
    line.restocked_quantity += quantity  # counted even when the variant is gone, so it is never tried again
    return quantity


def _user(actor):
    return None if isinstance(actor, str) or actor is None else actor


def cancel(order: Order, actor, restock: bool = True, reason: str = "") -> Order:
    """Cancel an order that hasn't shipped in full; with restock, its unshipped units go back into stock."""
    if order.status == OrderStatus.CANCELLED:
        raise OrderError(_l("Order %(number)s is already cancelled.", number=order.name))
    if order.fulfillment_status == FulfillmentStatus.FULFILLED:
        raise OrderError(_l("Order %(number)s has been shipped in full and can't be cancelled. Refund it instead.",
                            number=order.name))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise OrderError(_l("Use at most %(max)d characters.", max=MAX_REASON), "reason")
    now = utcnow()
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    order.payment_due_at = None
    if order.payment_status == PaymentStatus.PENDING:
        order.payment_status = PaymentStatus.EXPIRED
        for payment in order.payments:
            if payment.status == PaymentRecordStatus.PENDING:
                payment.status = PaymentRecordStatus.CANCELLED
    # Units returned on a refund have already come off the best-selling counts; the rest come off now.
    catalog.record_sales(units_by_product(order.lines, lambda line: line.restocked_quantity - line.quantity))
    restocked = {}
    if restock:
        for line in order.lines:
            if line.stock_taken:
                count = _restock(order, line, unshipped(line), AdjustmentReason.ORDER_CANCELLED, _user(actor))
                if count:
                    restocked[str(line.id)] = count
    message = _l("Order cancelled.") if not reason else _l("Order cancelled: %(reason)s", reason=reason)
    record_event(order, "cancelled", message, actor, reason=reason, restocked=restocked)
    notifications.order_cancelled(order)
    return order


def refund(order: Order, actor, amount: int | None, reason: str = "", restock_lines: dict | None = None) -> Refund:
    """Refund through the provider where it can (else record one made outside Etalase), optionally restocking."""
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise OrderError(_l("Only paid orders can be refunded."))
    left = refundable(order)
    if amount is None:
        raise OrderError(_l("Enter the amount to refund."), "amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1 or amount > left:
        raise OrderError(_l("Enter an amount above zero and at most what is left to refund."), "amount")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise OrderError(_l("Use at most %(max)d characters.", max=MAX_REASON), "reason")
    lines = {line.id: line for line in order.lines}
    planned = {}
    for key, quantity in (restock_lines or {}).items():
        line = lines.get(parse_id(key))
        if line is None:
            raise OrderError(_l("That item is not part of this order."))
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0 \
                or quantity > restockable(line):
            raise OrderError(_l("Enter a number from 0 to %(max)d.", max=restockable(line)), f"restock-{line.id}")
        if quantity:
            planned[line] = quantity
    provider = providers.get(order.payment_method)
    reference = ""
    if provider.refunds:  # the money goes back through the provider first; if it refuses, nothing is recorded
        paid = next((p for p in reversed(order.payments) if p.status == PaymentRecordStatus.PAID), None)
        try:
            reference = provider.refund(order, paid, amount, reason)
        except providers.ProviderError as error:
            raise OrderError(_l("The payment provider refused the refund: %(error)s", error=str(error)))
    restocked, returned = {}, {}
    for line, quantity in planned.items():
        count = _restock(order, line, quantity, AdjustmentReason.RETURNED, _user(actor))
        if count:
            restocked[str(line.id)] = returned[line] = count
    catalog.record_sales(units_by_product(returned, lambda line: -returned[line]))  # returned units aren't sold
    record = Refund(id=new_id(), tenant_id=order.tenant_id, order_id=order.id, amount=amount, reason=reason,
                    restocked=bool(restocked), actor=_actor_name(actor), provider_reference=reference)
    db.session.add(record)
    order.refunded_total += amount
    order.payment_status = (PaymentStatus.REFUNDED if order.refunded_total >= order.total
                            else PaymentStatus.PARTIALLY_REFUNDED)
    record_event(order, "refunded", _l("Refunded %(amount)s.", amount=_format_amount(amount, order.currency))
                 if not reason else _l("Refunded %(amount)s: %(reason)s",
                                       amount=_format_amount(amount, order.currency), reason=reason),
                 actor, amount=amount, reason=reason, restocked=restocked)
    notifications.order_refunded(order, record)
    return record


def _format_amount(amount: int, currency: str) -> str:
    from saas.templating import format_money

    return format_money(amount, currency)


# What payment providers report (their webhooks call these; each is safe to call twice)


def confirm_provider_payment(order: Order, provider: str, reference: str, amount: int | None = None) -> bool:
    """The provider says the order is paid. Paid, cancelled or refunded orders are left as they are; True if applied."""
    if order.status == OrderStatus.CANCELLED and order.payment_status in (PaymentStatus.PENDING, PaymentStatus.EXPIRED):
        # Paid after it lapsed: keep the money visible to the merchant, who decides to refund or reopen.
        record_event(order, "paid_after_cancel", _l("A payment of %(amount)s arrived after the order was cancelled.",
                                                    amount=_format_amount(amount or order.total, order.currency)),
                     provider, reference=reference)
        return False
    if order.payment_status != PaymentStatus.PENDING:
        return False
    payment = next((p for p in reversed(order.payments) if p.provider == provider), None)
    if payment is not None and reference:
        payment.reference = reference
    _set_paid(order, utcnow())
    record_event(order, "paid", _l("Paid through %(provider)s.", provider=provider.title()), provider,
                 reference=reference, amount=amount if amount is not None else order.total)
    notifications.payment_received(order)
    return True


def fail_provider_payment(order: Order, provider: str, reference: str, status: PaymentRecordStatus) -> bool:
    """The provider says this attempt failed or expired; a paid order never goes back to unpaid. True if applied."""
    payment = next((p for p in reversed(order.payments) if p.provider == provider
                    and p.status == PaymentRecordStatus.PENDING), None)
    if payment is None or order.payment_status != PaymentStatus.PENDING:
        return False
    payment.status = status
    record_event(order, "payment_failed", _l("The payment through %(provider)s did not go through (%(status)s).",
                                             provider=provider.title(), status=status.value), provider,
                 reference=reference)
    return True


def record_provider_refund(order: Order, provider: str, reference: str, amount: int) -> bool:
    """A refund made at the provider (its dashboard, or our own call reported back); counted once per reference."""
    if not reference or any(r.provider_reference == reference for r in refunds_of(order)):
        return False
    amount = max(0, min(amount, refundable(order)))
    if amount == 0:
        return False
    record = Refund(id=new_id(), tenant_id=order.tenant_id, order_id=order.id, amount=amount,
                    reason="", actor=provider, provider_reference=reference)
    db.session.add(record)
    order.refunded_total += amount
    order.payment_status = (PaymentStatus.REFUNDED if order.refunded_total >= order.total
                            else PaymentStatus.PARTIALLY_REFUNDED)
    record_event(order, "refunded", _l("Refunded %(amount)s.", amount=_format_amount(amount, order.currency)),
                 provider, amount=amount, reference=reference)
    notifications.order_refunded(order, record)
    return True
