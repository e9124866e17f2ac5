"""The builder's Shipping and Taxes pages: zones and their rates, local pickup, the merchant's own carriers, where
parcels ship from, the live-rate service, and how tax is charged.

The Shipping page shows several forms, each posting to its own URL; zones and rates have pages of their own. A
refused post comes back with the message beside the field and what was typed (the API key is never shown back).
"""
from decimal import Decimal

from babel.numbers import format_decimal
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from saas.builder.views import bp
from saas.extensions import db
from saas.formfields import MoneyField, PercentField, WholeNumberField, parse_whole
from saas.money import MoneyError, money_input, parse_money
from saas.orders.addresses import PROVINCES, display_phone
from saas.shipping import carriers, providers, zones as coverage
from saas.shipping import services as shipping
from saas.shipping.models import RateKind
from saas.validators import strip

KIND_LABELS = {
    RateKind.FLAT: _l("Flat rate"),
    RateKind.WEIGHT: _l("By weight"),
    RateKind.PRICE: _l("By order value"),
    RateKind.CALCULATED: _l("Live carrier rates"),
}
KIND_HINTS = {
    RateKind.FLAT: _l("One price for every order."),
    RateKind.WEIGHT: _l("The price depends on the parcel’s weight, in grams."),
    RateKind.PRICE: _l("The price depends on the order’s value, after discounts."),
    RateKind.CALCULATED: _l("The carrier’s own price for each parcel, from your rate service."),
}
BLANK_TIER_ROWS = 3


class ActionForm(FlaskForm):
    """Only the CSRF token: for the buttons that move or delete."""


class OriginForm(FlaskForm):
    name = StringField(_l("Sender name"), filters=[strip])
    phone = StringField(_l("Phone"), filters=[strip])
    street = StringField(_l("Street and number"), filters=[strip])
    district = StringField(_l("District (kecamatan)"), filters=[strip])
    city = StringField(_l("City or regency"), filters=[strip])
    province = SelectField(_l("Province"), validate_choice=False, choices=[
        SelectChoice("", _l("Choose a province"))] + [SelectChoice(p, p) for p in PROVINCES])
    postal_code = StringField(_l("Postal code"), filters=[strip])
    country = SelectField(_l("Country"), validate_choice=False, default="ID", choices=[])


class RateProviderForm(FlaskForm):
    rate_provider = RadioField(_l("Rate service"), default="", validate_choice=False, choices=[])
    api_key = PasswordField(_l("API key"), filters=[strip])


class ZoneForm(FlaskForm):
    name = StringField(_l("Zone name"), filters=[strip])
    countries = SelectMultipleField(_l("Countries"), validate_choice=False, choices=[])
    provinces = SelectMultipleField(_l("Provinces"), validate_choice=False, choices=[SelectChoice(p, p) for p in PROVINCES])
    cities = TextAreaField(_l("Cities"))
    tax_rate = PercentField(_l("Tax rate"))


class RateForm(FlaskForm):
    name = StringField(_l("Rate name"), filters=[strip])
    kind = RadioField(_l("How the price is set"), default=RateKind.FLAT.value, validate_choice=False,
                      choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    amount = MoneyField(_l("Price"))
    tiers = Field(_l("Tiers"))  # the rows are read from the request by hand; this holds their errors
    free_over = MoneyField(_l("Free from"))
    carrier = SelectField(_l("Carrier"), validate_choice=False, choices=[])
    min_days = WholeNumberField(_l("Delivery from (days)"))
    max_days = WholeNumberField(_l("Delivery up to (days)"))
    cod_allowed = BooleanField(_l("Allow cash on delivery"), default=True)
    enabled = BooleanField(_l("Offer this rate at checkout"), default=True)


class PickupForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip])
    address = TextAreaField(_l("Address"), filters=[strip])
    instructions = TextAreaField(_l("Instructions"), filters=[strip])
    fee = MoneyField(_l("Fee"))
    cod_allowed = BooleanField(_l("Shoppers may pay at pickup"), default=True)
    enabled = BooleanField(_l("Offer at checkout"), default=True)


class CarrierForm(FlaskForm):
    name = StringField(_l("Carrier name"), filters=[strip])
    tracking_url = StringField(_l("Tracking page"), filters=[strip])


class TaxForm(FlaskForm):
    enabled = BooleanField(_l("Charge tax"))
    label = StringField(_l("Tax name"), filters=[strip])
    prices_include_tax = RadioField(_l("Your prices"), default="included", validate_choice=False, choices=[
        SelectChoice("included", _l("Include tax")), SelectChoice("excluded", _l("Don’t include tax"))])
    rate = PercentField(_l("Tax rate"))
    tax_shipping = BooleanField(_l("Charge tax on shipping too"))


def _put_errors(form, errors: dict) -> None:
    """Put service errors beside their fields; one with no field of its own is flashed."""
    for key, message in errors.items():
        target = getattr(form, key, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(str(message), "error")


def _expired():
    flash(_("Your session expired. Please try again."), "error")


# Where Indonesian shops ship most, listed first so that the long list is rarely needed.
NEARBY = ("ID", "SG", "MY", "BN", "TL", "PH", "TH", "VN", "AU", "HK", "TW", "JP", "KR", "CN", "SA", "AE", "US", "GB",
          "NL")


def _countries() -> dict[str, str]:
    """Country names in the merchant's language, Indonesia first."""
    names = shipping.country_names(get_locale())
    return {"ID": names.get("ID", "Indonesia"), **{code: name for code, name in names.items() if code != "ID"}}


def _country_groups() -> dict:
    """The zone form's country choices: the usual destinations, then every other country."""
    names = _countries()
    return {
        _("Indonesia and frequent destinations"): [SelectChoice(code, names[code]) for code in NEARBY if code in names],
        _("All other countries"): [SelectChoice(code, name) for code, name in names.items() if code not in NEARBY],
    }


# The Shipping page


def _origin_form(formdata=None) -> OriginForm:
    if formdata is not None:
        form = OriginForm(prefix="origin")
    else:
        origin = dict(shipping.shipping_settings().origin or {})
        if origin.get("phone"):
            origin["phone"] = display_phone(origin["phone"])  # saved as +62…, shown as people write it
        form = OriginForm(prefix="origin", formdata=None, data={"country": "ID", **origin})
    form.country.choices = [SelectChoice(code, name) for code, name in _countries().items()]
    return form


def _provider_form(formdata=None) -> RateProviderForm:
    if formdata is not None:
        form = RateProviderForm(prefix="provider")
    else:
        form = RateProviderForm(prefix="provider", formdata=None,
                                data={"rate_provider": shipping.shipping_settings().rate_provider})
    form.rate_provider.choices = [SelectChoice("", _l("None: only my own rates"))] + [
        SelectChoice(name, providers.get(name).label) for name in providers.available()]
    return form


def _money(amount) -> str:
    from saas.templating import format_money

    return format_money(amount, g.tenant.currency)


def _grams(value) -> str:
    return _("%(grams)s g", grams=format_decimal(value, locale=get_locale()))


def _describe_tiers(rate) -> list[str]:
    """One line per tier, such as "1.000 g – 5.000 g: Rp 20.000"."""
    unit = _grams if rate.kind == RateKind.WEIGHT else _money
    lines = []
    for tier in rate.tiers or ():
        if tier["to"] is None:
            span = _("%(from)s and up", **{"from": unit(tier["from"])})
        else:
            span = _("%(from)s to under %(to)s", to=unit(tier["to"]), **{"from": unit(tier["from"])})
        lines.append(f"{span}: {_money(tier['amount']) if tier['amount'] else _('Free')}")
    return lines


def _destinations(zone, names: dict) -> str:
    countries = ", ".join(names.get(code, code) for code in zone.countries)
    parts = [countries]
    if zone.provinces:
        parts.append(", ".join(zone.provinces))
    if zone.cities:
        parts.append(", ".join(zone.cities))
    return " · ".join(parts)


def _warnings(zones, names: dict, settings) -> list[str]:
    """What stops shoppers from checking out, or surprises them, most serious first."""
    messages = []
    uncovered = coverage.uncovered_provinces(zones)
    if len(uncovered) == len(PROVINCES):
        messages.append(_("No zone ships to Indonesia, so shoppers there can’t check out. Add a zone for Indonesia."))
    elif uncovered:
        messages.append(_("No zone covers %(names)s, so shoppers there can’t check out.", names=", ".join(uncovered)))
    partly = coverage.partly_covered_provinces(zones)
    if partly:
        messages.append(_("Only the cities you listed have a zone in %(names)s. Shoppers elsewhere there can’t check "
                          "out.", names=", ".join(partly)))
    for zone in zones:
        if not any(rate.enabled for rate in zone.rates):
            messages.append(_("%(zone)s has no rate that is on, so shoppers there can’t check out.", zone=zone.name))
    for overlap in coverage.overlaps(zones):
        places = ", ".join(names.get(p, p) if coverage.specificity(overlap.first) == coverage.COUNTRY else p
                           for p in overlap.places)
        messages.append(_("%(first)s and %(second)s both cover %(places)s. Shoppers there get the rates of %(first)s, "
                          "which is higher in the list.", first=overlap.first.name, second=overlap.second.name,
                          places=places))
    live = [rate for zone in zones for rate in zone.rates if rate.enabled and rate.kind == RateKind.CALCULATED]
    if live and not settings.rate_provider:
        messages.append(_("Some rates use live carrier rates, but no rate service is set up: shoppers see their "
                          "fallback prices. Set one up under Live carrier rates."))
    elif live and not (settings.origin or {}).get("postal_code"):
        messages.append(_("Live carrier rates need your postal code: enter it under Ship from."))
    return messages


def _page(*, origin_form=None, provider_form=None, pickup_form=None, carrier_form=None):
    """Render the Shipping page, keeping whichever form was just submitted."""
    zones = shipping.zones()
    names = _countries()
    settings = shipping.shipping_settings()
    own = shipping.own_carriers()
    carrier_names = dict(carriers.choices(own=own))
    return render_template(
        "builder/shipping/index.html", zones=zones, warnings=_warnings(zones, names, settings),
        destinations={zone.id: _destinations(zone, names) for zone in zones},
        tiers={rate.id: _describe_tiers(rate) for zone in zones for rate in zone.rates},
        kind_labels=KIND_LABELS, carrier_names=carrier_names, settings=settings,
        tax=shipping.tax_settings(), action_form=ActionForm(formdata=None),
        origin_form=origin_form or _origin_form(), provider_form=provider_form or _provider_form(),
        key_hint=_key_hint(), pickups=shipping.pickup_locations(),
        pickup_form=pickup_form or PickupForm(prefix="pickup", formdata=None, data={"fee": 0}),
        own_carriers=own, carrier_form=carrier_form or CarrierForm(prefix="carrier", formdata=None),
        presets=carriers.PRESETS.values(), percent=_percent,
    )


def _key_hint() -> str | None:
    """The saved API key as the secret field's hint shows it: "ends in 4f2a"; "" when none, None when unreadable."""
    hint = shipping.rate_provider_hint()
    if hint == "…":
        return _("a key")
    return _("ends in %(last)s", last=hint) if hint else hint


def _percent(bp: int | None) -> str:
    if bp is None:
        return ""
    return format_decimal(Decimal(bp) / 100, format="0.##", locale=get_locale()) + "%"


def _back(anchor: str = ""):
    return redirect(url_for("builder.shipping", _anchor=anchor or None))


@bp.get("/<slug>/shipping", endpoint="shipping")
def shipping_page():  # not `shipping`: that name is the services module
    return _page()


@bp.post("/<slug>/shipping/origin")
def shipping_origin():
    form = _origin_form(formdata=request.form)
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            shipping.save_origin(values)
        except shipping.ShippingError as error:
            db.session.rollback()
            _put_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Ship-from address saved."), "success")
            return _back("origin")
    return _page(origin_form=form)


@bp.post("/<slug>/shipping/rate-provider")
def shipping_rate_provider():
    form = _provider_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            shipping.save_rate_provider(form.rate_provider.data or "", form.api_key.data or "")
        except shipping.ShippingError as error:
            db.session.rollback()
            _put_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Live carrier rates saved.") if form.rate_provider.data else
                  _("Live carrier rates are off. Calculated rates use their fallback prices."), "success")
            return _back("rate-provider")
    return _page(provider_form=form)


# Zones


def _zone(zone_id: int):
    """The bound store's zone, or a 404 (the tenant filter hides every other store's)."""
    found = shipping.zone(zone_id)
    if found is None:
        abort(404)
    return found


def _zone_form(zone=None, formdata=None) -> ZoneForm:
    if formdata is not None:
        form = ZoneForm(prefix="zone")
    elif zone is None:
        form = ZoneForm(prefix="zone", formdata=None, data={"countries": ["ID"]})
    else:
        form = ZoneForm(prefix="zone", formdata=None, data={
            "name": zone.name, "countries": list(zone.countries), "provinces": list(zone.provinces),
            "cities": "\n".join(zone.cities), "tax_rate": zone.tax_rate_bp})
    form.countries.choices = _country_groups()
    return form


def _zone_page(form, zone=None):
    names = _countries()
    chosen = [names[code] for code in form.countries.data or () if code in names]
    return render_template("builder/shipping/zone.html", form=form, zone=zone, provinces=PROVINCES, chosen=chosen,
                           default_tax=shipping.tax_settings(), percent=_percent, action_form=ActionForm(formdata=None))


def _save_zone(zone, form):
    """Save the posted zone form; the page to go to next, or None to show the form again with its errors."""
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            _expired()
        return None
    try:
        saved = shipping.save_zone(zone, name=form.name.data or "", countries=form.countries.data or [],
                                   provinces=form.provinces.data or [],
                                   cities=(form.cities.data or "").splitlines(), tax_rate_bp=form.tax_rate.data)
    except shipping.ShippingError as error:
        db.session.rollback()
        _put_errors(form, error.errors)
        return None
    db.session.commit()
    flash(_("Zone %(name)s saved.", name=saved.name), "success")
    if zone is None:  # a new zone has no rates yet: add the first
        return redirect(url_for("builder.new_shipping_rate", zone_id=saved.id))
    return _back(f"zone-{saved.id}")


@bp.route("/<slug>/shipping/zones/new", methods=["GET", "POST"])
def new_shipping_zone():
    form = _zone_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        done = _save_zone(None, form)
        if done is not None:
            return done
    return _zone_page(form)


@bp.route("/<slug>/shipping/zones/<int:zone_id>", methods=["GET", "POST"])
def edit_shipping_zone(zone_id):
    zone = _zone(zone_id)
    form = _zone_form(zone, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        done = _save_zone(zone, form)
        if done is not None:
            return done
        zone = _zone(zone_id)
    return _zone_page(form, zone)


@bp.post("/<slug>/shipping/zones/<int:zone_id>/delete")
def delete_shipping_zone(zone_id):
    zone = _zone(zone_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = zone.name
    shipping.delete_zone(zone)
    db.session.commit()
    flash(_("Zone %(name)s deleted.", name=name), "success")
    return _back("zones")


@bp.post("/<slug>/shipping/zones/<int:zone_id>/move")
def move_shipping_zone(zone_id):
    zone = _zone(zone_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    shipping.move_zone(zone, -1 if direction == "up" else 1)
    db.session.commit()
    flash(_("Zones reordered."), "success")
    return _back(f"zone-{zone_id}")


# Rates


def _rate(zone, rate_id: int):
    found = shipping.rate(zone, rate_id)
    if found is None:
        abort(404)
    return found


def _tier_text(value, kind, currency_field: bool) -> str:
    if value is None:
        return ""
    if currency_field or kind == RateKind.PRICE:
        return money_input(value, g.tenant.currency, g.tenant.locale)
    return str(value)


def _saved_tier_rows(rate) -> list[dict]:
    kind = rate.kind if rate is not None else RateKind.FLAT
    return [{"from": _tier_text(t["from"], kind, False), "to": _tier_text(t["to"], kind, False),
             "amount": _tier_text(t["amount"], kind, True)} for t in (rate.tiers if rate is not None else [])]


def _posted_tier_rows() -> list[dict]:
    columns = [request.form.getlist(f"rate-tier_{part}")[: shipping.MAX_TIERS + BLANK_TIER_ROWS]
               for part in ("from", "to", "amount")]
    rows = []
    for index in range(max(len(c) for c in columns)):
        row = {part: (column[index].strip() if index < len(column) else "")
               for part, column in zip(("from", "to", "amount"), columns)}
        if any(row.values()):
            rows.append(row)
    return rows


def _parse_tier_rows(rows: list[dict], kind: str) -> tuple[list[dict], str | None]:
    """The typed rows as tiers for the service (blank "to" is open-ended), or the first that can't be read."""
    tiers = []
    for n, row in enumerate(rows, start=1):
        tier = {}
        for part in ("from", "to", "amount"):
            text = row[part]
            if not text:
                tier[part] = None
                continue
            if text.startswith("-"):
                return [], _("Tier %(n)d: use amounts of zero or more.", n=n)
            try:
                if part == "amount" or kind == RateKind.PRICE.value:
                    tier[part] = parse_money(text, g.tenant.currency, g.tenant.locale)
                else:
                    tier[part] = parse_whole(text)
            except (MoneyError, ValueError):
                if part == "amount" or kind == RateKind.PRICE.value:
                    return [], _("Tier %(n)d: enter amounts such as 150.000.", n=n)
                return [], _("Tier %(n)d: enter weights in whole grams, such as 1000.", n=n)
        tiers.append(tier)
    return tiers, None


def _rate_form(rate=None, formdata=None) -> RateForm:
    if formdata is not None:
        form = RateForm(prefix="rate")
    elif rate is None:
        form = RateForm(prefix="rate", formdata=None)
    else:
        form = RateForm(prefix="rate", formdata=None, data={
            "name": rate.name, "kind": rate.kind.value, "amount": rate.amount, "free_over": rate.free_over,
            "carrier": rate.carrier, "min_days": rate.min_days, "max_days": rate.max_days,
            "cod_allowed": rate.cod_allowed, "enabled": rate.enabled})
        if rate.kind != RateKind.FLAT and rate.kind != RateKind.CALCULATED:
            form.amount.data = None  # tiered rates keep no price of their own
    form.carrier.choices = [SelectChoice("", _l("No carrier"))] + [
        SelectChoice(code, name) for code, name in carriers.choices(other=False)]
    return form


def _rate_page(zone, form, rows, rate=None):
    rows = list(rows) + [{"from": "", "to": "", "amount": ""}] * BLANK_TIER_ROWS
    if not rows[0]["from"]:
        rows[0] = {**rows[0], "from": "0"}  # the first tier starts at 0: typed for the merchant
    return render_template("builder/shipping/rate.html", zone=zone, rate=rate, form=form, tier_rows=rows,
                           kind_hints=KIND_HINTS, quotable=shipping.quotable_carriers(),
                           settings=shipping.shipping_settings(), action_form=ActionForm(formdata=None))


def _save_rate(zone, rate, form):
    rows = _posted_tier_rows()
    valid = form.validate_on_submit()
    tiers, problem = _parse_tier_rows(rows, form.kind.data or "")
    if problem and form.kind.data in (RateKind.WEIGHT.value, RateKind.PRICE.value):
        form.tiers.errors = list(form.tiers.errors or []) + [problem]
        valid = False
    if not valid:
        if "csrf_token" in form.errors:
            _expired()
        return None, rows
    try:
        saved = shipping.save_rate(
            zone, rate, name=form.name.data or "", kind=form.kind.data, amount=form.amount.data, tiers=tiers,
            free_over=form.free_over.data, carrier=form.carrier.data or "", min_days=form.min_days.data,
            max_days=form.max_days.data, cod_allowed=form.cod_allowed.data, enabled=form.enabled.data)
    except shipping.ShippingError as error:
        db.session.rollback()
        _put_errors(form, error.errors)
        return None, rows
    db.session.commit()
    flash(_("Rate %(name)s saved.", name=saved.name), "success")
    return _back(f"zone-{zone.id}"), rows


@bp.route("/<slug>/shipping/zones/<int:zone_id>/rates/new", methods=["GET", "POST"])
def new_shipping_rate(zone_id):
    zone = _zone(zone_id)
    if request.method == "GET":
        return _rate_page(zone, _rate_form(), [])
    form = _rate_form(formdata=request.form)
    done, rows = _save_rate(zone, None, form)
    return done or _rate_page(_zone(zone_id), form, rows)


@bp.route("/<slug>/shipping/zones/<int:zone_id>/rates/<int:rate_id>", methods=["GET", "POST"])
def edit_shipping_rate(zone_id, rate_id):
    zone = _zone(zone_id)
    rate = _rate(zone, rate_id)
    if request.method == "GET":
        return _rate_page(zone, _rate_form(rate), _saved_tier_rows(rate), rate)
    form = _rate_form(rate, formdata=request.form)
    done, rows = _save_rate(zone, rate, form)
    if done:
        return done
    zone = _zone(zone_id)
    return _rate_page(zone, form, rows, _rate(zone, rate_id))


@bp.post("/<slug>/shipping/zones/<int:zone_id>/rates/<int:rate_id>/delete")
def delete_shipping_rate(zone_id, rate_id):
    zone = _zone(zone_id)
    rate = _rate(zone, rate_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = rate.name
    shipping.delete_rate(zone, rate)
    db.session.commit()
    flash(_("Rate %(name)s deleted.", name=name), "success")
    return _back(f"zone-{zone_id}")


# Pickup locations


def _pickup(location_id: int):
    found = shipping.pickup_location(location_id)
    if found is None:
        abort(404)
    return found


def _save_pickup(location, form) -> bool:
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            _expired()
        return False
    try:
        saved = shipping.save_pickup_location(
            location, name=form.name.data or "", address=form.address.data or "",
            instructions=form.instructions.data or "", fee=form.fee.data, cod_allowed=form.cod_allowed.data,
            enabled=form.enabled.data)
    except shipping.ShippingError as error:
        db.session.rollback()
        _put_errors(form, error.errors)
        return False
    db.session.commit()
    flash(_("Pickup location %(name)s saved.", name=saved.name), "success")
    return True


@bp.post("/<slug>/shipping/pickup")
def add_shipping_pickup():
    form = PickupForm(prefix="pickup")
    if _save_pickup(None, form):
        return _back("pickup")
    return _page(pickup_form=form)


@bp.route("/<slug>/shipping/pickup/<int:location_id>", methods=["GET", "POST"])
def edit_shipping_pickup(location_id):
    location = _pickup(location_id)
    if request.method == "GET":
        form = PickupForm(prefix="pickup", formdata=None, obj=location)
    else:
        form = PickupForm(prefix="pickup")
        if _save_pickup(location, form):
            return _back("pickup")
        location = _pickup(location_id)
    return render_template("builder/shipping/pickup.html", form=form, location=location,
                           action_form=ActionForm(formdata=None))


@bp.post("/<slug>/shipping/pickup/<int:location_id>/delete")
def delete_shipping_pickup(location_id):
    location = _pickup(location_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = location.name
    shipping.delete_pickup_location(location)
    db.session.commit()
    flash(_("Pickup location %(name)s deleted.", name=name), "success")
    return _back("pickup")


# The merchant's own carriers


def _carrier(carrier_id: int):
    found = shipping.own_carrier(carrier_id)
    if found is None:
        abort(404)
    return found


def _save_carrier(carrier, form) -> bool:
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            _expired()
        return False
    try:
        saved = shipping.save_carrier(carrier, name=form.name.data or "", tracking_url=form.tracking_url.data or "")
    except shipping.ShippingError as error:
        db.session.rollback()
        _put_errors(form, error.errors)
        return False
    db.session.commit()
    flash(_("Carrier %(name)s saved.", name=saved.name), "success")
    return True


@bp.post("/<slug>/shipping/carriers")
def add_shipping_carrier():
    form = CarrierForm(prefix="carrier")
    if _save_carrier(None, form):
        return _back("carriers")
    return _page(carrier_form=form)


@bp.route("/<slug>/shipping/carriers/<int:carrier_id>", methods=["GET", "POST"])
def edit_shipping_carrier(carrier_id):
    carrier = _carrier(carrier_id)
    if request.method == "GET":
        form = CarrierForm(prefix="carrier", formdata=None, obj=carrier)
    else:
        form = CarrierForm(prefix="carrier")
        if _save_carrier(carrier, form):
            return _back("carriers")
        carrier = _carrier(carrier_id)
    return render_template("builder/shipping/carrier.html", form=form, carrier=carrier)


@bp.post("/<slug>/shipping/carriers/<int:carrier_id>/delete")
def delete_shipping_carrier(carrier_id):
    carrier = _carrier(carrier_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = carrier.name
    try:
        shipping.delete_carrier(carrier)
    except shipping.ShippingError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(str(message), "error")
    else:
        db.session.commit()
        flash(_("Carrier %(name)s deleted.", name=name), "success")
    return _back("carriers")


# The Taxes page


def _tax_form(formdata=None) -> TaxForm:
    if formdata is not None:
        return TaxForm(prefix="tax")
    saved = shipping.tax_settings()
    return TaxForm(prefix="tax", formdata=None, data={
        "enabled": saved.enabled, "label": saved.label, "rate": saved.rate_bp, "tax_shipping": saved.tax_shipping,
        "prices_include_tax": "included" if saved.prices_include_tax else "excluded"})


@bp.route("/<slug>/taxes", methods=["GET", "POST"])
def taxes():
    form = _tax_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                shipping.save_tax_settings(
                    enabled=form.enabled.data, label=form.label.data or "", rate_bp=form.rate.data,
                    prices_include_tax=form.prices_include_tax.data != "excluded", tax_shipping=form.tax_shipping.data)
            except shipping.ShippingError as error:
                db.session.rollback()
                _put_errors(form, error.errors)
            else:
                db.session.commit()
                flash(_("Tax settings saved."), "success")
                return redirect(url_for("builder.taxes"))
        elif "csrf_token" in form.errors:
            _expired()
    overrides = [zone for zone in shipping.zones() if zone.tax_rate_bp is not None]
    return render_template("builder/shipping/taxes.html", form=form, overrides=overrides, percent=_percent)
