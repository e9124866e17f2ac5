"""A store's look as data: its theme, the draft being edited, and every published version."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.extensions import db
from saas.orm import TenantScoped, UTCDateTime


class ThemeVersion(TenantScoped, db.Model):
    """One published look, kept so that any earlier one can be restored with one click."""

    __tablename__ = "theme_versions"
    __table_args__ = (Index("ix_theme_versions_recent", "tenant_id", "published_at"),)

    theme: Mapped[str] = mapped_column(String(64))
    # {"settings": {...}, "templates": {"home": {"sections": {...}, "order": [...]}, ...}}
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[str] = mapped_column(String(255), default="")


class StoreTheme(TenantScoped, db.Model):
    """The row that says what a store shows and what is being edited (themes.store_theme() reads the oldest)."""

    __tablename__ = "store_themes"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "published_version_id"], ["theme_versions.tenant_id", "theme_versions.id"]),
    )

    published_version_id: Mapped[int | None] = mapped_column(BigInteger)
    draft_theme: Mapped[str | None] = mapped_column(String(64))  # None: no draft
    draft_data: Mapped[dict | None] = mapped_column(JSON)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Subscriber(TenantScoped, db.Model):
    """An email address left in a store's newsletter signup."""

    shown_on_storefront = False
    __tablename__ = "newsletter_subscribers"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(254))
