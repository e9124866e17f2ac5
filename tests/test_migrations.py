"""Alembic builds, from an empty database, exactly the schema the models declare, and can take it down again."""
import logging
import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from saas import create_app
from saas.catalog.fulltext import include_name
from saas.extensions import db
from tests.conftest import base_config, worker_index

pytestmark = pytest.mark.no_transaction


def _fresh_database(tmp_path):
    """(url, drop) for an empty database: a new SQLite file, or a new PostgreSQL database beside the test one."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migrations.db'}", lambda: None
    url = make_url(base)
    name = f"{url.database or 'etalase_test'}_migrations_{worker_index()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def run(statement):
        with admin.connect() as conn:
            conn.execute(text(statement))

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')

    def drop():
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def keep_logging():
    # migrations/env.py calls logging.config.fileConfig, which disables every logger it doesn't name
    # and replaces the root handlers; put them back so later tests still see their logs.
    manager = logging.root.manager
    loggers = {name: (lg.disabled, lg.level) for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    root = (list(logging.root.handlers), logging.root.level)
    yield
    for name, (disabled, level) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.level = disabled, level
    for name, lg in manager.loggerDict.items():
        if isinstance(lg, logging.Logger) and name not in loggers:
            lg.disabled = False
    logging.root.handlers[:] = root[0]
    logging.root.setLevel(root[1])


@pytest.fixture
def empty_app(tmp_path, tmp_path_factory, keep_logging):
    url, drop = _fresh_database(tmp_path)
    app = create_app(base_config(tmp_path_factory, url))
    yield app
    with app.app_context():
        db.engine.dispose()
    drop()


def _schema_diff(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        # include_name leaves out the search table, which lives outside the metadata (as migrations/env.py does)
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        return compare_metadata(context, db.metadata)


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def test_upgrade_from_empty_matches_the_models(empty_app):
    assert _tables(empty_app) == set()
    with empty_app.app_context():
        flask_migrate.upgrade()
    assert set(db.metadata.tables) <= _tables(empty_app)
    assert _schema_diff(empty_app) == []


def test_compare_notices_a_missing_table(empty_app):
    # the comparison itself must be able to fail: on an empty database it reports every table missing
    diff = _schema_diff(empty_app)
    assert {entry[1].name for entry in diff if entry[0] == "add_table"} == set(db.metadata.tables)


def test_downgrade_to_base_removes_everything(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
    assert _tables(empty_app) <= {"alembic_version"}
    with empty_app.app_context():
        flask_migrate.upgrade()  # and the way back up still works after a round trip
    assert _schema_diff(empty_app) == []
