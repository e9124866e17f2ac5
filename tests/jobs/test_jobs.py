"""Jobs on (fake or real) Redis: enqueued only after commit, run with their store bound, retried, and recorded."""
import pytest
from sqlalchemy import func, select

from saas.extensions import db
from saas.jobs import QUEUES, TASKS, enqueue, task
from saas.jobs.models import FailedJob
from saas.platform.models import AuditEvent
from saas.tenants.scoping import current_tenant_id

# What the test tasks did, by task; module-level so a worker's calls are observable here.
CALLS: dict[str, list] = {}
# How many more times "tests.flaky" fails before it succeeds; "tests.until_fixed" fails while broken.
STATE = {"flaky_failures": 0, "broken": True}


@task("tests.record_tenant")
def record_tenant(label):
    CALLS.setdefault("record_tenant", []).append((label, current_tenant_id()))


@task("tests.flaky")
def flaky(label):
    CALLS.setdefault("flaky", []).append(label)
    if STATE["flaky_failures"] > 0:
        STATE["flaky_failures"] -= 1
        raise RuntimeError("flaky failure")


@task("tests.always_fails")
def always_fails(label):
    CALLS.setdefault("always_fails", []).append(label)
    raise RuntimeError(f"the payment gateway said no to {label}")


@task("tests.until_fixed")
def until_fixed(label):
    CALLS.setdefault("until_fixed", []).append((label, current_tenant_id()))
    if STATE["broken"]:
        raise RuntimeError("still broken")


@task("tests.no_retry", retries=0)
def no_retry(label):
    CALLS.setdefault("no_retry", []).append(label)
    raise RuntimeError("not safe to repeat")


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()
    STATE.update(flaky_failures=0, broken=True)


def _queued_count(app):
    from rq import Queue

    from saas.jobs.queue import redis_for

    return sum(Queue(name, connection=redis_for(app)).count for name in QUEUES)


def _failed_jobs(ctx):
    with ctx() as session:
        return [(j.task, j.tenant_id, j.args, j.attempts, j.error, j.requeued_at) for j in
                session.scalars(select(FailedJob).order_by(FailedJob.id))]


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(app, ctx, run_jobs, create_user):
    """A rollback drops the job, even when no SQL ran before it and the session commits later."""
    from saas.accounts.models import User

    user = create_user()
    with ctx():
        enqueue("tests.record_tenant", "before-any-sql")
        db.session.rollback()
        # The same session commits afterwards; the dropped job must not ride along with it.
        db.session.commit()
    with ctx():
        db.session.get(User, user.id).name = "Changed"
        enqueue("tests.record_tenant", "after-a-flush")
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert _queued_count(app) == 0
    run_jobs()
    assert CALLS == {}


def test_a_committed_job_runs_with_its_store_bound(app, ctx, run_jobs, create_store):
    """The job picks up the store bound when it was enqueued, and runs only once committed."""
    store = create_store()
    with ctx(store.id):
        enqueue("tests.record_tenant", "committed")
        # Nothing reaches the queue before the commit.
        assert _queued_count(app) == 0
        db.session.commit()
    assert _queued_count(app) == 1
    assert CALLS == {}
    run_jobs()
    assert CALLS["record_tenant"] == [("committed", store.id)]
    assert current_tenant_id() is None


def test_a_job_in_a_released_savepoint_waits_for_the_real_commit(app, ctx, run_jobs):
    """Releasing a SAVEPOINT is not a commit: the job waits, and is dropped if the outer transaction rolls back."""
    with ctx():
        with db.session.begin_nested():
            enqueue("tests.record_tenant", "inside-savepoint")
        assert _queued_count(app) == 0
        db.session.rollback()
        db.session.commit()
    run_jobs()
    assert CALLS == {}


def test_rolling_back_a_savepoint_keeps_the_outer_transactions_jobs(app, ctx, run_jobs):
    """Only the jobs enqueued inside a rolled-back savepoint are dropped; the outer ones still run."""
    with ctx():
        enqueue("tests.record_tenant", "outer")
        savepoint = db.session.begin_nested()
        enqueue("tests.record_tenant", "inner")
        savepoint.rollback()
        db.session.commit()
    run_jobs()
    assert [label for label, _ in CALLS["record_tenant"]] == ["outer"]


def test_enqueueing_an_unknown_task_fails_at_once(ctx):
    """A typo in a task name is an error where it is made, not a lost job later."""
    with ctx(), pytest.raises(KeyError):
        enqueue("tests.no-such-task")


def test_a_task_that_fails_twice_then_succeeds_is_retried(app, ctx, run_jobs):
    """On a worker the retries (0 s apart in tests) come in the same burst; nothing is recorded as failed."""
    STATE["flaky_failures"] = 2
    with ctx():
        enqueue("tests.flaky", "order-7")
        db.session.commit()
    run_jobs()
    assert CALLS["flaky"] == ["order-7"] * 3
    assert _failed_jobs(ctx) == []
    assert _queued_count(app) == 0


def test_a_task_that_always_fails_is_recorded_after_its_last_attempt(app, ctx, run_jobs, create_store):
    """Every attempt is made, then one FailedJob row keeps the error, the attempt count and the store."""
    store = create_store()
    with ctx(store.id):
        enqueue("tests.always_fails", "order-9")
        db.session.commit()
    run_jobs()
    attempts = TASKS["tests.always_fails"].retries + 1
    assert CALLS["always_fails"] == ["order-9"] * attempts
    [(name, tenant_id, args, recorded_attempts, error, requeued_at)] = _failed_jobs(ctx)
    assert (name, tenant_id, args, recorded_attempts, requeued_at) == (
        "tests.always_fails", store.id, ["order-9"], attempts, None)
    assert "RuntimeError: the payment gateway said no to order-9" in error


def test_a_task_without_retries_can_be_enqueued_and_fails_once(app, ctx, run_jobs):
    """retries=0 means one attempt: the job still reaches the queue and is recorded after that attempt."""
    with ctx():
        enqueue("tests.no_retry", "charge-1")
        db.session.commit()
    run_jobs()
    assert CALLS["no_retry"] == ["charge-1"]
    [(name, _, _, attempts, error, _)] = _failed_jobs(ctx)
    assert (name, attempts) == ("tests.no_retry", 1)
    assert "not safe to repeat" in error


def test_an_operator_sees_a_failed_job_and_requeues_it(app, client, ctx, run_jobs, create_store, create_user, login):
    """/operator/jobs lists the failure; Requeue runs it again for the same store and is audited."""
    store = create_store()
    with ctx(store.id):
        enqueue("tests.until_fixed", "invoice-3")
        db.session.commit()
    run_jobs()
    with ctx() as session:
        failed = session.scalars(select(FailedJob)).one()
        failed_id = failed.id
    operator = create_user(is_operator=True)
    login(client, operator)

    page = client.get("/operator/jobs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "tests.until_fixed" in html
    assert "RuntimeError: still broken" in html
    assert f"{TASKS['tests.until_fixed'].retries + 1} attempts" in html
    assert f"/operator/jobs/{failed_id}/requeue" in html

    # The cause is fixed, then the operator requeues.
    STATE["broken"] = False
    CALLS.clear()
    response = client.post(f"/operator/jobs/{failed_id}/requeue")
    assert response.status_code == 302
    assert _queued_count(app) == 1
    run_jobs()
    assert CALLS["until_fixed"] == [("invoice-3", store.id)]

    with ctx() as session:
        job = session.get(FailedJob, failed_id)
        assert job.requeued_at is not None
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "job.requeued")).one()
        assert (event.actor_id, event.tenant_id, event.details["failed_job"]) == (operator.id, store.id, str(failed_id))
    # A requeued job leaves the default list but stays visible with show=all.
    assert f"/operator/jobs/{failed_id}/requeue" not in client.get("/operator/jobs").get_data(as_text=True)
    assert "tests.until_fixed" in client.get("/operator/jobs?show=all").get_data(as_text=True)


def test_a_non_operator_cannot_requeue(app, client, ctx, run_jobs, create_user, login):
    """The requeue POST is 404 for a merchant, and the job stays as it was."""
    with ctx():
        enqueue("tests.always_fails", "x")
        db.session.commit()
    run_jobs()
    with ctx() as session:
        failed_id = session.scalar(select(FailedJob.id))
    CALLS.clear()
    login(client, create_user())
    assert client.post(f"/operator/jobs/{failed_id}/requeue").status_code == 404
    assert _queued_count(app) == 0
    with ctx() as session:
        assert session.get(FailedJob, failed_id).requeued_at is None
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
