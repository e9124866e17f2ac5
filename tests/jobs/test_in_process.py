"""With no REDIS_URL (the development default) jobs run in this process, after the request's commit."""
import pytest
from flask import abort
from sqlalchemy import select

from saas import create_app
from saas.extensions import db
from saas.jobs import enqueue, task
from saas.jobs.models import FailedJob
from saas.tenants.scoping import current_tenant_id
from tests.conftest import PASSWORD, base_config

EVENTS: list = []


@task("tests.inproc.record")
def record(label):
    EVENTS.append(("job", label, current_tenant_id()))


@task("tests.inproc.fails")
def fails(label):
    EVENTS.append(("attempt", label, current_tenant_id()))
    raise RuntimeError(f"could not reach the courier for {label}")


def _commit_and_enqueue():
    enqueue("tests.inproc.record", "after-commit", tenant_id=41)
    db.session.commit()
    # Recorded after the commit returned: an in-process job must come after this, not during commit().
    EVENTS.append(("view", "committed", None))
    return "ok"


def _enqueue_failing():
    enqueue("tests.inproc.fails", "parcel-5", tenant_id=42)
    db.session.commit()
    return "ok"


def _enqueue_then_fail():
    enqueue("tests.inproc.record", "never")
    db.session.rollback()
    abort(409)


@pytest.fixture
def local_app(tmp_path_factory, monkeypatch):
    """A second app with no Redis, on its own SQLite file, with a few routes that enqueue."""
    EVENTS.clear()
    config = base_config(tmp_path_factory, f"sqlite:///{tmp_path_factory.mktemp('inproc') / 'app.db'}")
    config["REDIS_URL"] = None
    # RATELIMIT_STORAGE_URI stays base_config's: Flask-Limiter is one shared object that init_app re-points.
    app = create_app(config)
    for rule, view in (("/_t/commit", _commit_and_enqueue), ("/_t/fail", _enqueue_failing),
                       ("/_t/rollback", _enqueue_then_fail)):
        app.add_url_rule(rule, view.__name__, view, methods=["POST"], host=config["PLATFORM_HOST"])
    # conftest points db.session at the main test database's connection; this app needs a session of its own.
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_app_has_no_redis(local_app):
    """The fixture really is the in-process mode."""
    from saas.jobs.queue import redis_for

    assert redis_for(local_app) is None


def test_a_job_runs_after_the_request_commits_with_its_store_bound(local_app):
    """The job runs before the response reaches the client, after the view's commit, with its store bound."""
    response = local_app.test_client().post("/_t/commit")
    assert response.status_code == 200
    assert EVENTS == [("view", "committed", None), ("job", "after-commit", 41)]
    assert current_tenant_id() is None


def test_a_rolled_back_job_does_not_run_in_process(local_app):
    """A request that rolls back and fails runs none of its jobs."""
    assert local_app.test_client().post("/_t/rollback").status_code == 409
    assert EVENTS == []


def test_a_failing_job_is_recorded_not_raised_into_the_request(local_app):
    """Every attempt is made at once; the request still succeeds and a FailedJob row is left for operators."""
    response = local_app.test_client().post("/_t/fail")
    assert response.status_code == 200
    assert EVENTS == [("attempt", "parcel-5", 42)] * 4
    with local_app.app_context():
        [failed] = db.session.scalars(select(FailedJob)).all()
        assert (failed.task, failed.tenant_id, failed.args, failed.attempts) == (
            "tests.inproc.fails", 42, ["parcel-5"], 4)
        assert "RuntimeError: could not reach the courier for parcel-5" in failed.error


def test_password_reset_mail_is_delivered_during_the_request(local_app):
    """A real flow: the reset email is in the outbox as soon as the response returns, no worker needed."""
    from pathlib import Path

    from saas.accounts.services import create_user

    with local_app.app_context():
        create_user("rina@example.com", PASSWORD, "Rina", locale="en")
        db.session.commit()
    response = local_app.test_client().post("/password/forgot", data={"email": "rina@example.com"})
    assert response.status_code == 302
    [eml] = Path(local_app.config["OUTBOX_DIR"]).glob("*.eml")
    content = eml.read_text()
    assert "To: rina@example.com" in content
    assert "/password/reset/" in content
