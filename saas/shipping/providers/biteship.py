"""Biteship's rates API: one call prices a parcel with several Indonesian couriers, by postal code.

POST {BITESHIP_API_BASE}/v1/rates/couriers with the merchant's API key in the `authorization` header. Biteship
speaks whole rupiah; quotes here are in minor units (x100). Any failure (no answer within the timeout, an HTTP
error, a refusal, an answer that isn't the JSON we expect) raises RateProviderError.
"""
import math
import re

import requests
from flask import current_app

from saas.shipping.providers import Quote, RateProvider, RateProviderError, register

NAME = "biteship"
ITEM_NAME = "Pesanan"  # one parcel for the whole order: Biteship prices by weight, not by line
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


def _duration(text, unit) -> tuple[int | None, int | None]:
    """Days from Biteship's "2 - 3" and "days"; an answer in hours is same-day (0) up to a day."""
    match = _RANGE.match(str(text or ""))
    if not match:
        return None, None
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if str(unit or "").lower().startswith("hour"):
        return low // 24, (math.ceil(high / 24) if high > 24 else 0)
    return low, high


def _rupiah(amount: int) -> int:
    return (max(0, int(amount)) + 50) // 100


MAX_RUPIAH = 100_000_000  # no parcel costs more to ship: a bigger number is a broken answer, not a price


class Biteship(RateProvider):
    name = NAME
    label = "Biteship"
    carriers = {"jne": "jne", "jnt": "jnt", "sicepat": "sicepat", "anteraja": "anteraja", "pos": "pos",
                "gosend": "gojek", "grab": "grab"}

    def quote(self, origin, destination, weight_grams, carriers, credentials, timeout, *, value=0):
        api_key = str((credentials or {}).get("api_key") or "")
        if not api_key:
            raise RateProviderError("no Biteship API key is saved")
        origin_code = str((origin or {}).get("postal_code") or "").strip()
        destination_code = str((destination or {}).get("postal_code") or "").strip()
        if not origin_code or not destination_code:
            raise RateProviderError("Biteship needs the origin's and the destination's postal codes")
        wanted = {self.carriers[c]: c for c in carriers if c in self.carriers}
        if not wanted:
            return []
        body = {
            "origin_postal_code": origin_code,
            "destination_postal_code": destination_code,
            "couriers": ",".join(wanted),
            "items": [{"name": ITEM_NAME, "value": _rupiah(value), "weight": max(1, int(weight_grams)), "quantity": 1}],
        }
        url = current_app.config["BITESHIP_API_BASE"].rstrip("/") + "/v1/rates/couriers"
        try:
            response = requests.post(url, json=body, timeout=timeout,
                                     headers={"authorization": api_key, "accept": "application/json"})
        except requests.RequestException as error:  # timeouts, refused connections, resets
            raise RateProviderError(f"Biteship could not be reached: {error.__class__.__name__}") from error
        try:
            answer = response.json()
        except ValueError as error:
            raise RateProviderError(f"Biteship answered HTTP {response.status_code} with no JSON") from error
        if response.status_code != 200 or not isinstance(answer, dict) or answer.get("success") is not True:
            message = answer.get("error") or answer.get("message") if isinstance(answer, dict) else ""
            raise RateProviderError(f"Biteship refused the call (HTTP {response.status_code}): {str(message)[:200]}")
        pricing = answer.get("pricing")
        if not isinstance(pricing, list):
            raise RateProviderError("Biteship's answer has no pricing list")
        return [quote for quote in (self._quote(item, wanted) for item in pricing) if quote is not None]

    @staticmethod
    def _quote(item, wanted: dict) -> Quote | None:
        if not isinstance(item, dict):
            raise RateProviderError("Biteship's pricing list holds something other than prices")
        carrier = wanted.get(str(item.get("courier_code") or "").lower())
        if carrier is None:
            return None  # a courier we didn't ask for
        price = item.get("price")
        if (isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price)
                or not 0 <= price <= MAX_RUPIAH):
            raise RateProviderError("Biteship answered a price that isn't an amount")
        service = str(item.get("courier_service_code") or "")
        name = " ".join(part for part in (str(item.get("courier_name") or ""),
                                          str(item.get("courier_service_name") or "")) if part)
        low, high = _duration(item.get("shipment_duration_range"), item.get("shipment_duration_unit"))
        return Quote(carrier=carrier, service=service, name=name or service, amount=round(price * 100),
                     min_days=low, max_days=high)


register(Biteship())
