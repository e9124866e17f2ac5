"""Many shoppers buying the last units at once, through HTTP, on PostgreSQL: nobody oversells."""
import os
import re
import threading

import pytest
from sqlalchemy import delete, func, select

from saas.catalog.models import Variant
from saas.extensions import db
from saas.orders.models import Order, PaymentMethod
from saas.tenants.models import Tenant
from saas.tenants.scoping import bound_tenant, unscoped
from tests.storefront.test_checkout import ADDRESS

pytestmark = [
    pytest.mark.postgres, pytest.mark.no_transaction,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (row locks under real concurrency)"),
]
BUYERS = 50
UNITS = 10


@pytest.fixture
def store(app):
    from saas.catalog import services as catalog
    from saas.tenants.services import create_store
    from saas.accounts.services import create_user

    with app.app_context():
        owner = create_user(email="pemilik-konkuren@example.com", password="kain-tenun-ikat-2026", name="Pemilik")
        tenant = create_store(owner, "Toko Rebutan", "toko-rebutan")
        db.session.flush()
        with bound_tenant(tenant.id):
            db.session.add(PaymentMethod(provider="cod", enabled=True))
            product = catalog.create_product(tenant, title="Kain Terakhir", options=(), price=100_000_00, stock=UNITS,
                                             status="active")
            db.session.commit()
            variant_id = product.variants[0].id
        tenant_id, user_id = tenant.id, owner.id
    yield tenant_id, variant_id
    with app.app_context(), unscoped():
        db.session.execute(delete(Tenant).where(Tenant.id == tenant_id))
        from saas.accounts.models import User

        db.session.execute(delete(User).where(User.id == user_id))
        db.session.commit()


def test_fifty_buyers_of_the_last_ten_units_make_ten_orders(app, store):
    tenant_id, variant_id = store
    outcomes = []
    ready = threading.Barrier(BUYERS)

    def buy():
        client = app.test_client()
        client.default_base_url = "http://toko-rebutan.localhost"
        client.post("/cart/add", data={"variant_id": str(variant_id), "quantity": "1"})
        page = client.get("/checkout").get_data(as_text=True)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
        ready.wait()
        response = client.post("/checkout", data={**ADDRESS, "payment_method": "cod", "idempotency_key": key})
        placed = response.status_code == 303 and "/orders/" in response.headers["Location"]
        message = "" if placed else client.get("/cart").get_data(as_text=True)
        outcomes.append((placed, message))

    threads = [threading.Thread(target=buy) for _ in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == BUYERS
    placed = [o for o in outcomes if o[0]]
    refused = [o for o in outcomes if not o[0]]
    assert len(placed) == UNITS and len(refused) == BUYERS - UNITS
    assert all("Kain Terakhir" in message and "notice--error" in message for _ok, message in refused)
    with app.app_context(), bound_tenant(tenant_id):
        assert db.session.scalar(select(Variant.stock).where(Variant.id == variant_id)) == 0
        assert db.session.scalar(select(func.count()).select_from(Order)) == UNITS
        assert sorted(db.session.scalars(select(Order.number))) == list(range(1001, 1001 + UNITS))
