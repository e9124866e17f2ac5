"""The shipping services as checkout reads them: a new store's defaults, the rate service's key sealed at rest, and
the rules for tiers."""
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, select

from saas.shipping import services as shipping
from saas.shipping.models import RateKind, ShippingSettings, ShippingZone, TaxSettings

def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_new_store_ships_across_indonesia_at_a_flat_rp_20000(create_store, ctx):
    store = create_store()
    with ctx(store.id) as session:
        [zone] = shipping.zones()
        assert (zone.name, zone.countries, zone.provinces, zone.cities, zone.tax_rate_bp) == (
            "Indonesia", ["ID"], [], [], None)
        [rate] = zone.rates
        assert (rate.name, rate.kind, rate.amount, rate.free_over, rate.enabled, rate.cod_allowed) == (
            "Reguler", RateKind.FLAT, 20_000_00, None, True, True)
        # Taxes need no row: PPN 11%, included in prices, shipping untaxed.
        tax = shipping.tax_settings()
        assert (tax.enabled, tax.label, tax.rate_bp, tax.prices_include_tax, tax.tax_shipping) == (
            True, "PPN", 1100, True, False)
        assert count(session, TaxSettings) == 0 and count(session, ShippingSettings) == 0
        assert shipping.shipping_settings().rate_provider == "" and shipping.rate_provider_credentials() == {}


def test_a_store_in_another_currency_starts_with_no_zone_rather_than_a_free_rate(create_store, ctx):
    store = create_store()
    with ctx(store.id) as session:
        session.execute(delete(ShippingZone))
        shipping.create_defaults(SimpleNamespace(id=store.id, currency="USD"))
        assert shipping.zones() == []  # checkout says it can't ship there until the merchant sets a price
        shipping.create_defaults(SimpleNamespace(id=store.id, currency="IDR"))
        assert [r.amount for r in shipping.zones()[0].rates] == [20_000_00]
        shipping.create_defaults(SimpleNamespace(id=store.id, currency="IDR"))  # a store that has zones keeps them
        assert len(shipping.zones()) == 1


def test_the_api_key_is_sealed_at_rest(create_store, ctx):
    store = create_store()
    key = "biteship_live.eyJhbGciOiJIUzI1NiJ9.rahasia-9f3c"
    with ctx(store.id) as session:
        shipping.save_rate_provider("biteship", key)
        session.commit()
        stored = session.scalar(select(ShippingSettings))
        assert key not in stored.rate_provider_secrets and stored.rate_provider == "biteship"
        assert shipping.rate_provider_credentials() == {"api_key": key}
        assert shipping.rate_provider_hint() == "9f3c"
        shipping.save_rate_provider("biteship", "")  # empty keeps the saved key
        assert shipping.rate_provider_credentials() == {"api_key": key}
        shipping.save_rate_provider("")  # none forgets it
        assert shipping.rate_provider_credentials() == {} and shipping.rate_provider_hint() == ""


def test_an_unreadable_key_counts_as_none(create_store, ctx):
    store = create_store()
    with ctx(store.id) as session:
        session.add(ShippingSettings(origin={}, rate_provider="biteship", rate_provider_secrets="not-a-token"))
        session.flush()
        assert shipping.rate_provider_credentials() == {} and shipping.rate_provider_hint() is None


@pytest.mark.parametrize("tiers, problem", [
    ([], "Add at least one tier"),
    ([{"from": 100, "to": None, "amount": 1}], "first tier starts at 0"),
    ([{"from": 0, "to": 1000, "amount": 1}, {"from": 900, "to": None, "amount": 2}], "can’t overlap"),
    ([{"from": 0, "to": 1000, "amount": 1}, {"from": 1100, "to": None, "amount": 2}], "must start where tier 1 ends"),
    ([{"from": 0, "to": None, "amount": 1}, {"from": 1000, "to": None, "amount": 2}], "Only the last tier"),
    ([{"from": 0, "to": 0, "amount": 1}], "end above where it starts"),
    ([{"from": 0, "to": None, "amount": -1}], "zero or more"),
    ([{"from": 0, "to": None, "amount": None}], "Enter a price for tier 1"),
    ([{"from": None, "to": None, "amount": 1}], "needs a starting value"),
    ([{"from": i * 10, "to": i * 10 + 10, "amount": 1} for i in range(21)], "at most 20 tiers"),
    ([{"from": 0, "to": 10**30, "amount": 1}, {"from": 10**30, "to": None, "amount": 2}],
     "Tier 1: enter weights up to 1,000,000,000 g."),
    ([{"from": 0, "to": None, "amount": 10**16}], "Tier 1: that amount is too large."),
])
def test_tier_rules(app, tiers, problem):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        clean, message = shipping.check_tiers(tiers)
        assert clean == [] and problem in str(message)


def test_price_tiers_go_beyond_the_weight_bound_but_not_the_money_one(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        big = [{"from": 0, "to": 2_000_000_000, "amount": 1}, {"from": 2_000_000_000, "to": None, "amount": 0}]
        assert shipping.check_tiers(big, RateKind.PRICE) == (big, None)
        clean, message = shipping.check_tiers([{"from": 0, "to": 10**16, "amount": 1}], RateKind.PRICE)
        assert clean == [] and "Tier 1: that amount is too large." in str(message)


def test_good_tiers_are_kept_as_given(app):
    tiers = [{"from": 0, "to": 1000, "amount": 10_000_00}, {"from": 1000, "to": None, "amount": 20_000_00}]
    assert shipping.check_tiers(tiers) == (tiers, None)
