"""Which site a request is for: the platform, or one store's storefront (by subdomain or custom domain)."""
from flask import abort, current_app, g, request, render_template
from sqlalchemy import bindparam, select

from saas.extensions import db
from saas.tenants.models import Domain, Tenant
from saas.tenants.scoping import bind_tenant, unbind


# Built once: every storefront request runs one of these before anything else.
_BY_SLUG = select(Tenant).where(Tenant.slug == bindparam("slug"))
# only a verified domain: an unverified row is just a claim, which anyone could make for any hostname
_BY_DOMAIN = select(Tenant).join(Domain).where(Domain.hostname == bindparam("hostname"), Domain.verified_at.is_not(None))


def tenant_for_host(host: str) -> Tenant | None:
    host = host.lower().rstrip(".")
    platform = current_app.config["PLATFORM_HOST"].lower()
    suffix = "." + platform
    if host.endswith(suffix):
        slug = host[: -len(suffix)]
        if "." in slug:
            return None
        return db.session.scalar(_BY_SLUG, {"slug": slug})
    return db.session.scalar(_BY_DOMAIN, {"hostname": host.split(":", 1)[0]})


def init_app(app) -> None:
    @app.before_request
    def _resolve_site():
        host = request.host.lower()
        if host == app.config["PLATFORM_HOST"].lower():
            g.site = "platform"
            if request.blueprint == "storefront":
                abort(404)  # a store's URL on the platform's own host: there is no store here to show
            return None
        if request.endpoint == "static" or request.path.startswith("/static/"):
            return None
        tenant = tenant_for_host(host)
        if tenant is None:
            g.site = "unknown"
            abort(404)
        g.site = "store"
        g.tenant = tenant
        g.store_host = host
        g._tenant_token = bind_tenant(tenant.id)
        if not tenant.is_active:
            return render_template("errors/store_unavailable.html", tenant=tenant), 503
        return None

    @app.teardown_request
    def _unbind(exc):
        token = g.pop("_tenant_token", None)
        if token is not None:
            unbind(token)
