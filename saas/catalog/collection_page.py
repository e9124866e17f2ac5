"""The collection a storefront section shows, as plain values in one prepared read. (A collection page reads
its own together with its filter's choices: storefront/listing.py.)

Building and running the ORM query for the Collection was a fifth of the page's cost; this value has the
model's attribute names for the columns the page, its theme and the listing read.
"""
import functools
from typing import NamedTuple

from sqlalchemy import bindparam, select

from saas.catalog.models import Collection
from saas.tenants.prepared import PreparedRead


class PageCollection(NamedTuple):
    id: int
    slug: str
    title: str
    description_html: str
    seo_title: str
    seo_description: str
    image_media_id: int | None
    product_count: int


@functools.cache
def _read_by_id() -> PreparedRead:
    """Built once per process (the tenant filter is compiled in, the store bound at each run). A collection page
    reads its collection with its filter's choices (storefront/listing.py)."""
    return PreparedRead(select(*(getattr(Collection, name) for name in PageCollection._fields))
                        .where(Collection.id == bindparam("id")))


def collection_by_id(collection_id: int) -> PageCollection | None:
    """The collection with this id (a section's setting), or None."""
    row = _read_by_id().first(id=collection_id)
    return PageCollection(*row) if row is not None else None
