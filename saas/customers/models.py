"""A store's customers (shoppers with an account at that store only) and their saved addresses."""
from sqlalchemy import BigInteger, Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import db
from saas.orm import TenantScoped, tenant_fk


class Customer(TenantScoped, db.Model):
    """A shopper's account at one store: the same email at two stores is two accounts."""

    shown_on_storefront = False  # no cached page shows a customer
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(254))  # normalized: trimmed and lower-case
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    accepts_marketing: Mapped[bool] = mapped_column(Boolean, default=False)

    addresses: Mapped[list["CustomerAddress"]] = relationship(
        order_by="CustomerAddress.created_at, CustomerAddress.id", cascade="all, delete-orphan",
        primaryjoin="and_(CustomerAddress.tenant_id == Customer.tenant_id, CustomerAddress.customer_id == Customer.id)",
        foreign_keys="[CustomerAddress.tenant_id, CustomerAddress.customer_id]",
    )


class CustomerAddress(TenantScoped, db.Model):
    """A shipping address a customer saved, in the checkout's shape; one of them may be the default."""

    shown_on_storefront = False
    __tablename__ = "customer_addresses"
    __table_args__ = (tenant_fk("customer_id", "customers"),
                      Index("ix_customer_addresses_customer", "tenant_id", "customer_id"))

    customer_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(120))
    province: Mapped[str] = mapped_column(String(64))
    postal_code: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(32), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    def as_checkout(self) -> dict:
        """The address as an order stores it (CheckoutForm.address())."""
        return {"name": self.name, "street": self.street, "district": self.district, "city": self.city,
                "province": self.province, "postal_code": self.postal_code, "country": "ID"}
