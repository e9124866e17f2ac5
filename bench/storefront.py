"""How fast the storefront answers under load, against a bare Flask hello-world served the same way.

    .venv/bin/python bench/storefront.py                   # temporary SQLite database, page cache in files under instance/
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/etalase_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/storefront.py               # the production stack

It migrates the database and seeds the demo store, then starts four gunicorns, each with 2 sync workers (the
Procfile's settings), side by side: the app with its page cache ("cached"); with STOREFRONT_CACHE=0, so every
page is built: routed, its own product, collection or page read from the database and rendered ("uncached");
with STOREFRONT_CACHE=0 and STORE_FRAME_CACHE=0, so the store itself (found from the host) and the store-wide
frame (look, menus, badges, header and footer), otherwise kept per store version, are read for every page too
("cold", for information: it has no target); and bench/hello.py. Only one is loaded at a time.
This process is the load generator: --connections concurrent connections, each request on a new connection
(sync workers close it), timed from connect to the last byte. Each page is loaded for --seconds in each of
--rounds rounds, and hello-world for half that right after it, so that every figure of a page has one of
hello-world taken moments apart (this machine's speed drifts by a quarter from minute to minute). It prints
requests per second (the median of the rounds) and p50/p99 latency (over every request of every round) for the
home, collection and product pages, and for the product page's related products (which store.js fetches from
their own URL after the page has loaded), each one's ratio to hello-world (the median of the rounds' ratios),
and whether the targets hold: product page >= 0.25x hello-world uncached and >= 0.6x cached, p99 < 100 ms.
"""
import argparse
import asyncio
import contextlib
import html
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGETS = {"uncached": 0.25, "cached": 0.6}
MODES = {"cached": (True, True), "uncached": (False, True), "cold": (False, False)}  # (page cache, store frame)
P99_BUDGET_MS = 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(base: dict, port: int, cache: bool, frame: bool = True) -> dict:
    return {**base, "PLATFORM_HOST": f"localhost:{port}", "STOREFRONT_CACHE": "1" if cache else "0",
            "STORE_FRAME_CACHE": "1" if frame else "0"}


def prepare(env: dict) -> None:
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), "--app", "saas", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    if env["DATABASE_URL"].startswith("postgresql"):
        # What autovacuum does soon after a store is loaded: without statistics on its fresh tables, PostgreSQL
        # plans the storefront's statements for empty tables.
        from sqlalchemy import create_engine, text

        engine = create_engine(env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()


class Server:
    """gunicorn with 2 sync workers, as the Procfile runs it, and no access log."""

    def __init__(self, app: str, env: dict, port: int, chdir: Path = ROOT):
        self.port = port
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir),
             "--log-level", "warning", app], env=env, cwd=ROOT)

    def __enter__(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)


async def fetch(port: int, host: str, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data = await reader.read(-1)
    writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return status, data


async def load(port: int, host: str, path: str, connections: int, seconds: float) -> dict:
    """Requests per second and latencies (seconds, in the order they finished) of one closed-loop run."""
    latencies, errors = [], 0
    stop_at = time.perf_counter() + seconds

    async def one_connection():
        nonlocal errors
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                status, _body = await fetch(port, host, path)
            except OSError:
                status = 0
            if status != 200:
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "latencies": latencies, "errors": errors}


def summary(runs: list[dict], references: list[dict] | None = None) -> dict:
    """One figure of several runs: the median req/s, and p50/p99 over every request of every run; with the
    hello-world run taken beside each one, the median of their ratios."""
    ordered = sorted(latency for run in runs for latency in run["latencies"])
    found = {
        "rps": statistics.median(run["rps"] for run in runs),
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "errors": sum(run["errors"] for run in runs),
        "requests": len(ordered),
    }
    if references:
        found["ratio"] = statistics.median(run["rps"] / ref["rps"] for run, ref in zip(runs, references))
    return found


def pages(port: int, host: str) -> dict:
    """The demo store's home page, its first collection and its first product, found as a crawler would."""
    _status, sitemap = asyncio.run(fetch(port, host, "/sitemap.xml"))
    text = sitemap.decode()
    collection = next(p for p in re.findall(r"<loc>https?://[^/]+(/collections/[^<]+)</loc>", text)
                      if not p.endswith("/all"))
    product = re.findall(r"<loc>https?://[^/]+(/products/[^<]+)</loc>", text)[0]
    # The product page's related products, which store.js fetches from their own URL once the page has loaded.
    _status, page = asyncio.run(fetch(port, host, product))
    related = html.unescape(re.search(rb'data-recommendations="([^"]+)"', page).group(1).decode())
    return {"home": "/", "collection": collection, "product": product, "related": related}


def measure(ports: dict, hello_port: int, paths: dict, args) -> tuple[dict, dict]:
    """Every page of every mode in --rounds rounds, each run followed by one of hello-world."""
    for port in ports.values():
        host = f"demo.localhost:{port}"  # each server's PLATFORM_HOST names its own port
        for path in paths.values():
            status, _ = asyncio.run(fetch(port, host, path))
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            asyncio.run(load(port, host, path, args.connections, 1.0))  # warm the workers (and the cache)
    asyncio.run(load(hello_port, "localhost", "/", args.connections, 1.0))
    runs = {(label, name): ([], []) for label in ports for name in paths}
    for _round in range(args.rounds):
        for label, port in ports.items():
            for name, path in paths.items():
                page_runs, hello_runs = runs[(label, name)]
                page_runs.append(asyncio.run(load(port, f"demo.localhost:{port}", path, args.connections,
                                                  args.seconds)))
                hello_runs.append(asyncio.run(load(hello_port, "localhost", "/", args.connections, args.seconds / 2)))
    rows = {label: {name: summary(*runs[(label, name)]) for name in paths} for label in ports}
    return rows, summary([hello for _pages, hellos in runs.values() for hello in hellos])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="load time per page and round (default 2)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds over every page (default 4)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="etalase-bench-"))
    base = {**os.environ, "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": "0", "WORKER_ID": "7",
            "MEDIA_DIR": str(workdir / "media"), "OUTBOX_DIR": str(workdir / "outbox")}
    base.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    ports = {label: free_port() for label in MODES}
    hello_port = free_port()
    try:
        prepare(server_env(base, ports["cached"], True))
        with contextlib.ExitStack() as servers:
            for label, (cache, frame) in MODES.items():
                servers.enter_context(Server("saas:create_app()", server_env(base, ports[label], cache, frame),
                                             ports[label]))
            servers.enter_context(Server("hello:app", base, hello_port, chdir=ROOT / "bench"))
            paths = pages(ports["cached"], f"demo.localhost:{ports['cached']}")
            rows, hello = measure(ports, hello_port, paths, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    database = base["DATABASE_URL"].split(":", 1)[0]
    print(f"\nstorefront under load: gunicorn 2 sync workers, {args.connections} connections, {args.rounds} rounds of"
          f" {args.seconds:g} s a page, each followed by {args.seconds / 2:g} s of hello-world, {database},"
          f" {'Redis' if base.get('REDIS_URL') else 'file'} page cache, {os.cpu_count()} cores")
    print(f"pages: {', '.join(f'{k} {v}' for k, v in paths.items())}\n")
    print(f"{'page':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'x hello':>9}")
    print(f"{'hello-world':<22}{hello['rps']:>9.0f}{hello['p50']:>9.1f}{hello['p99']:>9.1f}{hello['errors']:>8}{1:>9.2f}")
    verdicts = []
    for label in ("uncached", "cached", "cold"):
        for name, result in rows[label].items():
            ratio = result["ratio"]
            print(f"{name + ' ' + label:<22}{result['rps']:>9.0f}{result['p50']:>9.1f}{result['p99']:>9.1f}"
                  f"{result['errors']:>8}{ratio:>9.2f}")
            if label == "cold":
                continue
            if name == "product":
                verdicts.append((f"product {label} >= {TARGETS[label]}x hello-world", ratio >= TARGETS[label]))
            verdicts.append((f"{name} {label} p99 < {P99_BUDGET_MS} ms", result["p99"] < P99_BUDGET_MS))
            verdicts.append((f"{name} {label} answered every request", result["errors"] == 0))
    # A closed loop: each connection sends its next request when the last one answers, so the mean latency is
    # connections / req/s (Little's law), and a p99 budget sets a floor on req/s.
    floor = args.connections / (P99_BUDGET_MS / 1000)
    print(f"\n{args.connections} connections in a closed loop: p99 < {P99_BUDGET_MS} ms needs more than {floor:.0f} req/s"
          f" ({floor / hello['rps']:.2f}x this hello-world) even if every request took the same time")
    print()
    for claim, held in verdicts:
        print(f"  {'ok  ' if held else 'MISS'} {claim}")
    return 0 if all(held for _claim, held in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
