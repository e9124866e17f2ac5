"""Themes: every theme on disk loads and renders every page, a broken theme fails loudly, settings reach CSS
safely, and merchant text in section settings is escaped or sanitized, never evaluated."""
import io
import json
import re
import shutil

import pytest
from PIL import Image

from saas.extensions import db
from saas.storefront import look
from saas.storefront.themes import ROOT, ThemeError, load_themes

THEMES = ("minimal", "pasar", "butik")
PAGES = {"home": "/", "collection": "/collections/all", "search": "/search?q=kemeja", "404": "/products/no-such-product", "cart": "/cart"}


def test_every_theme_loads_and_validates():
    themes = load_themes(ROOT)
    assert set(THEMES) <= set(themes)
    for name in THEMES:
        theme = themes[name]
        assert theme.parent == "base" and theme.label and theme.description
        assert theme.find("static/preview.png") and theme.find("static/theme.css").parent.parent == theme.path
        assert (theme.path / "theme.json").is_file()
        # Every page the engine renders resolves through the chain.
        for page in ("home", "product", "collection", "page", "search"):
            assert theme.find(f"templates/{page}.json")
        for page in ("404", "cart"):
            assert theme.find(f"templates/{page}.html")


def test_the_three_themes_differ():
    themes = load_themes(ROOT)
    defaults = [themes[name].default_settings() for name in THEMES]
    for key in ("color_background", "color_accent", "font_heading"):
        assert len({d[key] for d in defaults}) == 3, key
    css = [(themes[name].path / "static/theme.css").read_text() for name in THEMES]
    assert len(set(css)) == 3


def test_theme_css_has_no_third_party_requests():
    for css in ROOT.glob("*/static/*.css"):
        text = css.read_text()
        assert "@import" not in text and "@font-face" not in text, css
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css


def test_preview_images_are_gallery_sized():
    for name in THEMES:
        with Image.open(ROOT / name / "static/preview.png") as image:
            assert image.width >= 600 and 1.4 < image.width / image.height < 1.8, name
        assert (ROOT / name / "static/preview.png").stat().st_size < 400_000


# A broken theme fails loudly


def _copy_themes(tmp_path):
    root = tmp_path / "themes"
    shutil.copytree(ROOT / "base", root / "base")
    child = root / "child"
    (child / "static").mkdir(parents=True)
    (child / "static/preview.png").write_bytes((ROOT / "minimal/static/preview.png").read_bytes())
    (child / "theme.json").write_text(json.dumps({"name": "Child", "extends": "base"}))
    return root, child


def test_a_minimal_child_theme_is_valid(tmp_path):
    root, _ = _copy_themes(tmp_path)
    assert set(load_themes(root)) == {"base", "child"}


def _add_section(child, schema, html="<p>x</p>", name="broken"):
    (child / "sections").mkdir(exist_ok=True)
    (child / f"sections/{name}.json").write_text(json.dumps(schema))
    if html is not None:
        (child / f"sections/{name}.html").write_text(html)


@pytest.mark.parametrize("breakage, message", [
    ("unknown_setting_type", "unknown type"),
    ("missing_default", "no default"),
    ("section_html_missing", "doesn't exist"),
    ("unknown_section_in_template", "unknown section type"),
    ("order_names_missing_section", "order names unknown section"),
    ("missing_preview", "preview.png"),
    ("bad_colour_default", "colour"),
    ("unknown_settings_default", "unknown settings"),
    ("unknown_parent", "extends unknown"),
    ("bad_json", "theme.json"),
])
def test_a_broken_theme_raises_theme_error(tmp_path, breakage, message):
    root, child = _copy_themes(tmp_path)
    if breakage == "unknown_setting_type":
        _add_section(child, {"name": "Broken", "settings": [{"id": "x", "type": "wysiwyg", "label": "X", "default": ""}]})
    elif breakage == "missing_default":
        _add_section(child, {"name": "Broken", "settings": [{"id": "x", "type": "text", "label": "X"}]})
    elif breakage == "section_html_missing":
        _add_section(child, {"name": "Broken", "settings": []}, html=None)
    elif breakage == "unknown_section_in_template":
        (child / "templates").mkdir()
        (child / "templates/home.json").write_text(json.dumps(
            {"sections": {"a": {"type": "no-such-section", "settings": {}}}, "order": ["a"]}))
    elif breakage == "order_names_missing_section":
        (child / "templates").mkdir()
        (child / "templates/home.json").write_text(json.dumps({"sections": {}, "order": ["ghost"]}))
    elif breakage == "missing_preview":
        (child / "static/preview.png").unlink()
    elif breakage == "bad_colour_default":
        (child / "theme.json").write_text(json.dumps({"extends": "base", "settings_defaults": {"color_accent": "red"}}))
    elif breakage == "unknown_settings_default":
        (child / "theme.json").write_text(json.dumps({"extends": "base", "settings_defaults": {"colour_x": "#000000"}}))
    elif breakage == "unknown_parent":
        (child / "theme.json").write_text(json.dumps({"extends": "nope"}))
    elif breakage == "bad_json":
        (child / "theme.json").write_text("{ not json")
    with pytest.raises(ThemeError, match=message):
        load_themes(root)


# Rendering every page in every theme


def _jpeg(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (320, 320), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def shop(create_store, create_product, ctx, run_jobs):
    from saas.catalog import services as catalog
    from saas.catalog.models import Product

    store = create_store(name="Toko Tema", contact_email="halo@toko.test", contact_phone="+62 812 1111 2222")
    shirt = create_product(store, title="Kemeja Batik Parang", status="active", vendor="Omah Laweyan",
                           options=[{"name": "Ukuran", "values": ["S", "M"]}], description_html="<p>Katun halus.</p>")
    create_product(store, title="Kemeja Kawung", status="active")
    create_product(store, title="Tas Batik", status="active")
    with ctx(store.id):
        product = db.session.get(Product, (store.id, shirt.id))
        catalog.add_image(product, _jpeg((120, 72, 32)), "a.jpg", alt="Kemeja cokelat")
        catalog.add_image(product, _jpeg((28, 52, 110)), "b.jpg")
        db.session.commit()
    run_jobs()
    store.shirt_slug = shirt.slug
    store.shirt_id = shirt.id
    return store


def publish(app, store, theme_name, change=None):
    from saas.tenants.scoping import bound_tenant

    with app.app_context(), bound_tenant(store.id):
        theme, data = look.start_draft(theme_name)
        if change:
            change(data)
        look.save_draft(theme, data)
        look.publish()
        db.session.commit()


@pytest.mark.parametrize("theme_name", THEMES)
def test_every_theme_renders_every_page(app, shop, store_client, theme_name):
    publish(app, shop, theme_name)
    client = store_client(shop)
    for page, path in {**PAGES, "product": f"/products/{shop.shirt_slug}"}.items():
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == (404 if page == "404" else 200), (page, html[:300])
        assert f"/theme-assets/{theme_name}/theme.css" in html, page
        assert len(re.findall(r"<h1[\s>]", html)) == 1, page
        assert "None" not in re.findall(r'src="([^"]*)"', html), page
        # No third-party requests: every script and stylesheet is the store's own.
        for url in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
            assert not url.startswith(("http://", "https://", "//")) or ".localhost" in url, (page, url)
    product_page = client.get(f"/products/{shop.shirt_slug}").get_data(as_text=True)
    assert 'alt="Kemeja cokelat"' in product_page and 'name="option1"' in product_page
    for asset in ("theme.css", "base.css", "store.js", "preview.png"):
        response = client.get(f"/theme-assets/{theme_name}/{asset}")
        assert response.status_code == 200, asset
        response.close()


@pytest.mark.parametrize("theme_name", THEMES)
def test_an_empty_store_renders_too(app, create_store, store_client, theme_name):
    store = create_store()
    publish(app, store, theme_name)
    client = store_client(store)
    for page, path in PAGES.items():
        assert client.get(path).status_code == (404 if page == "404" else 200), page


# Settings become CSS custom properties, safely


def _root_rule(html):
    match = re.search(r"<style>:root \{(.*?)\}</style>", html, re.DOTALL)
    assert match, html[:1000]
    return match.group(1)


def test_a_saved_colour_becomes_a_custom_property(app, shop, store_client):
    def change(data):
        data["settings"]["color_accent"] = "#123abc"
        data["settings"]["font_heading"] = "didone"
        data["settings"]["button_shape"] = "pill"

    publish(app, shop, "pasar", change)
    rule = _root_rule(store_client(shop).get("/").get_data(as_text=True))
    assert "--color-accent: #123abc;" in rule
    assert "--button-radius: 999px;" in rule and "Didot" in rule


def test_a_hostile_colour_falls_back_to_the_default(app, shop, store_client):
    from saas.storefront.themes import get_theme

    def change(data):
        data["settings"]["color_accent"] = "red;}</style><script>alert(1)</script>"
        data["settings"]["font_body"] = "x;}</style><script>alert(2)</script>"

    publish(app, shop, "butik", change)
    html = store_client(shop).get("/").get_data(as_text=True)
    default = get_theme("butik").default_settings()["color_accent"]
    assert f"--color-accent: {default};" in _root_rule(html)
    assert "<script>alert" not in html and "red;}" not in html


# Merchant text in section settings is escaped or sanitized, never evaluated

HOSTILE = '<script>alert("x")</script>{{ 7*7 }}" onmouseover="alert(1)'


@pytest.mark.parametrize("theme_name", THEMES)
def test_merchant_text_is_escaped_and_never_evaluated(app, shop, store_client, theme_name):
    def change(data):
        home = data["templates"]["home"]
        home["sections"]["hero"]["settings"]["heading"] = HOSTILE
        home["sections"]["hero"]["settings"]["text"] = HOSTILE
        data["templates"]["header"]["sections"]["announcement"]["settings"]["text"] = HOSTILE
        testimonials = home["sections"]["testimonials"]
        first = testimonials["block_order"][0]
        testimonials["blocks"][first]["settings"]["quote"] = HOSTILE
        testimonials["blocks"][first]["settings"]["author"] = HOSTILE
        home["sections"]["rich-hostile"] = {"type": "rich-text", "settings": {
            "heading": HOSTILE, "text": f'<p onclick="alert(1)">Halo {{{{ 7*7 }}}}</p><script>alert(2)</script>'}}
        home["order"].append("rich-hostile")

    publish(app, shop, theme_name, change)
    html = store_client(shop).get("/").get_data(as_text=True)
    assert "<script>alert" not in html
    assert 'onmouseover="alert' not in html and "onclick" not in html
    assert not re.search(r"(?<![\w/.-])49(?![\w.-])", html)  # never evaluated (ids and URLs may contain "49")
    assert "{{ 7*7 }}" in html  # shown as text
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 4


@pytest.mark.parametrize("theme_name", THEMES)
def test_featured_sections_pointing_nowhere_render_without_them(app, shop, store_client, ctx, theme_name):
    from saas.catalog import services as catalog
    from saas.catalog.models import Product

    with ctx(shop.id):
        doomed = catalog.create_product(db.session.get(type(shop), shop.id), title="Segera Dihapus", status="active")
        db.session.commit()
        doomed_id = doomed.id
        catalog.delete_product(db.session.get(Product, (shop.id, doomed_id)))
        db.session.commit()

    def change(data):
        home = data["templates"]["home"]
        home["sections"]["fp-deleted"] = {"type": "featured-product", "settings": {"product": str(doomed_id), "heading": "Gone"}}
        home["sections"]["fp-missing"] = {"type": "featured-product", "settings": {"product": "999999999999"}}
        home["sections"]["fp-live"] = {"type": "featured-product", "settings": {"product": str(shop.shirt_id)}}
        home["sections"]["fc-missing"] = {"type": "featured-collection", "settings": {"collection": "999999999999"}}
        home["sections"]["cl-missing"] = {"type": "collection-list", "settings": {}, "blocks": {
            "c1": {"type": "collection", "settings": {"collection": "999999999999"}}}, "block_order": ["c1"]}
        # Past the largest id a BIGINT holds, where the database driver would raise rather than find nothing
        home["sections"]["fp-huge"] = {"type": "featured-product", "settings": {"product": "9" * 20}}
        home["sections"]["fc-huge"] = {"type": "featured-collection", "settings": {"collection": "9" * 20}}
        home["order"] += ["fp-deleted", "fp-missing", "fp-live", "fc-missing", "cl-missing", "fp-huge", "fc-huge"]

    publish(app, shop, theme_name, change)
    response = store_client(shop).get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Segera Dihapus" not in html
    assert 'id="section-fp-live"' in html and "Kemeja Batik Parang" in html


def test_a_look_saved_before_header_groups_moves_its_announcement_above_the_header():
    from saas.storefront.themes import get_theme

    theme = get_theme("minimal")
    old = {"settings": {}, "templates": {"home": {
        "sections": {"promo": {"type": "announcement-bar", "settings": {"text": "Promo"}},
                     "hero": {"type": "hero", "settings": {}}},
        "order": ["promo", "hero"]}}}
    upgraded = look.normalize(theme, old)
    assert upgraded["templates"]["header"]["order"] == ["promo"]
    assert upgraded["templates"]["header"]["sections"]["promo"]["settings"]["text"] == "Promo"
    assert upgraded["templates"]["home"]["order"] == ["hero"]
    assert old["templates"]["home"]["order"] == ["promo", "hero"]  # the stored look itself is left as it was


class _Plain:
    title = "Kemeja"
    _secret = "hidden"

    def shout(self):
        return "KEMEJA"


@pytest.mark.parametrize("source, expected", [
    ("{{ thing.title }}", "Kemeja"),
    ("{{ thing.shout() }}", "KEMEJA"),  # a method takes the sandbox's own path, and is still callable
    ("{{ items.nope | default('none') }}", "none"),
    ("{{ mapping.key }}", "value"),  # attribute syntax still falls back to the item
    ("{{ card.title }} {{ card.images | length }}", "Kain 0"),
])
def test_the_theme_sandbox_reads_ordinary_attributes(source, expected):
    from saas.catalog.cards import Card
    from saas.storefront.themes import ThemeEnvironment

    card = Card(1, "kain", "Kain", "", 100, 100, False, "in_stock")
    template = ThemeEnvironment().from_string(source)
    assert template.render(thing=_Plain(), items=[], mapping={"key": "value"}, card=card) == expected


@pytest.mark.parametrize("source", [
    "{{ mapping.key }}", "{{ mapping.missing | default('none') }}", "{{ mapping._under }}", "{{ mapping.__odd__ }}",
    "{{ mapping.get('key') }}", "{{ mapping.items() | list | length }}", "{{ mapping.keys is defined }}",
    "{{ mapping.nested.deeper }}", "{{ mapping['key'] }}", "{{ mapping.__class__ is defined }}",
])
def test_the_theme_sandbox_reads_a_dict_as_the_sandbox_does(source):
    """Its shortcut for a plain dict's items gives what jinja2's own sandbox gives, methods and misses included."""
    from jinja2.sandbox import SandboxedEnvironment

    from saas.storefront.themes import ThemeEnvironment

    mapping = {"key": "value", "_under": "u", "__odd__": "o", "get": "shadowed", "nested": {"deeper": "d"}}
    ours = ThemeEnvironment().from_string(source).render(mapping=mapping)
    assert ours == SandboxedEnvironment().from_string(source).render(mapping=mapping)


@pytest.mark.parametrize("source", [
    "{{ thing._secret }}",
    "{{ thing.__class__ }}",
    "{{ thing.shout.__func__ }}",
    "{{ card.__class__.__mro__ }}",
    "{{ 'a'.__class__ }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_the_theme_sandbox_still_refuses_internals(source):
    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError, UndefinedError

    from saas.catalog.cards import Card
    from saas.storefront.themes import ThemeEnvironment

    card = Card(1, "kain", "Kain", "", 100, 100, False, "in_stock")
    template = ThemeEnvironment(undefined=StrictUndefined).from_string(source)
    with pytest.raises((SecurityError, UndefinedError)):
        template.render(thing=_Plain(), card=card)


@pytest.mark.parametrize("source", ["{{ '{0.__class__}'.format(thing) }}", "{{ ('{0._secret}').format(thing) }}",
                                    "{{ '{0.title}'.format(thing) }}"])
def test_str_format_stays_sandboxed(source):
    from jinja2.sandbox import SandboxedEnvironment

    from saas.storefront.themes import ThemeEnvironment

    ours = ThemeEnvironment().from_string(source).render(thing=_Plain())
    assert ours == SandboxedEnvironment().from_string(source).render(thing=_Plain())
    assert "class" not in ours and "hidden" not in ours


def test_a_templates_globals_overlay_the_themes_without_changing_them():
    from saas.storefront.themes import ThemeEnvironment

    env = ThemeEnvironment()
    env.globals["shop"] = "Toko"
    template = env.from_string("{{ shop }} {{ extra }}", globals={"extra": "Satu"})
    template.globals["extra"] = "Dua"
    assert template.render() == "Toko Dua"
    assert "extra" not in env.globals and env.from_string("{{ shop }}").render() == "Toko"
