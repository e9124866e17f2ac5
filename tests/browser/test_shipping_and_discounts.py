"""A shopper in Bandung chooses between two JNE rates and pickup, applies a code, and pays what the worked
example in tests/storefront/test_shipping_and_discounts.py says; the merchant sees the code's use counted."""
import re
from datetime import timedelta

import pytest

from tests.browser.helpers import ensure_merchant, expect, log_in

pytestmark = pytest.mark.browser

EMAIL = "rahmat@batikbraga.co.id"
PASSWORD = "mega-mendung-cirebon-9"
SLUG = "batik-braga"
RP = 100


@pytest.fixture
def store(live_server):
    from sqlalchemy import select

    from saas.catalog import services as catalog
    from saas.catalog.models import ProductStatus, Variant
    from saas.extensions import db
    from saas.orders.models import BankAccount, PaymentMethod
    from saas.orm import utcnow
    from saas.promotions.models import Discount, DiscountCode, DiscountKind
    from saas.shipping.models import PickupLocation, RateKind, ShippingRate, ShippingZone
    from saas.tenants.scoping import bound_tenant
    from saas.tenants.services import store_by_slug

    if ensure_merchant(live_server, "Rahmat", EMAIL, PASSWORD, "Batik Braga", SLUG):
        with live_server.app.app_context():
            tenant = store_by_slug(SLUG)
            tenant.locale = "id"  # shoppers see Bahasa Indonesia and rupiah as Indonesians write them
            with bound_tenant(tenant.id):
                for title, price, grams in (("Kemeja Kawung", 250_000, 300), ("Selendang Sutra", 125_000, 200)):
                    product = catalog.create_product(tenant, title=title, status=ProductStatus.ACTIVE,
                                                     price=price * RP, stock=20)
                    db.session.flush()
                    db.session.scalar(select(Variant).where(Variant.product_id == product.id)).weight_grams = grams
                for zone in db.session.scalars(select(ShippingZone)):
                    db.session.delete(zone)
                db.session.flush()
                zone = ShippingZone(name="Jawa Barat", countries=["ID"], provinces=["Jawa Barat"])
                db.session.add_all([zone, PaymentMethod(provider="bank_transfer", enabled=True),
                                    BankAccount(bank="BCA", number="4455667788", holder="Batik Braga")])
                db.session.flush()
                discount = Discount(title="Hemat 10%", kind=DiscountKind.PERCENTAGE, percentage_bp=1000,
                                    min_subtotal=200_000 * RP, starts_at=utcnow() - timedelta(days=1),
                                    usage_limit=100)
                db.session.add_all([
                    ShippingRate(zone_id=zone.id, name="JNE REG", kind=RateKind.WEIGHT, carrier="jne", min_days=2,
                                 max_days=3, tiers=[{"from": 0, "to": 1000, "amount": 15_000 * RP},
                                                    {"from": 1000, "to": None, "amount": 25_000 * RP}]),
                    ShippingRate(zone_id=zone.id, name="JNE YES", amount=32_000 * RP, carrier="jne", min_days=1,
                                 max_days=1, position=1),
                    PickupLocation(name="Ambil di toko Braga", address="Jl. Braga No. 1, Bandung"),
                    discount,
                ])
                db.session.flush()
                db.session.add(DiscountCode(discount_id=discount.id, code="HEMAT10"))
                db.session.commit()
    return SLUG


def add(page, live_server, title, quantity):
    page.goto(live_server.store_url(SLUG, "/collections/all"))
    page.get_by_role("link", name=re.compile(title)).first.click()
    page.wait_for_load_state("load")
    page.locator("input[name=quantity]").fill(str(quantity))
    page.locator("[data-add]").click()
    expect(page.locator(".add-to-cart__status a")).to_be_visible()


def discount_uses(merchant, live_server):
    merchant.goto(live_server.url(f"/stores/{SLUG}/discounts"))
    return merchant.locator("tbody tr", has_text="HEMAT10").inner_text()


def test_a_shopper_in_bandung_chooses_shipping_applies_a_code_and_pays_the_worked_example(
        page, live_server, store, screenshot, check_a11y):
    merchant = page.context.browser.new_page()
    log_in(merchant, live_server, EMAIL, PASSWORD)
    before = discount_uses(merchant, live_server)

    add(page, live_server, "Kemeja Kawung", 2)
    add(page, live_server, "Selendang Sutra", 1)
    page.goto(live_server.store_url(SLUG, "/checkout"))
    page.locator("#email").fill("dewi.lestari@example.com")
    page.locator("#phone").fill("0812 3456 7890")
    page.locator("#name").fill("Dewi Lestari")
    page.locator("#street").fill("Jl. Braga No. 10, RT 02/RW 05")
    page.locator("#district").fill("Sumur Bandung")
    page.locator("#city").fill("Kota Bandung")
    page.locator("#province").select_option("Jawa Barat")
    page.locator("#postal_code").fill("40111")

    names = page.locator(".shipping-option__name")
    expect(names).to_have_text(["JNE REG", "JNE YES", "Ambil di toko Braga"])
    expect(page.locator(".shipping-option__price")).to_have_text(["Rp 15.000", "Rp 32.000", "Gratis"])
    expect(page.locator("input[name=shipping_option]").first).to_be_checked()
    page.get_by_text("JNE YES").click()
    expect(page.locator(".totals__total")).to_contain_text("Rp 657.000")  # 625.000 + 32.000
    page.get_by_text("Ambil di toko Braga").click()
    expect(page.locator(".totals__total")).to_contain_text("Rp 625.000")
    page.get_by_text("JNE REG").click()
    expect(page.locator(".totals__total")).to_contain_text("Rp 640.000")

    page.locator("#discount_code").fill("hemat10")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator(".discount-chip")).to_contain_text("HEMAT10")
    expect(page.locator("#city")).to_have_value("Kota Bandung")  # what was typed is kept
    expect(page.locator(".totals__discount")).to_contain_text("-Rp 62.500")
    expect(page.locator(".totals__total")).to_contain_text("Rp 577.500")
    expect(page.locator(".totals__note")).to_contain_text("Rp 55.744")
    screenshot(page, "checkout-shipping-and-code")
    check_a11y(page)
    page.locator("[data-place-order]").click()

    expect(page).to_have_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator(".totals__total")).to_contain_text("Rp 577.500")
    expect(page.locator(".totals")).to_contain_text("Kode HEMAT10")
    screenshot(page, "order-with-code")

    after = discount_uses(merchant, live_server)
    assert re.search(r"\b0\s*/\s*100\b", before), before
    assert re.search(r"\b1\s*/\s*100\b", after), after
    screenshot(merchant, "merchant-discounts")
    check_a11y(merchant)
    merchant.close()
