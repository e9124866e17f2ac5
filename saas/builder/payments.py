"""The builder's Payments page: which methods shoppers may use and in what order, the keys of Stripe and Midtrans,
the bank accounts that transfers go to, and the checkout settings (unpaid orders, guest checkout). Shipping has its
own page.

One page shows five forms; each posts to its own URL, saves only its own part, and on an error comes back to the
page with the message beside the field and what was typed (secrets are never rendered back, typed or saved).
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice, SelectField, StringField

from saas.builder.views import bp
from saas.extensions import db
from saas.formfields import WholeNumberField
from saas.payments import services as payments
from saas.validators import max_length, strip

METHOD_DESCRIPTIONS = {
    "bank_transfer": _l("Shoppers transfer the exact amount to one of your bank accounts and may upload the receipt. "
                        "You mark the order paid."),
    "cod": _l("Shoppers pay the courier when the order arrives. The order counts as paid when it is delivered."),
    "stripe": _l("Cards and wallets on Stripe’s own secure payment page. Paid orders are confirmed automatically."),
    "midtrans": _l("Virtual accounts, QRIS, e-wallets and cards on Midtrans Snap. Paid orders are confirmed "
                   "automatically."),
}


class ActionForm(FlaskForm):
    """Only the CSRF token: for the buttons that move, remove or reorder."""


class StripeForm(FlaskForm):
    publishable_key = StringField(_l("Publishable key"), filters=[strip], validators=[max_length(255)])
    secret_key = PasswordField(_l("Secret key"), filters=[strip], validators=[max_length(255)])
    webhook_secret = PasswordField(_l("Webhook signing secret"), filters=[strip], validators=[max_length(255)])


class MidtransForm(FlaskForm):
    mode = RadioField(_l("Mode"), default="sandbox", validate_choice=False, choices=[
        SelectChoice("sandbox", _l("Sandbox")), SelectChoice("production", _l("Production"))])
    client_key = StringField(_l("Client key"), filters=[strip], validators=[max_length(255)])
    server_key = PasswordField(_l("Server key"), filters=[strip], validators=[max_length(255)])


class BankAccountForm(FlaskForm):
    bank = SelectField(_l("Bank"), validate_choice=False, choices=[SelectChoice("", _l("Choose a bank"))] + [
        SelectChoice(bank, _l("Other") if bank == payments.OTHER_BANK else bank) for bank in payments.BANKS])
    bank_name = StringField(_l("Bank name"), filters=[strip])
    number = StringField(_l("Account number"), filters=[strip])
    holder = StringField(_l("Account holder"), filters=[strip])


class CheckoutSettingsForm(FlaskForm):
    unpaid_cancel_hours = WholeNumberField(_l("Cancel unpaid orders after"))
    require_account = RadioField(_l("Customer accounts"), default="guest", validate_choice=False, choices=[
        SelectChoice("guest", _l("Guests can check out")), SelectChoice("required", _l("An account is required"))])


CREDENTIAL_FORMS = {"stripe": StripeForm, "midtrans": MidtransForm}


def _put_errors(form, errors: dict) -> None:
    """Put service errors beside their fields; one with no field of its own is flashed."""
    for key, message in errors.items():
        target = getattr(form, key, None) if form is not None else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(str(message), "error")


def _credential_form(provider: str, formdata=None):
    method = payments.payment_method(provider)
    saved = dict(method.settings or {}) if method is not None else {}
    form = CREDENTIAL_FORMS[provider](prefix=provider, formdata=formdata)
    if formdata is None:
        if provider == "stripe":
            form.publishable_key.data = saved.get("publishable_key", "")
        else:
            form.mode.data = saved.get("mode") or "sandbox"
            form.client_key.data = saved.get("client_key", "")
    return form


def _has_saved_keys(provider: str) -> bool:
    method = payments.payment_method(provider)
    return method is not None and bool(method.secrets or any(
        (method.settings or {}).get(name) for name in payments.PUBLIC_FIELDS[provider]))


def _checkout_form(formdata=None) -> CheckoutSettingsForm:
    if formdata is not None:
        return CheckoutSettingsForm(prefix="checkout")
    saved = payments.current_checkout_settings()
    return CheckoutSettingsForm(prefix="checkout", formdata=None, data={
        "unpaid_cancel_hours": saved.unpaid_cancel_hours,
        "require_account": "required" if saved.require_account else "guest"})


def _method_rows(posted: list[tuple[str, bool]] | None = None, errors: dict | None = None) -> list[dict]:
    """The methods as the page lists them: saved, or as just posted when the post was refused."""
    methods = payments.payment_methods()
    by_provider = {m.provider: m for m in methods}
    if posted is None:
        state = [(m.provider, m.enabled) for m in methods]
    else:
        listed = {provider for provider, _on in posted}
        state = posted + [(m.provider, m.enabled) for m in methods if m.provider not in listed]
    has_accounts = bool(payments.bank_accounts())
    rows = []
    for provider, enabled in state:
        method = by_provider[provider]
        ready = has_accounts if provider == "bank_transfer" else payments.has_credentials(provider, method)
        rows.append({
            "provider": provider, "label": payments.PROVIDER_LABELS[provider],
            "description": METHOD_DESCRIPTIONS[provider], "enabled": enabled, "ready": ready,
            "mode": (method.settings or {}).get("mode", ""), "error": (errors or {}).get(provider),
        })
    return rows


def _page(*, methods_posted=None, method_errors=None, stripe_form=None, midtrans_form=None, bank_form=None,
          checkout_form=None):
    """Render the Payments page, keeping whichever form was just submitted."""
    return render_template(
        "builder/payments/index.html",
        methods=_method_rows(methods_posted, method_errors),
        methods_form=ActionForm(prefix="methods", formdata=None),
        method_general_error=(method_errors or {}).get("methods"),
        stripe_form=stripe_form or _credential_form("stripe"),
        midtrans_form=midtrans_form or _credential_form("midtrans"),
        hints={provider: payments.credential_hints(provider) for provider in payments.CREDENTIAL_PROVIDERS},
        has_keys={provider: _has_saved_keys(provider) for provider in payments.CREDENTIAL_PROVIDERS},
        accounts=payments.bank_accounts(),
        bank_form=bank_form or BankAccountForm(prefix="bank", formdata=None),
        checkout_form=checkout_form or _checkout_form(),
        methods_enabled=any(m.enabled for m in payments.payment_methods()),
    )


def _back(anchor: str):
    return redirect(url_for("builder.payments", _anchor=anchor))


@bp.get("/<slug>/payments", endpoint="payments")
def payments_page():  # not `payments`: that name is the services module
    return _page()


@bp.post("/<slug>/payments/methods")
def save_payment_methods():
    form = ActionForm(prefix="methods")
    if not form.validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
        return _back("methods")
    enabled = set(request.form.getlist("methods-enabled"))
    order = request.form.getlist("methods-order")[: len(payments.PROVIDERS) + 4]
    if not order:
        order = [m.provider for m in payments.payment_methods()]
    # ↑ and ↓ post the whole form, so the ticks go along with the new order.
    move = request.form.get("move", "")
    provider, _sep, direction = move.partition(":")
    if provider in order and direction in ("up", "down"):
        index = order.index(provider)
        target = index - 1 if direction == "up" else index + 1
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
    rows = [{"provider": p, "enabled": p in enabled} for p in order]
    try:
        payments.save_methods(rows)
    except payments.PaymentSettingsError as error:
        db.session.rollback()
        posted = {}
        for row in rows:
            if row["provider"] in payments.PROVIDERS:
                posted.setdefault(row["provider"], row["enabled"])
        return _page(methods_posted=list(posted.items()), method_errors=error.errors)
    db.session.commit()
    flash(_("Payment methods saved."), "success")
    return _back("methods")


@bp.post("/<slug>/payments/<provider>/keys")
def save_payment_keys(provider):
    if provider not in payments.CREDENTIAL_PROVIDERS:
        abort(404)
    label = payments.PROVIDER_LABELS[provider]
    form = _credential_form(provider, formdata=request.form)
    if request.form.get("do") == "remove":
        if not ActionForm(prefix=provider).validate_on_submit():
            abort(400)
        payments.remove_credentials(provider)
        db.session.commit()
        flash(_("%(method)s keys removed, and %(method)s is off.", method=label), "success")
        return _back(provider)
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            payments.save_credentials(provider, values)
        except payments.PaymentSettingsError as error:
            db.session.rollback()
            _put_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("%(method)s keys saved.", method=label), "success")
            return _back(provider)
    return _page(**{f"{provider}_form": form})


@bp.post("/<slug>/payments/bank-accounts")
def add_bank_account():
    form = BankAccountForm(prefix="bank")
    if form.validate_on_submit():
        try:
            account = payments.add_bank_account(bank=form.bank.data, bank_name=form.bank_name.data,
                                                 number=form.number.data, holder=form.holder.data)
        except payments.PaymentSettingsError as error:
            db.session.rollback()
            _put_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("%(bank)s account %(number)s added.", bank=account.bank, number=account.number), "success")
            return _back("bank-accounts")
    return _page(bank_form=form)


def _account(account_id: int):
    """The bound store's account, or a 404 (the tenant filter hides every other store's)."""
    account = payments.bank_account(account_id)
    if account is None:
        abort(404)
    return account


@bp.route("/<slug>/payments/bank-accounts/<int:account_id>", methods=["GET", "POST"])
def edit_bank_account(account_id):
    account = _account(account_id)
    if request.method == "GET":
        bank, bank_name = payments.bank_choice(account)
        form = BankAccountForm(prefix="bank", formdata=None, data={
            "bank": bank, "bank_name": bank_name, "number": account.number, "holder": account.holder})
        return render_template("builder/payments/bank_account.html", form=form, account=account)
    form = BankAccountForm(prefix="bank")
    if form.validate_on_submit():
        try:
            payments.update_bank_account(account, bank=form.bank.data, bank_name=form.bank_name.data,
                                         number=form.number.data, holder=form.holder.data)
        except payments.PaymentSettingsError as error:
            db.session.rollback()
            _put_errors(form, error.errors)
            account = _account(account_id)
        else:
            db.session.commit()
            flash(_("Bank account saved."), "success")
            return _back("bank-accounts")
    return render_template("builder/payments/bank_account.html", form=form, account=account)


@bp.post("/<slug>/payments/bank-accounts/<int:account_id>/move")
def move_bank_account(account_id):
    account = _account(account_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    payments.move_bank_account(account, -1 if direction == "up" else 1)
    db.session.commit()
    flash(_("Bank accounts reordered."), "success")
    return _back("bank-accounts")


@bp.post("/<slug>/payments/bank-accounts/<int:account_id>/remove")
def remove_bank_account(account_id):
    account = _account(account_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    label = f"{account.bank} {account.number}"
    try:
        payments.remove_bank_account(account)
    except payments.PaymentSettingsError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(str(message), "error")
    else:
        db.session.commit()
        flash(_("%(account)s removed.", account=label), "success")
    return _back("bank-accounts")


@bp.post("/<slug>/payments/checkout")
def save_checkout_settings():
    form = _checkout_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            payments.save_checkout_settings(unpaid_cancel_hours=form.unpaid_cancel_hours.data,
                                            require_account=form.require_account.data == "required")
        except payments.PaymentSettingsError as error:
            db.session.rollback()
            _put_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Checkout settings saved."), "success")
            return _back("checkout")
    return _page(checkout_form=form)

