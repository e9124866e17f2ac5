"""Whole-page cache for the storefront: one entry per store, host and URL, dropped when the store's data changes.

A page is cached under the store's current version; any committed change to a row that a page may show gives
the store a new version, so every old entry stops being found at once (and expires on its own later). A hit is
served before the store is even looked up, with no database query at all.
"""
import logging
from pathlib import Path
from itertools import chain

from flask import current_app, g, has_app_context, request
from flask_caching import Cache
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from saas.ids import new_id
from saas.orm import TenantScoped
from saas.storefront.models import StoreTheme
from saas.tenants.models import Domain, Tenant
from saas.tenants.scoping import current_tenant_id

log = logging.getLogger(__name__)
cache = Cache()
CHANGED = "etalase_changed_stores"
PAGE_TIMEOUT = 24 * 3600
NOT_FOUND_TIMEOUT = 300  # unknown URLs are endless; don't let crawlers fill the cache for a day
HOST_TIMEOUT = 300
CACHED_ENDPOINTS = {
    "storefront.home", "storefront.product", "storefront.collection", "storefront.page", "storefront.search",
    "storefront.sitemap", "storefront.robots",
}
SKIPPED_HEADERS = {"set-cookie", "date", "content-length", "x-cache"}


def init_app(app) -> None:
    """Call after the host resolver is registered: the version is read once the store is known."""
    redis = app.extensions.get("etalase_redis")
    if redis is not None:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_HOST", redis)  # the app's own client: fakeredis in tests, Redis in production
    else:
        # Files, not process memory: a CLI command or a second worker must be able to drop the server's pages.
        app.config.setdefault("CACHE_TYPE", "FileSystemCache")
        app.config.setdefault("CACHE_DIR", str(Path(app.instance_path) / "page-cache"))
        app.config.setdefault("CACHE_THRESHOLD", 5000)
    app.config.setdefault("CACHE_KEY_PREFIX", "etalase:page:")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", PAGE_TIMEOUT)
    cache.init_app(app)
    # The lookup runs before the store is resolved from the host; the version is read once it is known.
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_cached)
    app.before_request(remember_version)
    app.after_request(_store_response)


def remember_version() -> None:
    """Note the store's version before the page is built, so a change made meanwhile isn't cached as current."""
    if _cacheable_request() and g.get("site") == "store" and "page_cache_version" not in g:
        g.page_cache_version = _safely(version_of, g.tenant.id)


def version_of(tenant_id: int):
    key = f"version:{tenant_id}"
    version = cache.get(key)
    if version is None:
        cache.add(key, new_id(), timeout=0)  # a fresh id, not 0: an evicted version must not revive old pages
        version = cache.get(key)
    return version


def invalidate_store(tenant_id: int) -> None:
    cache.set(f"version:{tenant_id}", new_id(), timeout=0)


def _page_key(tenant_id: int, version) -> str:
    return f"{tenant_id}:{version}:{request.host.lower()}{request.full_path}"


def _cacheable_request() -> bool:
    return (current_app.config.get("STOREFRONT_CACHE", True) and request.method == "GET" and "preview" not in request.args
            and request.host.lower() != current_app.config["PLATFORM_HOST"].lower())


def _serve_cached():
    if not _cacheable_request() or request.path.startswith(("/static/", "/theme-assets/", "/media/")):
        return None
    hit = _safely(_lookup)
    if hit is None:
        return None
    status, headers, body = hit
    g.page_cache_hit = True
    response = current_app.response_class(body, status=status, headers=headers)
    response.headers["X-Cache"] = "HIT"
    return response


def _lookup():
    tenant_id = cache.get(f"host:{request.host.lower()}")
    if tenant_id is None:
        return None
    g.page_cache_version = version_of(tenant_id)
    return cache.get(_page_key(tenant_id, g.page_cache_version))


def _store_response(response):
    if (g.get("site") != "store" or request.endpoint not in CACHED_ENDPOINTS | {None}
            or "page_cache_version" not in g or response.status_code not in (200, 404)
            or response.direct_passthrough or response.is_streamed or "Set-Cookie" in response.headers
            or "no-store" in response.headers.get("Cache-Control", "")):
        return response
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in SKIPPED_HEADERS]
    entry = (response.status_code, headers, response.get_data())
    tenant_id = g.tenant.id
    timeout = PAGE_TIMEOUT if response.status_code == 200 else NOT_FOUND_TIMEOUT
    _safely(cache.set, _page_key(tenant_id, g.page_cache_version), entry, timeout=timeout)
    _safely(cache.set, f"host:{request.host.lower()}", tenant_id, timeout=HOST_TIMEOUT)
    response.headers["X-Cache"] = "MISS"
    return response


def _safely(call, *args, **kwargs):
    """The cache only ever speeds pages up: if its server is unreachable, the page is built as usual."""
    try:
        return call(*args, **kwargs)
    except Exception:  # noqa: BLE001 - any backend failure means "no cache", never an error page
        log.warning("storefront cache unavailable", exc_info=True)
        return None


def _store_shown(obj, deleted: bool) -> int | None:
    """The store whose pages may show this row, or None for rows no storefront page displays."""
    if isinstance(obj, StoreTheme) and not deleted:
        # Editing the draft writes this row too, but shoppers only see what is published.
        return obj.tenant_id if inspect(obj).attrs.published_version_id.history.has_changes() else None
    if isinstance(obj, TenantScoped):
        return obj.tenant_id if obj.shown_on_storefront else None
    if isinstance(obj, Tenant):
        return obj.id
    if isinstance(obj, Domain):
        return obj.tenant_id
    return None


@event.listens_for(Session, "after_flush")
def _collect_changed_stores(session, flush_context) -> None:
    """Runs while new, dirty, deleted and each attribute's history still describe what the flush wrote."""
    rows = [(obj, False) for obj in chain(session.new, session.dirty)] + [(obj, True) for obj in session.deleted]
    for obj, deleted in rows:
        tenant_id = _store_shown(obj, deleted)
        if tenant_id is not None:
            session.info.setdefault(CHANGED, set()).add(tenant_id)


@event.listens_for(Session, "do_orm_execute")
def _collect_bulk_changes(state) -> None:
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    model = state.bind_mapper.class_
    tenant_id = current_tenant_id()
    if tenant_id is not None and issubclass(model, TenantScoped) and model.shown_on_storefront:
        state.session.info.setdefault(CHANGED, set()).add(tenant_id)


@event.listens_for(Session, "after_commit")
def _invalidate_changed_stores(session) -> None:
    changed = session.info.pop(CHANGED, None)
    if not changed or not has_app_context() or "cache" not in current_app.extensions:
        return
    for tenant_id in changed:
        _safely(invalidate_store, tenant_id)
