"""The shopper's account at this store: register, log in and out, reset a password, addresses and order history.

The logged-in customer lives in the Flask session as {"tenant", "id", "v"}: the store must be the one this host
serves (cookies are host-only, and this is checked anyway), and "v" fingerprints the password hash, so a new
password ends every other session. No page here is cached (cache.py caches only its CACHED_ENDPOINTS), and each
says so with Cache-Control: no-store.
"""
from functools import wraps

from flask import abort, flash, g, get_flashed_messages, make_response, redirect, request, session, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import generate_csrf

from saas import mail
from saas.accounts import throttle
from saas.customers import services as customers
from saas.errors import too_many_requests_page
from saas.extensions import db, limiter
from saas.orders import services as orders
from saas.orders.addresses import display_phone
from saas.storefront.account_forms import AddressForm, LoginForm, NewPasswordForm, RegisterForm, ResetRequestForm
from saas.storefront.shop import CART_COOKIE, _with_cart_cookie
from saas.storefront.views import _render, bp
from saas.urls import safe_next

SESSION_KEY = "customer"
LOGIN_LIMIT = "20 per 10 minutes"  # per store and IP address, on top of the per-account throttle
RESET_LIMIT = "5 per hour"
_UNSET = object()


def _store_and_address() -> str:
    """The rate limits' key: the store (not the host, so a custom domain shares it) and the client's address."""
    tenant = g.get("tenant")
    return f"store:{tenant.id if tenant is not None else request.host}:{get_remote_address()}"


def current_customer():
    """The logged-in customer of this store, or None; read once per request."""
    found = g.get("_current_customer", _UNSET)
    if found is not _UNSET:
        return found
    found = None
    data = session.get(SESSION_KEY)
    tenant = g.get("tenant")
    if isinstance(data, dict) and tenant is not None and data.get("tenant") == tenant.id:
        found = customers.get_customer(data.get("id"))
        if found is not None and "v" in data and data["v"] != customers.session_version(found):
            found = None  # the password changed since this session began
    g._current_customer = found
    return found


def _begin_session(customer):
    """Log in: a fresh session (nothing set before survives into it), and the guest cart merged into the saved one."""
    cart = customers.merge_guest_cart(orders.find_cart(request.cookies.get(CART_COOKIE)), customer)
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[SESSION_KEY] = {"tenant": g.tenant.id, "id": customer.id, "v": customers.session_version(customer)}
    session.permanent = True
    g._current_customer = customer
    return cart


def _private(view):
    """Every account response is the visitor's own: never stored by a cache or the browser."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def _login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        customer = current_customer()
        if customer is None:
            return redirect(url_for("storefront.account_login", next=request.full_path.rstrip("?")), 303)
        return view(customer, *args, **kwargs)

    return wrapper


def _page(page_type: str, title: str, form=None, **context):
    errors = {name: str(field.errors[0]) for name, field in form._fields.items() if field.errors} if form else {}
    if form is not None and "password" in form._fields:
        form.password.data = ""  # a password is never sent back in a page
    return _render(page_type, page_title=f"{title} · {g.tenant.name}", form=form, errors=errors,
                   messages=get_flashed_messages(with_categories=True), csrf=generate_csrf(),
                   customer=current_customer(), **context)


def _next_url() -> str:
    return safe_next(request.args.get("next"), url_for("storefront.account"))


@bp.get("/account")
@_private
@_login_required
def account(customer):
    found = customers.orders_of(customer)
    return _page("account", _("Your account"), customer_orders=found, addresses=customer.addresses,
                 format_date=lambda value: format_date(value, "medium"))


@bp.route("/account/register", methods=["GET", "POST"])
@_private
def account_register():
    if current_customer() is not None:
        return redirect(_next_url(), 303)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            customer = customers.register(form.email.data, form.password.data, form.name.data,
                                          accepts_marketing=form.accepts_marketing.data)
        except customers.AccountError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                form[name].errors = [str(message)]
        else:
            cart = _begin_session(customer)
            db.session.commit()
            flash(_("Welcome! Your account at %(store)s is ready.", store=g.tenant.name), "success")
            response = redirect(_next_url(), 303)
            return _with_cart_cookie(response, cart) if cart is not None else response
    return _page("account_register", _("Create an account"), form=form, next=request.args.get("next", ""))


@bp.route("/account/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_store_and_address)
@_private
def account_login():
    if current_customer() is not None:
        return redirect(_next_url(), 303)
    form = LoginForm()
    if form.validate_on_submit():
        email = customers.normalize_email(form.email.data)
        throttle_key = f"customer:{g.tenant.id}:{email}"
        retry_at = throttle.locked_until(throttle_key)
        if retry_at is not None:
            return too_many_requests_page(retry_at)
        customer = customers.authenticate(email, form.password.data)
        if customer is None:
            throttle.record_failure(throttle_key)
            # One message for an unknown email and a wrong password, so accounts can't be probed.
            form.password.errors = [_("That email and password don't match an account at this store.")]
        else:
            cart = _begin_session(customer)
            db.session.commit()
            response = redirect(_next_url(), 303)
            return _with_cart_cookie(response, cart) if cart is not None else response
    return _page("account_login", _("Log in"), form=form, next=request.args.get("next", ""))


@bp.post("/account/logout")
@_private
def account_logout():
    customer = current_customer()
    cart = orders.find_cart(request.cookies.get(CART_COOKIE))
    if customer is not None and cart is not None and cart.customer_id is None:
        cart.customer_id = customer.id  # a cart started while logged in stays with the account
        db.session.commit()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have logged out."), "info")
    response = redirect(url_for("storefront.account_login"), 303)
    response.delete_cookie(CART_COOKIE)  # the cart stays saved with the account, not in this browser
    return response


@bp.route("/account/reset", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"], key_func=_store_and_address)
@_private
def account_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        customer = customers.find_customer(form.email.data)
        if customer is not None:
            _send_reset(customer)
            db.session.commit()
        # The same answer whether or not the address has an account, so accounts can't be probed.
        flash(_("If an account at this store uses that email, a link to reset the password is on its way."), "info")
        return redirect(url_for("storefront.account_login"), 303)
    return _page("account_reset", _("Reset your password"), form=form, token=None)


def _send_reset(customer) -> None:
    from saas.orders.notifications import _branding

    tenant = g.tenant
    # On the host the shopper asked from: the store's own domain when they shop there, since their session is
    # kept per host and the link logs them in.
    link = url_for("storefront.account_reset_token", token=customers.reset_token(customer), _external=True)
    with force_locale(tenant.locale):
        subject = _("Reset your password at %(store)s", store=tenant.name)
    mail.send(customer.email, subject, "customer_reset", tenant.locale, tenant_id=tenant.id,
              **_branding(tenant), customer=customer, reset_url=link,
              minutes=customers.RESET_MAX_AGE // 60)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@_private
def account_reset_token(token):
    customer = customers.customer_for_reset_token(token)
    if customer is None:
        flash(_("That reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("storefront.account_reset"), 303)
    form = NewPasswordForm()
    if form.validate_on_submit():
        customers.set_password(customer, form.password.data)
        cart = _begin_session(customer)
        db.session.commit()
        flash(_("Your password has been changed."), "success")
        response = redirect(url_for("storefront.account"), 303)
        return _with_cart_cookie(response, cart) if cart is not None else response
    return _page("account_reset", _("Choose a new password"), form=form, token=token)


@bp.route("/account/addresses", methods=["GET", "POST"])
@_private
@_login_required
def account_address_new(customer):
    form = AddressForm()
    if request.method == "GET":
        form.name.data = customer.name
        form.is_default.data = not customer.addresses
    if form.validate_on_submit():
        try:
            customers.add_address(customer, form.values(), make_default=form.is_default.data)
        except customers.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Address saved."), "success")
            return redirect(url_for("storefront.account") + "#addresses", 303)
    return _page("account_address", _("Add an address"), form=form, address=None)


@bp.route("/account/addresses/<address_id>", methods=["GET", "POST"])
@_private
@_login_required
def account_address_edit(customer, address_id):
    address = customers.address_of(customer, address_id)
    if address is None:
        abort(404)
    form = AddressForm(obj=address if request.method == "GET" else None)
    if request.method == "GET" and address.phone:
        form.phone.data = display_phone(address.phone)
    if form.validate_on_submit():
        customers.edit_address(customer, address, form.values(), make_default=form.is_default.data)
        db.session.commit()
        flash(_("Address saved."), "success")
        return redirect(url_for("storefront.account") + "#addresses", 303)
    return _page("account_address", _("Edit address"), form=form, address=address)


@bp.post("/account/addresses/<address_id>/delete")
@_private
@_login_required
def account_address_delete(customer, address_id):
    address = customers.address_of(customer, address_id)
    if address is None:
        abort(404)
    customers.remove_address(customer, address)
    db.session.commit()
    flash(_("Address removed."), "success")
    return redirect(url_for("storefront.account") + "#addresses", 303)


@bp.post("/account/addresses/<address_id>/default")
@_private
@_login_required
def account_address_default(customer, address_id):
    address = customers.address_of(customer, address_id)
    if address is None:
        abort(404)
    customers.set_default(customer, address)
    db.session.commit()
    flash(_("Default address changed."), "success")
    return redirect(url_for("storefront.account") + "#addresses", 303)
