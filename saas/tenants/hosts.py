"""Which site a request is for: the platform, or one store's storefront (by subdomain or custom domain)."""
import time

from flask import abort, current_app, g, request, render_template
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import make_transient_to_detached

from saas.extensions import db
from saas.tenants.models import Domain, Tenant
from saas.tenants.scoping import bind_tenant, unbind


# Built once: every storefront request runs one of these before anything else.
_BY_SLUG = select(Tenant).where(Tenant.slug == bindparam("slug"))
# only a verified domain: an unverified row is just a claim, which anyone could make for any hostname
_BY_DOMAIN = select(Tenant).join(Domain).where(Domain.hostname == bindparam("hostname"), Domain.verified_at.is_not(None))


# host -> (store id, store version, a detached copy of its row, when to read it again). Each worker reads a
# host's store from the database once per store version: any committed change to a store or to its domains,
# through the ORM, gives it a new version (storefront/cache.py), so an entry is never used again once its store
# has changed in any way that could send the host elsewhere (a new slug, a domain removed or unverified, the
# store suspended or deleted). A change made behind the app's back (plain SQL) shows within KNOWN_HOST_SECONDS.
MAX_KNOWN_HOSTS = 10_000
KNOWN_HOST_SECONDS = 60
_known_hosts: dict[str, tuple[int, object, Tenant, float]] = {}


def tenant_for_host(host: str) -> Tenant | None:
    host = host.lower().rstrip(".")
    if not current_app.config.get("STORE_FRAME_CACHE", True):
        return _tenant_from_database(host)
    from saas.storefront.cache import store_version

    known = _known_hosts.get(host)
    # The version is read before the row, never after: a change committed in between then leaves the row
    # kept under an older version, which the next request no longer finds.
    version = store_version(known[0]) if known is not None else None
    if version is not None and version == known[1] and time.monotonic() < known[3]:
        return db.session.merge(known[2], load=False)  # no SELECT: the copy becomes the session's row as loaded
    tenant = _tenant_from_database(host)
    if tenant is not None:
        if len(_known_hosts) >= MAX_KNOWN_HOSTS:
            _known_hosts.clear()
        # A host seen for the first time (or now another store's) has no version read before its row yet:
        # kept with none, it is read once more, after its version, and only then used.
        _known_hosts[host] = (tenant.id, version if known is not None and known[0] == tenant.id else None,
                              _detached_copy(tenant), time.monotonic() + KNOWN_HOST_SECONDS)
    return tenant


def _detached_copy(tenant: Tenant) -> Tenant:
    """A row outside any session with the same column values (all immutable: strings, numbers, dates)."""
    copy = Tenant(**{column.key: getattr(tenant, column.key) for column in inspect(Tenant).column_attrs})
    make_transient_to_detached(copy)
    return copy


def _tenant_from_database(host: str) -> Tenant | None:
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
