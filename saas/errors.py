"""Branded error pages; a request on an unknown host gets a plain 404 with no platform chrome."""
import logging
from datetime import UTC, datetime

from flask import abort, g, render_template, request
from flask_babel import format_datetime
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)
PAGES = {400, 403, 404, 405, 413, 429, 500, 503}


def too_many_requests_page(reset_at: int | None):
    retry_after = max(1, int(reset_at - datetime.now(UTC).timestamp())) if reset_at else 60
    when = format_datetime(datetime.fromtimestamp(reset_at or 0, UTC), "short") if reset_at else None
    minutes = max(1, round(retry_after / 60))
    if _store_host():  # a shopper sees the store's own page, not the platform's
        response = render_template("errors/store_error.html", code=429, tenant=g.tenant, minutes=minutes)
    else:
        response = render_template("errors/429.html", retry_after=retry_after, retry_at=when, minutes=minutes)
    return response, 429, {"Retry-After": str(retry_after)}


def _store_host() -> bool:
    return g.get("site") == "store" and g.get("tenant") is not None


def holds_nul(values) -> bool:
    return any("\x00" in value for key, items in values.lists() for value in (key, *items) if isinstance(value, str))


def init_app(app) -> None:
    @app.before_request
    def _refuse_nul_bytes():
        """PostgreSQL can't store or compare text with a NUL in it (a 500 there), and nobody types one: a query
        string or form that holds one is a bad request on every database."""
        if holds_nul(request.args) or (request.method in ("POST", "PUT", "PATCH") and holds_nul(request.form)):
            abort(400)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if g.get("site") == "platform":
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error):
        # CSRFProtect checks before the host is resolved, so look the store up here.
        from flask import current_app, request

        from saas.tenants.hosts import tenant_for_host

        if request.host.lower() != current_app.config["PLATFORM_HOST"].lower():
            tenant = g.get("tenant") or tenant_for_host(request.host)
            if tenant is None:
                return render_template("errors/unknown_host.html"), 404
            g.store_host = request.host.lower()  # for the store's own asset URLs
            return render_template("errors/store_error.html", code=400, tenant=tenant), 400
        return render_template("errors/400.html", reason="csrf"), 400

    @app.errorhandler(429)
    def _rate_limited(error):
        reset_at = None
        try:
            from saas.extensions import limiter

            # Flask-Limiter 4's error.limit carries no request key; the request's breached limit is current_limit.
            current = limiter.current_limit
            reset_at = current.reset_at if current is not None and current.breached else None
        except Exception:  # the page must render even if the limiter's storage is unreachable
            reset_at = None
        return too_many_requests_page(reset_at)

    @app.errorhandler(HTTPException)
    def _http(error):
        code = error.code or 500
        if g.get("site") == "unknown":
            return render_template("errors/unknown_host.html"), 404
        if g.get("site") == "store":
            if code == 404 and g.get("tenant") is not None and g.tenant.is_active:
                from saas.storefront.views import not_found

                return not_found()  # the store's own themed page, with its header, search and products
            return render_template("errors/store_error.html", code=code, tenant=g.tenant), code
        template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
        return render_template(template, error=error), code

    @app.errorhandler(Exception)
    def _unexpected(error):
        log.exception("unhandled error")
        from saas.extensions import db

        db.session.rollback()
        if _store_host():
            return render_template("errors/store_error.html", code=500, tenant=g.tenant), 500
        return render_template("errors/500.html", error=InternalServerError()), 500
