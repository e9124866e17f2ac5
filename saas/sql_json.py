"""Rows of a subquery as one JSON value, so that a single statement can bring a row and its children.

On PostgreSQL each statement costs the app some 120 µs of CPU and a round trip, however small it is. json_rows()
is json_agg(json_build_array(…)) there and json_group_array(json_array(…)) on SQLite: one interface for both.
"""
from sqlalchemy import JSON
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement):
    """An aggregate: each row of its subquery as a JSON array of these columns, all in one JSON array (NULL
    or [] when there are none). In no set order: the rows carry their own sort keys."""

    type = JSON()
    inherit_cache = True


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element, compiler, **kw):
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


class json_value(FunctionElement):
    """A JSON column inside json_rows(): SQLite would otherwise nest its text as a string."""

    type = JSON()
    inherit_cache = True


@compiles(json_value, "postgresql")
def _json_value_postgresql(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(json_value, "sqlite")
def _json_value_sqlite(element, compiler, **kw):
    return f"json({compiler.process(element.clauses, **kw)})"


def in_order(rows: list | None) -> list:
    """json_rows() rows sorted by their first two columns (a position, then an id), which stay in each row."""
    return sorted(rows or (), key=lambda row: (row[0], row[1]))
