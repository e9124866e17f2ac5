"""Binds the current store and applies it to every ORM statement: reads are filtered, writes are checked.

It fails closed: touching tenant data with no store bound raises TenantNotBound. Code that must see
every store (the operator console, platform jobs) says so with `with unscoped():`.
"""
import functools
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import BigInteger, bindparam, event, inspect
from sqlalchemy.orm import Mapper, Session, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.schema import Column, Table

from saas.orm import TenantScoped

_current_tenant: ContextVar[int | None] = ContextVar("current_tenant", default=None)
_unscoped: ContextVar[bool] = ContextVar("unscoped", default=False)


class TenantNotBound(RuntimeError):
    """Tenant data was queried or written while no store was bound."""


class CrossTenantWrite(RuntimeError):
    """A write named a store other than the bound one."""


class UnscopedStatement(RuntimeError):
    """A statement reached a tenant table through a Core Table, which the tenant filter can't see."""


def current_tenant_id() -> int | None:
    return _current_tenant.get()


@contextmanager
def bound_tenant(tenant_id: int):
    """Run the block with `tenant_id` as the current store."""
    token = _current_tenant.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)


def bind_tenant(tenant_id: int | None):
    """Bind a store for the rest of this context (a request); returns the token for unbind()."""
    return _current_tenant.set(tenant_id)


def unbind(token) -> None:
    _current_tenant.reset(token)


@contextmanager
def unscoped():
    """Lift the tenant filter for platform code that must cross stores. Keep these rare and greppable."""
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


@functools.cache
def _tenant_table_names() -> frozenset[str]:
    """Computed once, and again whenever mappers are configured (a model was added)."""
    names, pending = set(), list(TenantScoped.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "__table__", None) is not None:
            names.add(cls.__table__.fullname)
    return frozenset(names)


event.listen(Mapper, "after_configured", _tenant_table_names.cache_clear)

# The filter every SELECT, UPDATE and DELETE on tenant data gets. Its store is a parameter read from the bound
# store when the statement runs (so one criteria object serves every store and request), and it applies to the
# lazy loads and refreshes of what the statement loads too; with no store bound there, it matches nothing.
_BOUND_TENANT = bindparam("etalase_bound_tenant", type_=BigInteger(), callable_=lambda: _current_tenant.get())
_TENANT_CRITERIA = with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == _BOUND_TENANT,
                                        include_aliases=True, track_closure_variables=False)

# Where a statement object is reused (built once per process), its walk and its filtered form are remembered.
# The entry holds the statement's own id: a statement derived from it copies its __dict__, entry and all, and
# must be looked at anew.
_SEEN = "_etalase_tenant_scope"


def _scope_of(statement):
    """(the tenant tables it names, whether one is named only through Core, the statement with the filter)."""
    remembered = statement.__dict__.get(_SEEN)
    if remembered is not None and remembered[0] == id(statement):
        return remembered[1]
    tables, through_core = _tenant_tables_in(statement)
    found = (tables, through_core, statement.options(_TENANT_CRITERIA) if tables and not through_core else None)
    statement.__dict__[_SEEN] = (id(statement), found)
    return found


def _tenant_tables_in(statement) -> tuple[frozenset[str], bool]:
    """The tenant tables that a statement names, and whether any is named only through Core.

    The loader criteria filter ORM entities wherever they appear (subqueries, select_from, exists), but
    not `select(Model.__table__)`: a tenant table that no ORM-annotated element names is refused. (The
    ORM's own get() compares raw primary-key columns, so a raw column beside an entity is allowed.)
    """
    names = _tenant_table_names()
    referenced, through_orm = set(), set()
    for element in visitors.iterate(statement):
        if isinstance(element, Table):
            name = element.fullname
        elif isinstance(element, Column):
            table = element.table
            while table is not None and not isinstance(table, Table):  # aliased(Model) wraps the table
                table = getattr(table, "element", None)
            name = getattr(table, "fullname", None)
        else:
            continue
        if name in names:
            referenced.add(name)
            if "parententity" in element._annotations:
                through_orm.add(name)
    return frozenset(referenced), bool(referenced - through_orm)


def _written_tenant_ids(state) -> list:
    """Every tenant_id that an ORM INSERT or UPDATE writes or, in a bulk UPDATE by primary key, names."""
    statement = state.statement
    rows = [statement._values or {}]
    for batch in statement._multi_values:
        rows.extend(row if isinstance(row, dict) else dict(zip(statement.table.columns, row)) for row in batch)
    parameters = state.parameters or {}
    rows.extend(parameters if isinstance(parameters, (list, tuple)) else [parameters])
    return [value for row in rows for key, value in row.items() if getattr(key, "key", key) == "tenant_id"]


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state) -> None:
    if state.is_column_load or state.is_relationship_load or _unscoped.get():
        return
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    tables, through_core, filtered = _scope_of(state.statement)
    if not tables:
        return
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise TenantNotBound("tenant data was queried with no store bound")
    if through_core:
        raise UnscopedStatement(f"use the ORM model, not the Core table, for {', '.join(sorted(tables))}")
    if state.is_insert or state.is_update:
        # The WHERE criteria below can't stop values(tenant_id=other) or a bulk UPDATE by primary key
        # that names another store's rows, so a written tenant_id must be the bound one (plain ints only).
        for value in _written_tenant_ids(state):
            if not (isinstance(value, int) and value == tenant_id):
                raise CrossTenantWrite("an INSERT or UPDATE named another store")
    if not state.is_insert:
        state.statement = filtered


@event.listens_for(Session, "before_flush")
def _check_writes(session, flush_context, instances) -> None:
    tenant_id = _current_tenant.get()
    crossing = _unscoped.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None and (not crossing or obj.tenant_id is None):
            raise TenantNotBound(f"a new {type(obj).__name__} was added with no store bound")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif not crossing and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"a new {type(obj).__name__} names another store")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if inspect(obj).attrs.tenant_id.history.has_changes() and not inspect(obj).pending:
            raise CrossTenantWrite(f"{type(obj).__name__}.tenant_id can't be changed")
        if crossing:
            continue
        if tenant_id is None:
            raise TenantNotBound(f"a {type(obj).__name__} was changed with no store bound")
        if obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"a {type(obj).__name__} of another store was changed")
