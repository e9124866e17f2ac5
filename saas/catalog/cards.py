"""Products as the storefront's cards show them: a few columns and the first two pictures, read as plain values.

A page of cards costs one query however many cards it shows, its pictures in each card's own row, and no ORM
objects: building those (a product, its images and their files) was most of what a card cost. A card has the
attributes that snippets/product-card.html reads, with the same names as on Product, and each picture its URLs.
"""
from typing import NamedTuple

from sqlalchemy import select

from saas.catalog.models import Product, ProductImage, StockState
from saas.extensions import db
from saas.sql_json import in_order, json_rows, json_value
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


# What a statement for cards selects before its pictures: where and order as for select(Product).
COLUMNS = (Product.id, Product.slug, Product.title, Product.vendor, Product.price_min, Product.price_max,
           Product.on_sale, Product.stock_state)


def first_pictures():
    """A card's first IMAGES_PER_CARD pictures as one JSON value (sql_json), correlated to the product of the
    statement it is selected in. PostgreSQL works it out only for the rows the statement returns, after its ORDER
    BY and LIMIT; SQLite also for the rows that its top-N sort sets aside on the way."""
    first = (select(ProductImage.position, ProductImage.id, ProductImage.alt, MediaFile.id.label("media_id"),
                    MediaFile.width, MediaFile.height, MediaFile.renditions, MediaFile.alt.label("media_alt"))
             .join(ProductImage.media).where(ProductImage.product_id == Product.id).correlate(Product)
             .order_by(ProductImage.position, ProductImage.id).limit(IMAGES_PER_CARD).subquery())
    return (select(json_rows(first.c.position, first.c.id, first.c.alt, first.c.media_id, first.c.width,
                             first.c.height, json_value(first.c.renditions), first.c.media_alt))
            .scalar_subquery())


def select_cards():
    """A statement for cards: COLUMNS, then the first pictures."""
    return select(*COLUMNS, first_pictures())


def cards(statement, params: dict | None = None) -> list[Card]:
    """The cards that a select_cards() statement finds, in its order, each with its first pictures."""
    return from_rows(db.session.execute(statement, params or {}).all())


def from_rows(rows) -> list[Card]:
    """Cards for rows of a select_cards() statement."""
    found = []
    for *columns, picture_rows in rows:
        images: list[CardImage] = []
        for _position, _id, alt, media_id, width, height, renditions, media_alt in in_order(picture_rows):
            # the second picture only shows on hover, at one size
            images.append(CardImage.of(Picture.from_row(media_id, width, height, renditions, media_alt), alt,
                                       with_srcset=not images))
        found.append(Card(*columns, images=tuple(images)))
    return found


class PreparedCards:
    """Cards for a select_cards() statement built once per process (with its where, order and limit), in one
    prepared read."""

    def __init__(self, statement):
        self._read = PreparedRead(statement)

    def __call__(self, **params) -> list[Card]:
        return from_rows(self._read.rows(**params))
