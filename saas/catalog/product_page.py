"""The product a storefront product page shows, read as plain values in one prepared read.

Loading the product, its images and their files, and its variants as ORM objects was a fifth of the page's cost;
these values have the same attribute names as Product, ProductImage and Variant, for the theme and for
listing, seo and the promotion badges, which read them as they read the models. The images and variants come
in the product's own row, each as a JSON array of rows (sql_json): one statement where there were three.
"""
import functools
from typing import NamedTuple

from sqlalchemy import bindparam, select

from saas.catalog.models import Product, ProductImage, ProductStatus, StockState, Variant
from saas.sql_json import in_order, json_rows, json_value
from saas.storage.images import Picture
from saas.storage.models import MediaFile
from saas.tenants.prepared import PreparedRead


class PageImage(NamedTuple):
    id: int
    alt: str
    media: Picture


class PageVariant(NamedTuple):
    id: int
    option1: str | None
    option2: str | None
    option3: str | None
    price: int
    compare_at_price: int | None
    sku: str
    barcode: str
    image_id: int | None
    stock: int
    track_stock: bool
    allow_backorder: bool
    low_stock_threshold: int | None

    # the model's own, which read only the option columns
    option_values = property(Variant.option_values.fget)
    title = property(Variant.title.fget)


class PageProduct(NamedTuple):
    id: int
    slug: str
    title: str
    description_html: str
    vendor: str
    seo_title: str
    seo_description: str
    options: list
    price_min: int
    price_max: int
    on_sale: bool
    stock_state: StockState
    images: tuple[PageImage, ...] = ()
    variants: tuple[PageVariant, ...] = ()


_PRODUCT_COLUMNS = (Product.id, Product.slug, Product.title, Product.description_html, Product.vendor,
                    Product.seo_title, Product.seo_description, Product.options, Product.price_min,
                    Product.price_max, Product.on_sale, Product.stock_state)
_VARIANT_COLUMNS = (Variant.id, Variant.option1, Variant.option2, Variant.option3, Variant.price,
                    Variant.compare_at_price, Variant.sku, Variant.barcode, Variant.image_id, Variant.stock,
                    Variant.track_stock, Variant.allow_backorder, Variant.low_stock_threshold)


@functools.cache
def _read() -> PreparedRead:
    """Built once per process; the tenant filter is compiled into the product and into both subqueries."""
    images = (select(json_rows(ProductImage.position, ProductImage.id, ProductImage.alt, MediaFile.id,
                               MediaFile.width, MediaFile.height, json_value(MediaFile.renditions), MediaFile.alt))
              .select_from(ProductImage).join(ProductImage.media).where(ProductImage.product_id == Product.id)
              .scalar_subquery())
    variants = (select(json_rows(Variant.position, *_VARIANT_COLUMNS)).where(Variant.product_id == Product.id)
                .scalar_subquery())
    return PreparedRead(select(*_PRODUCT_COLUMNS, images, variants).where(
        Product.status == ProductStatus.ACTIVE, Product.slug == bindparam("slug")).limit(1))


def product_for_page(slug: str) -> PageProduct | None:
    """The active product with this slug, with its images (in order) and variants, or None."""
    row = _read().first(slug=slug)
    if row is None:
        return None
    *columns, image_rows, variant_rows = row
    images = tuple(PageImage(image_id, alt or "", Picture.from_row(media_id, width, height, renditions, media_alt))
                   for _position, image_id, alt, media_id, width, height, renditions, media_alt
                   in in_order(image_rows))
    variants = tuple(
        PageVariant(variant_id, option1, option2, option3, price, compare_at_price, sku, barcode, image_id, stock,
                    bool(track_stock), bool(allow_backorder), low_stock_threshold)  # SQLite's JSON has 0 and 1
        for _position, variant_id, option1, option2, option3, price, compare_at_price, sku, barcode, image_id, stock,
        track_stock, allow_backorder, low_stock_threshold in in_order(variant_rows))
    return PageProduct(*columns, images=images, variants=variants)
