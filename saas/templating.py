"""What every template can use: the current store, money formatting, the store's URL, media URLs."""
import functools
from decimal import Decimal

from babel.numbers import format_currency
from flask import current_app, g, request
from flask_babel import get_locale
from flask_login import current_user

from saas.money import MINOR_UNITS, NO_DECIMALS, money_input
from saas.routing import store_host
from saas.storage.images import media_url, srcset



def format_money(amount_minor: int, currency: str) -> str:
    """Format an amount held in the currency's minor unit for the current locale."""
    locale = get_locale()
    if locale is None:
        return _format_money(amount_minor, currency, None)
    return _format_money_cached(amount_minor, currency, locale)


def money_formatter(currency: str):
    """format_money() for one currency, with the locale looked up once: for code that formats many prices."""
    locale = get_locale()
    if locale is None:
        return lambda amount_minor: _format_money(amount_minor, currency, None)
    return lambda amount_minor: _format_money_cached(amount_minor, currency, locale)


def _format_money(amount_minor: int, currency: str, locale) -> str:
    factor = MINOR_UNITS.get(currency, 100)
    value = Decimal(amount_minor) / factor  # exact: no float ever touches money
    if currency in NO_DECIMALS:
        return format_currency(value, currency, format="¤ #,##0", currency_digits=False, locale=locale)
    return format_currency(value, currency, locale=locale)


# A pure function of its arguments (Babel's locale data doesn't change): a page formats the same prices many
# times (cards, variants, badges), and Babel takes ~10 µs for each.
_format_money_cached = functools.lru_cache(maxsize=4096)(_format_money)


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["money_input"] = money_input
    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["srcset"] = srcset

    @app.context_processor
    def _globals():
        return {
            "current_tenant": g.get("tenant"),
            "current_locale": str(get_locale() or "id"),
            "platform_host": current_app.config["PLATFORM_HOST"],
            "store_url": lambda tenant: f"{request.scheme}://{store_host(tenant)}/",
            "current_user": current_user,
        }
