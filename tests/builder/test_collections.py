"""Collections in the builder, through HTTP: the list, manual and automated collections, their products,
validation, deletion, and that nothing reaches another store's collections or products."""
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from saas.catalog import collections as collection_service
from saas.catalog import services as catalog
from saas.catalog.models import (
    Collection,
    CollectionKind,
    CollectionProduct,
    CollectionRule,
    Product,
    ProductStatus,
    SlugRedirect,
)
from saas.money import money_input
from saas.storage.models import MediaFile
from saas.tenants.models import Tenant
from tests.accounts.pages import error_fields, field_error, parse, value

BASE = "/stores/batik-sari/collections"


def form(**fields) -> dict:
    data = {"title": "Pilihan Lebaran", "slug": "", "description_html": "", "seo_title": "", "seo_description": "",
            "kind": "manual", "match": "all"}
    for index in range(3):
        data.update({f"rules-{index}-field": "", f"rules-{index}-relation": "equals", f"rules-{index}-value": "",
                     f"rules-{index}-stock": ""})
    data.update(fields)
    return data


def automated(*rules, **fields) -> dict:
    data = form(kind="automated", **fields)
    for index, (field, relation, val) in enumerate(rules):
        key = "stock" if field == "stock" else "value"
        data.update({f"rules-{index}-field": field, f"rules-{index}-relation": relation, f"rules-{index}-{key}": val})
    return data


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari")
    login(client, owner)
    return tenant


def checked(response, name: str) -> str | None:
    """The value of the checked radio button called `name`."""
    return next((attrs.get("value") for tag, attrs in parse(response).tags
                 if tag == "input" and attrs.get("name") == name and "checked" in attrs), None)


def collection_of(ctx, tenant, **where):
    with ctx(tenant.id) as session:
        statement = select(Collection)
        for key, val in where.items():
            statement = statement.where(getattr(Collection, key) == val)
        collection = session.scalar(statement)
        if collection is not None:
            collection.rules  # noqa: B018  (loaded before the context closes)
            session.expunge_all()
        return collection


def member_titles(ctx, tenant, collection_id) -> list[str]:
    with ctx(tenant.id) as session:
        collection = session.scalar(select(Collection).where(Collection.id == collection_id))
        return [p.title for p in collection_service.products_in(collection)]


def count(ctx, tenant, model) -> int:
    with ctx(tenant.id) as session:
        return session.scalar(select(func.count()).select_from(model))


def make_collection(ctx, tenant, title="Pilihan", products=(), **fields):
    with ctx(tenant.id) as session:
        store = session.get(Tenant, tenant.id)
        collection = collection_service.save_collection(store, None, title=title, **fields)
        if products:
            collection_service.add_products(collection, [p.id for p in products])
        session.commit()
        return collection.id


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 500), (150, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def multipart(client, url, data):
    return client.post(url, data=data, content_type="multipart/form-data")


# The list


def test_empty_list_invites_the_first_collection(client, store):
    page = client.get(BASE)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Group your products into collections" in text
    assert f'href="{BASE}/new"' in text and "Add collection" in text


def test_list_shows_title_kind_count_and_thumbnail(client, store, ctx, create_product):
    a, b = create_product(store, title="Kemeja"), create_product(store, title="Kain", tags="sale")
    make_collection(ctx, store, title="Pilihan", products=[a, b])
    make_collection(ctx, store, title="Sale", kind=CollectionKind.AUTOMATED,
                    rules=[{"field": "tag", "relation": "equals", "value": "sale"}])
    response = multipart(client, f"{BASE}/new", form(title="Dengan Gambar", image=(io.BytesIO(jpeg()), "batik.jpg")))
    assert response.status_code == 302
    text = client.get(BASE).get_data(as_text=True)
    rows = [t for t in text.split("<tr>")[2:]]
    assert [("Dengan Gambar" in r, "Pilihan" in r, "Sale" in r) for r in rows] == [
        (True, False, False), (False, True, False), (False, False, True)]
    assert "Manual" in rows[1] and ">2</td>" in rows[1]
    assert "Automated" in rows[2] and ">1</td>" in rows[2] and "Tag is equal to sale" in rows[2]
    assert "/media/" in rows[0] and "thumb-placeholder" in rows[1]


# Creating and editing


def test_merchant_creates_a_manual_collection(client, store, ctx):
    response = client.post(f"{BASE}/new", data=form(
        description_html="<p>Untuk <strong>Lebaran</strong></p><script>alert(1)</script>",
        seo_title="Batik untuk Lebaran", seo_description="Pilihan kami."))
    assert response.status_code == 302
    collection = collection_of(ctx, store, title="Pilihan Lebaran")
    assert response.headers["Location"].endswith(f"{BASE}/{collection.id}#products")
    assert collection.kind == CollectionKind.MANUAL and collection.slug == "pilihan-lebaran"
    assert collection.description_html == "<p>Untuk <strong>Lebaran</strong></p>"
    assert (collection.seo_title, collection.seo_description) == ("Batik untuk Lebaran", "Pilihan kami.")
    page = client.get(response.headers["Location"])
    assert "Pilihan Lebaran was added." in page.get_data(as_text=True)
    assert value(page, "title") == "Pilihan Lebaran" and checked(page, "kind") == "manual"


def test_merchant_creates_an_automated_collection(client, store, ctx, create_product):
    create_product(store, title="Murah Sale", price=50_000_00, tags="sale")
    create_product(store, title="Mahal Sale", price=500_000_00, tags="Sale")
    create_product(store, title="Murah Biasa", price=40_000_00)
    response = client.post(f"{BASE}/new", data=automated(("tag", "equals", "SALE"), ("price", "less_than", "100.000"),
                                                          title="Sale di bawah 100 ribu"))
    assert response.status_code == 302
    collection = collection_of(ctx, store, title="Sale di bawah 100 ribu")
    assert collection.kind == CollectionKind.AUTOMATED and collection.match_all
    assert [(r.field.value, r.relation.value, r.value) for r in collection.rules] == [
        ("tag", "equals", "SALE"), ("price", "less_than", str(100_000_00))]
    assert member_titles(ctx, store, collection.id) == ["Murah Sale"]
    assert collection.product_count == 1

    page = client.get(f"{BASE}/{collection.id}")
    # The price is shown back as the store writes amounts (as it could be typed again).
    assert value(page, "rules-1-value") == money_input(100_000_00, store.currency, store.locale)
    assert value(page, "rules-1-field") == "price" and value(page, "rules-1-relation") == "less_than"
    assert "Murah Sale" in page.get_data(as_text=True)
    assert "Add selected products" not in page.get_data(as_text=True)  # automated: no picking by hand


def test_any_condition_and_stock_rule(client, store, ctx, create_product):
    create_product(store, title="Habis", stock=0)
    create_product(store, title="Vendor", vendor="Batik Sari")
    create_product(store, title="Lain")
    response = client.post(f"{BASE}/new", data=automated(
        ("stock", "equals", "out"), ("vendor", "contains", "batik"), title="Campur", match="any"))
    assert response.status_code == 302
    collection = collection_of(ctx, store, title="Campur")
    assert not collection.match_all
    assert sorted(member_titles(ctx, store, collection.id)) == ["Habis", "Vendor"]
    page = client.get(f"{BASE}/{collection.id}")
    assert value(page, "rules-0-stock") == "out" and value(page, "rules-0-field") == "stock"
    assert (checked(page, "kind"), checked(page, "match")) == ("automated", "any")


def test_editing_keeps_a_301_from_the_old_slug(client, store, ctx):
    collection_id = make_collection(ctx, store, title="Lama")
    response = client.post(f"{BASE}/{collection_id}", data=form(title="Baru", slug="koleksi-baru"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/{collection_id}")
    collection = collection_of(ctx, store, id=collection_id)
    assert (collection.title, collection.slug) == ("Baru", "koleksi-baru")
    with ctx(store.id) as session:
        assert session.scalar(select(SlugRedirect.old_slug).where(SlugRedirect.target_id == collection_id)) == "lama"


@pytest.mark.parametrize(("data", "field", "message"), [
    (form(title=""), "title", "Give the collection a title."),
    (form(slug="Bukan Slug!"), "slug", "Use lowercase letters"),
    (form(seo_description="x" * 501), "seo_description", "Use at most 500 characters."),
    (automated(), "rules", "Add at least one condition"),
    (automated(("tag", "equals", "sale"), ("price", "less_than", "murah")), "rules-1", "Enter a whole amount"),
    (automated(("tag", "greater_than", "sale")), "rules-0", "Choose a condition from the list."),
    (automated(("vendor", "equals", "")), "rules-0", "Enter a value for this condition."),
])
def test_errors_keep_what_was_typed_and_save_nothing(client, store, ctx, data, field, message):
    data = dict(data, description_html=data["description_html"] or "<p>Deskripsi</p>", seo_title="Judul SEO")
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert error_fields(response) == {field}
    assert value(response, "seo_title") == "Judul SEO"
    assert value(response, "description_html").strip() == "<p>Deskripsi</p>"
    assert checked(response, "kind") == data["kind"]
    for index in range(3):
        assert value(response, f"rules-{index}-value") == data[f"rules-{index}-value"]
        assert value(response, f"rules-{index}-field") == data[f"rules-{index}-field"]
    assert count(ctx, store, Collection) == 0 and count(ctx, store, CollectionRule) == 0


def test_failed_edit_changes_nothing(client, store, ctx, create_product):
    cheap = create_product(store, title="Murah", price=10_000_00, tags="sale")
    collection_id = make_collection(ctx, store, title="Sale", kind=CollectionKind.AUTOMATED,
                                    rules=[{"field": "tag", "relation": "equals", "value": "sale"}])
    response = client.post(f"{BASE}/{collection_id}", data=automated(
        ("tag", "equals", "sale"), ("price", "less_than", "banyak"), title="Diganti", slug="diganti"))
    assert response.status_code == 200
    assert "Enter a whole amount" in field_error(response, "rules-1")
    assert value(response, "title") == "Diganti" and value(response, "rules-1-value") == "banyak"
    collection = collection_of(ctx, store, id=collection_id)
    assert (collection.title, collection.slug, len(collection.rules)) == ("Sale", "sale", 1)
    assert member_titles(ctx, store, collection_id) == [cheap.title]


def test_image_upload_and_rejection(client, store, ctx):
    response = multipart(client, f"{BASE}/new", form(image=(io.BytesIO(b"not an image"), "x.jpg")))
    assert response.status_code == 200
    assert "not an image" in field_error(response, "image")
    assert value(response, "title") == "Pilihan Lebaran"
    assert count(ctx, store, Collection) == 0 and count(ctx, store, MediaFile) == 0

    response = multipart(client, f"{BASE}/new", form(title="", image=(io.BytesIO(jpeg()), "batik.jpg")))
    assert response.status_code == 200 and "Give the collection a title." in field_error(response, "title")
    assert "Choose the file again" in response.get_data(as_text=True)
    assert count(ctx, store, MediaFile) == 0

    response = multipart(client, f"{BASE}/new", form(image=(io.BytesIO(jpeg()), "batik.jpg")))
    assert response.status_code == 302
    collection = collection_of(ctx, store, title="Pilihan Lebaran")
    with ctx(store.id) as session:
        media = session.scalar(select(MediaFile).where(MediaFile.id == collection.image_media_id))
        assert media.purpose == "collection" and media.original_name == "batik.jpg"
    page = client.get(f"{BASE}/{collection.id}")
    assert 'alt="Current image of Pilihan Lebaran"' in page.get_data(as_text=True)

    response = client.post(f"{BASE}/{collection.id}", data=form(remove_image="y"))
    assert response.status_code == 302
    assert collection_of(ctx, store, id=collection.id).image_media_id is None


# A manual collection's products


def test_search_and_add_products(client, store, ctx, create_product):
    kemeja = create_product(store, title="Kemeja Batik")
    kain = create_product(store, title="Kain Batik")
    create_product(store, title="Sandal")
    collection_id = make_collection(ctx, store, title="Batik")
    page = client.get(f"{BASE}/{collection_id}?q=batik").get_data(as_text=True)
    assert "Kemeja Batik" in page and "Kain Batik" in page and "Sandal" not in page
    response = client.post(f"{BASE}/{collection_id}/products", data={"product_ids": [kemeja.id, kain.id], "q": "batik"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/{collection_id}?q=batik#products")
    assert sorted(member_titles(ctx, store, collection_id)) == ["Kain Batik", "Kemeja Batik"]
    assert collection_of(ctx, store, id=collection_id).product_count == 2
    page = client.get(f"{BASE}/{collection_id}?q=batik")
    text = page.get_data(as_text=True)
    assert "Added 2 products." in text
    assert 'name="product_ids"' not in text  # both are in it now, so the search offers nothing
    assert "are all in this collection already" in text

    response = client.post(f"{BASE}/{collection_id}/products", data={})
    assert response.status_code == 302
    assert "Tick the products to add first." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_ids_no_store_can_have_are_skipped(client, store, ctx, create_product):
    kemeja = create_product(store, title="Kemeja Batik")
    collection_id = make_collection(ctx, store, title="Batik")
    huge = "9" * 20  # past the largest BIGINT: the driver would raise instead of finding nothing
    response = client.post(f"{BASE}/{collection_id}/products", data={"product_ids": [huge, kemeja.id, "١"]})
    assert response.status_code == 302 and member_titles(ctx, store, collection_id) == ["Kemeja Batik"]
    response = client.post(f"{BASE}/{collection_id}/products/order", json={"ids": [huge, str(kemeja.id)]})
    assert response.status_code == 200 and member_titles(ctx, store, collection_id) == ["Kemeja Batik"]


def test_remove_product(client, store, ctx, create_product):
    a, b = create_product(store, title="A"), create_product(store, title="B")
    collection_id = make_collection(ctx, store, products=[a, b])
    response = client.post(f"{BASE}/{collection_id}/products/{a.id}/remove")
    assert response.status_code == 302
    assert member_titles(ctx, store, collection_id) == ["B"]
    assert collection_of(ctx, store, id=collection_id).product_count == 1
    with ctx(store.id) as session:
        assert session.scalar(select(Product).where(Product.id == a.id)) is not None  # still in the store
    assert client.post(f"{BASE}/{collection_id}/products/{a.id}/remove").status_code == 404


def test_reorder_with_json(client, store, ctx, create_product):
    a, b, c = (create_product(store, title=t) for t in "ABC")
    collection_id = make_collection(ctx, store, products=[a, b, c])
    response = client.post(f"{BASE}/{collection_id}/products/order", json={"ids": [str(c.id), str(a.id), str(b.id)]})
    assert response.status_code == 200 and response.json["ok"]
    assert response.json["ids"] == [str(c.id), str(a.id), str(b.id)]
    assert member_titles(ctx, store, collection_id) == ["C", "A", "B"]
    assert client.post(f"{BASE}/{collection_id}/products/order", json={"nope": 1}).status_code == 400


def test_reorder_with_buttons(client, store, ctx, create_product):
    a, b, c = (create_product(store, title=t) for t in "ABC")
    collection_id = make_collection(ctx, store, products=[a, b, c])
    page = client.get(f"{BASE}/{collection_id}").get_data(as_text=True)
    assert f'formaction="{BASE}/{collection_id}/products/{c.id}/move"' in page
    response = client.post(f"{BASE}/{collection_id}/products/{c.id}/move", data={"do": "up"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#member-{c.id}")
    assert member_titles(ctx, store, collection_id) == ["A", "C", "B"]
    client.post(f"{BASE}/{collection_id}/products/{a.id}/move", data={"do": "down"})
    assert member_titles(ctx, store, collection_id) == ["C", "A", "B"]
    client.post(f"{BASE}/{collection_id}/products/{c.id}/move", data={"do": "up"})  # already first
    assert member_titles(ctx, store, collection_id) == ["C", "A", "B"]


def test_automated_collection_cannot_be_edited_by_hand(client, store, ctx, create_product):
    sale = create_product(store, title="Sale", tags="sale")
    other = create_product(store, title="Other")
    collection_id = make_collection(ctx, store, title="Sale", kind=CollectionKind.AUTOMATED,
                                    rules=[{"field": "tag", "relation": "equals", "value": "sale"}])
    client.post(f"{BASE}/{collection_id}/products", data={"product_ids": [other.id]})
    client.post(f"{BASE}/{collection_id}/products/{sale.id}/remove")
    assert client.post(f"{BASE}/{collection_id}/products/order", json={"ids": [sale.id]}).status_code == 409
    assert member_titles(ctx, store, collection_id) == ["Sale"]


def test_automated_collection_follows_product_changes(client, store, ctx, create_product):
    product = create_product(store, title="Kemeja", price=80_000_00, tags="pria")
    response = client.post(f"{BASE}/new", data=automated(("tag", "equals", "sale"), title="Sale"))
    collection_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert member_titles(ctx, store, collection_id) == []
    with ctx(store.id) as session:
        tenant = session.get(Tenant, store.id)
        changed = session.scalar(select(Product).where(Product.id == product.id))
        catalog.update_product(changed, tenant=tenant, title="Kemeja", slug=changed.slug, description_html="",
                               status=ProductStatus.ACTIVE, vendor="", seo_title="", seo_description="",
                               tags="pria, sale")
        session.commit()
    assert member_titles(ctx, store, collection_id) == ["Kemeja"]
    page = client.get(f"{BASE}/{collection_id}").get_data(as_text=True)
    assert "Kemeja" in page and "1 product" in page
    create_product(store, title="Baru", tags="sale")
    assert sorted(member_titles(ctx, store, collection_id)) == ["Baru", "Kemeja"]
    assert ">2</td>" in client.get(BASE).get_data(as_text=True)


def test_switching_kind(client, store, ctx, create_product):
    sale = create_product(store, title="Sale", tags="sale")
    plain = create_product(store, title="Plain")
    collection_id = make_collection(ctx, store, title="Koleksi", products=[plain])
    client.post(f"{BASE}/{collection_id}", data=automated(("tag", "equals", "sale"), title="Koleksi"))
    assert member_titles(ctx, store, collection_id) == [sale.title]
    client.post(f"{BASE}/{collection_id}", data=form(title="Koleksi"))
    collection = collection_of(ctx, store, id=collection_id)
    assert collection.kind == CollectionKind.MANUAL and collection.rules == []
    assert member_titles(ctx, store, collection_id) == [sale.title]  # kept, now to edit by hand


# Deleting


def test_delete_asks_then_deletes(client, store, ctx, create_product):
    product = create_product(store, title="Tetap")
    collection_id = make_collection(ctx, store, title="Hapus Saya", products=[product])
    page = client.get(f"{BASE}/{collection_id}/delete")
    assert page.status_code == 200
    assert "Delete Hapus Saya?" in page.get_data(as_text=True)
    assert collection_of(ctx, store, id=collection_id) is not None
    response = client.post(f"{BASE}/{collection_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(BASE)
    assert collection_of(ctx, store, id=collection_id) is None
    assert count(ctx, store, CollectionProduct) == 0 and count(ctx, store, Product) == 1
    assert "Hapus Saya was deleted." in client.get(BASE).get_data(as_text=True)
    assert client.get(f"{BASE}/{collection_id}").status_code == 404


# Other stores


@pytest.fixture
def other_store(create_store, create_product, ctx):
    """Another merchant's store with a manual collection holding one product."""
    tenant = create_store(name="Kopi Kenangan", slug="kopi")
    product = create_product(tenant, title="Kopi Susu")
    collection_id = make_collection(ctx, tenant, title="Kopi Pilihan", products=[product])
    return tenant, collection_id, product


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "{c}"), ("POST", "{c}"), ("GET", "{c}/delete"), ("POST", "{c}/delete"), ("POST", "{c}/products"),
    ("POST", "{c}/products/{p}/remove"), ("POST", "{c}/products/{p}/move"), ("POST", "{c}/products/order"),
])
def test_another_stores_collection_is_404(client, store, other_store, ctx, method, path):
    tenant, collection_id, product = other_store
    url = f"{BASE}/" + path.format(c=collection_id, p=product.id)
    payload = {"json": {"ids": [product.id]}} if path.endswith("order") else {"data": form(title="Hacked")}
    response = client.open(url, method=method, **payload)
    assert response.status_code == 404
    assert "Kopi" not in response.get_data(as_text=True)
    collection = collection_of(ctx, tenant, id=collection_id)
    assert collection.title == "Kopi Pilihan"
    assert member_titles(ctx, tenant, collection_id) == ["Kopi Susu"]


def test_another_stores_products_cannot_be_added(client, store, other_store, ctx, create_product):
    _, _, theirs = other_store
    mine = create_product(store, title="Batik")
    collection_id = make_collection(ctx, store, title="Campur")
    client.post(f"{BASE}/{collection_id}/products", data={"product_ids": [theirs.id, mine.id]})
    assert member_titles(ctx, store, collection_id) == ["Batik"]
    assert client.post(f"{BASE}/{collection_id}/products/{theirs.id}/remove").status_code == 404
    assert client.post(f"{BASE}/{collection_id}/products/{theirs.id}/move", data={"do": "up"}).status_code == 404
    page = client.get(f"{BASE}/{collection_id}?q=kopi").get_data(as_text=True)
    assert "Kopi Susu" not in page
    assert "Kopi Pilihan" not in client.get(BASE).get_data(as_text=True)


# Escaping


def test_html_in_text_fields_is_escaped_or_sanitized(client, store, ctx, create_product):
    evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    create_product(store, title=f"Produk {evil}", tags="sale")
    response = client.post(f"{BASE}/new", data=automated(
        ("tag", "equals", "sale"), ("vendor", "equals", evil), title=f"Koleksi {evil}", match="any",
        description_html=f"<p>Aman</p>{evil}", seo_title=evil, seo_description=evil))
    assert response.status_code == 302
    collection = collection_of(ctx, store, title=f"Koleksi {evil}")
    assert "<script" not in collection.description_html and "onerror" not in collection.description_html
    for url in (BASE, f"{BASE}/{collection.id}", f"{BASE}/{collection.id}/delete"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    # An error page echoes the typed text escaped too.
    response = client.post(f"{BASE}/new", data=form(title="", seo_title=evil))
    assert "<script>alert(1)" not in response.get_data(as_text=True)
    assert value(response, "seo_title") == evil
    assert parse(response).texts  # parsed without trouble
