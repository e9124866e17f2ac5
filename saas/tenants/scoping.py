"""Binds the current store and applies it to every ORM statement: reads are filtered, writes are checked.

It fails closed: touching tenant data with no store bound raises TenantNotBound. Code that must see
every store (the operator console, platform jobs) says so with `with unscoped():`.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, with_loader_criteria

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


def _touches_tenant_data(state) -> bool:
    return any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state) -> None:
    if state.is_column_load or state.is_relationship_load or _unscoped.get():
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if not _touches_tenant_data(state):
        return
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise TenantNotBound("tenant data was queried with no store bound")
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
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantNotBound(f"a new {type(obj).__name__} has no store and none is bound")
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
