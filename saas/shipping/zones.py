"""Which zone ships to an address, and what the builder warns about: zones that overlap, provinces none covers.

Pure functions over zone-like objects (anything with countries, provinces, cities and position), so that the
checkout, the builder and tests share them without a database.
"""
import re
from dataclasses import dataclass

from saas.orders.addresses import PROVINCES

COUNTRY, PROVINCE, CITY = 1, 2, 3  # how specific a zone is; the most specific zone that covers an address wins
# Merchants and shoppers write the same regency or city with or without its kind: "Kota Bandung", "Kab. Bogor".
_CITY_PREFIX = re.compile(r"^(kota administrasi|kota adm\.?|kota|kabupaten|kab\.?)\s+")


def normalize_city(name: str) -> str:
    """A city as compared: case-insensitive, spaces collapsed, without a leading "Kota ", "Kabupaten " or "Kab. "."""
    text = " ".join(str(name or "").split()).casefold()
    return _CITY_PREFIX.sub("", text, count=1).strip()


def normalize_province(name: str) -> str:
    return " ".join(str(name or "").split()).casefold()


def specificity(zone) -> int:
    if zone.cities:
        return CITY
    if zone.provinces:
        return PROVINCE
    return COUNTRY


def covers(zone, address: dict) -> bool:
    """Whether the zone ships to `address` ({"country": ISO2, "province", "city"})."""
    country = str(address.get("country") or "").strip().upper()
    if country not in {str(c).upper() for c in zone.countries or ()}:
        return False
    if zone.provinces:
        province = normalize_province(address.get("province"))
        if province not in {normalize_province(p) for p in zone.provinces}:
            return False
    if zone.cities:
        city = normalize_city(address.get("city"))
        if city not in {normalize_city(c) for c in zone.cities}:
            return False
    return True


def _order_key(zone):
    return (-specificity(zone), zone.position or 0, zone.id or 0)


def zone_for(zones, address: dict):
    """The zone whose rates apply to `address`: the most specific that covers it (city, province, country), then the
    first by position; None when no zone ships there."""
    matching = [zone for zone in zones if covers(zone, address)]
    return min(matching, key=_order_key) if matching else None


@dataclass(frozen=True)
class Overlap:
    """Two zones that both cover some addresses at the same specificity; `first` wins there (it comes first)."""

    first: object
    second: object
    places: tuple[str, ...]  # what they share: country codes, provinces or cities, as the merchant typed them


def _shared(first: list, second: list, normalize) -> list:
    theirs = {normalize(item) for item in second}
    seen, shared = set(), []
    for item in first:
        key = normalize(item)
        if key in theirs and key not in seen:
            seen.add(key)
            shared.append(item)
    return shared


def _overlap(a, b) -> tuple[str, ...]:
    level = specificity(a)
    if level != specificity(b):
        return ()
    countries = _shared(list(a.countries or ()), list(b.countries or ()), lambda c: str(c).upper())
    if not countries:
        return ()
    if level == COUNTRY:
        return tuple(str(c).upper() for c in countries)
    provinces = list(a.provinces or ())
    if a.provinces and b.provinces:
        provinces = _shared(list(a.provinces), list(b.provinces), normalize_province)
        if not provinces:
            return ()
    if level == PROVINCE:
        return tuple(provinces)
    return tuple(_shared(list(a.cities), list(b.cities), normalize_city))


def overlaps(zones) -> list[Overlap]:
    """Pairs of zones that can both cover one address at the same specificity, the winner first."""
    ordered = sorted(zones, key=_order_key)
    found = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1:]:
            places = _overlap(first, second)
            if places:
                found.append(Overlap(first, second, places))
    return found


def uncovered_provinces(zones) -> list[str]:
    """Indonesian provinces where no zone ships to any address (zones of a few named cities there don't count as
    covering a province, but they aren't reported here either: see partly_covered_provinces)."""
    return [p for p in PROVINCES if not _covers_province(zones, p) and not _names_cities_in(zones, p)]


def partly_covered_provinces(zones) -> list[str]:
    """Indonesian provinces where only some named cities have a zone."""
    return [p for p in PROVINCES if not _covers_province(zones, p) and _names_cities_in(zones, p)]


def _ships_to_indonesia(zone) -> bool:
    return "ID" in {str(c).upper() for c in zone.countries or ()}


def _covers_province(zones, province: str) -> bool:
    key = normalize_province(province)
    return any(_ships_to_indonesia(zone) and not zone.cities
               and (not zone.provinces or key in {normalize_province(p) for p in zone.provinces})
               for zone in zones)


def _names_cities_in(zones, province: str) -> bool:
    key = normalize_province(province)
    return any(_ships_to_indonesia(zone) and zone.cities
               and key in {normalize_province(p) for p in zone.provinces or ()}
               for zone in zones)
