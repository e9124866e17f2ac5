"""The theme gallery and editor through HTTP: drafts, sections, settings, publishing and history."""
import pytest
from sqlalchemy import select

from saas.storefront.models import ThemeVersion

BASE = "/stores/batik-sari/themes"


@pytest.fixture
def store(client, create_user, create_store, login):
    owner = create_user(name="Sari")
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id")
    login(client, owner)
    return tenant


def act(client, page="home", **form):
    return client.post(f"{BASE}/editor?page={page}", data=form, headers={"Accept": "application/json"})


def home_order(client):
    html = client.get(f"{BASE}/editor?page=home").get_data(as_text=True)
    import re

    return re.findall(r'<li class="member section-item[^"]*" data-id="([^"]+)"', html)


def test_gallery_lists_themes_with_previews(client, store):
    html = client.get(BASE).get_data(as_text=True)
    assert "Minimal" in html and "Use this theme" in html and "Preview" in html
    with client.get(f"{BASE}/minimal/preview.png") as picture:
        assert picture.mimetype == "image/png"
    assert client.get(f"{BASE}/base/preview.png").status_code == 404


def test_editing_the_draft_then_publishing(client, store, store_client, ctx):
    assert client.post(f"{BASE}/use", data={"theme": "minimal"}).status_code == 302
    order = home_order(client)
    assert order[:2] == ["hero", "featured"]
    answer = act(client, action="save_section", section="hero", **{
        "s-heading": "Batik tulis <script>alert(1)</script> {{ 7*7 }}", "s-text": "Halo", "s-button_label": "Belanja",
        "s-button_link": "javascript:alert(1)", "s-height": "large", "s-align": "left"})
    assert answer.json["ok"]
    act(client, action="down", section="hero")
    act(client, action="toggle", section="testimonials")
    assert home_order(client)[:2] == ["featured", "hero"]
    shopper = store_client(store)
    assert "Batik tulis" not in shopper.get("/").get_data(as_text=True)  # nothing is live before publishing
    assert client.post(f"{BASE}/publish").status_code == 302
    html = shopper.get("/").get_data(as_text=True)
    assert "Batik tulis &lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in html and ">49<" not in html
    assert 'href="javascript:' not in html
    assert html.index("section-featured") < html.index("section-hero")
    assert "Kata pelanggan kami" not in html  # the hidden section


def test_theme_settings_become_css_variables_and_bad_values_are_refused(client, store, store_client):
    client.post(f"{BASE}/use", data={"theme": "minimal"})
    act(client, action="save_theme_settings", **{"t-color_accent": "#aa3311", "t-color_text": "red;}</style><script>",
                                                  "t-font_heading": "serif", "t-button_shape": "pill"})
    client.post(f"{BASE}/publish")
    html = store_client(store).get("/").get_data(as_text=True)
    assert "--color-accent: #aa3311;" in html and "--button-radius: 999px;" in html
    assert "</style><script>" not in html and "--color-text: #17181c;" in html


def test_sections_and_blocks_can_be_added_and_removed(client, store):
    client.post(f"{BASE}/use", data={"theme": "minimal"})
    answer = act(client, action="add_section", type="faq")
    section = answer.json["selected"]
    assert section in home_order(client)
    client.post(f"{BASE}/editor?page=home&section={section}&type=question", data={"action": "add_block"})
    page = client.get(f"{BASE}/editor?page=home&section={section}").get_data(as_text=True)
    assert page.count("<fieldset class=\"block-fields\">") == 3  # the preset's two and the new one
    act(client, action="remove", section=section)
    assert section not in home_order(client)
    refused = act(client, action="add_section", type="main-product")
    assert refused.json["ok"] is False


def test_versions_can_be_restored_and_the_draft_discarded(client, store, store_client, ctx):
    client.post(f"{BASE}/use", data={"theme": "minimal"})
    act(client, action="save_section", section="hero", **{"s-heading": "Versi satu"})
    client.post(f"{BASE}/publish")
    client.post(f"{BASE}/customize")
    act(client, action="save_section", section="hero", **{"s-heading": "Versi dua"})
    client.post(f"{BASE}/publish")
    shopper = store_client(store)
    assert "Versi dua" in shopper.get("/").get_data(as_text=True)
    with ctx(store.id) as session:
        first = session.scalars(select(ThemeVersion).order_by(ThemeVersion.published_at)).first()
    assert client.post(f"{BASE}/versions/{first.id}/restore").status_code == 302
    assert "Versi satu" in shopper.get("/").get_data(as_text=True)
    client.post(f"{BASE}/customize")
    act(client, action="save_section", section="hero", **{"s-heading": "Dibuang"})
    client.post(f"{BASE}/discard")
    assert "unpublished draft" not in client.get(BASE).get_data(as_text=True)
    assert client.get(f"{BASE}/editor").status_code == 302  # no draft: back to the gallery


def test_another_stores_versions_and_editor_are_out_of_reach(client, store, create_store, create_user, login, ctx,
                                                            app):
    other_owner = create_user()
    other = create_store(owner=other_owner, slug="toko-lain")
    from saas.storefront import look
    from saas.tenants.scoping import bound_tenant

    with app.app_context(), bound_tenant(other.id):
        from saas.extensions import db

        look.start_draft("minimal")
        version = look.publish("x")
        db.session.commit()
        version_id = version.id
    assert client.post(f"{BASE}/versions/{version_id}/restore").status_code == 404
    assert client.get("/stores/toko-lain/themes").status_code == 404
    assert client.post("/stores/toko-lain/themes/publish").status_code == 404


def test_the_header_group_takes_announcements_and_shows_them_above_every_pages_header(client, store, store_client,
                                                                                      create_product):
    create_product(store, title="Kain Songket", status="active")
    client.post(f"{BASE}/use", data={"theme": "minimal"})
    editor = client.get(f"{BASE}/editor?page=header").get_data(as_text=True)
    assert "Header (every page)" in editor and "Announcement bar" in editor
    assert act(client, page="header", action="add_section", type="hero").json["ok"] is False  # not a header section
    assert act(client, page="home", action="add_section", type="announcement-bar").json["ok"] is False
    added = act(client, page="header", action="add_section", type="announcement-bar").json
    assert added["ok"]
    section = added["selected"]
    answer = act(client, page="header", action="save_section", section=section,
                 **{"s-text": "Diskon 20% akhir pekan", "s-link": "/collections/all", "s-tone": "dark"})
    assert answer.json["ok"]
    client.post(f"{BASE}/publish")
    shopper = store_client(store)
    for path in ("/", "/products/kain-songket", "/collections/all", "/no-such-page"):
        html = shopper.get(path).get_data(as_text=True)
        assert html.index("Diskon 20% akhir pekan") < html.index('<header class="site-header'), path
