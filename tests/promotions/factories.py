"""Discounts straight from the models, for tests that need one in place (or a use of one) without the builder."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from saas.catalog import collections as collection_service
from saas.catalog.models import Collection
from saas.extensions import db
from saas.ids import new_id
from saas.orm import utcnow
from saas.promotions.models import Discount, DiscountCode, DiscountTarget, DiscountUsage
from saas.tenants.models import Tenant
from tests.conftest import tenant_context


def make_collection(app, tenant, title: str) -> int:
    with tenant_context(app, tenant.id):
        collection = collection_service.save_collection(db.session.get(Tenant, tenant.id), None, title=title)
        db.session.commit()
        return collection.id


def make_discount(app, tenant, codes=(), targets=(), **fields) -> int:
    """A discount (10% off the order, started an hour ago, unless `fields` say otherwise) with `codes`;
    targets: [(role, "product_id" | "collection_id", id)]. Returns its id."""
    values = {"title": "Promo", "method": "code", "kind": "percentage", "scope": "order", "percentage_bp": 1000,
              "starts_at": utcnow() - timedelta(hours=1)}
    values.update(fields)
    with tenant_context(app, tenant.id):
        discount = Discount(id=new_id(), **values)
        db.session.add(discount)
        db.session.flush()
        for code in codes:
            db.session.add(DiscountCode(id=new_id(), discount_id=discount.id, code=code))
        for role, column, target_id in targets:
            db.session.add(DiscountTarget(id=new_id(), discount_id=discount.id, role=role, **{column: target_id}))
        db.session.commit()
        return discount.id


def add_usage(app, tenant, discount_id: int, order_total: int, amount: int = 10_000_00, email="siti@example.test"):
    """A use of the discount by an order, as checkout records it."""
    with tenant_context(app, tenant.id):
        db.session.add(DiscountUsage(id=new_id(), discount_id=discount_id, order_id=new_id(), email=email,
                                     amount=amount, order_total=order_total))
        discount = db.session.scalar(select(Discount).where(Discount.id == discount_id))
        discount.times_used += 1
        db.session.commit()


def load_discount(app, tenant, discount_id: int):
    """(discount, sorted codes) as stored, detached; (None, []) when there is none."""
    with tenant_context(app, tenant.id):
        discount = db.session.scalar(select(Discount).where(Discount.id == discount_id)
                                     .options(selectinload(Discount.targets)))
        if discount is None:
            return None, []
        codes = sorted(db.session.scalars(select(DiscountCode.code).where(DiscountCode.discount_id == discount_id)))
        db.session.expunge_all()
        return discount, codes


def all_discounts(app, tenant) -> list:
    with tenant_context(app, tenant.id):
        rows = list(db.session.scalars(select(Discount).options(selectinload(Discount.targets))
                                       .order_by(Discount.created_at)))
        db.session.expunge_all()
        return rows


def collection_ids(app, tenant) -> list[int]:
    with tenant_context(app, tenant.id):
        return list(db.session.scalars(select(Collection.id)))
