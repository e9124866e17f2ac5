"""A merchant builds collections in a real browser: picks products, drags them into order, and sets conditions."""
import re

import pytest

from tests.browser.helpers import ensure_merchant, expect, log_in

pytestmark = pytest.mark.browser

EMAIL = "wulan@kainwulan.co.id"
PASSWORD = "tenun-ikat-sumba-merah"
SLUG = "kain-wulan"
TITLES = ["Tenun Ikat Sumba", "Batik Tulis Lasem", "Songket Palembang", "Kain Lurik Klaten"]


@pytest.fixture
def merchant(live_server):
    """A store with four products, made directly (once per server)."""
    from saas.catalog import services as catalog
    from saas.extensions import db
    from saas.tenants.models import Tenant
    from saas.tenants.scoping import bound_tenant

    if ensure_merchant(live_server, "Wulan", EMAIL, PASSWORD, "Kain Wulan", SLUG):
        with live_server.app.app_context():
            tenant = db.session.query(Tenant).filter_by(slug=SLUG).one()
            with bound_tenant(tenant.id):
                for index, title in enumerate(TITLES):
                    catalog.create_product(tenant, title=title, price=(index + 1) * 125_000_00, stock=5 * index,
                                           tags="sale" if index % 2 else "", vendor="Wulan")
                db.session.commit()
    return SLUG


def order_in_database(live_server, collection_id: int) -> list[str]:
    from sqlalchemy import select

    from saas.catalog import collections
    from saas.catalog.models import Collection
    from saas.extensions import db
    from saas.tenants.models import Tenant
    from saas.tenants.scoping import bound_tenant

    with live_server.app.app_context():
        tenant = db.session.query(Tenant).filter_by(slug=SLUG).one()
        with bound_tenant(tenant.id):
            collection = db.session.scalar(select(Collection).where(Collection.id == collection_id))
            return [p.title for p in collections.products_in(collection)]


def titles_on_page(page) -> list[str]:
    return page.locator("[data-sortable] .member__title").all_inner_texts()


def test_manual_collection_drag_and_drop(page, live_server, merchant, screenshot, check_a11y):
    log_in(page, live_server, EMAIL, PASSWORD)
    page.goto(live_server.url(f"/stores/{SLUG}/collections"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Collections")
    check_a11y(page)
    screenshot(page, "empty-list")

    page.get_by_role("link", name="Add collection").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add collection")
    expect(page.locator("[data-rules]")).to_be_hidden()  # manual is the default: no conditions shown
    check_a11y(page)
    screenshot(page, "new-manual")

    page.get_by_label("Title", exact=True).fill("Kain Pilihan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Kain Pilihan was added.")).to_be_visible()
    collection_id = int(re.search(r"/collections/(\d+)", page.url).group(1))

    for title in TITLES:
        page.get_by_label(title).check()
    page.get_by_role("button", name="Add selected products").click()
    expect(page.get_by_text("Added 4 products.")).to_be_visible()
    listed = titles_on_page(page)
    assert sorted(listed) == sorted(TITLES)

    # Drag the last product to the top by its handle.
    handles = page.locator("[data-sortable-handle]")
    expect(handles.first).to_be_visible()
    last, first = handles.nth(3).bounding_box(), handles.nth(0).bounding_box()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + last["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        y = last["y"] + (first["y"] - 8 - last["y"]) * step / 10
        page.mouse.move(first["x"] + first["width"] / 2, y)
    page.mouse.up()
    wanted = [listed[3]] + listed[:3]
    expect(page.locator("[data-sortable-status]")).to_have_text("Order saved.")
    assert titles_on_page(page) == wanted
    assert order_in_database(live_server, collection_id) == wanted

    # The keyboard: arrow down on the first handle moves it one place.
    page.locator("[data-sortable-handle]").first.focus()
    page.keyboard.press("ArrowDown")
    wanted = [wanted[1], wanted[0]] + wanted[2:]
    expect(page.locator("[data-sortable] .member__title").first).to_have_text(wanted[0])
    page.wait_for_function("() => !document.querySelector('[data-sortable]').hasAttribute('aria-busy')")
    expect(page.locator("[data-sortable-status]")).to_have_text("Order saved.")
    assert order_in_database(live_server, collection_id) == wanted

    # The up button works in place too, and the order survives a reload.
    page.get_by_role("button", name=f"Move {wanted[2]} up").click()
    wanted = [wanted[0], wanted[2], wanted[1], wanted[3]]
    expect(page.locator("[data-sortable] .member__title").nth(1)).to_have_text(wanted[1])
    page.wait_for_function("() => !document.querySelector('[data-sortable]').hasAttribute('aria-busy')")
    page.reload()
    assert titles_on_page(page) == wanted
    check_a11y(page)
    screenshot(page, "edit-manual")

    page.get_by_role("button", name=f"Remove {wanted[3]} from this collection").click()
    expect(page.get_by_text("Removed from Kain Pilihan.")).to_be_visible()
    assert titles_on_page(page) == wanted[:3]


def test_automated_collection_with_conditions(page, live_server, merchant, screenshot, check_a11y):
    log_in(page, live_server, EMAIL, PASSWORD)
    page.goto(live_server.url(f"/stores/{SLUG}/collections/new"))
    page.get_by_label("Title", exact=True).fill("Sale murah")
    page.get_by_text("Automated", exact=True).click()
    expect(page.locator("[data-rules]")).to_be_visible()

    rows = page.locator("[data-rule-row]")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Add condition").click()
    expect(rows).to_have_count(4)
    rows.nth(0).get_by_label("What to check").select_option("tag")
    rows.nth(0).get_by_label("Value").fill("sale")
    rows.nth(1).get_by_label("What to check").select_option("price")
    relation = rows.nth(1).get_by_label("How to compare")
    expect(relation.locator("option[value=contains]")).to_be_disabled()  # only what suits a price is offered
    rows.nth(1).get_by_label("How to compare").select_option("less_than")
    rows.nth(1).get_by_label("Value").fill("400.000")
    rows.nth(2).get_by_label("What to check").select_option("stock")
    expect(rows.nth(2).get_by_label("Value")).to_be_hidden()
    rows.nth(2).get_by_label("Stock status").select_option("out")
    rows.nth(2).get_by_role("button", name="Remove").click()  # changed my mind
    expect(rows).to_have_count(3)
    check_a11y(page)
    screenshot(page, "new-automated")

    rows.nth(1).get_by_label("Value").fill("murah")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#rules-1-error")).to_contain_text("Enter a whole amount")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Sale murah")
    check_a11y(page)
    screenshot(page, "new-automated-error")

    page.locator("[data-rule-row]").nth(1).get_by_label("Value").fill("400.000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Sale murah was added.")).to_be_visible()
    # Products 2 and 4 carry the tag; only product 2 (Rp 250.000) is under Rp 400.000.
    expect(page.locator("#products .member__title")).to_have_text([TITLES[1]])
    check_a11y(page)
    screenshot(page, "edit-automated")

    page.goto(live_server.url(f"/stores/{SLUG}/collections"))
    expect(page.get_by_role("link", name="Sale murah")).to_be_visible()
    check_a11y(page)
    screenshot(page, "list")
