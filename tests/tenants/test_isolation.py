"""Every TenantScoped model: one store can neither read nor change another store's rows."""
import itertools
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    delete,
    exists,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import aliased

import saas.models  # noqa: F401  (every model registered before the registry is walked)
from saas.extensions import db
from saas.orm import TenantScoped, utcnow
from saas.tenants.models import Tenant
from saas.tenants.scoping import CrossTenantWrite, TenantNotBound, UnscopedStatement, current_tenant_id, unscoped

KEY_COLUMNS = {"tenant_id", "id", "created_at", "updated_at"}
_unique = itertools.count(1)


def tenant_models() -> list[type]:
    """Every mapped TenantScoped class, so a new model is covered as soon as it is imported."""
    found = {m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}
    return sorted(found, key=lambda cls: cls.__name__)


def model_for_table(table) -> type:
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    raise LookupError(f"no mapped class for table {table.name}")


def sample_value(column):
    """A valid value for a required column, made from its type alone."""
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # look through TypeDecorators such as UTCDateTime
    n = next(_unique)
    if isinstance(kind, Enum):  # before String: Enum is a String
        return list(kind.enum_class)[0] if kind.enum_class else kind.enums[0]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return utcnow()
    if isinstance(kind, Date):
        return date.today()
    if isinstance(kind, Integer):
        return n  # distinct, for unique numbers such as an order's
    if isinstance(kind, Numeric):
        return 1
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String):
        text = f"v{n}"
        return text[-kind.length:] if kind.length else text
    # Fail loudly so the next model with a new column type extends this helper instead of being skipped.
    raise TypeError(f"sample_value can't fill {column.table.name}.{column.name} of type {column.type!r}")


def _one_per_store(table) -> bool:
    return any(isinstance(c, UniqueConstraint) and [col.name for col in c.columns] == ["tenant_id"]
               for c in table.constraints)


def _required(column) -> bool:
    return not column.nullable and column.default is None and column.server_default is None


def build_row(session, model, tenant_id=None, **values):
    """Add a valid `model` row (and the parent rows its required foreign keys need) and flush it."""
    mapper = inspect(model)
    table = mapper.local_table
    row = model()
    filled = set()
    for constraint in table.foreign_key_constraints:
        local = [c for c in constraint.columns if c.name != "tenant_id"]
        if not local or not any(_required(c) for c in local) or any(c.key in values for c in local):
            continue
        parent_model = model_for_table(constraint.referred_table)
        parent = build_row(session, parent_model, tenant_id if issubclass(parent_model, TenantScoped) else None)
        parent_mapper = inspect(parent_model)
        for element in constraint.elements:
            if element.parent.name == "tenant_id":
                continue  # the stamp (or the tenant_id argument) sets it, and the composite key checks it
            value = getattr(parent, parent_mapper.get_property_by_column(element.column).key)
            setattr(row, mapper.get_property_by_column(element.parent).key, value)
            filled.add(element.parent.name)
    for column in table.columns:
        if column.name in KEY_COLUMNS or column.name in filled or not _required(column):
            continue
        setattr(row, mapper.get_property_by_column(column).key, sample_value(column))
    if tenant_id is not None and issubclass(model, TenantScoped):
        row.tenant_id = tenant_id
    for key, value in values.items():
        setattr(row, key, value)
    if _one_per_store(table):
        # A store's singleton (its settings, its order counter): this row replaces the store's existing one.
        store = row.tenant_id if row.tenant_id is not None else current_tenant_id()
        for existing in session.scalars(select(model).where(model.tenant_id == store)):
            session.delete(existing)
        session.flush()
    session.add(row)
    session.flush()
    return row


def changed_attribute(model):
    """(attribute name, a new value) for an ordinary column, to make a row dirty."""
    mapper = inspect(model)
    foreign = {fk.parent.name for fk in mapper.local_table.foreign_keys}
    for column in mapper.local_table.columns:
        if column.name not in KEY_COLUMNS and column.name not in foreign:
            try:
                return mapper.get_property_by_column(column).key, sample_value(column)
            except TypeError:
                continue
    return "updated_at", utcnow()


@dataclass
class Pair:
    model: type
    a: Tenant
    b: Tenant
    a_id: int
    b_id: int


MODELS = tenant_models()


@pytest.fixture(params=MODELS, ids=lambda cls: cls.__name__)
def pair(request, ctx, create_store):
    """Stores A and B with one committed row of the model each."""
    model = request.param
    a, b = create_store(), create_store()
    ids = {}
    for store in (a, b):
        with ctx(store.id) as session:
            ids[store.id] = build_row(session, model).id
            session.commit()
    return Pair(model, a, b, ids[a.id], ids[b.id])


def test_there_are_tenant_models_to_check():
    assert MODELS, "no TenantScoped model is mapped"


def test_build_row_stamps_the_bound_store(pair, ctx):
    with ctx() as session, unscoped():
        rows = {r.id: r.tenant_id for r in session.scalars(select(pair.model))}
    assert rows[pair.a_id] == pair.a.id
    assert rows[pair.b_id] == pair.b.id


def _statements(model, row_id):
    """Ways of reading a row by id; each must find the row only in its own store."""
    alias = aliased(model)
    return {
        "select by id": lambda s: s.scalars(select(model).where(model.id == row_id)).all(),
        "select column": lambda s: s.scalars(select(model.id).where(model.id == row_id)).all(),
        "aliased": lambda s: s.scalars(select(alias).where(alias.id == row_id)).all(),
        "count from": lambda s: s.scalar(select(func.count()).select_from(model).where(model.id == row_id)),
        "count of subquery": lambda s: s.scalar(
            select(func.count()).select_from(select(model).where(model.id == row_id).subquery())
        ),
        "exists": lambda s: s.scalar(select(exists().where(model.id == row_id))),
        "subquery in a platform query": lambda s: s.scalars(
            select(Tenant.id).where(Tenant.id.in_(select(model.tenant_id).where(model.id == row_id)))
        ).all(),
    }


READ_SHAPES = [
    "select by id", "select column", "aliased", "count from", "count of subquery", "exists",
    "subquery in a platform query",
]


@pytest.mark.parametrize("shape", READ_SHAPES)
def test_other_store_rows_are_invisible(pair, ctx, shape):
    read = lambda session, row_id: _statements(pair.model, row_id)[shape](session)  # noqa: E731
    with ctx(pair.a.id) as session:
        assert not read(session, pair.b_id)
        assert read(session, pair.a_id)  # the same read finds A's own row, so the check above can fail


def test_listing_shows_only_the_bound_store(pair, ctx):
    with ctx(pair.a.id) as session:
        rows = session.scalars(select(pair.model)).all()
    assert pair.a_id in {r.id for r in rows}
    assert {r.tenant_id for r in rows} == {pair.a.id}


def test_get_by_other_store_key_finds_nothing(pair, ctx):
    with ctx(pair.a.id) as session:
        assert session.get(pair.model, (pair.b.id, pair.b_id)) is None
        assert session.get(pair.model, (pair.a.id, pair.a_id)) is not None
    with ctx(pair.b.id) as session:
        assert session.get(pair.model, (pair.b.id, pair.b_id)) is not None


def _row_of_b(session, pair):
    with unscoped():
        return session.get(pair.model, (pair.b.id, pair.b_id))


def _snapshot(ctx, pair):
    with ctx(pair.b.id) as session:
        row = session.get(pair.model, (pair.b.id, pair.b_id))
        return None if row is None else {c.key: getattr(row, c.key) for c in inspect(pair.model).column_attrs}


def test_changing_other_store_row_is_refused(pair, ctx):
    before = _snapshot(ctx, pair)
    key, value = changed_attribute(pair.model)
    with ctx(pair.a.id) as session:
        row = _row_of_b(session, pair)
        setattr(row, key, value)
        with pytest.raises(CrossTenantWrite):
            session.flush()
        session.rollback()
    assert _snapshot(ctx, pair) == before


def test_moving_a_row_to_another_store_is_refused(pair, ctx):
    with ctx(pair.a.id) as session:
        row = session.get(pair.model, (pair.a.id, pair.a_id))
        row.tenant_id = pair.b.id
        with pytest.raises(CrossTenantWrite):
            session.flush()
        session.rollback()


def test_bulk_update_skips_other_store_rows(pair, ctx):
    before = _snapshot(ctx, pair)
    stamp = utcnow()
    with ctx(pair.a.id) as session:
        result = session.execute(update(pair.model).where(pair.model.id == pair.b_id).values(updated_at=stamp))
        assert result.rowcount == 0
        own = session.execute(update(pair.model).where(pair.model.id == pair.a_id).values(updated_at=stamp))
        assert own.rowcount == 1
        session.commit()
    assert _snapshot(ctx, pair) == before


def test_bulk_update_cannot_set_another_store(pair, ctx):
    with ctx(pair.a.id) as session:
        with pytest.raises(CrossTenantWrite):
            session.execute(update(pair.model).where(pair.model.id == pair.a_id).values(tenant_id=pair.b.id))
        session.rollback()
    with ctx() as session, unscoped():
        assert session.get(pair.model, (pair.a.id, pair.a_id)) is not None


def test_bulk_update_by_primary_key_cannot_reach_other_store(pair, ctx):
    before = _snapshot(ctx, pair)
    with ctx(pair.a.id) as session:
        with pytest.raises(CrossTenantWrite):
            session.execute(update(pair.model), [{"tenant_id": pair.b.id, "id": pair.b_id, "updated_at": utcnow()}])
        session.rollback()
    assert _snapshot(ctx, pair) == before


def test_deleting_other_store_row_is_refused(pair, ctx):
    with ctx(pair.a.id) as session:
        session.delete(_row_of_b(session, pair))
        with pytest.raises(CrossTenantWrite):
            session.flush()
        session.rollback()
    assert _snapshot(ctx, pair) is not None


def test_bulk_delete_removes_only_the_bound_store_rows(pair, ctx):
    with ctx(pair.a.id) as session:
        session.execute(delete(pair.model).where(pair.model.id == pair.b_id))
        session.execute(delete(pair.model))
        session.commit()
    with ctx() as session, unscoped():
        left = {(r.tenant_id, r.id) for r in session.scalars(select(pair.model))}
    assert (pair.b.id, pair.b_id) in left
    assert (pair.a.id, pair.a_id) not in left  # the delete did run for A


def test_new_row_naming_other_store_is_refused(pair, ctx):
    with ctx(pair.a.id) as session:
        with pytest.raises(CrossTenantWrite):
            build_row(session, pair.model, tenant_id=pair.b.id)
        session.rollback()


def test_orm_insert_naming_other_store_is_refused(pair, ctx):
    with ctx(pair.b.id) as session:
        template = session.get(pair.model, (pair.b.id, pair.b_id))
        values = {c.key: getattr(template, c.key) for c in inspect(pair.model).column_attrs}
    values["id"] = values["id"] + 1
    with ctx(pair.a.id) as session:
        with pytest.raises(CrossTenantWrite):
            session.execute(insert(pair.model).values(**values))
        with pytest.raises(CrossTenantWrite):
            session.execute(insert(pair.model), [values])
        session.rollback()
    with ctx(pair.b.id) as session:
        assert session.get(pair.model, (pair.b.id, values["id"])) is None


def test_new_row_is_stamped_with_bound_store(pair, ctx):
    with ctx(pair.a.id) as session:
        row = build_row(session, pair.model)
        assert row.tenant_id == pair.a.id


@pytest.mark.parametrize(
    "action",
    ["select", "get", "count", "update", "delete", "insert", "add", "add naming a store", "change", "remove"],
)
def test_nothing_bound_fails_closed(pair, ctx, action):
    model = pair.model
    with ctx() as session:
        with unscoped():
            loaded = session.get(model, (pair.b.id, pair.b_id))
        attempts = {
            "select": lambda: session.scalars(select(model)).all(),
            "get": lambda: session.get(model, (pair.a.id, pair.a_id)),
            "count": lambda: session.scalar(select(func.count()).select_from(model)),
            "update": lambda: session.execute(update(model).values(updated_at=utcnow())),
            "delete": lambda: session.execute(delete(model)),
            "insert": lambda: session.execute(insert(model), [{"id": 1, "updated_at": utcnow()}]),
            "add": lambda: build_row(session, model),
            "add naming a store": lambda: build_row(session, model, tenant_id=pair.a.id),
            "change": lambda: (setattr(loaded, *changed_attribute(model)), session.flush()),
            "remove": lambda: (session.delete(loaded), session.flush()),
        }
        with pytest.raises(TenantNotBound):
            attempts[action]()
        session.rollback()


def test_unscoped_sees_every_store(pair, ctx):
    with ctx(pair.a.id) as session:
        with unscoped():
            seen = {(r.tenant_id, r.id) for r in session.scalars(select(pair.model))}
        scoped = {(r.tenant_id, r.id) for r in session.scalars(select(pair.model))}
    assert {(pair.a.id, pair.a_id), (pair.b.id, pair.b_id)} <= seen
    assert (pair.b.id, pair.b_id) not in scoped  # the lift ends with the block


@pytest.mark.parametrize(
    "build",
    [
        lambda table: select(table),
        lambda table: select(table.c.id),
        lambda table: select(func.count()).select_from(table),
        lambda table: table.update().values(updated_at=utcnow()),
        lambda table: table.delete(),
    ],
    ids=["select-table", "select-column", "count", "update", "delete"],
)
def test_core_table_statements_are_refused(pair, ctx, build):
    """The tenant filter sees ORM entities only, so a Core statement on a tenant table must not run at all."""
    with ctx(pair.a.id) as session:
        with pytest.raises(UnscopedStatement):
            session.execute(build(pair.model.__table__))
        with unscoped():
            seen = {row.id for row in session.execute(select(pair.model.__table__))}
    assert pair.b_id in seen  # platform code may still cross stores, explicitly


def test_a_statement_built_once_filters_by_whichever_store_is_bound_when_it_runs(pair, ctx):
    """Statements built once per process keep their filtered form; the store in it is read at each run."""
    statement = select(pair.model)
    column = select(pair.model.id)
    for store, own, other in ((pair.a, pair.a_id, pair.b_id), (pair.b, pair.b_id, pair.a_id), (pair.a, pair.a_id,
                                                                                                pair.b_id)):
        with ctx(store.id) as session:
            rows = {r.id for r in session.scalars(statement)}
            ids = set(session.scalars(column))
        assert own in rows and other not in rows
        assert own in ids and other not in ids


def test_lazy_loads_filter_by_the_store_bound_when_they_run(ctx, create_store, create_product):
    from saas.catalog.models import Product
    from saas.tenants.scoping import bound_tenant

    a, b = create_store(), create_store()
    product = create_product(a, title="Kain", status="active")
    with ctx(a.id) as session:
        loaded = session.scalar(select(Product).where(Product.id == product.id))
        with bound_tenant(b.id):
            assert loaded.variants == []  # store B is bound: none of A's rows load, not even lazily
        session.expire(loaded, ["variants"])
        assert [v.product_id for v in loaded.variants] == [product.id]  # and under A they do
