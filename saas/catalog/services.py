"""The catalog's rules: products, their options and variant matrix, images, tags, stock and slugs.

Functions add and flush but never commit; the request or job that calls them commits once.
Validation failures raise CatalogError with the field they belong to, before anything is written.
"""
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, delete, func, or_, select, update

from saas.catalog import cards
from saas.catalog.models import (
    MAX_OPTIONS,
    MAX_VARIANTS,
    AdjustmentReason,
    CollectionProduct,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductStatus,
    ProductTag,
    SlugRedirect,
    StockState,
    Variant,
)
from saas.extensions import db
from saas.ids import new_id, parse_id
from saas.orm import utcnow
from saas.storage.images import store_image
from saas.storage.models import MediaFile

IMAGE_WIDTHS = (160, 480, 720, 960, 1600)
MAX_IMAGES = 50
MAX_TAGS = 50
MAX_STOCK = 10_000_000

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
    "img", "table", "thead", "tbody", "tr", "th", "td", "hr", "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan"}, "th": {"colspan"}}


class CatalogError(ValueError):
    """A rule was broken; `field` names the form field it belongs to (or "" for the whole form)."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


class CatalogErrors(ValueError):
    """Several fields failed at once; `errors` maps field name to message."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def sanitize_html(html: str | None) -> str:
    """Rich text as merchants may keep it: formatting and links stay, scripts and handlers go."""
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener nofollow",
                     url_schemes={"http", "https", "mailto", "tel"}).strip()


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:200].strip("-")


SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def unique_slug(model, wanted: str, exclude_id: int | None = None) -> str:
    """`wanted`, or `wanted-2`, `wanted-3` … whichever no other row of this store holds."""
    base = wanted or "item"
    taken = set(db.session.scalars(
        select(model.slug).where(or_(model.slug == base, model.slug.like(f"{base}-%")))
        .where(model.id != (exclude_id or 0))
    ))
    if base not in taken:
        return base
    for n in itertools.count(2):
        candidate = f"{base}-{n}"
        if candidate not in taken:
            return candidate


def clean_tags(value) -> list[str]:
    """Tags from "a, b" or a list: trimmed, at most 64 characters, without duplicates (ignoring case)."""
    parts = value.split(",") if isinstance(value, str) else list(value or [])
    seen, tags = set(), []
    for part in parts:
        tag = re.sub(r"\s+", " ", str(part)).strip()[:64].strip()
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise CatalogError("tags", _l("Use at most %(n)d tags.", n=MAX_TAGS))
    return tags


def clean_options(options: list[dict]) -> list[dict]:
    """[{"name", "values"}] with names and values trimmed; refuses duplicates, blanks and too many variants."""
    cleaned = []
    for index, option in enumerate(options or []):
        name = (option.get("name") or "").strip()[:64]
        values = [re.sub(r"\s+", " ", str(v)).strip()[:255] for v in option.get("values") or []]
        values = [v for v in values if v]
        if not name and not values:
            continue
        field_name = f"option_{index}"
        if not name:
            raise CatalogError(field_name, _l("Give this option a name, such as Ukuran or Warna."))
        if not values:
            raise CatalogError(field_name, _l("Add at least one value to %(name)s.", name=name))
        lowered = [v.lower() for v in values]
        duplicate = next((v for i, v in enumerate(values) if lowered.index(v.lower()) != i), None)
        if duplicate:
            raise CatalogError(field_name, _l("%(value)s is listed twice in %(name)s.", value=duplicate, name=name))
        if any(o["name"].lower() == name.lower() for o in cleaned):
            raise CatalogError(field_name, _l("There is already an option named %(name)s.", name=name))
        cleaned.append({"name": name, "values": values})
    if len(cleaned) > MAX_OPTIONS:
        raise CatalogError("options", _l("A product can have at most %(n)d options.", n=MAX_OPTIONS))
    count = 1
    for option in cleaned:
        count *= len(option["values"])
    if count > MAX_VARIANTS:
        raise CatalogError("options", _l("These options make %(count)d variants; the limit is %(max)d.",
                                         count=count, max=MAX_VARIANTS))
    return cleaned


@dataclass
class VariantValues:
    """What a merchant can set on a variant; None leaves a field as it is (on update)."""

    price: int | None = None
    compare_at_price: int | None = None
    cost: int | None = None
    sku: str | None = None
    barcode: str | None = None
    weight_grams: int | None = None
    track_stock: bool | None = None
    allow_backorder: bool | None = None
    low_stock_threshold: int | None = None
    image_id: int | None = None
    clear: set = field(default_factory=set)  # optional fields to set to NULL: compare_at_price, cost, …


def check_variant_values(values: VariantValues, current: Variant | None = None) -> dict:
    """Field errors for one variant's values (prices, weight, SKU uniqueness); empty when they are fine."""
    errors = {}
    for name in ("price", "compare_at_price", "cost", "weight_grams", "low_stock_threshold"):
        value = getattr(values, name)
        if value is not None and value < 0:
            errors[name] = _l("Enter zero or more.")
    price = values.price if values.price is not None else (current.price if current else 0)
    compare_at = values.compare_at_price
    if compare_at is None and current is not None and "compare_at_price" not in values.clear:
        compare_at = current.compare_at_price
    if compare_at is not None and "price" not in errors and compare_at and compare_at <= price:
        errors["compare_at_price"] = _l("The compare-at price must be higher than the price, or left empty.")
    if values.weight_grams is not None and values.weight_grams > 1_000_000:
        errors["weight_grams"] = _l("Enter a weight in grams, up to 1,000,000.")
    if values.sku:
        clash = db.session.scalar(
            select(Variant.id).where(func.lower(Variant.sku) == values.sku.lower())
            .where(Variant.id != (current.id if current else 0))
        )
        if clash:
            errors["sku"] = _l("Another variant in this store already has SKU %(sku)s.", sku=values.sku)
    return errors


def _apply_variant_values(variant: Variant, values: VariantValues) -> None:
    for name in ("price", "compare_at_price", "cost", "barcode", "weight_grams", "track_stock", "allow_backorder",
                 "low_stock_threshold", "image_id"):
        value = getattr(values, name)
        if value is not None:
            setattr(variant, name, value)
    if values.sku is not None:
        variant.sku = values.sku.strip() or None
    for name in values.clear:
        setattr(variant, name, None)


def clean_sku(sku: str | None) -> str | None:
    if sku is None:
        return None
    return re.sub(r"\s+", "", sku)[:64]


def can_sell(variant: Variant) -> bool:
    """Whether a shopper may buy this variant now: stock isn't tracked, some is left, or backorders are allowed."""
    return not variant.track_stock or variant.stock > 0 or variant.allow_backorder


def record_sales(units: dict[int, int]) -> None:
    """Count units sold (negative: cancelled, or returned on a refund) on their products, which never go below zero.
    Products are updated in id order, so concurrent checkouts take their row locks in the same order."""
    for product_id in sorted(p for p, n in units.items() if p and n):
        change = units[product_id]
        db.session.execute(update(Product).where(Product.id == product_id).values(
            units_sold=case((Product.units_sold + change > 0, Product.units_sold + change), else_=0)),
            execution_options={"synchronize_session": False})


def stock_state(variants, threshold: int) -> StockState:
    tracked = [v for v in variants if v.track_stock]
    if not tracked:
        return StockState.UNTRACKED
    if len(tracked) == len(variants) and all(v.stock <= 0 for v in tracked):
        return StockState.OUT
    if any(v.stock <= (v.low_stock_threshold if v.low_stock_threshold is not None else threshold) for v in tracked):
        return StockState.LOW
    return StockState.IN_STOCK


def refresh_summary(product: Product, threshold: int) -> None:
    """Recompute the columns that the product list sorts and filters on from the variants."""
    variants = product.variants
    prices = [v.price for v in variants] or [0]
    product.price_min, product.price_max = min(prices), max(prices)
    product.on_sale = any(v.compare_at_price and v.compare_at_price > v.price for v in variants)
    product.total_stock = sum(v.stock for v in variants if v.track_stock)
    product.stock_state = stock_state(variants, threshold)
    product.variant_count = len(variants)
    product.search_codes = " ".join(code for v in variants for code in (v.sku or "", v.barcode or "") if code).lower()


def check_listing_fields(title, slug, seo_title, seo_description, *, missing_title, slug_hint) -> dict:
    """The checks that products, collections and pages share: a title, a well-formed slug, SEO lengths."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = missing_title
    elif len(title.strip()) > 255:
        errors["title"] = _l("Use at most %(max)d characters.", max=255)
    if slug and not SLUG_PATTERN.match(slug):
        errors["slug"] = slug_hint
    elif len(slug or "") > 200:
        errors["slug"] = _l("Use at most %(max)d characters.", max=200)
    if len(seo_title or "") > 255:
        errors["seo_title"] = _l("Use at most %(max)d characters.", max=255)
    if len(seo_description or "") > 500:
        errors["seo_description"] = _l("Use at most %(max)d characters.", max=500)
    return errors


def check_product_fields(title, slug, seo_title, seo_description, vendor, product_id=None) -> dict:
    errors = check_listing_fields(
        title, slug, seo_title, seo_description, missing_title=_l("Give the product a title."),
        slug_hint=_l("Use lowercase letters, digits and hyphens, such as kemeja-batik-biru."))
    if len(vendor or "") > 255:
        errors["vendor"] = _l("Use at most %(max)d characters.", max=255)
    return errors


def set_tags(product: Product, tags: list[str]) -> None:
    wanted = {t.lower(): t for t in tags}
    for row in list(product.tag_rows):
        if row.tag.lower() not in wanted:
            product.tag_rows.remove(row)
        else:
            wanted.pop(row.tag.lower())
    for tag in wanted.values():
        product.tag_rows.append(ProductTag(id=new_id(), tenant_id=product.tenant_id, product_id=product.id, tag=tag,
                                           key=tag.lower()))


def create_product(tenant, *, title: str, user=None, slug: str = "", description_html: str = "",
                   status: ProductStatus = ProductStatus.DRAFT, vendor: str = "", seo_title: str = "",
                   seo_description: str = "", tags=(), options=(), price: int = 0,
                   default_variant: VariantValues | None = None, stock: int = 0, tax_exempt: bool = False) -> Product:
    """A new product with its variant matrix (one default variant when it has no options)."""
    errors = check_product_fields(title, slug, seo_title, seo_description, vendor)
    try:
        tag_list = clean_tags(tags)
        option_list = clean_options(list(options))
    except CatalogError as error:
        errors[error.field] = error.message
    values = default_variant or VariantValues(price=price)
    if values.sku is not None:
        values.sku = clean_sku(values.sku)
    errors.update(check_variant_values(values))
    if stock < 0:
        errors["stock"] = _l("Enter zero or more.")
    elif stock > MAX_STOCK:
        errors["stock"] = _l("That is more than we can count; enter at most %(n)d.", n=MAX_STOCK)
    if errors:
        raise CatalogErrors(errors)
    product = Product(
        id=new_id(), tenant_id=tenant.id, title=title.strip(), status=ProductStatus(status),
        slug=unique_slug(Product, slug or slugify(title) or "product"),
        description_html=sanitize_html(description_html), vendor=(vendor or "").strip(),
        seo_title=(seo_title or "").strip(), seo_description=(seo_description or "").strip(), options=option_list,
        tax_exempt=bool(tax_exempt),
    )
    db.session.add(product)
    set_tags(product, tag_list)
    combos = list(itertools.product(*[o["values"] for o in option_list])) or [()]
    for position, combo in enumerate(combos):
        variant = Variant(id=new_id(), tenant_id=tenant.id, product_id=product.id, position=position,
                          stock=0, track_stock=True, allow_backorder=False, barcode="", weight_grams=0)
        _apply_variant_values(variant, values if position == 0 else _copy_for_sibling(values))
        _set_combo(variant, combo)
        product.variants.append(variant)
    db.session.flush()
    if stock:
        for variant in product.variants:
            adjust_stock(variant, stock, AdjustmentReason.INITIAL, user=user, set_to=True, refresh=False)
    refresh_summary(product, tenant.low_stock_threshold)
    db.session.flush()
    from saas.catalog import collections

    collections.sync_product(product)
    return product


def _copy_for_sibling(values: VariantValues) -> VariantValues:
    """A new variant beside others takes their price and settings, but not their SKU or barcode."""
    return VariantValues(price=values.price, compare_at_price=values.compare_at_price, cost=values.cost,
                         weight_grams=values.weight_grams, track_stock=values.track_stock,
                         allow_backorder=values.allow_backorder)


def _set_combo(variant: Variant, combo: tuple) -> None:
    padded = list(combo) + [None] * (MAX_OPTIONS - len(combo))
    variant.option1, variant.option2, variant.option3 = padded


def update_product(product: Product, *, tenant, title: str, slug: str, description_html: str, status,
                   vendor: str, seo_title: str, seo_description: str, tags, tax_exempt: bool | None = None) -> Product:
    """Change a product's own fields; a new slug leaves a 301 from the old one. `tax_exempt` None leaves it as is."""
    errors = check_product_fields(title, slug, seo_title, seo_description, vendor, product.id)
    try:
        tag_list = clean_tags(tags)
    except CatalogError as error:
        errors[error.field] = error.message
    if errors:
        raise CatalogErrors(errors)
    wanted_slug = slug or slugify(title) or "product"
    if wanted_slug != product.slug:
        new_slug = unique_slug(Product, wanted_slug, exclude_id=product.id)
        record_slug_change("product", product.id, product.slug, new_slug)
        product.slug = new_slug
    product.title = title.strip()
    product.description_html = sanitize_html(description_html)
    product.status = ProductStatus(status)
    product.vendor = (vendor or "").strip()
    product.seo_title = (seo_title or "").strip()
    product.seo_description = (seo_description or "").strip()
    if tax_exempt is not None:
        product.tax_exempt = bool(tax_exempt)
    set_tags(product, tag_list)
    product.updated_at = utcnow()  # tags live in another table; the list's "updated" sort must still see it
    refresh_summary(product, tenant.low_stock_threshold)
    db.session.flush()
    from saas.catalog import collections

    collections.sync_product(product)
    return product


def record_slug_change(kind: str, target_id: int, old_slug: str, new_slug: str) -> None:
    """Keep a 301 from `old_slug`; a redirect that the new slug would shadow is dropped."""
    db.session.execute(delete(SlugRedirect).where(SlugRedirect.kind == kind, SlugRedirect.old_slug == new_slug))
    existing = db.session.scalar(select(SlugRedirect).where(SlugRedirect.kind == kind, SlugRedirect.old_slug == old_slug))
    if existing:
        existing.target_id = target_id
    else:
        db.session.add(SlugRedirect(id=new_id(), kind=kind, old_slug=old_slug, target_id=target_id))


def redirect_target(kind: str, slug: str) -> int | None:
    return db.session.scalar(select(SlugRedirect.target_id).where(SlugRedirect.kind == kind, SlugRedirect.old_slug == slug))


def set_options(product: Product, options: list[dict], tenant) -> None:
    """Regenerate the variant matrix from new options, keeping every variant whose values still exist."""
    option_list = clean_options(options)
    old_names = [o["name"] for o in product.options]
    combos = list(itertools.product(*[o["values"] for o in option_list])) or [()]
    existing = list(product.variants)
    template = existing[0] if existing else None

    def key_of(variant):
        values = dict(zip(old_names, variant.option_values))
        return tuple(values.get(o["name"]) for o in option_list)

    by_key = {}
    for variant in existing:
        by_key.setdefault(key_of(variant), variant)
    kept = []
    for position, combo in enumerate(combos):
        variant = by_key.pop(tuple(combo), None)
        if variant is None and not option_list and existing:
            variant = existing[0]  # options removed: the first variant becomes the default one
            by_key = {k: v for k, v in by_key.items() if v is not variant}
        if variant is None:
            variant = Variant(id=new_id(), tenant_id=product.tenant_id, product_id=product.id, stock=0, barcode="",
                              weight_grams=template.weight_grams if template else 0,
                              price=template.price if template else 0,
                              compare_at_price=template.compare_at_price if template else None,
                              cost=template.cost if template else None,
                              track_stock=template.track_stock if template else True,
                              allow_backorder=template.allow_backorder if template else False)
            product.variants.append(variant)
        variant.position = position
        _set_combo(variant, combo)
        kept.append(variant)
    for variant in existing:
        if variant not in kept:
            product.variants.remove(variant)
    product.options = option_list
    db.session.flush()
    refresh_summary(product, tenant.low_stock_threshold)
    db.session.flush()


def update_variant(variant: Variant, values: VariantValues, tenant, stock: int | None = None, user=None,
                   reason: AdjustmentReason = AdjustmentReason.CORRECTION) -> Variant:
    """Save one row of the matrix; a new stock count is recorded as an adjustment."""
    if values.sku is not None:
        values.sku = clean_sku(values.sku)
    errors = check_variant_values(values, variant)
    if stock is not None and stock < 0:
        errors["stock"] = _l("Enter zero or more.")
    elif stock is not None and stock > MAX_STOCK:
        errors["stock"] = _l("That is more than we can count; enter at most %(n)d.", n=MAX_STOCK)
    if values.image_id is not None and not db.session.scalar(
        select(ProductImage.id).where(ProductImage.id == values.image_id, ProductImage.product_id == variant.product_id)
    ):
        errors["image_id"] = _l("Choose one of this product's images.")
    if errors:
        raise CatalogErrors(errors)
    _apply_variant_values(variant, values)
    if stock is not None and stock != variant.stock:
        adjust_stock(variant, stock, reason, user=user, set_to=True, refresh=False)
    db.session.flush()
    refresh_summary(variant.product, tenant.low_stock_threshold)
    db.session.flush()
    from saas.catalog import collections

    collections.sync_product(variant.product)
    return variant


def adjust_stock(variant: Variant, quantity: int, reason: AdjustmentReason, *, user=None, note: str = "",
                 set_to: bool = False, refresh: bool = True, tenant=None) -> InventoryAdjustment | None:
    """Change stock by `quantity` (or to it, with set_to) and record who, why and what it came to."""
    delta = quantity - variant.stock if set_to else quantity
    if delta == 0:
        return None
    after = variant.stock + delta
    if after < 0 and not variant.allow_backorder and reason not in (AdjustmentReason.SOLD,):
        raise CatalogError("stock", _l("Stock can't go below zero."))
    if abs(after) > MAX_STOCK:
        raise CatalogError("stock", _l("That is more than we can count; enter at most %(n)d.", n=MAX_STOCK))
    variant.stock = after
    entry = InventoryAdjustment(
        id=new_id(), tenant_id=variant.tenant_id, product_id=variant.product_id, variant_id=variant.id,
        user_id=getattr(user, "id", None), user_name=(getattr(user, "name", "") or getattr(user, "email", "") or "")[:255],
        delta=delta, quantity_after=after, reason=AdjustmentReason(reason), note=(note or "")[:255],
    )
    db.session.add(entry)
    if refresh and tenant is not None:
        db.session.flush()
        refresh_summary(variant.product, tenant.low_stock_threshold)
    return entry


def stock_history(product: Product, limit: int = 50) -> list[InventoryAdjustment]:
    return list(db.session.scalars(
        select(InventoryAdjustment).where(InventoryAdjustment.product_id == product.id)
        .order_by(InventoryAdjustment.created_at.desc(), InventoryAdjustment.id.desc()).limit(limit)
    ))


# Images


def add_image(product: Product, data: bytes, filename: str = "", alt: str = "") -> ProductImage:
    if len(product.images) >= MAX_IMAGES:
        raise CatalogError("images", _l("A product can have at most %(n)d images.", n=MAX_IMAGES))
    media = store_image(product.tenant_id, data, "product", IMAGE_WIDTHS, original_name=filename)
    image = ProductImage(id=new_id(), tenant_id=product.tenant_id, product_id=product.id, media_id=media.id,
                         position=len(product.images), alt=(alt or "").strip()[:255])
    product.images.append(image)
    db.session.flush()
    return image


def set_image_alt(image: ProductImage, alt: str) -> None:
    if len(alt or "") > 255:
        raise CatalogError("alt", _l("Use at most %(max)d characters.", max=255))
    image.alt = (alt or "").strip()
    db.session.flush()


def reorder_images(product: Product, image_ids: list[int]) -> None:
    """Put the product's images in the order given; ids that aren't this product's are ignored."""
    by_id = {image.id: image for image in product.images}
    ordered = [by_id[i] for i in image_ids if i in by_id]
    ordered += [image for image in product.images if image not in ordered]
    for position, image in enumerate(ordered):
        image.position = position
    product.images.sort(key=lambda image: image.position)
    db.session.flush()


def move_image(product: Product, image_id: int, step: int) -> None:
    ids = [image.id for image in product.images]
    if image_id not in ids:
        return
    index = ids.index(image_id)
    target = max(0, min(len(ids) - 1, index + step))
    ids.insert(target, ids.pop(index))
    reorder_images(product, ids)


def remove_image(product: Product, image_id: int) -> None:
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        return
    db.session.execute(update(Variant).where(Variant.image_id == image_id).values(image_id=None))
    product.images.remove(image)
    db.session.flush()
    media = db.session.get(MediaFile, (product.tenant_id, image.media_id))
    if media is not None:
        db.session.delete(media)
    reorder_images(product, [i.id for i in product.images])


# Bulk actions from the product list


def products_by_ids(ids) -> list[Product]:
    ids = [i for i in map(parse_id, ids) if i is not None]
    if not ids:
        return []
    return list(db.session.scalars(select(Product).where(Product.id.in_(ids))))


def bulk_set_status(ids, status: ProductStatus) -> int:
    products = products_by_ids(ids)
    for product in products:
        product.status = ProductStatus(status)
    db.session.flush()
    return len(products)


def bulk_delete(ids) -> int:
    products = products_by_ids(ids)
    for product in products:
        delete_product(product)
    return len(products)


def delete_product(product: Product) -> None:
    from saas.catalog import collections

    affected = collections.collections_of(product)
    db.session.execute(delete(CollectionProduct).where(CollectionProduct.product_id == product.id))
    db.session.execute(delete(InventoryAdjustment).where(InventoryAdjustment.product_id == product.id))
    db.session.execute(delete(SlugRedirect).where(SlugRedirect.kind == "product", SlugRedirect.target_id == product.id))
    media_ids = [image.media_id for image in product.images]
    for variant in product.variants:
        variant.image_id = None
    db.session.flush()
    db.session.delete(product)
    db.session.flush()
    if media_ids:
        db.session.execute(delete(MediaFile).where(MediaFile.id.in_(media_ids)))
    collections.recount(affected)
    db.session.flush()


def bulk_tag(ids, tag: str, add: bool) -> int:
    tag = clean_tags([tag])
    if not tag:
        raise CatalogError("tag", _l("Enter a tag."))
    products = products_by_ids(ids)
    from saas.catalog import collections

    for product in products:
        current = product.tags
        if add:
            set_tags(product, current + tag)
        else:
            set_tags(product, [t for t in current if t.lower() != tag[0].lower()])
        db.session.flush()
        collections.sync_product(product)
    return len(products)


def refresh_stock_states(tenant) -> None:
    """Recompute every product's stock state, after the store's low-stock threshold changed."""
    for product in db.session.scalars(select(Product)):
        refresh_summary(product, tenant.low_stock_threshold)
    db.session.flush()


# What shoppers may see
#
# Storefront reads run on every page that isn't served from the page cache, so their statements are built once
# per process (the tenant filter is added to each when it runs) instead of on every request.


@functools.cache
def _visible_statements() -> dict:
    active = select(Product).where(Product.status == ProductStatus.ACTIVE)
    by_slug = active.where(Product.slug == bindparam("slug"))
    return {
        "newest": cards.PreparedCards(cards.select_cards().where(Product.status == ProductStatus.ACTIVE)
                                      .order_by(Product.created_at.desc(), Product.id.desc()).limit(bindparam("limit"))),
        "by_slug": by_slug,
        "id_by_id": select(Product.id).where(Product.status == ProductStatus.ACTIVE, Product.id == bindparam("id")),
    }


def visible_products(limit: int = 24) -> list[cards.Card]:
    """The newest active products, as cards."""
    return _visible_statements()["newest"](limit=limit)


def visible_product(slug: str) -> Product | None:
    """An active product by its slug; drafts and archived products are not shown to shoppers."""
    return db.session.scalar(_visible_statements()["by_slug"], {"slug": slug})


def visible_product_id(raw) -> int | None:
    """The id of the active product that `raw` (text from a URL) names, or None."""
    product_id = parse_id(raw)
    return db.session.scalar(_visible_statements()["id_by_id"], {"id": product_id}) if product_id else None

