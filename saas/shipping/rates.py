"""The ways a cart can reach an address: the zone's own rates, carriers' quoted prices and pickup, cheapest first.

A carrier-calculated rate asks the store's rate service (with a time-out) and falls back to the rate's own
amount when the service fails, so a slow or broken API never leaves the shopper without a way to ship. Quotes
are remembered for a few minutes, so the price a shopper chose is the price the order charges.
"""
import logging
from dataclasses import dataclass

from flask import current_app, g

from saas.orders import pricing
from saas.shipping import providers, services, zones
from saas.orders.addresses import POSTAL_CODE
from saas.promotions.services import percent_text
from saas.shipping.models import RateKind, ShippingZone
from saas.storefront.cache import _safely, cache

log = logging.getLogger(__name__)
QUOTE_SECONDS = 600


@dataclass(frozen=True)
class Option:
    rate: pricing.ShippingRate  # its id says what it is: "rate:<id>", "quote:<rate id>:<service>", "pickup:<id>"
    carrier: str = ""
    min_days: int | None = None
    max_days: int | None = None
    cod_allowed: bool = True
    pickup: dict | None = None  # {"name", "address", "instructions"} for collecting it in person

    @property
    def id(self) -> str:
        return self.rate.id

    @property
    def label(self) -> str:
        return self.rate.label

    def details(self) -> dict:
        """What the order keeps about the chosen way to ship."""
        return {"id": self.id, "kind": self.rate.kind, "carrier": self.carrier, "min_days": self.min_days,
                "max_days": self.max_days, "pickup": self.pickup}


@dataclass
class Destination:
    """The options for one address: `zone` is None when no zone covers it, and then there are none."""

    zone: ShippingZone | None
    options: list[Option]


def address_complete(address: dict) -> bool:
    return bool(address.get("country") and (address.get("country") != "ID" or (
        address.get("province") and address.get("city"))))


def destination(address: dict, weight_grams: int, subtotal: int) -> Destination:
    """Every option the store offers for `address` (uncosted: pricing applies tiers and discounts)."""
    zone = zones.zone_for(services.zones(), address)
    options: list[Option] = []
    if zone is not None:
        live = [rate for rate in zone.rates if rate.enabled]
        quotes = _quotes({rate.carrier for rate in live if rate.kind == RateKind.CALCULATED}, address,
                         weight_grams, subtotal)
        for rate in live:
            options.extend(_rate_options(rate, quotes.get(rate.carrier, [])))
    options.extend(pickups(address.get("country")))
    if zone is None and not options:
        return Destination(None, [])
    return Destination(zone, options)


def pickups(country: str | None) -> list[Option]:
    """The store's pickup locations in `country`: collecting in person needs no delivery address."""
    return [Option(pricing.ShippingRate(id=f"pickup:{location.id}", label=location.name, kind="pickup",
                                        amount=location.fee),
                   cod_allowed=location.cod_allowed,
                   pickup={"name": location.name, "address": location.address, "instructions": location.instructions})
            for location in services.pickup_locations(enabled_only=True) if location.country == country]


def _rate_options(rate, quotes: list) -> list[Option]:
    common = {"carrier": rate.carrier, "min_days": rate.min_days, "max_days": rate.max_days,
              "cod_allowed": rate.cod_allowed}
    if rate.kind == RateKind.CALCULATED:
        if quotes:
            return [Option(pricing.ShippingRate(id=f"quote:{rate.id}:{quote.service}", label=quote.name,
                                                kind="quoted", amount=quote.amount, free_over=rate.free_over),
                           **{**common, "min_days": quote.min_days, "max_days": quote.max_days})
                    for quote in quotes]
        if rate.amount <= 0:
            return []  # no fallback price: better no option than a free one nobody meant
        return [Option(pricing.ShippingRate(id=f"rate:{rate.id}", label=rate.name, amount=rate.amount,
                                            free_over=rate.free_over), **common)]
    tiers = tuple((int(t["from"]), None if t.get("to") in (None, "") else int(t["to"]), int(t["amount"]))
                  for t in rate.tiers or [])
    return [Option(pricing.ShippingRate(id=f"rate:{rate.id}", label=rate.name, kind=rate.kind.value,
                                        amount=rate.amount, tiers=tiers, free_over=rate.free_over), **common)]


def _quotes(carriers: set[str], address: dict, weight_grams: int, subtotal: int) -> dict[str, list]:
    """The rate service's prices for these carriers, by carrier, in one call remembered for a few minutes;
    {} when there is no service, the address can't be priced, or the service can't answer."""
    settings = services.shipping_settings()
    carriers = sorted(c for c in carriers if c and not c.startswith("custom:"))
    postal_code = address.get("postal_code") or ""
    if not settings.rate_provider or not carriers or not (
            POSTAL_CODE.match(postal_code) if address.get("country") == "ID" else 0 < len(postal_code) <= 10):
        return {}
    origin = settings.origin or {}
    key = (f"rates:{g.tenant.id}:{settings.rate_provider}:{origin.get('postal_code')}:{address.get('country')}:"
           f"{postal_code}:{weight_grams}:{','.join(carriers)}")
    cached = _safely(cache.get, key)
    if cached is not None:
        return cached
    try:
        quotes = providers.get(settings.rate_provider).quote(
            origin, address, max(weight_grams, 1), carriers, services.rate_provider_credentials(),
            timeout=current_app.config["SHIPPING_RATE_TIMEOUT"], value=subtotal)
    except (providers.RateProviderError, KeyError):
        log.warning("rate service %s failed for %s", settings.rate_provider, carriers, exc_info=True)
        return {}
    by_carrier: dict[str, list] = {}
    for quote in quotes:
        if quote.carrier in carriers:
            by_carrier.setdefault(quote.carrier, []).append(quote)
    _safely(cache.set, key, by_carrier, timeout=QUOTE_SECONDS)
    return by_carrier


def tax_policy(zone: ShippingZone | None) -> pricing.TaxPolicy | None:
    settings = services.tax_settings()
    if not settings.enabled:
        return None
    rate = zone.tax_rate_bp if zone is not None and zone.tax_rate_bp is not None else settings.rate_bp
    return pricing.TaxPolicy(label=f"{settings.label} {percent_text(rate)}", rate_bp=rate,
                             included=settings.prices_include_tax, shipping_taxed=settings.tax_shipping)


def countries() -> list[tuple[str, str]]:
    """(code, name) of every country the store ships to or has a pickup location in: Indonesia first."""
    from flask_babel import get_locale

    codes = {code for zone in services.zones() for code in zone.countries}
    codes |= {location.country for location in services.pickup_locations(enabled_only=True)}
    names = services.country_names(get_locale())
    return sorted(((code, names.get(code, code)) for code in codes or {"ID"}),
                  key=lambda pair: (pair[0] != "ID", pair[1]))
