"""How fast the builder's product list answers with 10,000 products in one store.

    .venv/bin/python bench/product_list.py                      # a temporary SQLite database
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/etalase_bench .venv/bin/python bench/product_list.py

It creates the tables (db.create_all()), a store "bench" with --products products (bulk inserted: variants,
tags, five collections), signs a merchant in with the Flask test client and times GET /stores/bench/products
with each query string below. The time is taken around the in-process WSGI call, so it is server time: routing,
the queries and the template, with no network. A PostgreSQL database is reused when it already holds the
bench store (--rebuild drops and recreates every table first) and is ANALYZEd after loading, as autovacuum
would do. While /stores/<slug>/products doesn't exist yet, it times paginate(product_query(...)) in a request
context instead, and says so.
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from saas import create_app  # noqa: E402
from saas.extensions import db  # noqa: E402

SLUG = "bench"
EMAIL = "bench@etalase.test"
PASSWORD = "bench-kopi-tubruk-42"
BUDGET_MS = 200
PER_PAGE = 50

KINDS = ["Kemeja Batik", "Blus Batik", "Kain Batik", "Selendang", "Tas Tote", "Dompet", "Sarung Bantal", "Taplak Meja",
         "Outer Batik", "Dress Batik", "Rok Batik", "Celana Batik", "Syal", "Pouch", "Blangkon", "Dasi Batik"]
MOTIFS = ["Parang", "Kawung", "Truntum", "Sido Mukti", "Mega Mendung", "Lereng", "Ceplok", "Sekar Jagad", "Tambal",
          "Sogan", "Lurik", "Jlamprang", "Sidoluhur", "Wahyu Tumurun", "Semen Rama", "Grompol"]
DETAILS = ["Lengan Panjang", "Lengan Pendek", "Slim Fit", "Premium", "Katun", "Sutra", "Tulis", "Cap", "Anak",
           "Klasik", "Modern", "Pesisiran", "Sogan", "Indigo", "Marun", "Hijau Sage"]
VENDORS = [f"{a} {b}" for a in ("Batik", "Omah", "Griya", "Sanggar", "Rumah") for b in
           ("Sari", "Giriloyo", "Laweyan", "Trusmi", "Kauman", "Pekalongan")]
TAGS = ["pria", "wanita", "anak", "kantor", "kondangan", "promo", "baru", "premium", "katun", "sutra", "lebaran",
        "seragam", "hadiah", "tulis", "cap", "handmade", "ramah-lingkungan", "best-seller", "pre-order", "diskon"]

CASES = [
    ("no filter", {}),
    ("q=title word", {"q": "parang"}),
    ("q=SKU", None),  # filled in with a real SKU
    ("q=tag", {"q": "lebaran"}),
    ("q=no match", {"q": "zzzz"}),
    ("status=active", {"status": "active"}),
    ("stock=low", {"stock": "low"}),
    ("collection", None),  # filled in with the largest collection's id
    ("sort=price desc", {"sort": "price", "direction": "desc"}),
    ("sort=title asc", {"sort": "title", "direction": "asc"}),
    ("page=50", {"page": "50"}),
    ("q=word + page=5", {"q": "kemeja", "page": "5"}),
]


def build_app(database_url: str, media_dir: str):
    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench",
        "PLATFORM_HOST": "localhost",
        "REDIS_URL": None,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "MEDIA_DIR": media_dir,
        "OUTBOX_DIR": media_dir,
        "MAIL_URL": None,
        "S3_BUCKET": None,
    })


def load_store(n: int, seed: int = 7) -> int:
    """The bench store with n products, inserted in bulk; returns the store's id."""
    from saas.accounts.services import create_user, find_user
    from saas.catalog.models import Collection, CollectionProduct, Product, ProductTag, Variant
    from saas.ids import new_id
    from saas.tenants.services import create_store, store_by_slug
    from saas.tenants.scoping import bound_tenant

    existing = store_by_slug(SLUG)
    if existing is not None:
        with bound_tenant(existing.id):
            count = db.session.scalar(select(func.count()).select_from(Product))
        if count == n:
            print(f"reusing the bench store with {count} products")
            return existing.id
        sys.exit(f"the database already has a bench store with {count} products; use --rebuild")
    user = find_user(EMAIL) or create_user(EMAIL, PASSWORD, "Bench Merchant", locale="en")
    tenant = create_store(user, "Bench Batik", SLUG)
    db.session.commit()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    products, variants, tags = [], [], []
    with bound_tenant(tenant.id):
        for i in range(n):
            pid = new_id()
            title = f"{rng.choice(KINDS)} {rng.choice(MOTIFS)} {rng.choice(DETAILS)}"
            sizes = rng.choice([[None], [None], ["S", "M", "L"], ["S", "M", "L", "XL"], ["M", "L"]])
            price = rng.randrange(59, 1500) * 1000 * 100
            sale = rng.random() < 0.15
            tracked = rng.random() > 0.1
            state_roll = rng.random()
            codes = []
            stocks = []
            for position, size in enumerate(sizes):
                sku = f"BT-{i:05d}" + (f"-{size}" if size else "")
                barcode = f"899{rng.randrange(10**9, 10**10)}"
                codes += [sku.lower(), barcode]
                stock = (0 if state_roll < 0.1 else rng.randint(1, 4) if state_roll < 0.2 else rng.randint(6, 80))
                stocks.append(stock)
                variants.append(dict(
                    id=new_id(), tenant_id=tenant.id, product_id=pid, position=position, option1=size,
                    price=price, compare_at_price=price * 5 // 4 if sale else None, sku=sku, barcode=barcode,
                    weight_grams=rng.randint(80, 900), stock=stock, track_stock=tracked, allow_backorder=False,
                ))
            if not tracked:
                state = "untracked"
            elif all(s <= 0 for s in stocks):
                state = "out"
            elif any(s <= 5 for s in stocks):
                state = "low"
            else:
                state = "in_stock"
            created = now - timedelta(days=rng.uniform(0, 700))
            products.append(dict(
                id=pid, tenant_id=tenant.id, title=title, slug=f"{title.lower().replace(' ', '-')}-{i}",
                description_html=f"<p>{title}: batik pilihan dari {rng.choice(VENDORS)}.</p>",
                status=rng.choices(["active", "draft", "archived"], [80, 15, 5])[0], vendor=rng.choice(VENDORS),
                options=[{"name": "Ukuran", "values": sizes}] if sizes[0] else [],
                price_min=price, price_max=price, on_sale=sale, total_stock=sum(stocks) if tracked else 0,
                stock_state=state, variant_count=len(sizes), search_codes=" ".join(codes),
                created_at=created, updated_at=created + timedelta(days=rng.uniform(0, 30)),
            ))
            for tag in rng.sample(TAGS, rng.randint(1, 4)):
                tags.append(dict(id=new_id(), tenant_id=tenant.id, product_id=pid, tag=tag, key=tag.lower()))
        for model, rows in ((Product, products), (Variant, variants), (ProductTag, tags)):
            for start in range(0, len(rows), 2000):
                db.session.execute(insert(model), rows[start:start + 2000])
        members = []
        for title, share in (("Kemeja Pria", 0.3), ("Wanita", 0.25), ("Promo Lebaran", 0.08), ("Premium", 0.03),
                             ("Aksesoris", 0.12)):
            cid = new_id()
            chosen = rng.sample(products, int(n * share))
            db.session.execute(insert(Collection), [dict(id=cid, tenant_id=tenant.id, title=title,
                                                         slug=title.lower().replace(" ", "-"), product_count=len(chosen))])
            members += [dict(id=new_id(), tenant_id=tenant.id, collection_id=cid, product_id=p["id"], position=k)
                        for k, p in enumerate(chosen)]
        for start in range(0, len(members), 2000):
            db.session.execute(insert(CollectionProduct), members[start:start + 2000])
        db.session.commit()
    print(f"loaded {len(products)} products, {len(variants)} variants, {len(tags)} tags, "
          f"{len(members)} collection memberships")
    return tenant.id


class QueryCounter:
    def __init__(self, engine):
        self.count, self.seconds, self._started, self.statements = 0, 0.0, None, []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))
        self._started = time.perf_counter()

    def _after(self, *args):
        self.count += 1
        self.seconds += time.perf_counter() - self._started

    def reset(self):
        self.count, self.seconds, self.statements = 0, 0.0, []


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main():
    workdir = tempfile.mkdtemp(prefix="etalase-bench-")
    try:
        run(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # the SQLite database and any media


def run(workdir: str):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="drop and recreate every table first")
    parser.add_argument("--explain", action="store_true", help="print the query plans of the list's queries")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.db"
    app = build_app(database_url, workdir)
    with app.app_context():
        dialect = db.engine.dialect.name
        if args.rebuild:
            db.drop_all()
        db.create_all()
        started = time.perf_counter()
        tenant_id = load_store(args.products)
        print(f"setup took {time.perf_counter() - started:.1f} s")
        if dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        from saas.catalog.models import Collection, Variant
        from saas.tenants.scoping import bound_tenant

        with bound_tenant(tenant_id):
            sku = db.session.scalar(select(Variant.sku).where(Variant.sku.like("BT-04321%")).limit(1)) or "BT-00001"
            biggest = db.session.scalar(select(Collection.id).order_by(Collection.product_count.desc()).limit(1))
        server_version = db.session.scalar(text("select sqlite_version()" if dialect == "sqlite" else "show server_version"))
    cases = [(name, params if params is not None else ({"q": sku.lower()} if name == "q=SKU" else {"collection": str(biggest)}))
             for name, params in CASES]

    with app.app_context():
        counter = QueryCounter(db.engine)
    client = app.test_client()
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"could not sign in: {response.status_code}")
    probe = client.get(f"/stores/{SLUG}/products")
    via_http = probe.status_code == 200
    if probe.status_code not in (200, 404):
        sys.exit(f"/stores/{SLUG}/products answered {probe.status_code}:\n{probe.get_data(as_text=True)[:2000]}")

    def timed_http(params):
        counter.reset()
        started = time.perf_counter()
        response = client.get(f"/stores/{SLUG}/products", query_string=params)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (params, response.status_code)
        return elapsed, counter.count, counter.seconds

    def timed_direct(params):
        from werkzeug.datastructures import MultiDict

        from saas.catalog.models import Product
        from saas.catalog.search import ProductFilters, product_query
        from saas.platform.pagination import paginate
        from sqlalchemy.orm import selectinload

        with app.test_request_context(), bound_tenant(tenant_id):
            counter.reset()
            started = time.perf_counter()
            filters = ProductFilters.from_args(MultiDict(params))
            paginate(product_query(filters).options(selectinload(Product.images)), params.get("page"), PER_PAGE)
            elapsed = time.perf_counter() - started
            db.session.remove()
        return elapsed, counter.count, counter.seconds

    timed = timed_http if via_http else timed_direct
    print()
    print(f"database: {dialect} {server_version}; {args.products} products; {args.runs} runs per case after one warm-up")
    if via_http:
        print(f"timing GET /stores/{SLUG}/products (builder.products) through the test client: server time in ms")
    else:
        print(f"/stores/{SLUG}/products answered 404 (the page isn't there yet): timing "
              "paginate(product_query(filters)) inside a request context instead, without rendering")
    print()
    header = f"{'case':<20} {'median':>8} {'p95':>8} {'sql med':>8} {'queries':>8}  under {BUDGET_MS} ms"
    print(header)
    print("-" * len(header))
    slow = []
    for name, params in cases:
        timed(params)  # warm-up: caches, compiled statements, the template
        samples = [timed(params) for _ in range(args.runs)]
        times = [s[0] * 1000 for s in samples]
        sql = [s[2] * 1000 for s in samples]
        median, p95 = statistics.median(times), percentile(times, 95)
        ok = p95 < BUDGET_MS
        if not ok:
            slow.append(name)
        print(f"{name:<20} {median:8.1f} {p95:8.1f} {statistics.median(sql):8.1f} {samples[-1][1]:8d}  "
              f"{'yes' if ok else 'NO'}")
    print()
    print("every case is under budget" if not slow else f"over budget: {', '.join(slow)}")

    if args.explain:
        # the plans of the statements that the request really ran on the products table (the count and the page)
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        for name, params in cases:
            timed(params)
            statements = [(sql, parameters) for sql, parameters in counter.statements
                          if "FROM products" in sql and "product_images" not in sql.split("FROM", 1)[1][:40]]
            with app.app_context():
                for sql, parameters in statements:
                    print(f"\n== {name}\n{sql}\n   parameters: {parameters}")
                    with db.engine.connect() as conn:
                        for row in conn.exec_driver_sql(prefix + sql, parameters):
                            print("   ", " ".join(str(c) for c in row))


if __name__ == "__main__":
    main()
