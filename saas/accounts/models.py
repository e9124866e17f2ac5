"""People who sign in to the platform: merchant staff and operators."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.orm import PlatformModel, UTCDateTime
from saas.extensions import db


class User(UserMixin, PlatformModel, db.Model):
    __tablename__ = "users"

    # Stored lower-cased (see accounts.services.normalize_email), so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(8), default="id")
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on password change: every session that carries an older value is signed out.
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"
