"""Orders in the builder, through HTTP: the list, the order page and its actions, invoice and packing slip."""
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from saas.orders.models import FulfillmentStatus, OrderEvent, OrderStatus, PaymentStatus, Refund
from saas.shipping import carriers
from saas.shipping import services as shipping
from tests.accounts.pages import error_fields, field_error, parse, value
from tests.orders.factories import load_order, make_order, stock_of

BASE = "/stores/batik-sari/orders"


@pytest.fixture
def owner(create_user):
    return create_user(name="Dewi Lestari")


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id",
                          address="Jl. Prawirotaman 8, Yogyakarta")
    login(client, owner)
    return tenant


@pytest.fixture
def shirt(store, create_product):
    return create_product(store, title="Kemeja Batik", price=150_000_00, stock=10)


@pytest.fixture
def scarf(store, create_product):
    return create_product(store, title="Selendang Sutra", price=90_000_00, stock=5)


@pytest.fixture
def order_of(app, store, shirt, scarf):
    return lambda items=None, **fields: make_order(app, store, items or [(shirt, 2), (scarf, 1)], **fields)


def text(response) -> str:
    """The page's HTML, with no-break spaces as plain ones (Babel puts them inside amounts)."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def unlabelled(response) -> set:
    """Form controls that no <label for=…> names (checkboxes here sit inside their label)."""
    tags = parse(response).tags
    labelled = {attrs.get("for") for tag, attrs in tags if tag == "label"}
    return {attrs.get("name") for tag, attrs in tags if tag in ("input", "select", "textarea")
            and attrs.get("type") not in ("hidden", "checkbox") and attrs.get("id") not in labelled}


def events(app, store, order_id):
    return [e.kind for e in load_order(app, store, order_id).events]


# The list


def test_list_filters_searches_and_links_each_order(client, app, store, order_of, shirt):
    budi = order_of(name="Budi Santoso", email="budi@example.test",
                    placed_at=datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    order_of(name="Siti Rahayu", email="siti@example.test", payment_method="cod",
             placed_at=datetime(2025, 3, 4, 3, 0, tzinfo=UTC))
    client.post(f"{BASE}/{budi}/mark-paid", follow_redirects=True)  # (its flash is shown there)

    def names(query=""):
        html = text(client.get(f"{BASE}?{query}"))
        return [n for n in ("Budi Santoso", "Siti Rahayu") if n in html]

    html = text(client.get(BASE))
    assert html.index("#1002") < html.index("#1001")  # newest first
    assert f'href="{BASE}/{budi}"' in html and "IDR 405,000" in html and html.count("<h1") == 1
    assert names("q=%231001") == ["Budi Santoso"] and names("q=1002") == ["Siti Rahayu"]
    assert names("q=siti%40") == ["Siti Rahayu"] and names("q=santoso") == ["Budi Santoso"]
    assert names("payment=paid") == ["Budi Santoso"] and names("payment=pending") == ["Siti Rahayu"]
    assert names("fulfillment=fulfilled") == [] and names("status=open") == ["Budi Santoso", "Siti Rahayu"]
    assert names("date_from=2025-03-02") == ["Siti Rahayu"] and names("date_to=2025-03-02") == ["Budi Santoso"]
    page = client.get(f"{BASE}?q=santoso&payment=paid")
    assert value(page, "q") == "santoso" and value(page, "payment") == "paid"
    assert client.get(f"{BASE}?payment=evil&date_from=kemarin&page=-4").status_code == 200
    # Days whose midnight in Asia/Jakarta, or the day after, lies outside what a datetime holds: dropped, not a 500
    assert names("date_from=0001-01-01") == names("date_to=9999-12-31") == ["Budi Santoso", "Siti Rahayu"]
    assert value(client.get(f"{BASE}?date_from=0001-01-01"), "date_from") == ""


def test_an_empty_store_says_so(client, store):
    assert "No orders yet" in text(client.get(BASE))


def test_list_pages_fifty_at_a_time(client, app, store, shirt):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(52):
        make_order(app, store, [(shirt, 0)], placed_at=start + timedelta(hours=n))
    first, second = text(client.get(BASE)), text(client.get(f"{BASE}?page=2"))
    assert "#1052" in first and "#1003" in first and "#1002" not in first
    assert "#1002" in second and "#1001" in second and "#1003" not in second
    assert "Page 1 of 2" in first and "52 orders" in first


def test_list_makes_a_fixed_number_of_queries(client, app, store, shirt, count_queries):
    make_order(app, store, [(shirt, 1)])
    client.get(BASE)
    with count_queries() as few:
        client.get(BASE)
    for _ in range(5):
        make_order(app, store, [(shirt, 1)])
    with count_queries() as many:
        client.get(BASE)
    assert len(many) == len(few)


# The order page


def test_order_page_shows_lines_totals_customer_and_timeline(client, app, store, order_of):
    order_id = order_of(note="Tolong dibungkus kado")
    html = text(client.get(f"{BASE}/{order_id}"))
    assert html.count("<h1") == 1 and "Order #1001" in html
    for expected in ("Kemeja Batik", "Selendang Sutra", "IDR 300,000", "IDR 90,000", "IDR 15,000", "IDR 405,000",
                     "Jl. Malioboro 12", "Yogyakarta", "+6281234567890", "Bank transfer", "Tolong dibungkus kado",
                     "Order placed.", "Mark as paid", "Mark as shipped", "Cancel order", "Add note"):
        assert expected in html, expected
    assert 'id="refund"' not in html  # nothing to refund before it is paid
    assert unlabelled(client.get(f"{BASE}/{order_id}")) == set()
    assert unlabelled(client.get(BASE)) == set()


def test_a_pickup_order_shows_where_it_is_collected_and_its_discount_and_tax(client, app, store, order_of):
    order_id = order_of(shipping_details={"kind": "pickup", "pickup": {"name": "Toko Prawirotaman",
                                                                        "address": "Jl. Prawirotaman 8"}},
                        discount_total=30_000_00, discount_codes=["HEMAT10"], tax_total=37_162_00, adjustments=[
                            {"kind": "discount", "label": "HEMAT10", "amount": -30_000_00, "code": "HEMAT10"},
                            {"kind": "tax", "label": "PPN 11%", "amount": 37_162_00, "included": True}])
    html = text(client.get(f"{BASE}/{order_id}"))
    assert "Picked up at Toko Prawirotaman" in html and "Jl. Prawirotaman 8" in html
    assert "Jl. Malioboro 12" not in html  # no delivery address for an order collected in person
    assert "Code HEMAT10" in html and "Including PPN 11%" in html
    invoice = text(client.get(f"{BASE}/{order_id}/invoice"))
    assert "Including PPN 11%" in invoice and "IDR 37,162" in invoice


def test_mark_paid_then_refuse_a_second_time(client, app, store, order_of):
    order_id = order_of()
    response = client.post(f"{BASE}/{order_id}/mark-paid")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/{order_id}")
    assert "is marked as paid" in text(client.get(response.headers["Location"]))
    order = load_order(app, store, order_id)
    assert order.payment_status == PaymentStatus.PAID and order.events[-1].actor == "Dewi Lestari"
    again = client.post(f"{BASE}/{order_id}/mark-paid", follow_redirects=True)
    assert "not waiting for payment" in text(again)
    assert events(app, store, order_id).count("paid") == 1


def test_card_orders_have_no_mark_paid(client, app, store, order_of):
    order_id = order_of(payment_method="stripe")
    assert "Mark as paid" not in text(client.get(f"{BASE}/{order_id}"))
    refused = client.post(f"{BASE}/{order_id}/mark-paid", follow_redirects=True)
    assert "Only bank transfer" in text(refused)
    assert load_order(app, store, order_id).payment_status == PaymentStatus.PENDING


def test_fulfil_part_then_the_rest_with_tracking_links(client, app, store, order_of):
    order_id = order_of()
    shirt_line, scarf_line = load_order(app, store, order_id).lines
    response = client.post(f"{BASE}/{order_id}/fulfil", data={
        "fulfil-carrier": "jne", "fulfil-tracking_number": "CGK0012345",
        f"fulfil-qty-{shirt_line.id}": "1", f"fulfil-qty-{scarf_line.id}": "0"})
    assert response.status_code == 302
    order = load_order(app, store, order_id)
    assert order.fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    page = client.get(f"{BASE}/{order_id}")
    assert 'href="https://www.jne.co.id/tracking-package?awb=CGK0012345"' in text(page)
    assert value(page, f"fulfil-qty-{shirt_line.id}") == "1" and value(page, f"fulfil-qty-{scarf_line.id}") == "1"
    client.post(f"{BASE}/{order_id}/fulfil", data={"fulfil-carrier": "jnt", "fulfil-tracking_number": "JT99"})
    order = load_order(app, store, order_id)
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED and len(order.fulfillments) == 2
    html = text(client.get(f"{BASE}/{order_id}"))
    assert "Mark as shipped" not in html and "Cancel order" not in html and "Mark as delivered" in html


@pytest.mark.parametrize("data, field, message", [
    ({"fulfil-carrier": "jne", "fulfil-tracking_number": ""}, "fulfil-tracking_number", "Enter the tracking number"),
    ({"fulfil-carrier": "kapal-api", "fulfil-tracking_number": "X1"}, "fulfil-carrier", "Choose a carrier"),
    ({"fulfil-carrier": "custom:²", "fulfil-tracking_number": "X1"}, "fulfil-carrier", "Choose a carrier"),
    ({"fulfil-carrier": "custom:99999999999999999999", "fulfil-tracking_number": "X1"}, "fulfil-carrier",
     "Choose a carrier"),
    ({"fulfil-carrier": "jne", "fulfil-tracking_number": "X1", "qty": "9"}, "fulfil-qty", "from 0 to 2"),
    ({"fulfil-carrier": "jne", "fulfil-tracking_number": "X1", "qty": "dua"}, "fulfil-qty", "from 0 to 2"),
])
def test_fulfil_bad_input_is_shown_beside_the_field(client, app, store, order_of, data, field, message):
    order_id = order_of()
    shirt_line = load_order(app, store, order_id).lines[0]
    if "qty" in data:
        data = {**data, f"fulfil-qty-{shirt_line.id}": data.pop("qty")}
        field = f"fulfil-qty-{shirt_line.id}"
    response = client.post(f"{BASE}/{order_id}/fulfil", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    assert value(response, "fulfil-tracking_number") == data["fulfil-tracking_number"]  # typed values stay
    if field.startswith("fulfil-qty"):
        assert value(response, field) == data[field]
    order = load_order(app, store, order_id)
    assert order.fulfillments == [] and order.fulfillment_status == FulfillmentStatus.UNFULFILLED
    assert events(app, store, order_id) == ["placed"]


def test_the_fulfil_form_lists_the_stores_own_carriers(client, app, ctx, store, order_of):
    with ctx(store.id) as session:
        own = shipping.save_carrier(None, name="Kurir Sari", tracking_url="https://kurir.example/lacak?resi={number}")
        session.commit()
        code = carriers.custom_code(own)
    order_id = order_of()
    options = [attrs.get("value") for tag, attrs in parse(client.get(f"{BASE}/{order_id}")).tags if tag == "option"]
    assert {"jne", "jnt", "gosend", "dhl", "fedex", code, "other"} <= set(options)
    assert options.index(code) < options.index("other")
    response = client.post(f"{BASE}/{order_id}/fulfil", data={"fulfil-carrier": code, "fulfil-tracking_number": "KS1"})
    assert response.status_code == 302
    assert 'href="https://kurir.example/lacak?resi=KS1"' in text(client.get(f"{BASE}/{order_id}"))


def test_the_fulfil_form_starts_at_the_carrier_the_shopper_chose(client, app, ctx, store, order_of):
    with ctx(store.id) as session:
        code = carriers.custom_code(shipping.save_carrier(None, name="Kurir Sari"))
        session.commit()
    for details, expected in (({"kind": "rate", "carrier": "jne"}, ["jne"]), ({"carrier": code}, [code]),
                              ({"carrier": "kapal-api"}, []), ({"kind": "pickup", "carrier": ""}, []), ({}, [])):
        order_id = order_of(shipping_details=details)
        page = client.get(f"{BASE}/{order_id}")
        assert chosen_options(page, "fulfil-carrier") == expected, details
    # A refused post shows what the merchant chose, not the checkout's carrier.
    order_id = order_of(shipping_details={"carrier": "jne"})
    response = client.post(f"{BASE}/{order_id}/fulfil", data={"fulfil-carrier": "dhl", "fulfil-tracking_number": ""})
    assert response.status_code == 200 and chosen_options(response, "fulfil-carrier") == ["dhl"]


def chosen_options(response, name) -> list[str]:
    """The selected options of the select called `name`."""
    found, current = [], None
    for tag, attrs in parse(response).tags:
        if tag == "select":
            current = attrs.get("name")
        elif tag == "option" and current == name and "selected" in attrs:
            found.append(attrs.get("value"))
    return found


def test_cash_on_delivery_is_paid_on_delivery(client, app, store, order_of):
    order_id = order_of(payment_method="cod")
    client.post(f"{BASE}/{order_id}/fulfil", data={"fulfil-carrier": "anteraja", "fulfil-tracking_number": "AA1"})
    assert "marked paid when it is delivered" in text(client.get(f"{BASE}/{order_id}"))
    assert client.post(f"{BASE}/{order_id}/deliver").status_code == 302
    order = load_order(app, store, order_id)
    assert order.payment_status == PaymentStatus.PAID and order.fulfillments[0].delivered_at is not None
    assert "already marked delivered" in text(client.post(f"{BASE}/{order_id}/deliver", follow_redirects=True))


def test_cancel_with_restock_puts_stock_back_once(client, app, store, order_of, shirt, scarf):
    order_id = order_of()
    assert (stock_of(app, store, shirt), stock_of(app, store, scarf)) == (8, 4)
    response = client.post(f"{BASE}/{order_id}/cancel", data={"cancel-restock": "y", "cancel-reason": "Stok rusak"})
    assert response.status_code == 302
    assert (stock_of(app, store, shirt), stock_of(app, store, scarf)) == (10, 5)
    order = load_order(app, store, order_id)
    assert order.status == OrderStatus.CANCELLED and order.payment_status == PaymentStatus.EXPIRED
    again = client.post(f"{BASE}/{order_id}/cancel", data={"cancel-restock": "y"}, follow_redirects=True)
    assert "already cancelled" in text(again)
    assert (stock_of(app, store, shirt), stock_of(app, store, scarf)) == (10, 5)
    html = text(client.get(f"{BASE}/{order_id}"))
    assert "Stok rusak" in html and "Mark as paid" not in html and "Mark as shipped" not in html


def test_cancel_without_restock_keeps_stock_out(client, app, store, order_of, shirt):
    order_id = order_of()
    client.post(f"{BASE}/{order_id}/cancel", data={"cancel-reason": ""})  # the box unticked
    assert load_order(app, store, order_id).status == OrderStatus.CANCELLED and stock_of(app, store, shirt) == 8


def test_cancel_reason_too_long_changes_nothing(client, app, store, order_of, shirt):
    order_id = order_of()
    response = client.post(f"{BASE}/{order_id}/cancel", data={"cancel-restock": "y", "cancel-reason": "x" * 501})
    assert response.status_code == 200 and "at most 500" in field_error(response, "cancel-reason")
    assert value(response, "cancel-reason").strip() == "x" * 501
    assert load_order(app, store, order_id).status == OrderStatus.OPEN and stock_of(app, store, shirt) == 8


def test_refund_part_with_restock_then_the_rest(client, app, store, order_of, shirt, ctx):
    order_id = order_of()
    client.post(f"{BASE}/{order_id}/mark-paid")
    shirt_line = load_order(app, store, order_id).lines[0]
    page = text(client.get(f"{BASE}/{order_id}"))
    assert "Up to IDR 405,000 can still be refunded" in page
    response = client.post(f"{BASE}/{order_id}/refund", data={
        "refund-amount": "150.000", "refund-reason": "Ukuran salah", f"refund-restock-{shirt_line.id}": "1"})
    assert response.status_code == 302
    order = load_order(app, store, order_id)
    assert order.refunded_total == 150_000_00 and order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert stock_of(app, store, shirt) == 9
    client.post(f"{BASE}/{order_id}/refund", data={"refund-amount": "IDR 255,000", "refund-reason": ""})
    order = load_order(app, store, order_id)
    assert order.payment_status == PaymentStatus.REFUNDED and stock_of(app, store, shirt) == 9
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Refund)) == 2
    assert 'id="refund"' not in text(client.get(f"{BASE}/{order_id}"))  # nothing left to refund


@pytest.mark.parametrize("data, field, message", [
    ({"refund-amount": ""}, "refund-amount", "Enter the amount"),
    ({"refund-amount": "lima ribu"}, "refund-amount", "such as 150.000"),
    ({"refund-amount": "-5"}, "refund-amount", "zero or more"),
    ({"refund-amount": "500.000"}, "refund-amount", "at most what is left"),
    ({"refund-amount": "10.000", "restock": "3"}, "refund-restock", "from 0 to 2"),
    ({"refund-amount": "10.000", "refund-reason": "x" * 501}, "refund-reason", "at most 500"),
])
def test_refund_bad_input_is_shown_beside_the_field(client, app, store, order_of, shirt, data, field, message, ctx):
    order_id = order_of()
    client.post(f"{BASE}/{order_id}/mark-paid")
    shirt_line = load_order(app, store, order_id).lines[0]
    if "restock" in data:
        data = {**data, f"refund-restock-{shirt_line.id}": data.pop("restock")}
        field = f"refund-restock-{shirt_line.id}"
    response = client.post(f"{BASE}/{order_id}/refund", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field) or ""), error_fields(response)
    assert value(response, "refund-amount") == data["refund-amount"]
    order = load_order(app, store, order_id)
    assert order.refunded_total == 0 and order.payment_status == PaymentStatus.PAID
    assert stock_of(app, store, shirt) == 8
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Refund)) == 0


def test_an_unpaid_order_cannot_be_refunded(client, app, store, order_of):
    order_id = order_of()
    response = client.post(f"{BASE}/{order_id}/refund", data={"refund-amount": "10.000"}, follow_redirects=True)
    assert "Only paid orders" in text(response)
    assert load_order(app, store, order_id).refunded_total == 0


def test_notes_are_added_to_the_timeline_newest_first(client, app, store, order_of):
    order_id = order_of()
    client.post(f"{BASE}/{order_id}/notes", data={"note-text": "Pembeli telepon, minta kirim Senin"})
    client.post(f"{BASE}/{order_id}/notes", data={"note-text": "<script>alert(1)</script>"})
    html = text(client.get(f"{BASE}/{order_id}"))
    assert html.index("&lt;script&gt;") < html.index("minta kirim Senin") < html.index("Order placed.")
    assert "<script>alert(1)" not in html and "by Dewi Lestari" in html
    empty = client.post(f"{BASE}/{order_id}/notes", data={"note-text": "  "})
    assert empty.status_code == 200 and "Write a note" in field_error(empty, "note-text")
    assert events(app, store, order_id).count("note") == 2


def test_invoice_and_packing_slip_print(client, app, store, order_of):
    order_id = order_of()
    invoice = text(client.get(f"{BASE}/{order_id}/invoice"))
    assert invoice.count("<h1") == 1 and "Invoice" in invoice and "#1001" in invoice
    assert "Batik Sari" in invoice and "Jl. Prawirotaman 8" in invoice and "Jl. Malioboro 12" in invoice
    assert "IDR 405,000" in invoice and "Kemeja Batik" in invoice
    slip = text(client.get(f"{BASE}/{order_id}/packing-slip"))
    assert "Packing slip" in slip and "Kemeja Batik" in slip and "IDR" not in slip
    css = (Path(app.root_path) / "static/css/app.css").read_text()
    assert "@media print" in css and ".order-doc" in css


def test_another_stores_orders_are_404(client, app, store, create_store, create_product, ctx):
    other = create_store()
    theirs = make_order(app, other, [(create_product(other, title="Rahasia"), 1)])
    urls = [("get", f"{BASE}/{theirs}"), ("get", f"{BASE}/{theirs}/invoice"), ("get", f"{BASE}/{theirs}/packing-slip"),
            ("post", f"{BASE}/{theirs}/mark-paid"), ("post", f"{BASE}/{theirs}/fulfil"),
            ("post", f"{BASE}/{theirs}/deliver"), ("post", f"{BASE}/{theirs}/cancel"),
            ("post", f"{BASE}/{theirs}/refund"), ("post", f"{BASE}/{theirs}/notes"),
            ("get", f"/stores/{other.slug}/orders"), ("get", f"/stores/{other.slug}/orders/{theirs}")]
    for method, url in urls:
        assert getattr(client, method)(url, data={"cancel-restock": "y"}).status_code == 404, url
    assert "Rahasia" not in text(client.get(f"{BASE}?q=1001"))
    order = load_order(app, other, theirs)
    assert order.status == OrderStatus.OPEN and order.payment_status == PaymentStatus.PENDING
    with ctx(other.id) as session:
        assert session.scalar(select(func.count()).select_from(OrderEvent)) == 1


def test_logged_out_visitors_are_sent_to_log_in(app, store, order_of):
    order_id = order_of()
    anonymous = app.test_client()
    response = anonymous.get(f"{BASE}/{order_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
