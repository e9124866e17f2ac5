"""Content pages and navigation menus (the main menu and the footer menu) of a store."""
import enum

from sqlalchemy import BigInteger, Boolean, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.extensions import db
from saas.orm import TenantScoped, string_enum, tenant_fk

MENU_HANDLES = ("main", "footer")


class Page(TenantScoped, db.Model):
    """A page of rich text at /pages/<slug>: About, Contact, FAQ, the store's policies …"""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"), Index("ix_pages_tenant_title", "tenant_id", "title"))

    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitized with nh3 when saved
    seo_title: Mapped[str] = mapped_column(String(255), default="")
    seo_description: Mapped[str] = mapped_column(String(500), default="")
    published: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Page {self.slug}>"


class Menu(TenantScoped, db.Model):
    """A navigation menu, found by its handle ("main" or "footer") like Shopify's link lists."""

    __tablename__ = "menus"
    __table_args__ = (UniqueConstraint("tenant_id", "handle"),)

    handle: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255), default="")


class LinkType(enum.StrEnum):
    HOME = "home"
    ALL_PRODUCTS = "all_products"
    COLLECTION = "collection"
    PRODUCT = "product"
    PAGE = "page"
    URL = "url"


class MenuItem(TenantScoped, db.Model):
    """One link of a menu; an item with a parent is nested under it (one level only)."""

    __tablename__ = "menu_items"
    __table_args__ = (
        tenant_fk("menu_id", "menus"),
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["menu_items.tenant_id", "menu_items.id"], ondelete="CASCADE"),
        Index("ix_menu_items_menu", "tenant_id", "menu_id", "position"),
    )

    menu_id: Mapped[int] = mapped_column(BigInteger)
    parent_id: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(255))
    link_type: Mapped[LinkType] = mapped_column(
        string_enum(LinkType)
    )
    # A collection, product or page id; no foreign key, since it points at one of three tables. A link to a
    # deleted target is skipped when the menu is shown.
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(2000), default="")  # for link_type "url"
