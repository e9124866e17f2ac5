"""The product list's query: search, filters and sort, shared by the builder list and the CSV export."""
from dataclasses import asdict, dataclass

from sqlalchemy import func, or_, select

from saas.catalog.models import CollectionProduct, Product, ProductStatus, ProductTag, StockState
from saas.ids import parse_id

SORTS = {
    "updated": Product.updated_at,
    "title": func.lower(Product.title),
    "price": Product.price_min,
    "stock": Product.total_stock,
}
STOCK_FILTERS = {"in_stock", "low", "out", "untracked"}


@dataclass
class ProductFilters:
    q: str = ""
    status: str = ""
    collection: str = ""  # a collection id, as text
    vendor: str = ""
    stock: str = ""
    sort: str = "updated"
    direction: str = "desc"

    @classmethod
    def from_args(cls, args) -> "ProductFilters":
        """From the query string; anything unknown falls back to the default instead of failing."""
        filters = cls(**{name: (args.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__})
        if filters.status not in {s.value for s in ProductStatus}:
            filters.status = ""
        if filters.stock not in STOCK_FILTERS:
            filters.stock = ""
        if parse_id(filters.collection) is None:  # above MAX_ID the driver would raise, not find nothing
            filters.collection = ""
        if filters.sort not in SORTS:
            filters.sort = "updated"
        if filters.direction not in ("asc", "desc"):
            filters.direction = "desc" if filters.sort == "updated" else "asc"
        return filters

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def active(self) -> bool:
        return any((self.q, self.status, self.collection, self.vendor, self.stock))


def product_query(filters: ProductFilters):
    """A select(Product) for the filters; the caller pages it."""
    statement = select(Product)
    if filters.q:
        needle = filters.q.lower()
        tagged = Product.id.in_(select(ProductTag.product_id).where(ProductTag.key == needle))
        statement = statement.where(or_(
            func.lower(Product.title).contains(needle, autoescape=True),
            Product.search_codes.contains(needle, autoescape=True),
            tagged,
        ))
    if filters.status:
        statement = statement.where(Product.status == ProductStatus(filters.status))
    if filters.vendor:
        statement = statement.where(func.lower(Product.vendor) == filters.vendor.lower())
    if filters.stock:
        statement = statement.where(Product.stock_state == StockState(filters.stock))
    if filters.collection:
        statement = statement.where(select(CollectionProduct.id).where(
            CollectionProduct.product_id == Product.id, CollectionProduct.collection_id == int(filters.collection)
        ).exists())
    column = SORTS[filters.sort]
    order = column.asc() if filters.direction == "asc" else column.desc()
    return statement.order_by(order, Product.id.desc())


def vendors() -> list[str]:
    from saas.extensions import db

    return list(db.session.scalars(
        select(Product.vendor).where(Product.vendor != "").group_by(Product.vendor).order_by(Product.vendor)
    ))
