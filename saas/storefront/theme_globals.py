"""What theme templates may use. Themes run sandboxed: only these names, no app internals."""
import functools
from typing import NamedTuple

from flask import current_app, g, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, select

from saas.catalog import cards
from saas.extensions import db
from saas.storage.images import Picture, media_url, srcset
from saas.templating import format_money
from saas.ids import parse_id
from saas.tenants.prepared import PreparedRead


def _product(product_id):
    from saas.catalog.models import Product, ProductStatus

    if parse_id(product_id) is None:
        return None  # a setting that points nowhere (or at a deleted product) renders without it
    return db.session.scalar(select(Product).where(Product.id == parse_id(product_id),
                                                   Product.status == ProductStatus.ACTIVE))


def _collection(collection_id):
    from saas.catalog.collection_page import collection_by_id

    if parse_id(collection_id) is None:
        return None
    return collection_by_id(parse_id(collection_id))


def _collection_products(collection, limit=12):
    if collection is None:
        return []
    limit = max(1, min(int(limit or 12), 48))
    # As collections.products_in(), active ones only, as cards.
    return _statements()["collection_products"](collection_id=collection.id, limit=limit)


class CollectionCard(NamedTuple):
    id: int
    slug: str
    title: str
    image: Picture | None


def _collections(ids=None):
    found = [CollectionCard(collection_id, slug, title, Picture.from_row(media_id, width, height, renditions, alt)
                            if media_id is not None else None)
             for collection_id, slug, title, media_id, width, height, renditions, alt
             in _statements()["collections"].rows()]  # with their images: no query per card
    if ids:
        wanted = [str(i) for i in ids]
        found = sorted((c for c in found if str(c.id) in wanted), key=lambda c: wanted.index(str(c.id)))
    return found


@functools.cache
def _statements() -> dict:
    """Built once per process (the tenant filter is added when they run)."""
    from saas.catalog.models import Collection, CollectionProduct, Product, ProductStatus
    from saas.storage.models import MediaFile

    return {
        "collection_products": cards.PreparedCards(
            cards.select_cards().join(CollectionProduct, CollectionProduct.product_id == Product.id)
            .where(CollectionProduct.collection_id == bindparam("collection_id"), Product.status == ProductStatus.ACTIVE)
            .order_by(CollectionProduct.position, Product.created_at.desc()).limit(bindparam("limit"))
        ),
        "collections": PreparedRead(
            select(Collection.id, Collection.slug, Collection.title, MediaFile.id, MediaFile.width, MediaFile.height,
                   MediaFile.renditions, MediaFile.alt)
            .outerjoin(Collection.image).order_by(Collection.title, Collection.id)),
    }


def media_file(media_id):
    from saas.storage.models import MediaFile

    if parse_id(media_id) is None:
        return None
    return db.session.scalar(select(MediaFile).where(MediaFile.id == parse_id(media_id)))


_SLUG_MARK = "etalase-slug-mark"


MAX_SHARED_URLS = 10_000


def theme_url_for(endpoint, **values):
    """url_for() as pages use it, remembered: a page builds the same few URLs many times, and one per card of the
    same shape (a product by its slug), which is the remembered URL with the slug put in. A URL that comes out
    as a path is the same on every store's host, so the app keeps it for every request; any other (a full URL)
    is kept for this request only."""
    urls = g.get("_theme_urls")
    if urls is None:
        urls = g._theme_urls = {}
    if not values:
        url = urls.get(endpoint)
        if url is None:
            url = urls[endpoint] = _build(endpoint)
        return url
    slug = values.get("slug")
    if len(values) == 1 and isinstance(slug, str) and slug:
        shape = urls.get((endpoint, _SLUG_MARK))
        if shape is None:
            parts = _build(endpoint, (endpoint, _SLUG_MARK), slug=_SLUG_MARK).split(_SLUG_MARK)
            # only where the slug is a path segment; a slug in the query string is quoted otherwise
            shape = urls[(endpoint, _SLUG_MARK)] = (parts, current_app.url_map.converters["default"](
                current_app.url_map)) if len(parts) == 2 and "?" not in parts[0] else False
        if shape:
            (before, after), converter = shape
            return before + converter.to_url(slug) + after
    try:
        key = (endpoint, *sorted(values.items()))
        url = urls.get(key)
    except TypeError:  # a value that can't be a key: build it every time
        return url_for(endpoint, **values)
    if url is None:
        url = urls[key] = _build(endpoint, key, **values)
    return url


def _build(endpoint, key=None, **values) -> str:
    if g.get("site") != "store":  # only a store's host builds storefront paths
        return url_for(endpoint, **values)
    shared = current_app.extensions.setdefault("etalase_theme_urls", {})
    key = key or (endpoint,)
    url = shared.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if url.startswith("/") and not url.startswith("//"):
            if len(shared) >= MAX_SHARED_URLS:
                shared.clear()
            shared[key] = url
    return url


def install(env, theme) -> None:
    from saas.storefront import frame

    def asset_url(path):
        return theme_url_for("storefront.theme_asset", theme=theme.name, path=path, v=theme.asset_version(path))

    env.filters["money"] = format_money
    env.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, url_for=theme_url_for, media_url=media_url, srcset=srcset,
        product_by_id=_product, collection_by_id=_collection, collection_products=_collection_products,
        collections=_collections, media_by_id=frame.picture, asset_url=asset_url,
    )
