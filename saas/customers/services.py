"""Customer accounts at one store: register, log in, reset a password, keep addresses, see orders, merge carts.

Shoppers are not platform users: their accounts live in the store's own tables, so the same email at two stores
is two accounts. Passwords are hashed with the platform's argon2 hasher. Functions add and flush; the request
commits.
"""
import hashlib
import hmac

from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.accounts import services as accounts
from saas.accounts.passwords import is_common_password
from saas.customers.models import Customer, CustomerAddress
from saas.extensions import db
from saas.ids import new_id
from saas.orders import services as orders
from saas.orders.models import Cart, Order
from saas.orm import utcnow
from saas.tenants.scoping import current_tenant_id

MIN_PASSWORD_LENGTH = 10
RESET_MAX_AGE = 3600
ADDRESS_FIELDS = ("name", "street", "district", "city", "province", "postal_code", "phone")
MAX_ADDRESSES = 20


class AccountError(ValueError):
    """A change that can't be made; `errors` maps form fields to messages for the shopper."""

    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


normalize_email = accounts.normalize_email


def password_problem(password: str) -> str | None:
    """Why `password` is refused, or None: the platform's rules, with a longer minimum for shoppers."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return str(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if is_common_password(password):
        return str(_l("This password is too common. Choose one that is harder to guess."))
    return None


def find_customer(email: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.email == normalize_email(email)))


def get_customer(customer_id) -> Customer | None:
    """The bound store's customer with this id (scoping keeps other stores' ids from matching)."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(Customer).where(Customer.id == customer_id))


def register(email: str, password: str, name: str = "", phone: str = "", accepts_marketing: bool = False) -> Customer:
    email = normalize_email(email)
    errors = {}
    if find_customer(email) is not None:
        errors["email"] = _l("An account with this email already exists at this store. Log in instead.")
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if errors:
        raise AccountError(errors)
    customer = Customer(id=new_id(), email=email, name=(name or "").strip(), phone=phone or "",
                        password_hash=accounts.hash_password(password), accepts_marketing=bool(accepts_marketing))
    try:
        with db.session.begin_nested():  # two registrations of one email at once: the second is told, not a 500
            db.session.add(customer)
    except IntegrityError:
        raise AccountError({"email": _l("An account with this email already exists at this store. Log in instead.")})
    return customer


def authenticate(email: str, password: str) -> Customer | None:
    """The customer, or None; an unknown email costs the same hash check as a wrong password."""
    customer = find_customer(email)
    hasher = accounts._hasher  # looked up now: tests swap in a cheap profile
    try:
        hasher.verify(customer.password_hash if customer else accounts._DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if customer is None:
        return None
    if hasher.check_needs_rehash(customer.password_hash):
        customer.password_hash = accounts.hash_password(password)
    return customer


def set_password(customer: Customer, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError({"password": problem})
    customer.password_hash = accounts.hash_password(password)
    customer.updated_at = utcnow()
    db.session.flush()


def session_version(customer: Customer) -> str:
    """A short fingerprint of the password hash: a new password ends old sessions and old reset links."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, customer.password_hash.encode(), hashlib.sha256).hexdigest()[:16]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="customer-password-reset")


def reset_token(customer: Customer) -> str:
    return _serializer().dumps({"t": customer.tenant_id, "c": customer.id, "v": session_version(customer)})


def customer_for_reset_token(token: str) -> Customer | None:
    """The customer a reset link is for, if it is this store's, under an hour old and not used yet."""
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or data.get("t") != current_tenant_id():
        return None
    customer = get_customer(data.get("c"))
    if customer is None or not hmac.compare_digest(session_version(customer), str(data.get("v"))):
        return None
    return customer


# Addresses


def address_of(customer: Customer, address_id) -> CustomerAddress | None:
    """One of this customer's addresses; another customer's (or store's) id finds nothing."""
    try:
        address_id = int(address_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(CustomerAddress).where(CustomerAddress.id == address_id,
                                                           CustomerAddress.customer_id == customer.id))


def default_address(customer: Customer) -> CustomerAddress | None:
    addresses = customer.addresses
    return next((a for a in addresses if a.is_default), addresses[0] if addresses else None)


def add_address(customer: Customer, fields: dict, make_default: bool = False) -> CustomerAddress:
    if len(customer.addresses) >= MAX_ADDRESSES:
        raise AccountError({"name": _l("You can save at most %(n)d addresses.", n=MAX_ADDRESSES)})
    address = CustomerAddress(id=new_id(), customer_id=customer.id, **_address_values(fields))
    customer.addresses.append(address)
    if make_default or len(customer.addresses) == 1:
        set_default(customer, address)
    db.session.flush()
    return address


def edit_address(customer: Customer, address: CustomerAddress, fields: dict, make_default: bool = False) -> None:
    for key, value in _address_values(fields).items():
        setattr(address, key, value)
    if make_default:
        set_default(customer, address)
    db.session.flush()


def remove_address(customer: Customer, address: CustomerAddress) -> None:
    was_default = address.is_default
    customer.addresses.remove(address)
    if was_default and customer.addresses:
        customer.addresses[0].is_default = True  # there is always a default while there is an address
    db.session.flush()


def set_default(customer: Customer, address: CustomerAddress) -> None:
    for other in customer.addresses:
        other.is_default = other is address
    db.session.flush()


def _address_values(fields: dict) -> dict:
    return {key: (fields.get(key) or "").strip() for key in ADDRESS_FIELDS}


# Orders and carts


def orders_of(customer: Customer) -> list[Order]:
    """The customer's orders at this store, newest first (guest orders with the same email are not claimed:
    an email isn't proven by registering with it)."""
    return list(db.session.scalars(select(Order).where(Order.customer_id == customer.id)
                                   .order_by(Order.placed_at.desc(), Order.id.desc())))


def saved_cart(customer: Customer) -> Cart | None:
    """The customer's most recent cart that hasn't expired."""
    return db.session.scalar(select(Cart).where(Cart.customer_id == customer.id, Cart.expires_at > utcnow())
                             .order_by(Cart.expires_at.desc()).limit(1))


def merge_guest_cart(guest_cart: Cart | None, customer: Customer) -> Cart | None:
    """At login: the guest cart's lines join the customer's saved cart, which becomes the browser's cart.

    Quantities add up, capped by what is in stock (unless backorders are allowed). A line whose product
    can't be bought any more is kept as it is, so the cart flags it rather than dropping it silently.
    """
    saved = saved_cart(customer)
    if guest_cart is not None and guest_cart.customer_id not in (None, customer.id):
        guest_cart = None  # someone else's cart left in this browser is not this customer's to take
    if guest_cart is None or guest_cart is saved:
        return saved
    if saved is None:
        guest_cart.customer_id = customer.id
        db.session.flush()
        return guest_cart
    for line in list(guest_cart.lines):
        existing = next((l for l in saved.lines if l.variant_id == line.variant_id), None)
        wanted = min(line.quantity + (existing.quantity if existing else 0), orders.MAX_QUANTITY)
        variant = orders._sellable_variant(line.variant_id)
        if variant is not None:
            limit = orders._limit_for(variant)
            if limit > 0:
                wanted = min(wanted, limit)
        if existing is not None:
            existing.quantity = max(existing.quantity, wanted) if variant is None else wanted
        elif len(saved.lines) < orders.MAX_LINES:
            saved.lines.append(type(line)(id=new_id(), cart_id=saved.id, variant_id=line.variant_id,
                                          quantity=wanted, title=line.title))
    orders._touch(saved)
    db.session.delete(guest_cart)
    db.session.flush()
    return saved
