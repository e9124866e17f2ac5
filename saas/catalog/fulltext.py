"""Storefront product search: ranked full-text search over title, tags, vendor, description and codes.

One interface, two engines, chosen by the database's dialect:

- SQLite: an FTS5 virtual table `product_search` (tokenizer `unicode61 remove_diacritics 2`), ranked with
  bm25() column weights. Its rowid is the product id (snowflake ids are unique across stores), so a
  product's row is found without a scan. An indexed `scope` column holds `t<tenant>` (and `t<tenant>active`
  for products shoppers may see), so the full-text index itself narrows a query to one store.
- PostgreSQL: a side table `product_search(tenant_id, product_id, active, document tsvector)` with a GIN
  index, built with to_tsvector('simple', …) and setweight (A title, B tags and vendor, C description and
  codes), ranked with ts_rank_cd, prefixes through `'tok':*`. A composite foreign key to products removes
  a product's row with the product.

Text is folded in Python (lowercase, diacritics removed, letters and digits only) before it reaches either
engine, so both tokenise alike and no user input is ever parsed as query syntax: every token is a run of
letters or digits, quoted for FTS5 and for tsquery alike.

TENANCY: this is the one place that reads and writes tenant data outside the ORM. The search table can't
be a TenantScoped model (an FTS5 virtual table has no place in the metadata, and the tenant filter refuses
Core statements on tenant tables), so every statement here is text() that binds `tenant_id` explicitly:
reads take `current_tenant_id()` and raise TenantNotBound when no store is bound; index writes take the
tenant_id of the flushed rows themselves. The Product rows are then loaded through the ORM, where the
normal tenant filter applies a second time, so a stray id could never surface another store's product.

The index follows the catalog by itself: an `after_flush` listener collects the products whose searchable
fields changed (Product, Variant SKU/barcode, ProductTag) and rewrites their rows in the same transaction,
so a rollback undoes both. ORM bulk UPDATE/DELETE statements bypass it (the catalog uses none on searchable
columns); call reindex_product() or rebuild() after such a change.
"""
import difflib
import html
import re
import unicodedata

from sqlalchemy import bindparam, event, inspect, select, text
from sqlalchemy.orm import Session, selectinload

from saas.catalog import cards
from saas.catalog.models import Product, ProductStatus, ProductTag, Variant
from saas.extensions import db
from saas.tenants.scoping import TenantNotBound, current_tenant_id

TABLE = "product_search"
MAX_TOKENS = 12  # of a query: enough for any real search, and a 1000-character paste stays cheap
MAX_TOKEN_LENGTH = 64
MAX_BODY_CHARS = 20_000  # of a description that is indexed
MAX_LIMIT = 100
# bm25() weights, in the FTS5 column order: scope, title, tags (and vendor), body, codes.
BM25_WEIGHTS = (0.0, 10.0, 4.0, 1.0, 2.0)
# ts_rank_cd() weights for D, C, B, A.
TS_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
VOCABULARY_PRODUCTS = 5_000  # suggestions look at the newest products of a very large store only

_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</?(p|br|li|h[1-6]|div|tr|td|th|blockquote)\b[^>]*>", re.IGNORECASE)

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
    "scope, title, tags, body, codes, tenant_id UNINDEXED, product_id UNINDEXED, active UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2')",
)
POSTGRESQL_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "tenant_id BIGINT NOT NULL, product_id BIGINT NOT NULL, active BOOLEAN NOT NULL DEFAULT false, "
    "document TSVECTOR NOT NULL, "
    f"CONSTRAINT pk_{TABLE} PRIMARY KEY (tenant_id, product_id), "
    f"CONSTRAINT fk_{TABLE}_tenant_id_product_id_products FOREIGN KEY (tenant_id, product_id) "
    "REFERENCES products (tenant_id, id) ON DELETE CASCADE)",
    f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_document ON {TABLE} USING gin (document)",
)


# The table


def create_search_table(connection) -> None:
    """Create the search table (idempotent). db.create_all() does this by itself: see _on_products_create."""
    statements = POSTGRESQL_DDL if connection.dialect.name == "postgresql" else SQLITE_DDL
    for statement in statements:
        connection.execute(text(statement))


def drop_search_table(connection) -> None:
    connection.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))


def include_name(name, type_, parent_names) -> bool:
    """Alembic's include_name filter: the search table (and FTS5's shadow tables) live outside the metadata."""
    if type_ == "table" and name is not None and (name == TABLE or name.startswith(f"{TABLE}_")):
        return False
    return True


@event.listens_for(Product.__table__, "after_create")
def _on_products_create(target, connection, **kw) -> None:
    # Every db.create_all() (tests, browser tests, benches, `make run`) gets the search table with products.
    create_search_table(connection)


@event.listens_for(Product.__table__, "before_drop")
def _on_products_drop(target, connection, **kw) -> None:
    drop_search_table(connection)


# Text folding and query building


def fold(text_: str) -> list[str]:
    """The searchable tokens of a text: lowercase, without diacritics, runs of letters or digits."""
    decomposed = unicodedata.normalize("NFKD", (text_ or "").lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(stripped)


def _plain(html_text: str) -> str:
    with_breaks = _BLOCK_END.sub(" ", html_text or "")
    return html.unescape(_TAG.sub("", with_breaks))


def _query_chunks(query: str) -> list[list[str]]:
    """The query as words; a word with inner punctuation ("BTK-001") becomes a phrase of its tokens."""
    chunks, count = [], 0
    for word in (query or "")[:1000].split():
        tokens = [token[:MAX_TOKEN_LENGTH] for token in fold(word)]
        if not tokens:
            continue
        tokens = tokens[:MAX_TOKENS - count]
        chunks.append(tokens)
        count += len(tokens)
        if count >= MAX_TOKENS:
            break
    return chunks


def _fts5_query(chunks: list[list[str]]) -> str:
    # Tokens are letters and digits only, and each is double-quoted besides: nothing is FTS5 syntax.
    parts = ['"' + " ".join(chunk) + '"' for chunk in chunks]
    parts[-1] += " *"
    return "{title tags body codes} : (" + " AND ".join(parts) + ")"


def _tsquery(chunks: list[list[str]]) -> str:
    parts = []
    for index, chunk in enumerate(chunks):
        quoted = [f"'{token}'" for token in chunk]
        if index == len(chunks) - 1:
            quoted[-1] += ":*"
        parts.append("(" + " <-> ".join(quoted) + ")" if len(quoted) > 1 else quoted[0])
    return " & ".join(parts)


def _bound_tenant() -> int:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantNotBound("product search needs a bound store")
    return tenant_id


# Searching


def search_products(query: str, *, limit: int = 24, offset: int = 0,
                    only_active: bool = True) -> tuple[list[Product], int]:
    """The bound store's products that match `query`, best first, and how many match in all."""
    ids, total = search_ids(query, limit=limit, offset=offset, only_active=only_active)
    if not ids:
        return [], total
    # Through the ORM: the tenant filter applies again, and drafts are checked against the row itself.
    statement = select(Product).where(Product.id.in_(ids)).options(selectinload(Product.images))
    if only_active:
        statement = statement.where(Product.status == ProductStatus.ACTIVE)
    by_id = {product.id: product for product in db.session.scalars(statement)}
    return [by_id[i] for i in ids if i in by_id], total


def search_cards(query: str, *, limit: int = 24) -> tuple[list, int]:
    """search_products() for the storefront: the active matches as cards (saas.catalog.cards)."""
    ids, total = search_ids(query, limit=limit)
    if not ids:
        return [], total
    found = {card.id: card for card in cards.cards(cards.select_cards().where(
        Product.id.in_(ids), Product.status == ProductStatus.ACTIVE))}
    return [found[i] for i in ids if i in found], total


def search_ids(query: str, *, limit: int = 24, offset: int = 0, only_active: bool = True) -> tuple[list[int], int]:
    """The ids of the bound store's products that match `query`, best first, and how many match in all."""
    tenant_id = _bound_tenant()
    chunks = _query_chunks(query)
    if not chunks:
        return [], 0
    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _search_postgresql(connection, tenant_id, _tsquery(chunks), limit, offset, only_active)
    return _search_sqlite(connection, tenant_id, _fts5_query(chunks), limit, offset, only_active)


def _search_sqlite(connection, tenant_id, match, limit, offset, only_active):
    scope = f'scope : "t{tenant_id}active"' if only_active else f'scope : "t{tenant_id}"'
    params = {"match": f"{scope} AND {match}", "tenant_id": tenant_id, "limit": limit, "offset": offset}
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    where = f"{TABLE} MATCH :match AND tenant_id = :tenant_id"
    total = connection.execute(text(f"SELECT count(*) FROM {TABLE} WHERE {where}"), params).scalar_one()
    if not total or not limit:
        return [], total
    rows = connection.execute(text(
        f"SELECT product_id FROM {TABLE} WHERE {where} "
        f"ORDER BY bm25({TABLE}, {weights}), product_id DESC LIMIT :limit OFFSET :offset"
    ), params)
    return [int(row[0]) for row in rows], total


def _search_postgresql(connection, tenant_id, tsquery, limit, offset, only_active):
    params = {"query": tsquery, "tenant_id": tenant_id, "limit": limit, "offset": offset}
    where = "tenant_id = :tenant_id AND document @@ to_tsquery('simple', :query)"
    if only_active:
        where += " AND active"
    total = connection.execute(text(f"SELECT count(*) FROM {TABLE} WHERE {where}"), params).scalar_one()
    if not total or not limit:
        return [], total
    rows = connection.execute(text(
        f"SELECT product_id FROM {TABLE} WHERE {where} "
        f"ORDER BY ts_rank_cd('{TS_WEIGHTS}', document, to_tsquery('simple', :query)) DESC, product_id DESC "
        "LIMIT :limit OFFSET :offset"
    ), params)
    return [int(row[0]) for row in rows], total


def suggest(query: str) -> str | None:
    """A "did you mean" for a query that found nothing, from the words of the store's visible products.

    Each word that the store doesn't use is swapped for its closest word (difflib); the suggestion is
    offered only when it differs from the query and finds something.
    """
    _bound_tenant()
    words = [token for chunk in _query_chunks(query) for token in chunk]
    if not words:
        return None
    vocabulary = _vocabulary()
    if not vocabulary:
        return None
    suggested = []
    for word in words:
        if word in vocabulary or word.isdigit():
            suggested.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
        suggested.append(close[0] if close else word)
    if suggested == words:
        return None
    suggestion = " ".join(suggested)
    _, total = search_products(suggestion, limit=0)
    return suggestion if total else None


def _vocabulary() -> set[str]:
    visible = Product.status == ProductStatus.ACTIVE
    newest = (select(Product.id).where(visible).order_by(Product.created_at.desc())
              .limit(VOCABULARY_PRODUCTS).scalar_subquery())
    words = set()
    for title, vendor in db.session.execute(select(Product.title, Product.vendor).where(Product.id.in_(newest))):
        words.update(fold(title))
        words.update(fold(vendor))
    for (tag,) in db.session.execute(select(ProductTag.tag).where(ProductTag.product_id.in_(newest)).distinct()):
        words.update(fold(tag))
    return {word for word in words if len(word) > 1 and not word.isdigit()}


# Keeping the index in step


def reindex_product(product: Product) -> None:
    """Rewrite one product's row from the database (after flushing what the session holds)."""
    db.session.flush()
    _reindex(db.session.connection(), {(product.tenant_id, product.id)})


def remove_product(product_id: int) -> None:
    """Drop one of the bound store's products from the index."""
    tenant_id = _bound_tenant()
    _delete_rows(db.session.connection(), tenant_id, [product_id])


def rebuild(tenant_id: int, connection=None) -> int:
    """Rewrite every row of one store from its products; returns how many products were indexed."""
    connection = connection if connection is not None else db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DELETE FROM {TABLE} WHERE tenant_id = :tenant_id"), {"tenant_id": tenant_id})
    else:
        connection.execute(text(f"DELETE FROM {TABLE} WHERE {TABLE} MATCH :scope AND tenant_id = :tenant_id"),
                           {"scope": f'scope : "t{tenant_id}"', "tenant_id": tenant_id})
    ids = [row[0] for row in connection.execute(
        text("SELECT id FROM products WHERE tenant_id = :tenant_id ORDER BY id"), {"tenant_id": tenant_id})]
    for start in range(0, len(ids), 500):
        _reindex(connection, {(tenant_id, product_id) for product_id in ids[start:start + 500]})
    return len(ids)


def rebuild_all(connection) -> int:
    """Every store's rows (the migration fills the new table with this)."""
    tenants = [row[0] for row in connection.execute(text("SELECT DISTINCT tenant_id FROM products"))]
    return sum(rebuild(tenant_id, connection) for tenant_id in tenants)


def _expanding(sql: str):
    return text(sql).bindparams(bindparam("ids", expanding=True))


def _delete_rows(connection, tenant_id: int, product_ids) -> None:
    ids = list(product_ids)
    if not ids:
        return
    key = "product_id" if connection.dialect.name == "postgresql" else "rowid"  # FTS5: rowid is the product id
    connection.execute(_expanding(f"DELETE FROM {TABLE} WHERE tenant_id = :tenant_id AND {key} IN :ids"),
                       {"tenant_id": tenant_id, "ids": ids})


def _reindex(connection, pairs) -> None:
    """Rewrite the rows of these (tenant_id, product_id) pairs from the tables, inside the current transaction."""
    by_tenant: dict[int, set[int]] = {}
    for tenant_id, product_id in pairs:
        by_tenant.setdefault(tenant_id, set()).add(product_id)
    for tenant_id, ids in by_tenant.items():
        ids = sorted(ids)
        params = {"tenant_id": tenant_id, "ids": ids}
        products = connection.execute(_expanding(
            "SELECT id, title, description_html, vendor, status FROM products "
            "WHERE tenant_id = :tenant_id AND id IN :ids"), params).all()
        tags, codes = {}, {}
        for product_id, tag in connection.execute(_expanding(
                "SELECT product_id, tag FROM product_tags WHERE tenant_id = :tenant_id AND product_id IN :ids "
                "ORDER BY tag"), params):
            tags.setdefault(product_id, []).append(tag)
        for product_id, sku, barcode in connection.execute(_expanding(
                "SELECT product_id, sku, barcode FROM variants WHERE tenant_id = :tenant_id AND product_id IN :ids "
                "ORDER BY position"), params):
            for code in (sku, barcode):
                if code:
                    # "BTK-001" is found as typed and as "btk001"
                    codes.setdefault(product_id, []).extend([code, "".join(fold(code))])
        _delete_rows(connection, tenant_id, ids)
        rows = [_document(tenant_id, row, tags.get(row.id, []), codes.get(row.id, [])) for row in products]
        if not rows:
            continue
        if connection.dialect.name == "postgresql":
            connection.execute(text(
                f"INSERT INTO {TABLE} (tenant_id, product_id, active, document) VALUES (:tenant_id, :product_id, "
                ":active, setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :tags), "
                "'B') || setweight(to_tsvector('simple', :body), 'C') || setweight(to_tsvector('simple', :codes), "
                "'C'))"), rows)
        else:
            connection.execute(text(
                f"INSERT INTO {TABLE} (rowid, scope, title, tags, body, codes, tenant_id, product_id, active) "
                "VALUES (:product_id, :scope, :title, :tags, :body, :codes, :tenant_id, :product_id, :active)"), rows)


def _document(tenant_id: int, row, tags: list[str], codes: list[str]) -> dict:
    active = row.status == ProductStatus.ACTIVE.value
    scope = f"t{tenant_id}" + (f" t{tenant_id}active" if active else "")
    return {
        "tenant_id": tenant_id,
        "product_id": row.id,
        "active": active,
        "scope": scope,
        "title": " ".join(fold(row.title)),
        "tags": " ".join(fold(" ".join(tags + [row.vendor or ""]))),
        "body": " ".join(fold(_plain(row.description_html)[:MAX_BODY_CHARS])),
        "codes": " ".join(fold(" ".join(codes))),
    }


_PRODUCT_FIELDS = ("title", "description_html", "vendor", "status", "tag_rows", "variants")
_VARIANT_FIELDS = ("sku", "barcode", "product_id")
_TAG_FIELDS = ("tag", "product_id")


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "before_flush")
def _load_keys_of_deleted(session, flush_context, instances) -> None:
    # A row deleted while expired would have no product_id to read after the flush: load it while it exists.
    # (Orphans need no help: they were loaded, as members of a collection.)
    for obj in session.deleted:
        if isinstance(obj, (Variant, ProductTag)):
            obj.product_id  # noqa: B018


@event.listens_for(Session, "after_flush")
def _index_flushed(session, flush_context) -> None:
    """Rewrite the rows of the products whose searchable fields this flush changed, on the same connection."""
    pairs = set()

    def add_owner(obj) -> None:
        state = inspect(obj)
        tenant_id = state.dict.get("tenant_id") or (state.identity[0] if state.identity else None)
        pairs.add((tenant_id, state.dict.get("product_id")))
        for old in state.attrs.product_id.history.deleted or ():  # moved to another product: the old one too
            pairs.add((tenant_id, old))

    for obj in session.new:
        if isinstance(obj, Product):
            pairs.add((obj.tenant_id, obj.id))
        elif isinstance(obj, (Variant, ProductTag)):
            add_owner(obj)
    for obj in session.dirty:
        if isinstance(obj, Product) and _changed(obj, _PRODUCT_FIELDS):
            pairs.add((obj.tenant_id, obj.id))
        elif isinstance(obj, Variant) and _changed(obj, _VARIANT_FIELDS):
            add_owner(obj)
        elif isinstance(obj, ProductTag) and _changed(obj, _TAG_FIELDS):
            add_owner(obj)
    # session.deleted doesn't hold orphans (a tag removed from product.tag_rows); the flush's own list does.
    deleted = [state.obj() for state, (is_delete, _) in flush_context.states.items() if is_delete]
    for obj in deleted:
        if obj is None:
            continue
        if isinstance(obj, Product):
            identity = inspect(obj).identity  # (tenant_id, id), readable without loading a deleted row
            if identity:
                pairs.add(tuple(identity))
        elif isinstance(obj, (Variant, ProductTag)):
            add_owner(obj)
    pairs = {(t, p) for t, p in pairs if t is not None and p is not None}
    if pairs:
        _reindex(session.connection(), pairs)
