"""Etalase: one Flask app that serves the platform, the builder, the operator console and every storefront."""
import logging
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user

from saas import config as settings
from saas.extensions import babel, csrf, db, limiter, login_manager, migrate
from saas.routing import STORE_HOST

LOCALES = ("id", "en")


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding it (tests pass their own)."""
    values = settings.from_environment()
    values.update(config or {})
    app = Flask(
        __name__,
        host_matching=True,
        static_host=values["PLATFORM_HOST"],
        instance_path=str(settings.INSTANCE),
    )
    from saas.ids import IdConverter

    # Before any route is added: every `<int:…>` in a URL stops at the largest id, so a longer number is a 404.
    app.url_map.converters["int"] = IdConverter
    app.config.update(values)
    from saas.sessions import CookieSessions

    app.session_interface = CookieSessions()
    app.config.setdefault("MAX_CONTENT_LENGTH", app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import saas.models  # noqa: F401  (every table registered before anything maps)
    import saas.orders.tasks  # noqa: F401  (registers the order jobs, which the worker and the clock run)

    _init_extensions(app)
    _register_blueprints(app)

    from saas import cli, compression, errors, routing, static_files, templating
    from saas.storefront import cache
    from saas.tenants import hosts

    routing.init_app(app)
    hosts.init_app(app)
    compression.init_app(app)
    cache.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    static_files.init_app(app)
    cli.init_app(app)
    from saas.storefront.themes import themes

    themes()  # every theme and section schema is validated now: a broken theme stops start-up, not a page
    return app


def _init_extensions(app: Flask) -> None:
    from saas import database, jobs

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    babel.init_app(app, locale_selector=select_locale)
    redis_url = app.config["REDIS_URL"]
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", redis_url if redis_url and redis_url.startswith("redis") else "memory://"
    )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    jobs.init_app(app)

    from saas.accounts.services import load_user

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from saas.accounts.views import bp as accounts_bp
    from saas.builder.views import bp as builder_bp
    from saas.platform.views import bp as platform_bp
    from saas.storage.views import bp as media_bp
    from saas.storefront.views import bp as storefront_bp

    platform = app.config["PLATFORM_HOST"]
    app.register_blueprint(platform_bp, host=platform)
    app.register_blueprint(accounts_bp, host=platform)
    app.register_blueprint(builder_bp, host=platform)
    app.register_blueprint(storefront_bp, host=STORE_HOST)
    app.register_blueprint(media_bp, host=platform)
    app.register_blueprint(media_bp, host=STORE_HOST, name="store_media")
    app.add_url_rule(
        "/static/<path:filename>", endpoint="store_static", host=STORE_HOST, view_func=app.send_static_file
    )


def select_locale() -> str:
    """The storefront speaks its store's language; platform pages follow the user, then the browser."""
    if not has_request_context():
        return "id"  # a CLI command or a job: no reader to ask (mail sets its reader's language itself)
    tenant = g.get("tenant")
    if g.get("site") == "store" and tenant is not None:
        return tenant.locale
    if current_user and current_user.is_authenticated:
        return current_user.locale
    if session.get("locale") in LOCALES:
        return session["locale"]
    return request.accept_languages.best_match(LOCALES) or "id"
