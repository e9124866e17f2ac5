"""The mini-cart drawer: it opens after "Add to cart" and from the header, and changes quantities in place."""
import pytest

from tests.browser.helpers import expect
from tests.browser.test_checkout import demo_store  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


def test_the_mini_cart_opens_after_adding_and_changes_the_cart_in_place(page, live_server, demo_store,  # noqa: F811
                                                                       screenshot, check_a11y):
    page.goto(live_server.store_url("demo", "/collections/all"))
    page.locator(".product-card__link").first.click()
    page.wait_for_load_state("load")
    title = page.locator(".product__title").inner_text()
    page.locator("[data-add]").click()

    drawer = page.locator("[data-mini-cart]")
    expect(drawer).to_be_visible()
    expect(drawer.locator(".mini-cart__line")).to_have_count(1)
    expect(drawer.locator(".mini-cart__title")).to_contain_text(title.split(" (")[0])
    expect(drawer.locator("output")).to_have_text("1")
    screenshot(page, "mini-cart")
    check_a11y(page)
    drawer.get_by_role("button", name=f"Tambah satu: {title}", exact=False).click()
    expect(drawer.locator("output")).to_have_text("2")
    expect(page.locator("[data-cart-count]").first).to_have_text("2")
    drawer.locator("[data-mini-cart-close]").click()
    expect(drawer).to_be_hidden()

    page.goto(live_server.store_url("demo", "/"))
    page.wait_for_load_state("load")
    page.locator("[data-mini-cart-open]").first.click()
    expect(drawer).to_be_visible()
    expect(drawer.locator("output")).to_have_text("2")
    drawer.locator(".mini-cart__remove").click()
    expect(drawer.locator("[data-mini-cart-empty]")).to_be_visible()
    expect(drawer.locator("[data-mini-cart-foot]")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    page.goto(live_server.store_url("demo", "/cart"))
    expect(page.locator(".cart__empty")).to_be_visible()
