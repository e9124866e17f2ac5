"""A merchant restyles the store in a real browser: picks a theme, edits the hero and colours, reorders, publishes."""

import pytest

from tests.browser.helpers import ensure_merchant, expect, log_in

pytestmark = pytest.mark.browser

EMAIL = "dewi@tenundewi.co.id"
PASSWORD = "songket-emas-palembang"
SLUG = "tenun-dewi"


@pytest.fixture
def merchant(live_server):
    ensure_merchant(live_server, "Dewi", EMAIL, PASSWORD, "Tenun Dewi", SLUG)
    return SLUG


def test_merchant_restyles_and_publishes_and_the_shopper_sees_it(page, live_server, merchant, screenshot,
                                                                 check_a11y):
    log_in(page, live_server, EMAIL, PASSWORD)
    page.goto(live_server.url(f"/stores/{SLUG}/themes"))
    screenshot(page, "theme-gallery")
    check_a11y(page)
    page.locator(".theme-card").filter(has_text="Minimal").get_by_role("button", name="Use this theme").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Editing Minimal")

    # The hero's text: typed into the generated form, saved to the draft, shown in the preview without a reload
    page.get_by_role("link", name="Hero banner").click()
    page.wait_for_load_state("load")  # the editor's script listens once the page has loaded
    page.evaluate("window.__editor = 'kept'")
    preview = page.frame_locator("iframe[data-preview]")
    heading = page.get_by_label("Heading", exact=True)
    heading.fill("Tenun ikat dari Sumba")
    expect(preview.get_by_role("heading", name="Tenun ikat dari Sumba")).to_be_visible(timeout=3000)
    assert page.evaluate("window.__editor") == "kept"

    # Colours in the theme settings
    page.get_by_role("link", name="Theme settings: colours, fonts, logo").click()
    page.wait_for_load_state("load")
    page.get_by_label("Buttons and links").fill("#9d174d")
    expect(page.locator("[data-editor-status]")).to_have_text("Draft saved.")

    # Move the hero below the featured collection with its button (the keyboard and no-drag way)
    page.locator(".section-item", has_text="Hero banner").get_by_role("button", name="Move Hero banner down").click()
    expect(page.locator(".section-item").nth(1)).to_contain_text("Hero banner")
    screenshot(page, "theme-editor")
    check_a11y(page)
    page.get_by_role("button", name="Publish").first.click()
    expect(page.get_by_text("Published. Shoppers see the new look now.")).to_be_visible()

    page.goto(live_server.store_url(SLUG))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenun ikat dari Sumba")
    sections = page.locator("main > .section").evaluate_all("els => els.map(e => e.dataset.sectionId)")
    assert sections[:2] == ["featured", "hero"]
    above_header = page.locator("body > .section--announcement-bar + .site-header")
    expect(above_header).to_have_count(1)  # the header group: the announcement bar sits above the header
    accent = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--color-accent').trim()")
    assert accent == "#9d174d"
    screenshot(page, "theme-published-home")
    check_a11y(page)
