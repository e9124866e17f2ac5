"""A small order factory for tests of order management: builds orders straight from the models.

It takes stock the way checkout does (the variant's stock goes down, the line says so), without the cart,
the pricing pipeline or the payment providers, so these tests don't depend on checkout.
"""
import itertools
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from saas.catalog.models import Product, Variant
from saas.extensions import db
from saas.ids import new_id
from saas.orders.models import Order, OrderEvent, OrderLine, Payment
from saas.orm import utcnow
from tests.conftest import tenant_context

_emails = itertools.count(1)


def make_order(app, tenant, items, payment_method="bank_transfer", email=None, name="Siti Rahayu",
               placed_at=None, shipping=15_000_00, take_stock=True, **fields):
    """items: [(product or variant, quantity)]; returns the order's id (an int), with stock taken."""
    with tenant_context(app, tenant.id):
        number = (db.session.scalar(select(func.max(Order.number))) or 1000) + 1
        placed_at = placed_at or utcnow()
        order = Order(
            id=new_id(), number=number, token=secrets.token_urlsafe(24), idempotency_key=secrets.token_hex(16),
            email=email or f"pembeli{next(_emails)}@example.test", phone="+6281234567890",
            shipping_address={"name": name, "street": "Jl. Malioboro 12", "district": "Gedong Tengen",
                              "city": "Yogyakarta", "province": "DI Yogyakarta", "postal_code": "55271",
                              "country": "ID"},
            currency=tenant.currency, payment_method=payment_method, placed_at=placed_at,
            payment_due_at=placed_at + timedelta(hours=24) if payment_method == "bank_transfer" else None,
            shipping_method="Flat rate", **fields,
        )
        db.session.add(order)
        subtotal = 0
        for position, (item, quantity) in enumerate(items):
            variant_id = item.variants[0].id if isinstance(item, Product) else item.id
            variant = db.session.scalar(select(Variant).where(Variant.id == variant_id))
            taken = take_stock and variant.track_stock
            if taken:
                variant.stock -= quantity
            order.lines.append(OrderLine(
                id=new_id(), position=position, product_id=variant.product_id, variant_id=variant.id,
                title=variant.product.title, variant_title=variant.title or "", sku=variant.sku or "",
                unit_price=variant.price, quantity=quantity, total=variant.price * quantity, stock_taken=taken,
            ))
            subtotal += variant.price * quantity
        order.subtotal, order.shipping_total = subtotal, shipping
        order.total = subtotal + shipping
        order.payments.append(Payment(id=new_id(), provider=payment_method, amount=order.total))
        order.events.append(OrderEvent(id=new_id(), kind="placed", actor=order.email, message="Order placed."))
        db.session.commit()
        return order.id


def load_order(app, tenant, order_id):
    """The order with its lines, payments, fulfilments and events, detached for assertions."""
    from saas.orders.management import get_order

    with tenant_context(app, tenant.id):
        order = get_order(order_id)
        if order is not None:
            db.session.expunge_all()
        return order


def stock_of(app, tenant, product) -> int:
    with tenant_context(app, tenant.id):
        return db.session.scalar(select(Variant.stock).where(Variant.id == product.variants[0].id))


def flat_shipping(session, amount, free_over=None, name="Reguler", cod_allowed=True):
    """Replace the store's zones with one for all of Indonesia and a single flat rate; returns the rate."""
    from saas.shipping.models import ShippingRate, ShippingZone

    for zone in session.scalars(select(ShippingZone)):
        session.delete(zone)
    session.flush()
    zone = ShippingZone(name="Indonesia", countries=["ID"])
    session.add(zone)
    session.flush()
    rate = ShippingRate(zone_id=zone.id, name=name, amount=amount, free_over=free_over, cod_allowed=cod_allowed)
    session.add(rate)
    session.flush()
    return rate


def shipping_choice(shopper, form: dict) -> str:
    """The shipping option the checkout preselects for the address in `form` (the cheapest), as the script asks."""
    import re

    fields = ("country", "province", "city", "district", "postal_code", "email")
    answer = shopper.get("/checkout/summary", query_string={k: form.get(k, "") for k in fields}).json
    chosen = re.search(r'value="([^"]+)" checked', answer["shipping"])
    assert chosen, answer["shipping"]
    return chosen[1]
