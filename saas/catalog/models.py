"""What a store sells: products with their options, variants and images, collections, and the stock ledger."""
import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import db
from saas.orm import TenantScoped, UTCDateTime, string_enum, tenant_fk

MAX_OPTIONS = 3
MAX_VARIANTS = 100


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class StockState(enum.StrEnum):
    IN_STOCK = "in_stock"
    LOW = "low"
    OUT = "out"
    UNTRACKED = "untracked"


class Product(TenantScoped, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        Index("ix_products_tenant_updated", "tenant_id", "updated_at"),
        Index("ix_products_tenant_title", "tenant_id", "title"),
        Index("ix_products_tenant_status", "tenant_id", "status"),
        Index("ix_products_tenant_vendor", "tenant_id", "vendor"),
        Index("ix_products_tenant_sold", "tenant_id", "units_sold"),
    )

    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProductStatus] = mapped_column(string_enum(ProductStatus), default=ProductStatus.DRAFT)
    vendor: Mapped[str] = mapped_column(String(255), default="")
    seo_title: Mapped[str] = mapped_column(String(255), default="")
    seo_description: Mapped[str] = mapped_column(String(500), default="")
    # [{"name": "Ukuran", "values": ["S", "M"]}, …]: at most three; variants hold one value of each.
    options: Mapped[list] = mapped_column(JSON, default=list)
    # Kept in step with the variants by services.refresh_summary(), so the list sorts and filters on columns.
    price_min: Mapped[int] = mapped_column(BigInteger, default=0)
    price_max: Mapped[int] = mapped_column(BigInteger, default=0)
    on_sale: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    total_stock: Mapped[int] = mapped_column(Integer, default=0)
    stock_state: Mapped[StockState] = mapped_column(string_enum(StockState), default=StockState.UNTRACKED)
    variant_count: Mapped[int] = mapped_column(Integer, default=1)
    # Units on orders that weren't cancelled, less those returned on a refund (record_sales()), for the
    # storefront's "Best selling" sort.
    units_sold: Mapped[int] = mapped_column(Integer, default=0)
    # A space-separated copy of every variant's SKU and barcode, so one LIKE searches them with the title.
    search_codes: Mapped[str] = mapped_column(Text, default="")

    variants: Mapped[list["Variant"]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan",
        primaryjoin="and_(Variant.tenant_id == Product.tenant_id, Variant.product_id == Product.id)",
        overlaps="product",
    )
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan",
        primaryjoin="and_(ProductImage.tenant_id == Product.tenant_id, ProductImage.product_id == Product.id)",
        overlaps="product",
    )
    tag_rows: Mapped[list["ProductTag"]] = relationship(
        cascade="all, delete-orphan", order_by="ProductTag.tag",
        primaryjoin="and_(ProductTag.tenant_id == Product.tenant_id, ProductTag.product_id == Product.id)",
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def has_options(self) -> bool:
        return bool(self.options)

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductTag(TenantScoped, db.Model):
    __tablename__ = "product_tags"
    __table_args__ = (
        tenant_fk("product_id", "products"),
        UniqueConstraint("tenant_id", "product_id", "key"),
        Index("ix_product_tags_tenant_key", "tenant_id", "key"),
    )

    product_id: Mapped[int] = mapped_column(BigInteger)
    tag: Mapped[str] = mapped_column(String(64))  # as the merchant typed it
    key: Mapped[str] = mapped_column(String(64))  # lowercased: search and rules match on it through an index


class ProductImage(TenantScoped, db.Model):
    __tablename__ = "product_images"
    __table_args__ = (
        tenant_fk("product_id", "products"),
        tenant_fk("media_id", "media_files"),
        Index("ix_product_images_product", "tenant_id", "product_id", "position"),
    )

    product_id: Mapped[int] = mapped_column(BigInteger)
    media_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt: Mapped[str] = mapped_column(String(255), default="")

    product: Mapped[Product] = relationship(
        back_populates="images",
        primaryjoin="and_(ProductImage.tenant_id == Product.tenant_id, ProductImage.product_id == Product.id)",
        foreign_keys="[ProductImage.tenant_id, ProductImage.product_id]", overlaps="images",
    )
    media: Mapped["MediaFile"] = relationship(  # noqa: F821
        primaryjoin="and_(MediaFile.tenant_id == ProductImage.tenant_id, MediaFile.id == ProductImage.media_id)",
        foreign_keys="[ProductImage.tenant_id, ProductImage.media_id]", lazy="joined", viewonly=True,
    )


class Variant(TenantScoped, db.Model):
    __tablename__ = "variants"
    __table_args__ = (
        tenant_fk("product_id", "products"),
        # No ON DELETE: SET NULL would also null tenant_id (a key); services.remove_image() clears image_id first.
        ForeignKeyConstraint(["tenant_id", "image_id"], ["product_images.tenant_id", "product_images.id"]),
        UniqueConstraint("tenant_id", "sku"),
        Index("ix_variants_product", "tenant_id", "product_id", "position"),
        Index("ix_variants_tenant_barcode", "tenant_id", "barcode"),
    )

    product_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    option1: Mapped[str | None] = mapped_column(String(255))
    option2: Mapped[str | None] = mapped_column(String(255))
    option3: Mapped[str | None] = mapped_column(String(255))
    price: Mapped[int] = mapped_column(BigInteger, default=0)
    compare_at_price: Mapped[int | None] = mapped_column(BigInteger)
    cost: Mapped[int | None] = mapped_column(BigInteger)
    sku: Mapped[str | None] = mapped_column(String(64))  # NULL, not "", when absent: unique only when given
    barcode: Mapped[str] = mapped_column(String(64), default="")
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    image_id: Mapped[int | None] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    track_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_backorder: Mapped[bool] = mapped_column(Boolean, default=False)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer)  # None: the store's threshold

    product: Mapped[Product] = relationship(
        back_populates="variants",
        primaryjoin="and_(Variant.tenant_id == Product.tenant_id, Variant.product_id == Product.id)",
        foreign_keys="[Variant.tenant_id, Variant.product_id]", overlaps="variants",
    )

    @property
    def option_values(self) -> list[str]:
        return [value for value in (self.option1, self.option2, self.option3) if value is not None]

    @property
    def title(self) -> str:
        return " / ".join(self.option_values)


class AdjustmentReason(enum.StrEnum):
    RECEIVED = "received"
    CORRECTION = "correction"
    DAMAGED = "damaged"
    RETURNED = "returned"
    SOLD = "sold"
    ORDER_CANCELLED = "order_cancelled"
    INITIAL = "initial"
    IMPORTED = "imported"


class InventoryAdjustment(TenantScoped, db.Model):
    """One change to one variant's stock: the ledger that the product page shows."""

    shown_on_storefront = False
    __tablename__ = "inventory_adjustments"
    __table_args__ = (
        tenant_fk("variant_id", "variants"),
        Index("ix_inventory_adjustments_product", "tenant_id", "product_id", "created_at"),
    )

    product_id: Mapped[int] = mapped_column(BigInteger)  # for the history of a whole product; no FK (variant has it)
    variant_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)  # a users.id; None for jobs and orders
    user_name: Mapped[str] = mapped_column(String(255), default="")
    delta: Mapped[int] = mapped_column(Integer)
    quantity_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[AdjustmentReason] = mapped_column(string_enum(AdjustmentReason, 24))
    note: Mapped[str] = mapped_column(String(255), default="")


class SlugRedirect(TenantScoped, db.Model):
    """An old product or collection slug that answers with a 301 to the current one."""

    __tablename__ = "slug_redirects"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "old_slug"),)

    kind: Mapped[str] = mapped_column(String(16))  # "product" or "collection"
    old_slug: Mapped[str] = mapped_column(String(255))
    target_id: Mapped[int] = mapped_column(BigInteger)


class CollectionKind(enum.StrEnum):
    MANUAL = "manual"
    AUTOMATED = "automated"


class Collection(TenantScoped, db.Model):
    __tablename__ = "collections"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        ForeignKeyConstraint(["tenant_id", "image_media_id"], ["media_files.tenant_id", "media_files.id"]),
    )

    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str] = mapped_column(Text, default="")
    image_media_id: Mapped[int | None] = mapped_column(BigInteger)
    seo_title: Mapped[str] = mapped_column(String(255), default="")
    seo_description: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[CollectionKind] = mapped_column(string_enum(CollectionKind), default=CollectionKind.MANUAL)
    match_all: Mapped[bool] = mapped_column(Boolean, default=True)  # automated: all rules, or any rule
    product_count: Mapped[int] = mapped_column(Integer, default=0)

    rules: Mapped[list["CollectionRule"]] = relationship(
        cascade="all, delete-orphan", order_by="CollectionRule.position",
        primaryjoin="and_(CollectionRule.tenant_id == Collection.tenant_id, CollectionRule.collection_id == Collection.id)",
    )
    image: Mapped["MediaFile | None"] = relationship(  # noqa: F821
        primaryjoin="and_(MediaFile.tenant_id == Collection.tenant_id, MediaFile.id == Collection.image_media_id)",
        foreign_keys="[Collection.tenant_id, Collection.image_media_id]", viewonly=True,
    )

    @property
    def is_automated(self) -> bool:
        return self.kind == CollectionKind.AUTOMATED


class RuleField(enum.StrEnum):
    TAG = "tag"
    VENDOR = "vendor"
    PRICE = "price"
    STOCK = "stock"  # value: one of StockState


class RuleRelation(enum.StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    GREATER_THAN = "greater_than"
    LESS_THAN = "less_than"
    CONTAINS = "contains"


class CollectionRule(TenantScoped, db.Model):
    __tablename__ = "collection_rules"
    __table_args__ = (tenant_fk("collection_id", "collections"),)

    collection_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    field: Mapped[RuleField] = mapped_column(string_enum(RuleField))
    relation: Mapped[RuleRelation] = mapped_column(string_enum(RuleRelation))
    value: Mapped[str] = mapped_column(String(255))


class CollectionProduct(TenantScoped, db.Model):
    """A product in a collection: picked and ordered by hand, or matched by an automated collection's rules."""

    __tablename__ = "collection_products"
    __table_args__ = (
        tenant_fk("collection_id", "collections"),
        tenant_fk("product_id", "products"),
        UniqueConstraint("tenant_id", "collection_id", "product_id"),
        Index("ix_collection_products_product", "tenant_id", "product_id"),
        Index("ix_collection_products_order", "tenant_id", "collection_id", "position"),
    )

    collection_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)


class TransferKind(enum.StrEnum):
    EXPORT = "export"
    IMPORT = "import"


class TransferStatus(enum.StrEnum):
    QUEUED = "queued"
    CHECKING = "checking"  # import: the dry run is running
    CHECKED = "checked"  # import: the dry run is done; waiting for the merchant to confirm
    APPLYING = "applying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class CatalogTransfer(TenantScoped, db.Model):
    """A CSV export or import that runs as a job; the builder polls it for the progress bar."""

    shown_on_storefront = False
    __tablename__ = "catalog_transfers"
    __table_args__ = (Index("ix_catalog_transfers_recent", "tenant_id", "created_at"),)

    kind: Mapped[TransferKind] = mapped_column(string_enum(TransferKind))
    status: Mapped[TransferStatus] = mapped_column(string_enum(TransferStatus), default=TransferStatus.QUEUED)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(255), default="")
    file_key: Mapped[str | None] = mapped_column(String(500))  # the uploaded or exported CSV in storage
    source_format: Mapped[str] = mapped_column(String(16), default="")  # "etalase" or "shopify"; "orders" marks an orders export
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # export: the product list's filters
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    # {"create": n, "update": n, "errors": [{"row": 3, "column": "price", "message": "…"}], "images": [...]}
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 and self.status == TransferStatus.DONE else (
            min(100, round(100 * self.processed / self.total)) if self.total else 0
        )
