"""Benchmark the CSV product import: 10,000 rows, dry run then apply, through the real jobs.

    .venv/bin/python bench/import_products.py                 # a temporary SQLite database
    DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/import_products.py
    .venv/bin/python bench/import_products.py --rows 20000

It makes a fresh store, uploads a generated Etalase CSV (products with two sizes each, so two rows per
product), runs the check job and the apply job in this process, and prints rows per second for each.
A second pass imports the same file again, which updates nothing (every product unchanged).
"""
import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def generate(rows: int) -> bytes:
    from saas.catalog.transfers import ETALASE_COLUMNS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ETALASE_COLUMNS)
    writer.writeheader()
    for n in range(rows // 2):
        for index, size in enumerate(("M", "L")):
            row = {"handle": f"kaos-bench-{n}", "option1_name": "Ukuran", "option1_value": size,
                   "sku": f"KB-{n}-{size}", "price": f"{89 + n % 50}.000", "stock": str(n % 30),
                   "weight_grams": "200", "track_stock": "true", "allow_backorder": "false"}
            if index == 0:
                row.update(title=f"Kaos Bench {n}", description_html=f"<p>Kaos nomor {n}, katun combed.</p>",
                           status="active", vendor=f"Vendor {n % 20}", tags=f"kaos, bench, grup-{n % 10}")
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="etalase-bench-"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"

    from saas import create_app
    from saas.extensions import db

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None, "MEDIA_DIR": str(workdir / "media"),
        "OUTBOX_DIR": str(workdir / "outbox"), "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
        "S3_BUCKET": None, "MAIL_URL": None,
    })
    from saas.accounts.services import create_user
    from saas.catalog import transfers
    from saas.catalog.models import CatalogTransfer, Product
    from saas.jobs.queue import run_ready_in_process
    from saas.tenants.scoping import bound_tenant
    from saas.tenants.services import create_store
    from sqlalchemy import func, select

    data = generate(args.rows)
    with app.app_context():
        db.create_all()
        stamp = int(time.time())
        user = create_user(f"bench{stamp}@example.test", "bench-password-123", "Bench", locale="en")
        tenant = create_store(user, "Bench Store", f"bench-{stamp}")
        db.session.commit()
        tenant_id, user_id = tenant.id, user.id
    engine = database_url.split(":", 1)[0]
    print(f"database: {engine}  rows: {args.rows}  file: {len(data) / 1024 / 1024:.1f} MB")

    def run(label: str) -> None:
        with app.app_context(), bound_tenant(tenant_id):
            from saas.accounts.models import User
            from saas.tenants.models import Tenant

            tenant = db.session.get(Tenant, tenant_id)
            user = db.session.get(User, user_id)
            started = time.perf_counter()
            transfer = transfers.start_import(tenant, user, data, "bench.csv")
            db.session.commit()
            transfer_id = transfer.id
            run_ready_in_process()
            checked_at = time.perf_counter()
            transfer = db.session.get(CatalogTransfer, (tenant_id, transfer_id))
            assert transfer.status.value == "checked", (transfer.status, transfer.error)
            summary = transfer.summary
            assert not summary["error_count"], summary["errors"][:3]
            assert transfers.confirm_import(transfer)
            db.session.commit()
            run_ready_in_process()
            done_at = time.perf_counter()
            db.session.expire_all()
            transfer = db.session.get(CatalogTransfer, (tenant_id, transfer_id))
            assert transfer.status.value == "done", (transfer.status, transfer.error)
            count = db.session.scalar(select(func.count()).select_from(Product))
        check_s, apply_s, total_s = checked_at - started, done_at - checked_at, done_at - started
        print(f"{label}: create {summary['create']}, update {summary['update']}, unchanged {summary['unchanged']}; "
              f"products in store: {count}")
        print(f"  dry run  {check_s:6.2f} s  {args.rows / check_s:8.0f} rows/s")
        print(f"  apply    {apply_s:6.2f} s  {args.rows / apply_s:8.0f} rows/s")
        print(f"  total    {total_s:6.2f} s  {args.rows / total_s:8.0f} rows/s")

    run("first import (creates)")
    run("same file again (no changes)")


if __name__ == "__main__":
    main()
