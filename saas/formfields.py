"""Form fields that read what merchants type: whole numbers and money in the store's currency."""
import re

from flask import g
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField

from saas.money import MoneyError, money_input, parse_money


_WHOLE = re.compile(r"-?(\d{1,3}([.,\s]\d{3})+|\d+)")


class WholeNumberField(IntegerField):
    """An integer with our own message (WTForms' is English only); blank is None."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        if not _WHOLE.fullmatch(text):
            self.data = None
            raise ValueError(_l("Enter a whole number, such as 5."))
        self.data = int(re.sub(r"[.,\s]", "", text))  # "1.200" and "1,200" are both twelve hundred


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
