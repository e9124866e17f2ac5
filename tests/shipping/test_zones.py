"""Which zone ships to an address, and the builder's warnings: overlapping zones and provinces no zone covers."""
from types import SimpleNamespace

import pytest

from saas.orders.addresses import PROVINCES
from saas.shipping.zones import (
    normalize_city,
    overlaps,
    partly_covered_provinces,
    uncovered_provinces,
    zone_for,
)

_ids = iter(range(1, 10_000))


def zone(name, countries=("ID",), provinces=(), cities=(), position=0):
    return SimpleNamespace(id=next(_ids), name=name, countries=list(countries), provinces=list(provinces),
                           cities=list(cities), position=position)


def address(city="Bandung", province="Jawa Barat", country="ID"):
    return {"country": country, "province": province, "city": city}


INDONESIA = zone("Indonesia", position=0)
JAWA = zone("Jawa", provinces=["Jawa Barat", "DKI Jakarta", "Banten"], position=1)
BANDUNG = zone("Bandung Raya", provinces=["Jawa Barat"], cities=["Kota Bandung", "Kab. Bandung Barat", "Cimahi"],
               position=2)
ASIA = zone("Asia", countries=["SG", "MY"], position=3)
ZONES = [ASIA, BANDUNG, JAWA, INDONESIA]  # not in position order: the function mustn't rely on it


@pytest.mark.parametrize("where, expected", [
    (address("Kota Bandung"), BANDUNG),  # a city beats its province
    (address("BANDUNG"), BANDUNG),  # any case, with or without "Kota"
    (address("  kabupaten   bandung  barat "), BANDUNG),  # "Kabupaten" and "Kab." are the same, spaces collapse
    (address("Bandung Barat"), BANDUNG),
    (address("Kota Cimahi"), BANDUNG),
    (address("Bekasi"), JAWA),  # a province beats the country
    (address("Jakarta Selatan", "dki jakarta"), JAWA),  # provinces compare case-insensitively
    (address("Bandung", "Jawa Tengah"), INDONESIA),  # a city of that name in another province isn't Bandung Raya
    (address("Denpasar", "Bali"), INDONESIA),
    (address("Singapore", "", "SG"), ASIA),
    (address("Johor Bahru", "Johor", "my"), ASIA),  # a lowercase country code still counts
    (address("Tokyo", "", "JP"), None),  # no zone ships there
    ({"country": "", "province": "", "city": ""}, None),
])
def test_the_most_specific_zone_covering_an_address_wins(where, expected):
    assert zone_for(ZONES, where) is expected


def test_among_zones_equally_specific_the_first_by_position_wins():
    first, second = zone("Pulau Jawa", position=1), zone("Indonesia", position=0)
    assert zone_for([first, second], address()) is second
    second.position = 5
    assert zone_for([first, second], address()) is first
    assert zone_for([], address()) is None


@pytest.mark.parametrize("typed, compared", [
    ("Kota Bandung", "bandung"), ("KABUPATEN  Bogor", "bogor"), ("Kab. Bogor", "bogor"), ("Kab Bogor", "bogor"),
    ("  Surabaya ", "surabaya"), ("Kotabaru", "kotabaru"), ("Kota Administrasi Jakarta Selatan", "jakarta selatan"),
])
def test_city_names_compare_without_their_kind(typed, compared):
    assert normalize_city(typed) == compared


# Overlaps


def test_two_zones_covering_all_of_indonesia_overlap_and_the_first_wins():
    first, second = zone("Indonesia", position=0), zone("Seluruh Indonesia", countries=["ID", "MY"], position=1)
    [found] = overlaps([second, first])
    assert (found.first, found.second, found.places) == (first, second, ("ID",))


def test_zones_naming_the_same_province_or_city_overlap():
    west = zone("Barat", provinces=["Jawa Barat", "Banten"], position=0)
    java = zone("Jawa", provinces=["jawa barat", "Jawa Tengah"], position=1)
    [found] = overlaps([west, java])
    assert found.places == ("Jawa Barat",)
    city = zone("Kota Bandung", cities=["Kota Bandung"], position=2)
    same = zone("Bandung", provinces=["Jawa Barat"], cities=["Bandung", "Cimahi"], position=3)
    assert [(o.first.name, o.second.name, o.places) for o in overlaps([city, same])] == [
        ("Kota Bandung", "Bandung", ("Kota Bandung",))]


@pytest.mark.parametrize("zones", [
    [zone("Indonesia"), zone("Jawa Barat", provinces=["Jawa Barat"])],  # different specificity: the province wins
    [zone("Barat", provinces=["Jawa Barat"]), zone("Tengah", provinces=["Jawa Tengah"])],
    [zone("Indonesia"), zone("Asia", countries=["SG", "MY"])],
    [zone("A", provinces=["Jawa Barat"], cities=["Bandung"]), zone("B", provinces=["Jawa Tengah"], cities=["Bandung"])],
    [zone("A", cities=["Bandung"]), zone("B", cities=["Bogor"])],
])
def test_zones_that_never_cover_the_same_address_at_the_same_level_dont_overlap(zones):
    assert overlaps(zones) == []


# Coverage of Indonesia


def test_provinces_no_zone_covers():
    assert uncovered_provinces([]) == list(PROVINCES)
    assert uncovered_provinces([zone("Indonesia")]) == []
    assert uncovered_provinces([zone("Asia", countries=["SG"])]) == list(PROVINCES)
    some = [zone("Jawa", provinces=["Jawa Barat", "DKI Jakarta"]), zone("Bali", provinces=["Bali"])]
    missing = uncovered_provinces(some)
    assert "Aceh" in missing and "Papua Selatan" in missing and len(missing) == len(PROVINCES) - 3
    assert not {"Jawa Barat", "DKI Jakarta", "Bali"} & set(missing)


def test_a_province_with_only_some_cities_zoned_is_partly_covered():
    zones = [zone("Bandung", provinces=["Jawa Barat"], cities=["Bandung"]), zone("Bali", provinces=["Bali"])]
    assert partly_covered_provinces(zones) == ["Jawa Barat"]
    assert "Jawa Barat" not in uncovered_provinces(zones) and "Bali" not in uncovered_provinces(zones)
    assert partly_covered_provinces(zones + [zone("Indonesia")]) == []
