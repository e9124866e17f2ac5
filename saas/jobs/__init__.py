"""Background jobs on rq: tasks are registered by name, carry their store, and are enqueued after commit.

With no REDIS_URL the jobs run in-process right after the transaction commits, so a development
machine needs no Redis. `fakeredis://` gives a real rq queue on an in-memory server (the tests' default).
"""
import logging
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUES = ("default", "mail", "reports")
RETRY_INTERVALS = (10, 60, 300)  # seconds between attempts on a worker: 3 retries with back-off


@dataclass
class Task:
    name: str
    func: Callable
    queue: str = "default"
    retries: int = len(RETRY_INTERVALS)
    timeout: int = 180


@dataclass
class PendingJob:
    task: str
    tenant_id: int | None
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)


TASKS: dict[str, Task] = {}


def task(name: str, queue: str = "default", retries: int = len(RETRY_INTERVALS), timeout: int = 180):
    """Register a function as a job under a stable name; its arguments must be JSON-friendly."""

    def register(func):
        TASKS[name] = Task(name, func, queue, retries, timeout)
        return func

    return register


def enqueue(task_name: str, *args, tenant_id: int | None = None, **kwargs) -> None:
    """Queue a job to start once the current transaction commits; a rollback drops it."""
    from saas.extensions import db
    from saas.tenants.scoping import current_tenant_id

    if task_name not in TASKS:
        raise KeyError(f"unknown task {task_name!r}")
    if tenant_id is None:
        tenant_id = current_tenant_id()
    session = db.session()
    if not session.in_transaction():
        # Begin now: with no transaction, rollback() is a no-op and a later commit would release the job.
        session.begin()
    # Remember the (nested) transaction it belongs to, so rolling back a SAVEPOINT drops only its own jobs.
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault("pending_jobs", []).append((owner, PendingJob(task_name, tenant_id, list(args), kwargs)))


def init_app(app) -> None:
    from saas.jobs import queue as queue_backend

    queue_backend.init_app(app)

    @app.teardown_request
    def _run_ready(exc):
        if exc is None:
            queue_backend.run_ready_in_process()


@event.listens_for(Session, "after_commit")
def _release_after_commit(session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released, not committed: its jobs wait for the outermost commit
    pending = session.info.pop("pending_jobs", None)
    if pending:
        from saas.jobs import queue as queue_backend

        queue_backend.dispatch(current_app._get_current_object(), [job for _, job in pending])


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session, previous_transaction) -> None:
    pending = session.info.get("pending_jobs")
    if pending:
        session.info["pending_jobs"] = [(owner, job) for owner, job in pending
                                        if not _within(owner, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session, transaction) -> None:
    # The outermost transaction ended without a commit (close() fires no rollback event): drop what is left.
    if transaction.parent is None:
        session.info.pop("pending_jobs", None)


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


from saas.jobs import tasks as _tasks  # noqa: E402,F401  (registers the platform's tasks)
