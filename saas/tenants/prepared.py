"""Prepared reads: a SELECT of columns compiled once, with the tenant filter in it, and run as plain SQL.

The storefront's hottest statements run on every page that isn't served from the page cache. Through the ORM,
each costs some 200 µs of Python before and after the database's few µs; compiled once and sent with
the DB-API cursor of the session's own connection (same transaction, same cursor events), it costs a tenth of
that. The tenant filter is the one scoping.py gives every ORM statement, compiled into the SQL: its
store is read from the bound store at each run, and a read with no store bound is refused, as the ORM's are.
Only columns come back (never ORM objects), converted by their types as the ORM would.
"""
from sqlalchemy import Select, exc

from saas.extensions import db
from saas.tenants import scoping


def _run(connection, sql: str, arguments) -> list[tuple]:
    """The rows of one statement on the connection's DB-API cursor, with the engine's cursor events around it and
    a driver error raised as SQLAlchemy raises it (a lost connection is invalidated, so the pool drops it)."""
    dbapi_connection = connection.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    try:
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
        cursor.execute(sql, arguments)
        found = [tuple(row) for row in cursor.fetchall()]
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
        return found
    except connection.dialect.loaded_dbapi.Error as error:
        if connection.dialect.is_disconnect(error, dbapi_connection, cursor):
            connection.invalidate(error)
        raise exc.DBAPIError.instance(sql, arguments, error, connection.dialect.loaded_dbapi.Error) from error
    finally:
        cursor.close()


class PreparedRead:
    """One SELECT of columns, built once per process, run with rows() or first()."""

    def __init__(self, statement: Select):
        tables, through_core, filtered = scoping._scope_of(statement)
        if not tables or through_core:
            raise scoping.UnscopedStatement("a prepared read must name its tenant tables through ORM models")
        self.statement = filtered
        self._prepared = None  # (dialect, sql, parameter names, defaults, bind processors, result processors)

    def _prepare(self, dialect):
        prepared = self._prepared
        if prepared is not None and prepared[0] is dialect:
            return prepared
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a prepared read can't have expanding (IN) parameters; join a subquery instead")
        escaped = compiled.escaped_bind_names or {}
        names = list(compiled.positiontup) if compiled.positional else list(compiled.bind_names.values())
        processors = compiled._bind_processors
        result_processors = [column.type._cached_result_processor(dialect, None)
                             for column in self.statement.selected_columns]
        prepared = self._prepared = (dialect, compiled.string, names, escaped, processors, compiled.positional,
                                     compiled, result_processors)
        return prepared

    def rows(self, **params) -> list[tuple]:
        """Every row, as plain tuples of converted values."""
        if scoping.current_tenant_id() is None:
            raise scoping.TenantNotBound("tenant data was queried with no store bound")
        connection = db.session.connection()
        _dialect, sql, names, escaped, processors, positional, compiled, result_processors = self._prepare(
            connection.dialect)
        values = compiled.construct_params(params)
        for name, process in processors.items():
            if name in values:
                values[name] = process(values[name])
        arguments = tuple(values[name] for name in names) if positional else {
            escaped.get(name, name): values[name] for name in values}
        found = _run(connection, sql, arguments)
        if not any(result_processors):
            return found
        return [tuple(value if process is None else process(value) for value, process in zip(row, result_processors))
                for row in found]

    def first(self, **params) -> tuple | None:
        found = self.rows(**params)
        return found[0] if found else None
