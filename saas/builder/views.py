"""The merchant's builder at /stores/<slug>/…: login and membership required; others get a 404."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from saas.builder.forms import NewStoreForm, StoreSettingsForm
from saas.extensions import db
from saas.routing import HostBlueprint
from saas.storage.images import ImageRejected, read_upload
from saas.tenants import services as stores
from saas.tenants import settings as store_settings
from saas.tenants.scoping import bind_tenant

bp = HostBlueprint("builder", __name__, url_prefix="/stores")


@bp.before_request
@login_required
def _require_login():
    return None


@bp.url_value_preprocessor
def _bind_store(endpoint, values):
    slug = values.pop("slug", None) if values else None
    if slug is None:
        return
    if not current_user.is_authenticated:
        return  # the login check above answers first
    tenant = stores.store_by_slug(slug)
    if tenant is None or stores.membership(current_user, tenant) is None:
        abort(404)  # not 403: whether a store exists is not told to non-members
    g.tenant = tenant
    g._tenant_token = bind_tenant(tenant.id)


@bp.url_defaults
def _fill_slug(endpoint, values):
    if endpoint != "builder.stores" and "slug" not in values and g.get("tenant") is not None and g.get("site") == "platform":
        values["slug"] = g.tenant.slug


@bp.route("/", methods=["GET", "POST"], endpoint="stores")
def store_list():  # not `stores`: that name is the tenants.services module used below
    form = NewStoreForm()
    if form.validate_on_submit():
        slug = form.subdomain.data.strip().lower()
        try:
            tenant = stores.create_store(current_user, form.store_name.data, slug)
        except stores.SignupError as error:
            db.session.rollback()
            form.subdomain.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("%(name)s is ready.", name=tenant.name), "success")
            return redirect(url_for("builder.home", slug=tenant.slug))
    return render_template("builder/stores.html", stores=stores.stores_of(current_user), form=form)


@bp.get("/<slug>/")
def home():
    return render_template("builder/home.html", checklist=store_settings.onboarding_checklist(g.tenant))


@bp.route("/<slug>/settings", methods=["GET", "POST"])
def settings():
    tenant = g.tenant
    form = StoreSettingsForm(obj=tenant)
    if form.validate_on_submit():
        upload = request.files.get("logo")
        logo_data = None
        if upload and upload.filename:
            try:
                logo_data = read_upload(upload)
            except ImageRejected as error:
                form.logo.errors.append(str(error))
        if not form.logo.errors:
            try:
                store_settings.update_settings(
                    tenant,
                    name=form.name.data, contact_email=form.contact_email.data, contact_phone=form.contact_phone.data or "",
                    address=form.address.data or "", locale=form.locale.data, currency=form.currency.data,
                    timezone=form.timezone.data, logo=logo_data, logo_name=upload.filename if upload else "",
                    low_stock_threshold=form.low_stock_threshold.data,
                )
            except ImageRejected as error:
                db.session.rollback()
                form.logo.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("Settings saved."), "success")
                return redirect(url_for("builder.settings"))
    return render_template("builder/settings.html", form=form, logo=store_settings.logo(tenant))


# The catalog's pages register on the same blueprint (and so share its login and store binding).
from saas.builder import collections, content, orders, products, themes, transfers  # noqa: E402,F401
from saas.builder import payments  # noqa: E402,F401
from saas.builder import promotions  # noqa: E402,F401
from saas.builder import shipping  # noqa: E402,F401
