"""What storefront pages show: the chosen variant, collection pages with filters and sorting, search."""
import functools
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select

from saas.catalog.collection_page import PageCollection
from saas.catalog.models import Collection, CollectionProduct, Product, ProductStatus, StockState, Variant
from saas.catalog import cards
from saas.catalog.services import can_sell
from saas.extensions import db
from saas.money import MoneyError, money_input, parse_money
from saas.platform.pagination import paginate_counted
from saas.ids import parse_id
from saas.sql_json import json_rows, json_value
from saas.tenants.prepared import PreparedRead

PER_PAGE = 24


def N_(message: str) -> str:
    """Marks a message for the catalogs (Babel's gettext_noop keyword); it is translated where it is shown."""
    return message


SORTS = {
    "featured": N_("Featured"),
    "best-selling": N_("Best selling"),
    "price-asc": N_("Price, low to high"),
    "price-desc": N_("Price, high to low"),
    "newest": N_("Newest"),
    "title": N_("Name, A to Z"),
}


class Lazy:
    """A list fetched on first use: the layout offers it to every section, but most pages never read it."""

    def __init__(self, load):
        self._load, self._items = load, None

    def _list(self) -> list:
        if self._items is None:
            self._items = self._load()
        return self._items

    def __iter__(self):
        return iter(self._list())

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())

    def __bool__(self) -> bool:
        return bool(self._list())


class AllProducts:
    """The /collections/all pseudo-collection: every active product."""

    id = None
    slug = "all"
    description_html = ""
    seo_title = ""
    seo_description = ""

    def __init__(self, title):
        self.title = title


def sort_options(gettext=_):
    """(key, label) of every sort, translated with `gettext` (a page's bound one is cheaper than Flask-Babel's)."""
    return [(key, gettext(label)) for key, label in SORTS.items()]


@dataclass
class CollectionFilters:
    sort: str = "featured"
    available: bool = False
    min_price: int | None = None
    max_price: int | None = None
    min_text: str = ""
    max_text: str = ""
    vendors: list = field(default_factory=list)
    options: list = field(default_factory=list)  # ["Ukuran:M", …]

    @classmethod
    def from_args(cls, args, tenant) -> "CollectionFilters":
        """From the query string; anything malformed is ignored rather than failing."""
        filters = cls()
        sort = args.get("sort", "featured")
        filters.sort = sort if sort in SORTS else "featured"
        filters.available = args.get("available") == "1"
        for name in ("min", "max"):
            text = (args.get(name) or "").strip()[:20]
            try:
                amount = parse_money(text, tenant.currency, tenant.locale)
            except MoneyError:
                amount = None
            if amount is not None:
                setattr(filters, f"{name}_price", amount)
                setattr(filters, f"{name}_text", money_input(amount, tenant.currency, tenant.locale))
        filters.vendors = [v[:255] for v in args.getlist("vendor")[:20] if v]
        filters.options = [o[:300] for o in args.getlist("opt")[:30] if ":" in o]
        return filters

    @property
    def active(self) -> bool:
        return bool(self.available or self.min_price is not None or self.max_price is not None or self.vendors
                    or self.options)

    @property
    def count(self) -> int:
        return (int(self.available) + int(self.min_price is not None or self.max_price is not None)
                + len(self.vendors) + len(self.options))

    def as_args(self) -> dict:
        args = {"sort": self.sort} if self.sort != "featured" else {}
        if self.available:
            args["available"] = "1"
        if self.min_text:
            args["min"] = self.min_text
        if self.max_text:
            args["max"] = self.max_text
        if self.vendors:
            args["vendor"] = self.vendors
        if self.options:
            args["opt"] = self.options
        return args


def _active_products(in_collection: bool, *columns, collection_id=None):
    """Columns of the active products, of the collection named by :collection_id (or by the collection_id
    expression given) when in_collection."""
    statement = select(*columns).where(Product.status == ProductStatus.ACTIVE)
    if in_collection:
        collection_id = bindparam("collection_id") if collection_id is None else collection_id
        statement = statement.join(CollectionProduct, CollectionProduct.product_id == Product.id).where(
            CollectionProduct.collection_id == collection_id)
    return statement


MAX_OPTION_FILTERS = 6  # option names a page filters on at once (the filter offers at most six)


@functools.lru_cache(maxsize=512)
def _listing_statements(in_collection: bool, sort: str, available: bool, min_price: bool, max_price: bool,
                        vendors: bool, option_groups: int) -> tuple:
    """(page, count) statements for one kind of collection page, built once per process: the values of its
    collection, filters and page are parameters, so each statement is also compiled and scoped only once. Each
    row of the page ends with the count (worked out once per statement), so a page needs no statement of its own
    to count (paginate_counted)."""
    statement = _active_products(in_collection, *cards.COLUMNS)
    if available:
        statement = statement.where(Product.stock_state != StockState.OUT)
    if min_price:
        statement = statement.where(Product.price_max >= bindparam("min_price"))
    if max_price:
        statement = statement.where(Product.price_min <= bindparam("max_price"))
    if vendors:
        statement = statement.where(func.lower(Product.vendor).in_(bindparam("vendors", expanding=True)))
    for group in range(option_groups):
        # A variant holds an option's value in option1..3; matching any of the three keeps the query simple.
        values = [bindparam(f"option_values_{group}_{n}", expanding=True) for n in (1, 2, 3)]
        statement = statement.where(select(Variant.id).where(
            Variant.product_id == Product.id,
            or_(Variant.option1.in_(values[0]), Variant.option2.in_(values[1]), Variant.option3.in_(values[2])),
        ).exists())
    order = {
        "featured": [CollectionProduct.position, Product.created_at.desc()] if in_collection
        else [Product.created_at.desc()],
        "best-selling": [Product.units_sold.desc()],
        "price-asc": [Product.price_min.asc()],
        "price-desc": [Product.price_min.desc()],
        "newest": [Product.created_at.desc()],
        "title": [func.lower(Product.title)],
    }[sort]
    count = select(func.count()).select_from(statement.subquery())
    page = (statement.add_columns(cards.first_pictures(), count.scalar_subquery())
            .order_by(*order, Product.id.desc()).limit(bindparam("limit")).offset(bindparam("offset")))
    return page, count


def collection_page(collection, filters: CollectionFilters, page_arg):
    by_option: dict[str, list] = {}
    for pair in filters.options:
        name, _, value = pair.partition(":")
        if name in by_option or len(by_option) < MAX_OPTION_FILTERS:
            by_option.setdefault(name, []).append(value)
    page, count = _listing_statements(
        collection.id is not None, filters.sort, filters.available, filters.min_price is not None,
        filters.max_price is not None, bool(filters.vendors), len(by_option))
    params = {"collection_id": collection.id, "min_price": filters.min_price, "max_price": filters.max_price,
              "vendors": [v.lower() for v in filters.vendors]}
    for group, values in enumerate(by_option.values()):
        params.update({f"option_values_{group}_{n}": values for n in (1, 2, 3)})
    if filters.vendors or by_option:  # lists of values (IN): the ORM expands them
        return paginate_counted(lambda **values: db.session.execute(page, values).all(),
                                lambda **values: db.session.scalar(count, values),
                                params, page_arg, PER_PAGE, load=cards.from_rows)
    read_page, read_count = _prepared_listing(page, count)
    return paginate_counted(read_page.rows, lambda **values: read_count.first(**values)[0], params, page_arg,
                            PER_PAGE, load=cards.from_rows)


@functools.lru_cache(maxsize=512)
def _prepared_listing(page, count) -> tuple[PreparedRead, PreparedRead]:
    """The prepared reads of one kind of collection page without value lists, built once per process."""
    return PreparedRead(page), PreparedRead(count)


def _choice_columns(in_collection: bool, collection_id=None) -> tuple:
    """The option lists and the vendors of the active products (of the collection, when in_collection) as two
    JSON arrays of rows (sql_json), the vendors numbered in the database's own order."""
    options = _active_products(in_collection, Product.options, collection_id=collection_id).limit(500)
    vendors = (_active_products(in_collection, func.row_number().over(order_by=Product.vendor).label("rank"),
                                Product.vendor, collection_id=collection_id)
               .where(Product.vendor != "").group_by(Product.vendor).order_by(Product.vendor).limit(50))
    if collection_id is not None:
        options, vendors = options.correlate(Collection), vendors.correlate(Collection)
    options, vendors = options.subquery(), vendors.subquery()
    return (select(json_rows(json_value(options.c.options))).scalar_subquery(),
            select(json_rows(vendors.c.rank, vendors.c.vendor)).scalar_subquery())


@functools.cache
def _all_products_choices_read() -> PreparedRead:
    """Built once per process."""
    return PreparedRead(select(*_choice_columns(False)))


@functools.cache
def _collection_read() -> PreparedRead:
    """A collection page's collection, by its slug, and its filter's choices: one statement built once per
    process."""
    return PreparedRead(select(*(getattr(Collection, name) for name in PageCollection._fields),
                               *_choice_columns(True, Collection.id)).where(Collection.slug == bindparam("slug")))


def collection_for_page(slug: str) -> tuple[PageCollection, tuple[list[dict], list[str]]] | None:
    """The collection with this slug and what its page's filter offers (as filter_choices()), or None."""
    row = _collection_read().first(slug=slug)
    if row is None:
        return None
    *columns, option_rows, vendor_rows = row
    return PageCollection(*columns), _choices(option_rows, vendor_rows)


def filter_choices() -> tuple[list[dict], list[str]]:
    """What the filter of /collections/all offers: the active products' option names with their values, and
    their vendors."""
    return _choices(*_all_products_choices_read().first())


def _choices(option_rows, vendor_rows) -> tuple[list[dict], list[str]]:
    merged: dict[str, list] = {}
    for (options,) in option_rows or ():
        for option in options or []:
            values = merged.setdefault(option["name"], [])
            values.extend(v for v in option["values"] if v not in values)
    options = [{"name": name, "values": values[:40]} for name, values in list(merged.items())[:MAX_OPTION_FILTERS]]
    return options, [vendor for _rank, vendor in sorted(vendor_rows or ())]


def chosen_variant(product: Product, args) -> Variant:
    """The variant named by ?variant=, else by option1..3 (the no-JS picker), else the first available."""
    variants = product.variants
    wanted = args.get("variant", "")
    if parse_id(wanted) is not None:
        found = next((v for v in variants if v.id == parse_id(wanted)), None)
        if found:
            return found
    picked = [args.get(f"option{i}") for i in range(1, 4)]
    if any(picked):
        found = next((v for v in variants if v.option_values == [p for p in picked[: len(v.option_values)]]), None)
        if found:
            return found
    return next((v for v in variants if can_sell(v)), variants[0])


def availability_text(variant: Variant, tenant, gettext=_) -> str:
    if not variant.track_stock:
        return gettext("In stock")
    if variant.stock <= 0:
        return gettext("Available to order") if variant.allow_backorder else gettext("Sold out")
    threshold = variant.low_stock_threshold if variant.low_stock_threshold is not None else tenant.low_stock_threshold
    if variant.stock <= threshold:
        return gettext("Only %(n)d left", n=variant.stock)
    return gettext("In stock")


def variants_json(product: Product, tenant, gettext=_) -> str:
    """The variants for the picker script; `<` is escaped so that merchant text can't close the script tag."""
    from saas.templating import money_formatter

    money = money_formatter(tenant.currency)
    data = [{
        "id": str(v.id), "options": v.option_values, "price": money(v.price),
        "compare_at": money(v.compare_at_price) if v.compare_at_price and v.compare_at_price > v.price else "",
        "available": can_sell(v),
        "availability": availability_text(v, tenant, gettext), "image": str(v.image_id or ""), "sku": v.sku or "",
    } for v in product.variants]
    text = json.dumps({"variants": data, "sold_out": gettext("Sold out"), "add": gettext("Add to cart")},
                      ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def _related_statements() -> tuple:
    """Built once per process (the tenant filter is added when they run): neighbours, then the newest."""
    in_same = select(CollectionProduct.collection_id).where(CollectionProduct.product_id == bindparam("product_id"))
    neighbours = select(CollectionProduct.product_id).where(CollectionProduct.collection_id.in_(in_same))
    others = (cards.select_cards().where(Product.id != bindparam("product_id"), Product.status == ProductStatus.ACTIVE)
              .limit(bindparam("limit")))
    return (cards.PreparedCards(others.where(Product.id.in_(neighbours)).order_by(Product.id.desc())),
            cards.PreparedCards(others.order_by(Product.created_at.desc())))


class RelatedCards:
    """related() for the recommendations fragment, read on first use with as many cards as the section shows: it
    asks for related[:n] and gets n (up to MAX_RELATED); iterating it as a whole gives the first DEFAULT_RELATED."""

    DEFAULT_RELATED = 8
    MAX_RELATED = 48
    performed = True

    def __init__(self, product_id: int):
        self.product_id = product_id
        self._loaded: dict[int, list] = {}

    def _first(self, limit: int) -> list:
        limit = max(0, min(int(limit), self.MAX_RELATED))
        if limit not in self._loaded:
            self._loaded[limit] = related(self.product_id, limit) if limit else []
        return self._loaded[limit]

    def __getitem__(self, index):
        if isinstance(index, slice) and not index.start and index.step is None and isinstance(index.stop, int) \
                and index.stop >= 0:
            return self._first(index.stop)
        return self._first(self.DEFAULT_RELATED)[index]

    def __iter__(self):
        return iter(self._first(self.DEFAULT_RELATED))

    def __len__(self) -> int:
        return len(self._first(self.DEFAULT_RELATED))

    def __bool__(self) -> bool:
        return bool(self._first(self.DEFAULT_RELATED))


class RelatedLater(tuple):
    """`related` on the product page itself: no cards yet. The section leaves a placeholder that store.js fills
    from /recommendations/products once the page has loaded, as Shopify's themes do, so building the product page
    doesn't wait on its neighbours."""

    performed = False


def related(product_id: int, limit: int = 8) -> list[cards.Card]:
    """Other active products from the product's collections, else the newest ones, as cards."""
    same_collections, newest = _related_statements()
    return same_collections(product_id=product_id, limit=limit) or newest(product_id=product_id, limit=limit)


def search(query: str) -> tuple[list, int, str | None]:
    """Ranked results from the full-text index, and a suggestion when nothing matched."""
    from saas.catalog import fulltext

    if not query:
        return [], 0, None
    results, total = fulltext.search_cards(query, limit=PER_PAGE)
    return results, total, (fulltext.suggest(query) if not results else None)
