"""Builder pages for the catalog: CSV export and import of products, with a progress page that polls a JSON endpoint."""
import io

from flask import abort, flash, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms.validators import ValidationError

from saas.builder.views import bp
from saas.catalog import transfers
from saas.catalog.models import TransferKind, TransferStatus
from saas.catalog.search import ProductFilters
from saas.extensions import db
from saas.storage import storage

RUNNING = (TransferStatus.QUEUED, TransferStatus.CHECKING, TransferStatus.APPLYING)
STATUS_LABELS = {
    TransferStatus.QUEUED: _l("Waiting to start"),
    TransferStatus.CHECKING: _l("Checking the file"),
    TransferStatus.CHECKED: _l("Checked: waiting for you to confirm"),
    TransferStatus.APPLYING: _l("Importing"),
    TransferStatus.DONE: _l("Done"),
    TransferStatus.FAILED: _l("Failed"),
    TransferStatus.CANCELLED: _l("Cancelled"),
}
EXPORT_LABELS = {**STATUS_LABELS, TransferStatus.APPLYING: _l("Exporting")}


def _file_required(form, field):
    if not getattr(field.data, "filename", None):
        raise ValidationError(_l("Choose a CSV file to import."))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[_file_required])


class ActionForm(FlaskForm):
    """A button's form: only the CSRF token."""


def _transfer(transfer_id: int):
    """The bound store's transfer, or a 404 (the tenant filter hides every other store's)."""
    transfer = transfers.get_transfer(transfer_id)
    if transfer is None:
        abort(404)
    return transfer


def status_label(transfer) -> str:
    labels = EXPORT_LABELS if transfer.kind == TransferKind.EXPORT else STATUS_LABELS
    return str(labels[TransferStatus(transfer.status)])


@bp.route("/<slug>/products/import", methods=["GET", "POST"])
def import_products():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(transfers.MAX_FILE_BYTES + 1)
        try:
            transfer = transfers.start_import(g.tenant, current_user, data, upload.filename)
        except transfers.FileRejected as error:
            db.session.rollback()
            form.file.errors = list(form.file.errors) + [str(error)]
        else:
            db.session.commit()
            return redirect(url_for("builder.product_transfer", transfer_id=transfer.id))
    return render_template("builder/transfers/import.html", form=form, recent=transfers.recent_transfers(),
                           max_mb=transfers.MAX_FILE_BYTES // (1024 * 1024), status_label=status_label,
                           columns=transfers.ETALASE_COLUMNS, shopify_columns=transfers.SHOPIFY_REQUIRED)


@bp.get("/<slug>/products/import/template.csv")
def product_import_template():
    response = send_file(io.BytesIO(transfers.template_csv(g.tenant)), mimetype="text/csv", as_attachment=True,
                         download_name="etalase-products-template.csv")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<slug>/products/export")
def export_products():
    if not ActionForm().validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
        return redirect(url_for("builder.products"))
    filters = ProductFilters.from_args(request.form)
    transfer = transfers.start_export(g.tenant, current_user, filters)
    db.session.commit()
    return redirect(url_for("builder.product_transfer", transfer_id=transfer.id))


@bp.get("/<slug>/products/transfers/<int:transfer_id>")
def product_transfer(transfer_id: int):
    transfer = _transfer(transfer_id)
    processed = transfers.live_processed(transfer)
    percent = min(100, round(100 * processed / transfer.total)) if transfer.total else transfer.percent
    summary = transfer.summary or {}
    return render_template(
        "builder/transfers/transfer.html", transfer=transfer, summary=summary, running=transfer.status in RUNNING,
        percent=percent, processed=processed, label=status_label(transfer), action_form=ActionForm(),
        can_confirm=transfer.status == TransferStatus.CHECKED and not summary.get("error_count"),
        filters=ProductFilters.from_args(transfer.filters or {}), TransferStatus=TransferStatus,
        TransferKind=TransferKind,
    )


@bp.get("/<slug>/products/transfers/<int:transfer_id>/progress")
def product_transfer_progress(transfer_id: int):
    transfer = _transfer(transfer_id)
    processed = transfers.live_processed(transfer)
    percent = min(100, round(100 * processed / transfer.total)) if transfer.total else transfer.percent
    response = jsonify(status=TransferStatus(transfer.status).value, label=status_label(transfer), percent=percent,
                       processed=processed, total=transfer.total, running=transfer.status in RUNNING)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<slug>/products/transfers/<int:transfer_id>/apply")
def apply_product_import(transfer_id: int):
    transfer = _transfer(transfer_id)
    if transfer.kind != TransferKind.IMPORT:
        abort(404)
    if not ActionForm().validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
    elif transfers.confirm_import(transfer):
        db.session.commit()
        flash(_("Importing your products. This page shows the progress."), "success")
    else:
        db.session.rollback()
        flash(_("This import can't be applied: it has already been applied or cancelled, or it has errors."), "error")
    return redirect(url_for("builder.product_transfer", transfer_id=transfer_id))


@bp.post("/<slug>/products/transfers/<int:transfer_id>/cancel")
def cancel_product_import(transfer_id: int):
    transfer = _transfer(transfer_id)
    if transfer.kind != TransferKind.IMPORT:
        abort(404)
    if not ActionForm().validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
        return redirect(url_for("builder.product_transfer", transfer_id=transfer_id))
    if transfers.cancel_import(transfer):
        db.session.commit()
        flash(_("Import cancelled. Nothing was changed."), "success")
        return redirect(url_for("builder.import_products"))
    db.session.rollback()
    flash(_("This import can no longer be cancelled."), "error")
    return redirect(url_for("builder.product_transfer", transfer_id=transfer_id))


@bp.get("/<slug>/products/transfers/<int:transfer_id>/download")
def download_product_export(transfer_id: int):
    transfer = _transfer(transfer_id)
    if transfer.kind != TransferKind.EXPORT or transfer.status != TransferStatus.DONE or not transfer.file_key:
        abort(404)
    try:
        data = storage().read(transfer.file_key)
    except (OSError, ValueError):
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True,
                         download_name=transfer.filename or "products.csv")
    response.headers["Cache-Control"] = "private, no-store"
    return response
