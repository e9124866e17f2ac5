"""Pages built without the page cache stay cheap: a fixed number of queries however much a page shows, helpers
that skip repeated work give the same answers as the slow path, and the shortcuts never cross stores."""
import html
import io
import re

import pytest
from flask import g
from PIL import Image
from sqlalchemy import select

from saas.catalog import collections
from saas.catalog import services as catalog
from saas.catalog.models import Collection, Product
from saas.content import services as content
from saas.content.models import LinkType, Menu, MenuItem
from saas.extensions import db
from saas.ids import new_id
from saas.storage import storage
from saas.storage.images import Picture, key_url, media_url, srcset, store_image
from saas.storefront import look
from saas.tenants.models import Tenant


@pytest.fixture(autouse=True)
def _built_pages(app, monkeypatch):
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)  # every request below builds its page


@pytest.fixture
def store(create_store):
    return create_store(name="Toko Cepat", slug="toko-cepat", locale="id")


def _jpeg(colour=(120, 72, 32)):
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _shelf(ctx, store, title="Rak"):
    with ctx(store.id) as session:
        shelf = collections.save_collection(session.get(Tenant, store.id), None, title=title)
        session.commit()
        return shelf.id


def _fill(ctx, store, create_product, shelf_id, n, images=2, prefix="P"):
    made = [create_product(store, title=f"{prefix}{i}", status="active") for i in range(n)]
    with ctx(store.id) as session:
        for product in made:
            row = session.get(Product, (store.id, product.id))
            for k in range(images):
                catalog.add_image(row, _jpeg((40 * k, 80, 120)), f"{k}.jpg", alt=f"{row.title} {k}")
        collections.add_products(session.scalar(select(Collection).where(Collection.id == shelf_id)),
                                 [p.id for p in made])
        session.commit()
    return made


def _feature_on_home(shelf_id):
    """Publish the minimal theme with its home page's featured-collection section showing the shelf."""
    theme, data = look.start_draft("minimal")
    data["templates"]["home"]["sections"]["featured"]["settings"]["collection"] = str(shelf_id)
    look.save_draft(theme, data)
    look.publish()


def _count(client, count_queries, path):
    for _ in range(2):  # a worker reads a new host's store twice before it keeps it (tenants/hosts.py)
        client.get(path)
    with count_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries), response.get_data(as_text=True)


def _recommendations(client, product_html):
    """The related-products section that store.js fills the product page's placeholder with."""
    found = re.search(r'data-recommendations="([^"]+)"', product_html)
    assert found, "the product page has no related-products placeholder"
    response = client.get(html.unescape(found.group(1)))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_product_page_queries_do_not_grow_with_related_products_or_images(store, create_product, store_client, ctx,
                                                                         count_queries):
    shelf = _shelf(ctx, store)
    main = _fill(ctx, store, create_product, shelf, 1, images=1, prefix="Utama")[0]
    _fill(ctx, store, create_product, shelf, 2)
    client = store_client(store)
    few, _html = _count(client, count_queries, f"/products/{main.slug}")
    _fill(ctx, store, create_product, shelf, 6, images=3, prefix="Q")
    with ctx(store.id) as session:
        catalog.add_image(session.get(Product, (store.id, main.id)), _jpeg(), "more.jpg")
        session.commit()
    many, page = _count(client, count_queries, f"/products/{main.slug}")
    assert many == few
    assert 'class="product-card"' not in page  # related products come on their own, after the page
    related_url = html.unescape(re.search(r'data-recommendations="([^"]+)"', page).group(1))
    with count_queries() as queries:
        related = _recommendations(client, page)
    assert related.count('class="product-card"') == 4  # the related section's default limit
    assert 'alt="Q5 0"' in related and 'class="product-card__second"' in related
    _fill(ctx, store, create_product, shelf, 6, images=2, prefix="S")
    client.get(related_url)  # the store changed: its frame (look, badges) is read again once
    with count_queries() as more_queries:
        assert client.get(related_url).status_code == 200
    assert len(more_queries) == len(queries)


def test_related_cards_show_what_a_fully_loaded_product_shows(store, create_product, store_client, ctx):
    """Cards load only their own columns; a card renders the same as from a product with every column."""
    shelf = _shelf(ctx, store)
    main, other = _fill(ctx, store, create_product, shelf, 2, images=2)
    client = store_client(store)
    html = _recommendations(client, client.get(f"/products/{main.slug}").get_data(as_text=True))
    with ctx(store.id) as session:
        full = session.get(Product, (store.id, other.id))
        keys = full.images[0].media.renditions["webp"]
    assert f'href="/products/{other.slug}"' in html
    assert f'src="/media/{keys["200"]}"' in html  # the widest under 480 (the test image is 200 px)
    assert f'srcset="/media/{keys["160"]} 160w, /media/{keys["200"]} 200w"' in html
    assert f'alt="{other.title} 0"' in html


def test_home_page_loads_collection_covers_and_featured_products_without_a_query_each(
        app, store, create_product, store_client, ctx, count_queries):
    shelf = _shelf(ctx, store, "Pilihan")
    _fill(ctx, store, create_product, shelf, 2)
    with ctx(store.id) as session:
        _feature_on_home(shelf)
        session.commit()

    def add_covered_collections(n):
        with ctx(store.id) as session:
            tenant = session.get(Tenant, store.id)
            for _ in range(n):
                cover = store_image(store.id, _jpeg(), "collection", (160, 480))
                collections.save_collection(tenant, None, title=f"Koleksi {new_id()}", image_media_id=cover.id)
            session.commit()

    add_covered_collections(1)
    client = store_client(store)
    few, _html = _count(client, count_queries, "/")
    add_covered_collections(4)
    _fill(ctx, store, create_product, shelf, 4, images=1, prefix="R")
    with ctx(store.id) as session:
        draft = catalog.create_product(session.get(Tenant, store.id), title="Draf", price=100_00, stock=1)
        collections.add_products(session.scalar(select(Collection).where(Collection.id == shelf)), [draft.id])
        session.commit()
    many, html = _count(client, count_queries, "/")
    assert many == few
    assert html.count('class="collection-card"') == 6 and html.count("/collection/") >= 5
    # The featured section shows the collection's active products in its order, as cards.
    assert html.index(">P0<") < html.index(">P1<") < html.index(">R0<") and ">Draf<" not in html


def test_menus_are_one_query_and_resolve_as_before(store, create_product, ctx, count_queries):
    product = create_product(store, title="Kemeja", status="active")
    hidden = create_product(store, title="Rahasia")  # a draft: shoppers can't open it
    shelf = _shelf(ctx, store, "Promo")
    with ctx(store.id):
        page = content.save_page(None, title="Ukuran")
        unpublished = content.save_page(None, title="Nanti", published=False)
        content.save_menu("main", [
            {"title": "Beranda", "link_type": "home"},
            {"title": "Belanja", "link_type": "all_products", "children": [
                {"title": "Promo", "link_type": "collection", "target_id": shelf},
                {"title": "Kemeja", "link_type": "product", "target_id": product.id},
                {"title": "Rahasia", "link_type": "product", "target_id": hidden.id},
            ]},
            {"title": "Ukuran", "link_type": "page", "target_id": page.id},
            {"title": "Nanti", "link_type": "page", "target_id": unpublished.id, "children": [
                {"title": "Di bawahnya", "link_type": "home"}]},
            {"title": "IG", "link_type": "url", "url": "https://instagram.com/toko"},
        ])
        db.session.commit()
        with count_queries() as queries:
            menus = content.get_menus("main", "footer")
    assert len(queries) == 1
    main = menus["main"]
    assert [(link.title, link.url) for link in main] == [
        ("Beranda", "/"), ("Belanja", "/collections/all"), ("Ukuran", "/pages/ukuran"),
        ("IG", "https://instagram.com/toko")]
    assert [(link.title, link.url, link.link_type) for link in main[1].children] == [
        ("Promo", "/collections/promo", "collection"), ("Kemeja", f"/products/{product.slug}", "product")]
    assert [link.url for link in menus["footer"]]  # the store's default footer menu


def test_a_menu_item_never_resolves_to_another_stores_target(create_store, create_product, ctx):
    a, b = create_store(locale="en"), create_store(locale="en")
    theirs = create_product(b, title="Their shirt", status="active")
    with ctx(b.id):
        their_page = content.save_page(None, title="Their page").id
        db.session.commit()
    with ctx(a.id) as session:
        menu = session.scalar(select(Menu).where(Menu.handle == "main"))
        # Written directly: save_menu() refuses ids of another store, but the reading side must not trust that.
        for link_type, target in ((LinkType.PRODUCT, theirs.id), (LinkType.PAGE, their_page)):
            session.add(MenuItem(id=new_id(), menu_id=menu.id, position=99, title="Stray", link_type=link_type,
                                 target_id=target))
        session.commit()
        assert "Stray" not in [link.title for link in content.get_menu("main")]


def test_product_page_and_cards_stay_in_their_store(create_store, create_product, store_client, ctx):
    a, b = create_store(), create_store()
    shelf = _shelf(ctx, a)
    mine = _fill(ctx, a, create_product, shelf, 2, images=1, prefix="Mine")
    other_shelf = _shelf(ctx, b)
    _fill(ctx, b, create_product, other_shelf, 2, images=1, prefix="Theirs")
    client = store_client(a)
    page = client.get(f"/products/{mine[0].slug}").get_data(as_text=True)
    related = _recommendations(client, page)
    assert "Mine0" in page and "Mine1" in related and "Theirs" not in page + related
    theirs_slug = "theirs0"
    assert client.get(f"/products/{theirs_slug}").status_code == 404
    their_product = next(p for p in _fill(ctx, b, create_product, other_shelf, 1, images=1, prefix="Lain"))
    stray = client.get(f"/recommendations/products?product_id={their_product.id}&section_id=related")
    assert stray.status_code == 404 and "Theirs" not in stray.get_data(as_text=True)


def test_key_url_reuses_the_prefix_only_where_it_is_the_same(app, store):
    with app.test_request_context("/", base_url=f"http://{store.slug}.localhost"):
        g.site = "store"
        g.tenant = db.session.get(Tenant, store.id)
        g.store_host = f"{store.slug}.localhost"
        for key in (f"{store.id}/product/1-480.webp", f"{store.id}/logo/2-160.jpg"):
            assert key_url(key) == storage().url(key) == f"/media/{key}"
        odd = f"{store.id}/product/a b#c.webp"  # not a key store_image() makes: quoted by the route as before
        assert key_url(odd) == storage().url(odd) and "%20" in key_url(odd)
        private = f"{store.id}/proofs/3.jpg"
        assert key_url(private) == storage().url(private)
        g.site = "platform"  # the same request can't switch sites, but the prefix is keyed by site anyway
        assert key_url(f"{store.id}/logo/2-160.jpg") == storage().url(f"{store.id}/logo/2-160.jpg")


def test_key_url_leaves_signed_links_to_the_backend(app, store, monkeypatch):
    class Signing:
        calls = 0

        def url(self, key):
            Signing.calls += 1
            return f"https://bucket.example/{key}?X-Signature={Signing.calls}"

    monkeypatch.setitem(app.extensions, "etalase_storage", Signing())
    with app.test_request_context("/"):
        first, second = key_url("1/product/1-480.webp"), key_url("1/product/1-480.webp")
    assert first != second and first.endswith("=2") and second.endswith("=3")


def test_key_url_keeps_a_public_bucket_address(app, monkeypatch):
    class Public:
        def url(self, key):
            return f"https://cdn.example/media/{key}"

    monkeypatch.setitem(app.extensions, "etalase_storage", Public())
    with app.test_request_context("/"):
        media = Picture(new_id(), 480, 480, {"webp": {"480": "1/p/1-480.webp", "160": "1/p/1-160.webp"}})
        assert media_url(media, 300) == "https://cdn.example/media/1/p/1-480.webp"
        assert srcset(media) == "https://cdn.example/media/1/p/1-160.webp 160w, https://cdn.example/media/1/p/1-480.webp 480w"


def test_a_pictures_sizes_are_kept_but_each_request_asks_for_its_own_links(app, monkeypatch):
    """The sorted renditions of a media file are kept per process; the links are still the backend's, per request."""
    class Signing:
        calls = 0

        def url(self, key):
            Signing.calls += 1
            return f"https://bucket.example/{key}?X-Signature={Signing.calls}"

    media = Picture(new_id(), 960, 960, {"webp": {"960": "1/p/2-960.webp", "160": "1/p/2-160.webp",
                                                  "480": "1/p/2-480.webp"}})
    with app.test_request_context("/"):
        assert media_url(media, 500).startswith("/media/1/p/2-960.webp")
        assert media_url(media, 100).startswith("/media/1/p/2-160.webp")
    monkeypatch.setitem(app.extensions, "etalase_storage", Signing())
    with app.test_request_context("/"):
        first, second = srcset(media), srcset(media)
        assert first.startswith("https://bucket.example/1/p/2-160.webp?X-Signature=") and first.endswith(" 960w")
        assert first != second  # signed afresh, never from the kept sizes
        assert media_url(media, 481) == f"https://bucket.example/1/p/2-960.webp?X-Signature={Signing.calls}"


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("amount, currency", [(150_000_00, "IDR"), (1250, "USD"), (0, "IDR"), (99, "JPY")])
def test_money_formatting_is_the_same_from_the_cache(app, locale, amount, currency):
    from flask_babel import force_locale

    from saas.templating import _format_money, format_money

    with app.test_request_context("/"), force_locale(locale):
        from flask_babel import get_locale

        assert format_money(amount, currency) == format_money(amount, currency) == _format_money(
            amount, currency, get_locale())


def test_theme_gettext_is_flask_babels(app, store):
    from flask_babel import force_locale, gettext, ngettext

    with app.test_request_context("/"), force_locale("id"):
        fast = look._translators()
        assert fast["_"]("Sold out") == gettext("Sold out") != "Sold out"
        assert fast["gettext"]("From %(price)s", price="Rp 1") == gettext("From %(price)s", price="Rp 1")
        assert fast["ngettext"]("%(num)d item", "%(num)d items", 3) == ngettext("%(num)d item", "%(num)d items", 3)


def test_the_default_look_is_normalized_once_and_shared(app, store):
    from saas.tenants.scoping import bound_tenant

    with app.app_context(), bound_tenant(store.id):
        theme, first = look.published()
        _theme, second = look.published()
        assert first is second
        assert first == look.normalize(theme, theme.default_look())


# Read-only pages end with COMMIT (so psycopg keeps its prepared statements); anything that wrote still rolls back


@pytest.fixture
def transactions_ended():
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    ended = []
    commit, rollback = (lambda session: ended.append("commit")), (lambda session: ended.append("rollback"))
    event.listen(Session, "after_commit", commit)
    event.listen(Session, "after_soft_rollback", rollback)
    yield ended
    event.remove(Session, "after_commit", commit)
    event.remove(Session, "after_soft_rollback", rollback)


def test_a_page_that_only_read_commits(store, create_product, store_client, transactions_ended):
    product = create_product(store, title="Kemeja", status="active")
    client = store_client(store)
    for path in (f"/products/{product.slug}", "/", "/collections/all", "/robots.txt"):
        transactions_ended.clear()
        assert client.get(path).status_code == 200
        assert transactions_ended[:1] == ["commit"], path
    transactions_ended.clear()
    assert client.get("/products/no-such-thing").status_code == 404
    assert transactions_ended[:1] == ["commit"]


def test_a_page_that_wrote_is_still_rolled_back(app, store, store_client, ctx, transactions_ended):
    """A draft preview makes the store's theme row on first use; a page request never keeps that."""
    from saas.storefront.models import StoreTheme
    from saas.tenants.models import Membership

    with ctx(store.id) as session:
        owner_id = session.scalar(select(Membership.user_id).where(Membership.tenant_id == store.id))
        assert session.scalar(select(StoreTheme.id)) is None
        with app.test_request_context():
            token = look.preview_token(store.id, owner_id)
    transactions_ended.clear()
    assert store_client(store).get(f"/?preview={token}").status_code == 200
    assert "commit" not in transactions_ended
    with ctx(store.id) as session:
        assert session.scalar(select(StoreTheme.id)) is None


def test_orm_writes_mark_the_session(ctx, store, create_product):
    from sqlalchemy import update

    from saas.storefront.transactions import WROTE

    product = create_product(store, title="Kemeja", status="active")
    with ctx(store.id) as session:
        session.scalar(select(Product.id))
        assert not session.info.get(WROTE)
        session.execute(update(Product).where(Product.id == product.id).values(vendor="Jaya"))
        assert session.info.get(WROTE)
        session.rollback()


def test_a_page_that_queued_a_job_does_not_release_it(app, store, create_product, store_client, monkeypatch):
    """Jobs go out only after a commit; a page request that queued one (none does today) must not send it."""
    from saas import jobs
    from saas.storefront import listing

    product = create_product(store, title="Kemeja", status="active")
    sent = []
    monkeypatch.setattr("saas.jobs.queue.dispatch", lambda app, pending: sent.extend(pending))
    real_related = listing.related

    def related_and_a_job(found, limit=8):
        jobs.enqueue(next(iter(jobs.TASKS)), tenant_id=store.id)
        return real_related(found, limit)

    monkeypatch.setattr(listing, "related", related_and_a_job)
    client = store_client(store)
    assert _recommendations(client, client.get(f"/products/{product.slug}").get_data(as_text=True)).strip() == ""
    assert sent == []


def test_cards_show_active_products_only_wherever_they_appear(store, create_product, store_client, ctx):
    shelf = _shelf(ctx, store, "Pilihan")
    _fill(ctx, store, create_product, shelf, 1, images=1, prefix="Tampil")
    hidden = create_product(store, title="Tampil Draf", status="draft")
    with ctx(store.id) as session:
        collections.add_products(session.scalar(select(Collection).where(Collection.id == shelf)), [hidden.id])
        _feature_on_home(shelf)
        session.commit()
    client = store_client(store)
    for path in ("/", "/collections/pilihan", "/collections/all", "/search?q=tampil"):
        html = client.get(path).get_data(as_text=True)
        assert "Tampil0" in html, path
        assert "Tampil Draf" not in html, path


def test_every_card_shows_its_first_two_pictures_in_the_merchants_order(store, create_product, store_client, ctx):
    """Cards read their pictures in their own row wherever they appear: home, the collection page (prepared, and
    with a vendor filter through the ORM), search and related products."""
    shelf = _shelf(ctx, store, "Pilihan")
    shown, neighbour = _fill(ctx, store, create_product, shelf, 2, images=3, prefix="Urut")
    with ctx(store.id) as session:
        row = session.get(Product, (store.id, shown.id))
        session.get(Product, (store.id, neighbour.id)).vendor = row.vendor = "Jaya"
        first, second, third = row.images
        catalog.reorder_images(row, [third.id, first.id, second.id])  # positions now differ from creation order
        keys = [image.media.renditions["webp"]["200"] for image in (third, first, second)]
        _feature_on_home(shelf)
        session.commit()
    client = store_client(store)
    related = _recommendations(client, client.get(f"/products/{neighbour.slug}").get_data(as_text=True))
    pages = {path: client.get(path).get_data(as_text=True)
             for path in ("/", "/collections/pilihan", "/collections/pilihan?vendor=Jaya", "/search?q=urut0")}
    for where, html_text in {**pages, "related": related}.items():
        card = re.search(r'<li class="product-card">((?:(?!</li>).)*Urut0(?:(?!</li>).)*)</li>', html_text, re.S)
        assert card, where
        images = re.findall(r'<img[^>]*\ssrc="/media/([^"]+)"', card.group(1))
        assert images == keys[:2], where
        assert 'alt="Urut0 2"' in card.group(1), where  # the first picture's own alt text


@pytest.mark.parametrize("endpoint, values", [
    ("storefront.product", {"slug": "kemeja-batik"}),
    ("storefront.product", {"slug": "kain ulos/ñ?&#"}),
    ("storefront.collection", {"slug": "all"}),
    ("storefront.page", {"slug": "tentang-kami"}),
    ("storefront.collection", {"slug": "rak", "page": 2}),
    ("storefront.search", {"slug": "not a path part"}),
    ("storefront.cart", {}),
    ("storefront.theme_asset", {"theme": "pasar", "path": "theme.css", "v": "abc"}),
    ("storefront.collection", {"slug": "rak", "vendor": ["Jaya", "Sari"]}),
])
def test_theme_url_for_gives_what_url_for_gives(app, store, endpoint, values):
    from flask import url_for

    from saas.storefront.theme_globals import theme_url_for

    with app.test_request_context("/", base_url="http://toko-cepat.localhost"):
        app.preprocess_request()
        for _ in range(2):  # the first builds it, the second is remembered
            assert theme_url_for(endpoint, **values) == url_for(endpoint, **values)


def test_theme_urls_kept_for_every_request_are_right_on_every_host(app, store, create_store):
    from flask import url_for
    from werkzeug.routing import BuildError

    from saas.storefront.theme_globals import theme_url_for

    create_store(name="Toko Lain", slug="toko-lain")
    calls = [("storefront.product", {"slug": "kain"}), ("storefront.cart", {}),
             ("storefront.theme_asset", {"theme": "minimal", "path": "theme.css", "v": "1"})]
    for host in ("toko-cepat.localhost", "toko-lain.localhost", "toko-cepat.localhost"):
        with app.test_request_context("/", base_url=f"http://{host}"):
            app.preprocess_request()
            for endpoint, values in calls:
                assert theme_url_for(endpoint, **values) == url_for(endpoint, **values)
    with app.test_request_context("/", base_url="http://localhost"):  # the platform's host builds none of them
        app.preprocess_request()
        for endpoint, values in calls:
            with pytest.raises(BuildError):
                url_for(endpoint, **values)
            with pytest.raises(BuildError):
                theme_url_for(endpoint, **values)


def test_the_related_section_shows_as_many_cards_as_it_is_set_to(store, create_product, store_client, ctx):
    shelf = _shelf(ctx, store)
    main = _fill(ctx, store, create_product, shelf, 1, images=0, prefix="Utama")[0]
    _fill(ctx, store, create_product, shelf, 14, images=1)
    client = store_client(store)
    assert _recommendations(client, client.get(f"/products/{main.slug}").get_data(as_text=True)).count(
        'class="product-card"') == 4
    with ctx(store.id) as session:
        theme, data = look.start_draft("minimal")
        product_page = data["templates"]["product"]
        related_id = next(i for i, s in product_page["sections"].items() if s["type"] == "related-products")
        product_page["sections"][related_id]["settings"]["limit"] = 12
        look.save_draft(theme, data)
        look.publish()
        session.commit()
    assert _recommendations(client, client.get(f"/products/{main.slug}").get_data(as_text=True)).count(
        'class="product-card"') == 12


def test_prepared_reads_show_only_the_stores_own_products_collections_and_vendors(create_store, create_product,
                                                                                  store_client, ctx):
    """The same slugs and titles in two stores: each list, facet and count that a prepared read fills is its own."""
    a, b = create_store(), create_store()
    for store, vendor in ((a, "Penenun Kita"), (b, "Penenun Lain")):
        shelf = _shelf(ctx, store, "Tenun")
        made = _fill(ctx, store, create_product, shelf, 3, images=1, prefix="Kain")
        with ctx(store.id) as session:
            for product in made:
                session.get(Product, (store.id, product.id)).vendor = vendor
            session.commit()
    mine = store_client(a)
    for path in ("/", "/collections/all", "/collections/tenun", "/collections/tenun?sort=price-asc&page=1"):
        html = mine.get(path).get_data(as_text=True)
        assert "Penenun Kita" in html and "Penenun Lain" not in html, path
    listing_html = mine.get("/collections/tenun").get_data(as_text=True)
    assert listing_html.count('class="product-card"') == 3
    product_html = mine.get("/products/kain0").get_data(as_text=True)
    related = _recommendations(mine, product_html)
    assert related.count('class="product-card"') == 2 and "Penenun Lain" not in related
