"""Shipping options, discount codes, automatic discounts and tax at the cart and the checkout, over HTTP.

The worked example, as a merchant in Yogyakarta would price it for a shopper in Bandung:

    2 × Kemeja Kawung at Rp 250.000 (300 g each)       Rp 500.000
    1 × Selendang Sutra at Rp 125.000 (200 g)          Rp 125.000
    Subtotal                                           Rp 625.000   (800 g)
    Code HEMAT10: 10% off, from Rp 200.000   -50.000 - 12.500 = -Rp 62.500
    Shipping to Jawa Barat, JNE REG, 0–1 kg             Rp 15.000   (JNE YES Rp 32.000, pickup free)
    Total                                              Rp 577.500
    Including PPN 11%: 450.000 × 11/111 = 44.595 (44.594,59) + 112.500 × 11/111 = 11.149 (11.148,65) = Rp 55.744
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas.catalog.models import Variant
from saas.orders.models import BankAccount, CheckoutSettings, Order, PaymentMethod
from saas.orm import utcnow
from saas.promotions.models import (
    Discount,
    DiscountCode,
    DiscountKind,
    DiscountMethod,
    DiscountScope,
    DiscountTarget,
    DiscountUsage,
)
from saas.shipping.models import PickupLocation, RateKind, ShippingRate, ShippingZone, TaxSettings
from tests.shipping.fake_biteship import API_KEY, fake_biteship  # noqa: F401  (fake_biteship is a fixture)

RP = 100
BANDUNG = {
    "email": "dewi@example.com", "phone": "0812-3456-7890", "name": "Dewi Lestari",
    "street": "Jl. Braga No. 10, RT 02/RW 05", "district": "Sumur Bandung", "city": "Kota Bandung",
    "province": "Jawa Barat", "postal_code": "40111", "country": "ID", "payment_method": "bank_transfer",
    "note": "",
}
DENPASAR = {**BANDUNG, "district": "Denpasar Barat", "city": "Kota Denpasar", "province": "Bali",
            "postal_code": "80119"}


@pytest.fixture
def store(create_store, ctx):
    tenant = create_store(name="Batik Bandung", slug="batik-bandung", locale="id")
    with ctx(tenant.id) as session:
        for zone in session.scalars(select(ShippingZone)):
            session.delete(zone)
        session.flush()
        west_java = ShippingZone(name="Jawa Barat", countries=["ID"], provinces=["Jawa Barat"])
        session.add_all([west_java, PaymentMethod(provider="bank_transfer", enabled=True, position=0),
                         PaymentMethod(provider="cod", enabled=True, position=1), CheckoutSettings(),
                         BankAccount(bank="BCA", number="1234567890", holder="Batik Bandung")])
        session.flush()
        session.add_all([
            ShippingRate(zone_id=west_java.id, name="JNE REG", kind=RateKind.WEIGHT, carrier="jne", min_days=2,
                         max_days=3, tiers=[{"from": 0, "to": 1000, "amount": 15_000 * RP},
                                            {"from": 1000, "to": 5000, "amount": 25_000 * RP}]),
            ShippingRate(zone_id=west_java.id, name="JNE YES", amount=32_000 * RP, carrier="jne", min_days=1,
                         max_days=1, cod_allowed=False, position=1),
            PickupLocation(name="Ambil di toko Braga", address="Jl. Braga No. 1, Bandung",
                           instructions="Setiap hari 10.00–20.00"),
        ])
        session.commit()
    return tenant


@pytest.fixture
def shopper(store, store_client):
    return store_client(store)


@pytest.fixture
def goods(store, create_product, ctx):
    kemeja = create_product(store, title="Kemeja Kawung", status="active", price=250_000 * RP, stock=20)
    selendang = create_product(store, title="Selendang Sutra", status="active", price=125_000 * RP, stock=20)
    with ctx(store.id) as session:
        for product, grams in ((kemeja, 300), (selendang, 200)):
            session.scalar(select(Variant).where(Variant.id == product.variants[0].id)).weight_grams = grams
        session.commit()
    return kemeja, selendang


def code(ctx, store, text="HEMAT10", **fields):
    fields = {"title": "Hemat 10%", "kind": DiscountKind.PERCENTAGE, "percentage_bp": 1000,
              "min_subtotal": 200_000 * RP, "starts_at": utcnow() - timedelta(days=1), **fields}
    with ctx(store.id) as session:
        discount = Discount(**fields)
        session.add(discount)
        session.flush()
        session.add(DiscountCode(discount_id=discount.id, code=text))
        session.commit()
        return discount.id


def automatic(ctx, store, **fields):
    fields = {"title": "Promo otomatis", "method": DiscountMethod.AUTOMATIC, "starts_at": utcnow() - timedelta(days=1),
              **fields}
    with ctx(store.id) as session:
        discount = Discount(**fields)
        session.add(discount)
        session.commit()
        return discount.id


def fill(shopper, goods, kemeja=2, selendang=1):
    if kemeja:
        shopper.post("/cart/add", data={"variant_id": str(goods[0].variants[0].id), "quantity": str(kemeja)})
    if selendang:
        shopper.post("/cart/add", data={"variant_id": str(goods[1].variants[0].id), "quantity": str(selendang)})


def summary(shopper, address=BANDUNG, option=""):
    fields = ("country", "province", "city", "district", "postal_code", "email")
    return shopper.get("/checkout/summary", query_string={**{k: address[k] for k in fields},
                                                          "shipping_option": option}).json


def options(html):
    """[(name, price text)] of the shipping options, in the order shown."""
    found = re.findall(r'value="([^"]+)"[^>]*>\s*<span class="shipping-option__text">\s*<span class="shipping-option__name">'
                       r'([^<]+)</span>.*?<strong class="shipping-option__price">([^<]+)</strong>', html, re.S)
    return [(name, price.strip()) for _value, name, price in found]


def option_id(html, name):
    return re.search(r'value="([^"]+)"[^>]*>\s*<span class="shipping-option__text">\s*'
                     r'<span class="shipping-option__name">' + re.escape(name), html)[1]


def form_for(shopper, address=BANDUNG, option_name="JNE REG"):
    page = shopper.get("/checkout").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    return {**address, "idempotency_key": key, "shipping_option": option_id(summary(shopper, address)["shipping"],
                                                                               option_name)}


def test_the_worked_example_from_cart_to_order(store, shopper, goods, ctx):
    discount_id = code(ctx, store)
    fill(shopper, goods)
    assert shopper.post("/cart/discount", data={"code": " hemat10 "}).status_code == 303
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "HEMAT10" in cart and "-Rp 62.500" in cart and "562.500" in cart

    answer = summary(shopper)
    assert options(answer["shipping"]) == [("JNE REG", "Rp 15.000"), ("JNE YES", "Rp 32.000"),
                                           ("Ambil di toko Braga", "Gratis")]
    priced = summary(shopper, option=option_id(answer["shipping"], "JNE REG"))["summary"]
    assert "Rp 577.500" in priced and "Termasuk PPN 11%" in priced and "Rp 55.744" in priced

    response = shopper.post("/checkout", data=form_for(shopper))
    assert response.status_code == 303, response.get_data(as_text=True)
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        assert (order.subtotal, order.discount_total, order.shipping_total, order.tax_total, order.total) == (
            625_000 * RP, 62_500 * RP, 15_000 * RP, 55_744 * RP, 577_500 * RP)
        assert order.shipping_method == "JNE REG" and order.shipping_details["carrier"] == "jne"
        assert order.discount_codes == ["HEMAT10"]
        assert sum(line.total for line in order.lines) - order.discount_total + order.shipping_total == order.total
        assert session.scalar(select(Discount.times_used).where(Discount.id == discount_id)) == 1
        usage = session.scalar(select(DiscountUsage))
        assert (usage.email, usage.amount, usage.order_total) == ("dewi@example.com", 62_500 * RP, 577_500 * RP)
    status = shopper.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kode HEMAT10" in status and "Termasuk PPN 11%" in status and "577.500" in status


def test_pickup_is_free_and_shows_where_to_collect(store, shopper, goods, ctx):
    fill(shopper, goods, kemeja=1, selendang=0)
    response = shopper.post("/checkout", data=form_for(shopper, option_name="Ambil di toko Braga"))
    assert response.status_code == 303
    status = shopper.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jl. Braga No. 1, Bandung" in status and "Setiap hari 10.00–20.00" in status
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        assert order.shipping_total == 0 and order.shipping_details["pickup"]["name"] == "Ambil di toko Braga"


def test_weight_tiers_follow_the_cart(store, shopper, goods):
    fill(shopper, goods, kemeja=4, selendang=0)  # 1.200 g: the second tier
    assert ("JNE REG", "Rp 25.000") in options(summary(shopper)["shipping"])
    shopper.post("/cart/add", data={"variant_id": str(goods[0].variants[0].id), "quantity": "13"})  # 5.100 g
    names = [name for name, _price in options(summary(shopper)["shipping"])]
    assert "JNE REG" not in names and "JNE YES" in names  # no tier fits: that rate isn't offered


def test_an_address_no_zone_covers_gets_a_message_never_free_shipping(store, shopper, goods, ctx):
    with ctx(store.id) as session:
        for location in session.scalars(select(PickupLocation)):
            session.delete(location)
        session.commit()
    fill(shopper, goods)
    assert "belum bisa mengirim ke alamat ini" in summary(shopper, DENPASAR)["shipping"]
    page = shopper.get("/checkout").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    response = shopper.post("/checkout", data={**DENPASAR, "idempotency_key": key, "shipping_option": "rate:1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kota Denpasar" in html and 'id="shipping-error"' in html
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_tampered_or_foreign_shipping_option_is_refused(store, shopper, goods, create_store, ctx):
    other = create_store(name="Toko Lain", slug="toko-lain")
    with ctx(other.id) as session:
        foreign = session.scalar(select(ShippingRate)).id
    fill(shopper, goods)
    for tampered in (f"rate:{foreign}", "rate:abc", "pickup:999", "quote:1:reg", "x" * 300):
        response = shopper.post("/checkout", data={**form_for(shopper), "shipping_option": tampered})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Pilih cara menerima pesanan Anda." in html, tampered
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_cash_on_delivery_only_with_rates_that_allow_it(store, shopper, goods, ctx):
    fill(shopper, goods)
    response = shopper.post("/checkout", data={**form_for(shopper, option_name="JNE YES"), "payment_method": "cod"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "tidak tersedia dengan JNE YES" in html and 'id="payment-error"' in html
    response = shopper.post("/checkout", data={**form_for(shopper, option_name="JNE REG"), "payment_method": "cod"})
    assert response.status_code == 303


@pytest.mark.parametrize("typed, shown", [
    ("TIDAKADA", "Kami tidak mengenal kode TIDAKADA"),
    ("HEMAT 10!", "Gunakan hanya huruf, angka"),
    ("", "Masukkan kode."),
])
def test_unusable_codes_get_a_clear_message_and_stay_off_the_cart(store, shopper, goods, ctx, typed, shown):
    code(ctx, store)
    fill(shopper, goods)
    shopper.post("/cart/discount", data={"code": typed})
    cart = shopper.get("/cart").get_data(as_text=True)
    assert shown in cart and "discount-chip" not in cart


@pytest.mark.parametrize("fields, shown", [
    ({"starts_at": utcnow() + timedelta(days=2)}, "belum berlaku"),
    ({"ends_at": utcnow() - timedelta(hours=1), "starts_at": utcnow() - timedelta(days=3)}, "sudah kedaluwarsa"),
    ({"usage_limit": 1, "times_used": 1}, "sudah habis dipakai"),
    ({"enabled": False}, "tidak berlaku lagi"),
])
def test_codes_outside_their_time_or_limits_are_refused(store, shopper, goods, ctx, fields, shown):
    code(ctx, store, **fields)
    fill(shopper, goods)
    shopper.post("/cart/discount", data={"code": "HEMAT10"})
    assert shown in shopper.get("/cart").get_data(as_text=True)


def test_a_code_below_its_minimum_stays_on_the_cart_and_says_what_is_missing(store, shopper, goods, ctx):
    code(ctx, store)
    fill(shopper, goods, kemeja=0, selendang=1)  # Rp 125.000, below the Rp 200.000 minimum
    shopper.post("/cart/discount", data={"code": "hemat10"})
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "discount-chip" in cart and "membutuhkan subtotal minimal Rp 200.000" in cart
    page = shopper.post("/checkout", data={**form_for(shopper), "action": "refresh"}).get_data(as_text=True)
    assert "membutuhkan subtotal minimal Rp 200.000" in page and "field__error" not in page  # said, not blocking
    shopper.post("/cart/add", data={"variant_id": str(goods[1].variants[0].id), "quantity": "1"})
    assert "-Rp 25.000" in shopper.get("/cart").get_data(as_text=True)  # Rp 250.000 now: the code applies


def test_a_code_can_be_applied_and_removed_at_checkout_without_losing_what_was_typed(store, shopper, goods, ctx):
    code(ctx, store)
    fill(shopper, goods)
    form = form_for(shopper)
    applied = shopper.post("/checkout", data={**form, "discount_code": "hemat10", "action": "apply_code"})
    html = applied.get_data(as_text=True)
    assert applied.status_code == 200 and "discount-chip" in html and "Jl. Braga No. 10" in html
    assert "field__error" not in html and "-Rp 62.500" in html
    removed = shopper.post("/checkout", data={**form, "action": "remove_code"}).get_data(as_text=True)
    assert "discount-chip" not in removed and "dewi@example.com" in removed


def test_the_per_customer_limit_counts_earlier_orders_by_email(store, shopper, goods, ctx, store_client):
    code(ctx, store, per_customer_limit=1)
    fill(shopper, goods)
    shopper.post("/cart/discount", data={"code": "HEMAT10"})
    assert shopper.post("/checkout", data=form_for(shopper)).status_code == 303
    again = store_client(store)
    fill(again, goods)
    again.post("/cart/discount", data={"code": "HEMAT10"})
    response = again.post("/checkout", data={**form_for(again), "email": "DEWI@example.com"})
    assert response.status_code == 200 and "sudah pernah memakai kode HEMAT10" in response.get_data(as_text=True)


def test_the_best_automatic_discount_applies_and_a_combinable_code_adds_to_it(store, shopper, goods, ctx):
    automatic(ctx, store, title="Hemat 5%", kind=DiscountKind.PERCENTAGE, percentage_bp=500)
    automatic(ctx, store, title="Belanja Rp 600.000 hemat Rp 60.000", kind=DiscountKind.TIERED,
              tiers=[{"min_subtotal": 600_000 * RP, "amount": 60_000 * RP}])
    fill(shopper, goods)  # Rp 625.000: 5% is Rp 31.250, the tier is Rp 60.000
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "Belanja Rp 600.000 hemat Rp 60.000" in cart and "Hemat 5%" not in cart
    code(ctx, store, text="TAMBAH", combinable=True, min_subtotal=None, percentage_bp=1000)
    shopper.post("/cart/discount", data={"code": "tambah"})
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "-Rp 60.000" in cart and "Kode TAMBAH" in cart and "-Rp 56.500" in cart  # 10% of 565.000


def test_a_code_that_does_not_combine_says_the_better_discount_wins(store, shopper, goods, ctx):
    automatic(ctx, store, title="Diskon besar", kind=DiscountKind.FIXED, amount=100_000 * RP)
    code(ctx, store, text="KECIL", min_subtotal=None, percentage_bp=500)
    fill(shopper, goods)
    shopper.post("/cart/discount", data={"code": "KECIL"})
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "tidak bisa digabung dengan Diskon besar" in cart and "-Rp 100.000" in cart


def test_buy_x_get_y_on_a_collection(store, shopper, goods, ctx):
    from saas.catalog import collections
    from saas.tenants.models import Tenant

    with ctx(store.id) as session:
        collection = collections.save_collection(session.get(Tenant, store.id), None, title="Kemeja")
        collections.add_products(collection, [goods[0].id])
        collection_id = collection.id
        session.commit()
    discount_id = automatic(ctx, store, title="Beli 1 gratis 1 kemeja", kind=DiscountKind.BUY_X_GET_Y,
                            scope=DiscountScope.COLLECTIONS, buy_quantity=1, get_quantity=1)
    with ctx(store.id) as session:
        session.add(DiscountTarget(discount_id=discount_id, collection_id=collection_id))
        session.commit()
    fill(shopper, goods)
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "Beli 1 gratis 1 kemeja" in cart and "-Rp 250.000" in cart and "Rp 375.000" in cart


def test_prices_without_tax_get_it_added_and_exempt_products_pay_none(store, shopper, goods, ctx):
    with ctx(store.id) as session:
        session.add(TaxSettings(prices_include_tax=False, rate_bp=1100, tax_shipping=True))
        from saas.catalog.models import Product

        session.scalar(select(Product).where(Product.id == goods[1].id)).tax_exempt = True
        session.commit()
    fill(shopper, goods)
    answer = summary(shopper)
    html = summary(shopper, option=option_id(answer["shipping"], "JNE REG"))["summary"]
    # PPN on Rp 500.000 and on Rp 15.000 shipping = 55.000 + 1.650; the selendang is exempt
    assert "PPN 11%" in html and "Rp 56.650" in html and "Rp 696.650" in html


def test_automatic_promotions_show_on_the_products_they_apply_to(store, shopper, goods, ctx):
    discount_id = automatic(ctx, store, title="Kemeja beli 2 gratis 1", kind=DiscountKind.BUY_X_GET_Y,
                            scope=DiscountScope.PRODUCTS, buy_quantity=2, get_quantity=1)
    automatic(ctx, store, title="Belanja besar", kind=DiscountKind.TIERED,
              tiers=[{"min_subtotal": 500_000 * RP, "amount": 50_000 * RP}])
    with ctx(store.id) as session:
        session.add(DiscountTarget(discount_id=discount_id, product_id=goods[0].id))
        session.commit()
    listing = shopper.get("/collections/all").get_data(as_text=True)
    assert listing.count("Beli 2, gratis 1") == 1  # on the kemeja's card only; the store-wide one stays off cards
    def shown(product):
        page = shopper.get(f"/products/{product.slug}").get_data(as_text=True)
        return re.findall(r'<li class="badge badge--sale">([^<]+)</li>', page)

    assert shown(goods[0]) == ["Beli 2, gratis 1", "Belanja Rp 500.000, hemat Rp 50.000"]
    assert shown(goods[1]) == ["Belanja Rp 500.000, hemat Rp 50.000"]


def test_a_cached_page_expires_when_a_scheduled_promotion_starts(store, shopper, goods, ctx, app):
    from saas.storefront.cache import cache

    automatic(ctx, store, title="Nanti", kind=DiscountKind.PERCENTAGE, percentage_bp=1000,
              scope=DiscountScope.ORDER, starts_at=utcnow() + timedelta(minutes=10))
    seen = {}
    original = cache.set

    def remember(key, value, timeout=None):
        seen[key] = timeout
        return original(key, value, timeout=timeout)

    app.config["STOREFRONT_CACHE"] = True
    cache.set = remember
    try:
        shopper.get(f"/products/{goods[0].slug}")
    finally:
        cache.set = original
    timeouts = [t for key, t in seen.items() if "/products/" in key]
    assert timeouts and 0 < timeouts[0] <= 601


@pytest.fixture
def calculated(store, ctx, app, fake_biteship):
    """The Jawa Barat zone also gets JNE priced by the rate service, with Rp 21.000 if the service can't answer."""
    from saas.payments.secrets import encrypt
    from saas.shipping.models import ShippingSettings

    with ctx(store.id) as session:
        zone = session.scalar(select(ShippingZone))
        session.add_all([
            ShippingSettings(origin={"postal_code": "55271", "city": "Kota Yogyakarta", "country": "ID"},
                             rate_provider="biteship", rate_provider_secrets=encrypt({"api_key": API_KEY})),
            ShippingRate(zone_id=zone.id, name="JNE (tarif kurir)", kind=RateKind.CALCULATED, carrier="jne",
                         amount=21_000 * RP, position=2),
        ])
        session.commit()
    return fake_biteship


def test_carrier_rates_come_from_the_rate_service(store, shopper, goods, calculated, ctx):
    fill(shopper, goods, kemeja=1, selendang=0)
    shown = options(summary(shopper)["shipping"])
    assert ("JNE Reguler", "Rp 18.000") in shown and ("JNE Yakin Esok Sampai", "Rp 32.000") in shown
    asked = calculated.requests[-1].body
    assert (asked["origin_postal_code"], asked["destination_postal_code"], asked["couriers"]) == (
        "55271", "40111", "jne")
    asked_before = len(calculated.requests)
    response = shopper.post("/checkout", data=form_for(shopper, option_name="JNE Reguler"))
    assert response.status_code == 303
    assert len(calculated.requests) == asked_before  # the price shown is remembered, not asked again
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        assert (order.shipping_method, order.shipping_total) == ("JNE Reguler", 18_000 * RP)


@pytest.mark.parametrize("breakage", ["error", "slow"])
def test_when_the_rate_service_fails_the_fallback_price_and_manual_rates_remain(
        store, shopper, goods, calculated, app, breakage):
    if breakage == "error":
        calculated.fail(500)
    else:
        app.config["SHIPPING_RATE_TIMEOUT"] = 0.2
        calculated.delay = 1.0
    fill(shopper, goods, kemeja=1, selendang=0)
    shown = options(summary(shopper)["shipping"])
    assert ("JNE (tarif kurir)", "Rp 21.000") in shown and ("JNE REG", "Rp 15.000") in shown
    assert shopper.post("/checkout", data=form_for(shopper, option_name="JNE (tarif kurir)")).status_code == 303


def test_an_automatic_discount_used_up_by_this_shopper_is_left_out_not_blocking(store, shopper, goods, ctx,
                                                                                store_client):
    automatic(ctx, store, title="Sekali saja", kind=DiscountKind.PERCENTAGE, percentage_bp=1000, per_customer_limit=1)
    fill(shopper, goods)
    assert shopper.post("/checkout", data=form_for(shopper)).status_code == 303
    again = store_client(store)
    fill(again, goods)
    response = again.post("/checkout", data=form_for(again))
    assert response.status_code == 303, response.get_data(as_text=True)
    with ctx(store.id) as session:
        first, second = session.scalars(select(Order).order_by(Order.number))
        assert first.discount_total == 62_500 * RP and second.discount_total == 0


def test_a_code_that_adds_nothing_says_so_but_never_blocks_the_order(store, shopper, goods, ctx):
    code(ctx, store, text="ONGKIR", kind=DiscountKind.FREE_SHIPPING, percentage_bp=0, min_subtotal=None)
    fill(shopper, goods)
    shopper.post("/cart/discount", data={"code": "ongkir"})
    assert "tidak bisa digabung" not in shopper.get("/cart").get_data(as_text=True)  # shipping comes at checkout
    form = form_for(shopper, option_name="Ambil di toko Braga")
    page = shopper.post("/checkout", data={**form, "action": "refresh"}).get_data(as_text=True)
    assert "sudah gratis" in page
    assert shopper.post("/checkout", data=form).status_code == 303


def test_a_total_that_changed_since_the_shopper_saw_it_is_shown_before_it_is_charged(store, shopper, goods, ctx):
    fill(shopper, goods, kemeja=1, selendang=0)
    form = form_for(shopper)
    seen = re.search(r'name="expected_total" value="(\d+)"', summary(shopper, option=form["shipping_option"])["summary"])
    assert seen and int(seen[1]) == 265_000 * RP
    with ctx(store.id) as session:
        session.scalar(select(Variant).where(Variant.id == goods[0].variants[0].id)).price = 260_000 * RP
        session.commit()
    response = shopper.post("/checkout", data={**form, "expected_total": seen[1]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Rp 275.000" in html and "notice--error" in html
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
    fresh = re.search(r'name="expected_total" value="(\d+)"', html)[1]
    assert shopper.post("/checkout", data={**form, "expected_total": fresh}).status_code == 303


def test_a_nonsense_price_from_the_rate_service_falls_back(store, shopper, goods, calculated):
    calculated.prices["jne"] = [("reg", "Reguler", float("inf"), "2 - 3", "days")]
    fill(shopper, goods, kemeja=1, selendang=0)
    assert ("JNE (tarif kurir)", "Rp 21.000") in options(summary(shopper)["shipping"])


def test_pickup_needs_no_delivery_address(store, shopper, goods, ctx):
    fill(shopper, goods, kemeja=1, selendang=0)
    contact = {"email": "dewi@example.com", "phone": "0812-3456-7890", "name": "Dewi Lestari", "country": "ID",
               "payment_method": "bank_transfer"}
    answer = summary(shopper, {**contact, "province": "", "city": "", "district": "", "postal_code": ""})
    assert options(answer["shipping"]) == [("Ambil di toko Braga", "Gratis")]  # before any address is typed
    page = shopper.get("/checkout").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    pickup = option_id(answer["shipping"], "Ambil di toko Braga")
    response = shopper.post("/checkout", data={**contact, "idempotency_key": key, "shipping_option": pickup})
    assert response.status_code == 303, response.get_data(as_text=True)
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        assert order.shipping_details["pickup"]["name"] == "Ambil di toko Braga" and order.shipping_total == 0
    # Delivery still needs the whole address.
    fill(shopper, goods, kemeja=1, selendang=0)
    page = shopper.get("/checkout").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    refused = shopper.post("/checkout", data={**contact, "idempotency_key": key, "shipping_option": "rate:1"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'id="street-error"' in html and 'id="postal_code-error"' in html
