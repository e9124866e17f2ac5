"""The shopper's forms; they carry CSRF tokens, so the pages that show them are never cached."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from saas.orders.addresses import POSTAL_CODE, PROVINCES, normalize_phone


class CheckoutForm(FlaskForm):
    email = StringField(_l("Email"), validators=[
        InputRequired(_l("Enter your email so we can send your order confirmation.")), Length(max=254),
        Email(_l("Enter an email address such as nama@contoh.com."))])
    phone = StringField(_l("Phone (WhatsApp)"))
    name = StringField(_l("Full name"), validators=[InputRequired(_l("Enter the name of the person receiving it.")),
                                                    Length(max=120)])
    street = TextAreaField(_l("Street address"), validators=[
        InputRequired(_l("Enter the street, house number and RT/RW.")), Length(max=300)])
    district = StringField(_l("District (kecamatan)"), validators=[
        InputRequired(_l("Enter the district (kecamatan).")), Length(max=120)])
    city = StringField(_l("City or regency"), validators=[InputRequired(_l("Enter the city or regency.")),
                                                          Length(max=120)])
    province = SelectField(_l("Province"), choices=[SelectChoice("", _l("Choose a province"))] + [
        SelectChoice(p, p) for p in PROVINCES],
                           validators=[InputRequired(_l("Choose a province."))])
    postal_code = StringField(_l("Postal code"), validators=[InputRequired(_l("Enter the 5-digit postal code."))])
    payment_method = RadioField(_l("Payment"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note for the store (optional)"), validators=[Length(max=1000)])
    idempotency_key = HiddenField()

    def validate_phone(self, field):
        try:
            field.data = normalize_phone(field.data)
        except ValueError as error:
            raise ValidationError(str(error))

    def validate_postal_code(self, field):
        field.data = (field.data or "").strip()
        if not POSTAL_CODE.match(field.data):
            raise ValidationError(_l("Enter the 5-digit postal code, such as 40115."))

    def validate_payment_method(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose how you will pay."))

    def address(self) -> dict:
        return {"name": self.name.data.strip(), "street": self.street.data.strip(),
                "district": self.district.data.strip(), "city": self.city.data.strip(),
                "province": self.province.data, "postal_code": self.postal_code.data, "country": "ID"}
