"""CSV export and import of products, through HTTP and the jobs: formats, the dry run, confirmation and bad files."""
import csv
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from saas.catalog import transfers
from saas.catalog.models import (
    AdjustmentReason,
    CatalogTransfer,
    InventoryAdjustment,
    Product,
    ProductStatus,
    TransferStatus,
    Variant,
)

DATA = Path(__file__).parent / "data"
HEADER = ",".join(transfers.ETALASE_COLUMNS)


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id")
    login(client, owner)
    return tenant


def base(tenant) -> str:
    return f"/stores/{tenant.slug}/products"


def etalase_csv(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=transfers.ETALASE_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def upload(client, tenant, data: bytes, filename="products.csv"):
    # encode_multipart: the test client's own encoder spools a large body to a temporary file it doesn't close.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename, content_type="text/csv")})
    return client.post(f"{base(tenant)}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def transfer_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def get_transfer(ctx, tenant, transfer_id) -> CatalogTransfer:
    with ctx(tenant.id) as session:
        transfer = session.scalar(select(CatalogTransfer).where(CatalogTransfer.id == transfer_id))
        session.expunge_all()
        return transfer


def check(client, ctx, tenant, run_jobs, data: bytes) -> CatalogTransfer:
    """Upload a file and run the dry run; returns the checked transfer."""
    transfer_id = transfer_id_of(upload(client, tenant, data))
    run_jobs()
    return get_transfer(ctx, tenant, transfer_id)


def confirm(client, ctx, tenant, run_jobs, transfer_id) -> CatalogTransfer:
    response = client.post(f"{base(tenant)}/transfers/{transfer_id}/apply")
    assert response.status_code == 302
    run_jobs()
    return get_transfer(ctx, tenant, transfer_id)


def products(ctx, tenant) -> dict:
    """Every product of the store as plain data, keyed by slug."""
    with ctx(tenant.id) as session:
        result = {}
        for product in session.scalars(select(Product)):
            result[product.slug] = {
                "title": product.title, "status": ProductStatus(product.status).value, "vendor": product.vendor,
                "description_html": product.description_html, "tags": sorted(product.tags), "options": product.options,
                "seo_title": product.seo_title, "price_min": product.price_min, "total_stock": product.total_stock,
                "images": [(i.alt, i.media.original_name) for i in product.images],
                "variants": [
                    {"title": v.title, "sku": v.sku, "price": v.price, "compare_at_price": v.compare_at_price,
                     "cost": v.cost, "stock": v.stock, "track_stock": v.track_stock, "barcode": v.barcode,
                     "allow_backorder": v.allow_backorder, "weight_grams": v.weight_grams, "image_id": v.image_id}
                    for v in product.variants
                ],
            }
        return result


def ledger(ctx, tenant) -> list:
    with ctx(tenant.id) as session:
        return [(e.reason.value, e.delta, e.quantity_after) for e in session.scalars(
            select(InventoryAdjustment).order_by(InventoryAdjustment.created_at, InventoryAdjustment.id))]


def export_csv(client, ctx, tenant, run_jobs, **filters) -> str:
    response = client.post(f"{base(tenant)}/export", data=filters)
    transfer_id = transfer_id_of(response)
    run_jobs()
    transfer = get_transfer(ctx, tenant, transfer_id)
    assert transfer.status == TransferStatus.DONE, transfer.error
    download = client.get(f"{base(tenant)}/transfers/{transfer_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    return download.get_data().decode("utf-8-sig")


def jpeg(color=(200, 40, 40), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


# Export


def test_export_all_products_as_csv(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Kemeja Batik", price=150_000_00, stock=7, default_variant=None)
    create_product(store, title="Kaos Polos", options=[{"name": "Ukuran", "values": ["S", "M"]}], price=89_000_00,
                   stock=3)

    text = export_csv(client, ctx, store, run_jobs)

    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["handle"] for r in rows] == ["kaos-polos", "kaos-polos", "kemeja-batik"]
    kaos = rows[0]
    assert kaos["title"] == "Kaos Polos" and kaos["option1_name"] == "Ukuran" and kaos["option1_value"] == "S"
    assert kaos["price"] == "89.000" and kaos["stock"] == "3"
    assert rows[1]["title"] == "" and rows[1]["option1_value"] == "M"
    assert rows[2]["price"] == "150.000" and rows[2]["option1_name"] == ""


def test_export_only_the_filtered_products(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Kemeja Aktif", status=ProductStatus.ACTIVE)
    create_product(store, title="Kemeja Draf")
    create_product(store, title="Celana Aktif", status=ProductStatus.ACTIVE)

    text = export_csv(client, ctx, store, run_jobs, status="active", q="kemeja")

    assert [r["handle"] for r in csv.DictReader(io.StringIO(text))] == ["kemeja-aktif"]


def test_export_ignores_a_collection_id_no_store_can_have(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Kemeja Aktif", status=ProductStatus.ACTIVE)

    text = export_csv(client, ctx, store, run_jobs, collection="99999999999999999999")

    assert [r["handle"] for r in csv.DictReader(io.StringIO(text))] == ["kemeja-aktif"]


def test_export_page_shows_progress_then_the_download(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Kemeja")
    transfer_id = transfer_id_of(client.post(f"{base(store)}/export", data={}))

    waiting = client.get(f"{base(store)}/transfers/{transfer_id}")
    assert waiting.status_code == 200
    assert b"<progress" in waiting.data and b"Refresh" in waiting.data
    progress = client.get(f"{base(store)}/transfers/{transfer_id}/progress").get_json()
    assert progress["status"] == "queued" and progress["running"] is True
    assert client.get(f"{base(store)}/transfers/{transfer_id}/download").status_code == 404

    run_jobs()
    done = client.get(f"{base(store)}/transfers/{transfer_id}")
    assert b"Download CSV" in done.data and b"<progress" not in done.data
    assert client.get(f"{base(store)}/transfers/{transfer_id}/progress").get_json() == {
        "status": "done", "label": "Done", "percent": 100, "processed": 1, "total": 1, "running": False}


def test_another_store_cannot_download_an_export(client, store, ctx, run_jobs, create_product, create_user,
                                                 create_store, login, app):
    create_product(store, title="Rahasia")
    transfer_id = transfer_id_of(client.post(f"{base(store)}/export", data={}))
    run_jobs()
    other_owner = create_user()
    other = create_store(owner=other_owner, slug="toko-lain")
    intruder = app.test_client()
    login(intruder, other_owner)

    assert intruder.get(f"/stores/toko-lain/products/transfers/{transfer_id}/download").status_code == 404
    assert intruder.get(f"/stores/toko-lain/products/transfers/{transfer_id}").status_code == 404
    assert intruder.get(f"/stores/batik-sari/products/transfers/{transfer_id}/download").status_code == 404
    assert other.slug == "toko-lain"


def test_export_job_is_safe_to_run_twice(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Kemeja")
    transfer_id = transfer_id_of(client.post(f"{base(store)}/export", data={}))
    run_jobs()
    first = get_transfer(ctx, store, transfer_id)
    with ctx(store.id):
        transfers.export_products(transfer_id)
    again = get_transfer(ctx, store, transfer_id)
    assert again.status == TransferStatus.DONE and again.file_key == first.file_key


# Import: Etalase's own format


def test_export_then_import_changes_nothing(client, store, ctx, run_jobs, create_product, app):
    create_product(store, title="Kemeja Batik", status=ProductStatus.ACTIVE, vendor="Batik Sari", tags=["batik", "pria"],
                   description_html='<p>Katun <a href="https://example.com">halus</a></p>', price=150_000_00, stock=7)
    kaos = create_product(store, title="Kaos", options=[{"name": "Ukuran", "values": ["S", "M"]},
                                                        {"name": "Warna", "values": ["Hitam", "Putih"]}], stock=2)
    with ctx(store.id) as session:
        from saas.catalog import services as catalog
        from saas.tenants.models import Tenant

        product = session.get(Product, (store.id, kaos.id))
        catalog.add_image(product, jpeg(), "kaos.jpg", alt="Kaos hitam")
        variant = product.variants[1]
        catalog.update_variant(variant, catalog.VariantValues(sku="KAOS-SP", compare_at_price=200_000_00, cost=90_000_00,
                                                              image_id=product.images[0].id),
                               session.get(Tenant, store.id))
        session.commit()
    before, ledger_before = products(ctx, store), ledger(ctx, store)

    text = export_csv(client, ctx, store, run_jobs)
    checked = check(client, ctx, store, run_jobs, text.encode("utf-8-sig"))

    assert checked.status == TransferStatus.CHECKED, checked.error
    assert checked.source_format == "etalase"
    assert (checked.summary["create"], checked.summary["update"], checked.summary["unchanged"]) == (0, 0, 2)
    assert checked.summary["errors"] == []
    done = confirm(client, ctx, store, run_jobs, checked.id)
    assert done.status == TransferStatus.DONE, done.error
    assert products(ctx, store) == before
    assert ledger(ctx, store) == ledger_before


def test_import_updates_matching_products_and_records_stock(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Kemeja Batik", price=150_000_00, stock=7)
    data = etalase_csv(
        {"handle": "kemeja-batik", "title": "Kemeja Batik Tulis", "price": "175.000", "stock": "12", "sku": "KB-1"},
        {"handle": "celana-chino", "title": "Celana Chino", "price": "Rp 199.000", "stock": "4", "status": "active",
         "tags": "celana, pria"},
    )

    checked = check(client, ctx, store, run_jobs, data)
    assert (checked.summary["create"], checked.summary["update"]) == (1, 1)
    done = confirm(client, ctx, store, run_jobs, checked.id)

    assert done.status == TransferStatus.DONE
    catalog = products(ctx, store)
    assert catalog["kemeja-batik"]["title"] == "Kemeja Batik Tulis"
    assert catalog["kemeja-batik"]["variants"][0]["price"] == 175_000_00
    assert catalog["kemeja-batik"]["variants"][0]["sku"] == "KB-1"
    assert catalog["kemeja-batik"]["total_stock"] == 12
    assert catalog["celana-chino"]["status"] == "active" and catalog["celana-chino"]["tags"] == ["celana", "pria"]
    assert catalog["celana-chino"]["price_min"] == 199_000_00
    entries = ledger(ctx, store)
    assert (AdjustmentReason.IMPORTED.value, 5, 12) in entries
    assert (AdjustmentReason.IMPORTED.value, 4, 4) in entries


def test_dry_run_changes_nothing_and_can_be_cancelled(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Kemeja Batik", price=150_000_00)
    before = products(ctx, store)
    data = etalase_csv({"handle": "kemeja-batik", "title": "Baru", "price": "1"},
                       {"handle": "baru", "title": "Produk Baru", "price": "2"})

    checked = check(client, ctx, store, run_jobs, data)
    assert checked.status == TransferStatus.CHECKED
    assert products(ctx, store) == before
    page = client.get(f"{base(store)}/transfers/{checked.id}")
    assert b"Import products" in page.data and b"Cancel" in page.data

    response = client.post(f"{base(store)}/transfers/{checked.id}/cancel")
    assert response.status_code == 302
    assert get_transfer(ctx, store, checked.id).status == TransferStatus.CANCELLED
    assert client.post(f"{base(store)}/transfers/{checked.id}/apply").status_code == 302
    run_jobs()
    assert products(ctx, store) == before


# Import: Shopify's format


def test_shopify_product_csv(client, store, ctx, run_jobs):
    checked = check(client, ctx, store, run_jobs, (DATA / "shopify_products.csv").read_bytes())

    assert checked.source_format == "shopify"
    assert checked.summary["errors"] == []
    assert (checked.summary["create"], checked.summary["update"]) == (3, 0)
    assert products(ctx, store) == {}
    assert confirm(client, ctx, store, run_jobs, checked.id).status == TransferStatus.DONE

    catalog = products(ctx, store)
    kaos = catalog["kaos-polos-premium"]
    assert kaos["title"] == "Kaos Polos Premium" and kaos["status"] == "active" and kaos["vendor"] == "Toko Kaos"
    assert "<script>" not in kaos["description_html"] and "<strong>adem</strong>" in kaos["description_html"]
    assert kaos["tags"] == ["kaos", "katun", "pria"]
    assert kaos["seo_title"] == "Kaos Polos Premium Katun"
    assert kaos["options"] == [{"name": "Ukuran", "values": ["S", "M"]}, {"name": "Warna", "values": ["Hitam", "Putih"]}]
    by_title = {v["title"]: v for v in kaos["variants"]}
    assert list(by_title) == ["S / Hitam", "S / Putih", "M / Hitam", "M / Putih"]
    assert by_title["S / Hitam"] | {"image_id": None} == {
        "title": "S / Hitam", "sku": "KPP-S-HTM", "price": 89_000_00, "compare_at_price": 120_000_00, "cost": 45_000_00,
        "stock": 12, "track_stock": True, "barcode": "899000000001", "allow_backorder": False, "weight_grams": 180,
        "image_id": None}
    assert by_title["M / Hitam"]["allow_backorder"] is True
    assert by_title["M / Putih"]["price"] == 95_000_00 and by_title["M / Putih"]["compare_at_price"] is None
    assert kaos["total_stock"] == 22
    topi = catalog["topi-bucket"]
    assert topi["status"] == "draft" and topi["options"] == []
    assert topi["variants"][0]["track_stock"] is False and topi["variants"][0]["price"] == 55_000_00
    assert catalog["tas-kanvas"]["status"] == "active"
    assert catalog["tas-kanvas"]["variants"][0]["compare_at_price"] == 150_000_00


def test_importing_the_same_shopify_file_again_changes_nothing(client, store, ctx, run_jobs):
    data = (DATA / "shopify_products.csv").read_bytes()
    confirm(client, ctx, store, run_jobs, check(client, ctx, store, run_jobs, data).id)
    before, ledger_before = products(ctx, store), ledger(ctx, store)

    again = check(client, ctx, store, run_jobs, data)

    assert (again.summary["create"], again.summary["update"], again.summary["unchanged"]) == (0, 0, 3)
    confirm(client, ctx, store, run_jobs, again.id)
    assert products(ctx, store) == before and ledger(ctx, store) == ledger_before


# Bad files: a clear answer, and nothing changes


def _transfers(ctx, tenant) -> int:
    with ctx(tenant.id) as session:
        return session.scalar(select(func.count()).select_from(CatalogTransfer))


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"   \n\n", "The file is empty."),
    (b"handle,title,price\n", "The file has column headings but no products."),
    (b"name,amount\nKemeja,1\n", "We don't recognise this file's columns"),
    (b"handle,title\nkemeja,Kemeja\n", "missing the column(s) price"),
    (b"Handle,Title,Option1 Name\nkemeja,Kemeja,Size\n", "missing the column(s) Variant Price"),
    ("handle,title,price\nkemeja,Kemeja Ã©,1\n".encode("cp1252").replace(b"\xc3\xa9", b"\xe9"), "isn't UTF-8 text"),
    (b"PK\x03\x04rest-of-a-workbook", "spreadsheet workbook, not a CSV"),
    (b"handle,title,price,price\nk,K,1,2\n", "The column price appears twice"),
])
def test_a_file_that_cant_be_read_is_refused_with_a_reason(client, store, ctx, data, message):
    response = upload(client, store, data)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="field__error"' in page
    assert message.replace("'", "&#39;") in page
    assert _transfers(ctx, store) == 0


def test_a_file_over_the_size_limit_is_refused(client, store, ctx):
    data = HEADER.encode() + b"\n" + b"x" * (20 * 1024 * 1024)

    response = upload(client, store, data)

    assert response.status_code == 200
    assert "larger than 20 MB" in response.get_data(as_text=True)
    assert _transfers(ctx, store) == 0


def test_utf8_with_a_byte_order_mark_and_semicolons_is_read(client, store, ctx, run_jobs):
    data = "\ufeffhandle;title;price\nkopi-gayo;Kopi Gayo Ã±;85.000\n".replace("Ã±", "ñ").encode("utf-8")

    checked = check(client, ctx, store, run_jobs, data)

    assert checked.summary["errors"] == [] and checked.summary["create"] == 1
    confirm(client, ctx, store, run_jobs, checked.id)
    assert products(ctx, store)["kopi-gayo"]["title"] == "Kopi Gayo ñ"
    assert products(ctx, store)["kopi-gayo"]["price_min"] == 85_000_00


def _errors(transfer) -> list:
    return [(e["row"], e["column"], e["message"]) for e in transfer.summary["errors"]]


def test_row_errors_are_listed_by_row_and_block_the_import(client, store, ctx, run_jobs, create_product):
    create_product(store, title="Lama", default_variant=None, price=100)
    with ctx(store.id) as session:
        session.scalar(select(Variant)).sku = "TAKEN-1"
        session.commit()
    before = products(ctx, store)
    data = etalase_csv(
        {"handle": "satu", "title": "Satu", "price": "seratus ribu"},
        {"handle": "dua", "title": "Dua", "price": "10.000", "sku": "DUP-1"},
        {"handle": "tiga", "title": "Tiga", "price": "10.000", "sku": "dup-1"},
        {"handle": "empat", "title": "Empat", "price": "10.000", "sku": "taken-1"},
        {"handle": "lima", "title": "", "price": "10.000"},
        {"handle": "enam", "title": "Enam", "price": "10.000", "stock": "-3", "status": "published"},
        {"handle": "tujuh", "title": "Tujuh", "price": "10.000"},
    )

    checked = check(client, ctx, store, run_jobs, data)

    assert checked.status == TransferStatus.CHECKED
    errors = _errors(checked)
    assert errors[0][:2] == (2, "price") and "seratus ribu isn't a price" in errors[0][2]
    assert (3, "sku", "SKU DUP-1 is also on row 4; each SKU must be unique.") in errors
    assert (4, "sku", "SKU dup-1 is also on row 3; each SKU must be unique.") in errors
    assert (5, "sku", "Another product in this store already has SKU taken-1.") in errors
    assert (6, "title", "Give the new product a title.") in errors
    assert (7, "status", "Use one of: active, draft, archived.") in errors
    assert (7, "stock", "Enter zero or more.") in errors
    page = client.get(f"{base(store)}/transfers/{checked.id}").get_data(as_text=True)
    assert "Rows with errors" in page and "seratus ribu" in page
    assert 'action="/stores/batik-sari/products/transfers/%d/apply"' % checked.id not in page

    client.post(f"{base(store)}/transfers/{checked.id}/apply")
    run_jobs()
    assert get_transfer(ctx, store, checked.id).status == TransferStatus.CHECKED
    assert products(ctx, store) == before


@pytest.mark.parametrize("column", ["stock", "low_stock_threshold", "weight_grams"])
@pytest.mark.parametrize("number", ["inf", "-Infinity", "NaN", "sNaN"])
def test_numbers_that_arent_finite_are_row_errors(client, store, ctx, run_jobs, column, number):
    checked = check(client, ctx, store, run_jobs, etalase_csv(
        {"handle": "topi", "title": "Topi", "price": "10.000", column: number}))

    assert checked.status == TransferStatus.CHECKED
    [(row, named, message)] = _errors(checked)
    assert (row, named) == (2, column) and number in message


def test_shopify_price_that_isnt_a_number_names_the_column(client, store, ctx, run_jobs):
    data = b"Handle,Title,Variant Price\ntopi,Topi,Rp 50.000\n"

    checked = check(client, ctx, store, run_jobs, data)

    assert _errors(checked) == [(2, "Variant Price", "Rp 50.000 isn't a price. Shopify files use numbers such as 150000.00.")]


def test_a_failure_part_way_through_applying_changes_nothing(client, store, ctx, run_jobs, create_product, monkeypatch):
    create_product(store, title="Kemeja Batik", price=150_000_00, stock=7)
    before, ledger_before = products(ctx, store), ledger(ctx, store)
    data = etalase_csv(*[{"handle": f"produk-{n}", "title": f"Produk {n}", "price": "10.000", "stock": "3"}
                         for n in range(5)],
                       {"handle": "kemeja-batik", "title": "Kemeja Batik", "price": "1.000", "stock": "1"})
    checked = check(client, ctx, store, run_jobs, data)
    original, calls = transfers._apply_product, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(transfers, "_apply_product", failing)
    failed = confirm(client, ctx, store, run_jobs, checked.id)

    assert len(calls) == 4
    assert failed.status == TransferStatus.FAILED
    assert "nothing was changed" in failed.error
    assert products(ctx, store) == before and ledger(ctx, store) == ledger_before
    with ctx() as session:
        from saas.jobs.models import FailedJob

        assert session.scalar(select(FailedJob.task).where(FailedJob.tenant_id == store.id)) == "catalog.import_apply"


def test_apply_is_safe_to_run_twice(client, store, ctx, run_jobs):
    checked = check(client, ctx, store, run_jobs, etalase_csv({"handle": "satu", "title": "Satu", "price": "1.000",
                                                               "stock": "2"}))
    confirm(client, ctx, store, run_jobs, checked.id)
    before, ledger_before = products(ctx, store), ledger(ctx, store)

    with ctx(store.id):
        transfers.apply_import(checked.id)
        transfers.check_import(checked.id)

    assert products(ctx, store) == before and ledger(ctx, store) == ledger_before
    assert get_transfer(ctx, store, checked.id).status == TransferStatus.DONE


def test_catalog_that_changed_since_the_check_fails_the_apply(client, store, ctx, run_jobs, create_product):
    checked = check(client, ctx, store, run_jobs, etalase_csv({"handle": "satu", "title": "Satu", "price": "1.000",
                                                               "sku": "S-1"}))
    create_product(store, title="Dulu", default_variant=None)
    with ctx(store.id) as session:
        session.scalar(select(Variant)).sku = "S-1"
        session.commit()

    failed = confirm(client, ctx, store, run_jobs, checked.id)

    assert failed.status == TransferStatus.FAILED
    assert "Nothing was imported" in failed.error and "S-1" in failed.error
    assert set(products(ctx, store)) == {"dulu"}


# Images named in the file


class _ImageHandler(BaseHTTPRequestHandler):
    image = b""

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/slow"):
            time.sleep(1.5)
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.end_headers()
            return
        body = b"not an image" if self.path.startswith("/text") else self.image
        try:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server(app, monkeypatch):
    """A tiny HTTP server on 127.0.0.1 serving /ok.jpg, /slow.jpg (too slow), /missing.jpg (404), /text.jpg."""
    _ImageHandler.image = jpeg()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(transfers, "ALLOW_PRIVATE_IMAGE_HOSTS", True)
    monkeypatch.setitem(app.config, "IMPORT_IMAGE_TIMEOUT", 0.5)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_images_are_fetched_and_failures_reported(client, store, ctx, run_jobs, image_server):
    data = etalase_csv(
        {"handle": "kemeja", "title": "Kemeja", "price": "10.000", "image_url": f"{image_server}/ok.jpg",
         "image_alt": "Kemeja merah", "variant_image_url": f"{image_server}/ok.jpg"},
        {"handle": "kemeja", "image_url": f"{image_server}/missing.jpg"},
        {"handle": "kemeja", "image_url": f"{image_server}/slow.jpg"},
        {"handle": "kemeja", "image_url": f"{image_server}/text.jpg"},
    )

    checked = check(client, ctx, store, run_jobs, data)

    assert checked.summary["errors"] == []
    failed = {(p["row"], p["url"].rsplit("/", 1)[1]): p["message"] for p in checked.summary["images"]["failed"]}
    assert failed[(3, "missing.jpg")] == "The server answered with status 404."
    assert failed[(4, "slow.jpg")] == "No answer within 0.5 seconds."
    assert "not an image" in failed[(5, "text.jpg")]
    assert checked.summary["images"]["fetched"] == 1
    page = client.get(f"{base(store)}/transfers/{checked.id}").get_data(as_text=True)
    assert "Images that could not be downloaded" in page and "missing.jpg" in page

    done = confirm(client, ctx, store, run_jobs, checked.id)
    assert done.status == TransferStatus.DONE
    kemeja = products(ctx, store)["kemeja"]
    assert kemeja["images"] == [("Kemeja merah", f"{image_server}/ok.jpg")]
    assert kemeja["variants"][0]["image_id"] is not None

    again = check(client, ctx, store, run_jobs, etalase_csv(  # the image is known now: not fetched or added again
        {"handle": "kemeja", "title": "Kemeja", "price": "10.000", "image_url": f"{image_server}/ok.jpg",
         "image_alt": "Kemeja merah", "variant_image_url": f"{image_server}/ok.jpg"}))
    assert again.summary["unchanged"] == 1 and again.summary["images"]["fetched"] == 0


def test_private_addresses_are_not_fetched(app):
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        with pytest.raises(transfers.ImageFetchFailed, match="can't be reached"):
            transfers.fetch_image("http://127.0.0.1:9/x.jpg", 0.5, 1000)
        with pytest.raises(transfers.ImageFetchFailed, match="not a web address"):
            transfers.fetch_image("file:///etc/passwd", 0.5, 1000)
