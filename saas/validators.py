"""WTForms validators with messages in our catalogs (WTForms ships no Indonesian translation)."""
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length, ValidationError


def strip(value):
    """A field filter: surrounding spaces (common when an address is pasted) are not part of the value."""
    return value.strip() if isinstance(value, str) else value


def required():
    return DataRequired(message=_l("This field is required."))


def max_length(n: int):
    return Length(max=n, message=_l("Use at most %(max)d characters.", max=n))


def valid_email():
    """Syntax only, no DNS look-up; `.test` addresses (the demo's) are accepted."""
    message = _l("Enter a valid email address, such as nama@contoh.com.")

    def check(form, field):
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise ValidationError(message)

    return check
