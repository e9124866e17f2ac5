"""What every page of a store shows whatever its URL: its look, its menus, its promotion badges, the pictures its
theme settings name, and the chrome the layout renders from them (header group, header, footer, mini cart).
Each worker builds these once per store version instead of on every page.

Any committed change to a row that a page may show gives the store a new version (storefront/cache.py), so an
entry is never found again once its store has changed. Entries are plain values, never ORM objects, shared
read-only by the requests of one process. Only what the page itself is about (its product, collection, page or
search results, and what its sections pick) is read for each page.
"""
from flask import current_app
from flask_babel import get_locale

from saas.content import services as content
from saas.orm import utcnow
from saas.promotions import offers
from saas.storage.images import Picture
from saas.storefront import look
from saas.storefront.cache import store_version
from saas.tenants.scoping import current_tenant_id

MAX_ENTRIES = 20_000  # a few per store: about 5,000 stores' worth in each worker before it starts afresh
_entries: dict = {}
_MISSING = object()


def remembered(name, build, still_good=None):
    """build()'s value for the bound store, its current version and the page's language, built once per worker.
    Without a version (the cache server is down) it is built every time, as before."""
    tenant_id = current_tenant_id()
    version = store_version(tenant_id) if current_app.config.get("STORE_FRAME_CACHE", True) else None
    if version is None:
        return build()
    key = (tenant_id, version, str(get_locale()), name)
    found = _entries.get(key, _MISSING)
    if found is not _MISSING and (still_good is None or still_good(found)):
        return found
    value = build()
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()  # old versions are never asked for again; starting afresh is simpler than an LRU
    _entries[key] = value
    return value


def published_look():
    return remembered("look", look.published)


def menus() -> dict:
    return remembered("menus", lambda: content.get_menus("main", "footer"))


def badges(currency: str) -> offers.Badges:
    return offers.Badges(currency, load=lambda: remembered(
        "badges", lambda: offers.badge_index(currency), still_good=lambda index: index.current(utcnow())))


def picture(media_id) -> Picture | None:
    """The media file a theme setting or the store's logo names, or None when there is none (or no longer)."""
    from saas.storefront.theme_globals import media_file

    def build():
        media = media_file(media_id)
        return None if media is None else Picture.of(media)

    return remembered(("picture", str(media_id)), build) if media_id else None
