"""A merchant edits a page with the rich-text toolbar and rearranges a menu, in a real browser, at both widths."""
import pytest

from tests.browser.helpers import ensure_merchant, expect, log_in

pytestmark = pytest.mark.browser

EMAIL = "rina@tenunrina.co.id"
PASSWORD = "songket-benang-emas"
SLUG = "tenun-rina"


@pytest.fixture
def merchant(live_server):
    ensure_merchant(live_server, "Rina", EMAIL, PASSWORD, "Tenun Rina", SLUG)
    return SLUG


def stored(live_server, fn):
    from saas.content import services
    from saas.extensions import db
    from saas.tenants.models import Tenant
    from saas.tenants.scoping import bound_tenant

    with live_server.app.app_context():
        tenant = db.session.query(Tenant).filter_by(slug=SLUG).one()
        with bound_tenant(tenant.id):
            return fn(services)


def test_edit_a_page_with_the_toolbar(page, live_server, merchant, screenshot, check_a11y):
    log_in(page, live_server, EMAIL, PASSWORD)
    page.goto(live_server.url(f"/stores/{SLUG}/pages"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pages")
    check_a11y(page)
    screenshot(page, "list")
    page.get_by_role("link", name="FAQ").click()
    expect(page.get_by_role("toolbar", name="Formatting")).to_be_visible()
    check_a11y(page)
    screenshot(page, "editor")

    editor = page.get_by_role("textbox", name="Content")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.get_by_role("combobox", name="Formatting").select_option("h2")
    page.keyboard.type("Masih bingung?")
    page.keyboard.press("Enter")
    page.get_by_role("combobox", name="Formatting").select_option("p")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("Chat kami")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Numbered list").click()
    page.keyboard.type("Satu")
    page.keyboard.press("Enter")
    page.keyboard.type("Dua")
    image = live_server.url("/static/img/logo.svg")
    page.once("dialog", lambda dialog: dialog.accept(image))
    page.get_by_role("button", name="Image").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    body = stored(live_server, lambda s: s.page_by_slug("faq").body_html)
    assert "<h2>Masih bingung?</h2>" in body
    assert "<b>Chat kami</b>" in body or "<strong>Chat kami</strong>" in body
    assert "<ol><li>Satu</li><li>Dua" in body
    assert f'<img src="{image}"' in body


def test_rearrange_a_menu(page, live_server, merchant, screenshot, check_a11y):
    log_in(page, live_server, EMAIL, PASSWORD)
    page.goto(live_server.url(f"/stores/{SLUG}/navigation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Navigation")
    check_a11y(page)
    screenshot(page, "navigation")
    page.get_by_role("link", name="Main menu").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Main menu")
    check_a11y(page)
    screenshot(page, "menu")

    # move "About us" up with its button, nest it under Home, then drag Catalog to the top
    page.get_by_role("button", name="Move About us up").click()
    page.get_by_role("button", name="Nest About us under the item above").click()
    handle = page.get_by_role("button", name="Drag to move Catalog")
    target = page.locator("[data-menu-rows] > li").first
    handle.hover()
    page.mouse.down()
    box = target.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 5, steps=8)
    page.mouse.up()
    expect(page.locator("[data-menu-status]")).to_have_text("You have changes that are not saved yet.")
    # and add an Instagram link
    new_row = page.locator("[data-menu-new]")
    new_row.get_by_label("Name").fill("Instagram")
    new_row.get_by_label("Links to").select_option("url")
    new_row.get_by_label("Web address").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save menu").last.click()
    expect(page.locator("#item-3-url-error")).to_contain_text("Only web addresses that start with")
    screenshot(page, "menu-error")
    page.locator("#item-3-url").fill("https://instagram.com/tenunrina")
    page.get_by_role("button", name="Save menu").last.click()
    expect(page.get_by_text("Menu saved.")).to_be_visible()
    menu = stored(live_server, lambda s: s.get_menu("main"))
    assert [(link.title, [c.title for c in link.children]) for link in menu] == [
        ("Catalog", []), ("Home", ["About us"]), ("Instagram", [])]


def test_link_a_menu_item_to_a_product_found_by_search(page, live_server, merchant, monkeypatch, screenshot, check_a11y):
    """The list of products to link to starts short; the search box beside it finds any of the store's."""
    from saas.builder import content as content_views
    from saas.catalog import services as catalog
    from saas.extensions import db
    from saas.tenants.models import Tenant
    from saas.tenants.scoping import bound_tenant

    with live_server.app.app_context():
        tenant = db.session.query(Tenant).filter_by(slug=SLUG).one()
        with bound_tenant(tenant.id):
            if catalog.visible_product("kain-songket-palembang") is None:
                catalog.create_product(tenant, title="Kain Songket Palembang", status="active", price=900_000_00)
                db.session.commit()
    monkeypatch.setattr(content_views, "PICK_LIMIT", 0)  # so only the search can offer it
    log_in(page, live_server, EMAIL, PASSWORD)
    page.goto(live_server.url(f"/stores/{SLUG}/navigation/main"))
    new_row = page.locator("[data-menu-new]")
    search = new_row.get_by_role("searchbox", name="Find a product to link to")
    expect(search).to_be_visible()
    new_row.get_by_label("Name").fill("Songket")
    search.fill("palembang")
    links = new_row.get_by_label("Links to", exact=True)
    expect(links.locator("option", has_text="Kain Songket Palembang")).to_have_count(1)
    check_a11y(page)
    screenshot(page, "product-search")
    links.select_option(label="Kain Songket Palembang")
    page.get_by_role("button", name="Save menu").last.click()
    expect(page.get_by_text("Menu saved.")).to_be_visible()
    menu = stored(live_server, lambda s: s.get_menu("main"))
    assert ("Songket", "/products/kain-songket-palembang") in [(link.title, link.url) for link in menu]
