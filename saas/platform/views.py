"""The landing page, and the operator console at /operator (operators only; others get a 404)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.extensions import db
from saas.jobs import services as job_services
from saas.platform.forms import ConfirmForm, StoreStatusForm
from saas.platform.models import AuditEvent
from saas.platform.pagination import paginate
from saas.routing import HostBlueprint
from saas.urls import safe_next
from saas.tenants import services as stores
from saas.tenants.models import Tenant, TenantStatus

bp = HostBlueprint("platform", __name__)
PER_PAGE = 25


@bp.get("/")
def landing():
    return render_template("platform/landing.html")


def _require_operator():
    if not (current_user.is_authenticated and current_user.is_operator):
        abort(404)


@bp.get("/operator/")
def operator_stores():
    _require_operator()
    query = request.args.get("q", "")
    status = request.args.get("status") or None
    page = paginate(stores.search_stores(query, status), request.args.get("page"), PER_PAGE)
    owners = stores.owners_of([t.id for t in page.items])
    return render_template("platform/operator_stores.html", page=page, owners=owners, q=query, status=status,
                           form=StoreStatusForm())


@bp.get("/operator/stores/<int:tenant_id>")
def operator_store(tenant_id: int):
    _require_operator()
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.tenant_id == tenant.id).order_by(AuditEvent.created_at.desc()).limit(100)
    ).all()
    return render_template("platform/operator_store.html", tenant=tenant, events=events,
                           owners=stores.owners_of([tenant.id]).get(tenant.id, []), form=StoreStatusForm())


@bp.post("/operator/stores/<int:tenant_id>/<any(suspend, reactivate):action>")
def operator_set_status(tenant_id: int, action: str):
    _require_operator()
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    form = StoreStatusForm()
    if not form.validate_on_submit():
        abort(400)
    status = TenantStatus.SUSPENDED if action == "suspend" else TenantStatus.ACTIVE
    stores.set_status(tenant, status, current_user, form.reason.data or "")
    db.session.commit()
    message = _("%(name)s is suspended.", name=tenant.name) if action == "suspend" else _("%(name)s is active again.", name=tenant.name)
    flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("platform.operator_store", tenant_id=tenant.id)))


@bp.get("/operator/audit")
def operator_audit():
    _require_operator()
    page = paginate(select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()),
                    request.args.get("page"), 50)
    return render_template("platform/operator_audit.html", page=page)


@bp.get("/operator/jobs")
def operator_jobs():
    _require_operator()
    page = paginate(job_services.failed_jobs_query(request.args.get("show") == "all"), request.args.get("page"), PER_PAGE)
    return render_template("platform/operator_jobs.html", page=page, form=ConfirmForm(), show=request.args.get("show"))


@bp.post("/operator/jobs/<int:job_id>/requeue")
def operator_requeue(job_id: int):
    _require_operator()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    job = job_services.get_failed_job(job_id) or abort(404)
    job_services.requeue(job, current_user)
    db.session.commit()
    flash(_("The job is queued again."), "success")
    return redirect(url_for("platform.operator_jobs"))
