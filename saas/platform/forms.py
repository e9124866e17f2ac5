from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional

from saas.validators import max_length


class StoreStatusForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), max_length(300)])


class ConfirmForm(FlaskForm):
    """A button-only form: it carries the CSRF token."""
