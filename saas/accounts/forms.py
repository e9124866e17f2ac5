from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from saas.accounts.services import password_problem

LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]


def strong_password(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), strong_password])
    store_name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=120)])
    subdomain = StringField(_l("Store address"), validators=[DataRequired(), Length(max=63)])
    language = SelectField(_l("Language"), choices=LANGUAGES, default="id")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), strong_password])
