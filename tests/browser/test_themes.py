"""Each theme in a real browser: home, a collection and a product page at 1280 and 390 px, no sideways scroll,
one <h1>, labelled controls, and the variant picker working."""
import io

import pytest
from PIL import Image, ImageDraw

from tests.browser.helpers import ensure_merchant, expect

pytestmark = pytest.mark.browser

EMAIL = "wulan@butikwulan.co.id"
PASSWORD = "kain-tenun-ikat-sumba"
SLUG = "butik-wulan"
THEMES = ("minimal", "pasar", "butik")


def _photo(colour, motif):
    image = Image.new("RGB", (900, 900), (240, 234, 224))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((170, 170, 730, 730), radius=60, fill=colour)
    for x in range(220, 700, 110):
        for y in range(220, 700, 110):
            draw.ellipse((x, y, x + 60, y + 60), fill=motif)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def shop(live_server):
    """A store with a collection of products with pictures, made once for the whole session."""
    from saas.catalog import collections
    from saas.catalog import services as catalog
    from saas.catalog.models import Collection, ProductStatus
    from saas.extensions import db
    from saas.tenants.scoping import bound_tenant
    from saas.tenants.services import store_by_slug

    if ensure_merchant(live_server, "Wulan", EMAIL, PASSWORD, "Butik Wulan", SLUG):
        with live_server.app.app_context():
            store = store_by_slug(SLUG)
            with bound_tenant(store.id):
                made = []
                for n, (title, colour, motif) in enumerate([
                    ("Kemeja Tenun Ikat", (110, 40, 50), (236, 220, 190)),
                    ("Selendang Sumba", (30, 52, 100), (230, 200, 120)),
                    ("Tas Anyaman", (120, 80, 40), (250, 240, 220)),
                    ("Kain Songket", (40, 80, 60), (220, 190, 90)),
                    ("Syal Lurik", (60, 60, 60), (230, 230, 230)),
                ]):
                    options = [{"name": "Ukuran", "values": ["S", "M", "L"]}] if n == 0 else []
                    product = catalog.create_product(store, title=title, status=ProductStatus.ACTIVE, price=250_000_00 + n * 25_000_00,
                                                     options=options, vendor="Butik Wulan", stock=5,
                                                     description_html="<p>Ditenun dengan tangan.</p>")
                    catalog.add_image(product, _photo(colour, motif), f"{n}.jpg", alt=title)
                    made.append(product)
                db.session.flush()
                collection = collections.save_collection(store, None, title="Tenun")
                collections.add_products(collection, [product.id for product in made])
                db.session.commit()
        from saas.jobs.queue import run_ready_in_process

        with live_server.app.app_context():
            run_ready_in_process()
    with live_server.app.app_context():
        from saas.catalog.models import Product
        from sqlalchemy import select

        store = store_by_slug(SLUG)
        with bound_tenant(store.id):
            slug = db.session.scalar(select(Product.slug).where(Product.title == "Kemeja Tenun Ikat"))
            collection_slug = db.session.scalar(select(Collection.slug).where(Collection.title == "Tenun"))
    return {"slug": SLUG, "product": slug, "collection": collection_slug}


def publish(live_server, theme_name):
    from saas.extensions import db
    from saas.storefront import look
    from saas.tenants.scoping import bound_tenant
    from saas.tenants.services import store_by_slug

    with live_server.app.app_context():
        store = store_by_slug(SLUG)
        with bound_tenant(store.id):
            theme, _ = look.start_draft(theme_name)
            look.save_draft(theme, theme.default_look())
            look.publish()
            db.session.commit()


def _load_lazy_images(page):
    page.evaluate("""async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 500) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 40)); }
      window.scrollTo(0, 0);
    }""")


@pytest.mark.parametrize("theme_name", THEMES)
def test_theme_pages_in_the_browser(page, live_server, shop, screenshot, check_a11y, theme_name):
    publish(live_server, theme_name)
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(live_server.store_url(SLUG, "/"))
    expect(page.locator(f'link[href*="/theme-assets/{theme_name}/theme.css"]')).to_have_count(1)
    _load_lazy_images(page)
    screenshot(page, f"{theme_name}-home")
    check_a11y(page)
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()

    page.goto(live_server.store_url(SLUG, f"/collections/{shop['collection']}"))
    _load_lazy_images(page)
    screenshot(page, f"{theme_name}-collection")
    check_a11y(page)

    page.goto(live_server.store_url(SLUG, "/collections/all?available=1"))
    expect(page.locator("details.filters")).to_have_attribute("open", "")
    screenshot(page, f"{theme_name}-filters")
    check_a11y(page)

    page.goto(live_server.store_url(SLUG, f"/products/{shop['product']}"))
    # Related products come on their own once the page has loaded: the collection's other four.
    page.mouse.wheel(0, 3000)
    expect(page.locator(".section--related-products .product-card")).to_have_count(4)
    assert any("/recommendations/products?" in url for url in requests)
    _load_lazy_images(page)
    screenshot(page, f"{theme_name}-product")
    check_a11y(page)
    # The variant picker: choosing a size by keyboard-accessible radio updates the URL without a reload.
    page.evaluate("window.__marker = 'still here'")
    page.get_by_label("M", exact=True).check()
    page.wait_for_function("location.search.includes('variant=')")
    assert page.evaluate("window.__marker") == "still here"
    expect(page.locator("[data-add]")).to_be_enabled()

    page.goto(live_server.store_url(SLUG, "/cart"))
    screenshot(page, f"{theme_name}-cart")
    check_a11y(page)

    # The 404 page, in a second tab: its own status would count as a console error on the first.
    missing = page.context.new_page()
    response = missing.goto(live_server.store_url(SLUG, "/products/no-such-thing"))
    assert response.status == 404
    screenshot(missing, f"{theme_name}-404")
    check_a11y(missing)
    missing.close()

    # Phone: the menu opens from its toggle and shows the links.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.store_url(SLUG, "/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("details.site-nav--narrow summary").click()
    expect(page.locator("details.site-nav--narrow nav a").first).to_be_visible()

    outside = [url for url in requests if not url.startswith(live_server.store_url(SLUG, "/")) and not url.startswith("data:")]
    assert not outside, f"third-party requests: {outside}"
