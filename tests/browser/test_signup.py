"""A merchant signs up in a real browser, lands in the builder, visits the new storefront, logs out and back in."""
import re

import pytest

from tests.browser.helpers import ensure_merchant, expect

pytestmark = pytest.mark.browser

NAME = "Sari Wulandari"
EMAIL = "sari@batiksari.co.id"  # not .test: the forms refuse special-use domains
PASSWORD = "kain-batik-tulis-solo"
STORE_NAME = "Batik Sari Solo"
SLUG = "batik-sari-solo"


@pytest.fixture
def merchant(live_server):
    """The merchant of the signup test; made directly when that test didn't run first (e.g. with -k)."""
    ensure_merchant(live_server, NAME, EMAIL, PASSWORD, STORE_NAME, SLUG)
    return {"email": EMAIL, "password": PASSWORD, "slug": SLUG, "store_name": STORE_NAME}


def test_merchant_signs_up_and_sees_store(page, live_server, screenshot, check_a11y):
    page.goto(live_server.url("/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_a11y(page)
    screenshot(page, "landing")

    page.get_by_role("link", name="Sign up").first.click()
    expect(page).to_have_url(live_server.url("/signup"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Open your store")
    check_a11y(page)
    screenshot(page, "signup-empty")

    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("password")  # long enough, but among the most common
    page.get_by_label("Store name").press_sequentially(STORE_NAME)
    subdomain = page.get_by_label("Store address")
    expect(subdomain).to_have_value(SLUG)  # suggested by app.js from the name as it was typed
    expect(page.locator("#subdomain-status")).to_have_text("This address is free.")
    expect(page.locator("#subdomain-status")).to_have_attribute("data-state", "ok")

    page.get_by_role("button", name="Sign up").click()
    error = page.locator("#password-error")
    expect(error).to_contain_text("too common")
    expect(page.get_by_label("Password")).to_have_attribute("aria-describedby", re.compile(r"\bpassword-error\b"))
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your name")).to_have_value(NAME)
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    expect(page.get_by_label("Store name")).to_have_value(STORE_NAME)
    expect(subdomain).to_have_value(SLUG)
    check_a11y(page)
    screenshot(page, "signup-error")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(live_server.url(f"/stores/{SLUG}/"))
    expect(page.get_by_text("Welcome to Etalase!")).to_be_visible()
    expect(page.get_by_role("heading", name="Your store is live")).to_be_visible()
    expect(page.get_by_role("heading", name="Get your store ready")).to_be_visible()
    expect(page.locator(".checklist__item").first).to_be_visible()
    expect(page.get_by_role("link", name="View store").first).to_have_attribute("href", live_server.store_url(SLUG))
    check_a11y(page)
    screenshot(page, "builder-home")

    page.goto(live_server.store_url(SLUG))
    expect(page.get_by_role("link", name=STORE_NAME, exact=True).first).to_be_visible()  # the header names the store
    expect(page).to_have_title(STORE_NAME)
    check_a11y(page)
    screenshot(page, "storefront")


def test_merchant_logs_in_and_out(page, live_server, merchant, check_a11y):
    page.goto(live_server.url("/login"))
    check_a11y(page)
    page.get_by_label("Email").fill(merchant["email"])
    page.get_by_label("Password").fill(merchant["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url("/stores/"))))
    expect(page.get_by_text(merchant["store_name"]).first).to_be_visible()
    check_a11y(page)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(live_server.url("/login"))
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    page.goto(live_server.url(f"/stores/{merchant['slug']}/"))  # the builder is closed again
    expect(page).to_have_url(re.compile(re.escape(live_server.url("/login"))))
