"""CPU time to build a storefront page, in process, with the page cache off: the figure that bench/storefront.py's
requests per second follow, without the noise of a load generator sharing the machine.

    .venv/bin/python bench/storefront_cpu.py                    # temporary SQLite database
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/etalase_bench .venv/bin/python bench/storefront_cpu.py

It migrates the database and seeds the demo store (as bench/storefront.py does), then requests the home, collection
and product pages through the Flask test client, in batches, and prints for each page the statements it runs and
the CPU milliseconds per request: the fastest batch and the median one (other work on the machine slows batches
down, never speeds them up, so the fastest is the steadiest figure to compare). On a PostgreSQL server on this
machine it also prints the server's CPU per request (its backend for the app's connection, read from /proc).
"""
import argparse
import cProfile
import html
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storefront import prepare  # noqa: E402  (bench/storefront.py: migrate and seed the demo store)


def _backend_cpu_seconds(pids) -> float | None:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=20, help="timed batches per page (default 20)")
    parser.add_argument("--requests", type=int, default=20, help="requests per batch (default 20)")
    parser.add_argument("--profile", metavar="PAGE",
                        help="print cProfile's busiest functions for home, collection, product or related")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="etalase-cpu-"))
    env = {"SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": "0", "WORKER_ID": "7", "STOREFRONT_CACHE": "0",
           "MEDIA_DIR": str(workdir / "media"), "OUTBOX_DIR": str(workdir / "outbox"), "PLATFORM_HOST": "localhost:5000"}
    os.environ.update(env)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    try:
        prepare(dict(os.environ))
        return measure(args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(args) -> int:
    import logging

    from sqlalchemy import event, text

    from saas import create_app
    from saas.extensions import db

    app = create_app()
    logging.disable(logging.WARNING)
    client = app.test_client()
    base_url = "http://demo.localhost:5000"
    sitemap = client.get("/sitemap.xml", base_url=base_url).get_data(as_text=True)
    paths = {
        "home": "/",
        "collection": next(p for p in re.findall(r"<loc>https?://[^/]+(/collections/[^<]+)</loc>", sitemap)
                           if not p.endswith("/all")),
        "product": re.findall(r"<loc>https?://[^/]+(/products/[^<]+)</loc>", sitemap)[0],
    }
    product_page = client.get(paths["product"], base_url=base_url).get_data(as_text=True)
    paths["related"] = html.unescape(re.search(r'data-recommendations="([^"]+)"', product_page).group(1))
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        postgres = db.engine.dialect.name == "postgresql"
    database = os.environ["DATABASE_URL"].split(":", 1)[0]
    print(f"\nstorefront pages built in process, page cache off, {database}, {os.cpu_count()} cores")
    print(f"{'page':<12}{'queries':>8}{'cpu ms min':>12}{'cpu ms median':>15}{'db cpu ms':>11}   path")
    for name, path in paths.items():
        for _ in range(30):  # warm: templates compiled, statements cached and prepared
            assert client.get(path, base_url=base_url).status_code == 200, path
        statements.clear()
        client.get(path, base_url=base_url)
        queries = len(statements)
        backends = []
        if postgres:  # one thread: every request gets the pool's same connection back
            with app.app_context():
                backends = [db.session.scalar(text("SELECT pg_backend_pid()"))]
        batches, db_cpu = [], []
        for _ in range(args.batches):
            db_before = _backend_cpu_seconds(backends) if backends else None
            started = time.process_time()
            for _ in range(args.requests):
                client.get(path, base_url=base_url)
            batches.append((time.process_time() - started) / args.requests * 1000)
            db_after = _backend_cpu_seconds(backends) if backends else None
            if db_before is not None and db_after is not None:
                db_cpu.append(db_after - db_before)
        # /proc counts in clock ticks (10 ms): the total over every batch is the precise figure
        db_text = f"{sum(db_cpu) / (len(db_cpu) * args.requests) * 1000:>11.2f}" if db_cpu else f"{'-':>11}"
        print(f"{name:<12}{queries:>8}{min(batches):>12.2f}{statistics.median(batches):>15.2f}{db_text}   {path}")
    if args.profile:
        path = paths[args.profile]
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.requests * 5):
            client.get(path, base_url=base_url)
        profiler.disable()
        print(f"\ncProfile of {args.requests * 5} requests to {path} (CPU time; profiling inflates small calls):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
