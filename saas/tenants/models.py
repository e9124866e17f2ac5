"""Stores (tenants), their extra hostnames, and who may run them."""
import enum
from datetime import datetime

from sqlalchemy import BigInteger, Integer, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.orm import PlatformModel, UTCDateTime, string_enum
from saas.extensions import db


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Role(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class Tenant(PlatformModel, db.Model):
    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[TenantStatus] = mapped_column(
        string_enum(TenantStatus),
        default=TenantStatus.ACTIVE,
    )
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    locale: Mapped[str] = mapped_column(String(8), default="id")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    # A media_files id of this store; no foreign key, because media_files already points at tenants.
    logo_media_id: Mapped[int | None] = mapped_column(BigInteger)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=5, server_default="5")

    memberships: Mapped[list["Membership"]] = relationship(back_populates="tenant", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class Domain(PlatformModel, db.Model):
    """An extra hostname that serves a store's storefront (a merchant's own domain)."""

    __tablename__ = "domains"

    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tenant: Mapped[Tenant] = relationship()


class Membership(PlatformModel, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id"),)

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        string_enum(Role), default=Role.STAFF
    )

    tenant: Mapped[Tenant] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
