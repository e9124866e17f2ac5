"""Model building blocks shared by every domain package: ids, timestamps, and the TenantScoped mixin."""
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, ForeignKeyConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from saas.extensions import db
from saas.ids import new_id


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite stores no zone, so one is put back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored; use saas.orm.utcnow()")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class PlatformModel(Timestamped):
    """A global table (tenants, users, memberships, audit): one id, readable across stores."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=new_id, autoincrement=False)


class TenantScoped(Timestamped):
    """A table owned by one store: primary key (tenant_id, id), filtered and stamped by the scoping listeners.

    Every unique constraint and foreign key between tenant tables must include tenant_id as well;
    tests/tenants/test_isolation.py checks that for every subclass.
    """

    # False for rows no storefront page displays, so changing them leaves the store's cached pages alone.
    shown_on_storefront: ClassVar[bool] = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )

    @declared_attr
    def id(cls) -> Mapped[int]:
        return mapped_column(BigInteger, primary_key=True, default=new_id, autoincrement=False)


def string_enum(cls, length: int = 16) -> Enum:
    """A Python enum stored as its values in a plain string column (no native enum type to migrate)."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def tenant_fk(column: str, target: str, ondelete: str = "CASCADE") -> ForeignKeyConstraint:
    """A composite foreign key (tenant_id, column) -> target(tenant_id, id): the database refuses cross-store links."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"], ondelete=ondelete)


def move_in_list(ordered: list, item, offset: int) -> None:
    """Move `item` up (-1) or down (+1) in `ordered` and renumber every row's `position`; past either end it
    stays put."""
    index = next(i for i, other in enumerate(ordered) if other.id == item.id)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, other in enumerate(ordered):
        other.position = position
