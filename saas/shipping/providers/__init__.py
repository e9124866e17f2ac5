"""Carrier-rate services: what the checkout asks for live prices of a parcel, whatever the service.

A provider module defines a `RateProvider` subclass and registers it with `register()`. `quote()` either returns
the carriers' prices or raises RateProviderError: the caller then falls back to each calculated rate's own price,
so a slow or broken service never blocks a checkout.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Quote:
    carrier: str  # our carrier code (a preset of saas.shipping.carriers), not the service's own
    service: str  # the service's code for the kind of delivery, such as "reg" or "yes"
    name: str  # as shoppers see it, such as "JNE Reguler"
    amount: int  # minor units of IDR
    min_days: int | None
    max_days: int | None


class RateProviderError(Exception):
    """The service couldn't be reached, refused the call or answered nonsense; str() is safe to log."""


class RateProvider:
    name = ""
    label = ""
    carriers: dict[str, str] = {}  # our carrier code -> the service's courier code, for the carriers it quotes

    def quote(self, origin: dict, destination: dict, weight_grams: int, carriers: list[str], credentials: dict,
              timeout: float, *, value: int = 0) -> list[Quote]:
        """Prices for a parcel of `weight_grams` (worth `value` minor units) from `origin` to `destination` (address
        dicts with "postal_code"), with each of `carriers` (our codes); raises RateProviderError on any failure."""
        raise NotImplementedError


_REGISTRY: dict[str, RateProvider] = {}


def register(provider: RateProvider) -> RateProvider:
    _REGISTRY[provider.name] = provider
    return provider


def get(name: str) -> RateProvider:
    """The provider called `name`; KeyError when there is none (a store with no rate service has "")."""
    return _REGISTRY[name]


def available() -> tuple[str, ...]:
    return tuple(_REGISTRY)


from saas.shipping.providers import biteship  # noqa: E402,F401  (it registers itself)
