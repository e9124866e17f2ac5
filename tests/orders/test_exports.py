"""Exporting the orders list to CSV, through HTTP: the filters, the job, the file, and who may download it."""
import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from saas.catalog.models import CatalogTransfer, TransferKind, TransferStatus
from saas.orders.models import PaymentStatus
from tests.orders.factories import make_order

BASE = "/stores/batik-sari/orders"
PASSWORD = "teh-manis-hangat-7"


@pytest.fixture
def owner(create_user):
    return create_user(name="Dewi Lestari")


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id")
    login(client, owner)
    return tenant


@pytest.fixture
def shirt(store, create_product):
    return create_product(store, title="Kemeja Batik", options=[{"name": "Ukuran", "values": ["M", "L"]}],
                          price=150_000_00, stock=10)


@pytest.fixture
def scarf(store, create_product):
    return create_product(store, title="Selendang Sutra", price=90_000_00, stock=5)


def exports_of(ctx, tenant) -> list:
    with ctx(tenant.id) as session:
        rows = list(session.scalars(select(CatalogTransfer).order_by(CatalogTransfer.created_at)))
        session.expunge_all()
        return rows


def start(client, **filters):
    return client.post(f"{BASE}/export", data=filters)


def download_url(client) -> str:
    html = client.get(BASE).get_data(as_text=True)
    links = re.findall(r'href="([^"]+/download)"', html)
    assert links, "no download link on the orders page"
    return links[0]


def read_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_has_exactly_the_filtered_orders_with_totals_and_items(client, app, store, ctx, run_jobs, shirt, scarf,
                                                                       create_store, create_product):
    neighbour = create_store(slug="toko-lain")
    make_order(app, neighbour, [(create_product(neighbour, title="Kain Tenun"), 1)], name="Orang Lain",
               payment_status=PaymentStatus.PAID, placed_at=datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    paid = make_order(app, store, [(shirt.variants[1], 2), (scarf, 1)], name="Budi Santoso", email="budi@example.test",
                      placed_at=datetime(2025, 3, 1, 3, 0, tzinfo=UTC), payment_status=PaymentStatus.PAID,
                      refunded_total=10_000_00, discount_codes=["HEMAT10"])
    make_order(app, store, [(scarf, 1)], name="Siti Rahayu", email="siti@example.test",
               placed_at=datetime(2025, 3, 2, 3, 0, tzinfo=UTC))
    make_order(app, store, [(scarf, 1)], name="Ani Wijaya", payment_status=PaymentStatus.PAID,
               placed_at=datetime(2025, 4, 20, 3, 0, tzinfo=UTC))  # paid, but outside the dates

    page = client.get(f"{BASE}?payment=paid&date_to=2025-03-31").get_data(as_text=True)
    assert 'form="orders-export"' in page and "Export CSV" in page
    assert '<input type="hidden" name="payment" value="paid">' in page
    assert '<input type="hidden" name="date_to" value="2025-03-31">' in page

    response = start(client, payment="paid", date_to="2025-03-31")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(BASE) and "payment=paid" in response.headers["Location"]
    [transfer] = exports_of(ctx, store)
    assert (transfer.kind, transfer.status) == (TransferKind.EXPORT, TransferStatus.QUEUED)
    assert transfer.source_format == "orders"
    assert transfer.filters == {"payment": "paid", "date_to": "2025-03-31"}
    assert "Exports" in client.get(BASE).get_data(as_text=True)

    run_jobs()

    [transfer] = exports_of(ctx, store)
    assert transfer.status == TransferStatus.DONE and transfer.processed == transfer.total == 1
    assert transfer.file_key.startswith(f"{store.id}/exports/")
    download = client.get(download_url(client))
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"] and "batik-sari-orders-" in download.headers[
        "Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"

    heading, *rows = read_csv(download)
    assert len(heading) == 22 and heading[0] == "Order number" and heading[-1] == "Items"
    assert len(rows) == 1
    row = dict(zip(heading, rows[0]))
    with ctx(store.id):
        from saas.orders.management import get_order

        number = get_order(paid).number
    assert row["Order number"] == str(number)
    assert row["Placed at"] == "2025-03-01 10:00:00"  # 03:00 UTC is 10:00 in Jakarta
    assert (row["Order status"], row["Payment status"], row["Fulfilment status"]) == ("open", "paid", "unfulfilled")
    assert (row["Email"], row["Name"], row["Phone"]) == ("budi@example.test", "Budi Santoso", "'+6281234567890")
    assert (row["City"], row["Province"], row["Postal code"]) == ("Yogyakarta", "DI Yogyakarta", "55271")
    assert (row["Payment method"], row["Shipping method"]) == ("bank_transfer", "Flat rate")
    # Rupiah as the store's locale writes them, never minor units or floats.
    assert (row["Subtotal"], row["Discount"], row["Shipping"], row["Tax"]) == ("390.000", "0", "15.000", "0")
    assert (row["Total"], row["Refunded"]) == ("405.000", "10.000")
    assert row["Discount codes"] == "HEMAT10"
    assert row["Item count"] == "3"
    assert row["Items"] == "Kemeja Batik (L) × 2; Selendang Sutra × 1"


def test_an_unfiltered_export_has_every_order_newest_first(client, app, store, ctx, run_jobs, scarf):
    first = make_order(app, store, [(scarf, 1)], placed_at=datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    second = make_order(app, store, [(scarf, 2)], placed_at=datetime(2025, 3, 2, 3, 0, tzinfo=UTC))
    start(client)
    run_jobs()

    _heading, *rows = read_csv(client.get(download_url(client)))
    with ctx(store.id):
        from saas.orders.management import get_order

        numbers = [str(get_order(second).number), str(get_order(first).number)]
    assert [r[0] for r in rows] == numbers
    assert exports_of(ctx, store)[0].filters == {}
    # It shares the product transfers' table, but the products' import page lists only product transfers.
    product_page = client.get("/stores/batik-sari/products/import")
    assert product_page.status_code == 200 and "-orders-" not in product_page.get_data(as_text=True)


def test_formula_cells_are_written_as_text(client, app, store, ctx, run_jobs, create_product):
    evil = create_product(store, title="=HYPERLINK(\"http://evil.test\")", price=10_000_00)
    make_order(app, store, [(evil, 1)], name="=cmd|' /C calc'!A0", email="@sum@example.test")
    start(client)
    run_jobs()

    heading, row = read_csv(client.get(download_url(client)))
    row = dict(zip(heading, row))
    assert row["Name"] == "'=cmd|' /C calc'!A0"
    assert row["Email"] == "'@sum@example.test"
    assert row["Items"] == "'=HYPERLINK(\"http://evil.test\") × 1"
    assert row["Total"] == "25.000"  # plain amounts are left alone


def test_a_failed_export_says_so_on_the_list(client, app, store, ctx, run_jobs, scarf, monkeypatch):
    from saas.orders import exports

    make_order(app, store, [(scarf, 1)])
    monkeypatch.setattr(exports, "order_row", lambda order, tenant: 1 / 0)
    start(client)
    run_jobs()

    transfer = exports_of(ctx, store)[0]
    assert transfer.status == TransferStatus.FAILED and transfer.error and not transfer.file_key
    html = client.get(BASE).get_data(as_text=True)
    assert "/download" not in html and transfer.error in html


@pytest.mark.parametrize("path", ["/transfers/{id}/download", "/transfers/{id}"])
def test_another_store_cant_see_the_export(client, app, store, ctx, run_jobs, scarf, create_user, create_store, login,
                                           path):
    make_order(app, store, [(scarf, 1)])
    start(client)
    run_jobs()
    transfer_id = exports_of(ctx, store)[0].id
    other_owner = create_user()
    create_store(owner=other_owner, slug="toko-lain")
    intruder = app.test_client()
    login(intruder, other_owner)

    url = path.format(id=transfer_id)
    assert intruder.get(f"/stores/toko-lain/products{url}").status_code == 404
    assert intruder.get(f"/stores/batik-sari/products{url}").status_code == 404
    assert intruder.post(f"{BASE}/export").status_code == 404
    assert "batik-sari-orders" not in intruder.get("/stores/toko-lain/orders").get_data(as_text=True)
    assert client.get(f"/stores/batik-sari/products{url}").status_code == 200


def test_shoppers_and_strangers_cant_download(client, app, store, ctx, run_jobs, scarf, store_client, login):
    make_order(app, store, [(scarf, 1)])
    start(client)
    run_jobs()
    url = download_url(client)
    transfer = exports_of(ctx, store)[0]

    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.post(f"{BASE}/export").status_code == 302
    assert anonymous.get(f"/media/{transfer.file_key}").status_code == 404

    shopper = store_client(store)
    shopper.post("/account/register", data={"email": "sari@example.com", "password": PASSWORD, "name": "Sari"})
    for path in (url, f"/media/{transfer.file_key}"):
        response = shopper.get(path)
        assert response.status_code in (302, 404) and response.mimetype != "text/csv"
    assert exports_of(ctx, store)[0].status == TransferStatus.DONE
