"""A shopper buys from the demo store as a guest and pays by transfer; the merchant confirms and ships it."""
import re

import pytest

from tests.browser.helpers import expect, log_in

pytestmark = pytest.mark.browser

DEMO_EMAIL = "demo@etalase.test"
DEMO_PASSWORD = "etalase-demo"


@pytest.fixture
def demo_store(live_server):
    from saas.extensions import db
    from saas.seed import seed_demo_store

    with live_server.app.app_context():
        seed_demo_store()
        db.session.commit()
    return "demo"


def add_from_product_page(page, live_server, index):
    page.goto(live_server.store_url("demo", "/collections/all"))
    page.locator(".product-card__link").nth(index).click()
    page.wait_for_load_state("load")  # the add-to-cart script listens once the page has loaded
    page.locator("[data-add]").click()
    expect(page.locator(".add-to-cart__status a")).to_be_visible()


def test_guest_checkout_by_transfer_then_the_merchant_marks_paid_and_ships(page, live_server, demo_store, screenshot,
                                                                          check_a11y):
    add_from_product_page(page, live_server, 0)
    expect(page.locator("[data-cart-count]").first).to_have_text("1")
    add_from_product_page(page, live_server, 3)
    expect(page.locator("[data-cart-count]").first).to_have_text("2")

    page.goto(live_server.store_url("demo", "/cart"))
    expect(page.locator(".cart-line")).to_have_count(2)
    screenshot(page, "cart")
    check_a11y(page)
    page.locator('a[href="/checkout"]').click()
    page.locator("[data-place-order]").click()  # nothing filled in: every field says what it needs
    expect(page.locator(".field__error")).to_have_count(8)
    screenshot(page, "checkout-errors")
    check_a11y(page)
    page.locator("#email").fill("rina.kusuma@example.com")
    page.locator("#phone").fill("0812 9876 5432")
    page.locator("#name").fill("Rina Kusuma")
    page.locator("#street").fill("Jl. Braga No. 10, RT 02/RW 05")
    page.locator("#district").fill("Sumur Bandung")
    page.locator("#city").fill("Kota Bandung")
    page.locator("#province").select_option("Jawa Barat")
    page.locator("#postal_code").fill("40111")
    expect(page.locator("input[name=shipping_option]:checked")).to_have_count(1)  # the options follow the address
    expect(page.locator("input[name=payment_method][value=bank_transfer]")).to_be_checked()
    page.locator("[data-place-order]").click()

    expect(page).to_have_url(re.compile(r"/orders/[\w-]+$"))
    status_url = page.url
    expect(page.locator(".payment-instructions")).to_contain_text("8730123456")
    number = re.search(r"#(\d+)", page.locator(".eyebrow").inner_text())[1]
    screenshot(page, "order-status-unpaid")
    check_a11y(page)

    merchant = page.context.browser.new_page()
    log_in(merchant, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    merchant.goto(live_server.url("/stores/demo/orders"))
    screenshot(merchant, "merchant-orders")
    check_a11y(merchant)
    merchant.get_by_role("link", name=f"#{number}", exact=True).click()
    merchant.locator("form[action$='/mark-paid'] button").click()
    merchant.locator("form[action*='/fulfil'] select[name=fulfil-carrier]").select_option("jne")
    merchant.locator("form[action*='/fulfil'] input[name=fulfil-tracking_number]").fill("JNE0123456789")
    merchant.locator("form[action*='/fulfil'] button[type=submit]").click()
    expect(merchant.locator(".order-timeline")).to_contain_text("JNE0123456789")
    screenshot(merchant, "merchant-order")
    check_a11y(merchant)
    merchant.close()

    page.goto(status_url)
    expect(page.locator(".order-steps li.is-done")).to_have_count(3)
    expect(page.locator("main")).to_contain_text("JNE0123456789")
    expect(page.locator("main a[href*='JNE0123456789']")).to_be_visible()
    screenshot(page, "order-status-shipped")
