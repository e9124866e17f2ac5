"""The shopper's cart, checkout and order status page. None of these pages is cached: they are the visitor's own."""
import secrets

from flask import abort, flash, g, get_flashed_messages, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from saas.extensions import csrf, db, limiter
from saas.ids import parse_id
from saas.orders import services as orders
from saas.orders.addresses import display_phone
from saas.payments import providers
from saas.payments import services as payments
from saas.shipping import rates
from saas.storage.images import media_url
from saas.storefront import look
from saas.storefront.forms import CheckoutForm
from saas.storefront.views import _render, _same_origin, bp
from saas.templating import format_money

CART_COOKIE = "cart"


def _cart():
    """The cookie's cart; for a logged-in customer, theirs (their saved cart when this browser has none)."""
    from saas.customers import services as customers
    from saas.storefront.accounts import current_customer

    cart = orders.find_cart(request.cookies.get(CART_COOKIE))
    customer = current_customer()
    if customer is None:
        return cart
    if cart is not None and cart.customer_id not in (None, customer.id):
        cart = None  # another customer's cart left in this browser
    if cart is None:
        return customers.saved_cart(customer)
    cart.customer_id = customer.id  # a cart started while logged in is the customer's (saved when the request commits)
    return cart


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _with_cart_cookie(response, cart):
    response.set_cookie(CART_COOKIE, cart.token, max_age=orders.CART_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cart")
def cart():
    view = orders.view_cart(_cart())
    priced = orders.price_cart(view, g.tenant.currency) if view.items else None
    messages = get_flashed_messages(with_categories=True)
    html, status, headers = _render("cart", page_title=_("Cart") + f" · {g.tenant.name}", cart=view, priced=priced,
                                    totals=priced.totals if priced else None, messages=messages,
                                    checkout_open=bool(payments.enabled_methods()))
    headers["Cache-Control"] = "no-store"
    return html, status, headers


@bp.get("/cart.json")
def cart_json():
    """The header's item count and the mini-cart, fetched after a cached page loads."""
    return _no_store(jsonify(_cart_summary(orders.view_cart(_cart()))))


def _cart_summary(view) -> dict:
    """What the mini-cart shows: each line with its picture and link, and the subtotal."""
    currency = g.tenant.currency
    items = []
    for item in view.items:
        product = item.product
        image = product.images[0] if product is not None and product.images else None
        items.append({
            "id": str(item.line.id), "title": item.line.title, "quantity": item.line.quantity,
            "max": item.available or item.line.quantity, "total": format_money(item.total, currency),
            "price": format_money(item.unit_price, currency) if item.variant else "", "problem": item.problem,
            "url": url_for("storefront.product", slug=product.slug) if product is not None else "",
            "image": (media_url(image.media, 160) or "") if image is not None else "",
        })
    return {"count": view.count, "subtotal": format_money(view.subtotal, currency), "items": items,
            "can_check_out": bool(view.items) and not view.problems and bool(payments.enabled_methods())}


@bp.post("/cart/add")
@csrf.exempt  # pages that show this form are cached for everyone: SameSite=Lax and the Origin check guard it
def add_to_cart():
    if not _same_origin():
        abort(403)
    cart = _cart()
    if cart is None:
        from saas.storefront.accounts import current_customer

        cart = orders.new_cart()
        customer = current_customer()
        cart.customer_id = customer.id if customer is not None else None  # a logged-in shopper's cart is theirs
    try:
        orders.add_to_cart(cart, request.form.get("variant_id"), request.form.get("quantity", "1"))
    except orders.CartError as error:
        db.session.rollback()
        if _wants_json():
            return jsonify(ok=False, error=str(error))
        flash(str(error), "error")
        return redirect(url_for("storefront.cart"), 303)
    db.session.commit()
    if _wants_json():
        response = jsonify(ok=True, count=orders.view_cart(cart).count, message=_("Added to your cart."))
    else:
        flash(_("Added to your cart."), "success")
        response = redirect(url_for("storefront.cart"), 303)
    return _with_cart_cookie(response, cart)


@bp.post("/cart/change")
@csrf.exempt
def change_cart():
    if not _same_origin():
        abort(403)
    cart = _cart()
    if cart is None:
        return _refused(_("Your cart has expired. Add the products again."), None)
    try:
        if request.form.get("remove"):
            orders.remove_line(cart, request.form.get("remove"))
        else:
            for key, value in request.form.items():
                if key.startswith("quantity-"):
                    orders.change_quantity(cart, key.removeprefix("quantity-"), value)
    except orders.CartError as error:
        db.session.rollback()
        return _refused(str(error), _cart())
    db.session.commit()
    if _wants_json():
        return _no_store(jsonify(ok=True, **_cart_summary(orders.view_cart(cart))))
    return redirect(url_for("storefront.cart"), 303)


def _refused(message: str, cart):
    """A cart change that couldn't be made: the mini-cart gets the message and the cart as it stands, a form
    post goes back to /cart with the message."""
    if _wants_json():
        return _no_store(jsonify(ok=False, error=message, **_cart_summary(orders.view_cart(cart))))
    flash(message, "error")
    return redirect(url_for("storefront.cart"), 303)


@bp.post("/cart/discount")
@csrf.exempt  # like the other cart posts: SameSite=Lax and the Origin check guard it
@limiter.limit("30 per minute")  # codes are guessable by brute force otherwise
def cart_discount():
    if not _same_origin():
        abort(403)
    cart = _cart()
    if cart is None:
        return _refused(_("Your cart has expired. Add the products again."), None)
    action = "remove_code" if request.form.get("remove") else "apply_code"
    errors = _change_code(cart, action, request.form.get("code", ""))
    if errors:
        flash(errors["discount_code"], "error")
    elif action == "apply_code":
        flash(_("The code %(code)s is on your cart.", code=cart.discount_code), "success")
    return redirect(url_for("storefront.cart"), 303)


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    submitted_key = (request.form.get("idempotency_key") or "")[:64]
    placed = orders.order_by_key(submitted_key) if request.method == "POST" and submitted_key else None
    if placed is not None:  # a double click or a resubmitted form: show the order it already made
        return redirect(url_for("storefront.order_status", token=placed.token, _external=True), 303)
    cart = _cart()
    view = orders.view_cart(cart)
    if not view.items:
        return redirect(url_for("storefront.cart"), 303)
    if view.problems:
        flash(view.problems[0].problem, "error")
        return redirect(url_for("storefront.cart"), 303)
    methods = payments.enabled_methods()
    if not methods:
        return redirect(url_for("storefront.cart"), 303)
    from saas.storefront.accounts import current_customer

    customer = current_customer()
    if customer is None and payments.checkout_settings().require_account:
        flash(_("Log in or create an account to check out."), "info")
        return redirect(url_for("storefront.account_login", next=url_for("storefront.checkout")), 303)
    form = _checkout_form(methods)
    action = request.form.get("action", "place") if request.method == "POST" else ""
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
        form.payment_method.data = methods[0].provider
        if customer is not None:
            _prefill(form, customer)
        form.discount_code.data = cart.discount_code
    errors = {}
    if action in ("apply_code", "remove_code"):
        errors = _change_code(cart, action, form.discount_code.data)
    elif action == "place" and form.validate_on_submit():
        key = (form.idempotency_key.data or "")[:64] or secrets.token_urlsafe(24)
        details = orders.CheckoutDetails(
            email=form.email.data.strip().lower(), phone=form.phone.data, address=form.address(),
            payment_method=form.payment_method.data, shipping_option=form.shipping_option.data or "",
            expected_total=parse_id(request.form.get("expected_total")),
            note=(form.note.data or "").strip(), locale=g.tenant.locale,
            customer_id=customer.id if customer is not None else None)
        try:
            order = orders.place_order(cart, details, key, g.tenant.currency)
            orders.refresh_stock_summaries(order, g.tenant.low_stock_threshold)
        except IntegrityError:  # the same form, posted twice at once: the other request made the order
            db.session.rollback()
            placed = orders.order_by_key(key)
            if placed is None:
                raise
            return redirect(url_for("storefront.order_status", token=placed.token, _external=True), 303)
        except orders.CheckoutError as error:
            db.session.rollback()
            if "cart" in error.errors:
                flash(str(error.errors["cart"]), "error")
                return redirect(url_for("storefront.cart"), 303)
            errors = {name: str(message) for name, message in error.errors.items()}
        else:
            from saas.orders import notifications

            db.session.commit()  # the order is safe before any email about it is written or queued
            notifications.order_placed(order, g.tenant)
            db.session.commit()
            return _start_payment(order)
    if action == "place":
        errors.update({name: str(field.errors[0]) for name, field in form._fields.items() if field.errors})
    priced = orders.price_cart(view, g.tenant.currency, form.address(), form.shipping_option.data or None,
                               (form.email.data or "").strip().lower())
    if priced.option is not None:
        form.shipping_option.data = priced.option.id
    html, status, headers = _render(
        "checkout", page_title=_("Checkout") + f" · {g.tenant.name}", form=form, errors=errors, cart=view,
        priced=priced, totals=priced.totals, csrf=form.csrf_token.current_token if hasattr(form, "csrf_token") else "")
    headers["Cache-Control"] = "no-store"
    return html, status, headers


@bp.get("/checkout/summary")
@limiter.limit("120 per minute")  # it may ask the store's rate service for prices: not an open proxy to it
def checkout_summary():
    """The shipping options and the order summary for the address typed so far, for the checkout's script."""
    view = orders.view_cart(_cart())
    if not view.items:
        return _no_store(jsonify(ok=False))
    form = _checkout_form(payments.enabled_methods(), request.args)
    priced = orders.price_cart(view, g.tenant.currency, form.address(), request.args.get("shipping_option") or None,
                               (request.args.get("email") or "").strip().lower())
    context = {"priced": priced, "totals": priced.totals, "cart": view, "errors": {}, "tenant": g.tenant}
    return _no_store(jsonify(ok=True, shipping=look.render_snippet("checkout-shipping", context),
                             summary=look.render_snippet("checkout-summary", context)))


def _checkout_form(methods, formdata=None) -> CheckoutForm:
    form = CheckoutForm(formdata=formdata, meta={"csrf": False}) if formdata is not None else CheckoutForm()
    form.payment_method.choices = [SelectChoice(m.provider, _method_label(m.provider)) for m in methods]
    form.country.choices = [SelectChoice(code, name) for code, name in rates.countries()]
    if not form.country.data:
        form.country.data = "ID"
    return form


def _change_code(cart, action: str, text: str) -> dict:
    try:
        if action == "remove_code":
            orders.remove_code(cart)
        else:
            orders.apply_code(cart, text)
    except orders.CartError as error:
        db.session.rollback()
        return {"discount_code": str(error)}
    db.session.commit()
    return {}


def _prefill(form, customer) -> None:
    """A logged-in customer's email and default address, ready in the checkout form."""
    from saas.customers import services as customers

    form.email.data = customer.email
    address = customers.default_address(customer)
    if address is not None:
        for name in ("name", "street", "district", "city", "province", "postal_code"):
            form[name].data = getattr(address, name)
    phone = (address.phone if address is not None else "") or customer.phone
    form.phone.data = display_phone(phone) if phone else ""
    if not form.name.data:
        form.name.data = customer.name


def _start_payment(order):
    """Send the shopper to the provider's hosted page, or to the status page when there is nothing to do there."""
    status_url = url_for("storefront.order_status", token=order.token, _external=True)
    payment = order.payments[-1] if order.payments else None
    try:
        started = providers.get(order.payment_method).start(order, payment, status_url, status_url)
        db.session.commit()
    except providers.ProviderError:
        db.session.rollback()
        flash(_("We couldn't reach the payment provider. Try again in a moment."), "error")
        return redirect(status_url, 303)
    return redirect(started.redirect_url or status_url, 303)


@bp.post("/orders/<token>/pay")
@csrf.exempt  # the status page is reached by its secret link; the Origin check guards this button
def pay_order(token):
    if not _same_origin():
        abort(403)
    order = orders.order_by_token(token)
    if order is None:
        abort(404)
    if order.status.value != "open" or order.payment_status.value != "pending" or providers.get(
            order.payment_method).manual:
        return redirect(url_for("storefront.order_status", token=order.token), 303)
    return _start_payment(order)


@bp.post("/webhooks/<provider>")
@csrf.exempt  # verified by the provider's signature instead
def webhook(provider):
    if provider not in providers.available() or providers.get(provider).manual:
        abort(404)
    try:
        providers.get(provider).handle_webhook(request)
    except providers.WebhookRejected as error:
        db.session.rollback()
        return jsonify(ok=False, error=str(error)), 400
    db.session.commit()
    return jsonify(ok=True)


@bp.post("/orders/<token>/proof")
@limiter.limit("10 per hour")  # each upload is re-encoded: a leaked order link mustn't become a CPU sink
def upload_proof(token):
    order = orders.order_by_token(token)
    if order is None:
        abort(404)
    try:
        orders.attach_transfer_proof(order, request.files.get("proof"))
    except orders.CheckoutError as error:
        db.session.rollback()
        flash(str(error.errors["proof"]), "error")
    else:
        db.session.commit()
        flash(_("Thank you! The store will check your receipt and confirm your payment."), "success")
    return redirect(url_for("storefront.order_status", token=order.token) + "#payment", 303)


@bp.get("/orders/<token>")
def order_status(token):
    order = orders.order_by_token(token)
    if order is None:
        from saas.storefront.views import not_found

        return not_found()
    html, status, headers = _render(
        "order", page_title=_("Order %(number)s", number=order.name) + f" · {g.tenant.name}", order=order,
        bank_accounts=payments.bank_accounts() if order.payment_method == "bank_transfer" else [],
        method_label=_method_label(order.payment_method), phone=display_phone(order.phone),
        pay_online=not providers.get(order.payment_method).manual, messages=get_flashed_messages(with_categories=True),
        csrf=generate_csrf(), proof_sent=any(p.proof_media_id for p in order.payments))
    headers.update({"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
    return html, status, headers


def _method_label(provider: str) -> str:
    return str(payments.CHECKOUT_LABELS.get(provider, provider))
