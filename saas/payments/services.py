"""A store's payment and checkout settings, as the checkout reads them and the builder's Payments page edits them."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.extensions import db
from saas.ids import parse_id
from saas.orders.models import BankAccount, CheckoutSettings, PaymentMethod
from saas.payments.secrets import SecretsUnreadable, decrypt, encrypt
from saas.orm import move_in_list

MANUAL_PROVIDERS = ("bank_transfer", "cod")  # the merchant confirms these by hand
PROVIDERS = ("bank_transfer", "cod", "stripe", "midtrans")


def checkout_settings() -> CheckoutSettings:
    """The bound store's checkout settings, made with the defaults on first use."""
    found = db.session.scalar(select(CheckoutSettings))
    if found is None:
        try:
            with db.session.begin_nested():  # concurrent checkouts of a new store may both try to make it
                found = CheckoutSettings()
                db.session.add(found)
        except IntegrityError:
            found = db.session.scalar(select(CheckoutSettings))
    return found


def enabled_methods() -> list[PaymentMethod]:
    """The methods shoppers may choose, in the merchant's order. Bank transfer counts only with an account to pay into."""
    methods = list(db.session.scalars(
        select(PaymentMethod).where(PaymentMethod.enabled.is_(True)).order_by(PaymentMethod.position, PaymentMethod.id)))
    if not bank_accounts():
        methods = [m for m in methods if m.provider != "bank_transfer"]
    from saas.payments import providers

    return [m for m in methods if m.provider in providers.available() and has_credentials(m.provider, m)]


def bank_accounts() -> list[BankAccount]:
    return list(db.session.scalars(select(BankAccount).order_by(BankAccount.position, BankAccount.id)))


# The builder's Payments page: the methods, their credentials, the bank accounts and the checkout settings.
# Each function checks everything first and changes nothing when it raises PaymentSettingsError.

PROVIDER_LABELS = {
    "bank_transfer": _l("Bank transfer"),
    "cod": _l("Cash on delivery"),
    "stripe": _l("Stripe"),
    "midtrans": _l("Midtrans"),
}
# How each method is named to shoppers (at checkout, on their orders) and on the merchant's orders.
CHECKOUT_LABELS = {
    "bank_transfer": _l("Bank transfer"),
    "cod": _l("Cash on delivery"),
    "stripe": _l("Card (Stripe)"),
    "midtrans": _l("Midtrans: e-wallets, virtual accounts and cards"),
}
CREDENTIAL_PROVIDERS = ("stripe", "midtrans")
# Secret fields are sealed in PaymentMethod.secrets and never shown back; the rest live in PaymentMethod.settings.
SECRET_FIELDS = {"stripe": ("secret_key", "webhook_secret"), "midtrans": ("server_key",)}
PUBLIC_FIELDS = {"stripe": ("publishable_key",), "midtrans": ("client_key",)}
REQUIRED_FIELDS = {"stripe": ("secret_key", "webhook_secret"), "midtrans": ("server_key", "client_key")}
MIDTRANS_MODES = ("sandbox", "production")
KEY_PREFIXES = {
    "secret_key": ("sk_test_", "sk_live_"),
    "webhook_secret": ("whsec_",),
    "publishable_key": ("pk_test_", "pk_live_"),
    "server_key": ("SB-Mid-server-", "Mid-server-"),
    "client_key": ("SB-Mid-client-", "Mid-client-"),
}
_KEY_PATTERNS = {
    "secret_key": re.compile(r"sk_(test|live)_[A-Za-z0-9]{8,247}"),
    "webhook_secret": re.compile(r"whsec_[A-Za-z0-9+/=_-]{8,249}"),
    "publishable_key": re.compile(r"pk_(test|live)_[A-Za-z0-9]{8,247}"),
    "server_key": re.compile(r"(SB-)?Mid-server-[A-Za-z0-9_-]{4,230}"),
    "client_key": re.compile(r"(SB-)?Mid-client-[A-Za-z0-9_-]{4,230}"),
}
_KEY_MESSAGES = {
    "secret_key": _l("A Stripe secret key starts with sk_test_ or sk_live_, followed by letters and digits."),
    "webhook_secret": _l("A webhook signing secret starts with whsec_."),
    "publishable_key": _l("A publishable key starts with pk_test_ or pk_live_, followed by letters and digits."),
    "server_key": _l("A Midtrans server key starts with SB-Mid-server- (sandbox) or Mid-server- (production)."),
    "client_key": _l("A Midtrans client key starts with SB-Mid-client- (sandbox) or Mid-client- (production)."),
}
_MISSING_MESSAGES = {
    "secret_key": _l("Enter your secret key, which starts with sk_test_ or sk_live_."),
    "webhook_secret": _l("Enter your webhook signing secret, which starts with whsec_."),
    "server_key": _l("Enter your server key, which starts with SB-Mid-server- or Mid-server-."),
    "client_key": _l("Enter your client key, which starts with SB-Mid-client- or Mid-client-."),
}

# Banks most Indonesian shoppers transfer to; "Other" lets the merchant type the name.
OTHER_BANK = "Other"
BANKS = ("BCA", "Mandiri", "BNI", "BRI", "CIMB Niaga", "Permata", "BSI", "BTN", "Danamon", "Jago", "SeaBank", OTHER_BANK)
MAX_BANK_ACCOUNTS = 20
ACCOUNT_DIGITS = (5, 20)
HOLDER_MAX = 128
BANK_NAME_MAX = 64
CANCEL_HOURS = (1, 720)  # at most 30 days
DEFAULT_CANCEL_HOURS = 24


class PaymentSettingsError(ValueError):
    """Input the Payments page can't save; `errors` maps a field name to a message for the person who typed it."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


# Methods


def _stored_methods() -> dict[str, PaymentMethod]:
    return {m.provider: m for m in db.session.scalars(select(PaymentMethod).order_by(PaymentMethod.position, PaymentMethod.id))}


def payment_methods() -> list[PaymentMethod]:
    """Every provider in the merchant's order. Ones never set up are unsaved placeholders, switched off, at the end."""
    stored = _stored_methods()
    methods = list(stored.values())
    for provider in PROVIDERS:
        if provider not in stored:
            methods.append(PaymentMethod(provider=provider, enabled=False, position=len(methods), settings={}, secrets=""))
    return methods


def payment_method(provider: str) -> PaymentMethod | None:
    return db.session.scalar(select(PaymentMethod).where(PaymentMethod.provider == provider))


def _method_for_update(provider: str) -> PaymentMethod:
    """The stored method, saving the placeholders first so that every method keeps the place the page showed."""
    methods = payment_methods()
    for position, method in enumerate(methods):
        if method not in db.session:
            method.position = position
            db.session.add(method)
    return next(m for m in methods if m.provider == provider)


def _secrets_of(method: PaymentMethod | None) -> dict | None:
    """The method's secrets, or None when they can't be opened (the key changed): they must be entered again."""
    if method is None:
        return {}
    try:
        return decrypt(method.secrets or "")
    except SecretsUnreadable:
        return None


def credentials(provider: str) -> dict:
    """Everything a provider's code needs to call it: its settings and its opened secrets, as one dict."""
    method = payment_method(provider)
    if method is None:
        return {}
    return {**(method.settings or {}), **(_secrets_of(method) or {})}


def has_credentials(provider: str, method: PaymentMethod | None = None) -> bool:
    """Whether every required credential of a provider is saved (and readable). Manual methods need none."""
    if provider not in CREDENTIAL_PROVIDERS:
        return True
    method = method if method is not None else payment_method(provider)
    if method is None:
        return False
    values = {**(method.settings or {}), **(_secrets_of(method) or {})}
    return all(values.get(name) for name in REQUIRED_FIELDS[provider])


def save_methods(rows) -> list[PaymentMethod]:
    """Switch methods on or off and put them in order: `rows` lists {"provider", "enabled"} as shoppers should see them.

    Providers left out of `rows` keep their state and follow the listed ones. Turning on a method that can't
    take money yet (Stripe or Midtrans without keys, bank transfer without an account) is refused.
    """
    errors = {}
    wanted: list[tuple[str, bool]] = []
    for row in rows:
        provider = str(row.get("provider") or "")
        if provider not in PROVIDERS:
            errors["methods"] = _l("Unknown payment method: %(name)s.", name=provider[:40])
            continue
        if any(provider == seen for seen, _on in wanted):
            errors["methods"] = _l("%(method)s is listed twice.", method=PROVIDER_LABELS[provider])
            continue
        wanted.append((provider, bool(row.get("enabled"))))
    stored = _stored_methods()
    for provider, enabled in wanted:
        if not enabled:
            continue
        if provider == "bank_transfer" and not bank_accounts():
            errors[provider] = _l("Add a bank account below before you turn on bank transfer: shoppers need an account "
                                  "to pay into.")
        elif provider in CREDENTIAL_PROVIDERS and not has_credentials(provider, stored.get(provider)):
            errors[provider] = _l("Enter your %(method)s keys below before you turn on %(method)s.",
                                  method=PROVIDER_LABELS[provider])
    if errors:
        raise PaymentSettingsError(errors)
    listed = {provider for provider, _on in wanted}
    rest = [m.provider for m in payment_methods() if m.provider not in listed]
    order = [provider for provider, _on in wanted] + rest
    enabled = dict(wanted)
    methods = []
    for position, provider in enumerate(order):
        method = stored.get(provider)
        if method is None:
            method = PaymentMethod(provider=provider, enabled=False, settings={}, secrets="")
            db.session.add(method)
        method.position = position
        if provider in enabled:
            method.enabled = enabled[provider]
        methods.append(method)
    db.session.flush()
    return methods


# Credentials


def mask(value: str, prefixes: tuple[str, ...] = ()) -> str:
    """A hint that recognises a key without giving it away: its known prefix and, for long keys, its last 4 characters."""
    prefix = next((p for p in prefixes if value.startswith(p)), "")
    rest = value[len(prefix):]
    return f"{prefix}…{rest[-4:] if len(rest) >= 16 else ''}"


def credential_hints(provider: str) -> dict[str, str | None]:
    """For each secret field: its masked hint, "" when none is saved, or None when it is saved but unreadable."""
    method = payment_method(provider)
    secrets = _secrets_of(method)
    hints = {}
    for name in SECRET_FIELDS[provider]:
        if secrets is None:
            hints[name] = None if method.secrets else ""
        else:
            hints[name] = mask(secrets[name], KEY_PREFIXES[name]) if secrets.get(name) else ""
    return hints


def _clean_key(value) -> str:
    return str(value or "").strip()


def save_credentials(provider: str, values: dict) -> PaymentMethod:
    """Save a provider's keys. An empty secret keeps the saved one; public values (shown back in full) are replaced.

    Stripe: secret_key, webhook_secret (secret), publishable_key (optional, public).
    Midtrans: server_key (secret), client_key (public) and mode ("sandbox" or "production").
    """
    if provider not in CREDENTIAL_PROVIDERS:
        raise PaymentSettingsError({"provider": _l("%(name)s has no keys to enter.", name=str(provider)[:40])})
    method = payment_method(provider)
    stored_secrets = _secrets_of(method) or {}  # unreadable ones count as missing: they must be typed again
    settings = dict(method.settings or {}) if method is not None else {}
    errors: dict = {}
    typed = {name: _clean_key(values.get(name)) for name in SECRET_FIELDS[provider] + PUBLIC_FIELDS[provider]}
    for name, value in typed.items():
        if value and not _KEY_PATTERNS[name].fullmatch(value):
            errors[name] = _KEY_MESSAGES[name]
    secrets = {name: typed[name] or stored_secrets.get(name, "") for name in SECRET_FIELDS[provider]}
    public = {name: typed[name] for name in PUBLIC_FIELDS[provider]}
    for name in REQUIRED_FIELDS[provider]:
        if name not in errors and not (secrets.get(name) or public.get(name)):
            errors[name] = _MISSING_MESSAGES[name]

    if provider == "stripe":
        mode = ""
        if secrets["secret_key"] and "secret_key" not in errors:
            mode = "live" if secrets["secret_key"].startswith("sk_live_") else "test"
        publishable = public["publishable_key"]
        if mode and publishable and "publishable_key" not in errors:
            if (publishable.startswith("pk_live_")) != (mode == "live"):
                errors["publishable_key"] = (
                    _l("This is a test key, but the secret key is a live one. Use two keys of the same mode.")
                    if mode == "live" else
                    _l("This is a live key, but the secret key is a test one. Use two keys of the same mode."))
        new_settings = {"publishable_key": publishable, "mode": mode}
    else:
        mode = str(values.get("mode") or settings.get("mode") or "sandbox")
        if mode not in MIDTRANS_MODES:
            errors["mode"] = _l("Choose sandbox or production.")
        else:
            for name, value in (("server_key", secrets["server_key"]), ("client_key", public["client_key"])):
                if name in errors or not value:
                    continue
                sandbox_key = value.startswith("SB-")
                if sandbox_key != (mode == "sandbox"):
                    kept = not typed[name]  # the saved key no longer fits the chosen mode
                    if sandbox_key:
                        errors[name] = (_l("Your saved key is a sandbox key. Enter your production key too, or choose "
                                           "sandbox.") if kept else
                                        _l("This is a sandbox key (it starts with SB-). Choose sandbox, or enter your "
                                           "production key."))
                    else:
                        errors[name] = (_l("Your saved key is a production key. Enter your sandbox key too, or choose "
                                           "production.") if kept else
                                        _l("This is a production key. Choose production, or enter your sandbox key "
                                           "(it starts with SB-)."))
        new_settings = {"client_key": public["client_key"], "mode": mode}
    if errors:
        raise PaymentSettingsError(errors)
    method = _method_for_update(provider)
    method.settings = {**settings, **new_settings}
    method.secrets = encrypt(secrets)
    db.session.flush()
    return method


def remove_credentials(provider: str) -> PaymentMethod | None:
    """Forget a provider's keys; the method is switched off, since it can't take money without them."""
    if provider not in CREDENTIAL_PROVIDERS:
        raise PaymentSettingsError({"provider": _l("%(name)s has no keys to enter.", name=str(provider)[:40])})
    method = payment_method(provider)
    if method is None:
        return None
    method.enabled = False
    method.settings = {}
    method.secrets = ""
    db.session.flush()
    return method


# Bank accounts


def bank_account(account_id) -> BankAccount | None:
    """The bound store's account with that id, or None (another store's is never found)."""
    account_id = parse_id(account_id)
    if account_id is None:
        return None
    return db.session.scalar(select(BankAccount).where(BankAccount.id == account_id))


def bank_choice(account: BankAccount) -> tuple[str, str]:
    """How an account's bank shows in the form: (the select's value, the typed name when it is another bank)."""
    if account.bank in BANKS and account.bank != OTHER_BANK:
        return account.bank, ""
    return OTHER_BANK, account.bank


def _account_values(bank, bank_name, number, holder, account: BankAccount | None) -> tuple[str, str, str]:
    errors = {}
    bank = str(bank or "").strip()
    bank_name = " ".join(str(bank_name or "").split())
    if bank not in BANKS:
        errors["bank"] = _l("Choose a bank.")
    elif bank == OTHER_BANK:
        if not bank_name:
            errors["bank_name"] = _l("Enter the name of the bank.")
        elif len(bank_name) > BANK_NAME_MAX:
            errors["bank_name"] = _l("Use at most %(max)d characters.", max=BANK_NAME_MAX)
        else:
            listed = next((b for b in BANKS if b.casefold() == bank_name.casefold()), None)
            bank = listed if listed and listed != OTHER_BANK else bank_name
    number = re.sub(r"[\s-]", "", str(number or ""))
    low, high = ACCOUNT_DIGITS
    if not number:
        errors["number"] = _l("Enter the account number.")
    elif not number.isascii() or not number.isdigit():
        errors["number"] = _l("Use digits only, such as 1234567890.")
    elif not low <= len(number) <= high:
        errors["number"] = _l("An account number has %(low)d to %(high)d digits.", low=low, high=high)
    holder = " ".join(str(holder or "").split())
    if not holder:
        errors["holder"] = _l("Enter the name on the account.")
    elif len(holder) > HOLDER_MAX:
        errors["holder"] = _l("Use at most %(max)d characters.", max=HOLDER_MAX)
    if "number" not in errors and "bank" not in errors and "bank_name" not in errors:
        for other in bank_accounts():
            if other is not account and other.number == number and other.bank.casefold() == bank.casefold():
                errors["number"] = _l("This account is already listed.")
    if errors:
        raise PaymentSettingsError(errors)
    return bank, number, holder


def add_bank_account(*, bank: str, number: str, holder: str, bank_name: str = "") -> BankAccount:
    """List an account that shoppers may transfer to. `bank` is one of BANKS; with "Other", `bank_name` names it."""
    accounts = bank_accounts()
    if len(accounts) >= MAX_BANK_ACCOUNTS:
        raise PaymentSettingsError({"bank": _l("You can list up to %(max)d accounts.", max=MAX_BANK_ACCOUNTS)})
    bank, number, holder = _account_values(bank, bank_name, number, holder, None)
    account = BankAccount(bank=bank, number=number, holder=holder,
                          position=max((a.position for a in accounts), default=-1) + 1)
    db.session.add(account)
    db.session.flush()
    return account


def update_bank_account(account: BankAccount, *, bank: str, number: str, holder: str, bank_name: str = "") -> BankAccount:
    account.bank, account.number, account.holder = _account_values(bank, bank_name, number, holder, account)
    db.session.flush()
    return account


def remove_bank_account(account: BankAccount) -> None:
    """Remove an account. The last one can't go while bank transfer is on: shoppers would have nowhere to pay."""
    remaining = [a for a in bank_accounts() if a.id != account.id]
    method = payment_method("bank_transfer")
    if not remaining and method is not None and method.enabled:
        raise PaymentSettingsError({"account": _l(
            "This is your only bank account, and bank transfer is on. Turn bank transfer off first, or add another "
            "account.")})
    db.session.delete(account)
    for position, other in enumerate(remaining):
        other.position = position
    db.session.flush()


def move_bank_account(account: BankAccount, offset: int) -> None:
    """Move an account up (-1) or down (+1) in the list that shoppers see; past either end it stays put."""
    move_in_list(bank_accounts(), account, offset)
    db.session.flush()


# Checkout settings


def current_checkout_settings() -> CheckoutSettings:
    """The settings to show: the saved ones, or unsaved defaults (reading the page writes nothing)."""
    found = db.session.scalar(select(CheckoutSettings))
    if found is None:
        found = CheckoutSettings(unpaid_cancel_hours=DEFAULT_CANCEL_HOURS, require_account=False)
    return found


def save_checkout_settings(*, unpaid_cancel_hours: int | None, require_account: bool) -> CheckoutSettings:
    """When unpaid orders lapse and whether shoppers need an account; shipping lives on the Shipping page."""
    errors = {}
    low, high = CANCEL_HOURS
    if unpaid_cancel_hours is None or not low <= unpaid_cancel_hours <= high:
        errors["unpaid_cancel_hours"] = _l("Enter a number of hours from %(low)d to %(high)d.", low=low, high=high)
    if errors:
        raise PaymentSettingsError(errors)
    found = checkout_settings()
    found.unpaid_cancel_hours = unpaid_cancel_hours
    found.require_account = bool(require_account)
    db.session.flush()
    return found
