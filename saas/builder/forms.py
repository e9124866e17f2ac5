from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from saas.accounts.forms import LANGUAGES
from saas.tenants.services import CURRENCIES, TIMEZONES


class NewStoreForm(FlaskForm):
    store_name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=120)])
    subdomain = StringField(_l("Store address"), validators=[DataRequired(), Length(max=63)])


class StoreSettingsForm(FlaskForm):
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=120)])
    contact_email = EmailField(_l("Contact email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    contact_phone = StringField(
        _l("Phone"),
        validators=[Optional(), Length(max=32), Regexp(r"^\+?[0-9 ()\-]{6,32}$", message=_l("Enter a phone number, such as +62 812 3456 7890."))],
    )
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    logo = FileField(_l("Logo"))
    locale = SelectField(_l("Store language"), choices=LANGUAGES)
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES])
    timezone = SelectField(_l("Time zone"), choices=[(t, t) for t in TIMEZONES])
