"""storefront product search: an FTS5 table on SQLite, a tsvector side table with a GIN index on PostgreSQL

Revision ID: 0005_search
Revises: 0004_content
Create Date: 2026-11-23 14:00:00.000000

The table lives outside the SQLAlchemy metadata (see saas/catalog/fulltext.py), so autogenerate never
sees it: migrations/env.py and tests/test_migrations.py leave it out with fulltext.include_name.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_search'
down_revision = '0004_content'
branch_labels = None
depends_on = None

# The DDL as of this revision, written out so that later changes to the module don't rewrite history.
SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_search USING fts5("
    "scope, title, tags, body, codes, tenant_id UNINDEXED, product_id UNINDEXED, active UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2')",
)
POSTGRESQL = (
    "CREATE TABLE IF NOT EXISTS product_search ("
    "tenant_id BIGINT NOT NULL, product_id BIGINT NOT NULL, active BOOLEAN NOT NULL DEFAULT false, "
    "document TSVECTOR NOT NULL, "
    "CONSTRAINT pk_product_search PRIMARY KEY (tenant_id, product_id), "
    "CONSTRAINT fk_product_search_tenant_id_product_id_products FOREIGN KEY (tenant_id, product_id) "
    "REFERENCES products (tenant_id, id) ON DELETE CASCADE)",
    "CREATE INDEX IF NOT EXISTS ix_product_search_document ON product_search USING gin (document)",
)


def upgrade():
    bind = op.get_bind()
    for statement in POSTGRESQL if bind.dialect.name == "postgresql" else SQLITE:
        op.execute(sa.text(statement))
    # Fill it for the products that already exist, with the same documents the app writes.
    from saas.catalog.fulltext import rebuild_all

    rebuild_all(bind)


def downgrade():
    # On SQLite this also drops FTS5's shadow tables (product_search_data, _idx, _content, _docsize, _config).
    op.execute(sa.text("DROP TABLE IF EXISTS product_search"))
