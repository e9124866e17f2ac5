"""Biteship's rates against a fake Biteship on loopback: the request it gets, the quotes read from its answer, and
every failure (slow, HTTP error, not JSON, refused) raised as RateProviderError within the timeout."""
import dataclasses
import time

import pytest

from saas.shipping import providers
from saas.shipping.providers import Quote, RateProviderError
from tests.shipping.fake_biteship import API_KEY, fake_biteship  # noqa: F401  (fake_biteship is a fixture)

ORIGIN = {"postal_code": "40111", "city": "Bandung"}
DESTINATION = {"country": "ID", "province": "DKI Jakarta", "city": "Jakarta Selatan", "postal_code": "12190"}


def quote(app, carriers=("jne", "jnt"), *, timeout=2.0, credentials=None, weight=1200, value=150_000_00,
          origin=ORIGIN, destination=DESTINATION):
    with app.app_context():
        return providers.get("biteship").quote(origin, destination, weight, list(carriers),
                                               {"api_key": API_KEY} if credentials is None else credentials,
                                               timeout, value=value)


def test_the_registry():
    assert "biteship" in providers.available()
    assert providers.get("biteship").label == "Biteship"
    for name in ("", "rajaongkir"):
        with pytest.raises(KeyError):
            providers.get(name)


def test_a_quote_asks_for_the_carriers_and_reads_biteships_answer(app, fake_biteship):
    quotes = quote(app, ["jne", "sicepat", "gosend", "dhl"])  # DHL isn't on Biteship: not asked for
    [seen] = fake_biteship.requests
    assert seen.path == "/v1/rates/couriers" and seen.headers["authorization"] == API_KEY
    assert seen.body == {"origin_postal_code": "40111", "destination_postal_code": "12190",
                         "couriers": "jne,sicepat,gojek",
                         "items": [{"name": "Pesanan", "value": 150000, "weight": 1200, "quantity": 1}]}
    assert quotes == [
        Quote("jne", "reg", "JNE Reguler", 18_000_00, 2, 3),
        Quote("jne", "yes", "JNE Yakin Esok Sampai", 32_000_00, 1, 1),
        Quote("sicepat", "reg", "SiCepat Reguler", 16_000_00, 1, 2),
        Quote("gosend", "instant", "Gojek Instant", 45_000_00, 0, 0),  # hours: the same day
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        quotes[0].amount = 1


def test_no_carrier_it_can_price_means_no_call(app, fake_biteship):
    assert quote(app, ["dhl", "fedex", "custom:1"]) == []
    assert fake_biteship.requests == []


@pytest.mark.parametrize("break_it", [
    "slow", "http_500", "not_json", "refused", "no_pricing", "bad_price", "wrong_key", "unreachable",
])
def test_every_failure_is_a_rate_provider_error(app, fake_biteship, monkeypatch, break_it):
    credentials = None
    if break_it == "slow":
        fake_biteship.delay = 1.5
    elif break_it == "http_500":
        fake_biteship.fail(500)
    elif break_it == "not_json":
        fake_biteship.fail(200, b"<html>Bad gateway</html>")
    elif break_it == "refused":
        fake_biteship.fail(200, {"success": False, "error": "Destination postal code not found", "code": 40001001})
    elif break_it == "no_pricing":
        fake_biteship.fail(200, {"success": True, "pricing": "none"})
    elif break_it == "bad_price":
        fake_biteship.fail(200, {"success": True, "pricing": [{"courier_code": "jne", "price": "mahal"}]})
    elif break_it == "wrong_key":
        credentials = {"api_key": "biteship_test.salah"}
    elif break_it == "unreachable":
        monkeypatch.setitem(app.config, "BITESHIP_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    started = time.monotonic()
    with pytest.raises(RateProviderError):
        quote(app, credentials=credentials, timeout=0.3)
    assert time.monotonic() - started < 1.2  # the timeout holds: a slow service never holds up checkout


@pytest.mark.parametrize("credentials, origin, destination", [
    ({}, ORIGIN, DESTINATION),
    (None, {}, DESTINATION),
    (None, ORIGIN, {"country": "ID", "postal_code": ""}),
])
def test_a_quote_needs_a_key_and_both_postal_codes(app, fake_biteship, credentials, origin, destination):
    with pytest.raises(RateProviderError):
        quote(app, credentials=credentials, origin=origin, destination=destination)
    assert fake_biteship.requests == []
