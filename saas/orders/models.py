"""Carts, orders and what happens to them: lines, payments, fulfilments, refunds and the timeline of events."""
import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import db
from saas.orm import TenantScoped, UTCDateTime, string_enum, tenant_fk

FIRST_ORDER_NUMBER = 1001


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    EXPIRED = "expired"


class FulfillmentStatus(enum.StrEnum):
    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"


class OrderStatus(enum.StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"


class Cart(TenantScoped, db.Model):
    """A shopper's cart, found by the token in their cookie; it lives for 30 days after its last change."""

    shown_on_storefront = False
    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("tenant_id", "token"), Index("ix_carts_expires_at", "expires_at"))

    token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)  # set when a logged-in shopper owns it
    discount_code: Mapped[str] = mapped_column(String(64), default="")  # as the shopper typed it, normalized

    lines: Mapped[list["CartLine"]] = relationship(
        order_by="CartLine.created_at, CartLine.id", cascade="all, delete-orphan",
        primaryjoin="and_(CartLine.tenant_id == Cart.tenant_id, CartLine.cart_id == Cart.id)",
        foreign_keys="[CartLine.tenant_id, CartLine.cart_id]",
    )


class CartLine(TenantScoped, db.Model):
    """One variant in a cart. No foreign key to the variant: a deleted one stays, flagged, until the shopper acts."""

    shown_on_storefront = False
    __tablename__ = "cart_lines"
    __table_args__ = (tenant_fk("cart_id", "carts"), UniqueConstraint("tenant_id", "cart_id", "variant_id"))

    cart_id: Mapped[int] = mapped_column(BigInteger)
    variant_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255), default="")  # what it was called, for a line whose variant is gone


class OrderCounter(TenantScoped, db.Model):
    """The store's next order number, taken under a row lock so that numbers are never repeated."""

    shown_on_storefront = False
    __tablename__ = "order_counters"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    next_number: Mapped[int] = mapped_column(Integer, default=FIRST_ORDER_NUMBER)


class Order(TenantScoped, db.Model):
    shown_on_storefront = False
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "token"),
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index("ix_orders_tenant_placed", "tenant_id", "placed_at"),
        Index("ix_orders_tenant_email", "tenant_id", "email"),
        Index("ix_orders_unpaid", "status", "payment_status", "payment_due_at"),
    )

    number: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64))  # the shopper's link to the status page
    idempotency_key: Mapped[str] = mapped_column(String(64))  # from the checkout form: a resubmit finds this order
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(32), default="")
    # {"name", "street", "district", "city", "province", "postal_code", "country"}
    shipping_address: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(8), default="id")
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    subtotal: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_total: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_total: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_total: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0)
    # The computed adjustments as the pricing pipeline gave them: [{"kind", "label", "amount"}, …]
    adjustments: Mapped[list] = mapped_column(JSON, default=list)
    shipping_method: Mapped[str] = mapped_column(String(255), default="")
    # The chosen option: {"id", "kind", "carrier", "min_days", "max_days", "pickup": {name, address, instructions}}
    shipping_details: Mapped[dict] = mapped_column(JSON, default=dict)
    discount_codes: Mapped[list] = mapped_column(JSON, default=list)
    payment_method: Mapped[str] = mapped_column(String(32))
    payment_status: Mapped[PaymentStatus] = mapped_column(string_enum(PaymentStatus, 24), default=PaymentStatus.PENDING)
    fulfillment_status: Mapped[FulfillmentStatus] = mapped_column(
        string_enum(FulfillmentStatus, 24), default=FulfillmentStatus.UNFULFILLED)
    status: Mapped[OrderStatus] = mapped_column(string_enum(OrderStatus), default=OrderStatus.OPEN)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payment_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # unpaid manual orders are cancelled after it
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["OrderLine"]] = relationship(
        order_by="OrderLine.position", cascade="all, delete-orphan",
        primaryjoin="and_(OrderLine.tenant_id == Order.tenant_id, OrderLine.order_id == Order.id)",
        foreign_keys="[OrderLine.tenant_id, OrderLine.order_id]",
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        order_by="OrderEvent.created_at, OrderEvent.id", cascade="all, delete-orphan",
        primaryjoin="and_(OrderEvent.tenant_id == Order.tenant_id, OrderEvent.order_id == Order.id)",
        foreign_keys="[OrderEvent.tenant_id, OrderEvent.order_id]",
    )
    payments: Mapped[list["Payment"]] = relationship(
        order_by="Payment.created_at, Payment.id", cascade="all, delete-orphan",
        primaryjoin="and_(Payment.tenant_id == Order.tenant_id, Payment.order_id == Order.id)",
        foreign_keys="[Payment.tenant_id, Payment.order_id]",
    )
    fulfillments: Mapped[list["Fulfillment"]] = relationship(
        order_by="Fulfillment.created_at, Fulfillment.id", cascade="all, delete-orphan",
        primaryjoin="and_(Fulfillment.tenant_id == Order.tenant_id, Fulfillment.order_id == Order.id)",
        foreign_keys="[Fulfillment.tenant_id, Fulfillment.order_id]",
    )

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def added_tax(self) -> int:
        """The tax charged on top of the prices (none where prices already include it)."""
        return sum(a["amount"] for a in self.adjustments or [] if a["kind"] == "tax" and not a.get("included"))


class OrderLine(TenantScoped, db.Model):
    """What was bought, as it was when it was bought: names, SKU and price are copies, not references."""

    shown_on_storefront = False
    __tablename__ = "order_lines"
    __table_args__ = (tenant_fk("order_id", "orders"), Index("ix_order_lines_variant", "tenant_id", "variant_id"))

    order_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(BigInteger)  # no FK: the order outlives the product
    variant_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(255))
    variant_title: Mapped[str] = mapped_column(String(255), default="")
    sku: Mapped[str] = mapped_column(String(64), default="")
    image_media_id: Mapped[int | None] = mapped_column(BigInteger)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    stock_taken: Mapped[bool] = mapped_column(Boolean, default=False)  # whether cancelling puts stock back
    fulfilled_quantity: Mapped[int] = mapped_column(Integer, default=0)
    restocked_quantity: Mapped[int] = mapped_column(Integer, default=0)


class OrderEvent(TenantScoped, db.Model):
    """One entry on the order's timeline: who did what, and when."""

    shown_on_storefront = False
    __tablename__ = "order_events"
    __table_args__ = (tenant_fk("order_id", "orders"), Index("ix_order_events_order", "tenant_id", "order_id"))

    order_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(1000), default="")
    actor: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class PaymentRecordStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Payment(TenantScoped, db.Model):
    """One attempt to pay an order with one method, with the provider's reference and, for transfers, the proof."""

    shown_on_storefront = False
    __tablename__ = "payments"
    __table_args__ = (
        tenant_fk("order_id", "orders"),
        Index("ix_payments_reference", "provider", "reference"),
    )

    order_id: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(32))
    status: Mapped[PaymentRecordStatus] = mapped_column(
        string_enum(PaymentRecordStatus), default=PaymentRecordStatus.PENDING)
    amount: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(255), default="")  # the provider's id (session, transaction)
    redirect_url: Mapped[str] = mapped_column(String(2000), default="")
    proof_media_id: Mapped[int | None] = mapped_column(BigInteger)  # a bank-transfer receipt the shopper uploaded
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class Fulfillment(TenantScoped, db.Model):
    """A shipment of some or all of the order's lines, with its carrier and tracking number."""

    shown_on_storefront = False
    __tablename__ = "fulfillments"
    __table_args__ = (tenant_fk("order_id", "orders"),)

    order_id: Mapped[int] = mapped_column(BigInteger)
    carrier: Mapped[str] = mapped_column(String(64), default="")
    tracking_number: Mapped[str] = mapped_column(String(128), default="")
    tracking_url: Mapped[str] = mapped_column(String(2000), default="")
    # {order_line_id (as a string): quantity}
    quantities: Mapped[dict] = mapped_column(JSON, default=dict)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Refund(TenantScoped, db.Model):
    shown_on_storefront = False
    __tablename__ = "refunds"
    __table_args__ = (tenant_fk("order_id", "orders"),)

    order_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")
    restocked: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_reference: Mapped[str] = mapped_column(String(255), default="")
    actor: Mapped[str] = mapped_column(String(255), default="")


class CheckoutSettings(TenantScoped, db.Model):
    """How the store sells: when unpaid orders lapse, and who may check out."""

    shown_on_storefront = False
    __tablename__ = "checkout_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    unpaid_cancel_hours: Mapped[int] = mapped_column(Integer, default=24)
    require_account: Mapped[bool] = mapped_column(Boolean, default=False)


class PaymentMethod(TenantScoped, db.Model):
    """A payment provider as the store set it up: on or off, its place in the list, and its (encrypted) secrets."""

    shown_on_storefront = False
    __tablename__ = "payment_methods"
    __table_args__ = (UniqueConstraint("tenant_id", "provider"),)

    provider: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # what may be shown back: public keys, modes
    secrets: Mapped[str] = mapped_column(Text, default="")  # Fernet token of a JSON object; never shown back


class BankAccount(TenantScoped, db.Model):
    shown_on_storefront = False
    __tablename__ = "bank_accounts"

    bank: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    holder: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer, default=0)


class WebhookEvent(TenantScoped, db.Model):
    """A provider notification already applied: the same event delivered again changes nothing."""

    shown_on_storefront = False
    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64), default="")
