"""How the product editor copes with a product of 100 variants (the issue's limit).

    .venv/bin/python bench/variant_editor.py                    # a temporary SQLite database
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/etalase_bench .venv/bin/python bench/variant_editor.py

It makes a store with one product of 10 × 10 options (100 variants), signs a merchant in with the test client,
and times the editor page (GET), saving one variant row the way the editor's script does (POST, JSON answer,
no page reload) and changing the options (which regenerates the matrix). Times are server time in ms.
"""
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from bench.product_list import build_app  # noqa: E402
from saas.extensions import db  # noqa: E402

EMAIL = "variants@etalase.test"
PASSWORD = "bench-sambal-matah-7"
RUNS = 15


def timed(client, method, url, engine, **kwargs):
    statements = []

    def count(*_):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    start = time.perf_counter()
    response = getattr(client, method)(url, **kwargs)
    elapsed = (time.perf_counter() - start) * 1000
    event.remove(engine, "before_cursor_execute", count)
    assert response.status_code in (200, 302), (url, response.status_code, response.get_data(as_text=True)[:300])
    return elapsed, len(statements), response


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="etalase-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.db"
    app = build_app(url, workdir)
    try:
        with app.app_context():
            from saas.accounts.services import create_user
            from saas.catalog import services as catalog
            from saas.tenants.scoping import bound_tenant
            from saas.tenants.services import create_store, store_by_slug

            db.create_all()
            slug = f"variants-{int(time.time())}"
            user = create_user(f"{slug}@etalase.test", PASSWORD, "Bench")
            tenant = create_store(user, "Variant bench", slug)
            with bound_tenant(tenant.id):
                options = [{"name": "Ukuran", "values": [str(s) for s in range(36, 46)]},
                           {"name": "Warna", "values": [f"Warna {c}" for c in range(10)]}]
                product = catalog.create_product(tenant, title="Sepatu 100 varian", options=options,
                                                 price=350_000_00, stock=5)
                product_id, variant_id = product.id, product.variants[57].id
            db.session.commit()
            email, engine = user.email, db.engine
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        base = f"/stores/{slug}/products/{product_id}"
        prefix = f"v{variant_id}-"
        row = {f"{prefix}price": "375.000", f"{prefix}compare_at_price": "", f"{prefix}cost": "", f"{prefix}sku": "",
               f"{prefix}barcode": "", f"{prefix}weight_grams": "700", f"{prefix}stock": "9",
               f"{prefix}track_stock": "y", f"{prefix}low_stock_threshold": "", f"{prefix}image_id": ""}
        cases = {
            "editor page (GET, 100 rows)": lambda n: timed(client, "get", base, engine),
            "save one row (POST, JSON)": lambda n: timed(
                client, "post", f"{base}/variants/{variant_id}", engine,
                data={**row, f"{prefix}stock": str(5 + n % 7)}, headers={"Accept": "application/json"}),
            "change options (regenerate)": lambda n: timed(
                client, "post", f"{base}/options", engine,
                data={"option_0_name": "Ukuran", "option_0_values": ", ".join(str(s) for s in range(36, 46)),
                      "option_1_name": "Warna",
                      "option_1_values": ", ".join(f"Warna {c}" for c in range(10 - n % 2))}),
        }
        print(f"database: {engine.dialect.name}; one product with 100 variants; {RUNS} runs per case after a warm-up")
        print(f"{'case':32} {'median':>8} {'p95':>8} {'queries':>8} {'bytes':>8}")
        for name, run in cases.items():
            run(0)
            results = [run(n + 1) for n in range(RUNS)]
            times = sorted(r[0] for r in results)
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            size = len(results[-1][2].get_data())
            print(f"{name:32} {statistics.median(times):8.1f} {p95:8.1f} {results[-1][1]:8d} {size:8d}")
        print("a row save answers with that row only; the page is not reloaded")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
