"""The themed storefront over HTTP: pages, filters, SEO, previews, and queries that don't grow with products."""
import json
import re

import pytest
from sqlalchemy import select

from saas.catalog import collections
from saas.storefront import look
from saas.tenants.models import Tenant


@pytest.fixture
def store(create_store):
    return create_store(name="Toko Uji", slug="toko-uji", locale="id", contact_email="halo@tokouji.example.com")


def test_every_storefront_url_answers(store, create_product, store_client):
    create_product(store, title="Kemeja Biru", status="active", options=[{"name": "Ukuran", "values": ["S", "M"]}])
    client = store_client(store)
    for path in ("/", "/collections/all", "/products/kemeja-biru", "/search?q=kemeja", "/sitemap.xml",
                 "/robots.txt", "/cart"):
        assert client.get(path).status_code == 200, path
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Toko Uji" in missing.get_data(as_text=True)


def test_product_page_seo_and_variant_picker_without_javascript(store, create_product, store_client):
    product = create_product(store, title="Kemeja Biru", status="active", price=150_000_00,
                             options=[{"name": "Ukuran", "values": ["S", "M"]}])
    client = store_client(store)
    html = client.get("/products/kemeja-biru?option1=M").get_data(as_text=True)
    assert '<link rel="canonical" href="http://toko-uji.localhost/products/kemeja-biru">' in html
    assert 'property="og:title"' in html and 'name="twitter:card"' in html
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    kinds = {b["@type"] for b in blocks}
    assert {"Product", "BreadcrumbList"} <= kinds
    medium = product.variants[1]
    assert f'name="variant_id" value="{medium.id}"' in html  # the no-JS picker chose M
    assert f'value="{medium.id}"' in client.get(f"/products/kemeja-biru?variant={medium.id}").get_data(as_text=True)
    for odd in ("²", "٣", "9" * 30, "-1", "1e3"):  # not ids: the first variant, never an error
        assert client.get("/products/kemeja-biru", query_string={"variant": odd}).status_code == 200, odd


def test_sitemap_and_robots(store, create_product, store_client):
    create_product(store, title="Kain", status="active")
    create_product(store, title="Draf")
    client = store_client(store)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/products/kain</loc>" in sitemap and "/products/draf" not in sitemap
    assert "Sitemap: http://toko-uji.localhost/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


@pytest.mark.parametrize("query", ["sort=evil", "min=abc&max=--1", "page=-4", "opt=nocolon", "available=yes&vendor=",
                                   "page=99999", "opt=Ukuran:%3Cscript%3E"])
def test_malformed_filters_are_ignored(store, create_product, store_client, query):
    create_product(store, title="Kain", status="active")
    assert store_client(store).get(f"/collections/all?{query}").status_code == 200


def test_filters_work_without_javascript(store, create_product, store_client):
    create_product(store, title="Kemeja M", status="active", price=100_000_00,
                   options=[{"name": "Ukuran", "values": ["M"]}], vendor="Sari")
    create_product(store, title="Kemeja L", status="active", price=300_000_00,
                   options=[{"name": "Ukuran", "values": ["L"]}], vendor="Jaya")
    create_product(store, title="Habis", status="active", price=50_000_00, stock=0)
    client = store_client(store)

    def titles(query):
        html = client.get(f"/collections/all?{query}").get_data(as_text=True)
        return sorted(t for t in ("Kemeja M", "Kemeja L", "Habis") if f">{t}<" in html)

    assert titles("opt=Ukuran:M") == ["Kemeja M"]
    assert titles("min=150.000") == ["Kemeja L"]
    assert titles("available=1") == ["Kemeja L", "Kemeja M"]
    assert titles("vendor=Jaya") == ["Kemeja L"]
    html = client.get("/collections/all?sort=price-asc").get_data(as_text=True)
    assert html.index(">Habis<") < html.index(">Kemeja M<") < html.index(">Kemeja L<")


def test_filters_combine_inside_a_collection(store, create_product, store_client, ctx):
    both = [{"name": "Ukuran", "values": ["M", "L"]}, {"name": "Warna", "values": ["Merah", "Biru"]}]
    made = [
        create_product(store, title="Batik Merah", status="active", price=120_000_00, vendor="Sari", options=[
            {"name": "Ukuran", "values": ["M"]}, {"name": "Warna", "values": ["Merah"]}]),
        create_product(store, title="Batik Biru", status="active", price=180_000_00, vendor="JAYA", options=[
            {"name": "Ukuran", "values": ["L"]}, {"name": "Warna", "values": ["Biru"]}]),
        create_product(store, title="Batik Dua", status="active", price=200_000_00, vendor="Lain", options=both),
        create_product(store, title="Batik Mahal", status="active", price=900_000_00, vendor="Sari", options=both),
    ]
    create_product(store, title="Batik Luar", status="active", price=150_000_00, vendor="Sari", options=both)
    with ctx(store.id) as session:
        shelf = collections.save_collection(session.get(Tenant, store.id), None, title="Rak Batik")
        collections.add_products(shelf, [p.id for p in made])
        session.commit()
    client = store_client(store)

    def titles(path, query):
        html = client.get(f"{path}?{query}").get_data(as_text=True)
        return sorted(t for t in ("Batik Merah", "Batik Biru", "Batik Dua", "Batik Mahal", "Batik Luar")
                      if f">{t}<" in html)

    shelf_path = "/collections/rak-batik"
    assert titles(shelf_path, "") == ["Batik Biru", "Batik Dua", "Batik Mahal", "Batik Merah"]
    assert titles(shelf_path, "opt=Ukuran:M&opt=Warna:Merah") == ["Batik Dua", "Batik Mahal", "Batik Merah"]
    assert titles(shelf_path, "opt=Ukuran:L&opt=Ukuran:M&opt=Warna:Biru") == ["Batik Biru", "Batik Dua",
                                                                              "Batik Mahal"]
    assert titles(shelf_path, "vendor=sari&vendor=Jaya") == ["Batik Biru", "Batik Mahal", "Batik Merah"]
    assert titles(shelf_path, "vendor=Sari&max=500.000&opt=Warna:Merah") == ["Batik Merah"]
    assert titles(shelf_path, "min=150.000&max=500.000") == ["Batik Biru", "Batik Dua"]
    assert titles("/collections/all", "vendor=Sari&opt=Warna:Biru") == ["Batik Luar", "Batik Mahal"]
    many = "&".join(f"opt=Nama{n}:x" for n in range(10))  # more option names than the filter offers
    assert client.get(f"{shelf_path}?{many}").status_code == 200
    html = client.get(f"{shelf_path}?sort=price-desc&opt=Ukuran:M").get_data(as_text=True)
    assert html.index(">Batik Mahal<") < html.index(">Batik Dua<") < html.index(">Batik Merah<")


def test_a_collections_filter_offers_its_own_products_vendors_in_order_and_their_option_values(
        store, create_store, create_product, store_client, ctx):
    import re

    shown = [
        create_product(store, title="Satu", status="active", vendor="Sari", options=[
            {"name": "Ukuran", "values": ["M", "L"]}, {"name": "Warna", "values": ["Merah"]}]),
        create_product(store, title="Dua", status="active", vendor="Anyar", options=[
            {"name": "Ukuran", "values": ["L", "XL"]}]),
        create_product(store, title="Tiga", status="active", vendor="Melati"),
        create_product(store, title="Empat", status="active", vendor="Sari"),
        create_product(store, title="Konsep", status="draft", vendor="Draf", options=[
            {"name": "Bahan", "values": ["Sutra"]}]),
    ]
    outside = create_product(store, title="Luar", status="active", vendor="Bukan",
                             options=[{"name": "Pola", "values": ["Garis"]}])
    other = create_store()
    theirs = [create_product(other, title="Lain", status="active", vendor="Asing",
                             options=[{"name": "Ukuran", "values": ["S"]}]),
              create_product(other, title="Jauh", status="active", vendor="Jauh")]
    for owner, products in ((store, shown), (other, theirs)):  # a collection of the same slug in each store
        with ctx(owner.id) as session:
            shelf = collections.save_collection(session.get(Tenant, owner.id), None, title="Pilihan")
            collections.add_products(shelf, [p.id for p in products])
            session.commit()
    with ctx(store.id) as session:  # another collection of the store's own
        collections.add_products(collections.save_collection(session.get(Tenant, store.id), None, title="Lainnya"),
                                 [outside.id])
        session.commit()
    html = store_client(store).get("/collections/pilihan").get_data(as_text=True)

    assert re.findall(r'name="vendor" value="([^"]+)"', html) == ["Anyar", "Melati", "Sari"]
    assert re.findall(r'name="opt" value="([^"]+)"', html) == ["Ukuran:M", "Ukuran:L", "Ukuran:XL", "Warna:Merah"]
    theirs_html = store_client(other).get("/collections/pilihan").get_data(as_text=True)
    assert re.findall(r'name="vendor" value="([^"]+)"', theirs_html) == ["Asing", "Jauh"]
    assert re.findall(r'name="opt" value="([^"]+)"', theirs_html) == ["Ukuran:S"]
    everything = store_client(store).get("/collections/all").get_data(as_text=True)
    assert re.findall(r'name="vendor" value="([^"]+)"', everything) == ["Anyar", "Bukan", "Melati", "Sari"]
    assert "Pola:Garis" in everything and "Asing" not in everything and "Ukuran:S" not in everything


def test_collection_page_queries_do_not_grow_with_products(store, create_product, store_client, ctx, count_queries,
                                                          monkeypatch, app):
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)  # count the queries of a page that is built
    with ctx(store.id) as session:
        shelf = collections.save_collection(session.get(Tenant, store.id), None, title="Rak")
        session.commit()
        shelf_id = shelf.id
    client = store_client(store)

    def fill(n):
        made = [create_product(store, title=f"P{i}-{n}", status="active") for i in range(n)]
        with ctx(store.id) as session:
            collections.add_products(session.scalar(select(collections.Collection).where(
                collections.Collection.id == shelf_id)), [p.id for p in made])
            session.commit()

    fill(4)
    for _ in range(2):  # a worker reads a new host's store twice before it keeps it (tenants/hosts.py)
        client.get("/collections/rak")
    with count_queries() as few:
        assert client.get("/collections/rak").status_code == 200
    fill(44)
    client.get("/collections/rak")  # the store changed: its frame (look, menus, badges) is built again once
    with count_queries() as many:
        assert client.get("/collections/rak").status_code == 200
    assert len(many) == len(few)


def _draft_with(store, ctx, page, section_id, setting, value) -> int:
    """Save a draft of the minimal theme with one section setting changed; returns the owner's user id."""
    from saas.tenants.models import Membership

    with ctx(store.id) as session:
        owner_id = session.scalar(select(Membership.user_id).where(Membership.tenant_id == store.id))
        theme, data = look.start_draft("minimal")
        data["templates"][page]["sections"][section_id]["settings"][setting] = value
        look.save_draft(theme, data)
        session.commit()
    return owner_id


def test_draft_preview_needs_a_members_token(store, create_user, store_client, ctx, app):
    owner_id = _draft_with(store, ctx, "home", "hero", "heading", "Draf rahasia")
    with app.test_request_context():
        good = look.preview_token(store.id, owner_id)
        stranger = look.preview_token(store.id, create_user().id)
        other_store = look.preview_token(store.id + 1, owner_id)
    client = store_client(store)
    assert "Draf rahasia" not in client.get("/").get_data(as_text=True)
    previewed = client.get(f"/?preview={good}")
    assert "Draf rahasia" in previewed.get_data(as_text=True) and previewed.headers["X-Robots-Tag"] == "noindex"
    for token in (stranger, other_store, "nonsense", good[:-3] + "abc"):
        assert "Draf rahasia" not in client.get(f"/?preview={token}").get_data(as_text=True)


def _related_setup(store, create_product, ctx, n=3):
    made = [create_product(store, title=f"Tenun {i}", status="active") for i in range(n)]
    with ctx(store.id) as session:
        shelf = collections.save_collection(session.get(Tenant, store.id), None, title="Tenun")
        collections.add_products(shelf, [p.id for p in made])
        session.commit()
    return made


def test_related_products_come_after_the_page_from_their_own_url(store, create_product, store_client, ctx):
    main, *others = _related_setup(store, create_product, ctx)
    client = store_client(store)
    page = client.get(f"/products/{main.slug}").get_data(as_text=True)
    assert "Tenun 1" not in page  # the page is built without them
    url = re.search(r'data-recommendations="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url == f"/recommendations/products?product_id={main.id}&section_id=related"
    related = client.get(url)
    assert related.status_code == 200 and related.headers["X-Robots-Tag"] == "noindex"
    html = related.get_data(as_text=True)
    assert "Anda mungkin juga suka" in html and "<html" not in html
    assert all(f'href="/products/{p.slug}"' in html for p in others)
    assert f'href="/products/{main.slug}"' not in html
    assert "Disallow: /recommendations" in client.get("/robots.txt").get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "", "product_id=", "product_id=abc", "product_id=-1", "product_id=" + "9" * 40, "product_id=١٢", "section_id=related",
    "product_id={id}", "product_id={id}&section_id=main", "product_id={id}&section_id=nope",
    "product_id={id}&section_id[]=x", "product_id={id}&section_id=%3Cscript%3E", "product_id={draft}&section_id=related",
])
def test_recommendations_for_nothing_it_can_show_are_404s(store, create_product, store_client, ctx, query):
    main, _other = _related_setup(store, create_product, ctx, 2)
    draft = create_product(store, title="Draf")
    response = store_client(store).get("/recommendations/products?" + query.format(id=main.id, draft=draft.id))
    assert response.status_code == 404 and response.get_data(as_text=True) == ""


def test_a_hidden_related_section_is_not_served(store, create_product, store_client, ctx):
    main, _other = _related_setup(store, create_product, ctx, 2)
    with ctx(store.id) as session:
        theme, data = look.start_draft("minimal")
        data["templates"]["product"]["sections"]["related"]["disabled"] = True
        look.save_draft(theme, data)
        look.publish()
        session.commit()
    client = store_client(store)
    assert "data-recommendations" not in client.get(f"/products/{main.slug}").get_data(as_text=True)
    assert client.get(f"/recommendations/products?product_id={main.id}&section_id=related").status_code == 404


def test_recommendations_in_a_preview_show_the_draft(store, create_product, store_client, ctx, app):
    main, _other = _related_setup(store, create_product, ctx, 2)
    owner_id = _draft_with(store, ctx, "product", "related", "heading", "Pilihan <b>draf</b>")
    with app.test_request_context():
        token = look.preview_token(store.id, owner_id)
    client = store_client(store)
    url = f"/recommendations/products?product_id={main.id}&section_id=related"
    assert "Pilihan" not in client.get(url).get_data(as_text=True)
    previewed = client.get(f"{url}&preview={token}")
    assert "Pilihan &lt;b&gt;draf&lt;/b&gt;" in previewed.get_data(as_text=True)
    assert previewed.headers["Cache-Control"] == "no-store"
    assert "Pilihan" not in client.get(f"{url}&preview=nonsense").get_data(as_text=True)


def _shelf_with(ctx, store, product, description) -> int:
    """A collection called "Rak Sama" in `store` holding `product`; returns its id."""
    with ctx(store.id) as session:
        shelf = collections.save_collection(session.get(Tenant, store.id), None, title="Rak Sama",
                                            description_html=description)
        collections.add_products(shelf, [product.id])
        session.commit()
        return shelf.id


def test_a_collection_slug_and_a_sections_collection_never_reach_another_store(store, create_store, create_product,
                                                                                store_client, ctx):
    other = create_store(name="Toko Lain", slug="toko-lain")
    their_shelf_id = _shelf_with(ctx, other, create_product(other, title="Barang Mereka", status="active"),
                                 "<p>Rak milik toko lain</p>")
    _shelf_with(ctx, store, create_product(store, title="Barang Kami", status="active"), "<p>Rak kami</p>")
    client = store_client(store)
    page = client.get("/collections/rak-sama").get_data(as_text=True)
    assert "Rak kami" in page and "Barang Kami" in page
    assert "Rak milik toko lain" not in page and "Barang Mereka" not in page
    assert store_client(other).get("/collections/rak-sama").get_data(as_text=True).count("Barang Kami") == 0

    _draft_with(store, ctx, "home", "featured", "collection", str(their_shelf_id))
    with ctx(store.id) as session:
        look.publish()
        session.commit()
        assert look.published()[1]["templates"]["home"]["sections"]["featured"]["settings"]["collection"] == str(
            their_shelf_id)
    home = client.get("/")
    assert home.status_code == 200
    assert "Barang Mereka" not in home.get_data(as_text=True)  # another store's collection is no collection here


@pytest.mark.parametrize("vendor_filter", ["", "&vendor=Jaya"])  # a prepared read, and the ORM's (value lists)
def test_collection_pages_count_and_clamp_to_the_last_page(store, create_product, store_client, monkeypatch,
                                                            vendor_filter):
    from saas.storefront import listing

    monkeypatch.setattr(listing, "PER_PAGE", 2)
    for n in range(5):
        create_product(store, title=f"Kain{n}", status="active", vendor="Jaya")
    create_product(store, title="Kain Lain", status="active", vendor="Sari")
    client = store_client(store)
    total = 5 if vendor_filter else 6

    def shown(page):
        html = client.get(f"/collections/all?sort=title&page={page}{vendor_filter}").get_data(as_text=True)
        return re.findall(r'class="product-card__title">([^<]+)<', html), html

    titles, html = shown(2)  # the store speaks Indonesian; "Kain Lain" sorts first (a space before digits)
    assert titles == (["Kain2", "Kain3"] if vendor_filter else ["Kain1", "Kain2"])
    assert f"{total} produk" in html and "Halaman 2 dari 3" in html
    for past_the_end in (3, 4, 9999, 10_000, "9" * 30):
        titles, html = shown(past_the_end)
        assert titles == (["Kain4"] if vendor_filter else ["Kain3", "Kain4"]), past_the_end
        assert f"{total} produk" in html and "Halaman 3 dari 3" in html, past_the_end
    empty = client.get("/collections/all?vendor=Nobody&page=3").get_data(as_text=True)
    assert "0 produk" in empty and "product-card__title" not in empty
