"""The shopper's forms; they carry CSRF tokens, so the pages that show them are never cached."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from saas.orders.addresses import POSTAL_CODE, PROVINCES, normalize_phone

OTHER_POSTAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")


class CheckoutForm(FlaskForm):
    email = StringField(_l("Email"), validators=[
        InputRequired(_l("Enter your email so we can send your order confirmation.")), Length(max=254),
        Email(_l("Enter an email address such as nama@contoh.com."))])
    phone = StringField(_l("Phone (WhatsApp)"))
    name = StringField(_l("Full name"), validators=[InputRequired(_l("Enter the name of the person receiving it.")),
                                                    Length(max=120)])
    street = TextAreaField(_l("Street address"), validators=[Length(max=300)])
    district = StringField(_l("District (kecamatan)"), validators=[Length(max=120)])
    city = StringField(_l("City or regency"), validators=[Length(max=120)])
    province = SelectField(_l("Province"), choices=[SelectChoice("", _l("Choose a province"))] + [
        SelectChoice(p, p) for p in PROVINCES], validate_choice=False)
    postal_code = StringField(_l("Postal code"))
    country = SelectField(_l("Country"), choices=[], default="ID", validate_choice=False)
    shipping_option = RadioField(_l("Shipping"), choices=[], validate_choice=False)
    discount_code = StringField(_l("Discount code"), validators=[Length(max=64)])
    payment_method = RadioField(_l("Payment"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note for the store (optional)"), validators=[Length(max=1000)])
    idempotency_key = HiddenField()

    def validate_phone(self, field):
        try:
            field.data = normalize_phone(field.data)
        except ValueError as error:
            raise ValidationError(str(error))

    def validate_country(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a country we ship to."))

    @property
    def picking_up(self) -> bool:
        """Collecting the order in person: no delivery address is needed, only who comes for it."""
        return (self.shipping_option.data or "").startswith("pickup:")

    def validate_street(self, field):
        if not self.picking_up and not (field.data or "").strip():
            raise ValidationError(_l("Enter the street, house number and RT/RW."))

    def validate_district(self, field):
        if not self.picking_up and self.country.data == "ID" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the district (kecamatan)."))

    def validate_city(self, field):
        if not self.picking_up and not (field.data or "").strip():
            raise ValidationError(_l("Enter the city or regency."))

    def validate_province(self, field):
        if self.country.data == "ID" and field.data not in PROVINCES and not (self.picking_up and not field.data):
            raise ValidationError(_l("Choose a province."))

    def validate_postal_code(self, field):
        field.data = (field.data or "").strip().upper()
        if self.picking_up and not field.data:
            return
        if not field.data:
            raise ValidationError(_l("Enter the postal code."))
        if self.country.data == "ID" and not POSTAL_CODE.match(field.data):
            raise ValidationError(_l("Enter the 5-digit postal code, such as 40115."))
        if self.country.data != "ID" and not OTHER_POSTAL_CODE.match(field.data):
            raise ValidationError(_l("Enter the postal code as it is written in the address."))

    def validate_payment_method(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose how you will pay."))

    def address(self) -> dict:
        return {"name": (self.name.data or "").strip(), "street": (self.street.data or "").strip(),
                "district": (self.district.data or "").strip(), "city": (self.city.data or "").strip(),
                "province": self.province.data if self.country.data == "ID" else "",
                "postal_code": (self.postal_code.data or "").strip(), "country": self.country.data or "ID"}
