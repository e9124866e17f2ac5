"""Browser-test harness: a separate app on its own database, served on a free loopback port, driven by Chromium.

The app here is not the rolled-back `app` of tests/conftest.py: a real server thread commits real
transactions, so it gets a database of its own (a temp SQLite file, or `<db>_browser_<worker>` on the
PostgreSQL server of TEST_DATABASE_URL), CSRF on (the browser sends real tokens) and no Redis (jobs run
in-process). Every test here is marked `browser`; each xdist worker that runs some starts its own server.
"""
import os
import threading
from pathlib import Path

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from saas import create_app
from saas.extensions import db
from tests.conftest import base_config, drop_postgres_database, postgres_database

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
WIDTHS = ((1280, 900), (390, 844))


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a browser test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


_RESPONSE = "tests.browser.response"


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr for every asset the browser fetches."""

    def log_request(self, *args, **kwargs):
        pass

    def connection_dropped(self, error, environ=None):
        # When the browser drops a connection mid-response (an aborted favicon fetch, say), werkzeug's server can
        # skip closing the response, and the file it was sending is left open until garbage collection.
        response = (environ or {}).get(_RESPONSE)
        if hasattr(response, "close"):
            response.close()


def _keeping_response(app):
    """The app, noting each response in its environ so that _QuietHandler can close it."""

    def serve(environ, start_response):
        response = environ[_RESPONSE] = app(environ, start_response)
        return response

    return serve


class LiveServer:
    """The served app: `url(path)` on the platform host, `store_url(slug, path)` on a store's host."""

    def __init__(self, app, port: int):
        self.app = app
        self.port = port
        self.errors: list[BaseException] = []

    @property
    def host(self) -> str:
        return f"localhost:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"

    def store_url(self, slug: str, path: str = "/") -> str:
        return f"http://{slug}.{self.host}{path}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    # Bind first (port 0 lets the OS choose), then build the app: PLATFORM_HOST must name the port.
    server = make_server("127.0.0.1", 0, None, threaded=True, request_handler=_QuietHandler)
    port = server.port
    postgres = os.environ.get("TEST_DATABASE_URL")
    if postgres:
        database_url = postgres_database(postgres, suffix="browser")
    else:
        database_url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'browser.db'}"
    config = base_config(tmp_path_factory, database_url)
    config.update(
        PLATFORM_HOST=f"localhost:{port}",
        WTF_CSRF_ENABLED=True,
        REDIS_URL=None,
        RATELIMIT_STORAGE_URI="memory://",
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
    live = LiveServer(app, port)

    def record(sender, exception, **extra):
        live.errors.append(exception)

    got_request_exception.connect(record, app)
    server.app = _keeping_response(app)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.engine.dispose()
        if postgres:
            drop_postgres_database(database_url)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    playwright = sync_api.sync_playwright().start()
    sync_api.expect.set_options(timeout=5_000)
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
    except BaseException:
        playwright.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test; fails the test on a JS error or a server exception."""
    context = browser.new_context(locale="en-US", viewport={"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
    context.set_default_timeout(10_000)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    page.on("console", lambda msg: js_errors.append(msg.text) if msg.type == "error" else None)
    errors_before = len(live_server.errors)
    try:
        yield page
    finally:
        context.close()
    assert not js_errors, f"errors in the browser console: {js_errors}"
    assert len(live_server.errors) == errors_before, f"the server raised: {live_server.errors[errors_before:]!r}"


@pytest.fixture
def screenshot(request):
    """screenshot(page, "landing") saves artifacts/<test>-landing-1280.png and -390.png (full page).

    It also fails when the page scrolls sideways at either width (a phone layout that doesn't fit).
    """
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> list[Path]:
        original = page.viewport_size
        paths = []
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            overflow = page.evaluate("() => document.documentElement.scrollWidth")
            assert overflow <= width, f"{name} is {overflow}px wide in a {width}px viewport (scrolls sideways)"
            path = ARTIFACTS / f"{request.node.name}-{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True, animations="disabled")
            paths.append(path)
        if original:
            page.set_viewport_size(original)
        return paths

    return take


A11Y_SCRIPT = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== "hidden";
  const problems = [];
  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) problems.push(`${h1s} <h1> elements`);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !visible(el)) continue;
    const labelled = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby");
    if (!labelled) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name || "?"} id=${el.id || "?"}`);
  }
  return problems;
}"""


@pytest.fixture
def check_a11y():
    """check_a11y(page): exactly one <h1>, and every visible form control has a label."""

    def check(page):
        problems = page.evaluate(A11Y_SCRIPT)
        assert not problems, f"accessibility problems on {page.url}: {problems}"

    return check
