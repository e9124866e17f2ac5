"""The shopper's account forms; they carry CSRF tokens, and the pages that show them are never cached."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from saas.customers.services import password_problem
from saas.orders.addresses import POSTAL_CODE, PROVINCES, normalize_phone
from saas.validators import max_length, strip, valid_email


def strong_password(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def optional_phone(form, field):
    if (field.data or "").strip():
        try:
            field.data = normalize_phone(field.data)
        except ValueError as error:
            raise ValidationError(str(error))
    else:
        field.data = ""


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), filters=[strip], validators=[
        InputRequired(_l("Enter your name.")), max_length(120)])
    email = EmailField(_l("Email"), filters=[strip], validators=[
        InputRequired(_l("Enter your email.")), max_length(254), valid_email()])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Choose a password.")), strong_password])
    accepts_marketing = BooleanField(_l("Email me news and offers from this store"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[InputRequired(_l("Enter your email.")),
                                                                 max_length(254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[InputRequired(_l("Enter your email.")),
                                                                 max_length(254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a password.")),
                                                             strong_password])


class AddressForm(FlaskForm):
    name = StringField(_l("Full name"), filters=[strip], validators=[
        InputRequired(_l("Enter the name of the person receiving it.")), Length(max=120)])
    phone = StringField(_l("Phone (WhatsApp)"), validators=[optional_phone])
    street = TextAreaField(_l("Street address"), filters=[strip], validators=[
        InputRequired(_l("Enter the street, house number and RT/RW.")), Length(max=300)])
    district = StringField(_l("District (kecamatan)"), filters=[strip], validators=[
        InputRequired(_l("Enter the district (kecamatan).")), Length(max=120)])
    city = StringField(_l("City or regency"), filters=[strip], validators=[
        InputRequired(_l("Enter the city or regency.")), Length(max=120)])
    province = SelectField(_l("Province"), choices=[SelectChoice("", _l("Choose a province"))] + [
        SelectChoice(p, p) for p in PROVINCES], validators=[InputRequired(_l("Choose a province."))])
    postal_code = StringField(_l("Postal code"), filters=[strip], validators=[
        InputRequired(_l("Enter the 5-digit postal code."))])
    is_default = BooleanField(_l("Use as my default address"))

    def validate_postal_code(self, field):
        if not POSTAL_CODE.match(field.data or ""):
            raise ValidationError(_l("Enter the 5-digit postal code, such as 40115."))

    def values(self) -> dict:
        return {name: self[name].data or "" for name in
                ("name", "phone", "street", "district", "city", "province", "postal_code")}
