"""A merchant builds a product in a real browser: options, a variant row saved in place, images, a collection."""
import re

import pytest
from PIL import Image, ImageDraw

from tests.browser.helpers import ensure_merchant, expect, log_in

pytestmark = pytest.mark.browser

EMAIL = "sari@tokosari.co.id"
PASSWORD = "batik-kawung-biru-tua"
SLUG = "toko-sari"


@pytest.fixture
def merchant(live_server):
    ensure_merchant(live_server, "Sari", EMAIL, PASSWORD, "Toko Sari", SLUG)
    return SLUG


def photo(path, colour):
    image = Image.new("RGB", (900, 900), colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, 900, 150):
        draw.ellipse((x + 20, 380, x + 130, 490), fill=(236, 220, 190))
    image.save(path, "JPEG")
    return str(path)


def test_merchant_creates_a_product_with_options_images_and_a_collection(page, live_server, merchant, screenshot,
                                                                         check_a11y, tmp_path):
    log_in(page, live_server, EMAIL, PASSWORD)

    # A new product with two options
    page.goto(live_server.url(f"/stores/{SLUG}/products"))
    page.get_by_role("link", name="Add product").first.click()
    page.get_by_label("Title", exact=True).fill("Kemeja Batik Kawung")
    page.locator(".richtext__area").fill("Katun primisima, dijahit tangan.")
    page.get_by_label("Price", exact=True).fill("189.000")
    page.get_by_label("Stock", exact=True).fill("4")
    names = page.get_by_label("Option name")
    values = page.get_by_label("Values")
    names.nth(0).fill("Ukuran")
    values.nth(0).fill("S, M, L")
    names.nth(1).fill("Warna")
    values.nth(1).fill("Biru, Soga")
    page.get_by_label("Status").select_option("active")
    screenshot(page, "catalog-new-product")
    check_a11y(page)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kemeja Batik Kawung")
    expect(page.get_by_role("heading", name="6 variants")).to_be_visible()

    # One row of the matrix saves without reloading the page
    page.evaluate("window.__marker = 'still here'")
    row = page.locator("tr", has_text="M / Soga")
    row.get_by_label("Price · M / Soga", exact=True).fill("199.000")
    row.get_by_label("SKU · M / Soga", exact=True).fill("KWG-M-SOGA")
    row.get_by_role("button", name="Save").click()
    expect(row.locator("[data-row-status]")).to_have_text("Saved.")
    assert page.evaluate("window.__marker") == "still here"
    bad = page.locator("tr", has_text="L / Biru")
    bad.get_by_label("Compare-at price · L / Biru").fill("1.000")
    bad.get_by_role("button", name="Save").click()
    expect(bad.locator("[data-error-for=compare_at_price]")).to_contain_text("higher than the price")

    # Two images, then drag the second in front of the first
    page.get_by_label("Add images").set_input_files([photo(tmp_path / "biru.jpg", (28, 52, 110)),
                                                     photo(tmp_path / "soga.jpg", (120, 72, 32))])
    page.get_by_role("button", name="Upload").click()
    items = page.locator("[data-image-list] li")
    expect(items).to_have_count(2)
    first_id, second_id = items.nth(0).get_attribute("data-id"), items.nth(1).get_attribute("data-id")
    with page.expect_response(lambda r: r.url.endswith("/images/order")):
        items.nth(1).drag_to(items.nth(0), target_position={"x": 10, "y": 5})
    page.reload()
    expect(page.locator("[data-image-list] li").nth(0)).to_have_attribute("data-id", second_id)
    expect(page.locator("[data-image-list] li").nth(1)).to_have_attribute("data-id", first_id)
    screenshot(page, "catalog-edit-product")
    check_a11y(page)

    # A manual collection, and the product added to it from the product list
    page.goto(live_server.url(f"/stores/{SLUG}/collections/new"))
    page.get_by_label("Title", exact=True).fill("Kemeja Pria")
    page.get_by_role("button", name="Save").first.click()
    page.goto(live_server.url(f"/stores/{SLUG}/products"))
    page.get_by_label("Select Kemeja Batik Kawung").check()
    page.get_by_label("Action").select_option("add_to_collection")
    page.get_by_label("Collection", exact=True).last.select_option(label="Kemeja Pria")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("Added 1 product to Kemeja Pria.")).to_be_visible()
    screenshot(page, "catalog-product-list")
    check_a11y(page)

    # The shopper sees it on the store's own host, in the collection
    page.goto(live_server.store_url(SLUG, "/collections/kemeja-pria"))
    expect(page.get_by_role("link", name=re.compile("Kemeja Batik Kawung"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Kemeja Batik Kawung")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kemeja Batik Kawung")
    screenshot(page, "catalog-storefront-product")
