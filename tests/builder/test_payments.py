"""The builder's Payments page, through HTTP as a signed-in merchant: methods, keys, bank accounts, checkout."""
import pytest
from sqlalchemy import select

from saas.orders.models import BankAccount, CheckoutSettings, PaymentMethod
from saas.payments import services as payments
from tests.accounts.pages import error_fields, field_error, parse, value

BASE = "/stores/batik-sari/payments"
SECRET = "sk_test_51HqLyjWDarjtT1zdp7dcXYZ4242"
WEBHOOK = "whsec_abcdefghij1234567890"
STRIPE = {"stripe-publishable_key": "pk_test_51HqLyjWDarjtT1zdABCD", "stripe-secret_key": SECRET,
          "stripe-webhook_secret": WEBHOOK}
SERVER_KEY = "SB-Mid-server-AbCdEf123456XyZ9"
MIDTRANS = {"midtrans-mode": "sandbox", "midtrans-client_key": "SB-Mid-client-QwErTy7890",
            "midtrans-server_key": SERVER_KEY}
ACCOUNT = {"bank-bank": "BCA", "bank-bank_name": "", "bank-number": "123 456 7890", "bank-holder": "Sari Dewi"}
CHECKOUT = {"checkout-unpaid_cancel_hours": "48", "checkout-require_account": "required"}


@pytest.fixture
def owner(create_user):
    return create_user()


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id")
    login(client, owner)
    return tenant


def checked(response, name) -> list[str]:
    """The values of the ticked checkboxes or radio buttons called `name`."""
    return [attrs.get("value") for tag, attrs in parse(response).tags
            if tag == "input" and attrs.get("name") == name and "checked" in attrs]


def methods_post(order, enabled=(), move=None):
    data = {"methods-order": list(order), "methods-enabled": list(enabled)}
    if move:
        data["move"] = move
    return data


def saved(ctx, tenant, model):
    with ctx(tenant.id) as session:
        rows = list(session.scalars(select(model)))
        session.expunge_all()
        return rows


def accounts_of(ctx, tenant):
    with ctx(tenant.id) as session:
        rows = payments.bank_accounts()
        session.expunge_all()
        return rows


def add_account(ctx, tenant, **values):
    with ctx(tenant.id) as session:
        account = payments.add_bank_account(**{"bank": "BCA", "number": "1234567890", "holder": "Sari", **values})
        session.commit()
        return account.id


def test_the_page_shows_every_part(client, store):
    response = client.get(BASE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<h1") == 1 and "Payments" in page
    for text in ("Bank transfer", "Cash on delivery", "Stripe", "Midtrans", "Add bank account", "Checkout",
                 "No payment method is on yet"):
        assert text in page
    assert value(response, "checkout-unpaid_cancel_hours") == "24"
    assert value(response, "checkout-flat_shipping_rate") is None  # shipping has its own page now
    assert 'href="/stores/batik-sari/shipping"' in page
    assert checked(response, "checkout-require_account") == ["guest"]
    assert checked(response, "midtrans-mode") == ["sandbox"]
    assert not error_fields(response)


def test_every_input_has_a_label(client, store, ctx):
    add_account(ctx, store)
    response = client.get(BASE)
    parsed = parse(response)
    labelled = {attrs.get("for") for tag, attrs in parsed.tags if tag == "label"}
    html = response.get_data(as_text=True)
    for name, control in parsed.inputs.items():
        if control.get("type") in ("hidden", "radio") or control["tag"] == "button":
            continue
        assert control.get("id") in labelled, name
    assert html.count('type="radio"') == 4 and html.count('class="choice"') == 4  # radios sit inside their labels


# Keys


def test_stripe_keys_are_saved_and_never_shown_back(client, store, ctx):
    response = client.post(f"{BASE}/stripe/keys", data=STRIPE)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}#stripe")
    [method] = [m for m in saved(ctx, store, PaymentMethod) if m.provider == "stripe"]
    assert SECRET not in method.secrets and not method.enabled
    page = client.get(BASE).get_data(as_text=True)
    assert "Stripe keys saved." in page
    assert SECRET not in page and WEBHOOK not in page and method.secrets not in page
    assert "sk_test_…4242" in page and "whsec_…7890" in page
    assert STRIPE["stripe-publishable_key"] in page  # not a secret: shown so it can be checked
    assert "Test mode" in page


def test_empty_secret_fields_keep_the_saved_keys(client, store, ctx):
    client.post(f"{BASE}/stripe/keys", data=STRIPE)
    data = {**STRIPE, "stripe-secret_key": "", "stripe-webhook_secret": ""}
    assert client.post(f"{BASE}/stripe/keys", data=data).status_code == 302
    with ctx(store.id):
        assert payments.credentials("stripe")["secret_key"] == SECRET


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"stripe-secret_key": "pk_test_51HqLyjWDarjtT1zd"}, "stripe-secret_key", "starts with sk_test_ or sk_live_"),
        ({"stripe-webhook_secret": "abc"}, "stripe-webhook_secret", "starts with whsec_"),
        ({"stripe-publishable_key": "pk_live_51HqLyjWDarjtT1zd"}, "stripe-publishable_key", "same mode"),
        ({"stripe-secret_key": ""}, "stripe-secret_key", "Enter your secret key"),
    ],
)
def test_bad_stripe_keys_are_answered_beside_the_field(client, store, ctx, changes, field, message):
    response = client.post(f"{BASE}/stripe/keys", data={**STRIPE, **changes})
    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    html = response.get_data(as_text=True)
    assert SECRET not in html and WEBHOOK not in html  # typed secrets are not echoed back either
    assert value(response, "stripe-publishable_key") == changes.get("stripe-publishable_key",
                                                                    STRIPE["stripe-publishable_key"])
    assert saved(ctx, store, PaymentMethod) == []


def test_midtrans_keys_and_mode(client, store, ctx):
    assert client.post(f"{BASE}/midtrans/keys", data=MIDTRANS).status_code == 302
    response = client.get(BASE)
    page = response.get_data(as_text=True)
    assert SERVER_KEY not in page and "SB-Mid-server-…XyZ9" in page
    assert value(response, "midtrans-client_key") == MIDTRANS["midtrans-client_key"]
    refused = client.post(f"{BASE}/midtrans/keys", data={**MIDTRANS, "midtrans-mode": "production",
                                                          "midtrans-server_key": ""})
    assert "Your saved key is a sandbox key" in field_error(refused, "midtrans-server_key")
    assert "This is a sandbox key" in field_error(refused, "midtrans-client_key")
    with ctx(store.id):
        assert payments.credentials("midtrans")["mode"] == "sandbox"


def test_removing_keys_switches_the_method_off(client, store, ctx):
    client.post(f"{BASE}/stripe/keys", data=STRIPE)
    client.post(f"{BASE}/methods", data=methods_post(payments.PROVIDERS, ["stripe"]))
    assert "Remove Stripe keys" in client.get(BASE).get_data(as_text=True)
    response = client.post(f"{BASE}/stripe/keys", data={"do": "remove"})
    assert response.status_code == 302
    [method] = [m for m in saved(ctx, store, PaymentMethod) if m.provider == "stripe"]
    assert (method.enabled, method.secrets, method.settings) == (False, "", {})
    assert client.post(f"{BASE}/paypal/keys", data=STRIPE).status_code == 404


# Methods


def test_methods_are_turned_on_and_ordered(client, store, ctx):
    add_account(ctx, store)
    response = client.post(f"{BASE}/methods", data=methods_post(["cod", "bank_transfer", "stripe", "midtrans"],
                                                                ["cod", "bank_transfer"]))
    assert response.status_code == 302 and response.headers["Location"].endswith("#methods")
    with ctx(store.id):
        assert [m.provider for m in payments.enabled_methods()] == ["cod", "bank_transfer"]
    # ↓ on cash on delivery posts the form with the move: the ticks are saved along with the new order.
    client.post(f"{BASE}/methods", data=methods_post(["cod", "bank_transfer", "stripe", "midtrans"],
                                                     ["cod", "bank_transfer"], move="cod:down"))
    with ctx(store.id):
        assert [m.provider for m in payments.payment_methods()] == ["bank_transfer", "cod", "stripe", "midtrans"]
    page = client.get(BASE)
    assert "Payment methods saved." in page.get_data(as_text=True)
    assert "No payment method is on yet" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "provider, message",
    [
        ("stripe", "Enter your Stripe keys below"),
        ("midtrans", "Enter your Midtrans keys below"),
        ("bank_transfer", "Add a bank account below"),
    ],
)
def test_a_method_that_cant_take_money_is_refused_beside_it(client, store, ctx, provider, message):
    response = client.post(f"{BASE}/methods", data=methods_post(["midtrans", "cod", "stripe", "bank_transfer"],
                                                                ["cod", provider], move="cod:up"))
    assert response.status_code == 200
    assert message in field_error(response, f"method-{provider}")
    assert error_fields(response) == {f"method-{provider}"}
    # What was posted stays: the order (with the move) and both ticks.
    assert [v["value"] for k, v in parse(response).inputs.items() if k == "methods-order"]  # rendered
    html = response.get_data(as_text=True)
    assert html.index('value="cod"') < html.index('value="midtrans"')
    assert 'id="method-cod" name="methods-enabled" value="cod" checked' in html
    assert f'id="method-{provider}" name="methods-enabled" value="{provider}" checked' in html
    assert saved(ctx, store, PaymentMethod) == []  # not even cash on delivery was turned on


# Bank accounts


def test_bank_accounts_are_added_edited_moved_and_removed(client, store, ctx):
    response = client.post(f"{BASE}/bank-accounts", data=ACCOUNT)
    assert response.status_code == 302 and response.headers["Location"].endswith("#bank-accounts")
    client.post(f"{BASE}/bank-accounts", data={**ACCOUNT, "bank-bank": "Other", "bank-bank_name": "Bank Mega",
                                               "bank-number": "5566778899"})
    first, second = accounts_of(ctx, store)
    assert (first.bank, first.number, first.holder) == ("BCA", "1234567890", "Sari Dewi")
    assert second.bank == "Bank Mega"
    page = client.get(BASE).get_data(as_text=True)
    assert "1234567890" in page and "Bank Mega" in page and "Edit BCA 1234567890" in page

    edit = client.get(f"{BASE}/bank-accounts/{second.id}")
    assert edit.status_code == 200 and edit.get_data(as_text=True).count("<h1") == 1
    assert value(edit, "bank-bank") == "Other" and value(edit, "bank-bank_name") == "Bank Mega"
    assert client.post(f"{BASE}/bank-accounts/{second.id}", data={
        "bank-bank": "Mandiri", "bank-bank_name": "", "bank-number": "1300-0123-4567", "bank-holder": "Toko Sari"},
    ).status_code == 302
    assert client.post(f"{BASE}/bank-accounts/{second.id}/move", data={"direction": "up"}).status_code == 302
    assert [(a.bank, a.number, a.holder) for a in accounts_of(ctx, store)] == [
        ("Mandiri", "130001234567", "Toko Sari"), ("BCA", "1234567890", "Sari Dewi")]
    assert client.post(f"{BASE}/bank-accounts/{second.id}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post(f"{BASE}/bank-accounts/{first.id}/remove").status_code == 302
    assert [a.bank for a in accounts_of(ctx, store)] == ["Mandiri"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"bank-bank": ""}, "bank-bank", "Choose a bank."),
        ({"bank-bank": "Other"}, "bank-bank_name", "Enter the name of the bank."),
        ({"bank-number": "12-AB"}, "bank-number", "Use digits only"),
        ({"bank-number": "1234"}, "bank-number", "5 to 20 digits"),
        ({"bank-holder": ""}, "bank-holder", "Enter the name on the account."),
        ({"bank-holder": "x" * 129}, "bank-holder", "at most 128"),
    ],
)
def test_bad_bank_accounts_are_answered_beside_the_field(client, store, ctx, changes, field, message):
    response = client.post(f"{BASE}/bank-accounts", data={**ACCOUNT, **changes})
    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert value(response, "bank-holder") == changes.get("bank-holder", ACCOUNT["bank-holder"])
    assert value(response, "bank-number") == changes.get("bank-number", ACCOUNT["bank-number"])
    assert accounts_of(ctx, store) == []


def test_a_bad_edit_keeps_what_was_typed_and_saves_nothing(client, store, ctx):
    account_id = add_account(ctx, store, holder="Sari")
    response = client.post(f"{BASE}/bank-accounts/{account_id}", data={**ACCOUNT, "bank-holder": "Baru",
                                                                       "bank-number": "12"})
    assert response.status_code == 200 and "5 to 20 digits" in field_error(response, "bank-number")
    assert value(response, "bank-holder") == "Baru"
    assert accounts_of(ctx, store)[0].holder == "Sari"


def test_the_last_account_of_an_active_bank_transfer_stays(client, store, ctx):
    account_id = add_account(ctx, store)
    client.post(f"{BASE}/methods", data=methods_post(payments.PROVIDERS, ["bank_transfer"]))
    response = client.post(f"{BASE}/bank-accounts/{account_id}/remove", follow_redirects=True)
    assert "This is your only bank account" in response.get_data(as_text=True)
    assert len(accounts_of(ctx, store)) == 1


def test_another_stores_bank_account_is_a_404(client, store, create_store, ctx):
    other = create_store()
    theirs = add_account(ctx, other, holder="Orang Lain")
    for method, url, data in [
        ("get", f"{BASE}/bank-accounts/{theirs}", None),
        ("post", f"{BASE}/bank-accounts/{theirs}", ACCOUNT),
        ("post", f"{BASE}/bank-accounts/{theirs}/move", {"direction": "up"}),
        ("post", f"{BASE}/bank-accounts/{theirs}/remove", {}),
        ("get", f"/stores/{other.slug}/payments", None),
        ("get", f"/stores/{other.slug}/payments/bank-accounts/{theirs}", None),
    ]:
        assert getattr(client, method)(url, data=data).status_code == 404, url
    assert [a.holder for a in accounts_of(ctx, other)] == ["Orang Lain"]
    assert "Orang Lain" not in client.get(BASE).get_data(as_text=True)


# Checkout settings


def test_checkout_settings_are_saved_and_shown_back(client, store, ctx):
    response = client.post(f"{BASE}/checkout", data=CHECKOUT)
    assert response.status_code == 302 and response.headers["Location"].endswith("#checkout")
    [settings] = saved(ctx, store, CheckoutSettings)
    assert (settings.unpaid_cancel_hours, settings.require_account) == (48, True)
    page = client.get(BASE)
    assert value(page, "checkout-unpaid_cancel_hours") == "48"
    assert checked(page, "checkout-require_account") == ["required"]
    client.post(f"{BASE}/checkout", data={**CHECKOUT, "checkout-require_account": "guest"})
    [settings] = saved(ctx, store, CheckoutSettings)
    assert settings.require_account is False


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"checkout-unpaid_cancel_hours": "0"}, "checkout-unpaid_cancel_hours", "from 1 to 720"),
        ({"checkout-unpaid_cancel_hours": "1000"}, "checkout-unpaid_cancel_hours", "from 1 to 720"),
        ({"checkout-unpaid_cancel_hours": "soon"}, "checkout-unpaid_cancel_hours", "Enter a whole number"),
    ],
)
def test_bad_checkout_settings_are_answered_beside_the_field(client, store, ctx, changes, field, message):
    response = client.post(f"{BASE}/checkout", data={**CHECKOUT, **changes})
    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert value(response, "checkout-unpaid_cancel_hours") == changes.get("checkout-unpaid_cancel_hours",
                                                                          CHECKOUT["checkout-unpaid_cancel_hours"])
    assert saved(ctx, store, CheckoutSettings) == []


# Access


ROUTES = [("get", ""), ("post", "/methods"), ("post", "/stripe/keys"), ("post", "/bank-accounts"),
          ("get", "/bank-accounts/1"), ("post", "/bank-accounts/1/move"), ("post", "/bank-accounts/1/remove"),
          ("post", "/checkout")]


@pytest.mark.parametrize("method, path", ROUTES)
def test_members_only(client, create_store, create_user, login, ctx, method, path):
    store = create_store(slug="kopi-kenangan")
    url = f"/stores/kopi-kenangan/payments{path}"
    anonymous = getattr(client, method)(url, data=CHECKOUT)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    login(client, create_user())
    assert getattr(client, method)(url, data={**CHECKOUT, **STRIPE, **ACCOUNT}).status_code == 404
    for model in (CheckoutSettings, PaymentMethod, BankAccount):
        assert saved(ctx, store, model) == []


def test_forms_need_a_csrf_token(app, client, store, ctx):
    account_id = add_account(ctx, store)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for path, data in [("/checkout", CHECKOUT), ("/bank-accounts", ACCOUNT), ("/stripe/keys", STRIPE),
                           ("/stripe/keys", {"do": "remove"}), ("/methods", methods_post(payments.PROVIDERS, ["cod"])),
                           (f"/bank-accounts/{account_id}", ACCOUNT), (f"/bank-accounts/{account_id}/remove", {})]:
            assert client.post(f"{BASE}{path}", data=data).status_code == 400, path
        # The page's own forms carry a token (each form's is named after its prefix).
        page = client.get(BASE)
        tokens = {name for name in parse(page).inputs if name.endswith("csrf_token")}
        assert {"methods-csrf_token", "bank-csrf_token", "stripe-csrf_token", "midtrans-csrf_token",
                "checkout-csrf_token", "csrf_token"} <= tokens
        token = parse(page).inputs["checkout-csrf_token"]["value"]
        assert client.post(f"{BASE}/checkout", data={**CHECKOUT, "checkout-csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert saved(ctx, store, PaymentMethod) == []
    assert [a.holder for a in accounts_of(ctx, store)] == ["Sari"]
    assert len(saved(ctx, store, CheckoutSettings)) == 1
