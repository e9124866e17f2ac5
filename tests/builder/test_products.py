"""Products in the builder, through HTTP: the list, the editor, variants, images, stock and bulk actions."""
import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from saas.catalog.models import InventoryAdjustment, Product, ProductImage, ProductStatus, SlugRedirect, Variant
from tests.accounts.pages import error_fields, field_error, value

BASE = "/stores/batik-sari/products"
NEW = {
    "title": "Kemeja Batik Parang",
    "description_html": "<p>Katun <strong>halus</strong></p><script>alert(1)</script>",
    "status": "active",
    "vendor": "Batik Sari",
    "tags": "batik, pria",
    "price": "150.000",
    "compare_at_price": "",
    "cost": "90.000",
    "sku": "KMJ-001",
    "barcode": "",
    "weight_grams": "250",
    "stock": "12",
    "track_stock": "y",
    "low_stock_threshold": "",
    "slug": "",
    "seo_title": "",
    "seo_description": "",
}


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id")
    login(client, owner)
    return tenant


def product_of(ctx, tenant, **where):
    with ctx(tenant.id) as session:
        statement = select(Product)
        for key, val in where.items():
            statement = statement.where(getattr(Product, key) == val)
        product = session.scalar(statement)
        if product is not None:
            product.variants, product.tags, product.images  # noqa: B018  (loaded before the context closes)
            session.expunge_all()
        return product


def jpeg(color=(30, 60, 120), size=(600, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def multipart(client, url, data):
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_merchant_adds_a_simple_product(client, store, ctx):
    assert "field--error" not in client.get(f"{BASE}/new").get_data(as_text=True)
    response = client.post(f"{BASE}/new", data=NEW)
    assert response.status_code == 302
    product = product_of(ctx, store, title="Kemeja Batik Parang")
    assert response.headers["Location"].endswith(f"{BASE}/{product.id}")
    assert product.slug == "kemeja-batik-parang"
    assert product.description_html == "<p>Katun <strong>halus</strong></p>"
    assert product.tags == ["batik", "pria"] and product.status == ProductStatus.ACTIVE
    [variant] = product.variants
    assert (variant.price, variant.cost, variant.sku, variant.weight_grams, variant.stock) == (
        15_000_000, 9_000_000, "KMJ-001", 250, 12)
    page = client.get(response.headers["Location"])
    assert value(page, "price") == "150.000"  # shown back the way it was typed, in the store's locale


def test_new_product_with_options_makes_the_matrix(client, store, ctx):
    data = {**NEW, "option_0_name": "Ukuran", "option_0_values": "S, M, L", "option_1_name": "Warna",
            "option_1_values": "Biru, Merah", "sku": ""}
    assert client.post(f"{BASE}/new", data=data).status_code == 302
    product = product_of(ctx, store, title="Kemeja Batik Parang")
    assert len(product.variants) == 6
    assert {v.stock for v in product.variants} == {12}
    page = client.get(f"{BASE}/{product.id}").get_data(as_text=True)
    assert "6 variants" in page and "S / Biru" in page


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": ""}, "title", "Give the product a title."),
        ({"price": "-5"}, "price", "Enter an amount of zero or more."),
        ({"price": "abc"}, "price", "Enter a whole amount, such as 150.000."),
        ({"price": ""}, "price", "Enter a price, such as 150.000."),
        ({"compare_at_price": "100.000"}, "compare_at_price", "higher than the price"),
        ({"stock": "-1"}, "stock", "Enter zero or more."),
        ({"stock": "lots"}, "stock", "Enter a whole number"),
        ({"stock": "9" * 30}, "stock", "enter at most 10000000"),
        ({"low_stock_threshold": "9" * 30}, "low_stock_threshold", "Enter a number up to 10,000,000."),
        ({"slug": "Not A Slug!"}, "slug", "lowercase letters"),
        ({"option_0_name": "Ukuran", "option_0_values": "S, M, s"}, "option_0_name", "listed twice"),
        ({"option_0_name": "", "option_0_values": "S, M"}, "option_0_name", "Give this option a name"),
    ],
)
def test_bad_input_is_answered_beside_the_field_and_nothing_is_saved(client, store, ctx, changes, field, message):
    response = client.post(f"{BASE}/new", data={**NEW, **changes})
    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert value(response, "title") == changes.get("title", NEW["title"])  # what was typed stays
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 0


def test_duplicate_sku_is_refused(client, store, create_product, ctx):
    from saas.catalog.services import VariantValues

    create_product(store, default_variant=VariantValues(price=100, sku="KMJ-001"))
    response = client.post(f"{BASE}/new", data={**NEW, "sku": "kmj-001"})
    assert "already has SKU" in field_error(response, "sku")
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 1


def test_editing_the_slug_keeps_a_redirect_and_a_clash_is_suffixed(client, store, create_product, ctx):
    create_product(store, title="Kain Sutra")
    product = create_product(store, title="Kemeja")
    data = {**NEW, "title": "Kemeja", "slug": "kain-sutra", "sku": ""}
    assert client.post(f"{BASE}/{product.id}", data=data).status_code == 302
    assert product_of(ctx, store, id=product.id).slug == "kain-sutra-2"
    with ctx(store.id) as session:
        assert session.scalar(select(SlugRedirect.target_id).where(SlugRedirect.old_slug == "kemeja")) == product.id


def test_edit_errors_save_nothing_half_way(client, store, create_product, ctx):
    product = create_product(store, title="Kemeja", price=100_000_00)
    data = {**NEW, "title": "Renamed", "compare_at_price": "1.000", "sku": ""}
    response = client.post(f"{BASE}/{product.id}", data=data)
    assert response.status_code == 200 and "compare_at_price" in error_fields(response)
    assert value(response, "title") == "Renamed"
    assert product_of(ctx, store, id=product.id).title == "Kemeja"


def test_one_variant_row_saves_as_json(client, store, create_product, ctx):
    product = create_product(store, options=[{"name": "Ukuran", "values": ["S", "M"]}])
    variant = product.variants[1]
    prefix = f"v{variant.id}-"
    data = {f"{prefix}price": "175.000", f"{prefix}compare_at_price": "200.000", f"{prefix}cost": "",
            f"{prefix}sku": "KMJ-M", f"{prefix}barcode": "899", f"{prefix}weight_grams": "300",
            f"{prefix}stock": "7", f"{prefix}track_stock": "y", f"{prefix}low_stock_threshold": "2",
            f"{prefix}image_id": ""}
    url = f"{BASE}/{product.id}/variants/{variant.id}"
    answer = client.post(url, data=data, headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json["ok"] and answer.json["variant"]["price"] == "175.000"
    with ctx(store.id) as session:
        saved = session.get(Variant, (store.id, variant.id))
        assert (saved.price, saved.compare_at_price, saved.sku, saved.stock) == (17_500_000, 20_000_000, "KMJ-M", 7)
        assert session.scalar(select(InventoryAdjustment.delta).where(InventoryAdjustment.variant_id == variant.id)
                              .order_by(InventoryAdjustment.created_at.desc()).limit(1)) == -3
    bad = client.post(url, data={**data, f"{prefix}price": "-1", f"{prefix}sku": "KMJ-M"},
                      headers={"Accept": "application/json"})
    assert bad.json["ok"] is False and "price" in bad.json["errors"]
    # Without a script the row posts normally and the page comes back with the error in that row.
    page = client.post(url, data={**data, f"{prefix}compare_at_price": "1"})
    assert page.status_code == 200 and "higher than the price" in page.get_data(as_text=True)


def test_options_change_regenerates_the_matrix(client, store, create_product, ctx):
    product = create_product(store, options=[{"name": "Ukuran", "values": ["S", "M"]}])
    data = {"option_0_name": "Ukuran", "option_0_values": "M, L", "option_1_name": "Warna", "option_1_values": "Biru"}
    assert client.post(f"{BASE}/{product.id}/options", data=data).status_code == 302
    assert [v.title for v in product_of(ctx, store, id=product.id).variants] == ["M / Biru", "L / Biru"]
    too_many = {"option_0_name": "A", "option_0_values": ",".join(str(i) for i in range(11)),
                "option_1_name": "B", "option_1_values": ",".join(str(i) for i in range(10))}
    response = client.post(f"{BASE}/{product.id}/options", data=too_many)
    assert "the limit is 100" in response.get_data(as_text=True)


def test_images_upload_reorder_alt_and_remove(client, store, create_product, ctx):
    product = create_product(store)
    url = f"{BASE}/{product.id}/images"
    response = multipart(client, url, {
        "images": [FileStorage(io.BytesIO(jpeg((200, 30, 30))), "merah.jpg", content_type="image/jpeg"),
                   FileStorage(io.BytesIO(jpeg((30, 30, 200))), "biru.jpg", content_type="image/jpeg")],
        "alt": "Kemeja",
    })
    assert response.status_code == 302
    first, second = product_of(ctx, store, id=product.id).images
    with ctx(store.id) as session:
        from saas.storage.models import MediaFile

        media = session.get(MediaFile, (store.id, first.media_id))
        assert set(media.renditions) == {"webp", "jpg"} and set(media.renditions["webp"]) == {"160", "480", "600"}
    answer = client.post(f"{url}/order", json={"ids": [str(second.id), str(first.id)]})
    assert answer.json["ids"] == [str(second.id), str(first.id)]
    client.post(f"{url}/{first.id}", data={"do": "up"})
    client.post(f"{url}/{first.id}", data={"do": "alt", "alt": "Depan <b>"})
    images = product_of(ctx, store, id=product.id).images
    assert [i.id for i in images] == [first.id, second.id] and images[0].alt == "Depan <b>"
    page = client.get(f"{BASE}/{product.id}").get_data(as_text=True)
    assert 'alt="Depan &lt;b&gt;"' in page
    client.post(f"{url}/{second.id}", data={"do": "remove"})
    assert [i.id for i in product_of(ctx, store, id=product.id).images] == [first.id]


def test_a_file_that_is_not_an_image_is_refused(client, store, create_product, ctx):
    product = create_product(store)
    response = multipart(client, f"{BASE}/{product.id}/images", {
        "images": FileStorage(io.BytesIO(b"%PDF-1.4 not an image"), "foto.jpg", content_type="image/jpeg")})
    assert response.status_code == 200 and "not an image" in field_error(response, "images")
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(ProductImage)) == 0


def test_an_upload_over_the_limit_is_refused(client, store, create_product, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    product = create_product(store)
    response = multipart(client, f"{BASE}/{product.id}/images", {
        "images": FileStorage(io.BytesIO(jpeg(size=(800, 800)) + b"\0" * 2000), "big.jpg", content_type="image/jpeg")})
    assert "larger than" in field_error(response, "images")


def test_stock_adjustment_is_recorded_with_reason(client, store, create_product, ctx, owner):
    product = create_product(store, stock=5)
    variant_id = product.variants[0].id
    response = client.post(f"{BASE}/{product.id}/stock", data={"variant_id": str(variant_id), "change": "10",
                                                              "reason": "received", "note": "PO-7"})
    assert response.status_code == 302
    page = client.get(f"{BASE}/{product.id}").get_data(as_text=True)
    assert "+10" in page and "Received" in page and "PO-7" in page and owner.name in page
    refused = client.post(f"{BASE}/{product.id}/stock", data={"variant_id": str(variant_id), "change": "-99",
                                                             "reason": "damaged"})
    assert "below zero" in field_error(refused, "change")
    with ctx(store.id) as session:
        assert session.get(Variant, (store.id, variant_id)).stock == 15


def test_list_searches_filters_and_sorts(client, store, create_product, ctx):
    from saas.catalog.services import VariantValues

    create_product(store, title="Kemeja Biru", price=200_000_00, tags="pria", vendor="Sari",
                   default_variant=VariantValues(price=200_000_00, sku="KB-1", barcode="8991"))
    create_product(store, title="Selendang", price=90_000_00, stock=0)
    create_product(store, title="Tas Anyam", price=120_000_00, stock=2, status="active")

    def titles(query):
        html = client.get(f"{BASE}?{query}").get_data(as_text=True)
        return [t for t in ("Kemeja Biru", "Selendang", "Tas Anyam") if t in html]

    assert titles("q=kemeja") == ["Kemeja Biru"]
    assert titles("q=kb-1") == ["Kemeja Biru"] and titles("q=8991") == ["Kemeja Biru"]
    assert titles("q=PRIA") == ["Kemeja Biru"]
    assert titles("stock=out") == ["Selendang"]
    assert titles("stock=low") == ["Tas Anyam"]
    assert titles("status=active") == ["Tas Anyam"]
    assert titles("vendor=sari") == ["Kemeja Biru"]
    html = client.get(f"{BASE}?sort=price&direction=asc").get_data(as_text=True)
    assert html.index("Selendang") < html.index("Tas Anyam") < html.index("Kemeja Biru")
    assert client.get(f"{BASE}?sort=evil&direction=sideways&page=-3&collection=x").status_code == 200
    assert titles("collection=99999999999999999999") == titles("") == titles("collection=%D9%A1")  # past MAX_ID; "١"


def test_list_pages_with_a_fixed_number_of_queries(client, store, create_product, count_queries):
    for n in range(3):
        create_product(store, title=f"P{n}")
    client.get(BASE)
    with count_queries() as few:
        client.get(BASE)
    for n in range(3, 12):
        create_product(store, title=f"P{n}")
    with count_queries() as many:
        client.get(BASE)
    assert len(many) == len(few)  # no query per product row


def test_bulk_actions(client, store, create_product, ctx):
    a, b, c = (create_product(store, title=t) for t in ("A", "B", "C"))
    ids = [str(a.id), str(b.id)]
    assert client.post(f"{BASE}/bulk", data={"action": "activate", "product_ids": ids}).status_code == 302
    assert client.post(f"{BASE}/bulk", data={"action": "add_tag", "tag": "Promo", "product_ids": ids}).status_code == 302
    assert product_of(ctx, store, id=a.id).tags == ["Promo"]
    assert product_of(ctx, store, id=b.id).status == ProductStatus.ACTIVE
    client.post(f"{BASE}/bulk", data={"action": "remove_tag", "tag": "promo", "product_ids": [str(a.id)]})
    assert product_of(ctx, store, id=a.id).tags == []
    confirm = client.post(f"{BASE}/bulk", data={"action": "delete", "product_ids": ids})
    assert confirm.status_code == 200 and "Delete 2 products?" in confirm.get_data(as_text=True)
    assert product_of(ctx, store, id=a.id) is not None  # nothing gone before the confirmation
    client.post(f"{BASE}/bulk", data={"action": "delete", "confirmed": "yes", "product_ids": ids})
    with ctx(store.id) as session:
        assert session.scalars(select(Product.title)).all() == ["C"]


def test_bulk_actions_skip_ids_no_store_can_have(client, store, create_product, ctx):
    a = create_product(store, title="A")
    huge = "9" * 20  # past the largest BIGINT: the driver would raise instead of finding nothing
    assert client.post(f"{BASE}/bulk", data={"action": "activate", "product_ids": [huge, str(a.id)]}).status_code == 302
    assert product_of(ctx, store, id=a.id).status == ProductStatus.ACTIVE
    confirm = client.post(f"{BASE}/bulk", data={"action": "delete", "product_ids": [huge, str(a.id)]})
    assert confirm.status_code == 200 and "Delete 1 product?" in confirm.get_data(as_text=True)


def test_bulk_delete_confirmation_does_not_list_another_stores_products(client, store, create_store, create_product):
    other = create_store()
    secret = create_product(other, title="Rahasia Toko Lain")
    mine = create_product(store, title="Punyaku")
    confirm = client.post(f"{BASE}/bulk", data={"action": "delete", "product_ids": [str(secret.id), str(mine.id)]})
    assert "Rahasia" not in confirm.get_data(as_text=True)
    client.post(f"{BASE}/bulk", data={"action": "delete", "confirmed": "yes", "product_ids": [str(secret.id)]})
    client.post(f"{BASE}/bulk", data={"action": "archive", "product_ids": [str(secret.id)]})
    assert "Rahasia Toko Lain" not in client.get(f"{BASE}?q=Rahasia").get_data(as_text=True)


def test_no_product_url_reaches_another_store(client, store, create_store, create_product, ctx):
    other = create_store()
    theirs = create_product(other, title="Milik Orang", options=[{"name": "Ukuran", "values": ["S"]}])
    variant_id = theirs.variants[0].id
    urls = [
        ("get", f"{BASE}/{theirs.id}"),
        ("post", f"{BASE}/{theirs.id}"),
        ("post", f"{BASE}/{theirs.id}/options"),
        ("post", f"{BASE}/{theirs.id}/collections"),
        ("post", f"{BASE}/{theirs.id}/variants/{variant_id}"),
        ("post", f"{BASE}/{theirs.id}/images"),
        ("post", f"{BASE}/{theirs.id}/images/order"),
        ("post", f"{BASE}/{theirs.id}/images/1"),
        ("post", f"{BASE}/{theirs.id}/stock"),
        ("post", f"{BASE}/{theirs.id}/delete"),
        ("get", f"/stores/{other.slug}/products/{theirs.id}"),
    ]
    for method, url in urls:
        assert getattr(client, method)(url, data={"title": "x"}).status_code == 404, url
    mine = create_product(store)
    assert client.post(f"{BASE}/{mine.id}/variants/{variant_id}", data={}).status_code == 404
    assert product_of(ctx, other, id=theirs.id).title == "Milik Orang"


def test_script_in_text_fields_is_escaped(client, store, ctx):
    data = {**NEW, "title": "<script>alert(1)</script>", "vendor": "<img src=x onerror=alert(1)>", "tags": "<b>x</b>"}
    client.post(f"{BASE}/new", data=data)
    html = client.get(BASE).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_low_stock_threshold_setting_moves_products(client, store, create_product, ctx):
    create_product(store, title="Tiga", stock=3)
    assert "Tiga" in client.get(f"{BASE}?stock=low").get_data(as_text=True)  # default threshold 5
    from tests.builder.test_settings import SETTINGS

    client.post("/stores/batik-sari/settings", data={**SETTINGS, "currency": "IDR", "low_stock_threshold": "2"})
    assert "Tiga" not in client.get(f"{BASE}?stock=low").get_data(as_text=True)
    assert "Tiga" in client.get(f"{BASE}?stock=in_stock").get_data(as_text=True)


def test_editor_sets_manual_collections_and_leaves_automated_ones(client, store, create_product, ctx):
    from saas.catalog import collections
    from saas.catalog.models import CollectionKind
    from saas.tenants.models import Tenant

    product = create_product(store, title="Kemeja", tags="pria")
    with ctx(store.id) as session:
        tenant = session.get(Tenant, store.id)
        first = collections.save_collection(tenant, None, title="Pilihan")
        second = collections.save_collection(tenant, None, title="Baru")
        auto = collections.save_collection(tenant, None, title="Pria", kind=CollectionKind.AUTOMATED,
                                           rules=[{"field": "tag", "relation": "equals", "value": "pria"}])
        collections.add_products(second, [product.id])
        session.commit()
        ids = first.id, second.id, auto.id
    page = client.get(f"{BASE}/{product.id}").get_data(as_text=True)
    assert "Pilihan" in page and "Automated collections follow their conditions." in page
    response = client.post(f"{BASE}/{product.id}/collections", data={"collection_ids": [str(ids[0]), str(ids[2])]})
    assert response.status_code == 302
    with ctx(store.id) as session:
        product_row = session.get(Product, (store.id, product.id))
        assert set(collections.collections_of(product_row)) == {ids[0], ids[2]}  # auto kept, "Baru" left
