"""Platform records that operators read: the audit log."""
from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.orm import PlatformModel
from saas.extensions import db


class AuditEvent(PlatformModel, db.Model):
    """Who did what to which store, and when (created_at)."""

    __tablename__ = "audit_events"

    actor_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped["User | None"] = relationship()  # noqa: F821
    tenant: Mapped["Tenant | None"] = relationship()  # noqa: F821
