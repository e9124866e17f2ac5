"""CSV export and import of products, run as jobs that the builder follows with a progress bar.

An import is always checked first: a dry run that reads the file, plans every change against the catalog,
fetches the images the file names, and writes nothing but the transfer's own progress and summary. Only
when the merchant confirms does the apply job run, and it plans again against the catalog as it is then
(it may have changed) and writes everything in one transaction: a failure part-way leaves the catalog as
it was. Progress inside that one transaction goes to Redis, which other requests can read while it is open.

The bulk path below keeps the services' rules (sanitize_html, clean_tags, clean_options, refresh_summary,
SKU uniqueness, a stock ledger entry per change) without their per-product queries, so that 10,000 rows
import in seconds rather than minutes.
"""
import csv
import hashlib
import io
import ipaddress
import itertools
import logging
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from saas.catalog import collections
from saas.catalog.models import (
    MAX_OPTIONS,
    AdjustmentReason,
    CatalogTransfer,
    Collection,
    CollectionKind,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductStatus,
    SlugRedirect,
    TransferKind,
    TransferStatus,
    Variant,
)
from saas.catalog.search import ProductFilters, product_query
from saas.catalog.services import (
    IMAGE_WIDTHS,
    MAX_IMAGES,
    MAX_STOCK,
    SLUG_PATTERN,
    CatalogError,
    check_product_fields,
    clean_sku,
    set_tags,
    adjust_stock,
    clean_options,
    clean_tags,
    refresh_summary,
    sanitize_html,
    slugify,
)
from saas.extensions import db
from saas.ids import new_id
from saas.jobs import enqueue, task
from saas.money import MAX_AMOUNT, MoneyError, minor_factor, money_input, parse_money
from saas.orm import utcnow
from saas.storage import storage
from saas.storage.images import ImageRejected, open_image, store_image

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_ERRORS_KEPT = 500  # the summary keeps this many row errors; the count covers them all
PROGRESS_EVERY = 200  # rows between progress reports
IMAGE_TIMEOUT = 10  # seconds per image (connect, and each read); IMPORT_IMAGE_TIMEOUT in config overrides it
IMAGE_WORKERS = 8
# Merchant-given URLs must not reach the platform's own network; the tests' image server on 127.0.0.1 turns this on.
ALLOW_PRIVATE_IMAGE_HOSTS = False

ETALASE_COLUMNS = (
    "handle", "title", "description_html", "status", "vendor", "tags", "seo_title", "seo_description",
    "option1_name", "option1_value", "option2_name", "option2_value", "option3_name", "option3_value",
    "sku", "barcode", "price", "compare_at_price", "cost", "weight_grams", "stock", "track_stock",
    "allow_backorder", "low_stock_threshold", "variant_image_url", "image_url", "image_alt",
)
ETALASE_REQUIRED = ("handle", "title", "price")
# Shopify's product CSV headings (lowercased) and the column each one fills.
SHOPIFY_COLUMNS = {
    "handle": "handle", "title": "title", "body (html)": "description_html", "vendor": "vendor", "tags": "tags",
    "published": "published", "status": "status",
    "option1 name": "option1_name", "option1 value": "option1_value",
    "option2 name": "option2_name", "option2 value": "option2_value",
    "option3 name": "option3_name", "option3 value": "option3_value",
    "variant sku": "sku", "variant grams": "weight_grams", "variant inventory tracker": "inventory_tracker",
    "variant inventory qty": "stock", "variant inventory policy": "inventory_policy", "variant price": "price",
    "variant compare at price": "compare_at_price", "variant barcode": "barcode", "variant image": "variant_image_url",
    "image src": "image_url", "image position": "image_position", "image alt text": "image_alt",
    "seo title": "seo_title", "seo description": "seo_description", "cost per item": "cost",
}
SHOPIFY_REQUIRED = ("Handle", "Title", "Variant Price")
SHOPIFY_MARKERS = {"variant price", "variant sku", "body (html)", "option1 name", "image src", "variant inventory qty"}
VARIANT_KEYS = ("price", "sku", "option1_value", "option2_value", "option3_value", "barcode", "stock",
                "compare_at_price", "cost")
TRUE_WORDS = {"true", "yes", "y", "1", "ya"}
FALSE_WORDS = {"false", "no", "n", "0", "tidak"}


class FileRejected(ValueError):
    """A file that can't be imported at all; str() is the message for the merchant."""


# Reading the file


@dataclass
class ParsedFile:
    source_format: str  # "etalase" or "shopify"
    columns: set  # our column names present in the file
    rows: list  # [(row_number, {column: text})], the heading being row 1
    errors: list = field(default_factory=list)  # rows that can't be read at all

    def has(self, column: str) -> bool:
        return column in self.columns


def decode(data: bytes) -> str:
    """The file's text: UTF-8 with or without a byte-order mark, refused when too large, empty or not text."""
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(_("The file is larger than %(mb)d MB. Split it into smaller files and import them one by one.",
                             mb=MAX_FILE_BYTES // (1024 * 1024)))
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRejected(_("This is a spreadsheet workbook, not a CSV file. In your spreadsheet, save it as "
                             "\"CSV UTF-8\" and upload that."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(_("The file isn't UTF-8 text (an unreadable byte at position %(at)d). In your spreadsheet, "
                             "save it as \"CSV UTF-8\" and upload it again.", at=error.start + 1))
    if "\x00" in text:
        raise FileRejected(_("This is not a CSV file. Export your products as CSV (comma-separated values) and upload that."))
    if not text.strip():
        raise FileRejected(_("The file is empty."))
    return text


def _dialect(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in Indonesian (and other comma-decimal) settings save CSV with semicolons.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse_csv(data: bytes) -> ParsedFile:
    """Read an Etalase or Shopify product CSV; FileRejected when its columns or encoding are wrong."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise FileRejected(_("The file is empty."))
        headings = [cell.strip() for cell in header]
        lowered = [h.lower() for h in headings]
        duplicate = next((h for i, h in enumerate(headings) if h and lowered.index(h.lower()) != i), None)
        if duplicate:
            raise FileRejected(_("The column %(name)s appears twice in the first row.", name=duplicate))
        if SHOPIFY_MARKERS & set(lowered):
            source_format = "shopify"
            keys = [SHOPIFY_COLUMNS.get(h) for h in lowered]
            missing = [name for name in SHOPIFY_REQUIRED if name.lower() not in lowered]
        else:
            source_format = "etalase"
            keys = [re.sub(r"[\s-]+", "_", h) if re.sub(r"[\s-]+", "_", h) in ETALASE_COLUMNS else None for h in lowered]
            missing = [name for name in ETALASE_REQUIRED if name not in keys]
            if not any(keys):
                raise FileRejected(_(
                    "We don't recognise this file's columns. Use the Etalase template (columns %(etalase)s …) or a "
                    "Shopify product export (columns %(shopify)s …).",
                    etalase=", ".join(ETALASE_REQUIRED), shopify=", ".join(SHOPIFY_REQUIRED)))
        if missing:
            expected = ", ".join(SHOPIFY_REQUIRED if source_format == "shopify" else ETALASE_REQUIRED)
            raise FileRejected(_("The file is missing the column(s) %(missing)s. A file in this format needs at least "
                                 "these columns: %(expected)s.", missing=", ".join(missing), expected=expected))
        rows, errors = [], []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileRejected(_("The file has more than %(n)d rows. Split it into smaller files.", n=MAX_ROWS))
            if len(cells) > len(keys) and any(cell.strip() for cell in cells[len(keys):]):
                errors.append(_problem(number, "", _("This row has more cells than the file has columns. Check for a "
                                                     "comma in a value that isn't in quotes.")))
                continue
            rows.append((number, {key: cells[i].strip() for i, key in enumerate(keys) if key and i < len(cells)}))
    except csv.Error as error:
        raise FileRejected(_("The file can't be read as CSV (line %(line)d: %(problem)s).",
                             line=reader.line_num, problem=str(error)))
    if not rows and not errors:
        raise FileRejected(_("The file has column headings but no products."))
    return ParsedFile(source_format, {k for k in keys if k}, rows, errors)


def _problem(row, column, message) -> dict:
    return {"row": row, "column": column, "message": str(message)}


# What the catalog holds now


@dataclass
class VariantNow:
    id: int
    values: tuple  # option values, in the product's option order
    price: int
    compare_at_price: int | None
    cost: int | None
    sku: str | None
    barcode: str
    weight_grams: int
    stock: int
    track_stock: bool
    allow_backorder: bool
    low_stock_threshold: int | None
    image_id: int | None


@dataclass
class ProductNow:
    id: int
    slug: str
    title: str
    description_html: str
    status: str
    vendor: str
    seo_title: str
    seo_description: str
    options: list
    tags: list
    variants: list
    images: dict  # url -> image id: the URL it was imported from and the URL an export gives it


@dataclass
class Catalog:
    slug_ids: dict  # slug -> product id, for every product of the store
    redirects: dict  # old slug -> product id
    skus: dict  # lowercased SKU -> (product id, variant id)
    products: dict  # product id -> ProductNow, for the products the file names


def export_image_url(tenant, media) -> str:
    """The absolute URL of an image's largest rendition, as an export writes it (and an import recognises it)."""
    sizes = (media.renditions or {}).get("jpg") or (media.renditions or {}).get("png") or next(
        iter((media.renditions or {}).values()), {})
    if not sizes:
        return ""
    key = sizes[max(sizes, key=int)]
    backend = storage()
    if hasattr(backend, "client"):  # S3: its own (public or presigned) URL
        return backend.url(key)
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{tenant.slug}.{current_app.config['PLATFORM_HOST']}/media/{key}"


def _chunks(items, size=500):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def load_products(ids) -> list[Product]:
    """Products with their variants, tags and images, in chunks (one IN list per chunk)."""
    loaded = []
    for chunk in _chunks(ids):
        loaded.extend(db.session.scalars(
            select(Product).where(Product.id.in_(chunk)).options(
                selectinload(Product.variants), selectinload(Product.tag_rows),
                selectinload(Product.images).joinedload(ProductImage.media))
        ))
    return loaded


def load_catalog(tenant, handles) -> Catalog:
    slug_ids = dict(db.session.execute(select(Product.slug, Product.id)).all())
    redirects = dict(db.session.execute(
        select(SlugRedirect.old_slug, SlugRedirect.target_id).where(SlugRedirect.kind == "product")).all())
    skus = {sku.lower(): (product_id, variant_id) for sku, product_id, variant_id in db.session.execute(
        select(Variant.sku, Variant.product_id, Variant.id).where(Variant.sku.is_not(None))).all()}
    wanted = {pid for pid in (_match(handle, slug_ids, redirects) for handle in handles) if pid}
    products = {}
    for product in load_products(wanted):
        names = [o["name"] for o in product.options or []]
        images = {}
        for image in product.images:
            if image.media is not None:
                if image.media.original_name.startswith(("http://", "https://")):
                    images[image.media.original_name] = image.id
                url = export_image_url(tenant, image.media)
                if url:
                    images[url] = image.id
        products[product.id] = ProductNow(
            id=product.id, slug=product.slug, title=product.title, description_html=product.description_html,
            status=ProductStatus(product.status).value, vendor=product.vendor, seo_title=product.seo_title,
            seo_description=product.seo_description, options=[dict(o) for o in product.options or []],
            tags=product.tags, images=images,
            variants=[VariantNow(
                id=v.id, values=tuple(v.option_values[:len(names)]), price=v.price,
                compare_at_price=v.compare_at_price, cost=v.cost, sku=v.sku, barcode=v.barcode or "",
                weight_grams=v.weight_grams, stock=v.stock, track_stock=v.track_stock,
                allow_backorder=v.allow_backorder, low_stock_threshold=v.low_stock_threshold, image_id=v.image_id,
            ) for v in product.variants],
        )
    return Catalog(slug_ids, redirects, skus, products)


def _match(handle: str, slug_ids: dict, redirects: dict) -> int | None:
    """The product a row's handle names: by slug, by the slug it would become, or by an old slug."""
    for candidate in (handle, handle.lower(), slugify(handle)):
        if candidate in slug_ids:
            return slug_ids[candidate]
    return redirects.get(handle.lower()) or redirects.get(slugify(handle))


# Planning: what the file asks for, checked, as plain data


@dataclass
class VariantPlan:
    position: int
    combo: tuple
    existing: VariantNow | None
    values: dict  # fields to set; for a new variant, all of them
    stock: int | None  # the stock to set, or None to leave it
    image_url: str | None
    row: int | None


@dataclass
class ProductPlan:
    handle: str
    row: int
    rows: list  # every row number of this product
    existing: ProductNow | None
    fields: dict  # product fields to set
    tags: list | None  # None: leave them
    options: list | None  # None: leave options and variants as they are
    variants: list  # VariantPlan, the whole final list when options is not None, else only the rows given
    remove_variant_ids: list
    images: list  # [(url, alt, row)] to add
    slug: str = ""
    changed: bool = True


@dataclass
class Plan:
    source_format: str
    rows: int
    products: list
    errors: list
    image_urls: dict  # url -> first row that names it (images to fetch)

    @property
    def counts(self) -> dict:
        return {
            "create": sum(1 for p in self.products if p.existing is None),
            "update": sum(1 for p in self.products if p.existing is not None and p.changed),
            "unchanged": sum(1 for p in self.products if p.existing is not None and not p.changed),
        }


class _Rows:
    """Reads one format's cells into values, collecting problems with their row and column."""

    def __init__(self, parsed: ParsedFile, tenant, errors: list):
        self.parsed, self.tenant, self.errors = parsed, tenant, errors
        self.shopify = parsed.source_format == "shopify"

    def error(self, row, column, message):
        self.errors.append(_problem(row, self.heading(column), message))

    def heading(self, column: str) -> str:
        if not self.shopify or not column:
            return column
        return next((h.title().replace("(Html)", "(HTML)").replace("Seo", "SEO").replace("Sku", "SKU")
                     for h, key in SHOPIFY_COLUMNS.items() if key == column), column)

    def money(self, row, cells, column, required=False):
        text = cells.get(column, "")
        if not text:
            if required:
                self.error(row, column, _l("Enter a price, such as 150.000."))
            return None
        if self.shopify:
            if not re.fullmatch(r"\d+(\.\d+)?", text.replace(",", "")):
                self.error(row, column, _l("%(value)s isn't a price. Shopify files use numbers such as 150000.00.", value=text))
                return None
            minor = Decimal(text.replace(",", "")) * minor_factor(self.tenant.currency)
            if minor != minor.to_integral_value():
                self.error(row, column, _l("%(value)s has more decimals than the currency uses.", value=text))
                return None
            if minor > MAX_AMOUNT:
                self.error(row, column, _l("That amount is too large."))
                return None
            return int(minor)
        try:
            return parse_money(text, self.tenant.currency, self.tenant.locale)
        except MoneyError as error:
            self.error(row, column, _l("%(value)s isn't a price: %(problem)s", value=text, problem=str(error)))
            return None

    def whole(self, row, cells, column, minimum=0, maximum=MAX_STOCK):
        text = cells.get(column, "")
        if not text:
            return None
        try:
            value = Decimal(text.replace(" ", ""))
            if not value.is_finite() or value != value.to_integral_value():  # "inf" and "NaN" are Decimals too
                raise InvalidOperation
            value = int(value)
        except InvalidOperation:
            self.error(row, column, _l("%(value)s isn't a whole number.", value=text))
            return None
        if value < minimum:
            self.error(row, column, _l("Enter zero or more."))
            return None
        if value > maximum:
            self.error(row, column, _l("Enter at most %(n)d.", n=maximum))
            return None
        return value

    def flag(self, row, cells, column):
        text = cells.get(column, "").lower()
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        self.error(row, column, _l("Enter true or false."))
        return None


def _is_variant_row(cells: dict) -> bool:
    return any(cells.get(key) for key in VARIANT_KEYS)


def _url_ok(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def plan_import(tenant, parsed: ParsedFile, catalog: Catalog, progress=None) -> Plan:
    """Check every row and work out each product's final state; nothing is written."""
    errors = list(parsed.errors)
    reader = _Rows(parsed, tenant, errors)
    groups: dict[str, list] = {}
    for number, cells in parsed.rows:
        handle = _handle_of(cells)
        if not handle:
            reader.error(number, "handle", _l("Give each row a handle: the product's web address, such as kemeja-batik."))
            continue
        groups.setdefault(handle.lower(), []).append((number, cells))
    taken = set(catalog.slug_ids)
    plans, done, matched = [], 0, set()
    for handle_key, rows in groups.items():
        product_id = _match(_handle_of(rows[0][1]), catalog.slug_ids, catalog.redirects)
        existing = catalog.products.get(product_id) if product_id else None
        if existing is not None and existing.id in matched:
            reader.error(rows[0][0], "handle", _l("This handle names the same product as an earlier one in the file."))
            continue
        if existing is not None:
            matched.add(existing.id)
        plan = _plan_product(reader, rows, existing)
        if plan is not None:
            if existing is None:
                plan.slug = _new_slug(_handle_of(rows[0][1]), plan.fields.get("title", ""), taken)
                taken.add(plan.slug)
            plans.append(plan)
        done += len(rows)
        if progress is not None:
            progress(done)
    _check_skus(plans, catalog, reader)
    image_urls = {}
    for plan in plans:
        for url, _alt, row in plan.images:
            image_urls.setdefault(url, row)
    errors.sort(key=lambda e: (e["row"] or 0))
    return Plan(parsed.source_format, len(parsed.rows), plans, errors, image_urls)


def _handle_of(cells: dict) -> str:
    """A row's handle; a row without one is named by its title, as the builder names a new product."""
    return cells.get("handle", "") or slugify(cells.get("title", ""))


def handles_in(parsed: ParsedFile) -> set:
    return {h for h in (_handle_of(cells) for _n, cells in parsed.rows) if h}


def _new_slug(handle: str, title: str, taken: set) -> str:
    base = handle if SLUG_PATTERN.match(handle) and len(handle) <= 200 else (slugify(handle) or slugify(title) or "product")
    if base not in taken:
        return base
    for n in itertools.count(2):
        if f"{base}-{n}" not in taken:
            return f"{base}-{n}"


def _plan_product(reader: _Rows, rows: list, existing: ProductNow | None) -> ProductPlan | None:
    error_count = len(reader.errors)
    first_row, first = rows[0]
    has = reader.parsed.has
    fields = {}
    title = first.get("title", "")
    if existing is None or title:
        fields["title"] = title
    for column in ("description_html", "vendor", "seo_title", "seo_description"):
        if has(column):
            fields[column] = first.get(column, "")
    if "description_html" in fields:
        fields["description_html"] = sanitize_html(fields["description_html"])
    status = _status(reader, first_row, first, existing)
    if status:
        fields["status"] = status
    problems = check_product_fields(fields.get("title", existing.title if existing else ""), "",
                                     fields.get("seo_title"), fields.get("seo_description"), fields.get("vendor"))
    for column, message in problems.items():
        if column == "title" and existing is None and not title:
            message = _l("Give the new product a title.")
        reader.error(first_row, column, message)
    tags = None
    if has("tags"):
        try:
            tags = clean_tags(first.get("tags", ""))
        except CatalogError as error:
            reader.error(first_row, "tags", error.message)

    variant_rows = [(number, cells) for number, cells in rows if _is_variant_row(cells)]
    options, variants, removed = None, [], []
    if variant_rows:
        options, variants, removed = _plan_variants(reader, variant_rows, existing)
    elif existing is None:
        reader.error(first_row, "price", _l("Add a price for this new product."))

    images = _plan_images(reader, rows, existing, variants)
    if len(reader.errors) > error_count:
        return None
    plan = ProductPlan(handle=first.get("handle", ""), row=first_row, rows=[n for n, _c in rows], existing=existing,
                       fields=fields, tags=tags, options=options, variants=variants, remove_variant_ids=removed,
                       images=images)
    plan.changed = existing is None or _differs(plan, existing)
    return plan


def _status(reader, row, cells, existing) -> str | None:
    text = cells.get("status", "").lower()
    if text:
        if text not in {s.value for s in ProductStatus}:
            reader.error(row, "status", _l("Use one of: active, draft, archived."))
            return None
        return text
    if reader.shopify and cells.get("published"):
        return ProductStatus.ACTIVE.value if cells["published"].lower() in TRUE_WORDS else ProductStatus.DRAFT.value
    return None if existing is not None else ProductStatus.DRAFT.value


def _plan_variants(reader: _Rows, rows: list, existing: ProductNow | None):
    has = reader.parsed.has
    first_row, first = rows[0]
    option_columns = any(has(f"option{i}_name") for i in range(1, MAX_OPTIONS + 1))
    names = []
    if option_columns:
        for i in range(1, MAX_OPTIONS + 1):
            name = first.get(f"option{i}_name", "")
            if reader.shopify and i == 1 and name.lower() == "title" and first.get("option1_value", "").lower() == "default title":
                break
            names.append(name)
        while names and not names[-1]:
            names.pop()
    elif existing is not None and existing.options:
        reader.error(first_row, "option1_name", _l("This product has options (%(names)s); include the option columns "
                                                   "to update it.", names=", ".join(o["name"] for o in existing.options)))
        return None, [], []
    combos_by_row, values_in_order = [], [[] for _ in names]
    for number, cells in rows:
        combo = []
        for i, name in enumerate(names):
            value = re.sub(r"\s+", " ", cells.get(f"option{i + 1}_value", "")).strip()
            if not value:
                reader.error(number, f"option{i + 1}_value", _l("Give a value for %(name)s.", name=name or i + 1))
            combo.append(value)
            if value and value.lower() not in (v.lower() for v in values_in_order[i]):
                values_in_order[i].append(value)
        combos_by_row.append(tuple(combo))
    try:
        options = clean_options([{"name": n, "values": v} for n, v in zip(names, values_in_order)])
    except CatalogError as error:
        reader.error(first_row, "option1_name", error.message)
        return None, [], []
    if len(options) != len(names):
        reader.error(first_row, "option1_name", _l("Give each option a name, such as Ukuran or Warna."))
        return None, [], []
    if not options and len(rows) > 1:
        reader.error(rows[1][0], "option1_name", _l("This product has %(n)d rows with prices but no options to tell "
                                                    "them apart; add option columns.", n=len(rows)))
        return None, [], []
    by_combo = {}
    for (number, cells), combo in zip(rows, combos_by_row):
        key = tuple(v.lower() for v in combo)
        if key in by_combo:
            reader.error(number, "option1_value", _l("Row %(row)d already has the variant %(variant)s.",
                                                     row=by_combo[key][0], variant=" / ".join(combo)))
            continue
        by_combo[key] = (number, cells)

    # Existing variants, keyed by their values under the new option names (as set_options() matches them).
    old_names = [o["name"] for o in existing.options] if existing else []
    available, by_key = list(existing.variants) if existing else [], {}
    for variant in available:
        named = {n.lower(): v for n, v in zip(old_names, variant.values)}
        by_key.setdefault(tuple((named.get(o["name"].lower()) or "").lower() for o in options), variant)
    used = set()
    plans, template = [], None
    combos = list(itertools.product(*[o["values"] for o in options])) or [()]
    for position, combo in enumerate(combos):
        key = tuple(v.lower() for v in combo)
        current = by_key.get(key)
        if current is None and not options and available:
            current = available[0]  # no options: the first variant stays the one variant
        given = by_combo.get(key)
        if current is None and given is not None and given[1].get("sku"):
            sku = (clean_sku(given[1]["sku"]) or "").lower()  # renamed values: match the variant by its SKU
            current = next((v for v in available if v.sku and v.sku.lower() == sku and v.id not in used), None)
        if current is not None and current.id in used:
            current = None
        if current is not None:
            used.add(current.id)
        if given is not None:
            values, stock, image_url = _variant_values(reader, given[0], given[1], current)
            plans.append(VariantPlan(position, combo, current, values, stock, image_url, given[0]))
            if template is None:
                template = values
        else:
            plans.append(VariantPlan(position, combo, current, {}, None, None, None))
    for plan in plans:  # variants the file leaves out take the first given row's price and settings, as in the builder
        if plan.existing is None and plan.row is None and template is not None:
            plan.values = {k: template[k] for k in ("price", "compare_at_price", "cost", "weight_grams", "track_stock",
                                                    "allow_backorder") if k in template}
            plan.values.setdefault("track_stock", True)
            plan.values.setdefault("allow_backorder", False)
            plan.stock = 0
    removed = [v.id for v in available if v.id not in used]
    return options, plans, removed


def _variant_values(reader: _Rows, row: int, cells: dict, current: VariantNow | None):
    has = reader.parsed.has
    values = {"price": reader.money(row, cells, "price", required=True)}
    for column in ("compare_at_price", "cost"):
        if has(column):
            values[column] = reader.money(row, cells, column)
    if has("sku"):
        values["sku"] = clean_sku(cells.get("sku", "")) or None
    if has("barcode"):
        barcode = cells.get("barcode", "")
        if len(barcode) > 64:
            reader.error(row, "barcode", _l("Use at most %(max)d characters.", max=64))
        values["barcode"] = barcode[:64]
    if has("weight_grams"):
        text = cells.get("weight_grams", "")
        try:
            weight = Decimal(text) if text else Decimal(0)
            if not weight.is_finite():
                raise InvalidOperation
            grams = round(weight)
        except InvalidOperation:
            reader.error(row, "weight_grams", _l("%(value)s isn't a weight in grams.", value=text))
            grams = 0
        if not 0 <= grams <= 1_000_000:
            reader.error(row, "weight_grams", _l("Enter a weight in grams, up to 1,000,000."))
        values["weight_grams"] = int(grams)
    if reader.shopify:
        if has("inventory_tracker"):
            values["track_stock"] = bool(cells.get("inventory_tracker"))
        policy = cells.get("inventory_policy", "").lower()
        if policy in ("continue", "deny"):
            values["allow_backorder"] = policy == "continue"
    else:
        for column in ("track_stock", "allow_backorder"):
            flag = reader.flag(row, cells, column)
            if flag is not None:
                values[column] = flag
        if has("low_stock_threshold"):
            values["low_stock_threshold"] = reader.whole(row, cells, "low_stock_threshold")
    if current is None:
        values.setdefault("track_stock", True)
        values.setdefault("allow_backorder", False)
        values.setdefault("barcode", "")
        values.setdefault("weight_grams", 0)
    backorder = values.get("allow_backorder", current.allow_backorder if current else False)
    stock = reader.whole(row, cells, "stock", minimum=-MAX_STOCK if backorder else 0)
    if stock is None and current is None:
        stock = 0
    price, compare_at = values.get("price"), values.get("compare_at_price")
    if compare_at is not None and price is not None and compare_at <= price:
        if reader.shopify:
            values["compare_at_price"] = None  # Shopify shows no sale for it either
        else:
            reader.error(row, "compare_at_price", _l("The compare-at price must be higher than the price, or left empty."))
    image_url = cells.get("variant_image_url") or None
    return values, stock, image_url


def _plan_images(reader: _Rows, rows: list, existing: ProductNow | None, variants: list) -> list:
    wanted = []
    for number, cells in rows:
        url = cells.get("image_url", "")
        if url:
            position = reader.whole(number, cells, "image_position", minimum=0, maximum=10_000) if reader.shopify else None
            wanted.append((position if position is not None else 10_000 + len(wanted), url, cells.get("image_alt", "")[:255], number))
    wanted.sort(key=lambda item: item[0])
    for variant in variants:
        if variant.image_url and variant.image_url not in {w[1] for w in wanted}:
            wanted.append((20_000, variant.image_url, "", variant.row))
    known = set(existing.images) if existing else set()
    images, seen = [], set()
    for _position, url, alt, number in wanted:
        if url in seen or url in known:
            continue
        seen.add(url)
        if not _url_ok(url):
            reader.error(number, "image_url", _l("%(url)s isn't a web address (http:// or https://).", url=url[:200]))
            continue
        images.append((url, alt, number))
    room = MAX_IMAGES - len({v for v in (existing.images.values() if existing else [])})
    if len(images) > room:
        reader.error(images[room][2] if room >= 0 else rows[0][0], "image_url",
                     _l("A product can have at most %(n)d images.", n=MAX_IMAGES))
    return images


def _differs(plan: ProductPlan, now: ProductNow) -> bool:
    if any(getattr(now, k) != v for k, v in plan.fields.items()):
        return True
    if plan.tags is not None and {t.lower() for t in plan.tags} != {t.lower() for t in now.tags}:
        return True
    if plan.images or plan.remove_variant_ids:
        return True
    if plan.options is not None and plan.options != now.options:
        return True
    by_id = {v.id: v for v in now.variants}
    for variant in plan.variants:
        if variant.existing is None:
            return True
        current = by_id[variant.existing.id]
        if variant.stock is not None and variant.stock != current.stock:
            return True
        if any(getattr(current, k) != v for k, v in variant.values.items()):
            return True
        if variant.position != now.variants.index(current) or variant.combo != current.values[:len(variant.combo)]:
            return True
        if variant.image_url and now.images.get(variant.image_url) != current.image_id:
            return True
    return False


def _check_skus(plans: list, catalog: Catalog, reader: _Rows) -> None:
    """Every SKU must be unique in the store once the import is done: within the file and against other products."""
    freed = {vid for p in plans for vid in p.remove_variant_ids}
    freed |= {v.existing.id for p in plans for v in p.variants if v.existing is not None and "sku" in v.values}
    owners: dict[str, list] = {}
    for sku, (_product_id, variant_id) in catalog.skus.items():
        if variant_id not in freed:
            owners.setdefault(sku, []).append((("v", variant_id), None, sku))
    for plan in plans:
        for variant in plan.variants:
            sku = variant.values.get("sku")
            if sku:
                owner = ("v", variant.existing.id) if variant.existing else ("new", plan.handle, variant.position)
                owners.setdefault(sku.lower(), []).append((owner, variant.row, sku))
    for holders in owners.values():
        if len({owner for owner, _row, _sku in holders}) < 2:
            continue
        in_store = any(row is None for _owner, row, _sku in holders)
        in_file = sorted(row for _owner, row, _sku in holders if row is not None)
        for _owner, row, sku in holders:
            if row is None:
                continue
            if in_store:
                reader.error(row, "sku", _l("Another product in this store already has SKU %(sku)s.", sku=sku))
            else:
                others = ", ".join(str(r) for r in in_file if r != row)
                reader.error(row, "sku", _l("SKU %(sku)s is also on row %(rows)s; each SKU must be unique.",
                                            sku=sku, rows=others))


# Images named in the file: fetched during the check, kept in storage until the import is applied


class ImageFetchFailed(ValueError):
    pass


def _host_allowed(host: str) -> bool:
    if ALLOW_PRIVATE_IMAGE_HOSTS:
        return True
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return all(ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)


def fetch_image(url: str, timeout: float, limit: int) -> bytes:
    """The bytes at `url`: http(s) only, public hosts only, at most `limit` bytes, within `timeout` per step."""
    deadline = time.monotonic() + timeout * 3
    for _hop in range(4):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImageFetchFailed(_("This is not a web address (http:// or https://)."))
        if not _host_allowed(parts.hostname):
            raise ImageFetchFailed(_("This address can't be reached from Etalase."))
        try:
            with requests.get(url, timeout=timeout, stream=True, allow_redirects=False,
                              headers={"User-Agent": "Etalase product import"}) as response:
                if response.is_redirect and response.headers.get("location"):
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise ImageFetchFailed(_("The server answered with status %(code)d.", code=response.status_code))
                chunks, size = [], 0
                for chunk in response.iter_content(64 * 1024):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        raise ImageFetchFailed(_("The image is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
                    if time.monotonic() > deadline:
                        raise requests.Timeout()
                return b"".join(chunks)
        except requests.Timeout:
            raise ImageFetchFailed(_("No answer within %(s)s seconds.", s=f"{timeout:g}"))
        except requests.RequestException:
            raise ImageFetchFailed(_("The image couldn't be downloaded (no connection to the server)."))
    raise ImageFetchFailed(_("Too many redirects."))


def _image_key(tenant_id: int, transfer: CatalogTransfer, url: str) -> str:
    return f"{tenant_id}/imports/{transfer.id}/{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def fetch_images(transfer: CatalogTransfer, urls: dict, on_done, locale: str = "id") -> tuple[dict, list]:
    """Fetch each URL (a few at a time); returns {url: storage key} and [{row, url, message}] for the failures."""
    timeout = current_app.config.get("IMPORT_IMAGE_TIMEOUT", IMAGE_TIMEOUT)
    limit = current_app.config.get("MAX_UPLOAD_BYTES", MAX_FILE_BYTES)
    fetched, failed = {}, []
    app = current_app._get_current_object()

    def get(url):
        with app.app_context(), force_locale(locale):
            try:
                return url, fetch_image(url, timeout, limit), None
            except ImageFetchFailed as error:
                return url, None, str(error)

    items = list(urls.items())
    with ThreadPoolExecutor(max_workers=IMAGE_WORKERS) as pool:
        for count, (url, data, problem) in enumerate(pool.map(get, [u for u, _r in items]), start=1):
            if data is not None:
                try:
                    open_image(data)
                except ImageRejected as error:
                    problem = str(error)
                else:
                    key = _image_key(transfer.tenant_id, transfer, url)
                    storage().save(key, data, "application/octet-stream")
                    fetched[url] = key
            if problem:
                failed.append({"row": urls[url], "url": url, "message": problem})
            on_done(count)
    return fetched, failed


# Applying a plan: one transaction, written by the job that the merchant's confirmation queued


def apply_plan(tenant, plan: Plan, fetched: dict, user=None, progress=None) -> None:
    """Write a checked plan: the caller commits once (or rolls everything back)."""
    threshold = tenant.low_stock_threshold
    updates = [p for p in plan.products if p.existing is not None and p.changed]
    by_id = {p.id: p for p in load_products([u.existing.id for u in updates])}
    # First free every SKU that moves, so that swaps between variants don't trip the unique constraint.
    for product_plan in updates:
        variants = {v.id: v for v in by_id[product_plan.existing.id].variants}
        for variant_plan in product_plan.variants:
            if variant_plan.existing and "sku" in variant_plan.values:
                variant = variants[variant_plan.existing.id]
                if (variant.sku or None) != variant_plan.values["sku"]:
                    variant.sku = None
        for variant_id in product_plan.remove_variant_ids:
            variants[variant_id].sku = None
    db.session.flush()
    done, pending = 0, []
    for product_plan in plan.products:
        if product_plan.existing is None:
            product = Product(id=new_id(), tenant_id=tenant.id, slug=product_plan.slug, options=[],
                              title="", description_html="", vendor="", seo_title="", seo_description="",
                              status=ProductStatus.DRAFT)
            db.session.add(product)
            pending.extend(_apply_product(tenant, product, product_plan, fetched, user, threshold))
        elif product_plan.changed:
            product = by_id[product_plan.existing.id]
            pending.extend(_apply_product(tenant, product, product_plan, fetched, user, threshold))
        done += len(product_plan.rows)
        if len(pending) >= 1000:
            _finish(pending)
        if progress is not None:
            progress(done)
    _finish(pending)
    db.session.flush()
    for collection in db.session.scalars(select(Collection).where(Collection.kind == CollectionKind.AUTOMATED)):
        if collection.rules:
            collections.refresh_automated(collection)
    db.session.flush()


def _finish(pending: list) -> None:
    """Write a batch; the new variants' ledger entries follow them (nothing orders a variant before its entry)."""
    db.session.flush()
    for entry in pending:
        db.session.add(entry)
    pending.clear()


def _apply_product(tenant, product: Product, plan: ProductPlan, fetched: dict, user, threshold: int) -> list:
    """Bring one product to its planned state (the plan was checked; this only writes).

    Returns the ledger entries of new variants, to be added once the variants are flushed. Everything else is set
    before the first flush, so that a new row is one INSERT and not an INSERT followed by UPDATEs.
    """
    for name, value in plan.fields.items():
        setattr(product, name, ProductStatus(value) if name == "status" else (value.strip() if name != "description_html" else value))
    if plan.tags is not None:
        set_tags(product, plan.tags)
    variants = {v.id: v for v in product.variants}
    for variant_id in plan.remove_variant_ids:
        product.variants.remove(variants[variant_id])
    if plan.options is not None:
        product.options = plan.options
    images_by_url = dict(plan.existing.images) if plan.existing else {}
    new_images = [(url, alt) for url, alt, _row in plan.images if url in fetched]
    if new_images:
        db.session.flush()  # the product row must exist before its images
    for url, alt in new_images:
        media = store_image(tenant.id, storage().read(fetched[url]), "product", IMAGE_WIDTHS, original_name=url[:255])
        image = ProductImage(id=new_id(), tenant_id=tenant.id, product_id=product.id, media_id=media.id,
                             position=len(product.images), alt=(alt or "").strip()[:255])
        product.images.append(image)
        images_by_url[url] = image.id
    if new_images:
        db.session.flush()  # variants may point at the new images
    stock_changes = []
    note = _("CSV import")
    user_name = (getattr(user, "name", "") or getattr(user, "email", "") or "")[:255]
    for variant_plan in plan.variants:
        if variant_plan.existing is not None:
            variant = variants[variant_plan.existing.id]
        else:
            variant = Variant(id=new_id(), tenant_id=tenant.id, product_id=product.id, stock=0, barcode="",
                              weight_grams=0, track_stock=True, allow_backorder=False)
            product.variants.append(variant)
        for name, value in variant_plan.values.items():
            setattr(variant, name, value)
        if plan.options is not None:
            variant.position = variant_plan.position
            padded = list(variant_plan.combo) + [None] * (MAX_OPTIONS - len(variant_plan.combo))
            variant.option1, variant.option2, variant.option3 = padded
        if variant_plan.image_url and variant_plan.image_url in images_by_url:
            variant.image_id = images_by_url[variant_plan.image_url]
        if variant_plan.stock is not None:
            if variant_plan.existing is not None:
                adjust_stock(variant, variant_plan.stock, AdjustmentReason.IMPORTED, user=user, set_to=True,
                             refresh=False, note=note)
            elif variant_plan.stock:
                variant.stock = variant_plan.stock
                stock_changes.append(InventoryAdjustment(
                    id=new_id(), tenant_id=tenant.id, product_id=product.id, variant_id=variant.id,
                    user_id=getattr(user, "id", None), user_name=user_name, delta=variant_plan.stock,
                    quantity_after=variant_plan.stock, reason=AdjustmentReason.IMPORTED, note=note))
    product.variants.sort(key=lambda v: v.position)
    refresh_summary(product, threshold)
    product.updated_at = utcnow()
    return stock_changes


# Export


def export_rows(tenant, filters: ProductFilters, progress=None):
    """The CSV's rows (heading first): one per variant, with the product's fields on its first row and one image per row."""
    yield list(ETALASE_COLUMNS)
    ids = list(db.session.scalars(product_query(filters).with_only_columns(Product.id)))
    done = 0
    for chunk in _chunks(ids, 500):
        products = {p.id: p for p in load_products(chunk)}
        for product_id in chunk:
            product = products.get(product_id)
            if product is None:
                continue
            yield from _product_rows(tenant, product)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))


def _product_rows(tenant, product: Product):
    money = lambda amount: money_input(amount, tenant.currency, tenant.locale)  # noqa: E731
    images = [(image, export_image_url(tenant, image.media)) for image in product.images if image.media is not None]
    image_urls = {image.id: url for image, url in images}
    names = [o["name"] for o in product.options or []]
    for index in range(max(len(product.variants), len(images), 1)):
        row = dict.fromkeys(ETALASE_COLUMNS, "")
        row["handle"] = product.slug
        if index == 0:
            row.update(title=product.title, description_html=product.description_html,
                       status=ProductStatus(product.status).value, vendor=product.vendor, tags=", ".join(product.tags),
                       seo_title=product.seo_title, seo_description=product.seo_description)
        if index < len(product.variants):
            variant = product.variants[index]
            for i, name in enumerate(names):
                row[f"option{i + 1}_name"] = name
                row[f"option{i + 1}_value"] = variant.option_values[i] if i < len(variant.option_values) else ""
            row.update(sku=variant.sku or "", barcode=variant.barcode or "", price=money(variant.price),
                       compare_at_price=money(variant.compare_at_price), cost=money(variant.cost),
                       weight_grams=str(variant.weight_grams), stock=str(variant.stock),
                       track_stock="true" if variant.track_stock else "false",
                       allow_backorder="true" if variant.allow_backorder else "false",
                       low_stock_threshold="" if variant.low_stock_threshold is None else str(variant.low_stock_threshold),
                       variant_image_url=image_urls.get(variant.image_id, ""))
        if index < len(images):
            row["image_url"], row["image_alt"] = images[index][1], images[index][0].alt
        yield [safe_cell(row[c]) for c in ETALASE_COLUMNS]


def safe_cell(value: str) -> str:
    """Cells that a spreadsheet would run as a formula are written as text (CSV injection)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "@") or (value[:1] == "-" and not re.fullmatch(r"-?[\d.,]+", value)) else value


def template_csv(tenant) -> bytes:
    money = lambda amount: money_input(amount, tenant.currency, tenant.locale)  # noqa: E731
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ETALASE_COLUMNS)
    sample = dict.fromkeys(ETALASE_COLUMNS, "")
    rows = [
        dict(sample, handle="kemeja-batik-parang", title="Kemeja Batik Parang", description_html="<p>Katun halus.</p>",
             status="active", vendor="Batik Sari", tags="batik, pria", option1_name="Ukuran", option1_value="M",
             sku="KBP-M", price=money(15_000_000), weight_grams="250", stock="10", track_stock="true",
             allow_backorder="false"),
        dict(sample, handle="kemeja-batik-parang", option1_name="Ukuran", option1_value="L", sku="KBP-L",
             price=money(15_000_000), weight_grams="250", stock="5", track_stock="true", allow_backorder="false"),
    ]
    for row in rows:
        writer.writerow([row[c] for c in ETALASE_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


# Transfers: starting them (from the builder) and the jobs that run them


def progress_key(transfer: CatalogTransfer) -> str:
    return f"{transfer.tenant_id}:catalog-transfer:{transfer.id}:processed"


def _redis():
    from saas.jobs.queue import redis_for

    return redis_for(current_app)


def live_processed(transfer: CatalogTransfer) -> int:
    """How far the transfer has got: the database's count, or Redis's while an import is applied in one transaction."""
    processed = transfer.processed
    if transfer.status == TransferStatus.APPLYING and _redis() is not None:
        try:
            value = _redis().get(progress_key(transfer))
            processed = max(processed, int(value or 0))
        except Exception:  # progress is a nicety; a Redis hiccup mustn't break the page
            log.warning("reading import progress failed", exc_info=True)
    return min(processed, transfer.total) if transfer.total else processed


def start_export(tenant, user, filters: ProductFilters) -> CatalogTransfer:
    transfer = CatalogTransfer(id=new_id(), tenant_id=tenant.id, kind=TransferKind.EXPORT, status=TransferStatus.QUEUED,
                               user_id=getattr(user, "id", None), filters=filters.as_dict(), source_format="etalase",
                               filename=f"{tenant.slug}-products-{utcnow():%Y%m%d-%H%M}.csv", summary={})
    db.session.add(transfer)
    db.session.flush()
    enqueue("catalog.export", transfer.id, tenant_id=tenant.id)
    return transfer


def start_import(tenant, user, data: bytes, filename: str) -> CatalogTransfer:
    """Check the file's shape now (FileRejected says what is wrong), store it, and queue the dry run."""
    parsed = parse_csv(data)
    transfer = CatalogTransfer(id=new_id(), tenant_id=tenant.id, kind=TransferKind.IMPORT, status=TransferStatus.QUEUED,
                               user_id=getattr(user, "id", None), filename=(filename or "products.csv")[:255],
                               source_format=parsed.source_format, total=len(parsed.rows), summary={})
    transfer.file_key = f"{tenant.id}/imports/{transfer.id}/{hashlib.sha256(new_id().to_bytes(8, 'big')).hexdigest()[:16]}.csv"
    storage().save(transfer.file_key, data, "text/csv")
    db.session.add(transfer)
    db.session.flush()
    enqueue("catalog.import_check", transfer.id, tenant_id=tenant.id)
    return transfer


def confirm_import(transfer: CatalogTransfer) -> bool:
    """Queue the apply step once; False when the transfer isn't waiting for a confirmation (or has errors)."""
    if transfer.summary.get("error_count"):
        return False
    changed = db.session.execute(
        update(CatalogTransfer).where(CatalogTransfer.id == transfer.id, CatalogTransfer.status == TransferStatus.CHECKED)
        .values(status=TransferStatus.APPLYING, processed=0, total=transfer.summary.get("rows", transfer.total),
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        enqueue("catalog.import_apply", transfer.id, tenant_id=transfer.tenant_id)
    db.session.refresh(transfer)
    return bool(changed)


def cancel_import(transfer: CatalogTransfer) -> bool:
    changed = db.session.execute(
        update(CatalogTransfer).where(
            CatalogTransfer.id == transfer.id,
            CatalogTransfer.status.in_([TransferStatus.QUEUED, TransferStatus.CHECKING, TransferStatus.CHECKED]),
        ).values(status=TransferStatus.CANCELLED, finished_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(transfer)
    return bool(changed)


def recent_transfers(limit: int = 10) -> list[CatalogTransfer]:
    """The product imports and exports (order exports share the table and are listed with the orders)."""
    return list(db.session.scalars(
        select(CatalogTransfer).where(CatalogTransfer.source_format != "orders")
        .order_by(CatalogTransfer.created_at.desc(), CatalogTransfer.id.desc()).limit(limit)))


def get_transfer(transfer_id: int) -> CatalogTransfer | None:
    return db.session.scalar(select(CatalogTransfer).where(CatalogTransfer.id == transfer_id))


def _tenant_and_user(transfer):
    from saas.accounts.models import User
    from saas.tenants.models import Tenant

    tenant = db.session.get(Tenant, transfer.tenant_id)
    user = db.session.get(User, transfer.user_id) if transfer.user_id else None
    return tenant, user


def _set_status(transfer_id: int, from_statuses, **values) -> bool:
    """A conditional status change, committed: False when the transfer has moved on (e.g. was cancelled)."""
    changed = db.session.execute(
        update(CatalogTransfer).where(CatalogTransfer.id == transfer_id, CatalogTransfer.status.in_(list(from_statuses)))
        .values(updated_at=utcnow(), **values).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(changed)


def _fail(transfer_id: int, from_statuses, message: str) -> None:
    db.session.rollback()
    _set_status(transfer_id, from_statuses, status=TransferStatus.FAILED, error=message, finished_at=utcnow())


class _Progress:
    """Reports processed rows every PROGRESS_EVERY: committed to the transfer, or to Redis inside one transaction."""

    def __init__(self, transfer, statuses, to_redis=False):
        self.transfer_id, self.statuses, self.to_redis = transfer.id, statuses, to_redis
        self.key = progress_key(transfer)
        self.last = 0
        self.cancelled = False

    def __call__(self, processed: int, total: int | None = None, force: bool = False) -> None:
        if processed - self.last < PROGRESS_EVERY and not force:
            return
        self.last = processed
        if self.to_redis:
            connection = _redis()
            if connection is not None:
                try:
                    connection.set(self.key, processed, ex=24 * 3600)
                except Exception:
                    log.warning("writing import progress failed", exc_info=True)
            return
        values = {"processed": processed}
        if total is not None:
            values["total"] = total
        if not _set_status(self.transfer_id, self.statuses, **values):
            self.cancelled = True
            raise _Cancelled()


class _Cancelled(Exception):
    pass


def _user_locale(user) -> str:
    return getattr(user, "locale", None) or "id"


@task("catalog.export", queue="reports", retries=2, timeout=1800)
def export_products(transfer_id: int) -> None:
    """Write the filtered products to a CSV in storage. Safe to run twice: a finished export is left alone."""
    transfer = get_transfer(transfer_id)
    if transfer is None or transfer.kind != TransferKind.EXPORT or transfer.status in (TransferStatus.DONE,
                                                                                         TransferStatus.CANCELLED):
        return
    tenant, user = _tenant_and_user(transfer)
    running = (TransferStatus.QUEUED, TransferStatus.APPLYING, TransferStatus.FAILED)
    _set_status(transfer_id, running, status=TransferStatus.APPLYING, processed=0, error="")
    filters = ProductFilters.from_args(transfer.filters or {})
    progress = _Progress(transfer, (TransferStatus.APPLYING,))
    try:
        out = io.StringIO()
        writer = csv.writer(out)
        for row in export_rows(tenant, filters, progress=lambda done, total: progress(done, total, force=done == total)):
            writer.writerow(row)
        key = f"{tenant.id}/exports/{transfer.id}-{hashlib.sha256(new_id().to_bytes(8, 'big')).hexdigest()[:16]}.csv"
        storage().save(key, out.getvalue().encode("utf-8-sig"), "text/csv")
        old_key = get_transfer(transfer_id).file_key
        _set_status(transfer_id, (TransferStatus.APPLYING,), status=TransferStatus.DONE, file_key=key,
                    processed=progress.last, finished_at=utcnow())
        if old_key and old_key != key:
            storage().delete(old_key)
    except _Cancelled:
        return
    except Exception:
        with force_locale(_user_locale(user)):
            _fail(transfer_id, (TransferStatus.APPLYING,), _("The export failed. Try again in a few minutes."))
        raise


@task("catalog.import_check", queue="reports", retries=2, timeout=3600)
def check_import(transfer_id: int) -> None:
    """The dry run: plan every row and fetch the images, then wait for the merchant. Writes only the transfer."""
    transfer = get_transfer(transfer_id)
    if transfer is None or transfer.kind != TransferKind.IMPORT or transfer.status not in (
            TransferStatus.QUEUED, TransferStatus.CHECKING, TransferStatus.FAILED):
        return
    tenant, user = _tenant_and_user(transfer)
    with force_locale(_user_locale(user)):
        _check(transfer, tenant, user)


def _check(transfer, tenant, user) -> None:
    transfer_id = transfer.id
    checking = (TransferStatus.CHECKING,)
    if not _set_status(transfer_id, (TransferStatus.QUEUED, TransferStatus.CHECKING, TransferStatus.FAILED),
                       status=TransferStatus.CHECKING, processed=0, error=""):
        return
    try:
        try:
            parsed = parse_csv(storage().read(transfer.file_key))
        except FileRejected as error:
            _fail(transfer_id, checking, str(error))
            return
        catalog = load_catalog(tenant, handles_in(parsed))
        image_total = len({cells[k] for _n, cells in parsed.rows for k in ("image_url", "variant_image_url") if cells.get(k)})
        total = len(parsed.rows) + image_total
        _set_status(transfer_id, checking, total=total)
        progress = _Progress(transfer, checking)
        plan = plan_import(tenant, parsed, catalog, progress=progress)
        fetched, failed = {}, []
        if plan.image_urls and not plan.errors:
            # Images of a file that can't be imported aren't fetched: the merchant fixes the rows first.
            fetched, failed = fetch_images(transfer, plan.image_urls,
                                           lambda n: progress(len(parsed.rows) + n, force=n == len(plan.image_urls)),
                                           locale=_user_locale(user))
        summary = _summary(plan, fetched, failed, user)
        _set_status(transfer_id, checking, status=TransferStatus.CHECKED, processed=total, total=total, summary=summary)
    except _Cancelled:
        return
    except Exception:
        _fail(transfer_id, checking, _("The check failed. Try again in a few minutes."))
        raise


def _summary(plan: Plan, fetched: dict, failed: list, user) -> dict:
    counts = plan.counts
    return {
        **counts,
        "rows": plan.rows,
        "products": len(plan.products),
        "variants": sum(len(p.variants) for p in plan.products if p.changed),
        "error_count": len(plan.errors),
        "errors": plan.errors[:MAX_ERRORS_KEPT],
        "images": {"fetched": len(fetched), "failed": failed[:MAX_ERRORS_KEPT], "failed_count": len(failed)},
        "fetched": fetched,
        "locale": _user_locale(user),
    }


@task("catalog.import_apply", queue="reports", retries=0, timeout=3600)
def apply_import(transfer_id: int) -> None:
    """Apply a checked import in one transaction; only a transfer the merchant confirmed (status applying) runs."""
    transfer = get_transfer(transfer_id)
    if transfer is None or transfer.kind != TransferKind.IMPORT or transfer.status != TransferStatus.APPLYING:
        return
    tenant, user = _tenant_and_user(transfer)
    with force_locale(_user_locale(user)):
        _apply(transfer_id, tenant, user)


def _apply(transfer_id, tenant, user) -> None:
    applying = (TransferStatus.APPLYING,)
    # Lock the transfer for the whole transaction: a second run of this job waits here, then finds it done.
    transfer = db.session.scalar(select(CatalogTransfer).where(CatalogTransfer.id == transfer_id).with_for_update()
                                 .execution_options(populate_existing=True))
    if transfer is None or transfer.status != TransferStatus.APPLYING:
        db.session.rollback()
        return
    fetched = dict(transfer.summary.get("fetched") or {})
    progress = _Progress(transfer, applying, to_redis=True)
    try:
        parsed = parse_csv(storage().read(transfer.file_key))
        catalog = load_catalog(tenant, handles_in(parsed))
        plan = plan_import(tenant, parsed, catalog)
        if plan.errors:
            first = plan.errors[0]
            _fail(transfer_id, applying, _("Nothing was imported: the catalog changed since the check (row %(row)s: "
                                           "%(message)s). Upload the file again to check it anew.",
                                           row=first["row"] or "-", message=first["message"]))
            return
        apply_plan(tenant, plan, fetched, user=user, progress=progress)
        summary = dict(transfer.summary)
        summary.update(plan.counts)
        summary.pop("fetched", None)
        transfer.summary = summary
        transfer.status = TransferStatus.DONE
        transfer.processed = transfer.total = len(parsed.rows)
        transfer.finished_at = utcnow()
        db.session.commit()
    except FileRejected as error:
        _fail(transfer_id, applying, str(error))
        return
    except Exception:
        _fail(transfer_id, applying, _("The import failed part-way, so nothing was changed. Try again, or contact support "
                                       "if it keeps failing."))
        raise
    for key in fetched.values():
        try:
            storage().delete(key)
        except Exception:  # a leftover temporary file is harmless
            log.warning("deleting %s failed", key, exc_info=True)
