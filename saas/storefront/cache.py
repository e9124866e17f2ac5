"""Whole-page cache for the storefront: one entry per store, host and URL, dropped when the store's data changes.

A page is cached under the store's current version; any committed change to a row that a page may show gives
the store a new version, so every old entry stops being found at once (and expires on its own later). A hit is
served by a WSGI middleware before Flask builds a request, so it costs a few cache reads and no query; each
entry keeps its body compressed ahead of time for browsers that accept brotli or gzip.
"""
import gzip
import logging
import time
from itertools import chain
from pathlib import Path

import brotli
from flask import current_app, g, has_app_context, has_request_context, request
from flask_caching import Cache
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from werkzeug.http import HTTP_STATUS_CODES, parse_accept_header

from saas.ids import new_id
from saas.orm import TenantScoped, utcnow
from saas.storefront.models import StoreTheme
from saas.tenants.models import Domain, Tenant
from saas.tenants.scoping import current_tenant_id

log = logging.getLogger(__name__)
cache = Cache()
CHANGED = "etalase_changed_stores"
VERSION_KEY = "etalase.page_cache_version"  # in the WSGI environ: (store id, version) the middleware read on a miss
PAGE_TIMEOUT = 24 * 3600
NOT_FOUND_TIMEOUT = 300  # unknown URLs are endless; don't let crawlers fill the cache for a day
HOST_TIMEOUT = 300
LOCAL_HOST_TIMEOUT = 10
CACHED_ENDPOINTS = {
    "storefront.home", "storefront.product", "storefront.collection", "storefront.page", "storefront.search",
    "storefront.sitemap", "storefront.robots", "storefront.recommendations",
}
SKIPPED_HEADERS = {"set-cookie", "date", "content-length", "content-encoding", "x-cache", "vary"}
UNCACHED_PREFIXES = ("/static/", "/theme-assets/", "/media/", "/cart")


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
    app.wsgi_app = app.extensions["etalase_page_cache"] = PageCacheMiddleware(app.wsgi_app, app)
    app.before_request(remember_version)
    app.after_request(_store_response)


class PageCacheMiddleware:
    """Answers a cached page straight from the cache; anything else goes on to Flask."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        # host -> (store id, when): a stale entry is harmless, since pages are only ever stored under the store
        # that the database resolved the host to, and keeping it here saves a cache round trip on every hit.
        self.hosts: dict[str, tuple[int, float]] = {}

    def __call__(self, environ, start_response):
        hit = None
        if self.app.config.get("STOREFRONT_CACHE", True) and _cacheable(environ, self.app.config["PLATFORM_HOST"]):
            hit = _safely(self._lookup, environ)
        if hit is None:
            return self.wsgi_app(environ, start_response)
        status, headers, bodies = hit
        encoding = _encoding_for(environ.get("HTTP_ACCEPT_ENCODING", ""))
        body = bodies[encoding]
        headers = [*headers, ("Vary", "Accept-Encoding"), ("Content-Length", str(len(body))), ("X-Cache", "HIT")]
        if encoding != "identity":
            headers.append(("Content-Encoding", encoding))
        start_response(f"{status} {HTTP_STATUS_CODES[status]}", headers)
        return [body]

    def _lookup(self, environ):
        backend = self.app.extensions["cache"][cache]
        host = _host(environ)
        tenant_id, seen_at = self.hosts.get(host, (None, 0.0))
        if time.monotonic() - seen_at > LOCAL_HOST_TIMEOUT:
            tenant_id = backend.get(f"host:{host}")
            if tenant_id is None:
                return None
            if len(self.hosts) > 10_000:
                self.hosts.clear()
            self.hosts[host] = (tenant_id, time.monotonic())
        version = _version(backend, tenant_id)
        environ[VERSION_KEY] = (tenant_id, version)
        return backend.get(_page_key(environ, tenant_id, version))


def _host(environ) -> str:
    return environ.get("HTTP_HOST", "").lower()


def _cacheable(environ, platform_host: str) -> bool:
    query = environ.get("QUERY_STRING", "")
    return (environ.get("REQUEST_METHOD") == "GET" and _host(environ) != platform_host.lower()
            and "preview=" not in query and not environ.get("PATH_INFO", "").startswith(UNCACHED_PREFIXES))


def _page_key(environ, tenant_id: int, version) -> str:
    return f"{tenant_id}:{version}:{_host(environ)}{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"


def _encoding_for(accept_encoding: str) -> str:
    accepted = parse_accept_header(accept_encoding)
    for encoding in ("br", "gzip"):
        if accepted[encoding] > 0:
            return encoding
    return "identity"


def _version(backend, tenant_id: int):
    key = f"version:{tenant_id}"
    version = backend.get(key)
    if version is None:
        backend.add(key, new_id(), timeout=0)  # a fresh id, not 0: an evicted version must not revive old pages
        version = backend.get(key)
    return version


def remember_version() -> None:
    """Note the store's version before the page is built, so a change made meanwhile isn't cached as current."""
    if (g.get("site") == "store" and current_app.config.get("STOREFRONT_CACHE", True)
            and _cacheable(request.environ, current_app.config["PLATFORM_HOST"])):
        read_for, version = request.environ.get(VERSION_KEY, (None, None))
        if read_for != g.tenant.id:  # the middleware's host map was stale: that was another store's version
            version = _safely(_version, cache.cache, g.tenant.id)
        if version is not None:
            g.page_cache_version = version


def store_version(tenant_id: int):
    """The store's current version, read once per request; None when the cache server can't be reached."""
    known = g.get("store_version")
    if known is not None and known[0] == tenant_id:
        return known[1]
    version = g.get("page_cache_version") if g.get("tenant") is not None and g.tenant.id == tenant_id else None
    if version is None and has_request_context():
        read_for, read = request.environ.get(VERSION_KEY, (None, None))  # the page cache's, on a miss
        version = read if read_for == tenant_id else None
    if version is None:
        version = _safely(_version, cache.cache, tenant_id)
    if version is not None:
        g.store_version = (tenant_id, version)
    return version


def invalidate_store(tenant_id: int) -> None:
    cache.set(f"version:{tenant_id}", new_id(), timeout=0)


def _store_response(response):
    if (g.get("site") != "store" or request.endpoint not in CACHED_ENDPOINTS | {None}
            or "page_cache_version" not in g or response.status_code not in (200, 404)
            or response.direct_passthrough or response.is_streamed or "Set-Cookie" in response.headers
            or "no-store" in response.headers.get("Cache-Control", "")):
        return response
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in SKIPPED_HEADERS]
    body = response.get_data()
    bodies = {"identity": body, "br": brotli.compress(body, quality=6), "gzip": gzip.compress(body, 6)}
    tenant_id = g.tenant.id
    if _safely(_version, cache.cache, tenant_id) != g.page_cache_version:
        return response  # the store changed while this page was built: it may already be out of date
    timeout = PAGE_TIMEOUT if response.status_code == 200 else NOT_FOUND_TIMEOUT
    badges = g.get("promotion_badges")
    if badges is not None and badges.used and badges.next_change is not None:
        # A page showing promotions must not outlive the moment one starts or ends.
        timeout = max(1, min(timeout, int((badges.next_change - utcnow()).total_seconds()) + 1))
    _safely(cache.set, _page_key(request.environ, tenant_id, g.page_cache_version),
            (response.status_code, headers, bodies), timeout=timeout)
    _safely(cache.set, f"host:{_host(request.environ)}", tenant_id, timeout=HOST_TIMEOUT)
    current_app.extensions["etalase_page_cache"].hosts[_host(request.environ)] = (tenant_id, time.monotonic())
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
        if isinstance(obj, Domain):  # a domain given to another store: the store it leaves changes too
            session.info.setdefault(CHANGED, set()).update(inspect(obj).attrs.tenant_id.history.deleted or ())


@event.listens_for(Session, "do_orm_execute")
def _collect_bulk_changes(state) -> None:
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    model = state.bind_mapper.class_
    if model in (Tenant, Domain):
        # Which stores a bulk change to stores or domains touches is only known by asking (such statements are
        # rare: operators' scripts, tests). Each of them changes: its host may now belong elsewhere.
        owner = Tenant.id if model is Tenant else Domain.tenant_id
        where = state.statement.whereclause
        touched = state.session.scalars(select(owner) if where is None else select(owner).where(where)).all()
        state.session.info.setdefault(CHANGED, set()).update(touched)
        return
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
