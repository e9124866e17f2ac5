"""The demo store that `make run` seeds: http://demo.localhost:5000, merchant demo@etalase.test."""
from saas.accounts import services as accounts
from saas.catalog.demo import seed_demo_catalog
from saas.content.services import create_default_content
from saas.cli import DEMO_EMAIL, DEMO_PASSWORD
from saas.extensions import db
from saas.jobs.queue import run_ready_in_process
from saas.tenants.models import Tenant
from saas.tenants.services import store_by_slug

DEMO_SLUG = "demo"


def seed_demo_store() -> str:
    """Create the demo store with its catalog; says what it did ("created", "catalog added" or "unchanged")."""
    existing = store_by_slug(DEMO_SLUG)
    if existing is not None:
        # A store seeded before the demo catalog existed gets the catalog now; one with products is left alone.
        added = seed_demo_catalog(existing, accounts.find_user(DEMO_EMAIL))
        payments_added = _seed_demo_payments(existing)
        shipping_added = _seed_demo_shipping_and_promotions(existing)
        if create_default_content(existing) or added or payments_added or shipping_added:  # stores seeded before pages and menus existed get them too
            db.session.commit()
            return "catalog added"
        return "unchanged"
    user = accounts.find_user(DEMO_EMAIL) or accounts.create_user(DEMO_EMAIL, DEMO_PASSWORD, "Sari Wulandari", locale="id")
    tenant: Tenant = _create_demo_tenant(user)
    tenant.contact_phone = "+62 812 3456 7890"
    tenant.address = "Jl. Malioboro No. 52, Yogyakarta 55271"
    create_default_content(tenant)  # after the contact details, which the Contact page shows
    seed_demo_catalog(tenant, user)
    _seed_demo_payments(tenant)
    _seed_demo_shipping_and_promotions(tenant)
    db.session.commit()
    run_ready_in_process()
    return "created"


def _seed_demo_payments(tenant) -> bool:
    """Bank transfer (to a made-up BCA account) and cash on delivery, so the demo store can take orders."""
    from sqlalchemy import select

    from saas.orders.models import BankAccount, CheckoutSettings, PaymentMethod
    from saas.tenants.scoping import bound_tenant

    with bound_tenant(tenant.id):
        if db.session.scalar(select(PaymentMethod).limit(1)) is not None:
            return False
        db.session.add_all([
            PaymentMethod(provider="bank_transfer", enabled=True, position=0),
            PaymentMethod(provider="cod", enabled=True, position=1),
            BankAccount(bank="BCA", number="8730123456", holder="Sari Wulandari"),
        ])
        if db.session.scalar(select(CheckoutSettings)) is None:
            db.session.add(CheckoutSettings())
        db.session.flush()
    return True


def _seed_demo_shipping_and_promotions(tenant) -> bool:
    """JNE to West Java by weight or next day, a flat rate elsewhere, pickup in the shop, a code and a sale."""
    from datetime import timedelta

    from sqlalchemy import select

    from saas.orm import utcnow
    from saas.promotions.models import Discount, DiscountCode, DiscountKind, DiscountMethod
    from saas.shipping.models import PickupLocation, RateKind, ShippingRate, ShippingSettings, ShippingZone
    from saas.tenants.scoping import bound_tenant

    rupiah = 100
    with bound_tenant(tenant.id):
        if db.session.scalar(select(ShippingSettings).limit(1)) is not None:
            return False
        db.session.add(ShippingSettings(origin={
            "name": "Toko Batik Sari", "phone": "+6281234567890", "street": "Jl. Malioboro No. 52",
            "district": "Gedong Tengen", "city": "Kota Yogyakarta", "province": "DI Yogyakarta",
            "postal_code": "55271", "country": "ID"}))
        for zone in db.session.scalars(select(ShippingZone)):  # a default zone from before: replaced
            db.session.delete(zone)
        db.session.flush()
        west_java = ShippingZone(name="Jawa Barat", countries=["ID"], provinces=["Jawa Barat"], position=0)
        indonesia = ShippingZone(name="Indonesia", countries=["ID"], position=1)
        db.session.add_all([west_java, indonesia])
        db.session.flush()
        db.session.add_all([
            ShippingRate(zone_id=west_java.id, name="JNE REG", kind=RateKind.WEIGHT, carrier="jne", min_days=2,
                         max_days=3, position=0, tiers=[
                             {"from": 0, "to": 1000, "amount": 15_000 * rupiah},
                             {"from": 1000, "to": 3000, "amount": 25_000 * rupiah},
                             {"from": 3000, "to": None, "amount": 40_000 * rupiah}]),
            ShippingRate(zone_id=west_java.id, name="JNE YES", kind=RateKind.FLAT, amount=32_000 * rupiah,
                         carrier="jne", min_days=1, max_days=1, cod_allowed=False, position=1),
            ShippingRate(zone_id=indonesia.id, name="Reguler", kind=RateKind.FLAT, amount=20_000 * rupiah,
                         free_over=300_000 * rupiah, carrier="jne", min_days=2, max_days=5, position=0),
            PickupLocation(name="Ambil di toko Malioboro", address="Jl. Malioboro No. 52, Yogyakarta",
                           instructions="Senin–Sabtu, 09.00–17.00", fee=0, position=0),
        ])
        now = utcnow()
        code = Discount(title="Hemat 10% untuk belanja Rp 200.000", method=DiscountMethod.CODE,
                        kind=DiscountKind.PERCENTAGE, percentage_bp=1000, min_subtotal=200_000 * rupiah,
                        starts_at=now - timedelta(days=1), usage_limit=500, per_customer_limit=1, combinable=True)
        spend = Discount(title="Belanja Rp 750.000, hemat Rp 75.000", method=DiscountMethod.AUTOMATIC,
                         kind=DiscountKind.TIERED, starts_at=now - timedelta(days=1),
                         tiers=[{"min_subtotal": 750_000 * rupiah, "amount": 75_000 * rupiah}])
        db.session.add_all([code, spend])
        db.session.flush()
        db.session.add(DiscountCode(discount_id=code.id, code="HEMAT10"))
        db.session.flush()
    return True


def _create_demo_tenant(user) -> Tenant:
    # "demo" is a reserved subdomain for everyone else; the seed takes it past the check.
    tenant = Tenant(slug=DEMO_SLUG, name="Toko Batik Sari", contact_email=DEMO_EMAIL, locale="id")
    db.session.add(tenant)
    db.session.flush()
    from saas.tenants.models import Membership, Role

    db.session.add(Membership(user_id=user.id, tenant_id=tenant.id, role=Role.OWNER))
    db.session.flush()
    return tenant
