"""Storefront pages that only read end their transaction with COMMIT instead of the usual ROLLBACK.

For a transaction that wrote nothing the two are the same to the database, but not to psycopg: it forgets
every statement it has prepared on the server whenever a transaction is rolled back (a rolled-back transaction
may have dropped what a statement names). Ending each request with the rollback that closing the session
issues meant that PostgreSQL parsed and planned every statement of every page; committing keeps them prepared
(psycopg prepares a statement on its fifth run), which takes PostgreSQL's share of a product page from about
3 ms of CPU to about 1 ms.

Only the read-only page endpoints commit, and only when the request wrote nothing through the session and
queued no job: any flush or ORM INSERT/UPDATE/DELETE marks the session, and a marked session (or one holding
jobs, which a commit would release) is rolled back as before.

On psycopg those pages (drafts' previews aside) read in autocommit instead: no BEGIN and no COMMIT, two of a
product page's six round trips, with the same view of the data (under READ COMMITTED every statement has its own
snapshot anyway). A write there could not be taken back, so any flush or ORM DML in such a request is refused.
"""
import logging

from flask import request
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from saas.extensions import db
from saas.storefront.cache import CACHED_ENDPOINTS

log = logging.getLogger(__name__)
WROTE = "etalase_wrote"  # in Session.info: the session flushed or ran ORM DML since it began
PENDING_JOBS = "pending_jobs"  # saas.jobs.enqueue()'s: jobs that a commit would release, and a rollback drops
CONNECTED = "etalase_connected"  # in Session.info: the session has taken a connection since it was made
AUTOCOMMIT = "etalase_autocommit"  # in Session.info: this read-only page reads in autocommit


class ReadOnlyPageWrote(RuntimeError):
    """A page that reads in autocommit tried to write, which it could not take back: a bug, refused."""


@event.listens_for(Session, "after_begin")
def _note_connection(session, transaction, connection) -> None:
    session.info[CONNECTED] = True


@event.listens_for(Session, "before_flush")
def _refuse_autocommit_flush(session, flush_context, instances) -> None:
    if session.info.get(AUTOCOMMIT) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyPageWrote("a read-only storefront page tried to write")


def _read_only_page() -> bool:
    return request.method == "GET" and request.endpoint in CACHED_ENDPOINTS


def begin_read_only_page() -> None:
    """A storefront before_request: on psycopg, a read-only page reads in autocommit, without the BEGIN and COMMIT
    round trips (each statement then has its own snapshot, as it already has under READ COMMITTED)."""
    if not _read_only_page() or "preview" in request.args or db.engine.dialect.driver != "psycopg":
        return
    session = db.session()
    # Something already read in a transaction (a host seen for the first time), or the session is bound to a
    # connection that is inside one (the tests' rolled-back transaction): that transaction carries on.
    if session.info.get(CONNECTED) or not isinstance(session.get_bind(), Engine):
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session.info[AUTOCOMMIT] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        if state.session.info.get(AUTOCOMMIT):
            raise ReadOnlyPageWrote("a read-only storefront page tried to write")
        state.session.info[WROTE] = True


def end_read_only_transaction(exc) -> None:
    """A storefront teardown: commit what a read-only page opened (see the module's docstring)."""
    session = db.session()
    if session.info.pop(AUTOCOMMIT, False):
        session.close()  # nothing to commit: the connection goes back to the pool, and out of autocommit
        return
    if exc is not None or not _read_only_page():
        return
    if (not session.in_transaction() or session.info.get(WROTE) or session.info.get(PENDING_JOBS) or session.new
            or session.dirty or session.deleted):
        return
    expire = session.expire_on_commit
    session.expire_on_commit = False  # the page is built; the session is closed right after this
    try:
        session.commit()
    except SQLAlchemyError:  # the page was answered already: a failed COMMIT only loses the prepared statements
        log.warning("could not end a read-only storefront transaction", exc_info=True)
        session.rollback()
    finally:
        session.expire_on_commit = expire
