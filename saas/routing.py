"""Routes by host: platform blueprints answer on PLATFORM_HOST, the storefront on every other host."""
from flask import Blueprint, g
from flask.blueprints import BlueprintSetupState

STORE_HOST = "<store_host>"


class _HostSetupState(BlueprintSetupState):
    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        options.setdefault("host", self.options["host"])
        super().add_url_rule(rule, endpoint, view_func, **options)


class HostBlueprint(Blueprint):
    """A blueprint whose routes all answer on one host, given when it is registered: `host=...`."""

    def make_setup_state(self, app, options, first_registration=False):
        return _HostSetupState(self, app, options, first_registration)


def init_app(app) -> None:
    @app.url_value_preprocessor
    def _pop_store_host(endpoint, values):
        if values:
            values.pop("store_host", None)

    @app.url_defaults
    def _fill_store_host(endpoint, values):
        if "store_host" not in values and app.url_map.is_endpoint_expecting(endpoint, "store_host"):
            values["store_host"] = g.get("store_host") or _host_of(g.get("tenant"))


def _host_of(tenant) -> str | None:
    from flask import current_app

    return f"{tenant.slug}.{current_app.config['PLATFORM_HOST']}" if tenant else None


def store_host(tenant) -> str:
    """The hostname on which `tenant`'s storefront answers."""
    return _host_of(tenant)
