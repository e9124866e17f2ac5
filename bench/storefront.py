"""How fast the storefront answers under load, against a bare Flask hello-world served the same way.

    .venv/bin/python bench/storefront.py                   # temporary SQLite database, page cache in files under instance/
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/etalase_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/storefront.py               # the production stack

It migrates the database and seeds the demo store, then starts gunicorn with 2 sync workers (the Procfile's
settings) four times in turn: the app with its page cache ("cached"); with STOREFRONT_CACHE=0, so every page is
built: routed, its own product, collection or page read from the database and rendered ("uncached"); with
STOREFRONT_CACHE=0 and STORE_FRAME_CACHE=0, so the store itself (found from the host) and the store-wide frame
(look, menus, badges, header and footer), otherwise kept per store version, are read for every page too
("cold", for information: it has no target); and bench/hello.py.
This process is the load generator: --connections concurrent connections for --seconds per page, each request
on a new connection (sync workers close it), timed from connect to the last byte. It prints requests per
second and p50/p99 latency for the home, collection and product pages, and for the product page's related
products (which store.js fetches from their own URL after the page has loaded), each one's ratio to
hello-world, and whether the targets hold: product page >= 0.25x hello-world uncached and >= 0.6x cached, p99 < 100 ms.
"""
import argparse
import asyncio
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
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "errors": errors,
        "requests": len(ordered),
    }


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


def measure(port: int, host: str, paths: dict, args) -> dict:
    results = {}
    for name, path in paths.items():
        status, _ = asyncio.run(fetch(port, host, path))
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        asyncio.run(load(port, host, path, args.connections, 1.0))  # warm the workers (and the cache)
        results[name] = asyncio.run(load(port, host, path, args.connections, args.seconds))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="load time per page (default 8)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="etalase-bench-"))
    base = {**os.environ, "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": "0", "WORKER_ID": "7",
            "MEDIA_DIR": str(workdir / "media"), "OUTBOX_DIR": str(workdir / "outbox")}
    base.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    port = free_port()
    host = f"demo.localhost:{port}"
    try:
        prepare(server_env(base, port, True))
        rows = {}
        for label, (cache, frame) in MODES.items():
            with Server("saas:create_app()", server_env(base, port, cache, frame), port):
                paths = pages(port, host)
                rows[label] = measure(port, host, paths, args)
        with Server("hello:app", base, port, chdir=ROOT / "bench"):
            hello = asyncio.run(load(port, "localhost", "/", args.connections, 1.0))
            hello = asyncio.run(load(port, "localhost", "/", args.connections, args.seconds))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    database = base["DATABASE_URL"].split(":", 1)[0]
    print(f"\nstorefront under load: gunicorn 2 sync workers, {args.connections} connections, {args.seconds:g} s a page,"
          f" {database}, {'Redis' if base.get('REDIS_URL') else 'file'} page cache, {os.cpu_count()} cores")
    print(f"pages: {', '.join(f'{k} {v}' for k, v in paths.items())}\n")
    print(f"{'page':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'x hello':>9}")
    print(f"{'hello-world':<22}{hello['rps']:>9.0f}{hello['p50']:>9.1f}{hello['p99']:>9.1f}{hello['errors']:>8}{1:>9.2f}")
    verdicts = []
    for label in ("uncached", "cached", "cold"):
        for name, result in rows[label].items():
            ratio = result["rps"] / hello["rps"]
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
