"""Discounts as merchants manage them: saving one with its codes and targets, its state, the list with its stats,
duplicating, turning on and off, deleting, and batches of unique codes.

Functions add and flush but never commit. Input errors are collected per field and raised together as
DiscountErrors, before anything is written, so a refused save leaves the database as it was.
"""
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, delete, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from saas.catalog.models import Collection, Product
from saas.extensions import db
from saas.orm import utcnow
from saas.promotions.codes import MAX_LENGTH, CodeRejected, normalize_code
from saas.promotions.models import (
    Discount,
    DiscountCode,
    DiscountKind,
    DiscountMethod,
    DiscountScope,
    DiscountTarget,
    DiscountUsage,
    TargetRole,
)

BASIS = 10_000  # basis points in a whole
TITLE_LENGTH = 120
MAX_QUANTITY = 1_000  # buy X get Y: more would be a typing slip, not a promotion
MAX_TARGETS = 500  # products or collections one rule may name
MAX_TIERS = 5  # the editor's rows
MAX_BATCH = 1_000
MAX_LIMIT = 1_000_000  # uses and minimum items: far above any promotion, far below the Integer columns' 2**31 - 1
SUFFIX_LENGTH = 8
# No 0/O, 1/I/L: codes get read aloud and copied from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX_LENGTH = MAX_LENGTH - SUFFIX_LENGTH - 1
GETS = ("same", "products", "collections")  # what buy X get Y gives

STATES = ("active", "scheduled", "expired", "used_up", "disabled")
STATE_LABELS = {
    "active": _l("Active"),
    "scheduled": _l("Scheduled"),
    "expired": _l("Expired"),
    "used_up": _l("Used up"),
    "disabled": _l("Disabled"),
}

UNLIMITED_MESSAGE = _l("Enter 1 or more, or leave it empty for no limit.")


class DiscountErrors(ValueError):
    """Input that can't be saved; `errors` maps a form field's name to a message for the person who typed it."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


class DiscountError(ValueError):
    """An action that can't be done now (turning on a code discount that has no code); str() says why."""


@dataclass
class BatchInput:
    """A batch of codes to generate: how many, the text before each random part, and whether each is single-use."""

    count: int | None = None
    prefix: str = ""
    single_use: bool = False


@dataclass
class DiscountInput:
    """A discount as the form read it. None is a blank (or unreadable) field; checks decide what that means."""

    title: str = ""
    method: str = DiscountMethod.CODE.value
    kind: str = DiscountKind.PERCENTAGE.value
    scope: str = DiscountScope.ORDER.value
    percentage_bp: int | None = None
    amount: int | None = None
    buy_quantity: int | None = None
    get_quantity: int | None = None
    get_percentage_bp: int | None = BASIS
    gets: str = "same"
    tiers: list = field(default_factory=list)  # [(min_subtotal, amount), …] as typed; blank rows are (None, None)
    min_subtotal: int | None = None
    min_quantity: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    per_code_limit: int | None = None
    combinable: bool = False
    code: str | None = None  # None leaves the codes alone (a discount with many codes has no single one to edit)
    product_ids: list = field(default_factory=list)
    collection_ids: list = field(default_factory=list)
    get_product_ids: list = field(default_factory=list)
    get_collection_ids: list = field(default_factory=list)
    batch: BatchInput | None = None


# Reading


def get_discount(discount_id: int) -> Discount | None:
    """The bound store's discount, or None (the tenant filter hides every other store's)."""
    return db.session.scalar(select(Discount).where(Discount.id == discount_id).options(selectinload(Discount.targets)))


def codes_of(discount: Discount, limit: int | None = None) -> list[DiscountCode]:
    statement = select(DiscountCode).where(DiscountCode.discount_id == discount.id).order_by(
        DiscountCode.created_at, DiscountCode.code)
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def code_count(discount: Discount) -> int:
    return db.session.scalar(select(func.count(DiscountCode.id)).where(DiscountCode.discount_id == discount.id)) or 0


def target_ids(discount: Discount, role: TargetRole = TargetRole.APPLIES) -> tuple[list[int], list[int]]:
    """(product ids, collection ids) that the discount names in `role`."""
    products = [t.product_id for t in discount.targets if t.role == role and t.product_id is not None]
    collections = [t.collection_id for t in discount.targets if t.role == role and t.collection_id is not None]
    return products, collections


def products_by_ids(ids) -> list[Product]:
    ids = [i for i in dict.fromkeys(ids) if isinstance(i, int)]
    if not ids:
        return []
    rows = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(ids)).options(selectinload(Product.images)))}
    return [rows[i] for i in ids if i in rows]


def collections_by_ids(ids) -> list[Collection]:
    ids = [i for i in dict.fromkeys(ids) if isinstance(i, int)]
    if not ids:
        return []
    rows = {c.id: c for c in db.session.scalars(select(Collection).where(Collection.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def find_products(query: str = "", exclude=(), limit: int = 20) -> list[Product]:
    """Products whose title, SKU or tag matches `query` (the newest, with none), leaving out `exclude`."""
    from saas.catalog.search import ProductFilters, product_query

    statement = product_query(ProductFilters(q=(query or "").strip()[:200]))
    exclude = [i for i in exclude if isinstance(i, int)]
    if exclude:
        statement = statement.where(Product.id.not_in(exclude))
    return list(db.session.scalars(statement.options(selectinload(Product.images)).limit(limit)))


def find_collections(query: str = "", exclude=(), limit: int = 20) -> list[Collection]:
    """Collections whose title matches `query`, by title, leaving out `exclude`."""
    statement = select(Collection)
    needle = (query or "").strip()[:200].lower()
    if needle:
        statement = statement.where(func.lower(Collection.title).contains(needle, autoescape=True))
    exclude = [i for i in exclude if isinstance(i, int)]
    if exclude:
        statement = statement.where(Collection.id.not_in(exclude))
    return list(db.session.scalars(statement.order_by(func.lower(Collection.title), Collection.id).limit(limit)))


# State


def state(discount: Discount, now: datetime | None = None) -> str:
    """"active", "scheduled", "expired", "used_up" or "disabled" at `now`; state_clause() is the same in SQL."""
    now = now or utcnow()
    if not discount.enabled:
        return "disabled"
    if discount.ends_at is not None and discount.ends_at <= now:
        return "expired"
    if discount.starts_at > now:
        return "scheduled"
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return "used_up"
    return "active"


def state_clause(name: str, now: datetime):
    """A WHERE clause for the discounts in state `name` at `now`, matching state() exactly."""
    enabled = Discount.enabled.is_(True)
    expired = and_(Discount.ends_at.is_not(None), Discount.ends_at <= now)
    scheduled = Discount.starts_at > now
    used_up = and_(Discount.usage_limit.is_not(None), Discount.times_used >= Discount.usage_limit)
    clauses = {
        "disabled": Discount.enabled.is_(False),
        "expired": and_(enabled, expired),
        "scheduled": and_(enabled, not_(expired), scheduled),
        "used_up": and_(enabled, not_(expired), not_(scheduled), used_up),
        "active": and_(enabled, not_(expired), not_(scheduled), not_(used_up)),
    }
    return clauses[name]


# The list


@dataclass
class DiscountFilters:
    q: str = ""
    state: str = ""
    method: str = ""

    @classmethod
    def from_args(cls, args) -> "DiscountFilters":
        """From the query string; anything unknown is dropped instead of failing."""
        filters = cls(**{name: (args.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__})
        if filters.state not in STATES:
            filters.state = ""
        if filters.method not in {m.value for m in DiscountMethod}:
            filters.method = ""
        return filters

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def active(self) -> bool:
        return any(asdict(self).values())


def discount_query(filters: DiscountFilters, now: datetime | None = None):
    """A select(Discount) for the list's filters, newest first; the search matches titles and codes."""
    statement = select(Discount).options(selectinload(Discount.targets))
    if filters.q:
        needle = filters.q.lower()
        code = "".join(filters.q.split()).upper()
        statement = statement.where(or_(
            func.lower(Discount.title).contains(needle, autoescape=True),
            Discount.id.in_(select(DiscountCode.discount_id).where(DiscountCode.code.contains(code, autoescape=True))),
        ))
    if filters.method:
        statement = statement.where(Discount.method == DiscountMethod(filters.method))
    if filters.state:
        statement = statement.where(state_clause(filters.state, now or utcnow()))
    return statement.order_by(Discount.created_at.desc(), Discount.id.desc())


@dataclass(frozen=True)
class DiscountStats:
    uses: int
    limit: int | None
    orders: int
    sales: int  # the total of the orders that used it


@dataclass(frozen=True)
class CodeSummary:
    count: int
    first: str  # the first code alphabetically: the one to show when there is only one


def stats_for(discounts) -> dict[int, DiscountStats]:
    """Each discount's uses and the sales it brought, for a whole page in one query."""
    discounts = list(discounts)
    ids = [d.id for d in discounts]
    sales = {}
    if ids:
        sales = {row.discount_id: row for row in db.session.execute(
            select(DiscountUsage.discount_id, func.count(DiscountUsage.id).label("orders"),
                   func.coalesce(func.sum(DiscountUsage.order_total), 0).label("sales"))
            .where(DiscountUsage.discount_id.in_(ids)).group_by(DiscountUsage.discount_id))}
    result = {}
    for discount in discounts:
        row = sales.get(discount.id)
        result[discount.id] = DiscountStats(uses=discount.times_used or 0, limit=discount.usage_limit,
                                            orders=row.orders if row else 0, sales=int(row.sales) if row else 0)
    return result


def code_summaries(discounts) -> dict[int, CodeSummary]:
    """How many codes each discount has, and its first, for a whole page in one query."""
    ids = [d.id for d in discounts]
    if not ids:
        return {}
    return {row.discount_id: CodeSummary(row.count, row.first) for row in db.session.execute(
        select(DiscountCode.discount_id, func.count(DiscountCode.id).label("count"),
               func.min(DiscountCode.code).label("first"))
        .where(DiscountCode.discount_id.in_(ids)).group_by(DiscountCode.discount_id))}


# Words


def percent_text(basis_points: int) -> str:
    """12.5% (or 12,5% in Indonesian) from 1250 basis points."""
    value = (Decimal(basis_points) / 100).normalize()
    return f"{format_decimal(value, format='#,##0.##')}%"


def describe(discount: Discount, currency: str) -> str:
    """What the discount gives, in words: "10% off entire order", "Buy 2 get 1 free", "Spend Rp 500.000, save …"."""
    from saas.templating import format_money

    products, collections = target_ids(discount)
    if discount.scope == DiscountScope.PRODUCTS and products:
        where = ngettext("%(num)d product", "%(num)d products", len(products))
    elif discount.scope == DiscountScope.COLLECTIONS and collections:
        where = ngettext("%(num)d collection", "%(num)d collections", len(collections))
    else:
        where = None
    kind = discount.kind
    if kind == DiscountKind.PERCENTAGE:
        value = percent_text(discount.percentage_bp)
        return _("%(value)s off %(what)s", value=value, what=where) if where else _(
            "%(value)s off entire order", value=value)
    if kind == DiscountKind.FIXED:
        value = format_money(discount.amount, currency)
        return _("%(value)s off %(what)s", value=value, what=where) if where else _(
            "%(value)s off entire order", value=value)
    if kind == DiscountKind.FREE_SHIPPING:
        return _("Free shipping on orders with %(what)s", what=where) if where else _("Free shipping")
    if kind == DiscountKind.BUY_X_GET_Y:
        if discount.get_percentage_bp >= BASIS:
            return _("Buy %(buy)d get %(get)d free", buy=discount.buy_quantity, get=discount.get_quantity)
        return _("Buy %(buy)d get %(get)d at %(value)s off", buy=discount.buy_quantity, get=discount.get_quantity,
                 value=percent_text(discount.get_percentage_bp))
    tiers = sorted(discount.tiers or [], key=lambda tier: tier.get("min_subtotal", 0))
    parts = [_("Spend %(spend)s, save %(save)s", spend=format_money(int(t["min_subtotal"]), currency),
               save=format_money(int(t["amount"]), currency)) for t in tiers]
    return "; ".join(parts) if parts else _("Spend more, save more")


def requirement(discount: Discount, currency: str) -> str:
    """The minimum a cart needs, in words, or ""."""
    from saas.templating import format_money

    parts = []
    if discount.min_subtotal:
        parts.append(_("Minimum purchase %(amount)s", amount=format_money(discount.min_subtotal, currency)))
    if discount.min_quantity:
        parts.append(ngettext("Minimum %(num)d item", "Minimum %(num)d items", discount.min_quantity))
    return " · ".join(parts)


# Checking


def _enum(enum_class, value):
    try:
        return enum_class(value)
    except ValueError:
        return None


def _too_large(value: int | None) -> str | None:
    if value is not None and value > MAX_LIMIT:
        return _("Enter a number up to %(max)s.", max=format_decimal(MAX_LIMIT))
    return None


def _limit_error(value: int | None) -> str | None:
    return str(UNLIMITED_MESSAGE) if value is not None and value < 1 else _too_large(value)


def _check_percentage(value: int | None, empty_message) -> str | None:
    if value is None:
        return str(empty_message)
    if value <= 0 or value > BASIS:
        return _("Enter a percentage above 0 and up to 100.")
    return None


def _check_quantity(value: int | None) -> str | None:
    if value is None:
        return _("Enter a number, such as 2.")
    if value < 1:
        return _("Enter 1 or more.")
    if value > MAX_QUANTITY:
        return _("Enter at most %(max)d.", max=MAX_QUANTITY)
    return None


def _check_tiers(rows: list, errors: dict) -> list[dict]:
    """The filled tier rows as stored ({"min_subtotal", "amount"}); a row's error is keyed by its fields."""
    tiers, previous = [], None
    for index, (spend, save) in enumerate(rows):
        if spend is None and save is None:
            continue
        spend_key, save_key = f"tiers-{index}-min_subtotal", f"tiers-{index}-amount"
        if spend is None:
            errors[spend_key] = _("Enter the spend for this saving.")
            continue
        if save is None:
            errors[save_key] = _("Enter the saving for this spend.")
            continue
        if spend <= 0:
            errors[spend_key] = _("Enter a spend above zero.")
            continue
        if save <= 0:
            errors[save_key] = _("Enter a saving above zero.")
            continue
        if save > spend:
            errors[save_key] = _("The saving can’t be more than the spend.")
            continue
        if previous is not None:
            if spend == previous[0]:
                errors[spend_key] = _("Another tier already starts at this spend.")
                continue
            if spend < previous[0]:
                errors[spend_key] = _("List the tiers from the smallest spend to the largest.")
                continue
            if save <= previous[1]:
                errors[save_key] = _("A larger spend should save more than the tier before it.")
                continue
        previous = (spend, save)
        tiers.append({"min_subtotal": spend, "amount": save})
    if not tiers and not any(key.startswith("tiers-") for key in errors):
        errors["tiers"] = _("Add at least one tier: spend so much, save so much.")
    if len(tiers) > MAX_TIERS:
        errors["tiers"] = _("Use at most %(max)d tiers.", max=MAX_TIERS)
    return tiers


def _check_ids(model, ids, key: str, empty_message, errors: dict) -> list[int]:
    """The ids, deduplicated, if every one is a row of the bound store; anything else is refused, never attached."""
    wanted = list(dict.fromkeys(i for i in ids if isinstance(i, int)))
    if not wanted:
        errors[key] = str(empty_message)
        return []
    if len(wanted) > MAX_TARGETS:
        errors[key] = _("Choose at most %(max)d.", max=MAX_TARGETS)
        return []
    # The tenant filter hides other stores' rows, so an id of theirs is simply not found here.
    found = set(db.session.scalars(select(model.id).where(model.id.in_(wanted))))
    if len(found) != len(wanted):
        errors[key] = (_("A product you chose isn’t in your store. Choose again from the list.") if model is Product
                       else _("A collection you chose isn’t in your store. Choose again from the list."))
        return []
    return wanted


def _taken_codes(codes) -> set[str]:
    """Which of `codes` some code row of the store already holds."""
    codes, taken = list(codes), set()
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        taken.update(db.session.scalars(select(DiscountCode.code).where(DiscountCode.code.in_(chunk))))
    return taken


def _check_batch(batch: BatchInput, errors: dict) -> tuple[int, str] | None:
    count, prefix = batch.count, ""
    if count is None or count < 1 or count > MAX_BATCH:
        errors["batch_count"] = _("Enter a number from 1 to %(max)d.", max=MAX_BATCH)
    if (batch.prefix or "").strip():
        try:
            prefix = normalize_code(batch.prefix)
        except CodeRejected as error:
            errors["batch_prefix"] = str(error)
        else:
            if len(prefix) > PREFIX_LENGTH:
                errors["batch_prefix"] = _("Use at most %(n)d characters.", n=PREFIX_LENGTH)
    if "batch_count" in errors or "batch_prefix" in errors:
        return None
    return count, prefix


@dataclass
class _Clean:
    """Checked values, ready to write."""

    values: dict
    code: str | None
    code_row: DiscountCode | None
    batch: tuple[int, str, bool] | None
    applies: tuple[list[int], list[int]]
    gets: tuple[list[int], list[int]]


def _check(data: DiscountInput, discount: Discount | None) -> tuple[_Clean | None, dict]:
    errors: dict = {}
    method = _enum(DiscountMethod, data.method)
    kind = _enum(DiscountKind, data.kind)
    scope = _enum(DiscountScope, data.scope)
    if method is None:
        errors["method"] = _("Choose how shoppers get the discount.")
    if kind is None:
        errors["kind"] = _("Choose a type of discount.")
    if scope is None:
        errors["scope"] = _("Choose what the discount applies to.")

    existing = code_count(discount) if discount is not None else 0
    code, code_row, batch = None, None, None
    typed_code = (data.code or "").strip() if data.code is not None else None
    wants_batch = data.batch is not None and (data.batch.count is not None or (data.batch.prefix or "").strip())
    if method == DiscountMethod.AUTOMATIC:
        if typed_code:
            errors["code"] = _("Automatic discounts apply by themselves and have no code. Clear it, or choose "
                               "Discount code.")
        if wants_batch:
            errors["batch_count"] = _("Automatic discounts have no codes. Choose Discount code to generate some.")
        if existing and "code" not in errors:
            errors["method"] = _("Shoppers may already have this discount’s codes, so it stays a code discount. "
                                 "Duplicate it to make an automatic one.")
    elif method == DiscountMethod.CODE:
        if typed_code:
            try:
                code = normalize_code(typed_code)
            except CodeRejected as error:
                errors["code"] = str(error)
            else:
                # Editing the discount's only code renames it (its uses stay with it); otherwise it's a new code.
                code_row = codes_of(discount, 1)[0] if existing == 1 else None
                statement = select(DiscountCode.discount_id).where(DiscountCode.code == code)
                if code_row is not None:
                    statement = statement.where(DiscountCode.id != code_row.id)
                holder = db.session.scalar(statement.limit(1))
                if holder is not None:
                    errors["code"] = (_("This discount already has this code.") if discount is not None
                                      and holder == discount.id else
                                      _("Another discount in your store already uses this code."))
        if wants_batch:
            if typed_code:
                errors["batch_count"] = _("Type one code or generate a batch, not both.")
            else:
                checked = _check_batch(data.batch, errors)
                if checked is not None:
                    batch = (*checked, bool(data.batch.single_use))
        if not typed_code and not wants_batch and "code" not in errors:
            if data.code is not None and existing <= 1:
                errors["code"] = (_("Enter a code, or generate a batch of codes below.") if not existing
                                  else _("Enter a code. Shoppers type it at checkout."))
            elif data.code is None and not existing:
                errors["code"] = _("Enter a code, or generate a batch of codes below.")

    title = (data.title or "").strip()
    if not title and code:
        title = code  # a code discount is often known by its code
    if not title and not (typed_code and "code" in errors):  # a typed code names it once it's fixed
        errors["title"] = _("Enter a title, such as Ramadan sale.")
    elif len(title) > TITLE_LENGTH:
        errors["title"] = _("Use at most %(max)d characters.", max=TITLE_LENGTH)

    values = {
        "percentage_bp": 0, "amount": 0, "buy_quantity": 0, "get_quantity": 0, "get_percentage_bp": BASIS,
        "tiers": [],
    }
    if kind == DiscountKind.PERCENTAGE:
        if message := _check_percentage(data.percentage_bp, _l("Enter a percentage, such as 10.")):
            errors["percentage"] = message
        else:
            values["percentage_bp"] = data.percentage_bp
    elif kind == DiscountKind.FIXED:
        if data.amount is None:
            errors["amount"] = _("Enter an amount, such as 50.000.")
        elif data.amount <= 0:
            errors["amount"] = _("Enter an amount above zero.")
        else:
            values["amount"] = data.amount
    elif kind == DiscountKind.BUY_X_GET_Y:
        for key in ("buy_quantity", "get_quantity"):
            if message := _check_quantity(getattr(data, key)):
                errors[key] = message
            else:
                values[key] = getattr(data, key)
        if message := _check_percentage(data.get_percentage_bp, _l("Enter a percentage: 100 makes them free.")):
            errors["get_percentage"] = message
        else:
            values["get_percentage_bp"] = data.get_percentage_bp
    elif kind == DiscountKind.TIERED:
        values["tiers"] = _check_tiers(list(data.tiers or []), errors)

    applies: tuple[list[int], list[int]] = ([], [])
    if scope == DiscountScope.PRODUCTS:
        applies = (_check_ids(Product, data.product_ids, "product_ids", _l("Choose at least one product."), errors), [])
    elif scope == DiscountScope.COLLECTIONS:
        applies = ([], _check_ids(Collection, data.collection_ids, "collection_ids",
                                  _l("Choose at least one collection."), errors))
    gets: tuple[list[int], list[int]] = ([], [])
    if kind == DiscountKind.BUY_X_GET_Y:
        if data.gets not in GETS:
            errors["gets"] = _("Choose what the customer gets.")
        elif data.gets == "products":
            gets = (_check_ids(Product, data.get_product_ids, "get_product_ids",
                               _l("Choose at least one product the customer gets."), errors), [])
        elif data.gets == "collections":
            gets = ([], _check_ids(Collection, data.get_collection_ids, "get_collection_ids",
                                   _l("Choose at least one collection the customer gets from."), errors))

    for key in ("min_subtotal", "min_quantity"):
        value = getattr(data, key)
        if value is not None and value < 0:
            errors[key] = _("Enter zero or more, or leave it empty.")
        elif key == "min_quantity" and (message := _too_large(value)):
            errors[key] = message
    for key in ("usage_limit", "per_customer_limit", "per_code_limit"):
        if message := _limit_error(getattr(data, key)):
            errors[key] = message

    starts_at = data.starts_at or (discount.starts_at if discount is not None else None) or utcnow()
    if data.ends_at is not None and data.ends_at <= starts_at:
        errors["ends_at"] = _("Choose an end after the start.")

    if errors:
        return None, errors
    values.update(
        title=title, method=method, kind=kind, scope=scope, min_subtotal=data.min_subtotal or None,
        min_quantity=data.min_quantity or None, starts_at=starts_at, ends_at=data.ends_at,
        usage_limit=data.usage_limit, per_customer_limit=data.per_customer_limit,
        per_code_limit=data.per_code_limit if method == DiscountMethod.CODE else None,
        combinable=bool(data.combinable),
    )
    if batch is not None and batch[2]:
        values["per_code_limit"] = 1
    return _Clean(values, code, code_row, batch, applies, gets), {}


def discount_errors(data: DiscountInput, discount: Discount | None = None) -> dict:
    """What's wrong with `data`, field by field, without saving anything."""
    return _check(data, discount)[1]


# Writing


def _set_targets(discount: Discount, applies, gets) -> None:
    wanted = [(TargetRole.APPLIES, "product_id", i) for i in applies[0]]
    wanted += [(TargetRole.APPLIES, "collection_id", i) for i in applies[1]]
    wanted += [(TargetRole.GETS, "product_id", i) for i in gets[0]]
    wanted += [(TargetRole.GETS, "collection_id", i) for i in gets[1]]
    current = {(t.role, "product_id" if t.product_id is not None else "collection_id",
                t.product_id if t.product_id is not None else t.collection_id): t for t in discount.targets}
    keep = set(wanted)
    for key, target in current.items():
        if key not in keep:
            discount.targets.remove(target)
    for role, column, target_id in wanted:
        if (role, column, target_id) not in current:
            discount.targets.append(DiscountTarget(role=role, **{column: target_id}))


def save_discount(discount: Discount | None, data: DiscountInput) -> Discount:
    """Create (discount=None) or update a discount with its code, its batch of codes and its targets.

    Raises DiscountErrors, having written nothing, when any field is wrong."""
    clean, errors = _check(data, discount)
    if errors:
        raise DiscountErrors(errors)
    if discount is None:
        discount = Discount(enabled=True, times_used=0, targets=[])
        db.session.add(discount)
    for key, value in clean.values.items():
        setattr(discount, key, value)
    _set_targets(discount, clean.applies, clean.gets)
    db.session.flush()
    if clean.code is not None:
        if clean.code_row is not None:
            clean.code_row.code = clean.code
        else:
            db.session.add(DiscountCode(discount_id=discount.id, code=clean.code, times_used=0))
        db.session.flush()
    if clean.batch is not None:
        count, prefix, single_use = clean.batch
        _insert_codes(discount, count, prefix)
    return discount


def duplicate_discount(discount: Discount) -> Discount:
    """A disabled copy titled "… (copy)", with the same rules and targets but no codes and no uses.

    Codes are unique in a store and the original's are already out with shoppers, so the copy starts with none:
    the merchant types or generates its own before turning it on (set_enabled refuses until then)."""
    title = _("%(title)s (copy)", title=discount.title)
    if len(title) > TITLE_LENGTH:
        suffix = title[len(discount.title):]
        title = discount.title[:TITLE_LENGTH - len(suffix)].rstrip() + suffix
    copy = Discount(
        title=title, method=discount.method, kind=discount.kind, scope=discount.scope,
        percentage_bp=discount.percentage_bp, amount=discount.amount, buy_quantity=discount.buy_quantity,
        get_quantity=discount.get_quantity, get_percentage_bp=discount.get_percentage_bp,
        tiers=[dict(tier) for tier in discount.tiers or []], min_subtotal=discount.min_subtotal,
        min_quantity=discount.min_quantity, starts_at=discount.starts_at, ends_at=discount.ends_at,
        usage_limit=discount.usage_limit, per_customer_limit=discount.per_customer_limit,
        per_code_limit=discount.per_code_limit, combinable=discount.combinable, enabled=False, times_used=0,
        targets=[DiscountTarget(role=t.role, product_id=t.product_id, collection_id=t.collection_id)
                 for t in discount.targets],
    )
    db.session.add(copy)
    db.session.flush()
    return copy


def set_enabled(discount: Discount, enabled: bool) -> Discount:
    """Turn the discount on or off; a code discount with no code can't be turned on (no shopper could use it)."""
    if enabled and discount.method == DiscountMethod.CODE and code_count(discount) == 0:
        raise DiscountError(_("Add a code before turning this discount on."))
    discount.enabled = enabled
    db.session.flush()
    return discount


def delete_discount(discount: Discount) -> None:
    """Delete the discount with its codes, targets and usage records; orders keep their own copy of what it saved."""
    db.session.execute(delete(DiscountUsage).where(DiscountUsage.discount_id == discount.id))
    db.session.execute(delete(DiscountCode).where(DiscountCode.discount_id == discount.id))
    db.session.delete(discount)
    db.session.flush()


# Batches of codes


def _suffix() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(SUFFIX_LENGTH))


def _join(prefix: str, suffix: str) -> str:
    if not prefix:
        return suffix
    return f"{prefix}{suffix}" if prefix.endswith(("-", "_")) else f"{prefix}-{suffix}"


def _fresh_codes(count: int, prefix: str) -> list[str]:
    """`count` codes that no row of the store holds yet (random, so a clash is rare; one is drawn again)."""
    codes: dict[str, None] = {}
    for _round in range(10):
        while len(codes) < count:
            codes[_join(prefix, _suffix())] = None
        for taken in _taken_codes(codes):
            del codes[taken]
        if len(codes) == count:
            return list(codes)
    raise DiscountErrors({"batch_prefix": _("Couldn’t make enough unique codes. Try a different prefix.")})


def _insert_codes(discount: Discount, count: int, prefix: str) -> list[str]:
    # A code made by someone else between the check and the insert breaks the unique key: draw again.
    for _attempt in range(3):
        codes = _fresh_codes(count, prefix)
        try:
            with db.session.begin_nested():
                db.session.add_all(DiscountCode(discount_id=discount.id, code=code, times_used=0) for code in codes)
        except IntegrityError:
            continue
        return codes
    raise DiscountErrors({"batch_count": _("Couldn’t make enough unique codes. Try again.")})


def generate_codes(discount: Discount, count: int | None, prefix: str = "", single_use: bool = False) -> list[str]:
    """Add `count` (1 to 1000) unique codes like RAMADAN-7KQ2M9XA to a code discount; single-use sets one use per
    code. Raises DiscountErrors (keys batch_count, batch_prefix) for bad input."""
    errors: dict = {}
    if discount.method != DiscountMethod.CODE:
        raise DiscountError(_("Automatic discounts have no codes."))
    checked = _check_batch(BatchInput(count, prefix, single_use), errors)
    if checked is None:
        raise DiscountErrors(errors)
    if single_use:
        discount.per_code_limit = 1
    return _insert_codes(discount, *checked)
