"""Binds the current store and applies it to every ORM statement: reads are filtered, writes are checked.

It fails closed: touching tenant data with no store bound raises TenantNotBound. Code that must see
every store (the operator console, platform jobs) says so with `with unscoped():`.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from saas.orm import TenantScoped

_current_tenant: ContextVar[int | None] = ContextVar("current_tenant", default=None)
_unscoped: ContextVar[bool] = ContextVar("unscoped", default=False)


class TenantNotBound(RuntimeError):
    """Tenant data was queried or written while no store was bound."""


class CrossTenantWrite(RuntimeError):
    """A write named a store other than the bound one."""


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


def _tenant_table_names() -> set[str]:
    names, pending = set(), list(TenantScoped.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "__table__", None) is not None:
            names.add(cls.__table__.fullname)
    return names


def _touches_tenant_data(state) -> bool:
    if any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers):
        return True
    # all_mappers sees only the top-level entities: a tenant table inside select_from(), a subquery
    # or exists() (e.g. the count in paginate()) must still be filtered, or refused when nothing is bound.
    names = _tenant_table_names()
    found = find_tables(
        state.statement, check_columns=True, include_aliases=True, include_joins=True, include_selects=True,
        include_crud=True,
    )
    return any(getattr(table, "fullname", None) in names for table in found)


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
    if not _touches_tenant_data(state):
        return
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise TenantNotBound("tenant data was queried with no store bound")
    if state.is_insert or state.is_update:
        # The WHERE criteria below can't stop values(tenant_id=other) or a bulk UPDATE by primary key
        # that names another store's rows, so a written tenant_id must be the bound one (plain ints only).
        for value in _written_tenant_ids(state):
            if not (isinstance(value, int) and value == tenant_id):
                raise CrossTenantWrite("an INSERT or UPDATE named another store")
    if state.is_insert:
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


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
