"""Background jobs that failed after their last retry, kept for operators to read and requeue."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.orm import PlatformModel, UTCDateTime
from saas.extensions import db


class FailedJob(PlatformModel, db.Model):
    __tablename__ = "failed_jobs"

    task: Mapped[str] = mapped_column(String(120))
    queue: Mapped[str] = mapped_column(String(40))
    tenant_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    args: Mapped[list] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    requeued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
