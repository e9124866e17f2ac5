from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional


class StoreStatusForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class ConfirmForm(FlaskForm):
    """A button-only form: it carries the CSRF token."""
