"""Many shoppers buying at once, through HTTP, on PostgreSQL: nobody oversells the last units, and the last use
of a limited discount code goes to one order only."""
import os
import re
import threading

import pytest
from sqlalchemy import func, select, update

from saas.catalog.models import Variant
from saas.extensions import db
from saas.orders.models import Order, PaymentMethod
from saas.tenants.scoping import bound_tenant
from saas.promotions.models import Discount, DiscountCode, DiscountKind, DiscountUsage
from saas.orm import utcnow
from tests.orders.factories import shipping_choice
from tests.storefront.test_checkout import ADDRESS

pytestmark = [
    pytest.mark.postgres, pytest.mark.no_transaction,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (row locks under real concurrency)"),
]
BUYERS = 50
UNITS = 10


@pytest.fixture
def store(committed_store):
    from saas.catalog import services as catalog

    def fill(tenant):
        db.session.add(PaymentMethod(provider="cod", enabled=True))
        product = catalog.create_product(tenant, title="Kain Terakhir", options=(), price=100_000_00, stock=UNITS,
                                         status="active")
        return product.variants[0].id

    tenant_id, _owner_id, variant_id = committed_store("Toko Rebutan", "toko-rebutan", fill)
    return tenant_id, variant_id


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
        option = shipping_choice(client, ADDRESS)
        ready.wait()
        response = client.post("/checkout", data={**ADDRESS, "payment_method": "cod", "idempotency_key": key,
                                                  "shipping_option": option})
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


CODE_BUYERS = 20


def test_the_last_use_of_a_limited_code_goes_to_one_order(app, store):
    tenant_id, variant_id = store
    with app.app_context(), bound_tenant(tenant_id):
        db.session.execute(update(Variant).where(Variant.id == variant_id).values(stock=100))
        discount = Discount(title="Satu kali saja", kind=DiscountKind.PERCENTAGE, percentage_bp=5000,
                            starts_at=utcnow(), usage_limit=1)
        db.session.add(discount)
        db.session.flush()
        db.session.add(DiscountCode(discount_id=discount.id, code="TERAKHIR"))
        db.session.commit()
        discount_id = discount.id
    outcomes = []
    ready = threading.Barrier(CODE_BUYERS)

    def buy():
        client = app.test_client()
        client.default_base_url = "http://toko-rebutan.localhost"
        client.post("/cart/add", data={"variant_id": str(variant_id), "quantity": "1"})
        client.post("/cart/discount", data={"code": "terakhir"})
        page = client.get("/checkout").get_data(as_text=True)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
        option = shipping_choice(client, ADDRESS)
        ready.wait()
        response = client.post("/checkout", data={**ADDRESS, "payment_method": "cod", "idempotency_key": key,
                                                  "shipping_option": option, "discount_code": "TERAKHIR"})
        outcomes.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=buy) for _ in range(CODE_BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == CODE_BUYERS
    placed = [body for status, body in outcomes if status == 303]
    refused = [body for status, body in outcomes if status != 303]
    assert len(placed) == 1
    assert all("TERAKHIR" in body and "field__error" in body for body in refused)
    with app.app_context(), bound_tenant(tenant_id):
        assert db.session.scalar(select(Discount.times_used).where(Discount.id == discount_id)) == 1
        assert db.session.scalar(select(func.count()).select_from(DiscountUsage)) == 1
        order = db.session.scalar(select(Order))
        assert order.discount_codes == ["TERAKHIR"] and order.discount_total == 50_000_00


def test_the_same_form_posted_twice_at_once_makes_one_order(app, store):
    tenant_id, variant_id = store
    client = app.test_client()
    client.default_base_url = "http://toko-rebutan.localhost"
    client.post("/cart/add", data={"variant_id": str(variant_id), "quantity": "1"})
    page = client.get("/checkout").get_data(as_text=True)
    form = {**ADDRESS, "payment_method": "cod", "shipping_option": shipping_choice(client, ADDRESS),
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]}
    cookie = client.get_cookie("cart", domain="toko-rebutan.localhost").value
    answers = []
    ready = threading.Barrier(2)

    def submit():
        twin = app.test_client()  # a second tab: the same cart cookie, the same form
        twin.default_base_url = "http://toko-rebutan.localhost"
        twin.set_cookie("cart", cookie, domain="toko-rebutan.localhost")
        ready.wait()
        answers.append(twin.post("/checkout", data=form))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    with app.app_context(), bound_tenant(tenant_id):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        assert db.session.scalar(select(Variant.stock).where(Variant.id == variant_id)) == UNITS - 1
