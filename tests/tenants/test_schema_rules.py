"""The key rules of DESIGN.md "Tenancy", checked on every table of a TenantScoped model."""
import pytest
from sqlalchemy import UniqueConstraint

import saas.models  # noqa: F401  (every model registered before the metadata is walked)
from saas.extensions import db
from saas.orm import TenantScoped

TENANT_TABLES = sorted(
    {m.local_table for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}, key=lambda t: t.name
)
TENANT_TABLE_NAMES = {t.name for t in TENANT_TABLES}


def test_there_are_tenant_tables():
    assert TENANT_TABLES
    assert "tenants" not in TENANT_TABLE_NAMES  # a platform table must not be mistaken for a tenant one


def test_every_tenant_table_is_in_the_metadata():
    assert {db.metadata.tables[name] for name in TENANT_TABLE_NAMES} == set(TENANT_TABLES)


@pytest.fixture(params=TENANT_TABLES, ids=lambda t: t.name)
def table(request):
    return request.param


def test_primary_key_is_tenant_then_id(table):
    assert [c.name for c in table.primary_key.columns] == ["tenant_id", "id"]


def test_unique_constraints_include_tenant(table):
    uniques = [set(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)]
    uniques += [set(c.name for c in i.columns) for i in table.indexes if i.unique]
    # a unique column=True on a plain column becomes one of the above, so this covers it too
    uniques += [{c.name} for c in table.columns if c.unique]
    for columns in uniques:
        assert "tenant_id" in columns, f"{table.name}: unique {sorted(columns)} lacks tenant_id"


def test_foreign_keys_to_tenant_tables_are_composite(table):
    for constraint in table.foreign_key_constraints:
        target = constraint.referred_table
        if target.name not in TENANT_TABLE_NAMES:
            continue
        pairs = {(e.parent.name, e.column.name) for e in constraint.elements}
        assert len(pairs) >= 2, f"{table.name} → {target.name} is not composite"
        assert ("tenant_id", "tenant_id") in pairs, f"{table.name} → {target.name} doesn't pair tenant_id"


def test_no_single_column_foreign_key_into_a_tenant_table(table):
    for fk in table.foreign_keys:
        if fk.column.table.name in TENANT_TABLE_NAMES:
            assert len(fk.constraint.elements) >= 2, f"{table.name}.{fk.parent.name} points at one column"


def test_tenant_id_references_tenants(table):
    targets = {
        (e.parent.name, e.column.table.name, e.column.name)
        for constraint in table.foreign_key_constraints
        if len(constraint.elements) == 1
        for e in constraint.elements
    }
    assert ("tenant_id", "tenants", "id") in targets
    assert not table.c.tenant_id.nullable


def test_platform_tables_point_into_tenant_tables_with_the_tenant(table):
    # A global table (e.g. tenants.logo_media_id) may name a tenant row only with a composite key too.
    for other in db.metadata.tables.values():
        if other.name in TENANT_TABLE_NAMES:
            continue
        for constraint in other.foreign_key_constraints:
            if constraint.referred_table is table:
                assert "tenant_id" in {e.column.name for e in constraint.elements}, other.name
