"""Customer accounts on the storefront, over HTTP on the store's host."""
import re

import pytest
from sqlalchemy import func, select

from saas.customers.models import Customer, CustomerAddress
from saas.orders.models import BankAccount, Cart, CheckoutSettings, Order, PaymentMethod
from tests.storefront.test_checkout import add, checkout_form
from tests.orders.factories import flat_shipping

PASSWORD = "teh-manis-hangat-7"
HOME = {"name": "Sari Wulandari", "phone": "0812-3456-7890", "street": "Jl. Braga No. 10", "district": "Sumur Bandung",
        "city": "Kota Bandung", "province": "Jawa Barat", "postal_code": "40111"}


def _setup_store(create_store, ctx, name, slug, require_account=False):
    tenant = create_store(name=name, slug=slug, locale="en")
    with ctx(tenant.id) as session:
        session.add_all([
            PaymentMethod(provider="bank_transfer", enabled=True, position=0),
            BankAccount(bank="BCA", number="1234567890", holder=name),
            CheckoutSettings(require_account=require_account),
        ])
        flat_shipping(session, 20_000_00)
        session.commit()
    return tenant


@pytest.fixture
def store(create_store, ctx):
    return _setup_store(create_store, ctx, "Toko Kain", "toko-kain")


@pytest.fixture
def shopper(store, store_client):
    return store_client(store)


def register(client, email="sari@example.com", password=PASSWORD, name="Sari", **extra):
    return client.post("/account/register", data={"email": email, "password": password, "name": name, **extra})


def log_in(client, email="sari@example.com", password=PASSWORD, next_url=None):
    url = "/account/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def log_out(client):
    return client.post("/account/logout")


def text(response):
    return response.get_data(as_text=True)


def test_register_log_out_and_log_in(shopper, store, ctx):
    assert shopper.get("/account").headers["Location"].startswith("/account/login?next=/account")
    page = shopper.get("/account/register")
    assert page.status_code == 200 and text(page).count("<h1") == 1 and 'for="password"' in text(page)
    response = register(shopper, email="  Sari@Example.COM ")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    account = shopper.get("/account")
    assert account.status_code == 200 and "sari@example.com" in text(account) and "Log out" in text(account)
    with ctx(store.id) as session:
        customer = session.scalar(select(Customer))
        assert customer.email == "sari@example.com" and customer.name == "Sari"
        assert customer.password_hash.startswith("$argon2") and PASSWORD not in customer.password_hash
    assert log_out(shopper).status_code == 303
    assert shopper.get("/account").status_code == 303  # logged out
    response = log_in(shopper, email="SARI@example.com")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert shopper.get("/account").status_code == 200
    assert shopper.get("/account/login").headers["Location"] == "/account"  # already logged in


@pytest.mark.parametrize("field, data, message", [
    ("email", {"email": "bukan-email"}, "Enter a valid email address"),
    ("email", {"email": ""}, "Enter your email"),
    ("password", {"password": "pendek"}, "at least 10 characters"),
    ("password", {"password": "password123"}, "too common"),
    ("name", {"name": ""}, "Enter your name"),
])
def test_bad_registration_is_answered_beside_the_field_and_keeps_what_was_typed(shopper, store, ctx, field, data,
                                                                                 message):
    form = {"email": "sari@example.com", "password": PASSWORD, "name": "Sari Wulandari", **data}
    response = shopper.post("/account/register", data=form)
    html = text(response)
    assert response.status_code == 200 and message in html
    assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html
    if field != "name":
        assert 'value="Sari Wulandari"' in html
    assert PASSWORD not in html  # a password is never sent back
    with ctx(store.id) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_an_email_registers_once_per_store(shopper, store):
    register(shopper)
    log_out(shopper)
    response = register(shopper, email="SARI@example.com")
    assert response.status_code == 200 and "already exists" in text(response) and 'id="email-error"' in text(response)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(shopper, store):
    register(shopper)
    log_out(shopper)
    wrong = log_in(shopper, password="salah-salah-salah")
    unknown = log_in(shopper, email="nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "match an account at this store" in text(response) and 'id="password-error"' in text(response)
    assert shopper.get("/account").status_code == 303


def test_the_same_email_at_two_stores_is_two_accounts_and_a_session_does_not_cross(store, shopper, create_store, ctx,
                                                                                     store_client, app):
    other = _setup_store(create_store, ctx, "Toko Lain", "toko-lain")
    neighbour = store_client(other)
    register(shopper, password=PASSWORD)
    assert log_in(neighbour).status_code == 200  # no account at the other store yet
    assert register(neighbour, password="kopi-tubruk-panas-9").status_code == 303
    with ctx(store.id) as session:
        mine = session.scalar(select(Customer))
    with ctx(other.id) as session:
        theirs = session.scalar(select(Customer))
    assert mine.email == theirs.email and mine.id != theirs.id
    log_out(neighbour)
    assert log_in(neighbour, password=PASSWORD).status_code == 200  # store A's password means nothing at B
    # A session made at store A, carried to store B's host, logs nobody in there.
    with shopper.session_transaction() as session:
        carried = dict(session)
    with neighbour.session_transaction() as session:
        session.update(carried)
    assert neighbour.get("/account").status_code == 303
    with neighbour.session_transaction() as session:  # even naming B's customer, but with A's store
        session["customer"] = {"tenant": store.id, "id": theirs.id}
    assert neighbour.get("/account").status_code == 303
    with neighbour.session_transaction() as session:  # and A's customer id under B's store finds no one
        session["customer"] = {"tenant": other.id, "id": mine.id}
    assert neighbour.get("/account").status_code == 303


def _place_order(client):
    response = client.post("/checkout", data=checkout_form(client))
    assert response.status_code == 303, text(response)[:500]
    return response.headers["Location"]


def test_order_history_shows_only_this_customers_orders(store, shopper, store_client, create_product, ctx):
    kain = create_product(store, title="Kain Songket", status="active", stock=10)
    register(shopper)
    add(shopper, kain.variants[0].id)
    mine = _place_order(shopper)
    guest = store_client(store)  # another shopper, as a guest, with the same email typed in
    add(guest, kain.variants[0].id)
    _place_order(guest)
    page = shopper.get("/account")
    html = text(page)
    token = mine.rsplit("/", 1)[1]
    assert f'href="/orders/{token}"' in html and "#1001" in html and "#1002" not in html
    with ctx(store.id) as session:
        numbers = dict(session.execute(select(Order.number, Order.customer_id)).all())
    assert numbers[1001] is not None and numbers[1002] is None


def test_address_crud_and_other_customers_addresses_are_404(store, shopper, store_client, ctx, create_store):
    register(shopper)
    bad = shopper.post("/account/addresses", data={**HOME, "postal_code": "401"})
    assert bad.status_code == 200 and 'id="postal_code-error"' in text(bad) and 'value="Jl. Braga No. 10"' not in text(
        bad) and "Jl. Braga No. 10</textarea>" in text(bad)
    assert shopper.post("/account/addresses", data=HOME).status_code == 303
    assert shopper.post("/account/addresses", data={**HOME, "name": "Kantor", "street": "Jl. Asia Afrika 8",
                                                    "is_default": "y"}).status_code == 303
    with ctx(store.id) as session:
        rows = {a.name: a for a in session.scalars(select(CustomerAddress))}
    assert rows["Kantor"].is_default and not rows["Sari Wulandari"].is_default
    assert rows["Sari Wulandari"].phone == "+6281234567890"
    home_id, office_id = rows["Sari Wulandari"].id, rows["Kantor"].id
    html = text(shopper.get("/account"))
    assert "Jl. Braga No. 10" in html and "Jl. Asia Afrika 8" in html
    edit = shopper.get(f"/account/addresses/{home_id}")
    assert edit.status_code == 200 and "Jl. Braga No. 10" in text(edit)
    assert shopper.post(f"/account/addresses/{home_id}", data={**HOME, "city": "Kota Cimahi"}).status_code == 303
    assert shopper.post(f"/account/addresses/{home_id}/default").status_code == 303
    assert shopper.post(f"/account/addresses/{office_id}/delete").status_code == 303
    with ctx(store.id) as session:
        rows = list(session.scalars(select(CustomerAddress)))
    assert [(a.city, a.is_default) for a in rows] == [("Kota Cimahi", True)]

    intruder = store_client(store)
    register(intruder, email="budi@example.com")
    for method, path in [("get", f"/account/addresses/{home_id}"), ("post", f"/account/addresses/{home_id}"),
                         ("post", f"/account/addresses/{home_id}/delete"),
                         ("post", f"/account/addresses/{home_id}/default"), ("get", "/account/addresses/abc")]:
        response = getattr(intruder, method)(path, data=HOME if method == "post" else None)
        assert response.status_code == 404, path
    other = _setup_store(create_store, ctx, "Toko Lain", "toko-lain")
    neighbour = store_client(other)
    register(neighbour)
    assert neighbour.get(f"/account/addresses/{home_id}").status_code == 404
    with ctx(store.id) as session:
        assert session.scalar(select(CustomerAddress.city)) == "Kota Cimahi"


def test_password_reset_by_email_works_once(store, shopper, ctx, run_jobs, outbox):
    register(shopper)
    log_out(shopper)
    response = shopper.post("/account/reset", data={"email": "Sari@example.com"})
    assert response.status_code == 303
    unknown = shopper.post("/account/reset", data={"email": "nobody@example.com"})
    assert unknown.status_code == 303  # the same answer: accounts can't be probed
    run_jobs()
    messages = outbox()
    assert [str(m["To"]) for m in messages] == ["sari@example.com"]
    assert "Toko Kain" in str(messages[0]["Subject"])
    body = messages[0].get_body(("plain",)).get_content()
    link = re.search(r"http://toko-kain\.localhost(/account/reset/\S+)", body)[1]
    assert "Toko Kain" in messages[0].get_body(("html",)).get_content()
    page = shopper.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    weak = shopper.post(link, data={"password": "short"})
    assert weak.status_code == 200 and 'id="password-error"' in text(weak)
    assert shopper.post(link, data={"password": "rahasia-baru-sekali"}).status_code == 303
    assert shopper.get("/account").status_code == 200  # logged in by the reset
    again = shopper.post(link, data={"password": "rahasia-lain-lagi-1"})
    assert again.status_code == 303 and again.headers["Location"] == "/account/reset"  # used once only
    log_out(shopper)
    assert log_in(shopper, password=PASSWORD).status_code == 200
    assert log_in(shopper, password="rahasia-baru-sekali").status_code == 303


def test_a_reset_link_of_another_store_or_a_forged_one_is_refused(store, shopper, create_store, ctx, store_client,
                                                                  run_jobs, outbox):
    register(shopper)
    shopper.post("/account/reset", data={"email": "sari@example.com"})
    run_jobs()
    link = re.search(r"(/account/reset/\S+)", outbox()[0].get_body(("plain",)).get_content())[1]
    other = _setup_store(create_store, ctx, "Toko Lain", "toko-lain")
    assert store_client(other).get(link).headers["Location"] == "/account/reset"
    assert shopper.get("/account/reset/not-a-token").headers["Location"] == "/account/reset"


def test_a_password_reset_ends_other_sessions(store, shopper, store_client, run_jobs, outbox):
    register(shopper)
    laptop = store_client(store)
    log_in(laptop)
    assert laptop.get("/account").status_code == 200
    shopper.post("/account/reset", data={"email": "sari@example.com"})
    run_jobs()
    link = re.search(r"(/account/reset/\S+)", outbox()[0].get_body(("plain",)).get_content())[1]
    assert shopper.post(link, data={"password": "rahasia-baru-sekali"}).status_code == 303
    assert laptop.get("/account").status_code == 303


def test_login_and_reset_requests_are_rate_limited(store, shopper):
    for _attempt in range(5):
        assert shopper.post("/account/reset", data={"email": "x@example.com"}).status_code == 303
    limited = shopper.post("/account/reset", data={"email": "x@example.com"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    page = limited.get_data(as_text=True)
    assert "Toko Kain" in page and "Too many tries" in page and "Etalase" not in page  # the store's own page
    register(shopper)
    log_out(shopper)
    for _attempt in range(5):
        assert log_in(shopper, password="salah-salah-salah").status_code == 200
    assert log_in(shopper).status_code == 429  # this account is locked for a while, even with the right password


def test_a_guest_cart_merges_into_the_saved_cart_at_login(store, shopper, store_client, create_product, ctx):
    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    syal = create_product(store, title="Syal Batik", status="active", stock=10)
    register(shopper)
    add(shopper, kain.variants[0].id, 3)
    log_out(shopper)
    assert shopper.get("/cart.json").json["count"] == 0  # logging out leaves the cart with the account
    guest = store_client(store)
    add(guest, kain.variants[0].id, 4)
    add(guest, syal.variants[0].id, 2)
    response = log_in(guest, next_url="/checkout")
    assert response.status_code == 303 and response.headers["Location"] == "/checkout"
    answer = guest.get("/cart.json").json
    titles = {item["title"]: item["quantity"] for item in answer["items"]}
    assert titles == {"Kain Songket": 5, "Syal Batik": 2}  # 3 + 4, capped by the stock of 5
    with ctx(store.id) as session:
        carts = list(session.scalars(select(Cart)))
        assert len(carts) == 1 and carts[0].customer_id is not None
    assert log_in(shopper).status_code == 303  # the first browser logs in again and finds the same cart
    assert shopper.get("/cart.json").json["count"] == 7


def test_checkout_can_require_an_account_and_login_keeps_the_cart(create_store, ctx, store_client, create_product):
    store = _setup_store(create_store, ctx, "Toko Akun", "toko-akun", require_account=True)
    shopper = store_client(store)
    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    add(shopper, kain.variants[0].id, 2)
    response = shopper.get("/checkout")
    assert response.status_code == 303 and response.headers["Location"] == "/account/login?next=/checkout"
    login_page = shopper.get(response.headers["Location"])
    assert "Log in or create an account to check out." in text(login_page)
    assert 'href="/account/register?next=/checkout"' in text(login_page)
    response = shopper.post("/account/register?next=/checkout",
                            data={"email": "sari@example.com", "password": PASSWORD, "name": "Sari"})
    assert response.headers["Location"] == "/checkout"
    page = shopper.get("/checkout")
    assert page.status_code == 200 and "Kain Songket" in text(page)
    _place_order(shopper)
    with ctx(store.id) as session:
        order = session.scalar(select(Order))
        customer = session.scalar(select(Customer))
        assert order.customer_id == customer.id


def test_checkout_is_prefilled_for_a_logged_in_customer(store, shopper, create_product, ctx):
    kain = create_product(store, title="Kain Songket", status="active", stock=5)
    register(shopper)
    shopper.post("/account/addresses", data={**HOME, "name": "Kantor", "street": "Jl. Asia Afrika 8"})
    shopper.post("/account/addresses", data={**HOME, "is_default": "y"})
    add(shopper, kain.variants[0].id)
    html = text(shopper.get("/checkout"))
    assert 'value="sari@example.com"' in html and 'value="Sari Wulandari"' in html
    assert "Jl. Braga No. 10</textarea>" in html and 'value="40111"' in html and 'value="+62 812-3456-7890"' in html
    assert '<option value="Jawa Barat" selected>' in html
    response = shopper.post("/checkout", data={**checkout_form(shopper), "email": "sari@example.com"})
    assert response.status_code == 303
    with ctx(store.id) as session:
        assert session.scalar(select(Order.customer_id)) == session.scalar(select(Customer.id))


@pytest.mark.parametrize("path", ["/account", "/account/login", "/account/register", "/account/reset",
                                  "/account/addresses"])
def test_account_pages_are_never_cached(store, shopper, path):
    register(shopper)
    for _visit in range(2):
        response = shopper.get(path)
        assert "X-Cache" not in response.headers, path
        assert response.headers["Cache-Control"] == "no-store", path
    log_out(shopper)
    for _visit in range(2):
        response = shopper.get(path)
        assert "X-Cache" not in response.headers and response.headers["Cache-Control"] == "no-store", path


def test_the_footer_links_to_the_account(store, shopper):
    assert 'href="/account"' in text(shopper.get("/"))


def test_logout_needs_a_post(store, shopper):
    register(shopper)
    assert shopper.get("/account/logout").status_code == 405
    assert shopper.get("/account").status_code == 200


def test_account_forms_carry_a_csrf_token(store, shopper, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    form = {"email": "sari@example.com", "password": PASSWORD, "name": "Sari"}
    assert shopper.post("/account/register", data=form).status_code == 400  # no token: refused
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(shopper.get("/account/register")))[1]
    assert shopper.post("/account/register", data={**form, "csrf_token": token}).status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(shopper.get("/account")))[1]
    assert shopper.post("/account/logout").status_code == 400
    assert shopper.post("/account/logout", data={"csrf_token": token}).status_code == 303


def test_a_cart_started_while_logged_in_belongs_to_the_customer(store, shopper, store_client, create_product, ctx):
    from sqlalchemy import select

    from saas.customers.models import Customer
    from saas.orders.models import Cart

    product = create_product(store, title="Kain Ikat", status="active", stock=5)
    register(shopper)
    shopper.post("/cart/add", data={"variant_id": str(product.variants[0].id), "quantity": "2"})
    with ctx(store.id) as session:
        customer = session.scalar(select(Customer).where(Customer.email == "sari@example.com"))
        assert session.scalar(select(Cart.customer_id)) == customer.id
    elsewhere = store_client(store)  # another browser: logging in brings the cart along
    log_in(elsewhere)
    assert elsewhere.get("/cart.json").json["count"] == 2


def test_a_reset_asked_for_on_the_stores_own_domain_links_back_to_it(store, app, ctx, run_jobs, outbox):
    from saas.extensions import db
    from saas.orm import utcnow
    from saas.tenants.models import Domain

    with app.app_context():
        db.session.add(Domain(hostname="kainsongket.co.id", tenant_id=store.id, verified_at=utcnow()))
        db.session.commit()
    own = app.test_client()
    own.default_base_url = "http://kainsongket.co.id"
    register(own)
    log_out(own)
    assert own.post("/account/reset", data={"email": "sari@example.com"}).status_code == 303
    run_jobs()
    body = outbox()[0].get_body(("plain",)).get_content()
    link = re.search(r"http://kainsongket\.co\.id(/account/reset/\S+)", body)[1]
    assert own.get(link).status_code == 200
