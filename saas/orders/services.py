"""Carts and placing orders: what the storefront calls. Functions add and flush; the request commits once."""
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from saas.catalog import services as catalog
from saas.catalog.models import (
    AdjustmentReason,
    CollectionProduct,
    InventoryAdjustment,
    Product,
    ProductStatus,
    Variant,
)
from saas.extensions import db
from saas.ids import new_id, parse_id
from saas.money import rounding_unit
from saas.orders import pricing
from saas.orders.models import (
    FIRST_ORDER_NUMBER,
    Cart,
    CartLine,
    Order,
    OrderCounter,
    OrderEvent,
    OrderLine,
    Payment,
)
from saas.orm import utcnow
from saas.payments import services as payments
from saas.promotions import offers
from saas.shipping import rates
from saas.templating import format_money

CART_DAYS = 30
MAX_QUANTITY = 999
MAX_LINES = 100


class CartError(ValueError):
    """A cart change that can't be made; str() is the message for the shopper."""


class CheckoutError(ValueError):
    """The order can't be placed as it stands; `errors` maps form fields (or "cart") to messages."""

    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


# Carts


def find_cart(token: str | None) -> Cart | None:
    if not token or len(token) > 64:
        return None
    cart = db.session.scalar(select(Cart).where(Cart.token == token))
    if cart is None or cart.expires_at <= utcnow():
        return None
    return cart


def new_cart() -> Cart:
    cart = Cart(id=new_id(), token=secrets.token_urlsafe(32), expires_at=utcnow() + timedelta(days=CART_DAYS))
    db.session.add(cart)
    return cart


def _touch(cart: Cart) -> None:
    cart.expires_at = utcnow() + timedelta(days=CART_DAYS)


def _sellable_variant(variant_id) -> Variant | None:
    """A variant of the bound store's active products (scoping keeps other stores' ids from matching)."""
    variant_id = parse_id(variant_id)
    if variant_id is None:
        return None
    return db.session.scalar(select(Variant).join(Product, Product.id == Variant.product_id)
                             .where(Variant.id == variant_id, Product.status == ProductStatus.ACTIVE))


def _quantity(value) -> int:
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise CartError(_l("Enter a quantity as a whole number."))
    if quantity < 0 or quantity > MAX_QUANTITY:
        raise CartError(_l("Enter a quantity from 1 to %(max)d.", max=MAX_QUANTITY))
    return quantity


def _limit_for(variant: Variant) -> int:
    if variant.track_stock and not variant.allow_backorder:
        return max(0, variant.stock)
    return MAX_QUANTITY


def add_to_cart(cart: Cart, variant_id, quantity=1) -> CartLine:
    """Add `quantity` of a variant, up to what is in stock (unless backorders are allowed)."""
    quantity = _quantity(quantity)
    if quantity < 1:
        raise CartError(_l("Enter a quantity from 1 to %(max)d.", max=MAX_QUANTITY))
    variant = _sellable_variant(variant_id)
    if variant is None:
        raise CartError(_l("That product isn't available."))
    line = next((l for l in cart.lines if l.variant_id == variant.id), None)
    wanted = quantity + (line.quantity if line else 0)
    limit = _limit_for(variant)
    if limit == 0:
        raise CartError(_l("%(title)s is sold out.", title=variant.product.title))
    if wanted > limit:
        raise CartError(_l("Only %(n)d of %(title)s left in stock.", n=limit, title=variant.product.title))
    if wanted > MAX_QUANTITY:
        raise CartError(_l("Enter a quantity from 1 to %(max)d.", max=MAX_QUANTITY))
    if line is None:
        if len(cart.lines) >= MAX_LINES:
            raise CartError(_l("A cart can hold at most %(n)d different items.", n=MAX_LINES))
        line = CartLine(id=new_id(), cart_id=cart.id, variant_id=variant.id, quantity=0)
        cart.lines.append(line)
    line.quantity = wanted
    line.title = _line_title(variant)[:255]
    _touch(cart)
    db.session.flush()
    return line


def change_quantity(cart: Cart, line_id, quantity) -> None:
    """Set a line's quantity; 0 removes it. More than is in stock is refused with how many are left."""
    quantity = _quantity(quantity)
    line = _line(cart, line_id)
    if quantity == 0:
        cart.lines.remove(line)
    else:
        variant = _sellable_variant(line.variant_id)
        if variant is not None and quantity > _limit_for(variant):
            raise CartError(_l("Only %(n)d of %(title)s left in stock.", n=_limit_for(variant),
                               title=variant.product.title))
        line.quantity = quantity
    _touch(cart)
    db.session.flush()


def remove_line(cart: Cart, line_id) -> None:
    cart.lines.remove(_line(cart, line_id))
    _touch(cart)
    db.session.flush()


def _line(cart: Cart, line_id) -> CartLine:
    line = next((l for l in cart.lines if str(l.id) == str(line_id)), None)
    if line is None:
        raise CartError(_l("That item is no longer in your cart."))
    return line


def _line_title(variant: Variant) -> str:
    return f"{variant.product.title} ({variant.title})" if variant.title else variant.product.title


@dataclass
class CartItem:
    line: CartLine
    variant: Variant | None
    problem: str = ""  # for the shopper: why this line can't be bought as it is
    available: int = 0

    @property
    def product(self) -> Product | None:
        return self.variant.product if self.variant is not None else None

    @property
    def unit_price(self) -> int:
        return self.variant.price if self.variant is not None else 0

    @property
    def total(self) -> int:
        return self.unit_price * self.line.quantity

    @property
    def buyable(self) -> bool:
        return not self.problem


@dataclass
class CartView:
    cart: Cart | None
    items: list[CartItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(item.line.quantity for item in self.items)

    @property
    def subtotal(self) -> int:
        return sum(item.total for item in self.items if item.buyable)

    @property
    def problems(self) -> list[CartItem]:
        return [item for item in self.items if not item.buyable]

    def priced_lines(self) -> list[pricing.PricedLine]:
        """The buyable lines as pricing sees them, with each product's collections (one query for all)."""
        buyable = [item for item in self.items if item.buyable]
        product_ids = {item.variant.product_id for item in buyable}
        collections: dict[int, set[int]] = {}
        if product_ids:
            rows = db.session.execute(select(CollectionProduct.product_id, CollectionProduct.collection_id)
                                      .where(CollectionProduct.product_id.in_(product_ids)))
            for product_id, collection_id in rows:
                collections.setdefault(product_id, set()).add(collection_id)
        return [pricing.PricedLine(key=str(item.variant.id), title=item.line.title, unit_price=item.unit_price,
                                   quantity=item.line.quantity, weight_grams=item.variant.weight_grams,
                                   product_id=item.variant.product_id,
                                   collection_ids=frozenset(collections.get(item.variant.product_id, ())),
                                   tax_exempt=item.variant.product.tax_exempt)
                for item in buyable]


def view_cart(cart: Cart | None) -> CartView:
    """The cart as the shopper should see it: current prices, and a notice on each line that can't be bought."""
    if cart is None:
        return CartView(None)
    ids = [line.variant_id for line in cart.lines]
    variants = {v.id: v for v in db.session.scalars(select(Variant).where(Variant.id.in_(ids)))} if ids else {}
    items = []
    for line in cart.lines:
        variant = variants.get(line.variant_id)
        item = CartItem(line, variant)
        if variant is None or variant.product.status != ProductStatus.ACTIVE:
            item.variant = None
            item.problem = str(_l("%(title)s is no longer available. Remove it to check out.", title=line.title))
        else:
            item.available = _limit_for(variant)
            if item.available == 0:
                item.problem = str(_l("%(title)s is sold out. Remove it to check out.", title=line.title))
            elif line.quantity > item.available:
                item.problem = str(_l("Only %(n)d of %(title)s left: lower the quantity to check out.",
                                      n=item.available, title=line.title))
        items.append(item)
    return CartView(cart, items)


# Pricing


@dataclass
class PricedOption:
    option: rates.Option
    charge: int  # what the shopper pays for it, after any free-shipping discount


@dataclass
class PricedCheckout:
    """Everything the cart and checkout pages show, and place_order() charges: one call of the pipeline."""

    totals: pricing.Totals
    offers: list[offers.Offer]
    address_known: bool = False
    covered: bool = True  # False: no zone covers the address, and there is no pickup either
    options: list[PricedOption] = field(default_factory=list)
    option: rates.Option | None = None
    code: str = ""
    code_message: str = ""  # why the cart's code gives nothing (yet)
    code_refused: bool = False  # the code can't be used at all (unknown, expired, used up): the order must wait

    @property
    def code_applied(self) -> bool:
        return any(p.code == self.code for p in self.totals.applied) if self.code else False


def price_cart(view: CartView, currency: str, address: dict | None = None, option_id: str | None = None,
               email: str = "") -> PricedCheckout:
    """The one pricing pipeline: the cart's lines, the promotions running now and its code, the shipping option
    chosen for `address` (the cheapest when none is), and the tax of the address's zone."""
    unit = rounding_unit(currency)
    lines = view.priced_lines()
    # An automatic discount this shopper has used up is simply not offered: it must never block the order.
    running = [offer for offer in (offers.Offer(d) for d in offers.automatic_discounts())
               if offers.within_customer_limit(offer, email)]
    code = view.cart.discount_code if view.cart is not None else ""
    code_offer, code_message, code_refused = None, "", False
    if code:
        try:
            code_offer = offers.find_code(code)
            offers.check_customer_limit(code_offer, email)
        except (offers.CodeRejected, offers.CodeUnusable) as error:
            code_offer, code_message, code_refused = None, str(error), True
    candidates = running + ([code_offer] if code_offer is not None else [])
    promotions = offers.as_promotions(candidates)
    if code_offer is not None:
        code_message = offers.shortfall_message(code_offer, promotions[-1], lines, currency) or ""

    checkout = PricedCheckout(totals=pricing.Totals(lines=lines), offers=candidates, code=code,
                              code_message=code_message, code_refused=code_refused)
    zone, chosen = None, None
    if address is not None:
        checkout.address_known = rates.address_complete(address)
        weight = sum(line.weight_grams * line.quantity for line in lines)
        if checkout.address_known:
            place = rates.destination(address, weight, sum(line.total for line in lines))
        else:  # no address yet: collecting it in person needs none
            place = rates.Destination(None, rates.pickups(address.get("country") or "ID"))
        zone, checkout.covered = place.zone, bool(place.options) or not checkout.address_known
        tax = rates.tax_policy(zone)
        for option in place.options:
            try:
                quoted = pricing.price(lines, promotions, option.rate, tax, unit)
            except pricing.RateUnavailable:
                continue
            checkout.options.append(PricedOption(option, quoted.shipping_total - quoted.shipping_discount))
        # Deliveries cheapest first, then collecting in person: the cheapest delivery is the one chosen for you.
        checkout.options.sort(key=lambda p: (p.option.pickup is not None, p.charge, p.option.label, p.option.id))
        chosen = next((p.option for p in checkout.options if p.option.id == option_id), None)
        if chosen is None and option_id is None and checkout.options and checkout.address_known:
            chosen = checkout.options[0].option
        checkout.option = chosen
    checkout.totals = pricing.price(lines, promotions, chosen.rate if chosen else None, rates.tax_policy(zone), unit)
    if code_offer is not None and not checkout.code_message and not checkout.code_applied:
        checkout.code_message = _unused_code_message(code, code_offer, checkout)
    return checkout


def _unused_code_message(code: str, offer, checkout: PricedCheckout) -> str:
    """Why a code that qualifies gives nothing here: a better discount won, or there is no shipping to take off."""
    if offer.discount.kind.value == "free_shipping" and not checkout.totals.shipping_total:
        # before shipping is chosen there is nothing to say; with free shipping chosen there is nothing to save
        return "" if checkout.option is None else str(_l(
            "The code %(code)s gives free shipping; the way you chose already costs nothing.", code=code))
    applied = ", ".join(p.label for p in checkout.totals.applied)
    if not applied:
        return str(_l("The code %(code)s takes nothing off this order.", code=code))
    return str(_l("The code %(code)s can't be combined with %(better)s, which saves you at least as much.",
                  code=code, better=applied))


def apply_code(cart: Cart, text: str) -> None:
    """Keep a code on the cart when it exists and can be used now; raises CartError saying why not."""
    try:
        offer = offers.find_code(text)
    except (offers.CodeRejected, offers.CodeUnusable) as error:
        raise CartError(str(error))
    cart.discount_code = offer.code.code
    _touch(cart)
    db.session.flush()


def remove_code(cart: Cart) -> None:
    cart.discount_code = ""
    _touch(cart)
    db.session.flush()


# Placing an order


@dataclass
class CheckoutDetails:
    email: str
    phone: str
    address: dict
    payment_method: str
    shipping_option: str | None = None
    expected_total: int | None = None  # the total the shopper saw; a different one is shown before charging it
    note: str = ""
    locale: str = "id"
    customer_id: int | None = None


class OutOfStock(CheckoutError):
    pass


def order_by_key(idempotency_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.idempotency_key == idempotency_key))


def order_by_token(token: str) -> Order | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Order).where(Order.token == token))


def place_order(cart: Cart, details: CheckoutDetails, idempotency_key: str, currency: str) -> Order:
    """Re-price the cart from the database, take the stock, and record the order, its lines and its payment.

    A repeated key returns the order it already made. Stock is taken with conditional UPDATEs in a fixed
    order, so concurrent buyers of the last units never oversell: the one who misses gets OutOfStock and
    the caller rolls back everything this call did.
    """
    existing = order_by_key(idempotency_key)
    if existing is not None:
        return existing
    view = view_cart(cart)
    if not view.items:
        raise CheckoutError({"cart": _l("Your cart is empty.")})
    if view.problems:
        raise CheckoutError({"cart": view.problems[0].problem})
    methods = {m.provider: m for m in payments.enabled_methods()}
    if details.payment_method not in methods:
        raise CheckoutError({"payment_method": _l("Choose how you will pay.")})
    priced = price_cart(view, currency, details.address, details.shipping_option or "", details.email)
    _refuse_unpriceable(priced, details, currency)
    totals, option = priced.totals, priced.option
    # Stock first, the order number last: the counter's row lock then waits only for the rest of this
    # transaction, not for the stock updates (which lock their own rows, in variant order, to avoid deadlocks).
    taken = [_take_stock(item, position) for position, item in enumerate(sorted(view.items, key=lambda i: i.variant.id))]
    catalog.record_sales(units_by_product(line for line, _adjustment in taken))
    number = _next_number()
    now = utcnow()
    order = Order(
        id=new_id(), number=number, token=secrets.token_urlsafe(24), idempotency_key=idempotency_key,
        customer_id=details.customer_id, email=details.email, phone=details.phone, shipping_address=details.address,
        note=details.note, locale=details.locale, currency=currency, subtotal=totals.subtotal,
        discount_total=totals.discount_total, shipping_total=totals.shipping_total, tax_total=totals.tax_total,
        total=totals.total, adjustments=[a.as_dict() for a in totals.adjustments],
        shipping_method=option.label[:255], shipping_details=option.details(),
        discount_codes=[p.code for p in totals.applied if p.code], payment_method=details.payment_method,
        placed_at=now,
    )
    if details.payment_method != "cod":  # cash is paid on delivery; every other unpaid order lapses
        order.payment_due_at = now + timedelta(hours=payments.checkout_settings().unpaid_cancel_hours)
    db.session.add(order)
    for line, adjustment in taken:
        order.lines.append(line)
        if adjustment is not None:
            adjustment.note = order.name
            db.session.add(adjustment)
    order.lines.sort(key=lambda line: line.position)
    order.payments.append(Payment(id=new_id(), provider=details.payment_method, amount=order.total))
    order.events.append(OrderEvent(id=new_id(), kind="placed", actor=details.email,
                                   message=str(_l("Order placed by %(email)s.", email=details.email))))
    db.session.flush()
    try:
        offers.record_uses(order, totals, priced.offers)
    except offers.CodeUnusable as error:
        raise CheckoutError({"discount_code": str(error)})
    db.session.delete(cart)
    db.session.flush()
    return order


def units_by_product(lines, units_of=lambda line: line.quantity) -> dict[int, int]:
    """{product id: units} over order lines, each line counting units_of(line) (its quantity by default)."""
    units: dict[int, int] = {}
    for line in lines:
        if line.product_id:
            units[line.product_id] = units.get(line.product_id, 0) + units_of(line)
    return units


def _refuse_unpriceable(priced: PricedCheckout, details: CheckoutDetails, currency: str) -> None:
    """The checkout errors that pricing finds: where it can't ship, no option chosen, a code that won't apply."""
    if not priced.covered:
        raise CheckoutError({"shipping_option": _l(
            "Sorry, we don't ship to %(place)s yet. Check the address, or contact the store.",
            place=details.address.get("city") or details.address.get("country"))})
    if priced.option is None:
        raise CheckoutError({"shipping_option": _l("Choose how you want to receive your order.")})
    if priced.code_refused:
        raise CheckoutError({"discount_code": priced.code_message})
    if details.expected_total is not None and details.expected_total != priced.totals.total:
        raise CheckoutError({"total": _l(
            "The total changed while you were checking out; it is now %(total)s. Check it and place the order again.",
            total=format_money(priced.totals.total, currency))})
    if details.payment_method == "cod" and not priced.option.cod_allowed:
        raise CheckoutError({"payment_method": _l("Cash on delivery isn't available with %(option)s.",
                                                  option=priced.option.label)})


def _take_stock(item: CartItem, position: int) -> tuple[OrderLine, InventoryAdjustment | None]:
    variant, quantity = item.variant, item.line.quantity
    adjustment = None
    if variant.track_stock:
        statement = update(Variant).where(Variant.id == variant.id).values(stock=Variant.stock - quantity)
        if not variant.allow_backorder:
            statement = statement.where(Variant.stock >= quantity)
        result = db.session.execute(statement.returning(Variant.stock), execution_options={"synchronize_session": False})
        left = result.scalar()
        if left is None:
            raise OutOfStock({"cart": _l("%(title)s has just sold out. Your cart has been updated.",
                                         title=item.line.title)})
        adjustment = InventoryAdjustment(id=new_id(), product_id=variant.product_id, variant_id=variant.id,
                                         delta=-quantity, quantity_after=left, reason=AdjustmentReason.SOLD)
        db.session.expire(variant, ["stock"])
    image = next((img for img in variant.product.images if img.id == variant.image_id), None) or (
        variant.product.images[0] if variant.product.images else None)
    line = OrderLine(
        id=new_id(), position=position, product_id=variant.product_id, variant_id=variant.id,
        title=variant.product.title[:255], variant_title=variant.title[:255], sku=variant.sku or "",
        image_media_id=image.media_id if image else None, weight_grams=variant.weight_grams,
        unit_price=variant.price, quantity=quantity, total=variant.price * quantity, stock_taken=variant.track_stock,
    )
    return line, adjustment


def refresh_stock_summaries(order: Order, threshold: int) -> None:
    """After the stock moved: the products' stock states (and the collections that follow them) catch up."""
    from saas.catalog import collections

    ids = {line.product_id for line in order.lines if line.stock_taken and line.product_id}
    for product in db.session.scalars(select(Product).where(Product.id.in_(ids))):
        catalog.refresh_summary(product, threshold)
        collections.sync_product(product)  # automated collections may follow the stock state
    db.session.flush()


def _next_number() -> int:
    """The store's next order number, under the counter row's lock (a concurrent buyer waits for the commit)."""
    statement = (update(OrderCounter).values(next_number=OrderCounter.next_number + 1)
                 .returning(OrderCounter.next_number))
    taken = db.session.execute(statement, execution_options={"synchronize_session": False}).scalar()
    if taken is not None:
        return taken - 1
    try:
        with db.session.begin_nested():
            db.session.add(OrderCounter(id=new_id(), next_number=FIRST_ORDER_NUMBER + 1))
        return FIRST_ORDER_NUMBER
    except IntegrityError:  # another first order made the counter meanwhile: take the next number from it
        return db.session.execute(statement, execution_options={"synchronize_session": False}).scalar() - 1


PROOF_WIDTHS = (480, 1600)


def attach_transfer_proof(order: Order, upload) -> Payment:
    """Keep the shopper's photo of their transfer receipt on the pending payment, for the merchant to check."""
    from saas.storage.images import ImageRejected, read_upload, store_image

    payment = next((p for p in reversed(order.payments) if p.provider == "bank_transfer"), None)
    if order.status.value != "open" or order.payment_status.value != "pending" or payment is None:
        raise CheckoutError({"proof": _l("This order isn't waiting for a transfer.")})
    if upload is None or not upload.filename:
        raise CheckoutError({"proof": _l("Choose a photo or screenshot of your transfer receipt.")})
    try:
        media = store_image(order.tenant_id, read_upload(upload), "proofs", PROOF_WIDTHS, upload.filename)
    except ImageRejected as error:
        raise CheckoutError({"proof": error.args[0]})
    payment.proof_media_id = media.id
    order.events.append(OrderEvent(id=new_id(), kind="proof_uploaded", actor=order.email,
                                   message=str(_l("The shopper uploaded a transfer receipt."))))
    db.session.flush()
    return payment
