"""Indonesian addresses and phone numbers, as the checkout asks for them."""
import re

import phonenumbers
from flask_babel import lazy_gettext as _l

PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi", "Bengkulu", "Sumatera Selatan",
    "Kepulauan Bangka Belitung", "Lampung", "Banten", "DKI Jakarta", "Jawa Barat", "Jawa Tengah",
    "DI Yogyakarta", "Jawa Timur", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat",
    "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan", "Sulawesi Tenggara", "Maluku",
    "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Tengah", "Papua Pegunungan", "Papua Selatan",
)
POSTAL_CODE = re.compile(r"^[1-9]\d{4}$")


def normalize_phone(raw: str) -> str:
    """The number in E.164 (+62…), read as Indonesian unless it starts with a country code; ValueError if not one."""
    text = (raw or "").strip()
    if not text:
        raise ValueError(_l("Enter a phone number so the courier can reach you."))
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        raise ValueError(_l("Enter a phone number such as 0812 3456 7890 or +62 812 3456 7890."))
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_l("Enter a phone number such as 0812 3456 7890 or +62 812 3456 7890."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "ID"), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
