"""Form fields that read what merchants type: whole numbers, percentages and money in the store's currency."""
import re
from decimal import Decimal

from babel.numbers import format_decimal as format_in
from flask import g
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField

from saas.money import MoneyError, money_input, parse_money


_WHOLE = re.compile(r"-?([0-9]{1,3}([.,\s][0-9]{3})+|[0-9]+)")
_PERCENT = re.compile(r"-?[0-9]{1,7}([.,][0-9]+)?")


def parse_whole(text: str) -> int:
    """A whole number as merchants type it ("1200", "1.200", "1,200" or "1 200"); ValueError when it isn't one."""
    text = str(text or "").strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError(text)
    return int(re.sub(r"[.,\s]", "", text))  # "1.200" and "1,200" are both twelve hundred


def _tenant_locale() -> str:
    tenant = g.get("tenant")
    return tenant.locale if tenant else "id"


class WholeNumberField(IntegerField):
    """An integer with our own message (WTForms' is English only); blank is None.

    `maximum` bounds it either way (-maximum to maximum): give one whenever the number goes into a column, so that a
    long string of digits is answered beside the field rather than overflowing the database."""

    def __init__(self, label=None, validators=None, maximum: int | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_whole(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number, such as 5.")) from None
        if self.maximum is not None and abs(self.data) > self.maximum:
            self.data = None
            raise ValueError(_("Enter a number up to %(max)s.", max=format_decimal(self.maximum)))


class PercentField(StringField):
    """A percentage typed as 10, 12.5 or 12,5 (a % sign is fine), held as basis points (1250); blank is None.

    It reads the number only, with a sign: what range a percentage may take (above 0, up to 100 …) is the service's
    rule, which it answers beside the field. Seven digits at most, so the value always fits an Integer column."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().removesuffix("%").strip()
        if not text:
            self.data = None
            return
        if not _PERCENT.fullmatch(text):
            self.data = None
            raise ValueError(_l("Enter a percentage, such as 10 or 12.5."))
        value = Decimal(text.replace(",", "."))
        if value != value.quantize(Decimal("0.01")):
            self.data = None
            raise ValueError(_l("Use at most two decimals."))
        self.data = int(value * 100)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        # In the store's locale, like the money fields beside it (12,5 in Indonesian); both separators read back.
        return format_in(Decimal(self.data) / 100, format="0.##", locale=_tenant_locale())


class MoneyField(StringField):
    """An amount typed in the bound store's currency (`150.000`), held as minor units; blank is None."""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = valuelist[0] if valuelist else ""
        tenant = g.get("tenant")
        try:
            self.data = parse_money(text, tenant.currency if tenant else "IDR", tenant.locale if tenant else "id")
        except MoneyError as error:
            self.data = None
            raise ValueError(str(error))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        tenant = g.get("tenant")
        if self.data is None:
            return ""
        return money_input(self.data, tenant.currency if tenant else "IDR", tenant.locale if tenant else "id")
