"""A store's shipping and taxes: what the builder's Shipping and Taxes pages save, and what the checkout reads.

Every save function checks everything first and changes nothing when it raises ShippingError, whose `errors`
map a form field to a message for the person who typed it. They add and flush; the request commits.
"""
import logging
import re
from urllib.parse import urlsplit

from babel import Locale
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from saas.extensions import db
from saas.ids import parse_id
from saas.money import MAX_AMOUNT
from saas.orders.addresses import POSTAL_CODE, PROVINCES, normalize_phone
from saas.orm import move_in_list
from saas.payments.secrets import SecretsUnreadable, decrypt, encrypt
from saas.shipping import carriers as carrier_codes
from saas.shipping import providers
from saas.shipping.models import (
    Carrier,
    PickupLocation,
    RateKind,
    ShippingRate,
    ShippingSettings,
    ShippingZone,
    TaxSettings,
)
from saas.shipping.zones import normalize_city, normalize_province

log = logging.getLogger(__name__)

NAME_MAX = 120
CARRIER_NAME_MAX = 64
TEXT_MAX = 500
CITY_MAX = 80
MAX_CITIES = 300
MAX_TIERS = 20
MAX_GRAMS = 1_000_000_000  # a weight tier's bound: 1,000 tonnes is no parcel, and the page formats every value
MAX_DAYS = 365
MAX_BP = 10_000  # 100%
LABEL_MAX = 32
API_KEY_LENGTH = (8, 1000)
DEFAULT_ZONE = "Indonesia"
DEFAULT_RATE = "Reguler"
DEFAULT_RATE_IDR = 20_000_00  # Rp 20.000
DEFAULT_TAX = {"enabled": True, "label": "PPN", "prices_include_tax": True, "rate_bp": 1100, "tax_shipping": False}
TIERED = (RateKind.WEIGHT, RateKind.PRICE)
# Region codes that Babel names but that are not countries one ships to (EU, "unknown region", pseudo-locales…).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA"}
_API_KEY = re.compile(r"^\S+$")


class ShippingError(ValueError):
    """Input the Shipping or Taxes page can't save; `errors` maps a field name to a message."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


# Reading: what the checkout and the builder call


def shipping_settings() -> ShippingSettings:
    """The bound store's origin and rate service: the saved row, or unsaved defaults (reading writes nothing)."""
    found = db.session.scalar(select(ShippingSettings))
    return found if found is not None else ShippingSettings(origin={}, rate_provider="", rate_provider_secrets="")


def _settings_for_update() -> ShippingSettings:
    found = db.session.scalar(select(ShippingSettings))
    if found is None:
        found = ShippingSettings(origin={}, rate_provider="", rate_provider_secrets="")
        db.session.add(found)
    return found


def zones() -> list[ShippingZone]:
    """The bound store's zones in their order, with their rates loaded."""
    return list(db.session.scalars(select(ShippingZone).options(selectinload(ShippingZone.rates))
                                   .order_by(ShippingZone.position, ShippingZone.id)))


def zone(zone_id) -> ShippingZone | None:
    """The bound store's zone with that id, or None (another store's is never found)."""
    zone_id = parse_id(zone_id)
    if zone_id is None:
        return None
    return db.session.scalar(select(ShippingZone).where(ShippingZone.id == zone_id))


def rate(zone_: ShippingZone, rate_id) -> ShippingRate | None:
    """One of the zone's rates, or None."""
    rate_id = parse_id(rate_id)
    if rate_id is None:
        return None
    return db.session.scalar(select(ShippingRate).where(ShippingRate.id == rate_id,
                                                        ShippingRate.zone_id == zone_.id))


def pickup_locations(enabled_only: bool = False) -> list[PickupLocation]:
    statement = select(PickupLocation).order_by(PickupLocation.position, PickupLocation.id)
    if enabled_only:
        statement = statement.where(PickupLocation.enabled.is_(True))
    return list(db.session.scalars(statement))


def pickup_location(location_id) -> PickupLocation | None:
    location_id = parse_id(location_id)
    if location_id is None:
        return None
    return db.session.scalar(select(PickupLocation).where(PickupLocation.id == location_id))


def own_carriers() -> list[Carrier]:
    return carrier_codes.own_carriers()


def own_carrier(carrier_id) -> Carrier | None:
    carrier_id = parse_id(carrier_id)
    if carrier_id is None:
        return None
    return db.session.scalar(select(Carrier).where(Carrier.id == carrier_id))


def tax_settings() -> TaxSettings:
    """The bound store's tax settings, or unsaved defaults: PPN 11%, included in prices, shipping untaxed."""
    found = db.session.scalar(select(TaxSettings))
    return found if found is not None else TaxSettings(**DEFAULT_TAX)


def rate_provider_credentials() -> dict:
    """The rate service's opened secrets ({"api_key": …}); empty when none are saved or they can't be opened."""
    try:
        return decrypt(shipping_settings().rate_provider_secrets or "")
    except SecretsUnreadable:
        log.warning("the rate service's secrets can't be opened with the configured keys")
        return {}


def rate_provider_hint() -> str | None:
    """What the builder shows of the saved API key: its last 4 characters ("…" for a short key), "" when none is
    saved, None when it can't be opened."""
    token = shipping_settings().rate_provider_secrets or ""
    if not token:
        return ""
    try:
        key = str(decrypt(token).get("api_key") or "")
    except SecretsUnreadable:
        return None
    if not key:
        return ""
    return key[-4:] if len(key) >= 12 else "…"


# The origin and the rate service


def country_names(locale) -> dict[str, str]:
    """Every country code one can ship to, with its name in `locale`, sorted by name."""
    territories = Locale.parse(str(locale or "en")).territories
    names = {code: name for code, name in territories.items()
             if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES}
    return dict(sorted(names.items(), key=lambda item: item[1].casefold()))


def _known_countries() -> set[str]:
    return set(Locale.parse("en").territories) - _NOT_COUNTRIES


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def _canonical_province(name: str) -> str | None:
    key = normalize_province(name)
    return next((p for p in PROVINCES if normalize_province(p) == key), None)


def save_origin(values: dict) -> ShippingSettings:
    """Where parcels leave from: name, phone, street, district, city, province, postal_code, country."""
    errors = {}
    origin = {key: _clean(values.get(key)) for key in
              ("name", "phone", "street", "district", "city", "province", "postal_code", "country")}
    origin["country"] = origin["country"].upper() or "ID"
    if origin["country"] not in _known_countries():
        errors["country"] = _l("Choose a country from the list.")
    for key, limit in (("name", NAME_MAX), ("street", 255), ("district", NAME_MAX), ("city", NAME_MAX),
                       ("province", NAME_MAX)):
        if len(origin[key]) > limit:
            errors[key] = _l("Use at most %(max)d characters.", max=limit)
    if not origin["street"] and "street" not in errors:
        errors["street"] = _l("Enter the street and number.")
    if not origin["city"] and "city" not in errors:
        errors["city"] = _l("Enter the city or regency.")
    if origin["phone"]:
        try:
            origin["phone"] = normalize_phone(origin["phone"])
        except ValueError as error:
            errors["phone"] = str(error)
    if origin["country"] == "ID":
        province = _canonical_province(origin["province"])
        if province is None:
            errors["province"] = _l("Choose a province.")
        else:
            origin["province"] = province
        if not POSTAL_CODE.match(origin["postal_code"]):
            errors["postal_code"] = _l("Enter the 5-digit postal code, such as 40115.")
    elif len(origin["postal_code"]) > 12:
        errors["postal_code"] = _l("Use at most %(max)d characters.", max=12)
    if errors:
        raise ShippingError(errors)
    settings = _settings_for_update()
    settings.origin = origin
    db.session.flush()
    return settings


def save_rate_provider(provider: str, api_key: str = "") -> ShippingSettings:
    """Choose the rate service ("" for none, which forgets its key too). An empty key keeps the saved one."""
    provider = str(provider or "")
    api_key = str(api_key or "").strip()
    if provider and provider not in providers.available():
        raise ShippingError({"rate_provider": _l("Choose a rate service from the list.")})
    settings = _settings_for_update() if provider else shipping_settings()
    if not provider:
        if settings in db.session:
            settings.rate_provider, settings.rate_provider_secrets = "", ""
            db.session.flush()
        return settings
    low, high = API_KEY_LENGTH
    if api_key and (not _API_KEY.match(api_key) or not low <= len(api_key) <= high):
        raise ShippingError({"api_key": _l("This doesn’t look like an API key: copy it again, without spaces.")})
    saved = rate_provider_credentials().get("api_key", "") if settings.rate_provider == provider else ""
    key = api_key or saved
    if not key:
        raise ShippingError({"api_key": _l("Enter your %(service)s API key.", service=providers.get(provider).label)})
    settings.rate_provider = provider
    settings.rate_provider_secrets = encrypt({"api_key": key})
    db.session.flush()
    return settings


# Zones


def _check_name(name: str, taken: list[str], field: str = "name", limit: int = NAME_MAX, errors=None) -> str:
    name = _clean(name)
    if not name:
        errors[field] = _l("Enter a name.")
    elif len(name) > limit:
        errors[field] = _l("Use at most %(max)d characters.", max=limit)
    elif name.casefold() in {t.casefold() for t in taken}:
        errors[field] = _l("You already have one called %(name)s. Choose another name.", name=name)
    return name


def _check_bp(value, field: str, errors: dict) -> None:
    if value is not None and not 0 <= value <= MAX_BP:
        errors[field] = _l("Enter a percentage from 0 to 100.")


def save_zone(zone_: ShippingZone | None, *, name: str, countries, provinces=(), cities=(),
              tax_rate_bp: int | None = None) -> ShippingZone:
    """Add a zone (`zone_` None) or change one. Provinces and cities narrow a zone of Indonesia alone."""
    errors: dict = {}
    existing = zones()
    name = _check_name(name, [z.name for z in existing if zone_ is None or z.id != zone_.id], errors=errors)
    codes = []
    for code in countries or ():
        code = str(code or "").strip().upper()
        if code and code not in codes:
            codes.append(code)
    unknown = [c for c in codes if c not in _known_countries()]
    if not codes:
        errors["countries"] = _l("Choose at least one country.")
    elif unknown:
        errors["countries"] = _l("Unknown country code: %(codes)s.", codes=", ".join(c[:8] for c in unknown[:3]))
    indonesia_only = codes == ["ID"]
    chosen_provinces = []
    for province in provinces or ():
        canonical = _canonical_province(province)
        if canonical is None:
            errors["provinces"] = _l("%(name)s is not an Indonesian province.", name=_clean(province)[:60])
            break
        if canonical not in chosen_provinces:
            chosen_provinces.append(canonical)
    if chosen_provinces and not indonesia_only and "countries" not in errors:
        errors["provinces"] = _l("Provinces can only narrow a zone of Indonesia alone. Untick them, or choose only "
                                 "Indonesia.")
    chosen_cities, seen = [], set()
    for city in cities or ():
        city = _clean(city)
        if not city or normalize_city(city) in seen:
            continue
        if len(city) > CITY_MAX:
            errors["cities"] = _l("A city name has at most %(max)d characters: %(name)s…", max=CITY_MAX,
                                  name=city[:30])
            break
        seen.add(normalize_city(city))
        chosen_cities.append(city)
    if len(chosen_cities) > MAX_CITIES:
        errors["cities"] = _l("List at most %(max)d cities in one zone.", max=MAX_CITIES)
    elif chosen_cities and not indonesia_only and "countries" not in errors and "cities" not in errors:
        errors["cities"] = _l("Cities can only narrow a zone of Indonesia alone. Remove them, or choose only "
                              "Indonesia.")
    _check_bp(tax_rate_bp, "tax_rate", errors)
    if errors:
        raise ShippingError(errors)
    if zone_ is None:
        zone_ = ShippingZone(position=max((z.position for z in existing), default=-1) + 1)
        db.session.add(zone_)
    zone_.name, zone_.countries, zone_.provinces, zone_.cities = name, codes, chosen_provinces, chosen_cities
    zone_.tax_rate_bp = tax_rate_bp
    db.session.flush()
    return zone_


def delete_zone(zone_: ShippingZone) -> None:
    """Remove a zone and its rates."""
    db.session.delete(zone_)
    remaining = [z for z in zones() if z.id != zone_.id]
    for position, other in enumerate(remaining):
        other.position = position
    db.session.flush()


def move_zone(zone_: ShippingZone, offset: int) -> None:
    """Move a zone up (-1) or down (+1); where zones overlap, the one higher up wins."""
    move_in_list(zones(), zone_, offset)
    db.session.flush()


# Rates


def check_tiers(tiers, kind=RateKind.WEIGHT) -> tuple[list[dict], str | None]:
    """Tiers as saved, or the first problem with them: they start at 0, each starts where the one before ends, and
    only the last may be open (no "to"). Weight tiers go up to MAX_GRAMS, price tiers and prices to MAX_AMOUNT."""
    tiers = list(tiers or ())
    if not tiers:
        return [], _l("Add at least one tier.")
    if len(tiers) > MAX_TIERS:
        return [], _l("Use at most %(max)d tiers.", max=MAX_TIERS)
    clean = []
    for n, tier in enumerate(tiers, start=1):
        start, end, amount = tier.get("from"), tier.get("to"), tier.get("amount")
        if start is None:
            return [], _l("Tier %(n)d needs a starting value.", n=n)
        if amount is None:
            return [], _l("Enter a price for tier %(n)d.", n=n)
        if start < 0 or (end is not None and end < 0) or amount < 0:
            return [], _l("Tier %(n)d: use amounts of zero or more.", n=n)
        highest = max(start, end if end is not None else start)
        if kind == RateKind.WEIGHT and highest > MAX_GRAMS:
            return [], _l("Tier %(n)d: enter weights up to %(max)s g.", n=n, max=format_decimal(MAX_GRAMS))
        if highest > MAX_AMOUNT or amount > MAX_AMOUNT:
            return [], _l("Tier %(n)d: that amount is too large.", n=n)
        if end is not None and end <= start:
            return [], _l("Tier %(n)d must end above where it starts.", n=n)
        if end is None and n < len(tiers):
            return [], _l("Only the last tier can be left open, with no upper limit (tier %(n)d).", n=n)
        if n == 1 and start != 0:
            return [], _l("The first tier starts at 0, so that every cart gets a rate.")
        if n > 1:
            previous = clean[-1]["to"]
            if start < previous:
                return [], _l("Tier %(n)d starts before tier %(prev)d ends: tiers can’t overlap.", n=n, prev=n - 1)
            if start > previous:
                return [], _l("Tier %(n)d must start where tier %(prev)d ends, or some carts get no rate.", n=n,
                              prev=n - 1)
        clean.append({"from": int(start), "to": None if end is None else int(end), "amount": int(amount)})
    return clean, None


def quotable_carriers() -> dict[str, str]:
    """Carrier codes that some rate service can price, with their names."""
    codes = {code for name in providers.available() for code in providers.get(name).carriers}
    return {code: preset.name for code, preset in carrier_codes.PRESETS.items() if code in codes}


def save_rate(zone_: ShippingZone, rate_: ShippingRate | None, *, name: str, kind, amount: int | None = None,
              tiers=(), free_over: int | None = None, carrier: str = "", min_days: int | None = None,
              max_days: int | None = None, cod_allowed: bool = True, enabled: bool = True) -> ShippingRate:
    """Add a rate to a zone (`rate_` None) or change one. Amounts are minor units; weight tiers are in grams and
    price tiers in minor units. A calculated rate's amount is its price when the rate service can't answer."""
    errors: dict = {}
    name = _check_name(name, [], errors=errors)
    try:
        kind = RateKind(kind)
    except ValueError:
        errors["kind"] = _l("Choose how the rate is priced.")
        kind = None
    clean_tiers = []
    if kind in TIERED:
        clean_tiers, problem = check_tiers(tiers, kind)
        if problem:
            errors["tiers"] = problem
        amount = amount if amount is not None and amount >= 0 else 0
    elif kind is not None:
        if amount is None:
            errors["amount"] = (_l("Enter the price to charge when live rates can’t be had.")
                                if kind == RateKind.CALCULATED else _l("Enter a price, or 0 for free shipping."))
        elif amount < 0:
            errors["amount"] = _l("Enter an amount of zero or more.")
    if free_over is not None and free_over <= 0:
        errors["free_over"] = _l("Enter an amount above zero, or leave it empty.")
    carrier = str(carrier or "")
    if carrier and not carrier_codes.is_known(carrier, allow_other=False):
        errors["carrier"] = _l("Choose a carrier from the list.")
    elif kind == RateKind.CALCULATED and carrier not in quotable_carriers():
        errors["carrier"] = _l("Choose the carrier whose live rates to show: %(names)s.",
                               names=", ".join(quotable_carriers().values()))
    for key, days in (("min_days", min_days), ("max_days", max_days)):
        if days is not None and not 0 <= days <= MAX_DAYS:
            errors[key] = _l("Enter a number of days from 0 to %(max)d.", max=MAX_DAYS)
    if "min_days" not in errors and "max_days" not in errors and min_days is not None and max_days is not None \
            and min_days > max_days:
        errors["max_days"] = _l("The longest delivery time can’t be shorter than the shortest.")
    if errors:
        raise ShippingError(errors)
    if rate_ is None:
        rate_ = ShippingRate(zone_id=zone_.id, position=max((r.position for r in zone_.rates), default=-1) + 1)
        zone_.rates.append(rate_)
    rate_.name, rate_.kind, rate_.amount, rate_.tiers = name, kind, amount, clean_tiers
    rate_.free_over, rate_.carrier, rate_.min_days, rate_.max_days = free_over, carrier, min_days, max_days
    rate_.cod_allowed, rate_.enabled = bool(cod_allowed), bool(enabled)
    db.session.flush()
    return rate_


def delete_rate(zone_: ShippingZone, rate_: ShippingRate) -> None:
    zone_.rates.remove(rate_)
    db.session.flush()


# Pickup locations


def save_pickup_location(location: PickupLocation | None, *, name: str, address: str, instructions: str = "",
                         fee: int | None = 0, cod_allowed: bool = True, enabled: bool = True) -> PickupLocation:
    """Add a place where shoppers collect orders (`location` None) or change one; a fee of None is free."""
    errors: dict = {}
    others = [p.name for p in pickup_locations() if location is None or p.id != location.id]
    name = _check_name(name, others, errors=errors)
    address = str(address or "").strip()
    instructions = str(instructions or "").strip()
    if not address:
        errors["address"] = _l("Enter the address where shoppers collect their orders.")
    elif len(address) > TEXT_MAX:
        errors["address"] = _l("Use at most %(max)d characters.", max=TEXT_MAX)
    if len(instructions) > TEXT_MAX:
        errors["instructions"] = _l("Use at most %(max)d characters.", max=TEXT_MAX)
    fee = fee or 0
    if fee < 0:
        errors["fee"] = _l("Enter an amount of zero or more.")
    if errors:
        raise ShippingError(errors)
    if location is None:
        location = PickupLocation(position=max((p.position for p in pickup_locations()), default=-1) + 1)
        db.session.add(location)
    location.name, location.address, location.instructions, location.fee = name, address, instructions, fee
    location.cod_allowed, location.enabled = bool(cod_allowed), bool(enabled)
    db.session.flush()
    return location


def delete_pickup_location(location: PickupLocation) -> None:
    db.session.delete(location)
    db.session.flush()


# The merchant's own carriers


def save_carrier(carrier: Carrier | None, *, name: str, tracking_url: str = "") -> Carrier:
    """Add a carrier of the merchant's own (`carrier` None) or change one. Its tracking URL holds {number}."""
    errors: dict = {}
    others = [c.name for c in own_carriers() if carrier is None or c.id != carrier.id]
    name = _check_name(name, others, limit=CARRIER_NAME_MAX, errors=errors)
    if "name" not in errors and name.casefold() in {p.name.casefold() for p in carrier_codes.PRESETS.values()}:
        errors["name"] = _l("%(name)s is already in the list of carriers.", name=name)
    url = str(tracking_url or "").strip()
    if url:
        parts = urlsplit(url)
        if len(url) > TEXT_MAX:
            errors["tracking_url"] = _l("Use at most %(max)d characters.", max=TEXT_MAX)
        elif parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
            errors["tracking_url"] = _l("Enter a web address starting with https://.")
        elif carrier_codes.NUMBER not in url:
            errors["tracking_url"] = _l("Put {number} where the tracking number goes, such as "
                                        "https://kurir.example/lacak?resi={number}.")
    if errors:
        raise ShippingError(errors)
    if carrier is None:
        carrier = Carrier()
        db.session.add(carrier)
    carrier.name, carrier.tracking_url = name, url
    db.session.flush()
    return carrier


def delete_carrier(carrier: Carrier) -> None:
    """Remove one of the merchant's carriers; refused while a rate uses it."""
    code = carrier_codes.custom_code(carrier)
    using = db.session.scalars(select(ShippingRate).where(ShippingRate.carrier == code)).first()
    if using is not None:
        raise ShippingError({"carrier": _l("The rate %(rate)s uses %(carrier)s. Choose another carrier for it first.",
                                           rate=using.name, carrier=carrier.name)})
    db.session.delete(carrier)
    db.session.flush()


# Taxes


def save_tax_settings(*, enabled: bool, label: str, prices_include_tax: bool, rate_bp: int | None,
                      tax_shipping: bool) -> TaxSettings:
    """Rates are basis points: 1100 is 11%."""
    errors: dict = {}
    label = _clean(label)
    if not label:
        errors["label"] = _l("Enter the tax’s name as receipts show it, such as PPN.")
    elif len(label) > LABEL_MAX:
        errors["label"] = _l("Use at most %(max)d characters.", max=LABEL_MAX)
    if rate_bp is None:
        errors["rate"] = _l("Enter a rate, such as 11.")
    else:
        _check_bp(rate_bp, "rate", errors)
    if errors:
        raise ShippingError(errors)
    found = db.session.scalar(select(TaxSettings))
    if found is None:
        found = TaxSettings()
        db.session.add(found)
    found.enabled, found.label, found.prices_include_tax = bool(enabled), label, bool(prices_include_tax)
    found.rate_bp, found.tax_shipping = rate_bp, bool(tax_shipping)
    db.session.flush()
    return found


# New stores


def create_defaults(tenant) -> None:
    """A new store ships anywhere in Indonesia at a flat Rp 20.000 until the merchant says otherwise (taxes need no
    row: tax_settings() defaults to PPN 11% included)."""
    from saas.tenants.scoping import bound_tenant

    if (tenant.currency or "IDR") != "IDR":
        return  # a price in another currency is the merchant's to set: no free rate that nobody meant
    with bound_tenant(tenant.id):
        if db.session.scalar(select(func.count()).select_from(ShippingZone)):
            return
        zone_ = ShippingZone(name=DEFAULT_ZONE, countries=["ID"], provinces=[], cities=[], position=0)
        db.session.add(zone_)
        db.session.flush()
        zone_.rates.append(ShippingRate(
            zone_id=zone_.id, name=DEFAULT_RATE, kind=RateKind.FLAT, tiers=[], carrier="", position=0,
            amount=DEFAULT_RATE_IDR))
        db.session.flush()
