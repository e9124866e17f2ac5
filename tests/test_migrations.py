"""Alembic builds, from an empty database, exactly the schema the models declare, and can take it down again."""
import logging
import os
from datetime import UTC, datetime

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


def test_a_downgrade_puts_each_stores_first_flat_rate_back(empty_app):
    """0009 turns a store's flat rate into a zone's rate; going back copies the first flat rate (lowest zone, then
    lowest rate) and its free-over amount into checkout_settings, on SQLite and PostgreSQL alike."""
    import sqlalchemy as sa

    from saas.ids import new_id

    now = datetime.now(UTC)
    tenants = sa.table("tenants", *(sa.column(c) for c in (
        "id", "slug", "name", "status", "currency", "locale", "timezone", "contact_email", "contact_phone", "address",
        "created_at", "updated_at")))
    settings = sa.table("checkout_settings", *(sa.column(c) for c in (
        "id", "tenant_id", "flat_shipping_rate", "free_shipping_over", "unpaid_cancel_hours", "require_account",
        "created_at", "updated_at")))
    zones = sa.table("shipping_zones", *(sa.column(c) for c in (
        "id", "tenant_id", "name", "position", "created_at", "updated_at")),
        sa.column("countries", sa.JSON), sa.column("provinces", sa.JSON), sa.column("cities", sa.JSON))
    rates = sa.table("shipping_rates", *(sa.column(c) for c in (
        "id", "tenant_id", "zone_id", "name", "kind", "amount", "free_over", "carrier", "cod_allowed", "enabled",
        "position", "created_at", "updated_at")), sa.column("tiers", sa.JSON))
    stores = {"edited": (15_000_00, 300_000_00), "reordered": (20_000_00, None), "emptied": (25_000_00, 100_000_00)}
    ids = {name: new_id() for name in stores}

    def add_zone(conn, tenant_id, name, position):
        zone_id = new_id()
        conn.execute(zones.insert().values(id=zone_id, tenant_id=tenant_id, name=name, position=position,
                                           countries=["ID"], provinces=[], cities=[], created_at=now, updated_at=now))
        return zone_id

    def add_rate(conn, tenant_id, zone_id, name, kind, amount, position, free_over=None):
        conn.execute(rates.insert().values(
            id=new_id(), tenant_id=tenant_id, zone_id=zone_id, name=name, kind=kind, amount=amount, free_over=free_over,
            tiers=[], carrier="", cod_allowed=True, enabled=True, position=position, created_at=now, updated_at=now))

    with empty_app.app_context():
        flask_migrate.upgrade(revision="0008_customers")
        with db.engine.begin() as conn:
            for name, (flat, free_over) in stores.items():
                conn.execute(tenants.insert().values(
                    id=ids[name], slug=name, name=name, status="active", currency="IDR", locale="id",
                    timezone="Asia/Jakarta", contact_email="", contact_phone="", address="", created_at=now,
                    updated_at=now))
                conn.execute(settings.insert().values(
                    id=new_id(), tenant_id=ids[name], flat_shipping_rate=flat, free_shipping_over=free_over,
                    unpaid_cancel_hours=24, require_account=False, created_at=now, updated_at=now))
        flask_migrate.upgrade(revision="0009_shipping_promotions")
        with db.engine.begin() as conn:
            moved = conn.execute(text("SELECT tenant_id, amount, free_over FROM shipping_rates")).all()
            assert sorted(moved) == sorted((ids[name], *values) for name, values in stores.items())
            # "edited" changes its rate's price and adds rates after it, in its zone and in a later zone.
            first_zone = conn.scalar(text("SELECT zone_id FROM shipping_rates WHERE tenant_id = :t"),
                                     {"t": ids["edited"]})
            conn.execute(text("UPDATE shipping_rates SET amount = :a WHERE tenant_id = :t"),
                         {"a": 18_000_00, "t": ids["edited"]})
            add_rate(conn, ids["edited"], first_zone, "Express", "flat", 40_000_00, 1)
            abroad = add_zone(conn, ids["edited"], "Luar negeri", 1)
            add_rate(conn, ids["edited"], abroad, "Kargo", "flat", 900_000_00, 0)
            # "reordered" puts a new zone first, whose first rate is by weight and whose second is flat.
            conn.execute(text("UPDATE shipping_zones SET position = 1 WHERE tenant_id = :t"), {"t": ids["reordered"]})
            jawa = add_zone(conn, ids["reordered"], "Jawa", 0)
            add_rate(conn, ids["reordered"], jawa, "Berat", "weight", 0, 0)
            add_rate(conn, ids["reordered"], jawa, "Jawa flat", "flat", 12_000_00, 1, free_over=250_000_00)
            # "emptied" keeps no flat rate at all.
            conn.execute(text("DELETE FROM shipping_rates WHERE tenant_id = :t"), {"t": ids["emptied"]})
        flask_migrate.downgrade(revision="0008_customers")
        with db.engine.connect() as conn:
            back = {row.tenant_id: (row.flat_shipping_rate, row.free_shipping_over) for row in conn.execute(text(
                "SELECT tenant_id, flat_shipping_rate, free_shipping_over FROM checkout_settings"))}
    assert back == {ids["edited"]: (18_000_00, 300_000_00), ids["reordered"]: (12_000_00, 250_000_00),
                    ids["emptied"]: (0, None)}


def test_0010_counts_what_each_product_has_sold_on_orders_that_werent_cancelled(empty_app):
    from saas.catalog.models import Product
    from saas.ids import new_id
    from saas.orders.models import Order, OrderLine, OrderStatus
    from saas.tenants.models import Tenant
    from saas.tenants.scoping import bound_tenant

    now = datetime.now(UTC)
    with empty_app.app_context():
        flask_migrate.upgrade()
        tenant_id, products = new_id(), {name: new_id() for name in ("kain", "syal", "tas")}
        db.session.add(Tenant(id=tenant_id, slug="toko", name="Toko", contact_email="toko@example.test"))
        db.session.commit()
        with bound_tenant(tenant_id):
            for name, product_id in products.items():
                db.session.add(Product(id=product_id, title=name, slug=name))
            for number, status, lines in ((1001, OrderStatus.OPEN, {"kain": 2, "syal": 1}),
                                          (1002, OrderStatus.CANCELLED, {"kain": 5}),
                                          (1003, OrderStatus.ARCHIVED, {"kain": 1})):
                order = Order(id=new_id(), number=number, token=f"t{number}", idempotency_key=f"k{number}",
                              email="a@example.test", payment_method="cod", placed_at=now, status=status)
                order.lines = [OrderLine(id=new_id(), product_id=products[name], title=name, unit_price=1, quantity=n,
                                         total=n) for name, n in lines.items()]
                db.session.add(order)
            db.session.commit()
        flask_migrate.downgrade(revision="0009_shipping_promotions")
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            sold = dict(conn.execute(text("SELECT title, units_sold FROM products")).all())
    assert sold == {"kain": 3, "syal": 1, "tas": 0}
