"""The demo store that `make run` seeds: http://demo.localhost:5000, merchant demo@etalase.test."""
from saas.accounts import services as accounts
from saas.cli import DEMO_EMAIL, DEMO_PASSWORD
from saas.extensions import db
from saas.jobs.queue import run_ready_in_process
from saas.tenants.models import Tenant
from saas.tenants.services import store_by_slug

DEMO_SLUG = "demo"


def seed_demo_store() -> bool:
    if store_by_slug(DEMO_SLUG) is not None:
        return False
    user = accounts.find_user(DEMO_EMAIL) or accounts.create_user(DEMO_EMAIL, DEMO_PASSWORD, "Sari Wulandari", locale="id")
    tenant: Tenant = _create_demo_tenant(user)
    tenant.contact_phone = "+62 812 3456 7890"
    tenant.address = "Jl. Malioboro No. 52, Yogyakarta 55271"
    db.session.commit()
    run_ready_in_process()
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
