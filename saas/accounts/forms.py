from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from saas.accounts.services import password_problem
from saas.validators import max_length, required, strip, valid_email

# SelectChoice, not tuples: WTForms 3.3 deprecates tuple choices (a DeprecationWarning, an error under pytest).
LANGUAGES = [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]


def strong_password(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[required(), max_length(120)])
    email = EmailField(_l("Email"), filters=[strip], validators=[required(), valid_email(), max_length(254)])
    password = PasswordField(_l("Password"), validators=[required(), strong_password])
    store_name = StringField(_l("Store name"), validators=[required(), max_length(120)])
    subdomain = StringField(_l("Store address"), validators=[required(), max_length(63)])
    language = SelectField(_l("Language"), choices=LANGUAGES, default="id")


class LoginForm(FlaskForm):
    # No syntax check on sign-in: the lookup is the check, and a stricter rule than signup's (email_validator
    # refuses special-use domains such as the demo's etalase.test) would lock existing accounts out.
    email = EmailField(_l("Email"), filters=[strip], validators=[required(), max_length(254)])
    password = PasswordField(_l("Password"), validators=[required()])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[required(), max_length(254)])  # as LoginForm: any account can reset


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[required(), strong_password])
