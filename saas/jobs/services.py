"""What operators do with failed jobs: list them and queue them again."""
from sqlalchemy import select

from saas.accounts.models import User
from saas.orm import utcnow
from saas.extensions import db
from saas.jobs import enqueue
from saas.jobs.models import FailedJob
from saas.platform.models import AuditEvent


def failed_jobs_query(include_requeued: bool = False):
    statement = select(FailedJob).order_by(FailedJob.created_at.desc(), FailedJob.id.desc())
    if not include_requeued:
        statement = statement.where(FailedJob.requeued_at.is_(None))
    return statement


def get_failed_job(job_id: int) -> FailedJob | None:
    return db.session.get(FailedJob, job_id)


def requeue(job: FailedJob, actor: User) -> None:
    """Queue the same task with the same arguments once more (after the caller commits)."""
    enqueue(job.task, *job.args, tenant_id=job.tenant_id, **job.kwargs)
    job.requeued_at = utcnow()
    db.session.add(AuditEvent(actor_id=actor.id, tenant_id=job.tenant_id, action="job.requeued",
                              details={"task": job.task, "failed_job": str(job.id)}))
    db.session.flush()
