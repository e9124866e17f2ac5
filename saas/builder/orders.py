"""Builder pages for orders: the list with filters and search, the order page with its actions, invoice and slip."""
import re

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from saas.builder.transfers import EXPORT_LABELS
from saas.builder.views import bp
from saas.extensions import db
from saas.formfields import MoneyField
from saas.orders import exports, management
from saas.orders.management import OrderError, OrderFilters
from saas.orders.models import FulfillmentStatus, Order, OrderStatus, PaymentStatus
from saas.payments import services as payments
from saas.platform.pagination import paginate
from saas.shipping import carriers
from saas.storage.models import MediaFile
from saas.tenants import settings as store_settings
from saas.validators import strip

PER_PAGE = 50

PAYMENT_LABELS = {
    PaymentStatus.PENDING: _l("Payment pending"),
    PaymentStatus.PAID: _l("Paid"),
    PaymentStatus.PARTIALLY_REFUNDED: _l("Partially refunded"),
    PaymentStatus.REFUNDED: _l("Refunded"),
    PaymentStatus.EXPIRED: _l("Expired"),
}
FULFILLMENT_LABELS = {
    FulfillmentStatus.UNFULFILLED: _l("Unfulfilled"),
    FulfillmentStatus.PARTIALLY_FULFILLED: _l("Partially fulfilled"),
    FulfillmentStatus.FULFILLED: _l("Fulfilled"),
}
STATUS_LABELS = {
    OrderStatus.OPEN: _l("Open"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    OrderStatus.ARCHIVED: _l("Archived"),
}
METHOD_LABELS = payments.CHECKOUT_LABELS
_WHOLE = re.compile(r"^\d{1,6}$")


class ActionForm(FlaskForm):
    """A button's form: only the CSRF token."""


class FulfilForm(FlaskForm):
    carrier = SelectField(_l("Carrier"), choices=[], validate_choice=False)  # filled per store: see _order_page
    tracking_number = StringField(_l("Tracking number"), filters=[strip])


class CancelForm(FlaskForm):
    restock = BooleanField(_l("Put the unshipped items back in stock"), default=True)
    reason = TextAreaField(_l("Reason"), filters=[strip])


class RefundForm(FlaskForm):
    amount = MoneyField(_l("Amount to refund"))
    reason = TextAreaField(_l("Reason"), filters=[strip])


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), filters=[strip])


FORMS = {"fulfil": FulfilForm, "cancel": CancelForm, "refund": RefundForm, "note": NoteForm}


def _order(order_id: int):
    """The bound store's order, or a 404 (the tenant filter hides every other store's); locked for a change."""
    order = management.get_order(order_id, lock=request.method == "POST")
    if order is None:
        abort(404)
    return order


def _media(ids) -> dict:
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(MediaFile).where(MediaFile.id.in_(ids)))}


def _labels() -> dict:
    return dict(payment_labels=PAYMENT_LABELS, fulfillment_labels=FULFILLMENT_LABELS, status_labels=STATUS_LABELS,
                method_labels=METHOD_LABELS)


# The list


@bp.get("/<slug>/orders")
def orders():
    filters = OrderFilters.from_args(request.args)
    page = paginate(management.order_query(filters, g.tenant.timezone), request.args.get("page"), PER_PAGE)
    has_any = page.total > 0 or filters.active or db.session.scalar(
        select(Order.id).limit(1)) is not None
    return render_template("builder/orders/list.html", page=page, filters=filters, has_any=has_any,
                           exports=exports.recent_exports(), export_label=_export_label, **_labels())


def _export_label(transfer) -> str:
    return str(EXPORT_LABELS[transfer.status])


@bp.post("/<slug>/orders/export")
def export_orders():
    """Queue a CSV of the orders matching the list's filters (sent with the form); the list shows when it's ready."""
    filters = OrderFilters.from_args(request.form)
    if not ActionForm().validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
        return redirect(url_for("builder.orders", **filters.as_dict()))
    exports.start_export(filters, current_user)
    db.session.commit()
    flash(_("Your export has started. The file appears under Exports on this page when it is ready."), "success")
    return redirect(url_for("builder.orders", **filters.as_dict()))


# One order


def _order_page(order, forms: dict | None = None, line_errors: dict | None = None, typed: dict | None = None):
    """Render the order page, keeping whichever form was just submitted (with its errors and typed values)."""
    forms = dict(forms or {})
    posted = set(forms)
    for name, form_class in FORMS.items():
        if name not in forms:
            forms[name] = form_class(formdata=None, prefix=name)
    # The presets, then the store's own carriers, then "Other".
    choices = carriers.choices()
    forms["fulfil"].carrier.choices = [SelectChoice(code, label) for code, label in choices]
    if "fulfil" not in posted:  # a fresh form starts at the carrier the shopper chose at checkout, if it's listed
        chosen = (order.shipping_details or {}).get("carrier")
        if chosen and chosen in {code for code, _label in choices}:
            forms["fulfil"].carrier.data = chosen
    media = _media([line.image_media_id for line in order.lines] + [p.proof_media_id for p in order.payments])
    refunds = management.refunds_of(order)
    cancelled = order.status == OrderStatus.CANCELLED
    can = {
        "mark_paid": not cancelled and order.payment_method in management.MANUAL_METHODS
                     and order.payment_status == PaymentStatus.PENDING,
        "fulfil": not cancelled and any(management.unshipped(line) for line in order.lines),
        "deliver": not cancelled and any(f.delivered_at is None for f in order.fulfillments),
        "cancel": not cancelled and order.fulfillment_status != FulfillmentStatus.FULFILLED,
        "refund": order.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
                  and management.refundable(order) > 0,
    }
    lines_by_id = {str(line.id): line for line in order.lines}
    return render_template(
        "builder/orders/detail.html", order=order, forms=forms, media=media, refunds=refunds, can=can,
        line_errors=line_errors or {}, typed=typed or {}, events=list(reversed(order.events)),
        lines_by_id=lines_by_id, unshipped=management.unshipped, restockable=management.restockable,
        restock_lines=[line for line in order.lines if management.restockable(line)],
        refundable=management.refundable(order), action_form=ActionForm(formdata=None), **_labels(),
    )


@bp.get("/<slug>/orders/<int:order_id>")
def order(order_id):
    return _order_page(_order(order_id))


def _back(order_id):
    return redirect(url_for("builder.order", order_id=order_id))


def _expired():
    flash(_("Your session expired. Please try again."), "error")


def _refused(order_id, error: OrderError):
    db.session.rollback()
    flash(str(error.message), "error")
    return _back(order_id)


@bp.post("/<slug>/orders/<int:order_id>/mark-paid")
def mark_order_paid(order_id):
    order = _order(order_id)
    if not ActionForm().validate_on_submit():
        _expired()
        return _back(order_id)
    try:
        management.mark_paid(order, current_user)
    except OrderError as error:
        return _refused(order_id, error)
    db.session.commit()
    flash(_("Order %(number)s is marked as paid.", number=order.name), "success")
    return _back(order_id)


@bp.post("/<slug>/orders/<int:order_id>/deliver")
def mark_order_delivered(order_id):
    order = _order(order_id)
    if not ActionForm().validate_on_submit():
        _expired()
        return _back(order_id)
    try:
        management.mark_delivered(order, current_user)
    except OrderError as error:
        return _refused(order_id, error)
    db.session.commit()
    flash(_("Order %(number)s is marked as delivered.", number=order.name), "success")
    return _back(order_id)


def _whole_numbers(order, prefix: str, allowed) -> tuple[dict | None, dict, dict]:
    """Per-line numbers typed as `<prefix>-<line id>`: (values or None when none were sent, errors, typed text)."""
    values, errors, typed, seen = {}, {}, {}, False
    for line in order.lines:
        name = f"{prefix}-{line.id}"
        if name not in request.form:
            continue
        seen = True
        text = request.form.get(name, "").strip()
        typed[name] = text
        if text == "":
            values[line.id] = 0
        elif not _WHOLE.match(text):
            errors[name] = _("Enter a number from 0 to %(max)d.", max=allowed(line))
        else:
            values[line.id] = int(text)
    return (values if seen else None), errors, typed


def _put_error(form, prefix: str, error: OrderError, line_errors: dict) -> None:
    """An error beside its field: a form field, a line's input, or (with no field) a flash."""
    if error.field and error.field.startswith(("qty-", "restock-")):
        line_errors[f"{prefix}-{error.field}"] = str(error.message)
        return
    target = getattr(form, error.field, None) if error.field else None
    if target is None:
        flash(str(error.message), "error")
    else:
        target.errors = list(target.errors) + [error.message]


@bp.post("/<slug>/orders/<int:order_id>/fulfil")
def fulfil_order(order_id):
    order = _order(order_id)
    form = FulfilForm(prefix="fulfil")
    quantities, line_errors, typed = _whole_numbers(order, "fulfil-qty", management.unshipped)
    if form.validate_on_submit() and not line_errors:
        try:
            management.fulfil(order, current_user, form.carrier.data or "", form.tracking_number.data or "",
                              quantities)
        except OrderError as error:
            db.session.rollback()
            _put_error(form, "fulfil", error, line_errors)
        else:
            db.session.commit()
            flash(_("Order %(number)s is marked as shipped.", number=order.name), "success")
            return _back(order_id)
    elif "csrf_token" in form.errors:
        _expired()
    return _order_page(_order(order_id), forms={"fulfil": form}, line_errors=line_errors, typed=typed)


@bp.post("/<slug>/orders/<int:order_id>/cancel")
def cancel_order(order_id):
    order = _order(order_id)
    form = CancelForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            management.cancel(order, current_user, restock=bool(form.restock.data), reason=form.reason.data or "")
        except OrderError as error:
            db.session.rollback()
            if not error.field:
                flash(str(error.message), "error")
                return _back(order_id)
            _put_error(form, "cancel", error, {})
        else:
            db.session.commit()
            flash(_("Order %(number)s is cancelled.", number=order.name), "success")
            return _back(order_id)
    elif "csrf_token" in form.errors:
        _expired()
    return _order_page(_order(order_id), forms={"cancel": form})


@bp.post("/<slug>/orders/<int:order_id>/refund")
def refund_order(order_id):
    order = _order(order_id)
    form = RefundForm(prefix="refund")
    restock, line_errors, typed = _whole_numbers(order, "refund-restock", management.restockable)
    if form.validate_on_submit() and not line_errors:
        try:
            management.refund(order, current_user, form.amount.data, form.reason.data or "", restock)
        except OrderError as error:
            db.session.rollback()
            _put_error(form, "refund", error, line_errors)
        else:
            db.session.commit()
            flash(_("The refund is recorded on order %(number)s.", number=order.name), "success")
            return _back(order_id)
    elif "csrf_token" in form.errors:
        _expired()
    return _order_page(_order(order_id), forms={"refund": form}, line_errors=line_errors, typed=typed)


@bp.post("/<slug>/orders/<int:order_id>/notes")
def add_order_note(order_id):
    order = _order(order_id)
    form = NoteForm(prefix="note")
    if form.validate_on_submit():
        try:
            management.add_note(order, current_user, form.text.data or "")
        except OrderError as error:
            db.session.rollback()
            _put_error(form, "note", error, {})
        else:
            db.session.commit()
            flash(_("Note added."), "success")
            return _back(order_id)
    elif "csrf_token" in form.errors:
        _expired()
    return _order_page(_order(order_id), forms={"note": form})


# Printable documents


def _document(order_id, template):
    order = _order(order_id)
    media = _media([line.image_media_id for line in order.lines])
    return render_template(template, order=order, logo=store_settings.logo(g.tenant), media=media,
                           refunds=management.refunds_of(order), **_labels())


@bp.get("/<slug>/orders/<int:order_id>/invoice")
def order_invoice(order_id):
    return _document(order_id, "builder/orders/invoice.html")


@bp.get("/<slug>/orders/<int:order_id>/packing-slip")
def order_packing_slip(order_id):
    return _document(order_id, "builder/orders/packing_slip.html")
