"""Test fixtures: the app on a temporary SQLite database (or PostgreSQL with TEST_DATABASE_URL), fakeredis
(or Redis with TEST_REDIS_URL), one rolled-back transaction per test, and factories.

Tests don't hold an app context while they make requests: each request pushes its own, as in production,
so `g` and the ORM session never leak from one request into the next. Factories open their own context.
"""
import itertools
import os
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, delete, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from flask.testing import FlaskClient

from saas import create_app
from saas.extensions import db, limiter

PASSWORD = "kopi-susu-gula-aren"


class HostClient(FlaskClient):
    """A test client with a default host: requests without their own base_url go to `default_base_url`."""

    default_base_url: str | None = None

    def open(self, *args, **kwargs):
        if self.default_base_url and "base_url" not in kwargs and not (args and not isinstance(args[0], str)):
            kwargs["base_url"] = self.default_base_url
        return super().open(*args, **kwargs)
_sequence = itertools.count(1)


def worker_index() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def postgres_database(base_url: str, suffix: str = "") -> str:
    """A fresh database for this xdist worker on the server of `base_url`; returns its URL."""
    url = make_url(base_url)
    name = "_".join(part for part in (url.database or "etalase_test", suffix, str(worker_index())) if part)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _redis_url(base_url: str) -> str:
    url = base_url.rstrip("/")
    head, _, db_number = url.rpartition("/")
    if not db_number.isdigit():
        head, db_number = url, "15"
    return f"{head}/{int(db_number) - worker_index()}"


def test_database_url(tmp_path_factory) -> str:
    if os.environ.get("TEST_DATABASE_URL"):
        return postgres_database(os.environ["TEST_DATABASE_URL"])
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def base_config(tmp_path_factory, database_url: str) -> dict:
    redis_url = _redis_url(os.environ["TEST_REDIS_URL"]) if os.environ.get("TEST_REDIS_URL") else "fakeredis://"
    files = tmp_path_factory.mktemp("files")
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url if redis_url.startswith("redis") else "memory://",
        "PLATFORM_HOST": "localhost",
        "OUTBOX_DIR": str(files / "outbox"),
        "MEDIA_DIR": str(files / "media"),
        "WTF_CSRF_ENABLED": False,
        "JOB_RETRY_INTERVALS": [0, 0, 0],
        "MAIL_URL": None,
        "S3_BUCKET": None,
    }


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Argon2's cheapest profile: the production cost would make every created account take ~0.3 s."""
    from argon2 import PasswordHasher, profiles

    from saas.accounts import services

    original = services._hasher
    services._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    services._hasher = original


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(base_config(tmp_path_factory, test_database_url(tmp_path_factory)))
    app.test_client_class = HostClient
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_postgres_database(app.config["SQLALCHEMY_DATABASE_URI"])


def drop_postgres_database(url: str) -> None:
    url = make_url(url)
    if not url.drivername.startswith("postgresql"):
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app, tmp_path):
    """Each test runs in one transaction that is rolled back; commits inside it release savepoints."""
    if "browser" in request.keywords or "no_transaction" in request.keywords:
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", class_=Session)
    db.session = scoped_session(factory, scopefunc=_app_ctx_id)
    saved_config = {key: app.config[key] for key in ("OUTBOX_DIR", "MEDIA_DIR")}
    app.config["OUTBOX_DIR"] = str(tmp_path / "outbox")
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    app.extensions.pop("etalase_storage", None)
    redis = app.extensions.get("etalase_redis")
    if redis is not None:
        redis.flushdb()
    with app.app_context():
        limiter.reset()
    try:
        yield connection
    finally:
        with app.app_context():
            db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()
        app.config.update(saved_config)
        app.extensions.pop("etalase_storage", None)


@contextmanager
def tenant_context(app, tenant_id=None):
    """An app context, optionally with a store bound, for reading or writing data directly in a test."""
    from saas.tenants.scoping import bound_tenant

    with app.app_context():
        if tenant_id is None:
            yield db.session
        else:
            with bound_tenant(tenant_id):
                yield db.session


@pytest.fixture
def ctx(app):
    return lambda tenant_id=None: tenant_context(app, tenant_id)


def _detach(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def create_user(app):
    from saas.accounts.services import create_user as make_user

    def factory(email=None, password=PASSWORD, name=None, locale="en", is_operator=False):
        n = next(_sequence)
        with app.app_context():
            user = make_user(email or f"user{n}@example.test", password, name or f"User {n}", locale=locale)
            user.is_operator = is_operator
            db.session.commit()
            return _detach(user)

    return factory


@pytest.fixture
def create_store(app, create_user):
    """create_store(owner=None, **fields) -> Tenant; makes an owner when none is given."""
    from saas.tenants.models import Tenant
    from saas.tenants.services import create_store as make_store

    def factory(owner=None, name=None, slug=None, **fields):
        n = next(_sequence)
        owner = owner or create_user()
        with app.app_context():
            from saas.accounts.models import User

            user = db.session.get(User, owner.id)
            tenant = make_store(user, name or f"Store {n}", slug or f"store-{n}")
            for key, value in fields.items():
                setattr(tenant, key, value)
            db.session.commit()
            tenant = db.session.get(Tenant, tenant.id)
            return _detach(tenant)

    return factory


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store_client(app):
    """store_client(tenant) -> a test client whose requests go to that store's host."""

    def make(tenant):
        client = app.test_client()
        client.default_base_url = f"http://{tenant.slug}.localhost"
        return client

    return make


@pytest.fixture
def login(app):
    def do_login(client, user, password=PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return response

    return do_login


@pytest.fixture
def own_store(client, create_user, create_store, login):
    """own_store(owner_name=None, **store fields) -> Tenant, with its new owner logged in on `client`."""

    def make(owner_name=None, **fields):
        owner = create_user(name=owner_name)
        tenant = create_store(owner=owner, **fields)
        login(client, owner)
        return tenant

    return make


@pytest.fixture
def run_jobs(app):
    """Run every queued job now: an rq burst worker on (fake) Redis, or the in-process queue."""
    from rq import Queue, SimpleWorker

    from saas.jobs import QUEUES
    from saas.jobs.queue import redis_for, run_ready_in_process

    def run():
        with app.app_context():
            connection = redis_for(app)
            if connection is None:
                run_ready_in_process()
                return
            queues = [Queue(name, connection=connection) for name in QUEUES]
            SimpleWorker(queues, connection=connection).work(burst=True, with_scheduler=False)

    return run


@pytest.fixture
def outbox(app):
    """outbox() -> the messages written to OUTBOX_DIR, oldest first."""

    def read():
        folder = Path(app.config["OUTBOX_DIR"])
        if not folder.exists():
            return []
        files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]

    return read


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: ...; len(queries) is how many SQL statements ran."""

    @contextmanager
    def counter():
        statements = []
        with app.app_context():
            engine = db.engine

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counter


@pytest.fixture
def create_product(app):
    """create_product(tenant, title=None, options=(), price=150_000_00, stock=10, **fields) -> Product (detached)."""
    from saas.catalog import services as catalog
    from saas.catalog.models import Product
    from saas.tenants.models import Tenant

    def factory(tenant, title=None, options=(), price=150_000_00, stock=10, **fields):
        n = next(_sequence)
        with tenant_context(app, tenant.id):
            store = db.session.get(Tenant, tenant.id)
            product = catalog.create_product(store, title=title or f"Product {n}", options=options, price=price,
                                             stock=stock, **fields)
            db.session.commit()
            product = db.session.get(Product, (tenant.id, product.id))
            for variant in product.variants:
                db.session.refresh(variant)
            db.session.expunge_all()
            return product

    return factory


@pytest.fixture
def committed_store(app):
    """committed_store(name, slug, fill) -> (store id, owner id, fill(store)'s value): a store committed for
    tests marked no_transaction (outside the rolled-back transaction, as in production), deleted afterwards."""
    from saas.accounts.models import User
    from saas.accounts.services import create_user
    from saas.tenants.models import Tenant
    from saas.tenants.scoping import bound_tenant, unscoped
    from saas.tenants.services import create_store as make_store

    made = []

    def factory(name, slug, fill=lambda store: None):
        with app.app_context():
            owner = create_user(email=f"pemilik-{slug}@example.com", password=PASSWORD, name="Pemilik")
            tenant = make_store(owner, name, slug)
            db.session.flush()
            with bound_tenant(tenant.id):
                filled = fill(tenant)
                db.session.commit()
            made.append((tenant.id, owner.id))
            return tenant.id, owner.id, filled

    yield factory
    with app.app_context(), unscoped():
        for tenant_id, owner_id in made:
            db.session.execute(delete(Tenant).where(Tenant.id == tenant_id))
            db.session.execute(delete(User).where(User.id == owner_id))
        db.session.commit()
