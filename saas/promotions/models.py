"""Discounts: codes a shopper types and automatic ones, what they apply to, their limits, and each use."""
import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import db
from saas.orm import TenantScoped, UTCDateTime, string_enum, tenant_fk


class DiscountMethod(enum.StrEnum):
    CODE = "code"
    AUTOMATIC = "automatic"


class DiscountKind(enum.StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"
    FREE_SHIPPING = "free_shipping"
    BUY_X_GET_Y = "buy_x_get_y"
    TIERED = "tiered"  # spend at least so much, save so much


class DiscountScope(enum.StrEnum):
    ORDER = "order"
    PRODUCTS = "products"
    COLLECTIONS = "collections"


class Discount(TenantScoped, db.Model):
    # Automatic discounts show on products as badges, so a change must refresh the cached pages.
    shown_on_storefront = True
    __tablename__ = "discounts"
    __table_args__ = (Index("ix_discounts_tenant_method", "tenant_id", "method"),)

    title: Mapped[str] = mapped_column(String(120))  # the merchant's name for it; automatic ones show it to shoppers
    method: Mapped[DiscountMethod] = mapped_column(string_enum(DiscountMethod), default=DiscountMethod.CODE)
    kind: Mapped[DiscountKind] = mapped_column(string_enum(DiscountKind), default=DiscountKind.PERCENTAGE)
    scope: Mapped[DiscountScope] = mapped_column(string_enum(DiscountScope), default=DiscountScope.ORDER)
    percentage_bp: Mapped[int] = mapped_column(Integer, default=0)  # basis points: 1250 is 12.5%
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # a fixed amount off, in minor units
    buy_quantity: Mapped[int] = mapped_column(Integer, default=0)
    get_quantity: Mapped[int] = mapped_column(Integer, default=0)
    get_percentage_bp: Mapped[int] = mapped_column(Integer, default=10000)  # 10000: the Y items are free
    tiers: Mapped[list] = mapped_column(JSON, default=list)  # [{"min_subtotal": int, "amount": int}, …]
    min_subtotal: Mapped[int | None] = mapped_column(BigInteger)
    min_quantity: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    usage_limit: Mapped[int | None] = mapped_column(Integer)  # uses in all, over all its codes
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    per_code_limit: Mapped[int | None] = mapped_column(Integer)  # 1 for batches of single-use codes
    combinable: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    times_used: Mapped[int] = mapped_column(Integer, default=0)  # raised with a conditional UPDATE at checkout

    targets: Mapped[list["DiscountTarget"]] = relationship(
        cascade="all, delete-orphan",
        primaryjoin="and_(DiscountTarget.tenant_id == Discount.tenant_id, DiscountTarget.discount_id == Discount.id)",
        foreign_keys="[DiscountTarget.tenant_id, DiscountTarget.discount_id]",
    )


class DiscountCode(TenantScoped, db.Model):
    shown_on_storefront = False
    __tablename__ = "discount_codes"
    __table_args__ = (
        tenant_fk("discount_id", "discounts"),
        UniqueConstraint("tenant_id", "code"),
        Index("ix_discount_codes_discount", "tenant_id", "discount_id"),
    )

    discount_id: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(64))  # upper case: codes are matched without regard to case
    times_used: Mapped[int] = mapped_column(Integer, default=0)


class TargetRole(enum.StrEnum):
    APPLIES = "applies"  # what the discount applies to, or what must be bought for buy X get Y
    GETS = "gets"  # what buy X get Y gives; none means the same as what must be bought


class DiscountTarget(TenantScoped, db.Model):
    """A product or collection that a discount names. Foreign keys within the tenant keep other stores' out."""

    __tablename__ = "discount_targets"
    __table_args__ = (
        tenant_fk("discount_id", "discounts"),
        tenant_fk("product_id", "products"),
        tenant_fk("collection_id", "collections"),
        Index("ix_discount_targets_discount", "tenant_id", "discount_id"),
    )

    discount_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[TargetRole] = mapped_column(string_enum(TargetRole), default=TargetRole.APPLIES)
    product_id: Mapped[int | None] = mapped_column(BigInteger)
    collection_id: Mapped[int | None] = mapped_column(BigInteger)


class DiscountUsage(TenantScoped, db.Model):
    """One order that used a discount: for per-customer limits and the sales a promotion brought."""

    shown_on_storefront = False
    __tablename__ = "discount_usages"
    __table_args__ = (
        tenant_fk("discount_id", "discounts"),
        Index("ix_discount_usages_discount", "tenant_id", "discount_id"),
        Index("ix_discount_usages_email", "tenant_id", "discount_id", "email"),
    )

    discount_id: Mapped[int] = mapped_column(BigInteger)
    code_id: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))  # lower case
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)  # what it saved
    order_total: Mapped[int] = mapped_column(BigInteger)
