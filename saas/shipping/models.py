"""How a store ships and taxes: its origin, zones and their rates, pickup locations, own carriers and tax settings."""
import enum

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import db
from saas.orm import TenantScoped, string_enum, tenant_fk


class RateKind(enum.StrEnum):
    FLAT = "flat"
    WEIGHT = "weight"  # tiers over the cart's weight in grams
    PRICE = "price"  # tiers over the discounted subtotal
    CALCULATED = "calculated"  # quoted by the store's rate provider for the rate's carrier


class ShippingSettings(TenantScoped, db.Model):
    """Where the store ships from, and the carrier-rate service it asks for quotes, if any."""

    shown_on_storefront = False
    __tablename__ = "shipping_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    # {"name", "phone", "street", "district", "city", "province", "postal_code", "country"}
    origin: Mapped[dict] = mapped_column(JSON, default=dict)
    rate_provider: Mapped[str] = mapped_column(String(32), default="")  # "" for manual rates only
    rate_provider_secrets: Mapped[str] = mapped_column(Text, default="")  # Fernet token, as payment secrets


class ShippingZone(TenantScoped, db.Model):
    """A set of destinations: countries, and, for Indonesia, optionally only some provinces or cities."""

    shown_on_storefront = False
    __tablename__ = "shipping_zones"

    name: Mapped[str] = mapped_column(String(120))
    countries: Mapped[list] = mapped_column(JSON, default=list)  # ISO 3166-1 alpha-2 codes
    provinces: Mapped[list] = mapped_column(JSON, default=list)  # empty: every province of its countries
    cities: Mapped[list] = mapped_column(JSON, default=list)  # empty: every city of its provinces
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer)  # basis points; None: the store's default rate
    position: Mapped[int] = mapped_column(Integer, default=0)

    rates: Mapped[list["ShippingRate"]] = relationship(
        order_by="ShippingRate.position, ShippingRate.id", cascade="all, delete-orphan",
        primaryjoin="and_(ShippingRate.tenant_id == ShippingZone.tenant_id, ShippingRate.zone_id == ShippingZone.id)",
        foreign_keys="[ShippingRate.tenant_id, ShippingRate.zone_id]",
    )


class ShippingRate(TenantScoped, db.Model):
    shown_on_storefront = False
    __tablename__ = "shipping_rates"
    __table_args__ = (tenant_fk("zone_id", "shipping_zones"),)

    zone_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[RateKind] = mapped_column(string_enum(RateKind), default=RateKind.FLAT)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # the flat rate
    # [{"from": int, "to": int | None, "amount": int}, …]: grams for weight tiers, minor units for price tiers
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    free_over: Mapped[int | None] = mapped_column(BigInteger)
    carrier: Mapped[str] = mapped_column(String(64), default="")  # a preset code or "custom:<id>"
    min_days: Mapped[int | None] = mapped_column(Integer)
    max_days: Mapped[int | None] = mapped_column(Integer)
    cod_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PickupLocation(TenantScoped, db.Model):
    """A place where shoppers collect their orders themselves."""

    shown_on_storefront = False
    __tablename__ = "pickup_locations"

    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(500))
    country: Mapped[str] = mapped_column(String(2), default="ID")
    instructions: Mapped[str] = mapped_column(String(500), default="")  # opening hours, what to bring
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    cod_allowed: Mapped[bool] = mapped_column(Boolean, default=True)  # pay at the counter
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Carrier(TenantScoped, db.Model):
    """A carrier the merchant added: a name and the link where shoppers track a parcel."""

    shown_on_storefront = False
    __tablename__ = "carriers"

    name: Mapped[str] = mapped_column(String(64))
    tracking_url: Mapped[str] = mapped_column(String(500), default="")  # with {number} where the number goes


class TaxSettings(TenantScoped, db.Model):
    """Whether prices include tax, the default rate (PPN 11% in Indonesia), and whether shipping is taxed."""

    shown_on_storefront = False
    __tablename__ = "tax_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    label: Mapped[str] = mapped_column(String(32), default="PPN")
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    rate_bp: Mapped[int] = mapped_column(Integer, default=1100)
    tax_shipping: Mapped[bool] = mapped_column(Boolean, default=False)
