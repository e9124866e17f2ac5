"""The builder's Shipping and Taxes pages, through HTTP as a signed-in merchant: zones, rates, pickup, carriers, the
ship-from address, the rate service's key, tax settings, and a product's tax exemption."""
import pytest
from sqlalchemy import select

from saas.catalog.models import Product
from saas.shipping import carriers
from saas.shipping import services as shipping
from saas.shipping.models import (
    Carrier,
    PickupLocation,
    RateKind,
    ShippingRate,
    ShippingSettings,
    TaxSettings,
)
from tests.accounts.pages import error_fields, field_error, parse, value

BASE = "/stores/batik-sari/shipping"
API_KEY = "biteship_live.eyJhbGciOiJIUzI1NiJ9.rahasia-7e1d"
ZONE = {"zone-name": "Jawa", "zone-countries": ["ID"], "zone-provinces": ["Jawa Barat", "DKI Jakarta"],
        "zone-cities": "", "zone-tax_rate": ""}
RATE = {"rate-name": "Express", "rate-kind": "flat", "rate-amount": "35.000", "rate-free_over": "",
        "rate-carrier": "jne", "rate-min_days": "1", "rate-max_days": "2", "rate-cod_allowed": "y",
        "rate-enabled": "y"}
TIERED = {**RATE, "rate-name": "Berat", "rate-kind": "weight", "rate-amount": "",
          "rate-tier_from": ["0", "1.000", "5000", ""], "rate-tier_to": ["1000", "5.000", "", ""],
          "rate-tier_amount": ["10.000", "18.000", "35.000", ""]}
PICKUP = {"pickup-name": "Toko Braga", "pickup-address": "Jl. Braga 12, Bandung", "pickup-instructions": "09.00–17.00",
          "pickup-fee": "0", "pickup-cod_allowed": "y", "pickup-enabled": "y"}
CARRIER = {"carrier-name": "Kurir Sari", "carrier-tracking_url": "https://kurir.example/lacak?resi={number}"}
ORIGIN = {"origin-name": "Batik Sari", "origin-phone": "0812 3456 7890", "origin-street": "Jl. Braga 12",
          "origin-district": "Sumur Bandung", "origin-city": "Bandung", "origin-province": "Jawa Barat",
          "origin-postal_code": "40111", "origin-country": "ID"}
TAX = {"tax-enabled": "y", "tax-label": "PPN", "tax-rate": "11,5", "tax-prices_include_tax": "excluded",
       "tax-tax_shipping": "y"}


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id")
    login(client, owner)
    return tenant


def rows(ctx, tenant, model, **where):
    with ctx(tenant.id) as session:
        found = list(session.scalars(select(model).filter_by(**where).order_by(model.created_at)))
        session.expunge_all()
        return found


def zones_of(ctx, tenant):
    with ctx(tenant.id) as session:
        found = shipping.zones()
        for zone in found:
            list(zone.rates)
        session.expunge_all()
        return found


def text(response) -> str:
    """The page's HTML, with no-break spaces as plain ones (Babel puts them inside amounts)."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def typed(response, name) -> str | None:
    """A control's value as a browser reads it: a textarea drops the newline WTForms puts before its text."""
    found = value(response, name)
    return found.removeprefix("\r\n").removeprefix("\n") if found is not None else None


def values(response, name) -> list[str]:
    """Every value of the inputs called `name` (the tier rows repeat theirs)."""
    return [attrs.get("value", "") for tag, attrs in parse(response).tags if tag == "input" and attrs.get("name") == name]


def chosen(response, name) -> list[str]:
    """Ticked checkboxes and selected options of the control called `name`."""
    tags, found, select_name = parse(response).tags, [], None
    for tag, attrs in tags:
        if tag == "select":
            select_name = attrs.get("name")
        elif tag == "option" and select_name == name and "selected" in attrs:
            found.append(attrs.get("value"))
        elif tag == "input" and attrs.get("name") == name and "checked" in attrs:
            found.append(attrs.get("value"))
    return found


def add_zone(ctx, tenant, **values):
    with ctx(tenant.id) as session:
        zone = shipping.save_zone(None, **{"name": "Jawa", "countries": ["ID"], "provinces": ["Jawa Barat"], **values})
        session.commit()
        return zone.id


def add_rate(ctx, tenant, zone_id, **values):
    with ctx(tenant.id) as session:
        rate = shipping.save_rate(shipping.zone(zone_id), None,
                                  **{"name": "Reguler", "kind": RateKind.FLAT, "amount": 10_000_00, **values})
        session.commit()
        return rate.id


def default_zone(ctx, tenant):
    [zone] = [z for z in zones_of(ctx, tenant) if z.name == "Indonesia"]
    return zone


# The page


def test_the_page_shows_zones_rates_pickup_carriers_origin_and_the_rate_service(client, store, ctx):
    zone = default_zone(ctx, store)
    response = client.get(BASE)
    assert response.status_code == 200
    html = text(response)
    assert html.count("<h1") == 1
    for part in ("Shipping zones", "Indonesia", "Reguler", "IDR 20,000", "Local pickup", "Add pickup location",
                 "Carriers", "Add carrier", "Ship from", "Live carrier rates", "Biteship", "PPN 11%"):
        assert part in html, part
    assert f'id="zone-{zone.id}"' in html
    assert f'href="/stores/batik-sari/shipping/zones/{zone.id}/rates/{zone.rates[0].id}"' in html
    assert 'href="/stores/batik-sari/taxes"' in html
    assert "things to check" not in html and "One thing to check" not in html  # a new store is all set
    assert value(response, "origin-country") == "ID"
    assert not error_fields(response)


def test_every_input_has_a_label(client, store, ctx):
    zone_id = add_zone(ctx, store)
    rate_id = add_rate(ctx, store, zone_id)
    with ctx(store.id) as session:
        location = shipping.save_pickup_location(None, name="Toko", address="Jl. Braga 12")
        own = shipping.save_carrier(None, name="Kurir Sari")
        session.commit()
        location_id, carrier_id = location.id, own.id
    for url in (BASE, f"{BASE}/zones/new", f"{BASE}/zones/{zone_id}", f"{BASE}/zones/{zone_id}/rates/new",
                f"{BASE}/zones/{zone_id}/rates/{rate_id}", f"{BASE}/pickup/{location_id}",
                f"{BASE}/carriers/{carrier_id}", "/stores/batik-sari/taxes"):
        response = client.get(url)
        assert response.status_code == 200, url
        tags = parse(response).tags
        labelled = {attrs.get("for") for tag, attrs in tags if tag == "label"}
        html = response.get_data(as_text=True)
        assert html.count("<h1") == 1, url
        for tag, attrs in tags:
            if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "radio"):
                assert attrs.get("id") in labelled, (url, attrs.get("name"))
        assert html.count('type="radio"') == html.count('class="choice"')  # radios sit inside their labels


def test_the_move_buttons_say_what_they_do_and_the_kind_error_is_linked(client, store, ctx):
    add_zone(ctx, store, name="Jawa")
    page = client.get(BASE)
    html = text(page)
    for name, direction in (("Indonesia", "down"), ("Jawa", "up")):  # the enabled buttons, by their words
        assert f'<span class="visually-hidden"> Move {name} {direction}</span>' in html
    buttons = [attrs for tag, attrs in parse(page).tags if tag == "button" and attrs.get("name") == "direction"]
    assert len(buttons) == 4 and not any("aria-label" in attrs for attrs in buttons)  # the text names them
    zone = default_zone(ctx, store)
    response = client.post(f"{BASE}/zones/{zone.id}/rates/new", data={**RATE, "rate-kind": "by-magic"})
    [fieldset] = [attrs for tag, attrs in parse(response).tags if tag == "fieldset" and "choice-group" in
                  attrs.get("class", "")]
    assert fieldset.get("aria-describedby") == "rate-kind-error"
    assert "Choose how the rate is priced." in field_error(response, "rate-kind")
    clean = client.get(f"{BASE}/zones/{zone.id}/rates/new")
    [fieldset] = [attrs for tag, attrs in parse(clean).tags if tag == "fieldset" and "choice-group" in
                  attrs.get("class", "")]
    assert "aria-describedby" not in fieldset


# Zones


def test_a_zone_is_added_edited_moved_and_deleted(client, store, ctx):
    response = client.post(f"{BASE}/zones/new", data={**ZONE, "zone-cities": "Kota Bandung\n\n  Bekasi \nbandung",
                                                      "zone-tax_rate": "10"})
    [_default, zone] = zones_of(ctx, store)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/zones/{zone.id}/rates/new")  # a new zone's first rate next
    assert (zone.name, zone.countries, zone.provinces, zone.cities, zone.tax_rate_bp, zone.position) == (
        "Jawa", ["ID"], ["Jawa Barat", "DKI Jakarta"], ["Kota Bandung", "Bekasi"], 1000, 1)

    edit = client.get(f"{BASE}/zones/{zone.id}")
    assert value(edit, "zone-name") == "Jawa" and value(edit, "zone-tax_rate") == "10"
    assert chosen(edit, "zone-countries") == ["ID"] and chosen(edit, "zone-provinces") == ["DKI Jakarta", "Jawa Barat"]
    assert typed(edit, "zone-cities") == "Kota Bandung\nBekasi"
    response = client.post(f"{BASE}/zones/{zone.id}", data={**ZONE, "zone-name": "Jawa Barat & DKI",
                                                            "zone-provinces": [], "zone-countries": ["ID", "MY"]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}#zone-{zone.id}")
    zone = zones_of(ctx, store)[1]
    assert (zone.name, zone.countries, zone.provinces, zone.tax_rate_bp) == ("Jawa Barat & DKI", ["ID", "MY"], [], None)
    assert "Zone Jawa Barat &amp; DKI saved." in text(client.get(BASE))

    assert client.post(f"{BASE}/zones/{zone.id}/move", data={"direction": "up"}).status_code == 302
    assert [z.name for z in zones_of(ctx, store)] == ["Jawa Barat & DKI", "Indonesia"]
    assert client.post(f"{BASE}/zones/{zone.id}/move", data={"direction": "left"}).status_code == 400

    add_rate(ctx, store, zone.id)
    assert client.post(f"{BASE}/zones/{zone.id}/delete").status_code == 302
    assert [z.name for z in zones_of(ctx, store)] == ["Indonesia"]
    assert len(rows(ctx, store, ShippingRate)) == 1  # its rate went with it; Indonesia's stays


@pytest.mark.parametrize("changes, field, message", [
    ({"zone-name": ""}, "zone-name", "Enter a name."),
    ({"zone-name": "  INDONESIA "}, "zone-name", "You already have one called INDONESIA"),
    ({"zone-countries": []}, "zone-countries", "Choose at least one country."),
    ({"zone-countries": ["ID", "XQ"]}, "zone-countries", "Unknown country code: XQ."),
    ({"zone-countries": ["ID", "MY"]}, "zone-provinces", "only narrow a zone of Indonesia alone"),
    ({"zone-provinces": ["Jawa Barat", "Atlantis"]}, "zone-provinces", "Atlantis is not an Indonesian province"),
    ({"zone-countries": ["SG"], "zone-provinces": [], "zone-cities": "Singapore"}, "zone-cities",
     "only narrow a zone of Indonesia alone"),
    ({"zone-cities": "x" * 81}, "zone-cities", "at most 80 characters"),
    ({"zone-tax_rate": "101"}, "zone-tax_rate", "from 0 to 100"),
    ({"zone-tax_rate": "sebelas"}, "zone-tax_rate", "Enter a percentage, such as 10 or 12.5."),
])
def test_a_bad_zone_is_answered_beside_the_field_and_nothing_is_saved(client, store, ctx, changes, field, message):
    data = {**ZONE, "zone-cities": "Kota Bandung\nBekasi", **changes}
    response = client.post(f"{BASE}/zones/new", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    assert value(response, "zone-name") == data["zone-name"].strip()
    known = [c for c in data["zone-countries"] if c != "XQ"]  # an unknown code has no option to select
    assert chosen(response, "zone-countries") == sorted(known, key=lambda c: c != "ID")
    assert chosen(response, "zone-provinces") == [p for p in ("DKI Jakarta", "Jawa Barat") if p in data["zone-provinces"]]
    assert typed(response, "zone-cities") == data["zone-cities"]
    assert value(response, "zone-tax_rate") == data["zone-tax_rate"]
    assert [z.name for z in zones_of(ctx, store)] == ["Indonesia"]


def test_a_bad_edit_keeps_the_zone_as_it_was(client, store, ctx):
    zone_id = add_zone(ctx, store, name="Barat")
    response = client.post(f"{BASE}/zones/{zone_id}", data={**ZONE, "zone-name": "Indonesia"})
    assert "You already have one called Indonesia" in field_error(response, "zone-name")
    assert value(response, "zone-name") == "Indonesia"
    assert [z.name for z in zones_of(ctx, store)] == ["Indonesia", "Barat"]


def test_warnings_for_overlaps_uncovered_provinces_and_zones_without_rates(client, store, ctx):
    jawa = add_zone(ctx, store, name="Jawa", provinces=["Jawa Barat", "Banten"])
    add_zone(ctx, store, name="Pasundan", provinces=["jawa barat"])
    add_zone(ctx, store, name="Nusantara", provinces=[])  # all of Indonesia again
    html = text(client.get(BASE))
    assert "5 things to check" in html
    assert "Jawa and Pasundan both cover Jawa Barat. Shoppers there get the rates of Jawa" in html
    assert "Indonesia and Nusantara both cover Indonesia." in html
    assert "Pasundan has no rate that is on" in html and "Nusantara has no rate that is on" in html
    assert "Jawa has no rate that is on" in html
    # Without the Indonesia-wide zones, provinces go uncovered.
    for zone in zones_of(ctx, store):
        if zone.name in ("Indonesia", "Nusantara"):
            client.post(f"{BASE}/zones/{zone.id}/delete")
    add_rate(ctx, store, jawa)
    html = text(client.get(BASE))
    assert "No zone covers Aceh, Sumatera Utara" in html and "Jawa Barat, " not in html.split("No zone covers")[1][:900]
    for zone in zones_of(ctx, store):
        client.post(f"{BASE}/zones/{zone.id}/delete")
    assert "No zone ships to Indonesia" in text(client.get(BASE))


# Rates


def test_a_flat_rate_is_added_edited_and_deleted(client, store, ctx):
    zone = default_zone(ctx, store)
    response = client.post(f"{BASE}/zones/{zone.id}/rates/new", data={**RATE, "rate-free_over": "500.000"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}#zone-{zone.id}")
    [_reguler, rate] = default_zone(ctx, store).rates
    assert (rate.name, rate.kind, rate.amount, rate.free_over, rate.carrier, rate.min_days, rate.max_days,
            rate.cod_allowed, rate.enabled, rate.tiers) == (
        "Express", RateKind.FLAT, 35_000_00, 500_000_00, "jne", 1, 2, True, True, [])
    html = text(client.get(BASE))
    assert "Rate Express saved." in html and "IDR 35,000" in html and "Free from IDR 500,000" in html
    assert "1–2 days" in html and "JNE" in html

    edit = client.get(f"{BASE}/zones/{zone.id}/rates/{rate.id}")
    assert value(edit, "rate-amount") == "35.000" and value(edit, "rate-free_over") == "500.000"
    assert chosen(edit, "rate-kind") == ["flat"] and chosen(edit, "rate-carrier") == ["jne"]
    data = {**RATE, "rate-amount": "0", "rate-carrier": ""}
    del data["rate-cod_allowed"], data["rate-enabled"]  # unticked boxes are not posted
    assert client.post(f"{BASE}/zones/{zone.id}/rates/{rate.id}", data=data).status_code == 302
    rate = default_zone(ctx, store).rates[1]
    assert (rate.amount, rate.carrier, rate.cod_allowed, rate.enabled) == (0, "", False, False)
    assert client.post(f"{BASE}/zones/{zone.id}/rates/{rate.id}/delete").status_code == 302
    assert [r.name for r in default_zone(ctx, store).rates] == ["Reguler"]


def test_weight_tiers_are_read_from_the_rows_and_shown_back(client, store, ctx):
    zone = default_zone(ctx, store)
    assert client.post(f"{BASE}/zones/{zone.id}/rates/new", data=TIERED).status_code == 302
    rate = default_zone(ctx, store).rates[1]
    assert (rate.kind, rate.amount, rate.tiers) == (RateKind.WEIGHT, 0, [
        {"from": 0, "to": 1000, "amount": 10_000_00}, {"from": 1000, "to": 5000, "amount": 18_000_00},
        {"from": 5000, "to": None, "amount": 35_000_00}])
    html = text(client.get(BASE))
    assert "0 g to under 1,000 g: IDR 10,000" in html and "5,000 g and up: IDR 35,000" in html
    edit = client.get(f"{BASE}/zones/{zone.id}/rates/{rate.id}")
    assert values(edit, "rate-tier_from") == ["0", "1000", "5000", "", "", ""]  # three blank rows to add more
    assert values(edit, "rate-tier_to") == ["1000", "5000", "", "", "", ""]
    assert values(edit, "rate-tier_amount") == ["10.000", "18.000", "35.000", "", "", ""]


def test_weight_tiers_go_up_to_a_million_kilos_and_the_page_still_shows(client, store, ctx):
    zone = default_zone(ctx, store)
    data = {**TIERED, "rate-tier_from": ["0", "1.000.000.000"], "rate-tier_to": ["1.000.000.000", ""],
            "rate-tier_amount": ["10.000", "0"]}
    assert client.post(f"{BASE}/zones/{zone.id}/rates/new", data=data).status_code == 302
    assert default_zone(ctx, store).rates[1].tiers[1] == {"from": 1_000_000_000, "to": None, "amount": 0}
    page = client.get(BASE)
    assert page.status_code == 200 and "1,000,000,000 g and up: Free" in text(page)


def test_price_tiers_are_amounts(client, store, ctx):
    zone = default_zone(ctx, store)
    data = {**TIERED, "rate-kind": "price", "rate-tier_from": ["0", "300.000"], "rate-tier_to": ["300.000", ""],
            "rate-tier_amount": ["15.000", "0"]}
    assert client.post(f"{BASE}/zones/{zone.id}/rates/new", data=data).status_code == 302
    assert default_zone(ctx, store).rates[1].tiers == [{"from": 0, "to": 300_000_00, "amount": 15_000_00},
                                                       {"from": 300_000_00, "to": None, "amount": 0}]
    assert "IDR 300,000 and up: Free" in text(client.get(BASE))


def test_a_calculated_rate_keeps_a_fallback_price(client, store, ctx):
    zone = default_zone(ctx, store)
    data = {**RATE, "rate-name": "JNE", "rate-kind": "calculated", "rate-amount": "25.000", "rate-carrier": "jne"}
    assert client.post(f"{BASE}/zones/{zone.id}/rates/new", data=data).status_code == 302
    rate = default_zone(ctx, store).rates[1]
    assert (rate.kind, rate.amount, rate.carrier) == (RateKind.CALCULATED, 25_000_00, "jne")
    html = text(client.get(BASE))
    assert "Fallback IDR 25,000" in html
    assert "no rate service is set up: shoppers see their fallback prices" in html


@pytest.mark.parametrize("changes, field, message", [
    ({"rate-name": ""}, "rate-name", "Enter a name."),
    ({"rate-amount": ""}, "rate-amount", "Enter a price, or 0 for free shipping."),
    ({"rate-amount": "-5.000"}, "rate-amount", "Enter an amount of zero or more."),
    ({"rate-amount": "lima"}, "rate-amount", "Enter a whole amount"),
    ({"rate-free_over": "0"}, "rate-free_over", "above zero"),
    ({"rate-free_over": "-1"}, "rate-free_over", "zero or more"),
    ({"rate-min_days": "5", "rate-max_days": "2"}, "rate-max_days", "can’t be shorter than the shortest"),
    ({"rate-min_days": "400"}, "rate-min_days", "from 0 to 365"),
    ({"rate-max_days": "dua"}, "rate-max_days", "Enter a whole number"),
    ({"rate-carrier": "kapal-api"}, "rate-carrier", "Choose a carrier from the list."),
    ({"rate-carrier": "other"}, "rate-carrier", "Choose a carrier from the list."),
    ({"rate-kind": "calculated", "rate-carrier": "dhl"}, "rate-carrier", "Choose the carrier whose live rates"),
    ({"rate-kind": "calculated", "rate-amount": ""}, "rate-amount", "when live rates can’t be had"),
    ({"rate-kind": "by-magic"}, "rate-kind", "Choose how the rate is priced."),
    # Custom carrier codes whose id is no id ("²" is a digit to str.isdigit(), but not to int()) or too large.
    ({"rate-carrier": "custom:²"}, "rate-carrier", "Choose a carrier from the list."),
    ({"rate-carrier": "custom:99999999999999999999"}, "rate-carrier", "Choose a carrier from the list."),
    ({"rate-carrier": "custom:"}, "rate-carrier", "Choose a carrier from the list."),
    ({"rate-min_days": "9" * 30}, "rate-min_days", "from 0 to 365"),
])
def test_a_bad_rate_is_answered_beside_the_field_and_nothing_is_saved(client, store, ctx, changes, field, message):
    zone = default_zone(ctx, store)
    data = {**RATE, **changes}
    response = client.post(f"{BASE}/zones/{zone.id}/rates/new", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    for name in ("rate-name", "rate-amount", "rate-free_over", "rate-min_days", "rate-max_days"):
        assert value(response, name) == data[name], name
    assert len(rows(ctx, store, ShippingRate)) == 1


@pytest.mark.parametrize("tiers, message", [
    ((["100", ""], ["", ""], ["10.000", ""]), "The first tier starts at 0"),
    ((["0", "900"], ["1000", ""], ["10.000", "20.000"]), "Tier 2 starts before tier 1 ends: tiers can’t overlap."),
    ((["0", "1500"], ["1000", ""], ["10.000", "20.000"]), "Tier 2 must start where tier 1 ends"),
    ((["0", "1000"], ["", ""], ["10.000", "20.000"]), "Only the last tier can be left open"),
    ((["0"], ["0"], ["10.000"]), "Tier 1 must end above where it starts."),
    ((["0", "1000"], ["1000", ""], ["10.000", ""]), "Enter a price for tier 2."),
    ((["0"], [""], ["-10.000"]), "Tier 1: use amounts of zero or more."),
    ((["0", "1000"], ["1000", ""], ["10.000", "banyak"]), "Tier 2: enter amounts such as 150.000."),
    ((["0", "satu kilo"], ["1000", ""], ["10.000", "20.000"]), "Tier 2: enter weights in whole grams"),
    (([""], [""], [""]), "Add at least one tier."),
    # Weights that would save, then break the Shipping page on every load when it formats them.
    ((["0", "9" * 30], ["9" * 30, ""], ["1", "2"]), "Tier 1: enter weights up to 1,000,000,000 g."),
    ((["0", "1.000.000.000"], ["1.000.000.000", "1.000.000.001"], ["1", "2"]),
     "Tier 2: enter weights up to 1,000,000,000 g."),
    ((["0"], [""], ["1" * 30]), "Tier 1: enter amounts such as 150.000."),
])
def test_bad_tiers_are_answered_beside_the_tiers_and_kept(client, store, ctx, tiers, message):
    zone = default_zone(ctx, store)
    froms, tos, amounts = tiers
    data = {**TIERED, "rate-tier_from": list(froms), "rate-tier_to": list(tos), "rate-tier_amount": list(amounts)}
    response = client.post(f"{BASE}/zones/{zone.id}/rates/new", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, "rate-tiers") or ""), error_fields(response)
    typed = [i for i, row in enumerate(zip(froms, tos, amounts)) if any(row)]
    assert values(response, "rate-tier_amount")[: len(typed)] == [amounts[i] for i in typed]
    assert values(response, "rate-tier_to")[: len(typed)] == [tos[i] for i in typed]
    assert value(response, "rate-name") == "Berat"
    assert len(rows(ctx, store, ShippingRate)) == 1


def test_a_rate_may_use_the_stores_own_carrier_but_not_anothers(client, store, create_store, ctx):
    zone = default_zone(ctx, store)
    with ctx(store.id) as session:
        mine = carriers.custom_code(shipping.save_carrier(None, name="Kurir Sari"))
        session.commit()
    other = create_store()
    with ctx(other.id) as session:
        theirs = carriers.custom_code(shipping.save_carrier(None, name="Kurir Lain"))
        session.commit()
    page = client.get(f"{BASE}/zones/{zone.id}/rates/new")
    options = [attrs.get("value") for tag, attrs in parse(page).tags if tag == "option"]
    assert mine in options and theirs not in options and "other" not in options
    refused = client.post(f"{BASE}/zones/{zone.id}/rates/new", data={**RATE, "rate-carrier": theirs})
    assert "Choose a carrier from the list." in field_error(refused, "rate-carrier")
    assert client.post(f"{BASE}/zones/{zone.id}/rates/new", data={**RATE, "rate-carrier": mine}).status_code == 302
    assert "Kurir Sari" in text(client.get(BASE))
    # A carrier a rate uses can't be deleted from under it.
    carrier_id = mine.removeprefix("custom:")
    response = client.post(f"{BASE}/carriers/{carrier_id}/delete", follow_redirects=True)
    assert "The rate Express uses Kurir Sari" in text(response)
    assert [c.name for c in rows(ctx, store, Carrier)] == ["Kurir Sari"]


# Pickup locations


def test_pickup_locations_are_added_edited_and_deleted(client, store, ctx):
    response = client.post(f"{BASE}/pickup", data={**PICKUP, "pickup-fee": "5.000"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}#pickup")
    [location] = rows(ctx, store, PickupLocation)
    assert (location.name, location.address, location.instructions, location.fee, location.cod_allowed,
            location.enabled, location.country) == ("Toko Braga", "Jl. Braga 12, Bandung", "09.00–17.00", 5_000_00,
                                                    True, True, "ID")
    assert "Pickup location Toko Braga saved." in text(client.get(BASE))
    edit = client.get(f"{BASE}/pickup/{location.id}")
    assert value(edit, "pickup-name") == "Toko Braga" and value(edit, "pickup-fee") == "5.000"
    data = {**PICKUP, "pickup-name": "Gudang", "pickup-fee": ""}
    del data["pickup-enabled"]
    assert client.post(f"{BASE}/pickup/{location.id}", data=data).status_code == 302
    [location] = rows(ctx, store, PickupLocation)
    assert (location.name, location.fee, location.enabled) == ("Gudang", 0, False)
    with ctx(store.id):
        assert shipping.pickup_locations(enabled_only=True) == []
    assert client.post(f"{BASE}/pickup/{location.id}/delete").status_code == 302
    assert rows(ctx, store, PickupLocation) == []


@pytest.mark.parametrize("changes, field, message", [
    ({"pickup-name": ""}, "pickup-name", "Enter a name."),
    ({"pickup-name": "toko braga"}, "pickup-name", "You already have one called toko braga"),
    ({"pickup-address": ""}, "pickup-address", "Enter the address"),
    ({"pickup-fee": "-1.000"}, "pickup-fee", "Enter an amount of zero or more."),
    ({"pickup-instructions": "x" * 501}, "pickup-instructions", "at most 500"),
])
def test_a_bad_pickup_location_is_answered_beside_the_field(client, store, ctx, changes, field, message):
    with ctx(store.id) as session:
        shipping.save_pickup_location(None, name="Toko Braga", address="Jl. Braga 12")
        session.commit()
    data = {**PICKUP, "pickup-name": "Gudang", **changes}
    response = client.post(f"{BASE}/pickup", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    assert value(response, "pickup-name") == data["pickup-name"] and value(response, "pickup-fee") == data["pickup-fee"]
    assert typed(response, "pickup-address") == data["pickup-address"]
    assert len(rows(ctx, store, PickupLocation)) == 1


# The merchant's own carriers


def test_own_carriers_are_added_edited_and_deleted(client, store, ctx):
    response = client.post(f"{BASE}/carriers", data=CARRIER)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}#carriers")
    [carrier] = rows(ctx, store, Carrier)
    assert (carrier.name, carrier.tracking_url) == ("Kurir Sari", CARRIER["carrier-tracking_url"])
    edit = client.get(f"{BASE}/carriers/{carrier.id}")
    assert value(edit, "carrier-name") == "Kurir Sari"
    assert client.post(f"{BASE}/carriers/{carrier.id}", data={"carrier-name": "Paxel",
                                                              "carrier-tracking_url": ""}).status_code == 302
    assert [(c.name, c.tracking_url) for c in rows(ctx, store, Carrier)] == [("Paxel", "")]
    assert client.post(f"{BASE}/carriers/{carrier.id}/delete").status_code == 302
    assert rows(ctx, store, Carrier) == []


@pytest.mark.parametrize("changes, field, message", [
    ({"carrier-name": ""}, "carrier-name", "Enter a name."),
    ({"carrier-name": "jne"}, "carrier-name", "jne is already in the list of carriers."),
    ({"carrier-name": "KURIR LAMA"}, "carrier-name", "You already have one called KURIR LAMA"),
    ({"carrier-tracking_url": "https://kurir.example/lacak"}, "carrier-tracking_url", "Put {number} where"),
    ({"carrier-tracking_url": "javascript:alert({number})"}, "carrier-tracking_url", "starting with https://"),
    ({"carrier-tracking_url": "kurir.example/{number}"}, "carrier-tracking_url", "starting with https://"),
])
def test_a_bad_carrier_is_answered_beside_the_field(client, store, ctx, changes, field, message):
    with ctx(store.id) as session:
        shipping.save_carrier(None, name="Kurir Lama")
        session.commit()
    data = {**CARRIER, **changes}
    response = client.post(f"{BASE}/carriers", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    assert value(response, "carrier-name") == data["carrier-name"]
    assert value(response, "carrier-tracking_url") == data["carrier-tracking_url"]
    assert [c.name for c in rows(ctx, store, Carrier)] == ["Kurir Lama"]


# Ship from, and the rate service


def test_the_origin_is_saved_and_shown_back(client, store, ctx):
    response = client.post(f"{BASE}/origin", data={**ORIGIN, "origin-province": "jawa barat"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}#origin")
    [settings] = rows(ctx, store, ShippingSettings)
    assert settings.origin == {"name": "Batik Sari", "phone": "+6281234567890", "street": "Jl. Braga 12",
                               "district": "Sumur Bandung", "city": "Bandung", "province": "Jawa Barat",
                               "postal_code": "40111", "country": "ID"}
    page = client.get(BASE)
    assert value(page, "origin-phone") == "+62 812-3456-7890" and value(page, "origin-province") == "Jawa Barat"
    assert value(page, "origin-postal_code") == "40111"


@pytest.mark.parametrize("changes, field, message", [
    ({"origin-street": ""}, "origin-street", "Enter the street and number."),
    ({"origin-city": ""}, "origin-city", "Enter the city or regency."),
    ({"origin-province": ""}, "origin-province", "Choose a province."),
    ({"origin-postal_code": "4011"}, "origin-postal_code", "5-digit postal code"),
    ({"origin-phone": "12"}, "origin-phone", "Enter a phone number such as"),
    ({"origin-country": "XQ"}, "origin-country", "Choose a country from the list."),
])
def test_a_bad_origin_is_answered_beside_the_field(client, store, ctx, changes, field, message):
    data = {**ORIGIN, **changes}
    response = client.post(f"{BASE}/origin", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    for name in ("origin-street", "origin-city", "origin-postal_code", "origin-phone"):
        assert value(response, name) == data[name]
    assert rows(ctx, store, ShippingSettings) == []


def test_the_api_key_is_saved_encrypted_and_never_shown_back(client, store, ctx):
    response = client.post(f"{BASE}/rate-provider", data={"provider-rate_provider": "biteship",
                                                          "provider-api_key": API_KEY})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}#rate-provider")
    [settings] = rows(ctx, store, ShippingSettings)
    assert settings.rate_provider == "biteship" and API_KEY not in settings.rate_provider_secrets
    page = client.get(BASE)
    html = text(page)
    assert API_KEY not in html and settings.rate_provider_secrets not in html
    assert "Saved: ends in 7e1d. Leave empty to keep it." in html
    assert value(page, "provider-api_key") in (None, "") and chosen(page, "provider-rate_provider") == ["biteship"]
    # Empty keeps the saved key; "none" forgets it.
    assert client.post(f"{BASE}/rate-provider", data={"provider-rate_provider": "biteship",
                                                      "provider-api_key": ""}).status_code == 302
    with ctx(store.id):
        assert shipping.rate_provider_credentials() == {"api_key": API_KEY}
    assert client.post(f"{BASE}/rate-provider", data={"provider-rate_provider": ""}).status_code == 302
    [settings] = rows(ctx, store, ShippingSettings)
    assert (settings.rate_provider, settings.rate_provider_secrets) == ("", "")


@pytest.mark.parametrize("data, field, message", [
    ({"provider-rate_provider": "biteship", "provider-api_key": ""}, "provider-api_key",
     "Enter your Biteship API key."),
    ({"provider-rate_provider": "biteship", "provider-api_key": "kunci saya"}, "provider-api_key",
     "doesn’t look like an API key"),
    ({"provider-rate_provider": "rajaongkir", "provider-api_key": API_KEY}, "provider-rate_provider",
     "Choose a rate service from the list."),
])
def test_a_bad_rate_service_is_answered_beside_the_field(client, store, ctx, data, field, message):
    response = client.post(f"{BASE}/rate-provider", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    assert API_KEY not in text(response)  # a typed key is not echoed back either
    assert rows(ctx, store, ShippingSettings) == []


# Taxes


def test_tax_settings_are_saved_and_shown_back(client, store, ctx):
    page = client.get("/stores/batik-sari/taxes")
    assert value(page, "tax-rate") == "11" and value(page, "tax-label") == "PPN"
    assert chosen(page, "tax-prices_include_tax") == ["included"] and chosen(page, "tax-enabled") == ["y"]
    response = client.post("/stores/batik-sari/taxes", data=TAX)
    assert response.status_code == 302 and response.headers["Location"].endswith("/stores/batik-sari/taxes")
    [tax] = rows(ctx, store, TaxSettings)
    assert (tax.enabled, tax.label, tax.rate_bp, tax.prices_include_tax, tax.tax_shipping) == (
        True, "PPN", 1150, False, True)
    page = client.get("/stores/batik-sari/taxes")
    assert "Tax settings saved." in text(page)
    assert value(page, "tax-rate") == "11,5" and chosen(page, "tax-prices_include_tax") == ["excluded"]
    client.post("/stores/batik-sari/taxes", data={"tax-label": "PPN", "tax-rate": "0",
                                                  "tax-prices_include_tax": "included"})
    [tax] = rows(ctx, store, TaxSettings)
    assert (tax.enabled, tax.rate_bp, tax.tax_shipping) == (False, 0, False)


def test_the_taxes_page_lists_zones_with_their_own_rate(client, store, ctx):
    zone_id = add_zone(ctx, store, name="Luar Negeri", countries=["SG"], provinces=[], tax_rate_bp=0)
    html = text(client.get("/stores/batik-sari/taxes"))
    assert f'href="/stores/batik-sari/shipping/zones/{zone_id}">Luar Negeri</a> · 0%' in html


@pytest.mark.parametrize("changes, field, message", [
    ({"tax-rate": "101"}, "tax-rate", "from 0 to 100"),
    ({"tax-rate": ""}, "tax-rate", "Enter a rate, such as 11."),
    ({"tax-rate": "11,555"}, "tax-rate", "Use at most two decimals."),
    ({"tax-rate": "-1"}, "tax-rate", "Enter a percentage from 0 to 100."),
    ({"tax-rate": "9" * 30}, "tax-rate", "Enter a percentage, such as 10 or 12.5."),
    ({"tax-label": ""}, "tax-label", "Enter the tax’s name"),
    ({"tax-label": "x" * 33}, "tax-label", "at most 32"),
])
def test_bad_tax_settings_are_answered_beside_the_field(client, store, ctx, changes, field, message):
    data = {**TAX, **changes}
    response = client.post("/stores/batik-sari/taxes", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    assert value(response, "tax-rate") == data["tax-rate"] and value(response, "tax-label") == data["tax-label"]
    assert chosen(response, "tax-prices_include_tax") == ["excluded"]
    assert rows(ctx, store, TaxSettings) == []


def test_a_product_can_be_tax_exempt(client, store, ctx):
    response = client.post("/stores/batik-sari/products/new", data={
        "title": "Beras Pandan Wangi", "status": "active", "price": "75.000", "stock": "3", "track_stock": "y",
        "tax_exempt": "y"})
    assert response.status_code == 302
    [product] = rows(ctx, store, Product)
    assert product.tax_exempt is True
    edit = client.get(f"/stores/batik-sari/products/{product.id}")
    assert chosen(edit, "tax_exempt") == ["y"] and "Tax exempt" in text(edit)
    assert client.post(f"/stores/batik-sari/products/{product.id}", data={
        "title": "Beras Pandan Wangi", "status": "active", "price": "75.000", "stock": "3"}).status_code == 302
    assert rows(ctx, store, Product)[0].tax_exempt is False


# Access


def test_another_stores_zones_rates_pickup_and_carriers_are_404(client, store, create_store, ctx):
    other = create_store()
    zone = default_zone(ctx, other)
    rate_id = zone.rates[0].id
    with ctx(other.id) as session:
        location = shipping.save_pickup_location(None, name="Toko Lain", address="Jl. Lain 1")
        carrier = shipping.save_carrier(None, name="Kurir Lain")
        session.commit()
        location_id, carrier_id = location.id, carrier.id
    mine = default_zone(ctx, store)
    for method, url, data in [
        ("get", f"{BASE}/zones/{zone.id}", None),
        ("post", f"{BASE}/zones/{zone.id}", ZONE),
        ("post", f"{BASE}/zones/{zone.id}/delete", {}),
        ("post", f"{BASE}/zones/{zone.id}/move", {"direction": "up"}),
        ("get", f"{BASE}/zones/{zone.id}/rates/new", None),
        ("post", f"{BASE}/zones/{zone.id}/rates/new", RATE),
        ("get", f"{BASE}/zones/{zone.id}/rates/{rate_id}", None),
        ("post", f"{BASE}/zones/{zone.id}/rates/{rate_id}", RATE),
        ("post", f"{BASE}/zones/{zone.id}/rates/{rate_id}/delete", {}),
        ("get", f"{BASE}/zones/{mine.id}/rates/{rate_id}", None),  # their rate under my zone
        ("post", f"{BASE}/zones/{mine.id}/rates/{rate_id}/delete", {}),
        ("get", f"{BASE}/pickup/{location_id}", None),
        ("post", f"{BASE}/pickup/{location_id}", PICKUP),
        ("post", f"{BASE}/pickup/{location_id}/delete", {}),
        ("get", f"{BASE}/carriers/{carrier_id}", None),
        ("post", f"{BASE}/carriers/{carrier_id}", CARRIER),
        ("post", f"{BASE}/carriers/{carrier_id}/delete", {}),
        ("get", f"/stores/{other.slug}/shipping", None),
        ("get", f"/stores/{other.slug}/taxes", None),
    ]:
        assert getattr(client, method)(url, data=data).status_code == 404, url
    theirs = default_zone(ctx, other)
    assert (theirs.name, [r.name for r in theirs.rates]) == ("Indonesia", ["Reguler"])
    assert [p.name for p in rows(ctx, other, PickupLocation)] == ["Toko Lain"]
    assert [c.name for c in rows(ctx, other, Carrier)] == ["Kurir Lain"]
    assert "Toko Lain" not in text(client.get(BASE)) and "Kurir Lain" not in text(client.get(BASE))


ROUTES = [("get", "/shipping"), ("post", "/shipping/origin"), ("post", "/shipping/rate-provider"),
          ("get", "/shipping/zones/new"), ("post", "/shipping/zones/new"), ("get", "/shipping/zones/1"),
          ("post", "/shipping/zones/1/delete"), ("get", "/shipping/zones/1/rates/new"),
          ("post", "/shipping/pickup"), ("post", "/shipping/carriers"), ("get", "/taxes"), ("post", "/taxes")]


@pytest.mark.parametrize("method, path", ROUTES)
def test_members_only(client, create_store, create_user, login, ctx, method, path):
    store = create_store(slug="kopi-kenangan")
    url = f"/stores/kopi-kenangan{path}"
    data = {**ZONE, **PICKUP, **CARRIER, **ORIGIN, **TAX}
    anonymous = getattr(client, method)(url, data=data)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    login(client, create_user())
    assert getattr(client, method)(url, data=data).status_code == 404
    assert [z.name for z in zones_of(ctx, store)] == ["Indonesia"]
    for model in (PickupLocation, Carrier, ShippingSettings, TaxSettings):
        assert rows(ctx, store, model) == []


def test_forms_need_a_csrf_token(app, client, store, ctx):
    zone = default_zone(ctx, store)
    rate_id = zone.rates[0].id
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for path, data in [("/shipping/origin", ORIGIN), ("/shipping/rate-provider", {"provider-rate_provider": ""}),
                           ("/shipping/zones/new", ZONE), (f"/shipping/zones/{zone.id}", ZONE),
                           (f"/shipping/zones/{zone.id}/delete", {}), (f"/shipping/zones/{zone.id}/move", {"direction": "up"}),
                           (f"/shipping/zones/{zone.id}/rates/new", RATE),
                           (f"/shipping/zones/{zone.id}/rates/{rate_id}", RATE),
                           (f"/shipping/zones/{zone.id}/rates/{rate_id}/delete", {}), ("/shipping/pickup", PICKUP),
                           ("/shipping/carriers", CARRIER), ("/taxes", TAX)]:
            assert client.post(f"/stores/batik-sari{path}", data=data).status_code == 400, path
        # The page's own forms carry a token.
        tokens = {name for name in parse(client.get(BASE)).inputs if name.endswith("csrf_token")}
        assert {"origin-csrf_token", "provider-csrf_token", "pickup-csrf_token", "carrier-csrf_token",
                "csrf_token"} <= tokens
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert [z.name for z in zones_of(ctx, store)] == ["Indonesia"]
    assert rows(ctx, store, ShippingSettings) == [] and rows(ctx, store, TaxSettings) == []
