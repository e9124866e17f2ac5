"""Money as integers in the currency's minor unit: parsing what a merchant types, and showing it back."""
import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import lazy_gettext as _l

# Currencies with no minor unit in everyday use are shown and typed without decimals (Rp 150.000).
NO_DECIMALS = {"IDR", "JPY", "KRW", "VND"}
MINOR_UNITS = {"IDR": 100, "JPY": 1, "KRW": 1, "VND": 1}
MAX_AMOUNT = 10**15  # minor units; far above any price, far below BIGINT

_GROUPED = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")
_TRAILING_ZERO_DECIMALS = re.compile(r"[.,]0{1,2}$")


class MoneyError(ValueError):
    """Text that isn't an amount; str() is a message for the person who typed it."""


def minor_factor(currency: str) -> int:
    return MINOR_UNITS.get(currency, 100)


def rounding_unit(currency: str) -> int:
    """The smallest amount worth computing to: a whole rupiah (100 sen) where no decimals are shown."""
    return minor_factor(currency) if currency in NO_DECIMALS else 1


def parse_money(text: str | None, currency: str, locale: str = "id") -> int | None:
    """Parse `150.000`, `Rp 150.000`, `150000` or (for cents currencies) `12.50` into minor units; blank is None."""
    cleaned = re.sub(r"(?i)^\s*(rp\.?|idr|\$|usd|sgd|s\$|€|eur|myr|rm)\s*", "", (text or "").strip()).strip()
    cleaned = cleaned.replace("\u00a0", " ").replace("\u202f", " ")
    if not cleaned:
        return None
    if cleaned.startswith("-"):
        raise MoneyError(_l("Enter an amount of zero or more."))
    factor = minor_factor(currency)
    try:
        if currency in NO_DECIMALS:
            # Both "150.000" and "150,000" mean a hundred and fifty thousand rupiah, whatever the locale.
            cleaned = _TRAILING_ZERO_DECIMALS.sub("", cleaned) if not _GROUPED.match(cleaned) else cleaned
            if cleaned.isdigit():
                value = Decimal(cleaned)
            elif _GROUPED.match(cleaned):
                value = Decimal(re.sub(r"[.,\s]", "", cleaned))
            else:
                raise MoneyError(_l("Enter a whole amount, such as 150.000."))
        else:
            value = parse_decimal(cleaned, locale=locale, strict=True)
            if value.as_tuple().exponent < -2:
                raise MoneyError(_l("Use at most two decimals."))
    except (NumberFormatError, InvalidOperation):
        raise MoneyError(_l("Enter an amount such as 150.000."))
    minor = int(value * factor)
    if minor > MAX_AMOUNT:
        raise MoneyError(_l("That amount is too large."))
    return minor


def money_input(minor: int | None, currency: str, locale: str = "id") -> str:
    """An amount as a merchant would type it back into a form: `150.000` in a rupiah store."""
    if minor is None:
        return ""
    value = Decimal(minor) / minor_factor(currency)
    if currency in NO_DECIMALS:
        return format_decimal(value, format="#,##0", locale=locale)
    return format_decimal(value, format="#,##0.00", locale=locale)
