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
        if create_default_content(existing) or added or payments_added:  # stores seeded before pages and menus existed get them too
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
            db.session.add(CheckoutSettings(flat_shipping_rate=20_000_00, free_shipping_over=300_000_00))
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
