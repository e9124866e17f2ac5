"""Pages and menus: sanitizing, slugs, default content for new stores, menu validation and link resolution."""
import pytest
from sqlalchemy import func, select

from saas.catalog import collections as collection_service
from saas.catalog import services as catalog
from saas.catalog.models import ProductStatus
from saas.content import services
from saas.content.models import Menu, MenuItem, Page
from saas.extensions import db
from saas.tenants.models import Tenant


@pytest.fixture
def store(create_store):
    return create_store(name="Batik Sari", slug="batik-sari", locale="en", contact_email="halo@batiksari.test")


def test_body_is_sanitized_and_template_syntax_stays_text(ctx, store):
    with ctx(store.id):
        page = services.save_page(None, title="About", body_html=(
            '<h2>Hi</h2><p onclick="x()">{{ 7*7 }} {% if 1 %}yes{% endif %}</p><script>alert(1)</script>'
            '<img src="x" onerror="alert(2)" alt="a"><a href="javascript:alert(3)">bad</a>'
            '<a href="https://ok.test">ok</a><img src="javascript:alert(4)">'))
        body = page.body_html
    assert "<script" not in body and "onerror" not in body and "onclick" not in body and "javascript:" not in body
    assert "{{ 7*7 }} {% if 1 %}yes{% endif %}" in body  # kept as text; nothing evaluates it
    assert '<a href="https://ok.test" rel="noopener nofollow">ok</a>' in body
    assert '<img src="x" alt="a">' in body and "<h2>Hi</h2>" in body


def test_slug_clashes_are_suffixed_and_a_renamed_slug_keeps_a_redirect(ctx, store):
    with ctx(store.id):
        first = services.save_page(None, title="Size guide")
        second = services.save_page(None, title="Size guide")
        third = services.save_page(None, title="Other", slug="size-guide")
        assert (first.slug, second.slug, third.slug) == ("size-guide", "size-guide-2", "size-guide-3")
        services.save_page(first, title="Size guide", slug="sizes")
        assert catalog.redirect_target("page", "size-guide") == first.id


@pytest.mark.parametrize("fields, key", [
    ({"title": ""}, "title"), ({"title": "x" * 256}, "title"), ({"title": "A", "slug": "Not a slug"}, "slug"),
    ({"title": "A", "seo_description": "x" * 501}, "seo_description"),
])
def test_bad_page_fields_are_refused(ctx, store, fields, key):
    with ctx(store.id):
        with pytest.raises(services.ContentErrors) as error:
            services.save_page(None, **fields)
        assert key in error.value.errors


def test_unpublished_pages_are_hidden_from_page_by_slug(ctx, store):
    with ctx(store.id):
        services.save_page(None, title="Secret", published=False)
        assert services.page_by_slug("secret") is None
        assert services.page_by_slug("secret", published_only=False).title == "Secret"


@pytest.mark.parametrize("locale, slugs, words", [
    ("en", ["about-us", "contact", "faq", "returns-policy", "shipping-policy"], ["Welcome to Batik Sari", "Returns policy"]),
    ("id", ["faq", "kebijakan-pengembalian", "kebijakan-pengiriman", "kontak", "tentang-kami"],
     ["Selamat datang di Batik Sari", "Kebijakan Pengembalian"]),
])
def test_new_stores_get_pages_and_menus_in_their_language(ctx, create_store, create_user, locale, slugs, words):
    owner = create_user(locale=locale)
    tenant = create_store(owner=owner, name="Batik Sari", slug=f"batik-{locale}")
    with ctx(tenant.id):
        pages = services.all_pages()
        assert sorted(p.slug for p in pages) == slugs
        text = " ".join(p.title + p.body_html for p in pages)
        for word in words:
            assert word in text
        assert owner.email in text  # the contact page and policies name the store's email
        main, footer = services.get_menu("main"), services.get_menu("footer")
    assert [link.url for link in main][:2] == ["/", "/collections/all"]
    assert main[2].url.startswith("/pages/")
    assert len(footer) == 4 and all(link.url.startswith("/pages/") for link in footer)


def test_default_pages_escape_the_store_name(ctx, create_store):
    tenant = create_store(name='<script>alert(1)</script>{{ 7*7 }}', locale="en")
    with ctx(tenant.id):
        body = services.page_by_slug("about-us").body_html
    assert "<script" not in body and "&lt;script&gt;" in body and "{{ 7*7 }}" in body


def test_default_content_is_made_once(ctx, app, store):
    with ctx(store.id) as session:
        tenant = session.get(Tenant, store.id)
        assert services.create_default_content(tenant) is False
        assert session.scalar(select(func.count()).select_from(Page)) == 5
        assert session.scalar(select(func.count()).select_from(Menu)) == 2


def catalog_targets(ctx, store, create_product):
    product = create_product(store, title="Kemeja Parang", status=ProductStatus.ACTIVE)
    with ctx(store.id) as session:
        collection = collection_service.save_collection(session.get(Tenant, store.id), None, title="Promo")
        page = services.save_page(None, title="Size guide")
        session.commit()
        return product.id, collection.id, page.id


def test_menu_links_resolve_to_storefront_paths(ctx, store, create_product):
    product_id, collection_id, page_id = catalog_targets(ctx, store, create_product)
    with ctx(store.id):
        services.save_menu("main", [
            {"title": "Home", "link_type": "home"},
            {"title": "Shop", "link_type": "all_products", "children": [
                {"title": "Promo", "link_type": "collection", "target_id": collection_id},
                {"title": "Kemeja", "link_type": "product", "target_id": str(product_id)},
            ]},
            {"title": "Sizes", "link_type": "page", "target_id": page_id},
            {"title": "Instagram", "link_type": "url", "url": "https://instagram.com/batiksari"},
            {"title": "Sale", "link_type": "url", "url": "/collections/promo?sort=price"},
        ])
        menu = services.get_menu("main")
        item = db.session.scalar(select(MenuItem).where(MenuItem.title == "Promo"))
        assert services.resolve_url(item) == "/collections/promo"
    assert [(link.title, link.url) for link in menu] == [
        ("Home", "/"), ("Shop", "/collections/all"), ("Sizes", "/pages/size-guide"),
        ("Instagram", "https://instagram.com/batiksari"), ("Sale", "/collections/promo?sort=price")]
    assert [(link.title, link.url) for link in menu[1].children] == [
        ("Promo", "/collections/promo"), ("Kemeja", "/products/kemeja-parang")]


def test_items_whose_target_was_deleted_are_skipped(ctx, store, create_product):
    product_id, collection_id, page_id = catalog_targets(ctx, store, create_product)
    with ctx(store.id) as session:
        services.save_menu("footer", [
            {"title": "Sizes", "link_type": "page", "target_id": page_id, "children": [
                {"title": "Kemeja", "link_type": "product", "target_id": product_id}]},
            {"title": "Promo", "link_type": "collection", "target_id": collection_id, "children": [
                {"title": "Kemeja", "link_type": "product", "target_id": product_id}]},
        ])
        services.delete_page(services.page_by_id(page_id))
        catalog.delete_product(session.get(catalog.Product, (store.id, product_id)))
        session.commit()
        menu = services.get_menu("footer")
        items = services.menu_items(services.menu_by_handle("footer"))
        assert len(services.broken_item_ids(items)) == 3
        assert services.resolve_url(items[0]) is None
    assert [(link.title, link.children) for link in menu] == [("Promo", [])]


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//evil.test",
                                 "ftp://x.test", "www.example.com", "https://", "/a b", "vbscript:x"])
def test_bad_urls_are_refused(ctx, store, url):
    with ctx(store.id):
        with pytest.raises(services.ContentErrors) as error:
            services.save_menu("main", [{"title": "X", "link_type": "url", "url": url}])
    assert "item_0_url" in error.value.errors


def test_menu_rules(ctx, store):
    with ctx(store.id):
        with pytest.raises(services.ContentErrors) as error:
            services.save_menu("main", [
                {"title": "", "link_type": "home"},
                {"title": "A", "link_type": "home", "children": [
                    {"title": "B", "link_type": "home", "children": [{"title": "C", "link_type": "home"}]}]},
                {"title": "D", "link_type": "page"},
                {"title": "E", "link_type": "page", "target_id": 123},
                {"title": "F", "link_type": "nonsense"},
            ])
        assert set(error.value.errors) == {"item_0_title", "item_2_nesting", "item_4_link", "item_5_link",
                                           "item_6_link"}
        with pytest.raises(services.ContentErrors) as error:
            services.save_menu("main", [{"title": f"I{n}", "link_type": "home"} for n in range(101)])
        assert "items" in error.value.errors
        with pytest.raises(services.ContentErrors):
            services.save_menu("sidebar", [])
        services.save_menu("main", [{"title": f"I{n}", "link_type": "home"} for n in range(100)])
        assert len(services.get_menu("main")) == 100


def test_menus_and_pages_belong_to_one_store(ctx, create_store):
    a, b = create_store(locale="en"), create_store(locale="en")
    with ctx(a.id):
        services.save_menu("main", [{"title": "Only A", "link_type": "home"}])
        a_page = services.page_by_slug("about-us").id
    with ctx(b.id):
        assert [link.title for link in services.get_menu("main")] != ["Only A"]
        assert services.page_by_id(a_page) is None
        with pytest.raises(services.ContentErrors):  # another store's page can't be linked
            services.save_menu("main", [{"title": "X", "link_type": "page", "target_id": a_page}])
