"""What theme templates may use. Themes run sandboxed: only these names, no app internals."""
from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select

from saas.extensions import db
from saas.storage.images import media_url, srcset
from saas.templating import format_money
from saas.ids import parse_id


def _product(product_id):
    from saas.catalog.models import Product, ProductStatus

    if parse_id(product_id) is None:
        return None  # a setting that points nowhere (or at a deleted product) renders without it
    return db.session.scalar(select(Product).where(Product.id == parse_id(product_id),
                                                   Product.status == ProductStatus.ACTIVE))


def _collection(collection_id):
    from saas.catalog.models import Collection

    if parse_id(collection_id) is None:
        return None
    return db.session.scalar(select(Collection).where(Collection.id == parse_id(collection_id)))


def _collection_products(collection, limit=12):
    from saas.catalog import collections
    from saas.catalog.models import ProductStatus

    if collection is None:
        return []
    limit = max(1, min(int(limit or 12), 48))
    return [p for p in collections.products_in(collection, limit=limit, with_images=True)
            if p.status == ProductStatus.ACTIVE]


def _collections(ids=None):
    from saas.catalog import collections

    found = collections.all_collections()
    if ids:
        wanted = [str(i) for i in ids]
        found = sorted((c for c in found if str(c.id) in wanted), key=lambda c: wanted.index(str(c.id)))
    return found


def _media(media_id):
    from saas.storage.models import MediaFile

    if parse_id(media_id) is None:
        return None
    return db.session.scalar(select(MediaFile).where(MediaFile.id == parse_id(media_id)))


def install(env, theme) -> None:
    env.filters["money"] = format_money
    env.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, url_for=url_for, media_url=media_url, srcset=srcset,
        product_by_id=_product, collection_by_id=_collection, collection_products=_collection_products,
        collections=_collections, media_by_id=_media,
        asset_url=lambda path: url_for("storefront.theme_asset", theme=theme.name, path=path,
                                       v=theme.asset_version(path)),
    )
