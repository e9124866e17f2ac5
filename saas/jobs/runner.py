"""Runs one job: binds its store, calls the task, commits; on the last failed attempt records it for operators."""
import logging
import traceback
from contextlib import nullcontext

from flask import current_app, has_app_context

from saas.extensions import db
from saas.tenants.scoping import bound_tenant

log = logging.getLogger(__name__)
_worker_app = None


def _app():
    """The app for a worker process, made once and inherited by every forked job."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from saas import create_app

        _worker_app = create_app()
    return _worker_app


def execute(task_name: str, tenant_id: int | None, args: list, kwargs: dict) -> None:
    from saas.jobs import TASKS

    task = TASKS[task_name]
    with bound_tenant(tenant_id) if tenant_id is not None else nullcontext():
        task.func(*args, **kwargs)
        db.session.commit()


def record_failure(task_name, tenant_id, args, kwargs, error: str, attempts: int) -> None:
    from saas.jobs import TASKS
    from saas.jobs.models import FailedJob

    db.session.rollback()
    db.session.add(
        FailedJob(
            task=task_name,
            queue=TASKS[task_name].queue if task_name in TASKS else "default",
            tenant_id=tenant_id,
            args=args,
            kwargs=kwargs,
            error=error[-8000:],
            attempts=attempts,
        )
    )
    db.session.commit()
    log.error("job %s for tenant %s failed after %d attempts", task_name, tenant_id, attempts)


def run_from_rq(task_name: str, tenant_id: int | None, args: list, kwargs: dict) -> None:
    """The rq entry point; rq retries on raise, and the last attempt is also recorded."""
    from rq import get_current_job

    app = _app()
    ctx = app.app_context() if not has_app_context() else nullcontext()
    with ctx:
        try:
            execute(task_name, tenant_id, args, kwargs)
        except Exception:
            db.session.rollback()
            job = get_current_job()
            retries_left = job.retries_left if job is not None else 0
            if not retries_left:
                from saas.jobs import TASKS

                attempts = TASKS[task_name].retries + 1 if task_name in TASKS else 1
                record_failure(task_name, tenant_id, args, kwargs, traceback.format_exc(), attempts)
            raise


def run_in_process(task_name: str, tenant_id: int | None, args: list, kwargs: dict) -> bool:
    """Run now, retrying at once; a job that still fails is recorded, never raised into the request."""
    from saas.jobs import TASKS

    attempts = TASKS[task_name].retries + 1
    for attempt in range(1, attempts + 1):
        try:
            execute(task_name, tenant_id, args, kwargs)
            return True
        except Exception:
            db.session.rollback()
            error = traceback.format_exc()
            log.warning("job %s attempt %d of %d failed", task_name, attempt, attempts)
    record_failure(task_name, tenant_id, args, kwargs, error, attempts)
    return False
