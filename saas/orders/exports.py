"""CSV export of the orders list, with the list's filters, run as a job; the builder lists the files to download.

An export is a CatalogTransfer row (the table the product CSV export and import use) of kind "export" whose
source_format is "orders": no table of its own, and the builder's members-only download view for exports
serves it. The file goes to the store's private "exports" folder, which only that checked view hands out.
"""
import csv
import hashlib
import io
import logging
from types import SimpleNamespace

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from saas.catalog.models import CatalogTransfer, TransferKind, TransferStatus
from saas.catalog.transfers import safe_cell
from saas.extensions import db
from saas.ids import new_id
from saas.jobs import enqueue, task
from saas.money import money_input
from saas.orders.management import OrderFilters, order_query, store_zone
from saas.orders.models import FulfillmentStatus, Order, OrderStatus, PaymentStatus
from saas.orm import utcnow
from saas.storage import storage
from saas.tenants.scoping import current_tenant_id

log = logging.getLogger(__name__)

SOURCE_FORMAT = "orders"  # marks a CatalogTransfer as an orders export
BATCH = 500  # orders loaded (with their lines) per query

COLUMNS = (
    ("number", _l("Order number")),
    ("placed_at", _l("Placed at")),
    ("status", _l("Order status")),
    ("payment_status", _l("Payment status")),
    ("fulfillment_status", _l("Fulfilment status")),
    ("email", _l("Email")),
    ("name", _l("Name")),
    ("phone", _l("Phone")),
    ("city", _l("City")),
    ("province", _l("Province")),
    ("postal_code", _l("Postal code")),
    ("payment_method", _l("Payment method")),
    ("shipping_method", _l("Shipping method")),
    ("subtotal", _l("Subtotal")),
    ("discount", _l("Discount")),
    ("discount_codes", _l("Discount codes")),
    ("shipping", _l("Shipping")),
    ("tax", _l("Tax")),
    ("total", _l("Total")),
    ("refunded", _l("Refunded")),
    ("item_count", _l("Item count")),
    ("items", _l("Items")),
)


def _tenant(tenant_id):
    from saas.tenants.models import Tenant

    return db.session.get(Tenant, tenant_id)


def start_export(filters: OrderFilters, user) -> CatalogTransfer:
    """Record an export of the bound store's orders matching `filters` and queue its job (it runs after commit)."""
    tenant = _tenant(current_tenant_id())
    transfer = CatalogTransfer(id=new_id(), tenant_id=tenant.id, kind=TransferKind.EXPORT,
                               status=TransferStatus.QUEUED, user_id=getattr(user, "id", None),
                               filters=filters.as_dict(), source_format=SOURCE_FORMAT,
                               filename=f"{tenant.slug}-orders-{utcnow():%Y%m%d-%H%M}.csv", summary={})
    db.session.add(transfer)
    db.session.flush()
    enqueue("orders.export", transfer.id, tenant_id=tenant.id)
    return transfer


def _exports():
    return select(CatalogTransfer).where(CatalogTransfer.kind == TransferKind.EXPORT,
                                         CatalogTransfer.source_format == SOURCE_FORMAT)


def recent_exports(limit: int = 5) -> list[CatalogTransfer]:
    """The bound store's latest orders exports, newest first."""
    return list(db.session.scalars(
        _exports().order_by(CatalogTransfer.created_at.desc(), CatalogTransfer.id.desc()).limit(limit)))


def get_export(transfer_id: int) -> CatalogTransfer | None:
    """The bound store's orders export with this id, or None (another store's, or a product transfer)."""
    return db.session.scalar(_exports().where(CatalogTransfer.id == transfer_id))


# The CSV


def _items_summary(order: Order) -> str:
    parts = []
    for line in order.lines:
        title = f"{line.title} ({line.variant_title})" if line.variant_title else line.title
        parts.append(f"{title} × {line.quantity}")
    return "; ".join(parts)


def order_row(order: Order, tenant) -> list[str]:
    money = lambda amount: money_input(amount or 0, order.currency, tenant.locale)  # noqa: E731
    address = order.shipping_address or {}
    placed = order.placed_at.astimezone(store_zone(tenant.timezone)) if order.placed_at else None
    row = [
        str(order.number),
        f"{placed:%Y-%m-%d %H:%M:%S}" if placed else "",
        OrderStatus(order.status).value,
        PaymentStatus(order.payment_status).value,
        FulfillmentStatus(order.fulfillment_status).value,
        order.email or "",
        address.get("name") or "",
        order.phone or "",
        address.get("city") or "",
        address.get("province") or "",
        address.get("postal_code") or "",
        order.payment_method or "",
        order.shipping_method or "",
        money(order.subtotal),
        money(order.discount_total),
        " ".join(order.discount_codes or []),
        money(order.shipping_total),
        money(order.tax_total),
        money(order.total),
        money(order.refunded_total),
        str(sum(line.quantity for line in order.lines)),
        _items_summary(order),
    ]
    return [safe_cell(str(cell)) for cell in row]


def export_rows(tenant, filters: OrderFilters, progress=None):
    """The CSV's rows, heading first: one per order matching the filters, newest first, loaded in batches."""
    yield [str(label) for _key, label in COLUMNS]
    ids = list(db.session.scalars(order_query(filters, tenant.timezone).with_only_columns(Order.id)))
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        orders = {o.id: o for o in db.session.scalars(
            select(Order).where(Order.id.in_(chunk)).options(selectinload(Order.lines)))}
        for order_id in chunk:
            if order_id in orders:
                yield order_row(orders[order_id], tenant)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))


# The job


def _set_status(transfer_id: int, from_statuses, **values) -> bool:
    """A conditional status change, committed: False when the transfer isn't in one of `from_statuses`."""
    changed = db.session.execute(
        update(CatalogTransfer)
        .where(CatalogTransfer.id == transfer_id, CatalogTransfer.status.in_(list(from_statuses)))
        .values(updated_at=utcnow(), **values).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(changed)


def _user(transfer):
    from saas.accounts.models import User

    return db.session.get(User, transfer.user_id) if transfer.user_id else None


@task("orders.export", queue="reports", retries=2, timeout=1800)
def export_orders(transfer_id: int) -> None:
    """Write the filtered orders to a CSV in storage. Safe to run twice: a finished export is left alone."""
    transfer = get_export(transfer_id)
    if transfer is None or transfer.status in (TransferStatus.DONE, TransferStatus.CANCELLED):
        return
    tenant, user = _tenant(transfer.tenant_id), _user(transfer)
    # Plain values: the progress commits expire the ORM objects, and each read would query again.
    store = SimpleNamespace(id=tenant.id, locale=tenant.locale, timezone=tenant.timezone)
    locale = getattr(user, "locale", None) or tenant.locale or "id"
    filters = OrderFilters.from_args(transfer.filters or {})
    old_key = transfer.file_key
    running = (TransferStatus.APPLYING,)
    if not _set_status(transfer_id, (TransferStatus.QUEUED, TransferStatus.APPLYING, TransferStatus.FAILED),
                       status=TransferStatus.APPLYING, processed=0, error=""):
        return
    with force_locale(locale):
        try:
            out = io.StringIO()
            writer = csv.writer(out)
            for row in export_rows(store, filters,
                                   progress=lambda done, total: _set_status(transfer_id, running, processed=done,
                                                                            total=total)):
                writer.writerow(row)
            key = (f"{store.id}/exports/{transfer_id}-"
                   f"{hashlib.sha256(new_id().to_bytes(8, 'big')).hexdigest()[:16]}.csv")
            storage().save(key, out.getvalue().encode("utf-8-sig"), "text/csv")
            _set_status(transfer_id, running, status=TransferStatus.DONE, file_key=key, finished_at=utcnow())
        except Exception:
            db.session.rollback()
            _set_status(transfer_id, running, status=TransferStatus.FAILED, finished_at=utcnow(),
                        error=_("The export failed. Try again in a few minutes."))
            raise
    if old_key and old_key != key:
        try:
            storage().delete(old_key)
        except Exception:  # a leftover file in the private folder is harmless
            log.warning("deleting %s failed", old_key, exc_info=True)
