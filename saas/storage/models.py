"""Files a store uploaded, with the re-encoded renditions kept in storage."""
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.orm import TenantScoped
from saas.extensions import db


class MediaFile(TenantScoped, db.Model):
    # A page shows a file only once a product image, a theme setting or the store's logo names it, and
    # those changes drop the cached pages themselves; uploads alone (such as transfer receipts) don't.
    shown_on_storefront = False
    __tablename__ = "media_files"

    purpose: Mapped[str] = mapped_column(String(32))  # e.g. "logo"
    original_name: Mapped[str] = mapped_column(String(255), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # {"480": "<tenant_id>/logo/<id>-480.webp", ...}: storage keys by width, each starting with the tenant id
    renditions: Mapped[dict] = mapped_column(JSON, default=dict)
    alt: Mapped[str] = mapped_column(String(255), default="")
