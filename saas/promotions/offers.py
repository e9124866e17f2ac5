"""Discounts at the till: which promotions a cart may get, what a typed code means, and recording each use.

The rows become pricing.Promotion values here, so that pricing stays a pure function. Limits are checked when
a code is applied (to tell the shopper early) and again, atomically, when the order is placed: the last use of
a limited code is taken by a conditional UPDATE, so two concurrent orders can't both have it.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from saas.extensions import db
from saas.ids import new_id
from saas.templating import format_money
from saas.orders import pricing
from saas.orm import utcnow
from saas.promotions import services
from saas.promotions.codes import CodeRejected, normalize_code
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


class CodeUnusable(ValueError):
    """A code that exists but can't be used now; str() is the message for the shopper."""


@dataclass(frozen=True)
class Offer:
    discount: Discount
    code: DiscountCode | None = None


def automatic_discounts(now: datetime | None = None) -> list[Discount]:
    """The store's automatic discounts that are running now."""
    now = now or utcnow()
    return list(db.session.scalars(select(Discount).where(
        Discount.method == DiscountMethod.AUTOMATIC, services.state_clause("active", now)).order_by(Discount.id)))


def find_code(text: str, now: datetime | None = None) -> Offer:
    """The offer behind a typed code. Raises CodeRejected (malformed, unknown) or CodeUnusable (the reason)."""
    code = normalize_code(text)
    row = db.session.execute(select(DiscountCode, Discount).join(
        Discount, (Discount.tenant_id == DiscountCode.tenant_id) & (Discount.id == DiscountCode.discount_id))
        .where(DiscountCode.code == code, Discount.method == DiscountMethod.CODE)).first()
    if row is None:
        raise CodeRejected(str(_l("We don't know the code %(code)s. Check the spelling.", code=code)))
    code_row, discount = row
    refusals = {
        "disabled": _l("The code %(code)s is no longer valid.", code=code),
        "scheduled": _l("The code %(code)s isn't valid yet.", code=code),
        "expired": _l("The code %(code)s has expired.", code=code),
        "used_up": _l("The code %(code)s has been used up.", code=code),
    }
    state = services.state(discount, now or utcnow())
    if state in refusals:
        raise CodeUnusable(str(refusals[state]))
    if discount.per_code_limit is not None and code_row.times_used >= discount.per_code_limit:
        raise CodeUnusable(str(refusals["used_up"]))
    return Offer(discount, code_row)


def check_customer_limit(offer: Offer, email: str) -> None:
    """Raises CodeUnusable when this shopper has used the discount as often as it allows."""
    limit = offer.discount.per_customer_limit
    if limit is None or not email:
        return
    used = db.session.scalar(select(func.count()).select_from(DiscountUsage).where(
        DiscountUsage.discount_id == offer.discount.id, DiscountUsage.email == email.strip().lower()))
    if used >= limit:
        raise CodeUnusable(str(_l("You have already used the code %(code)s.", code=_label(offer))))


def within_customer_limit(offer: Offer, email: str) -> bool:
    try:
        check_customer_limit(offer, email)
    except CodeUnusable:
        return False
    return True


def _label(offer: Offer) -> str:
    return offer.code.code if offer.code is not None else offer.discount.title


def as_promotions(offers: list[Offer]) -> list[pricing.Promotion]:
    """The offers as pricing sees them, with their products and collections loaded in one query."""
    ids = [offer.discount.id for offer in offers]
    targets: dict[int, list[DiscountTarget]] = {}
    if ids:
        for target in db.session.scalars(select(DiscountTarget).where(DiscountTarget.discount_id.in_(ids))):
            targets.setdefault(target.discount_id, []).append(target)
    return [_promotion(offer, targets.get(offer.discount.id, [])) for offer in offers]


def _promotion(offer: Offer, targets: list[DiscountTarget]) -> pricing.Promotion:
    d = offer.discount

    def ids(role, column):
        return frozenset(getattr(t, column) for t in targets if t.role == role and getattr(t, column) is not None)

    return pricing.Promotion(
        id=d.id, label=offer.code.code if offer.code is not None else d.title, kind=d.kind.value,
        automatic=d.method == DiscountMethod.AUTOMATIC, combinable=d.combinable,
        code=offer.code.code if offer.code is not None else "",
        product_ids=ids(TargetRole.APPLIES, "product_id"), collection_ids=ids(TargetRole.APPLIES, "collection_id"),
        get_product_ids=ids(TargetRole.GETS, "product_id"), get_collection_ids=ids(TargetRole.GETS, "collection_id"),
        percentage_bp=d.percentage_bp, amount=d.amount, buy_quantity=d.buy_quantity, get_quantity=d.get_quantity,
        get_percentage_bp=d.get_percentage_bp,
        tiers=tuple(sorted((int(t["min_subtotal"]), int(t["amount"])) for t in d.tiers or [])),
        min_subtotal=d.min_subtotal, min_quantity=d.min_quantity,
    )


def shortfall_message(offer: Offer, promotion: pricing.Promotion, lines, currency: str) -> str | None:
    """Why the cart doesn't get a code's discount yet, in the shopper's words, or None when it does."""
    reason = pricing.shortfall(promotion, lines)
    code = _label(offer)
    if reason is None:
        return None
    if reason == "no_items":
        return str(_l("The code %(code)s doesn't apply to anything in your cart.", code=code))
    d = offer.discount
    if reason == "min_subtotal":
        minimum = d.min_subtotal or min((int(t["min_subtotal"]) for t in d.tiers or []), default=0)
        return str(_l("The code %(code)s needs a subtotal of at least %(amount)s.", code=code,
                      amount=format_money(minimum, currency)))
    quantity = d.min_quantity or (d.buy_quantity + d.get_quantity)
    return str(_l("The code %(code)s needs at least %(n)d items.", code=code, n=quantity))


def record_uses(order, totals: pricing.Totals, offers: list[Offer]) -> None:
    """Count each applied discount's use against its limits and keep a usage row; raises CodeUnusable when a
    limit was reached meanwhile (the caller rolls back the whole order)."""
    by_id = {offer.discount.id: offer for offer in offers}
    for promotion in totals.applied:
        offer = by_id[promotion.id]
        discount = offer.discount
        taken = db.session.execute(
            update(Discount).where(Discount.id == discount.id, or_(
                Discount.usage_limit.is_(None), Discount.times_used < Discount.usage_limit))
            .values(times_used=Discount.times_used + 1).returning(Discount.times_used),
            execution_options={"synchronize_session": False}).scalar()
        if taken is None:
            raise CodeUnusable(str(_l("The discount %(code)s has just been used up.", code=_label(offer))))
        if offer.code is not None:
            statement = update(DiscountCode).where(DiscountCode.id == offer.code.id)
            if discount.per_code_limit is not None:
                statement = statement.where(DiscountCode.times_used < discount.per_code_limit)
            if db.session.execute(statement.values(times_used=DiscountCode.times_used + 1)
                                  .returning(DiscountCode.times_used),
                                  execution_options={"synchronize_session": False}).scalar() is None:
                raise CodeUnusable(str(_l("The discount %(code)s has just been used up.", code=_label(offer))))
            check_customer_limit(offer, order.email)
        elif discount.per_customer_limit is not None:
            check_customer_limit(offer, order.email)
        db.session.add(DiscountUsage(
            id=new_id(), discount_id=discount.id, code_id=offer.code.id if offer.code is not None else None,
            order_id=order.id, email=order.email.lower(), customer_id=order.customer_id,
            amount=totals.savings.get(promotion.id, 0), order_total=totals.total))
        db.session.expire(discount, ["times_used"])
        if offer.code is not None:
            db.session.expire(offer.code, ["times_used"])


def badge_text(discount: Discount, currency: str) -> str:
    """A short line for products an automatic discount applies to: "Buy 2, get 1 free", "10% off"."""
    if discount.kind == DiscountKind.PERCENTAGE:
        return str(_l("%(percent)s off", percent=services.percent_text(discount.percentage_bp)))
    if discount.kind == DiscountKind.FIXED:
        return str(_l("%(amount)s off", amount=format_money(discount.amount, currency)))
    if discount.kind == DiscountKind.BUY_X_GET_Y:
        if discount.get_percentage_bp >= pricing.BASIS:
            return str(_l("Buy %(x)d, get %(y)d free", x=discount.buy_quantity, y=discount.get_quantity))
        return str(_l("Buy %(x)d, get %(y)d at %(percent)s off", x=discount.buy_quantity, y=discount.get_quantity,
                      percent=services.percent_text(discount.get_percentage_bp)))
    if discount.kind == DiscountKind.TIERED and discount.tiers:
        tier = min(discount.tiers, key=lambda t: int(t["min_subtotal"]))
        return str(_l("Spend %(spend)s, save %(save)s", spend=format_money(int(tier["min_subtotal"]), currency),
                      save=format_money(int(tier["amount"]), currency)))
    if discount.kind == DiscountKind.FREE_SHIPPING:
        return str(_l("Free shipping"))
    return discount.title


@dataclass(frozen=True)
class BadgeIndex:
    """The running automatic discounts as badges: (text, the products it names, whether it is scoped to them),
    and when one next starts or ends (the index is out of date from then on)."""

    entries: tuple[tuple[str, frozenset, bool], ...]
    next_change: datetime | None

    def current(self, now: datetime) -> bool:
        return self.next_change is None or now < self.next_change


def badge_index(currency: str) -> BadgeIndex:
    """The bound store's badges, in a fixed number of queries however many products it has."""
    from saas.catalog.models import CollectionProduct

    now = utcnow()
    running = automatic_discounts(now)
    targets: dict[int, list[DiscountTarget]] = {}
    if running:
        for target in db.session.scalars(select(DiscountTarget).where(
                DiscountTarget.discount_id.in_([d.id for d in running]), DiscountTarget.role == TargetRole.APPLIES)):
            targets.setdefault(target.discount_id, []).append(target)
    collection_ids = {t.collection_id for ts in targets.values() for t in ts if t.collection_id is not None}
    members: dict[int, set[int]] = {}
    if collection_ids:
        for collection_id, product_id in db.session.execute(
                select(CollectionProduct.collection_id, CollectionProduct.product_id)
                .where(CollectionProduct.collection_id.in_(collection_ids))):
            members.setdefault(collection_id, set()).add(product_id)
    entries = []
    for discount in running:
        chosen = targets.get(discount.id, [])
        products = frozenset(t.product_id for t in chosen if t.product_id is not None)
        products |= {p for t in chosen if t.collection_id is not None for p in members.get(t.collection_id, ())}
        entries.append((badge_text(discount, currency), products, discount.scope != DiscountScope.ORDER))
    return BadgeIndex(tuple(entries), _next_change(now))


class Badges:
    """The automatic discounts a product gets, for its card and page: the index is loaded on first use (by
    `load`, badge_index() unless given another), once per page."""

    def __init__(self, currency: str, load=None):
        self.currency = currency
        self._load = load or (lambda: badge_index(currency))
        self._index: BadgeIndex | None = None

    @property
    def used(self) -> bool:
        return self._index is not None

    @property
    def next_change(self) -> datetime | None:
        """When a running or scheduled discount starts or ends (None also before the index is loaded)."""
        return self._index.next_change if self._index is not None else None

    def __call__(self, product, store_wide: bool = False) -> list[str]:
        """Badge texts for `product`; discounts on the whole order only with `store_wide` (the product page)."""
        if self._index is None:
            self._index = self._load()
        return [text for text, products, scoped in self._index.entries
                if (product.id in products if scoped else store_wide)]


def _next_change(now: datetime) -> datetime | None:
    """The next moment an automatic discount starts or ends: cached pages showing badges must not outlive it."""
    starts = db.session.scalar(select(func.min(Discount.starts_at)).where(
        Discount.method == DiscountMethod.AUTOMATIC, Discount.enabled.is_(True), Discount.starts_at > now))
    ends = db.session.scalar(select(func.min(Discount.ends_at)).where(
        Discount.method == DiscountMethod.AUTOMATIC, Discount.enabled.is_(True), Discount.ends_at > now))
    return min((moment for moment in (starts, ends) if moment is not None), default=None)
