"""Where jobs go once their transaction commits: rq on Redis, or this process when there is no Redis."""
import logging
from contextvars import ContextVar

from rq import Queue, Retry

log = logging.getLogger(__name__)
_ready_in_process: ContextVar[list | None] = ContextVar("ready_in_process", default=None)
_fake_server = None


def init_app(app) -> None:
    app.extensions["etalase_redis"] = make_redis(app.config["REDIS_URL"])


def make_redis(url: str | None):
    """A Redis client for `url`; `fakeredis://` gives one in-memory server shared by this process."""
    global _fake_server
    if not url:
        return None
    if url.startswith("fakeredis://"):
        import fakeredis

        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
        return fakeredis.FakeRedis(server=_fake_server)
    from redis import Redis

    return Redis.from_url(url)


def redis_for(app):
    return app.extensions.get("etalase_redis")


def retry_intervals(app) -> list[int]:
    from saas.jobs import RETRY_INTERVALS

    return list(app.config.get("JOB_RETRY_INTERVALS", RETRY_INTERVALS))


def dispatch(app, pending) -> None:
    """Hand committed jobs to rq, or keep them to run in this process once the commit has returned."""
    from saas.jobs import TASKS

    connection = redis_for(app)
    if connection is None:
        ready = _ready_in_process.get()
        if ready is None:
            ready = []
            _ready_in_process.set(ready)
        ready.extend(pending)
        return
    for job in pending:
        task = TASKS[job.task]
        Queue(task.queue, connection=connection).enqueue(
            "saas.jobs.runner.run_from_rq",
            job.task,
            job.tenant_id,
            job.args,
            job.kwargs,
            # rq refuses Retry(max=0): a task registered with retries=0 gets one attempt and no Retry.
            retry=Retry(max=task.retries, interval=retry_intervals(app)[: task.retries] or 0) if task.retries else None,
            job_timeout=task.timeout,
            failure_ttl=30 * 24 * 3600,
        )


def run_ready_in_process() -> None:
    """Run the jobs that committed in this context when there is no Redis (the development default)."""
    from saas.jobs.runner import run_in_process

    ready = _ready_in_process.get()
    while ready:
        job = ready.pop(0)
        run_in_process(job.task, job.tenant_id, job.args, job.kwargs)
