from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from saas.accounts.forms import LANGUAGES
from saas.formfields import WholeNumberField
from saas.tenants.services import CURRENCIES, TIMEZONES
from saas.validators import max_length, required, strip, valid_email


class NewStoreForm(FlaskForm):
    store_name = StringField(_l("Store name"), validators=[required(), max_length(120)])
    subdomain = StringField(_l("Store address"), validators=[required(), max_length(63)])


class StoreSettingsForm(FlaskForm):
    name = StringField(_l("Store name"), validators=[required(), max_length(120)])
    contact_email = EmailField(_l("Contact email"), filters=[strip], validators=[required(), valid_email(), max_length(254)])
    contact_phone = StringField(
        _l("Phone"),
        validators=[Optional(), max_length(32), Regexp(r"^\+?[0-9 ()\-]{6,32}$", message=_l("Enter a phone number, such as +62 812 3456 7890."))],
    )
    address = TextAreaField(_l("Address"), validators=[Optional(), max_length(500)])
    logo = FileField(_l("Logo"))
    locale = SelectField(_l("Store language"), choices=LANGUAGES)
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c) for c in CURRENCIES])
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(t) for t in TIMEZONES])
    low_stock_threshold = WholeNumberField(
        _l("Low stock threshold"),
        validators=[InputRequired(message=_l("Enter a whole number, such as 5.")),
                    NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100,000."))],
    )
