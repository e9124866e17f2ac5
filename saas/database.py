"""Engine set-up that must hold on every connection."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def init_app(app) -> None:
    from saas.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and breaks SAVEPOINT; take BEGIN into our own hands
    # (the recipe in SQLAlchemy's SQLite dialect docs), and enforce the composite foreign keys.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")
