"""Concurrent checkouts on PostgreSQL: orders per second, and how many units were oversold (it must be 0).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/etalase_bench .venv/bin/python bench/checkout.py

It creates a fresh database beside the one named (dropped afterwards), a store with cash on delivery and
--products products of --stock units each, then starts --buyers threads. Each buyer adds one random product to
a cart and checks out through the app's own HTTP handlers (the Flask test client, in process, so the figure is
server time without a network), all starting together. It prints orders per second, the p50/p95 time of the
"Place order" request, how many buyers were told "sold out", and the units sold beyond the stock.
"""
import argparse
import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ADDRESS = {"email": "pembeli@example.com", "phone": "0812 3456 7890", "name": "Pembeli Bench",
           "street": "Jl. Asia Afrika 8", "district": "Sumur Bandung", "city": "Kota Bandung",
           "province": "Jawa Barat", "postal_code": "40111", "payment_method": "cod", "note": ""}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--products", type=int, default=5)
    parser.add_argument("--stock", type=int, default=30, help="units of each product (default 30)")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        print("Set DATABASE_URL to a PostgreSQL database: row locks are what this measures.", file=sys.stderr)
        return 2
    url = make_url(base)
    name = f"{url.database}_checkout_bench"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return run(url.set(database=name).render_as_string(hide_password=False), args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(database_url: str, args) -> int:
    from saas import create_app
    from saas.accounts.services import create_user
    from saas.catalog import services as catalog
    from saas.catalog.models import Variant
    from saas.extensions import db
    from saas.orders.models import Order, OrderLine, PaymentMethod
    from saas.tenants.scoping import bound_tenant
    from saas.tenants.services import create_store

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 20}, "REDIS_URL": None,
                      "STOREFRONT_CACHE": False, "MAIL_URL": None, "PLATFORM_HOST": "localhost"})
    with app.app_context():
        db.create_all()
        owner = create_user("bench-checkout@example.com", "bench-checkout-password-1", "Bench")
        tenant = create_store(owner, "Toko Bench", "toko-bench")
        db.session.flush()
        with bound_tenant(tenant.id):
            db.session.add(PaymentMethod(provider="cod", enabled=True))
            variant_ids = [catalog.create_product(tenant, title=f"Barang {i}", options=(), price=50_000_00,
                                                  stock=args.stock, status="active").variants[0].id
                           for i in range(args.products)]
            db.session.commit()
        tenant_id = tenant.id
    timings, outcomes, ready = [], [], threading.Barrier(args.buyers)

    def buy():
        client, store = app.test_client(), "http://toko-bench.localhost"
        client.post("/cart/add", base_url=store, data={"variant_id": str(random.choice(variant_ids)), "quantity": "1"})
        page = client.get("/checkout", base_url=store).get_data(as_text=True)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
        ready.wait()
        started = time.perf_counter()
        response = client.post("/checkout", base_url=store, data={**ADDRESS, "idempotency_key": key})
        timings.append(time.perf_counter() - started)
        outcomes.append(response.status_code == 303 and "/orders/" in response.headers.get("Location", ""))

    threads = [threading.Thread(target=buy) for _ in range(args.buyers)]
    for thread in threads:
        thread.start()
    wall_started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall_started
    with app.app_context(), bound_tenant(tenant_id):
        orders = db.session.scalar(select(func.count()).select_from(Order))
        sold = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)))
        lowest = db.session.scalar(select(func.min(Variant.stock)))
    capacity = args.products * args.stock
    oversold = max(0, sold - capacity) + max(0, -lowest)
    timings.sort()
    print(f"\n{args.buyers} concurrent buyers, {args.products} products x {args.stock} units, PostgreSQL, "
          f"{os.cpu_count()} cores")
    print(f"orders placed      {orders}  ({sum(outcomes)} answered with the status page)")
    print(f"told 'sold out'    {args.buyers - sum(outcomes)}")
    print(f"orders per second  {orders / wall:.1f}  (all buyers done in {wall:.2f} s)")
    print(f"Place order p50    {statistics.median(timings) * 1000:.0f} ms, p95 "
          f"{timings[int(len(timings) * 0.95) - 1] * 1000:.0f} ms")
    print(f"units oversold     {oversold}  (lowest stock left: {lowest})")
    return 0 if oversold == 0 and orders == sum(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
