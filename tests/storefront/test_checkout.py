"""The shopper's cart, checkout and order status page, over HTTP on the store's host."""
import re

import pytest
from sqlalchemy import func, select

from saas.catalog.models import InventoryAdjustment, Variant
from saas.orders.models import BankAccount, CheckoutSettings, Order, PaymentMethod, PaymentStatus
from tests.orders.factories import flat_shipping, shipping_choice

ADDRESS = {
    "email": "Sari@Example.com", "phone": "0812-3456-7890", "name": "Sari Wulandari",
    "street": "Jl. Braga No. 10, RT 02/RW 05", "district": "Sumur Bandung", "city": "Kota Bandung",
    "province": "Jawa Barat", "postal_code": "40111", "payment_method": "bank_transfer", "note": "",
}


@pytest.fixture
def store(create_store, ctx):
    tenant = create_store(name="Toko Kain", slug="toko-kain", locale="id", contact_email="pemilik@tokokain.example")
    with ctx(tenant.id) as session:
        session.add_all([
            PaymentMethod(provider="bank_transfer", enabled=True, position=0),
            PaymentMethod(provider="cod", enabled=True, position=1),
            BankAccount(bank="BCA", number="1234567890", holder="Toko Kain"),
            CheckoutSettings(),
        ])
        flat_shipping(session, 20_000_00, free_over=500_000_00)
        session.commit()
    return tenant


@pytest.fixture
def shopper(store, store_client):
    return store_client(store)


def add(shopper, variant_id, quantity=1, **headers):
    return shopper.post("/cart/add", data={"variant_id": str(variant_id), "quantity": str(quantity)}, headers=headers)


def checkout_form(shopper):
    page = shopper.get("/checkout")
    assert page.status_code == 200, page.status_code
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.get_data(as_text=True))[1]
    return {**ADDRESS, "idempotency_key": key, "shipping_option": shipping_choice(shopper, ADDRESS)}


def stock_of(ctx, store, variant_id):
    with ctx(store.id) as session:
        return session.scalar(select(Variant.stock).where(Variant.id == variant_id))


def test_a_guest_buys_two_products_and_sees_the_status_page(store, shopper, create_product, ctx, run_jobs, outbox):
    kain = create_product(store, title="Kain Songket", status="active", price=250_000_00, stock=5)
    syal = create_product(store, title="Syal Batik", status="active", price=75_000_00, stock=3,
                          options=[{"name": "Warna", "values": ["Merah", "Biru"]}])
    assert add(shopper, kain.variants[0].id, 2).status_code == 303
    assert add(shopper, syal.variants[1].id).status_code == 303
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "Kain Songket" in cart and "Syal Batik (Biru)" in cart and "575.000" in cart
    assert shopper.get("/cart.json").json["count"] == 3
    response = shopper.post("/checkout", data=checkout_form(shopper))
    assert response.status_code == 303
    status_page = shopper.get(response.headers["Location"])
    html = status_page.get_data(as_text=True)
    assert status_page.status_code == 200 and "#1001" in html and "1234567890" in html
    assert "575.000" in html and "Gratis" in html  # over the free-shipping amount
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        assert (order.number, order.subtotal, order.shipping_total, order.total) == (1001, 575_000_00, 0, 575_000_00)
        assert order.email == "sari@example.com" and order.phone == "+6281234567890"
        assert order.payment_status == PaymentStatus.PENDING and order.payment_due_at is not None
        assert [(line.title, line.quantity) for line in order.lines] == [("Kain Songket", 2), ("Syal Batik", 1)]
        assert session.scalar(select(func.count()).select_from(InventoryAdjustment)
                              .where(InventoryAdjustment.note == "#1001")) == 2
    assert stock_of(ctx, store, kain.variants[0].id) == 3 and stock_of(ctx, store, syal.variants[1].id) == 2
    assert shopper.get("/cart.json").json["count"] == 0  # the cart became the order
    run_jobs()
    sent = {str(message["To"]): message for message in outbox()}
    assert set(sent) == {"sari@example.com", "pemilik@tokokain.example"}
    confirmation = sent["sari@example.com"].get_body(("plain",)).get_content()
    assert "#1001" in confirmation and "1234567890" in confirmation and "/orders/" in confirmation
    assert "#1001" in str(sent["pemilik@tokokain.example"]["Subject"])


def test_the_browser_price_is_ignored_and_shipping_is_charged_below_the_threshold(store, shopper, create_product, ctx):
    kain = create_product(store, title="Kain Songket", status="active", price=100_000_00, stock=5)
    add(shopper, kain.variants[0].id)
    form = {**checkout_form(shopper), "total": "1", "price": "1", "subtotal": "1"}
    assert shopper.post("/checkout", data=form).status_code == 303
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        assert (order.subtotal, order.shipping_total, order.total) == (100_000_00, 20_000_00, 120_000_00)


def test_a_double_submit_makes_one_order(store, shopper, create_product, ctx):
    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    add(shopper, kain.variants[0].id)
    form = checkout_form(shopper)
    first = shopper.post("/checkout", data=form)
    again = shopper.post("/checkout", data=form)
    assert first.status_code == 303 and "/orders/" in first.headers["Location"]
    assert again.headers["Location"] == first.headers["Location"]  # the same order's page, not a second order
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
    assert stock_of(ctx, store, kain.variants[0].id) == 4


@pytest.mark.parametrize("field, value, message", [
    ("email", "bukan-email", "Enter an email address"),
    ("phone", "12", "Enter a phone number"),
    ("postal_code", "4011", "5-digit postal code"),
    ("province", "Atlantis", "Not a valid choice"),
    ("name", "", "Enter the name"),
    ("payment_method", "stripe", "Choose how you will pay"),
])
def test_bad_checkout_input_is_answered_beside_the_field_and_nothing_is_saved(store, shopper, create_product, ctx,
                                                                           field, value, message, app):
    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    add(shopper, kain.variants[0].id)
    form = {**checkout_form(shopper), field: value}
    response = shopper.post("/checkout", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html or (field == "payment_method" and 'id="payment-error"' in html)
    assert 'value="Sari Wulandari"' in html or field == "name"  # what was typed is kept
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
    assert stock_of(ctx, store, kain.variants[0].id) == 5


def test_quantities_are_limited_by_stock_and_bad_ones_refused(store, shopper, create_product):
    kain = create_product(store, title="Kain Songket", status="active", stock=2)
    answer = add(shopper, kain.variants[0].id, 3, Accept="application/json").json
    assert answer["ok"] is False and "2" in answer["error"]
    for bad in ("0", "-1", "abc", "1000"):
        assert add(shopper, kain.variants[0].id, bad, Accept="application/json").json["ok"] is False
    answer = add(shopper, kain.variants[0].id, 2, Accept="application/json").json
    assert answer["ok"] is True and answer["count"] == 2
    assert shopper.get("/cart.json").json["count"] == 2


def test_another_stores_variant_cannot_be_added(store, shopper, create_store, create_product):
    other = create_store(name="Toko Lain", slug="toko-lain")
    theirs = create_product(other, title="Milik Toko Lain", status="active")
    answer = add(shopper, theirs.variants[0].id, Accept="application/json").json
    assert answer["ok"] is False
    assert shopper.get("/cart.json").json["count"] == 0


@pytest.mark.parametrize("variant_id", ["99999999999999999999", "9223372036854775808", "-1", "", "%D9%A1", "1e3"])
def test_a_variant_id_that_no_store_has_is_refused(store, shopper, variant_id):
    assert add(shopper, variant_id, Accept="application/json").json["ok"] is False
    assert add(shopper, variant_id).status_code == 303  # without JavaScript: back to the page, with a message
    assert shopper.get("/cart.json").json["count"] == 0


def test_an_item_that_sells_out_is_flagged_not_dropped(store, shopper, create_product, ctx):
    kain = create_product(store, title="Kain Songket", status="active", stock=2)
    add(shopper, kain.variants[0].id, 2)
    with ctx(store.id) as session:
        session.scalar(select(Variant).where(Variant.id == kain.variants[0].id)).stock = 0
        session.commit()
    cart = shopper.get("/cart").get_data(as_text=True)
    assert "Kain Songket" in cart and "habis" in cart.lower()
    assert shopper.get("/checkout").status_code == 303  # back to the cart, which says why


def test_the_last_unit_bought_twice_gives_one_order(store, store_client, create_product, ctx):
    kain = create_product(store, title="Kain Songket", status="active", stock=1)
    first, second = store_client(store), store_client(store)
    add(first, kain.variants[0].id)
    add(second, kain.variants[0].id)
    form_one, form_two = checkout_form(first), checkout_form(second)
    assert first.post("/checkout", data=form_one).status_code == 303
    refused = second.post("/checkout", data=form_two)
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/cart")
    assert "habis" in second.get("/cart").get_data(as_text=True).lower()
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
    assert stock_of(ctx, store, kain.variants[0].id) == 0


def test_order_numbers_count_per_store(store, shopper, create_store, store_client, create_product, ctx):
    other = create_store(name="Toko Dua", slug="toko-dua")
    with ctx(other.id) as session:
        session.add_all([PaymentMethod(provider="cod", enabled=True)])
        session.commit()
    for tenant, client in ((store, shopper), (store, shopper), (other, store_client(other))):
        product = create_product(tenant, status="active", stock=5)
        add(client, product.variants[0].id)
        form = {**checkout_form(client), "payment_method": "cod"}
        assert client.post("/checkout", data=form).status_code == 303
    with ctx(store.id) as session:
        assert sorted(session.scalars(select(Order.number))) == [1001, 1002]
    with ctx(other.id) as session:
        assert list(session.scalars(select(Order.number))) == [1001]


def test_an_unknown_order_token_is_a_themed_404(shopper):
    response = shopper.get("/orders/not-a-real-token")
    assert response.status_code == 404 and "Toko Kain" in response.get_data(as_text=True)


def test_a_store_without_payment_methods_says_ordering_is_not_open(create_store, store_client, create_product):
    tenant = create_store(name="Toko Baru", slug="toko-baru")
    product = create_product(tenant, status="active")
    client = store_client(tenant)
    add(client, product.variants[0].id)
    cart = client.get("/cart").get_data(as_text=True)
    assert "Product" in cart and 'href="/checkout"' not in cart
    assert client.get("/checkout").status_code == 303


def test_cached_page_forms_need_no_token_but_checkout_does(store, shopper, create_product, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    assert add(shopper, kain.variants[0].id).status_code == 303  # posted from a cached product page
    assert shopper.post("/newsletter", data={"email": "pembeli@example.com"}).status_code == 303
    page = shopper.get("/checkout").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    option = shipping_choice(shopper, ADDRESS)
    forged = shopper.post("/checkout", data={**ADDRESS, "idempotency_key": key, "shipping_option": option})
    assert forged.status_code == 400 and "Toko Kain" in forged.get_data(as_text=True)
    placed = shopper.post("/checkout", data={**ADDRESS, "idempotency_key": key, "csrf_token": token,
                                             "shipping_option": option})
    assert placed.status_code == 303 and "/orders/" in placed.headers["Location"]


def test_a_post_from_another_site_is_refused(store, shopper, create_product):
    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    response = shopper.post("/cart/add", data={"variant_id": str(kain.variants[0].id)},
                            headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert shopper.get("/cart.json").json["count"] == 0


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 600), (240, 240, 240)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_shopper_uploads_a_transfer_receipt_that_only_the_merchant_can_see(store, shopper, create_product, ctx,
                                                                               create_user, login, client):
    import io

    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    add(shopper, kain.variants[0].id)
    status_url = shopper.post("/checkout", data=checkout_form(shopper)).headers["Location"]
    token = status_url.rsplit("/", 1)[1]
    refused = shopper.post(f"/orders/{token}/proof", data={"proof": (io.BytesIO(b"%PDF-1.4 not an image"), "bukti.pdf")})
    assert refused.status_code == 303
    assert "notice--error" in shopper.get(status_url).get_data(as_text=True)
    with ctx(store.id) as session:
        assert session.scalar(select(Order)).payments[0].proof_media_id is None
    sent = shopper.post(f"/orders/{token}/proof", data={"proof": (io.BytesIO(_jpeg()), "bukti.jpg")})
    assert sent.status_code == 303
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        proof_id = order.payments[0].proof_media_id
        assert proof_id is not None and any(e.kind == "proof_uploaded" for e in order.events)
        from saas.storage.models import MediaFile

        key = next(iter(session.scalar(select(MediaFile).where(MediaFile.id == proof_id)).renditions["jpg"].values()))
    assert shopper.get(f"/media/{key}").status_code == 404  # receipts are never public on the store's host
    owner = create_user()
    from saas.tenants.models import Membership, Role

    with ctx() as session:
        session.add(Membership(user_id=owner.id, tenant_id=store.id, role=Role.OWNER))
        session.commit()
    login(client, owner)
    page = client.get(f"/stores/toko-kain/orders/{order.id}").get_data(as_text=True)
    assert "/media/" in page and str(proof_id) in page
    assert client.get(f"/media/{key}").status_code == 200


def test_the_mini_cart_reads_and_changes_the_cart_as_json(store, shopper, create_product):
    kain = create_product(store, title="Kain Songket", status="active", price=250_000_00, stock=3)
    add(shopper, kain.variants[0].id)
    cart = shopper.get("/cart.json").json
    (line,) = cart["items"]
    assert (line["title"], line["quantity"], line["max"], line["url"]) == ("Kain Songket", 1, 3, "/products/kain-songket")
    assert cart["subtotal"] == "Rp 250.000" and cart["can_check_out"] is True
    json_headers = {"Accept": "application/json"}
    changed = shopper.post("/cart/change", data={f"quantity-{line['id']}": "3"}, headers=json_headers).json
    assert changed["ok"] and changed["count"] == 3 and changed["subtotal"] == "Rp 750.000"
    refused = shopper.post("/cart/change", data={f"quantity-{line['id']}": "4"}, headers=json_headers).json
    assert not refused["ok"] and refused["error"] and refused["count"] == 3  # nothing half-changed
    emptied = shopper.post("/cart/change", data={"remove": line["id"]}, headers=json_headers).json
    assert emptied["ok"] and emptied["items"] == [] and emptied["can_check_out"] is False


def test_an_unexpected_error_on_a_store_shows_the_stores_own_page(store, shopper, monkeypatch):
    from saas.storefront import shop

    def broken(cart):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(shop.orders, "view_cart", broken)
    response = shopper.get("/cart")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Toko Kain" in page and "app.js" not in page
    assert "the database went away" not in page


def test_best_selling_sorts_by_units_on_orders_that_werent_cancelled(store, shopper, create_product, ctx):
    from saas.catalog.models import Product
    from saas.orders import management

    kain = create_product(store, title="Kain Songket", status="active", price=250_000_00, stock=20)
    syal = create_product(store, title="Syal Batik", status="active", price=75_000_00, stock=20)
    create_product(store, title="Tas Anyaman", status="active", price=90_000_00, stock=20)

    def titles():
        html = shopper.get("/collections/all?sort=best-selling").get_data(as_text=True)
        return re.findall(r'class="product-card__title">([^<]+)<', html)

    def buy(product, quantity):
        assert add(shopper, product.variants[0].id, quantity).status_code == 303
        assert shopper.post("/checkout", data=checkout_form(shopper)).status_code == 303

    assert "Terlaris" in shopper.get("/collections/all").get_data(as_text=True)  # offered in the sort menu
    buy(syal, 3)
    buy(kain, 1)
    buy(kain, 1)
    assert titles() == ["Syal Batik", "Kain Songket", "Tas Anyaman"]
    with ctx(store.id) as session:
        order = session.scalar(select(Order).where(Order.number == 1001))
        management.cancel(management.get_order(order.id, lock=True), "pemilik@tokokain.example")
        session.commit()
    assert titles() == ["Kain Songket", "Tas Anyaman", "Syal Batik"]  # the tie of 0 goes to the newest
    with ctx(store.id) as session:
        assert dict(session.execute(select(Product.title, Product.units_sold)).all()) == {
            "Kain Songket": 2, "Syal Batik": 0, "Tas Anyaman": 0}
    assert "Tas Anyaman" in shopper.get("/collections/all?sort=best-selling&page=9").get_data(as_text=True)


def test_units_returned_on_a_refund_come_off_best_selling_once(store, shopper, create_product, ctx):
    from saas.catalog.models import Product
    from saas.orders import management

    kain = create_product(store, title="Kain Songket", status="active", price=250_000_00, stock=20)
    for quantity in (3, 2):  # orders 1001 and 1002
        assert add(shopper, kain.variants[0].id, quantity).status_code == 303
        assert shopper.post("/checkout", data=checkout_form(shopper)).status_code == 303

    def units_sold():
        with ctx(store.id) as session:
            return session.scalar(select(Product.units_sold))

    def act(change):
        with ctx(store.id) as session:
            order_id = session.scalar(select(Order.id).where(Order.number == 1001))
            change(management.get_order(order_id, lock=True))
            session.commit()

    assert units_sold() == 5
    act(lambda order: management.mark_paid(order, "pemilik@tokokain.example"))
    act(lambda order: management.refund(order, "pemilik@tokokain.example", 100_000_00, "",
                                        {str(order.lines[0].id): 1}))
    assert units_sold() == 4  # one unit came back
    act(lambda order: management.refund(order, "pemilik@tokokain.example", 50_000_00))
    assert units_sold() == 4  # money alone: the units are still sold
    act(lambda order: management.cancel(order, "pemilik@tokokain.example"))
    assert units_sold() == 2  # the cancel takes off the two units still counted, not all three
