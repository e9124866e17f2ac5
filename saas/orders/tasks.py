"""Order jobs: unpaid manual orders lapse once the store's payment time runs out."""
import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from saas.extensions import db
from saas.jobs import task
from saas.orders import management
from saas.orders.models import Order, OrderStatus, PaymentStatus
from saas.orm import utcnow
from saas.tenants.models import Tenant
from saas.tenants.scoping import bound_tenant, unscoped

log = logging.getLogger(__name__)
BATCH = 500


@task("orders.cancel_unpaid", retries=3)
def cancel_unpaid() -> int:
    """Cancel every store's orders whose payment is overdue, putting their stock back; each commits on its own."""
    with unscoped():
        due = db.session.execute(
            select(Order.tenant_id, Order.id).where(
                Order.status == OrderStatus.OPEN, Order.payment_status == PaymentStatus.PENDING,
                Order.payment_due_at.is_not(None), Order.payment_due_at <= utcnow())
            .order_by(Order.payment_due_at).limit(BATCH)).all()
    cancelled, failed = 0, []
    for tenant_id, order_id in due:
        tenant = db.session.get(Tenant, tenant_id)
        with bound_tenant(tenant_id), force_locale(tenant.locale):
            try:
                # Locked and checked again: a payment or the merchant may have got there first.
                order = management.get_order(order_id, lock=True)
                if order is None or order.status != OrderStatus.OPEN or order.payment_status != PaymentStatus.PENDING:
                    db.session.rollback()
                    continue
                management.cancel(order, _("Etalase"), restock=True, reason=_("Not paid in time."))  # emails the shopper
                db.session.commit()
                cancelled += 1
            except Exception:  # noqa: BLE001 - one broken order must not stop every other store's
                db.session.rollback()
                log.exception("could not cancel unpaid order %s of store %s", order_id, tenant_id)
                failed.append(order_id)
    if cancelled:
        log.info("cancelled %d unpaid orders", cancelled)
    if failed:
        # Raised after the others are done, so the job is retried and, in the end, shown to operators.
        raise RuntimeError(f"{len(failed)} unpaid orders could not be cancelled: {failed}")
    return cancelled
