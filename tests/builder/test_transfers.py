"""The import and export pages in the builder: forms, the progress page and its JSON, and who may see them."""
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from saas.catalog.models import CatalogTransfer, TransferStatus
from tests.accounts.pages import field_error

BASE = "/stores/batik-sari/products"


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id")
    login(client, owner)
    return tenant


def upload(client, data: bytes, filename="products.csv"):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename, content_type="text/csv")})
    return client.post(f"{BASE}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def transfers_of(ctx, tenant) -> list:
    with ctx(tenant.id) as session:
        rows = list(session.scalars(select(CatalogTransfer)))
        session.expunge_all()
        return rows


def test_import_page_explains_the_formats(client, store):
    page = client.get(f"{BASE}/import")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<h1") == 1 and "Import products" in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert f'href="{BASE}/import/template.csv"' in html
    assert "Shopify product CSV" in html and "20 MB" in html


def test_template_csv_downloads_and_imports_cleanly(client, store, ctx, run_jobs):
    template = client.get(f"{BASE}/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.get_data().decode("utf-8-sig").startswith("handle,title,description_html,")

    response = upload(client, template.get_data())
    assert response.status_code == 302
    run_jobs()
    (transfer,) = transfers_of(ctx, store)
    assert transfer.status == TransferStatus.CHECKED
    assert transfer.summary["create"] == 1 and transfer.summary["errors"] == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<dd data-count="create">1</dd>' in page and '<dd data-count="update">0</dd>' in page


def test_uploading_without_a_file_asks_for_one(client, store, ctx):
    response = client.post(f"{BASE}/import", data={})

    assert response.status_code == 200
    assert field_error(response, "file") == "Choose a CSV file to import."
    assert transfers_of(ctx, store) == []


def test_a_bad_file_is_answered_beside_the_field(client, store, ctx):
    response = upload(client, b"handle,title\nkemeja,Kemeja\n")

    assert "missing the column(s) price" in field_error(response, "file")
    assert transfers_of(ctx, store) == []


def test_the_product_list_exports_its_filters(client, store, ctx, create_product):
    create_product(store, title="Kemeja")
    page = client.get(f"{BASE}?status=active&q=kemeja").get_data(as_text=True)
    assert f'action="{BASE}/export"' in page

    response = client.post(f"{BASE}/export", data={"status": "active", "q": "kemeja", "sort": "bogus"})

    assert response.status_code == 302
    (transfer,) = transfers_of(ctx, store)
    assert response.headers["Location"].endswith(f"{BASE}/transfers/{transfer.id}")
    assert transfer.kind.value == "export" and transfer.filters == {"q": "kemeja", "status": "active",
                                                                     "sort": "updated", "direction": "desc"}


def test_progress_page_works_without_javascript(client, store, ctx):
    response = upload(client, b"handle,title,price\nkemeja,Kemeja,10.000\n")
    transfer_id = int(response.headers["Location"].rsplit("/", 1)[1])

    page = client.get(f"{BASE}/transfers/{transfer_id}").get_data(as_text=True)

    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert '<progress id="transfer-progress"' in page and "Refresh" in page
    assert "js/progress.js" in page and f'data-url="{BASE}/transfers/{transfer_id}/progress"' in page
    state = client.get(f"{BASE}/transfers/{transfer_id}/progress").get_json()
    assert state == {"status": "queued", "label": "Waiting to start", "percent": 0, "processed": 0, "total": 1,
                     "running": True}


def test_confirming_twice_applies_once(client, store, ctx, run_jobs):
    response = upload(client, b"handle,title,price,stock\nkemeja,Kemeja,10.000,5\n")
    transfer_id = int(response.headers["Location"].rsplit("/", 1)[1])
    run_jobs()

    client.post(f"{BASE}/transfers/{transfer_id}/apply")
    second = client.post(f"{BASE}/transfers/{transfer_id}/apply", follow_redirects=True)
    assert "can&#39;t be applied" in second.get_data(as_text=True)
    run_jobs()

    (transfer,) = transfers_of(ctx, store)
    assert transfer.status == TransferStatus.DONE
    page = client.get(f"{BASE}/transfers/{transfer_id}").get_data(as_text=True)
    assert "The import is done." in page and "See your products" in page
    with ctx(store.id) as session:
        from saas.catalog.models import InventoryAdjustment, Product

        assert session.scalar(select(func.count()).select_from(Product)) == 1
        assert session.scalar(select(func.count()).select_from(InventoryAdjustment)) == 1


def test_a_done_import_cant_be_cancelled(client, store, ctx, run_jobs):
    response = upload(client, b"handle,title,price\nkemeja,Kemeja,10.000\n")
    transfer_id = int(response.headers["Location"].rsplit("/", 1)[1])
    run_jobs()
    client.post(f"{BASE}/transfers/{transfer_id}/apply")
    run_jobs()

    response = client.post(f"{BASE}/transfers/{transfer_id}/cancel", follow_redirects=True)

    assert "can no longer be cancelled" in response.get_data(as_text=True)
    assert transfers_of(ctx, store)[0].status == TransferStatus.DONE


ROUTES = [
    ("get", "/transfers/{id}"),
    ("get", "/transfers/{id}/progress"),
    ("get", "/transfers/{id}/download"),
    ("post", "/transfers/{id}/apply"),
    ("post", "/transfers/{id}/cancel"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_another_store_sees_no_transfer(client, store, ctx, run_jobs, create_user, create_store, login, app,
                                        method, path):
    response = client.post(f"{BASE}/export", data={})
    transfer_id = int(response.headers["Location"].rsplit("/", 1)[1])
    run_jobs()
    other_owner = create_user()
    create_store(owner=other_owner, slug="toko-lain")
    intruder = app.test_client()
    login(intruder, other_owner)

    url = path.format(id=transfer_id)
    assert getattr(intruder, method)(f"/stores/toko-lain/products{url}").status_code == 404
    assert getattr(intruder, method)(f"{BASE}{url}").status_code == 404
    assert transfers_of(ctx, store)[0].status == TransferStatus.DONE


@pytest.mark.parametrize("method, path", [("get", "/import"), ("post", "/import"), ("post", "/export"),
                                          ("get", "/import/template.csv")])
def test_pages_need_a_member(app, store, create_user, login, method, path):
    stranger = app.test_client()
    login(stranger, create_user())
    assert getattr(stranger, method)(f"{BASE}{path}").status_code == 404
    anonymous = app.test_client()
    assert getattr(anonymous, method)(f"{BASE}{path}").status_code == 302
