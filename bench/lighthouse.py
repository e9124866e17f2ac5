"""Lighthouse scores (mobile settings) for the product page of every theme on the demo store.

    npm install --prefix /tmp/lh lighthouse@12                  # once; no browser download, it drives Chromium
    CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse.py --lighthouse /tmp/lh/node_modules/.bin/lighthouse

It seeds the demo store in a temporary SQLite database, serves it with gunicorn as bench/storefront.py does,
publishes each theme in turn, runs Lighthouse (its default mobile emulation and simulated throttling) on one
product page, and prints the four category scores, LCP, and whether the targets hold: performance >= 95,
accessibility, best practices and SEO at 100.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storefront import BIN, ROOT, Server, free_port, pages, prepare, server_env  # noqa: E402

THEMES = ("minimal", "pasar", "butik")
PUBLISH = """
import sys
from sqlalchemy import select
from saas import create_app
from saas.extensions import db
from saas.storefront import look
from saas.tenants.models import Tenant
from saas.tenants.scoping import bound_tenant
with create_app().app_context():
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
    with bound_tenant(tenant.id):
        look.start_draft(sys.argv[1])
        look.publish("bench")
        db.session.commit()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lighthouse", default="lighthouse", help="the lighthouse command (default: on PATH)")
    args = parser.parse_args()
    if not shutil.which(args.lighthouse):
        print(f"{args.lighthouse} not found: npm install --prefix /tmp/lh lighthouse@12", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="etalase-lighthouse-"))
    base = {**os.environ, "SECRET_KEY": "bench-secret", "WORKER_ID": "8", "MEDIA_DIR": str(workdir / "media"),
            "DATABASE_URL": f"sqlite:///{workdir / 'lighthouse.db'}"}
    base.setdefault("CHROME_PATH", "/usr/bin/chromium")
    port = free_port()
    env = server_env(base, port, True)
    held = True
    try:
        prepare(env)
        with Server("saas:create_app()", env, port):
            product = pages(port, f"demo.localhost:{port}")["product"]
            print(f"product page: {product}, mobile emulation, simulated throttling\n")
            for theme in THEMES:
                subprocess.run([str(BIN / "python"), "-c", PUBLISH, theme], cwd=ROOT, env=env, check=True,
                               capture_output=True)
                report = workdir / f"{theme}.json"
                subprocess.run([args.lighthouse, f"http://demo.localhost:{port}{product}", "--quiet",
                                "--chrome-flags=--headless=new --no-sandbox --disable-gpu", "--output=json",
                                f"--output-path={report}"], env=env, check=True)
                result = json.loads(report.read_text())
                scores = {key: round(category["score"] * 100) for key, category in result["categories"].items()}
                lcp = result["audits"]["largest-contentful-paint"]["displayValue"]
                requested = [item["url"] for item in result["audits"]["network-requests"]["details"]["items"]]
                if not any(f"/theme-assets/{theme}/" in url for url in requested):
                    raise RuntimeError(f"the page did not use {theme}: was the publish seen?")
                ok = scores["performance"] >= 95 and all(scores[k] == 100 for k in scores if k != "performance")
                held &= ok
                print(f"{theme:<8} " + "  ".join(f"{k} {v}" for k, v in scores.items()) + f"  LCP {lcp}"
                      f"  {'ok' if ok else 'MISS'}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
