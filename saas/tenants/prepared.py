"""Prepared reads: a SELECT of columns compiled once, with the tenant filter in it, and run as plain SQL.

The storefront's hottest statements run on every page that isn't served from the page cache. Through the ORM,
each costs some 200 µs of Python before and after the database's few µs; compiled once and sent with
the DB-API cursor of the session's own connection (same transaction, same cursor events), it costs a tenth of
that. The tenant filter is the one scoping.py gives every ORM statement, compiled into the SQL: its
store is read from the bound store at each run, and a read with no store bound is refused, as the ORM's are.
Only columns come back (never ORM objects), converted by their types as the ORM would.
"""
from typing import Callable, NamedTuple

from sqlalchemy import Select, exc
from sqlalchemy.sql.compiler import SQLCompiler

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
        found = cursor.fetchall()
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
        return found
    except connection.dialect.loaded_dbapi.Error as error:
        if connection.dialect.is_disconnect(error, dbapi_connection, cursor):
            connection.invalidate(error)
        raise exc.DBAPIError.instance(sql, arguments, error, connection.dialect.loaded_dbapi.Error) from error
    finally:
        cursor.close()


class _Compiled(NamedTuple):
    """A read compiled for one dialect, with what each run needs to bind its parameters and convert its rows."""

    dialect: object
    sql: str
    compiled: SQLCompiler
    positional_names: tuple[str, ...] | None  # the parameters in order, for positional styles (qmark, numeric)
    escaped_names: dict[str, str]  # a parameter's name in the SQL where it differs, for named styles
    bind_processors: dict[str, Callable]
    result_processors: tuple[tuple[int, Callable], ...]  # (column index, converter) of the columns that have one


class PreparedRead:
    """One SELECT of columns, built once per process, run with rows() or first()."""

    def __init__(self, statement: Select):
        tables, through_core, filtered = scoping._scope_of(statement)
        if not tables or through_core:
            raise scoping.UnscopedStatement("a prepared read must name its tenant tables through ORM models")
        self.statement = filtered
        self._prepared: _Compiled | None = None

    def _prepare(self, dialect) -> _Compiled:
        prepared = self._prepared
        if prepared is not None and prepared.dialect is dialect:
            return prepared
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a prepared read can't have expanding (IN) parameters; join a subquery instead")
        prepared = self._prepared = _Compiled(
            dialect, compiled.string, compiled,
            tuple(compiled.positiontup) if compiled.positional else None,
            dict(compiled.escaped_bind_names or {}), compiled._bind_processors,
            tuple((index, process) for index, process in enumerate(
                column.type._cached_result_processor(dialect, None) for column in self.statement.selected_columns)
                if process is not None))
        return prepared

    def rows(self, **params) -> list[tuple]:
        """Every row, as plain tuples of converted values."""
        if scoping.current_tenant_id() is None:
            raise scoping.TenantNotBound("tenant data was queried with no store bound")
        connection = db.session.connection()
        prepared = self._prepare(connection.dialect)
        values = prepared.compiled.construct_params(params)
        for name, process in prepared.bind_processors.items():
            if name in values:
                values[name] = process(values[name])
        if prepared.positional_names is not None:
            arguments = tuple(values[name] for name in prepared.positional_names)
        else:
            arguments = {prepared.escaped_names.get(name, name): value for name, value in values.items()}
        found = _run(connection, prepared.sql, arguments)
        if not prepared.result_processors:
            return found
        converted = []
        for row in found:
            values = list(row)
            for index, process in prepared.result_processors:
                values[index] = process(values[index])
            converted.append(tuple(values))
        return converted

    def first(self, **params) -> tuple | None:
        found = self.rows(**params)
        return found[0] if found else None
