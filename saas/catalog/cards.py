"""Products as the storefront's cards show them: a few columns and the first two pictures, read as plain values.

A page of cards costs two queries however many cards it shows, and no ORM objects: building those (a product,
its images and their files) was most of what a card cost. A card has the attributes that
snippets/product-card.html reads, with the same names as on Product, and each picture its URLs.
"""
from typing import NamedTuple

from sqlalchemy import bindparam, select

from saas.catalog.models import Product, ProductImage, StockState
from saas.extensions import db
from saas.storage.images import Picture, media_url, srcset
from saas.storage.models import MediaFile
from saas.tenants.prepared import PreparedRead

IMAGES_PER_CARD = 2  # the card's picture, and the one shown on hover
CARD_IMAGE_WIDTH = 480  # the rendition a card's <img src> names; srcset offers the rest


class CardImage(NamedTuple):
    media: Picture
    alt: str
    src: str | None = None  # media_url(media, CARD_IMAGE_WIDTH) and srcset(media), worked out once per card
    srcset: str = ""

    @classmethod
    def of(cls, media: Picture, alt: str, with_srcset: bool = True) -> "CardImage":
        return cls(media, alt, media_url(media, CARD_IMAGE_WIDTH), srcset(media) if with_srcset else "")


class Card(NamedTuple):
    id: int
    slug: str
    title: str
    vendor: str
    price_min: int
    price_max: int
    on_sale: bool
    stock_state: StockState
    images: tuple[CardImage, ...] = ()


# What a statement for cards selects: select(*COLUMNS), where and order as for select(Product).
COLUMNS = (Product.id, Product.slug, Product.title, Product.vendor, Product.price_min, Product.price_max,
           Product.on_sale, Product.stock_state)

# Built once (the tenant filter is added to both tables when it runs).
_PICTURES = (
    select(ProductImage.product_id, ProductImage.alt, MediaFile.id, MediaFile.width, MediaFile.height,
           MediaFile.renditions, MediaFile.alt)
    .join(ProductImage.media)
    .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
)
_IMAGES = _PICTURES.where(ProductImage.product_id.in_(bindparam("ids", expanding=True)))


def select_cards():
    return select(*COLUMNS)


def cards(statement, params: dict | None = None) -> list[Card]:
    """The cards that a select_cards() statement finds, in its order, each with its first pictures."""
    return from_rows(db.session.execute(statement, params or {}).all())


def from_rows(rows) -> list[Card]:
    """Cards for rows of COLUMNS, with their pictures in one more query."""
    if not rows:
        return []
    return _with_pictures(rows, db.session.execute(_IMAGES, {"ids": list({row[0] for row in rows})}))


class PreparedCards:
    """Cards for a statement built once per process (select_cards() with its where, order and limit): its rows and
    their pictures in two prepared reads, the pictures' naming the same statement as a subquery, not a list of ids."""

    def __init__(self, statement):
        self._rows = PreparedRead(statement)
        # Joined as a derived table rather than `IN (subquery)`: PostgreSQL runs it once and looks the pictures up
        # by product (0.3 ms against 0.56 ms for the related products' pictures on the demo store).
        shown = statement.with_only_columns(Product.id).subquery()
        self._pictures = PreparedRead(
            select(*_PICTURES.selected_columns).select_from(shown)
            .join(ProductImage, ProductImage.product_id == shown.c.id).join(ProductImage.media)
            .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id))

    def __call__(self, **params) -> list[Card]:
        rows = self._rows.rows(**params)
        # Each read sees its own snapshot on PostgreSQL's READ COMMITTED: a card published between the two shows
        # without its pictures for that one render (its invalidation renders the page again), and pictures of
        # products the first read didn't find are dropped by _with_pictures.
        return _with_pictures(rows, self._pictures.rows(**params)) if rows else []


def _with_pictures(rows, picture_rows) -> list[Card]:
    pictures: dict[int, list[CardImage]] = {}
    for product_id, alt, media_id, width, height, renditions, media_alt in picture_rows:
        found = pictures.setdefault(product_id, [])
        if len(found) < IMAGES_PER_CARD:  # the second picture only shows on hover, at one size
            found.append(CardImage.of(Picture.from_row(media_id, width, height, renditions, media_alt), alt,
                                      with_srcset=not found))
    return [Card(*row[:8], images=tuple(pictures.get(row[0], ()))) for row in rows]
