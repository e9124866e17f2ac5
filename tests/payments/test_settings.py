"""The Payments page's rules, through the service layer: methods, keys (sealed at rest), bank accounts, checkout."""
import pytest
from cryptography.fernet import Fernet
from flask_babel import force_locale
from sqlalchemy import func, select

from saas.orders.models import BankAccount, CheckoutSettings, PaymentMethod
from saas.payments import secrets
from saas.payments import services as payments

STRIPE = {"secret_key": "sk_test_51HqLyjWDarjtT1zdp7dcXYZ4242", "webhook_secret": "whsec_abcdefghij1234567890",
          "publishable_key": "pk_test_51HqLyjWDarjtT1zdABCD"}
MIDTRANS = {"server_key": "SB-Mid-server-AbCdEf123456XyZ9", "client_key": "SB-Mid-client-QwErTy7890", "mode": "sandbox"}


@pytest.fixture
def store(create_store):
    return create_store()


def errors_of(call, *args, **kwargs) -> dict:
    """The messages of the PaymentSettingsError that `call` raises, in English."""
    with pytest.raises(payments.PaymentSettingsError) as raised:
        call(*args, **kwargs)
    with force_locale("en"):
        return {key: str(message) for key, message in raised.value.errors.items()}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# Secrets at rest


def test_secrets_round_trip_and_each_token_differs(app):
    with app.app_context():
        token = secrets.encrypt({"secret_key": "sk_test_abc"})
        assert "sk_test_abc" not in token
        assert secrets.decrypt(token) == {"secret_key": "sk_test_abc"}
        assert secrets.encrypt({"secret_key": "sk_test_abc"}) != token  # a fresh IV each time
        assert secrets.decrypt("") == {}


def test_secrets_key_comes_from_config_and_old_tokens_stay_readable(app):
    with app.app_context():
        before = secrets.encrypt({"k": "v"})  # sealed with the key derived from SECRET_KEY
        fernet_key = Fernet.generate_key().decode()
        app.config["SECRETS_KEY"] = fernet_key
        try:
            sealed = secrets.encrypt({"k": "w"})
            assert Fernet(fernet_key.encode()).decrypt(sealed.encode()) == b'{"k": "w"}'  # used as given
            assert secrets.decrypt(before) == {"k": "v"}  # the SECRET_KEY-derived key still opens old ones
            app.config["SECRETS_KEY"] = "any long passphrase, stretched with HKDF"
            assert secrets.decrypt(secrets.encrypt({"k": 1})) == {"k": 1}
            with pytest.raises(secrets.SecretsUnreadable):
                secrets.decrypt(sealed)  # that key is no longer configured
            app.config["SECRETS_KEY"] = f"new-key-one, {fernet_key}"  # rotation: the first seals, all open
            assert secrets.decrypt(sealed) == {"k": "w"}
        finally:
            app.config["SECRETS_KEY"] = None


def test_a_changed_secret_key_makes_tokens_unreadable(app):
    with app.app_context():
        token = secrets.encrypt({"k": "v"})
        original = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "another-secret"
        try:
            with pytest.raises(secrets.SecretsUnreadable):
                secrets.decrypt(token)
            with pytest.raises(secrets.SecretsUnreadable):
                secrets.decrypt("not a token")
        finally:
            app.config["SECRET_KEY"] = original


# Credentials


def test_stripe_keys_are_sealed_and_shown_masked(store, ctx):
    with ctx(store.id) as session:
        method = payments.save_credentials("stripe", STRIPE)
        assert STRIPE["secret_key"] not in method.secrets and STRIPE["webhook_secret"] not in method.secrets
        assert secrets.decrypt(method.secrets) == {"secret_key": STRIPE["secret_key"],
                                                   "webhook_secret": STRIPE["webhook_secret"]}
        assert method.settings == {"publishable_key": STRIPE["publishable_key"], "mode": "test"}
        assert not method.enabled
        assert payments.credential_hints("stripe") == {"secret_key": "sk_test_…4242", "webhook_secret": "whsec_…7890"}
        assert payments.credentials("stripe") == {**STRIPE, "mode": "test"}
        assert payments.has_credentials("stripe")
        # Saving keys doesn't move Stripe up the list that shoppers see.
        assert [m.provider for m in payments.payment_methods()] == list(payments.PROVIDERS)
        session.commit()


def test_an_empty_secret_keeps_the_saved_one(store, ctx):
    with ctx(store.id):
        payments.save_credentials("stripe", STRIPE)
        payments.save_credentials("stripe", {"secret_key": "", "webhook_secret": "  ", "publishable_key": ""})
        saved = payments.credentials("stripe")
        assert saved["secret_key"] == STRIPE["secret_key"] and saved["webhook_secret"] == STRIPE["webhook_secret"]
        assert saved["publishable_key"] == ""  # public values are shown in full, so emptying one clears it
        payments.save_credentials("stripe", {"secret_key": "sk_live_NewLiveKey1234567890"})
        assert payments.credentials("stripe")["secret_key"] == "sk_live_NewLiveKey1234567890"
        assert payments.credentials("stripe")["mode"] == "live"


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({**STRIPE, "secret_key": "pk_test_123456789012"}, "secret_key", "starts with sk_test_ or sk_live_"),
        ({**STRIPE, "secret_key": "sk_prod_1234567890"}, "secret_key", "starts with sk_test_ or sk_live_"),
        ({**STRIPE, "webhook_secret": "secret_1234567890"}, "webhook_secret", "starts with whsec_"),
        ({**STRIPE, "publishable_key": "sk_test_1234567890"}, "publishable_key", "starts with pk_test_ or pk_live_"),
        ({**STRIPE, "publishable_key": "pk_live_1234567890"}, "publishable_key", "Use two keys of the same mode"),
        ({**STRIPE, "secret_key": ""}, "secret_key", "Enter your secret key"),
        ({**STRIPE, "webhook_secret": ""}, "webhook_secret", "Enter your webhook signing secret"),
    ],
)
def test_bad_stripe_keys_are_refused_and_nothing_is_saved(store, ctx, values, field, message):
    with ctx(store.id) as session:
        errors = errors_of(payments.save_credentials, "stripe", values)
        assert message in errors[field]
        assert count(session, PaymentMethod) == 0


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({**MIDTRANS, "server_key": "sk_test_1234567890"}, "server_key", "starts with SB-Mid-server-"),
        ({**MIDTRANS, "client_key": "SB-Mid-server-1234567890"}, "client_key", "starts with SB-Mid-client-"),
        ({**MIDTRANS, "client_key": ""}, "client_key", "Enter your client key"),
        ({**MIDTRANS, "mode": "production"}, "server_key", "This is a sandbox key"),
        ({**MIDTRANS, "mode": "live"}, "mode", "Choose sandbox or production"),
        ({"server_key": "Mid-server-Prod123456", "client_key": "Mid-client-Prod123456", "mode": "sandbox"},
         "client_key", "This is a production key"),
    ],
)
def test_bad_midtrans_keys_are_refused(store, ctx, values, field, message):
    with ctx(store.id) as session:
        assert message in errors_of(payments.save_credentials, "midtrans", values)[field]
        assert count(session, PaymentMethod) == 0


def test_midtrans_mode_must_fit_the_saved_keys(store, ctx):
    with ctx(store.id):
        payments.save_credentials("midtrans", MIDTRANS)
        assert payments.credential_hints("midtrans") == {"server_key": "SB-Mid-server-…XyZ9"}
        errors = errors_of(payments.save_credentials, "midtrans",
                           {"mode": "production", "server_key": "", "client_key": "Mid-client-Prod123456"})
        assert "Your saved key is a sandbox key" in errors["server_key"]
        payments.save_credentials("midtrans", {"mode": "production", "server_key": "Mid-server-Prod123456",
                                               "client_key": "Mid-client-Prod123456"})
        assert payments.credentials("midtrans") == {"mode": "production", "server_key": "Mid-server-Prod123456",
                                                    "client_key": "Mid-client-Prod123456"}


def test_short_secrets_show_only_their_prefix():
    assert payments.mask("sk_test_abcd1234", payments.KEY_PREFIXES["secret_key"]) == "sk_test_…"
    assert payments.mask("whsec_0123456789abcdefWXYZ", ("whsec_",)) == "whsec_…WXYZ"
    assert payments.mask("unknownformat1234567890") == "…7890"


def test_unreadable_secrets_must_be_typed_again(app, store, ctx):
    with ctx(store.id):
        payments.save_credentials("stripe", STRIPE)
        original = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "rotated-without-secrets-key"
        try:
            assert payments.credential_hints("stripe") == {"secret_key": None, "webhook_secret": None}
            assert not payments.has_credentials("stripe")
            errors = errors_of(payments.save_credentials, "stripe", {"publishable_key": STRIPE["publishable_key"]})
            assert set(errors) == {"secret_key", "webhook_secret"}
            payments.save_credentials("stripe", STRIPE)
            assert payments.has_credentials("stripe")
        finally:
            app.config["SECRET_KEY"] = original


def test_removing_keys_turns_the_method_off(store, ctx):
    with ctx(store.id):
        payments.save_credentials("stripe", STRIPE)
        payments.save_methods([{"provider": "stripe", "enabled": True}])
        method = payments.remove_credentials("stripe")
        assert (method.enabled, method.secrets, method.settings) == (False, "", {})
        assert payments.enabled_methods() == []


# Methods


def test_methods_are_listed_in_order_with_placeholders(store, ctx):
    with ctx(store.id) as session:
        assert [m.provider for m in payments.payment_methods()] == list(payments.PROVIDERS)
        assert count(session, PaymentMethod) == 0  # showing them saves nothing
        payments.save_methods([{"provider": "cod", "enabled": True}, {"provider": "midtrans", "enabled": False}])
        assert [m.provider for m in payments.payment_methods()] == ["cod", "midtrans", "bank_transfer", "stripe"]
        assert [m.provider for m in payments.enabled_methods()] == ["cod"]
        assert [m.position for m in payments.payment_methods()] == [0, 1, 2, 3]


def test_turning_on_a_method_needs_what_it_takes_money_with(store, ctx):
    with ctx(store.id) as session:
        rows = [{"provider": p, "enabled": True} for p in payments.PROVIDERS]
        errors = errors_of(payments.save_methods, rows)
        assert set(errors) == {"bank_transfer", "stripe", "midtrans"}
        assert "Add a bank account" in errors["bank_transfer"]
        assert "Enter your Stripe keys" in errors["stripe"] and "Enter your Midtrans keys" in errors["midtrans"]
        assert count(session, PaymentMethod) == 0  # nothing half-saved, not even cash on delivery
        payments.add_bank_account(bank="BCA", number="1234567890", holder="Sari Dewi")
        payments.save_credentials("stripe", STRIPE)
        payments.save_credentials("midtrans", MIDTRANS)
        payments.save_methods(list(reversed(rows)))
        assert [m.provider for m in payments.enabled_methods()] == ["midtrans", "stripe", "cod", "bank_transfer"]


def test_unknown_or_repeated_methods_are_refused(store, ctx):
    with ctx(store.id):
        assert "Unknown payment method" in errors_of(payments.save_methods, [{"provider": "paypal", "enabled": True}])["methods"]
        assert "listed twice" in errors_of(payments.save_methods, [{"provider": "cod"}, {"provider": "cod"}])["methods"]


# Bank accounts


def test_bank_accounts_are_cleaned_listed_and_ordered(store, ctx):
    with ctx(store.id):
        first = payments.add_bank_account(bank="BCA", number="123-456 7890", holder="  Sari   Dewi ")
        assert (first.bank, first.number, first.holder, first.position) == ("BCA", "1234567890", "Sari Dewi", 0)
        other = payments.add_bank_account(bank="Other", bank_name="Bank Mega", number="99887766", holder="Sari")
        assert other.bank == "Bank Mega" and payments.bank_choice(other) == ("Other", "Bank Mega")
        assert payments.bank_choice(first) == ("BCA", "")
        assert payments.add_bank_account(bank="Other", bank_name="mandiri", number="55555", holder="S").bank == "Mandiri"
        payments.move_bank_account(other, -1)
        assert [a.bank for a in payments.bank_accounts()] == ["Bank Mega", "BCA", "Mandiri"]
        payments.move_bank_account(other, -1)  # already first: stays
        assert [a.position for a in payments.bank_accounts()] == [0, 1, 2]
        payments.update_bank_account(first, bank="BNI", number="11112222", holder="Toko Sari")
        assert (first.bank, first.number) == ("BNI", "11112222")
        payments.remove_bank_account(other)
        assert [(a.bank, a.position) for a in payments.bank_accounts()] == [("BNI", 0), ("Mandiri", 1)]


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"bank": "Bank Gaib"}, "bank", "Choose a bank."),
        ({"bank": ""}, "bank", "Choose a bank."),
        ({"bank": "Other", "bank_name": ""}, "bank_name", "Enter the name of the bank."),
        ({"bank": "Other", "bank_name": "x" * 65}, "bank_name", "at most 64"),
        ({"number": ""}, "number", "Enter the account number."),
        ({"number": "12AB5678"}, "number", "Use digits only"),
        ({"number": "١٢٣٤٥٦٧"}, "number", "Use digits only"),
        ({"number": "1234"}, "number", "5 to 20 digits"),
        ({"number": "1" * 21}, "number", "5 to 20 digits"),
        ({"holder": "   "}, "holder", "Enter the name on the account."),
        ({"holder": "x" * 129}, "holder", "at most 128"),
    ],
)
def test_bad_bank_accounts_are_refused(store, ctx, values, field, message):
    with ctx(store.id) as session:
        data = {"bank": "BCA", "number": "1234567890", "holder": "Sari Dewi", **values}
        assert message in errors_of(payments.add_bank_account, **data)[field]
        assert count(session, BankAccount) == 0


def test_duplicate_accounts_and_the_last_account_of_an_active_bank_transfer(store, ctx):
    with ctx(store.id):
        account = payments.add_bank_account(bank="BCA", number="1234567890", holder="Sari")
        assert "already listed" in errors_of(payments.add_bank_account, bank="BCA", number="12345 67890", holder="X")["number"]
        payments.save_methods([{"provider": "bank_transfer", "enabled": True}])
        assert "only bank account" in errors_of(payments.remove_bank_account, account)["account"]
        assert payments.bank_accounts() == [account]
        payments.save_methods([{"provider": "bank_transfer", "enabled": False}])
        payments.remove_bank_account(account)
        assert payments.bank_accounts() == []


# Checkout settings


def test_checkout_settings_have_defaults_and_save(store, ctx):
    with ctx(store.id) as session:
        shown = payments.current_checkout_settings()
        assert (shown.unpaid_cancel_hours, shown.require_account) == (24, False)
        assert count(session, CheckoutSettings) == 0
        payments.save_checkout_settings(unpaid_cancel_hours=48, require_account=True)
        saved = payments.checkout_settings()
        assert (saved.unpaid_cancel_hours, saved.require_account) == (48, True)
        payments.save_checkout_settings(unpaid_cancel_hours=1, require_account=False)
        assert count(session, CheckoutSettings) == 1 and payments.checkout_settings().unpaid_cancel_hours == 1


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"unpaid_cancel_hours": 0}, "unpaid_cancel_hours", "from 1 to 720"),
        ({"unpaid_cancel_hours": 721}, "unpaid_cancel_hours", "from 1 to 720"),
        ({"unpaid_cancel_hours": None}, "unpaid_cancel_hours", "from 1 to 720"),
    ],
)
def test_bad_checkout_settings_are_refused(store, ctx, changes, field, message):
    values = {"unpaid_cancel_hours": 24, "require_account": False, **changes}
    with ctx(store.id) as session:
        assert message in errors_of(payments.save_checkout_settings, **values)[field]
        assert count(session, CheckoutSettings) == 0


def test_one_store_never_sees_anothers_settings(create_store, ctx):
    mine, theirs = create_store(), create_store()
    with ctx(theirs.id) as session:
        account_id = payments.add_bank_account(bank="BCA", number="1234567890", holder="Orang Lain").id
        payments.save_credentials("stripe", STRIPE)
        session.commit()
    with ctx(mine.id):
        assert payments.bank_account(account_id) is None
        assert payments.bank_accounts() == [] and payments.credentials("stripe") == {}
