"""Pages and menus in the builder, through HTTP: lists, editors, sanitizing, menu editing and store isolation."""
import pytest
from sqlalchemy import select

from saas.content import services
from saas.content.models import Page
from tests.accounts.pages import field_error, parse, value

BASE = "/stores/batik-sari"


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="en")
    login(client, owner)
    return tenant


def page_of(ctx, tenant, **where):
    with ctx(tenant.id) as session:
        statement = select(Page)
        for key, val in where.items():
            statement = statement.where(getattr(Page, key) == val)
        page = session.scalar(statement)
        if page is not None:
            session.expunge(page)
        return page


def menu_of(ctx, tenant, handle):
    with ctx(tenant.id):
        return services.menu_as_items(services.menu_by_handle(handle))


def test_pages_list_shows_the_default_pages(client, store):
    page = client.get(f"{BASE}/pages").get_data(as_text=True)
    for title in ("About us", "Contact", "FAQ", "Shipping policy", "Returns policy"):
        assert title in page
    assert "Add page" in page


def test_add_edit_and_delete_a_page(client, store, ctx):
    assert "field--error" not in client.get(f"{BASE}/pages/new").get_data(as_text=True)
    response = client.post(f"{BASE}/pages/new", data={
        "title": "Size guide", "body_html": "<h2>Sizes</h2><p>S, M, L</p><script>alert(1)</script>",
        "published": "visible", "slug": "", "seo_title": "", "seo_description": ""})
    assert response.status_code == 302
    page = page_of(ctx, store, title="Size guide")
    assert response.headers["Location"].endswith(f"{BASE}/pages/{page.id}")
    assert page.slug == "size-guide" and page.body_html == "<h2>Sizes</h2><p>S, M, L</p>" and page.published
    editor = client.get(response.headers["Location"])
    assert value(editor, "title") == "Size guide" and "data-richtext" in editor.get_data(as_text=True)

    response = client.post(f"{BASE}/pages/{page.id}", data={
        "title": "Sizes", "body_html": "<p>New</p>", "published": "hidden", "slug": "sizes", "seo_title": "T",
        "seo_description": "D"})
    assert response.status_code == 302
    page = page_of(ctx, store, id=page.id)
    assert (page.title, page.slug, page.published, page.seo_title) == ("Sizes", "sizes", False, "T")

    confirm = client.get(f"{BASE}/pages/{page.id}/delete")
    assert "Delete Sizes?" in confirm.get_data(as_text=True)
    assert client.post(f"{BASE}/pages/{page.id}/delete").status_code == 302
    assert page_of(ctx, store, id=page.id) is None


def test_a_page_without_title_is_refused_beside_the_field(client, store, ctx):
    response = client.post(f"{BASE}/pages/new", data={"title": "", "body_html": "<p>Kept</p>", "published": "visible"})
    assert response.status_code == 200
    assert "Give the page a title." in field_error(response, "title")
    assert value(response, "body_html").strip() == "<p>Kept</p>"
    response = client.post(f"{BASE}/pages/new", data={"title": "X", "slug": "Bad Slug", "published": "visible"})
    assert "lowercase letters" in field_error(response, "slug")


def test_slug_clash_is_suffixed(client, store, ctx):
    client.post(f"{BASE}/pages/new", data={"title": "Contact", "published": "visible"})
    assert page_of(ctx, store, title="Contact", slug="contact-2") is not None


def test_hostile_page_content_is_escaped_or_sanitized(client, store, ctx):
    title = '<script>alert(1)</script>{{ 7*7 }}"><img src=x onerror=alert(2)>'
    body = '<p>{{ 7*7 }} {% raw %}x{% endraw %}</p><img src="x" onerror="alert(3)"><a href="javascript:alert(4)">a</a>'
    response = client.post(f"{BASE}/pages/new", data={"title": title, "body_html": body, "published": "visible"})
    page = page_of(ctx, store, title=title)
    assert "onerror" not in page.body_html and "javascript:" not in page.body_html
    assert "{{ 7*7 }}" in page.body_html
    for url in (response.headers["Location"], f"{BASE}/pages", f"{BASE}/pages/{page.id}/delete"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x onerror" not in html
        # never evaluated (an attribute that is exactly 49, not an id that happens to end in 49)
        assert "{{ 7*7 }}" in html and ">49<" not in html and '="49"' not in html


def test_navigation_lists_both_menus(client, store):
    html = client.get(f"{BASE}/navigation").get_data(as_text=True)
    assert "Main menu" in html and "Footer menu" in html and "Home, Catalog, About us" in html


def menu_form(rows, op="save"):
    data = {"title": [], "link": [], "url": [], "depth": [], "op": op}
    for row in rows + [{}]:  # the empty "add" row is always posted too
        data["title"].append(row.get("title", ""))
        data["link"].append(row.get("link", ""))
        data["url"].append(row.get("url", ""))
        data["depth"].append(str(row.get("depth", 0)))
    return data


def test_menu_editor_saves_nested_items(client, store, ctx):
    page = page_of(ctx, store, slug="faq")
    html = client.get(f"{BASE}/navigation/main").get_data(as_text=True)
    assert value(client.get(f"{BASE}/navigation/main"), "title") == "Home"
    assert f'value="page:{page.id}"' in html
    response = client.post(f"{BASE}/navigation/main", data=menu_form([
        {"title": "Home", "link": "home"},
        {"title": "Help", "link": f"page:{page.id}"},
        {"title": "Instagram", "link": "url", "url": "https://instagram.com/batiksari", "depth": 1},
    ]))
    assert response.status_code == 302
    items = menu_of(ctx, store, "main")
    assert [i["title"] for i in items] == ["Home", "Help"]
    assert items[1]["children"][0]["url"] == "https://instagram.com/batiksari"


def test_menu_buttons_work_without_javascript(client, store, ctx):
    rows = [{"title": "A", "link": "home"}, {"title": "B", "link": "home"}, {"title": "C", "link": "home"}]
    client.post(f"{BASE}/navigation/main", data=menu_form(rows, "indent-1"))
    assert [(i["title"], [c["title"] for c in i["children"]]) for i in menu_of(ctx, store, "main")] == [
        ("A", ["B"]), ("C", [])]
    rows[1]["depth"] = 1
    client.post(f"{BASE}/navigation/main", data=menu_form(rows, "up-2"))  # C moves above A with its group
    assert [i["title"] for i in menu_of(ctx, store, "main")] == ["C", "A"]
    rows = [{"title": "C", "link": "home"}, {"title": "A", "link": "home"}, {"title": "B", "link": "home", "depth": 1}]
    client.post(f"{BASE}/navigation/main", data=menu_form(rows, "outdent-2"))
    assert [(i["title"], i["children"]) for i in menu_of(ctx, store, "main")] == [("C", []), ("A", []), ("B", [])]
    client.post(f"{BASE}/navigation/main", data=menu_form(rows[:2] + [{"title": "B", "link": "home"}], "remove-0"))
    assert [i["title"] for i in menu_of(ctx, store, "main")] == ["A", "B"]
    # the add row: typed into the last row and "Add menu item"
    data = menu_form([{"title": "A", "link": "home"}])
    data["title"][-1], data["link"][-1] = "New", "all_products"
    client.post(f"{BASE}/navigation/main", data={**data, "op": "add"})
    assert [i["title"] for i in menu_of(ctx, store, "main")] == ["A", "New"]


def test_nesting_is_limited_to_one_level(client, store, ctx):
    rows = [{"title": "A", "link": "home"}, {"title": "B", "link": "home", "depth": 1},
            {"title": "C", "link": "home"}]
    client.post(f"{BASE}/navigation/main", data=menu_form(rows))
    before = menu_of(ctx, store, "main")
    response = client.post(f"{BASE}/navigation/main", data=menu_form(rows, "indent-0"))  # first item: nothing above
    assert response.status_code == 302
    assert [(i["title"], len(i["children"])) for i in menu_of(ctx, store, "main")] == [
        (i["title"], len(i["children"])) for i in before]
    rows = [{"title": "X", "link": "home"}, *rows]
    response = client.post(f"{BASE}/navigation/main", data=menu_form(rows, "indent-1"))  # A has B under it
    assert response.status_code == 200
    assert "nested one level only" in response.get_data(as_text=True)
    assert [i["title"] for i in menu_of(ctx, store, "main")] == ["A", "C"]  # unchanged


@pytest.mark.parametrize("url, message", [
    ("javascript:alert(1)", "Only web addresses that start with"),
    ("www.instagram.com", "Start the address with https://"),
    ("", "Enter a web address"),
])
def test_bad_urls_are_refused_beside_the_field(client, store, ctx, url, message):
    before = menu_of(ctx, store, "main")
    response = client.post(f"{BASE}/navigation/main", data=menu_form([
        {"title": "Home", "link": "home"}, {"title": "Bad", "link": "url", "url": url}]))
    assert response.status_code == 200
    assert message in field_error(response, "item-1-url")
    assert value(response, "url") == "" and url in response.get_data(as_text=True)  # what was typed stays
    assert menu_of(ctx, store, "main") == before


def test_a_title_is_required(client, store):
    response = client.post(f"{BASE}/navigation/main", data=menu_form([{"title": "", "link": "home"}]))
    assert "Give the menu item a name." in field_error(response, "item-0-title")


def test_deleted_targets_are_flagged_in_the_editor(client, store, ctx):
    page = page_of(ctx, store, slug="faq")
    client.post(f"{BASE}/pages/{page.id}/delete")
    html = client.get(f"{BASE}/navigation/footer").get_data(as_text=True)
    assert "was deleted" in html


def test_a_link_to_an_id_no_store_can_have_is_refused_beside_the_item(client, store, ctx):
    before = menu_of(ctx, store, "main")
    for link in ("product:" + "9" * 20, "collection:" + "9" * 20, "page:١"):
        response = client.post(f"{BASE}/navigation/main", data=menu_form([{"title": "Rusak", "link": link}]))
        assert response.status_code == 200 and "Choose where the item links to." in response.get_data(as_text=True)
        assert value(response, "title") == "Rusak"
    assert menu_of(ctx, store, "main") == before


def test_hostile_menu_titles_are_escaped(client, store, ctx):
    title = '"><script>alert(1)</script>{{ 7*7 }}'
    client.post(f"{BASE}/navigation/main", data=menu_form([{"title": title, "link": "home"}]))
    for url in (f"{BASE}/navigation/main", f"{BASE}/navigation"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "{{ 7*7 }}" in html


def test_unknown_menu_is_404(client, store):
    assert client.get(f"{BASE}/navigation/sidebar").status_code == 404


@pytest.mark.parametrize("path, method", [
    ("/pages/{id}", "get"), ("/pages/{id}", "post"), ("/pages/{id}/delete", "get"), ("/pages/{id}/delete", "post"),
])
def test_another_stores_page_ids_are_404(client, store, create_store, ctx, path, method):
    other = create_store(locale="en")
    with ctx(other.id):
        page_id = services.page_by_slug("about-us").id
    response = getattr(client, method)(BASE + path.format(id=page_id), data={"title": "Hacked", "published": "visible"})
    assert response.status_code == 404
    with ctx(other.id):
        assert services.page_by_id(page_id).title == "About us"


def test_another_stores_page_cannot_be_linked(client, store, create_store, ctx):
    other = create_store(locale="en")
    with ctx(other.id):
        page_id = services.page_by_slug("about-us").id
    response = client.post(f"{BASE}/navigation/main", data=menu_form([{"title": "X", "link": f"page:{page_id}"}]))
    assert response.status_code == 200
    assert "no longer exists" in field_error(response, "item-0-link")


@pytest.mark.parametrize("path", ["/pages", "/pages/new", "/navigation", "/navigation/main"])
def test_non_members_get_404(client, create_user, create_store, login, path):
    create_store(slug="batik-sari")
    login(client, create_user())
    assert client.get(BASE + path).status_code == 404
