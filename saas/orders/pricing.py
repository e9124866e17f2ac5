"""The pricing pipeline: one pure function from a cart's lines, the promotions on offer, the chosen shipping rate
and the tax policy to the order's totals.

Subtotal, then discounts, then shipping, then tax, then the total, as DESIGN.md orders them. Nothing here reads
the database or the clock: the services turn rows into these frozen values, and the same values always give the
same totals, however the lines are ordered. Amounts are integers in the currency's minor unit (whole rupiah).

Every discount is spread over the lines it applies to, and tax is rounded per line, so the lines' net amounts,
the shipping and any tax added on top always sum to the total exactly.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field

BASIS = 10_000  # basis points in a whole: 1100 is 11%


def _round_div(numerator: int, denominator: int, unit: int = 1) -> int:
    """numerator / denominator rounded half up to a multiple of `unit`, for non-negative integers, without floats."""
    return (2 * numerator + denominator * unit) // (2 * denominator * unit) * unit


@dataclass(frozen=True)
class PricedLine:
    key: str  # the variant id, as a string: adjustments name the lines they touch by it
    title: str
    unit_price: int
    quantity: int
    weight_grams: int = 0
    product_id: int | None = None
    collection_ids: frozenset = frozenset()
    tax_exempt: bool = False

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


# Promotions


@dataclass(frozen=True)
class Promotion:
    """A discount as pricing sees it. With no products and no collections named, it applies to every line."""

    id: int
    label: str
    kind: str  # "percentage", "fixed", "free_shipping", "buy_x_get_y" or "tiered"
    automatic: bool = False
    combinable: bool = False
    code: str = ""
    product_ids: frozenset = frozenset()
    collection_ids: frozenset = frozenset()
    get_product_ids: frozenset = frozenset()  # buy X get Y: what the Y items may be; empty means the same as X
    get_collection_ids: frozenset = frozenset()
    percentage_bp: int = 0
    amount: int = 0
    buy_quantity: int = 0
    get_quantity: int = 0
    get_percentage_bp: int = BASIS
    tiers: tuple = ()  # ((min_subtotal, amount), …)
    min_subtotal: int | None = None
    min_quantity: int | None = None

    def applies_to(self, line: PricedLine) -> bool:
        return _matches(line, self.product_ids, self.collection_ids)

    def gives(self, line: PricedLine) -> bool:
        if not (self.get_product_ids or self.get_collection_ids):
            return self.applies_to(line)
        return _matches(line, self.get_product_ids, self.get_collection_ids)


def _matches(line: PricedLine, product_ids: frozenset, collection_ids: frozenset) -> bool:
    if not (product_ids or collection_ids):
        return True
    return line.product_id in product_ids or bool(line.collection_ids & collection_ids)


def shortfall(promotion: Promotion, lines: Iterable[PricedLine]) -> str | None:
    """Why the cart doesn't qualify for `promotion` ("no_items", "min_subtotal", "min_quantity"), or None."""
    lines = list(lines)  # read twice below: a generator would be empty the second time
    eligible = [line for line in lines if promotion.applies_to(line)]
    if not eligible:
        return "no_items"
    if promotion.min_subtotal and sum(line.total for line in eligible) < promotion.min_subtotal:
        return "min_subtotal"
    if promotion.min_quantity and sum(line.quantity for line in eligible) < promotion.min_quantity:
        return "min_quantity"
    if promotion.kind == "tiered" and _tier_amount(promotion, sum(line.total for line in eligible)) == 0:
        return "min_subtotal"
    if promotion.kind == "buy_x_get_y" and not _free_units(promotion, list(lines)):
        return "min_quantity"
    return None


def _allocate(amount: int, weights: dict[str, int], unit: int) -> dict[str, int]:
    """Split `amount` over keys in proportion to their weights, in whole units (largest remainder, ties by key),
    never giving a key more than its weight."""
    whole = sum(weights.values())
    if amount <= 0 or whole <= 0:
        return {key: 0 for key in weights}
    amount = min(amount, whole)
    units = amount // unit
    shares = {key: units * weight // whole for key, weight in weights.items()}
    by_remainder = sorted(weights, key=lambda key: (-(units * weights[key] % whole), key))
    for key in by_remainder[:units - sum(shares.values())]:
        shares[key] += 1
    shares = {key: min(weights[key], share * unit) for key, share in shares.items()}
    if amount % unit:  # an amount finer than the unit: the odd part goes where there is room
        key = next((k for k in by_remainder if weights[k] - shares[k] >= amount % unit), None)
        if key is not None:
            shares[key] += amount % unit
    return shares


def _tier_amount(promotion: Promotion, spend: int) -> int:
    reached = [amount for minimum, amount in promotion.tiers if spend >= minimum]
    return max(reached, default=0)


def _free_units(promotion: Promotion, lines: list[PricedLine]) -> list[tuple[str, int]]:
    """Buy X get Y: the units given at the discount, as (line key, unit price), most generous grouping first.

    The X bought are taken from the dearest qualifying units and the Y given from the cheapest, as shops do;
    units that could only be bought go before those that could also be given, so these stay free to give.
    """
    x, y = promotion.buy_quantity, promotion.get_quantity
    if x < 1 or y < 1:
        return []
    units = sorted(((line.unit_price, line.key, n) for line in lines for n in range(line.quantity)),
                   key=lambda unit: (unit[0], unit[1], unit[2]))
    by_key = {line.key: line for line in lines}
    buyable = sorted((u for u in reversed(units) if promotion.applies_to(by_key[u[1]])),  # dearest first
                     key=lambda u: promotion.gives(by_key[u[1]]))
    givable = [u for u in units if promotion.gives(by_key[u[1]])]  # cheapest first
    # Both lists are walked once: everything before a pointer has been bought or given, so each group
    # starts where the last stopped (a cart of 100 lines × 999 units stays linear, not quadratic).
    used, given = set(), []
    next_buy = next_give = 0
    while True:
        bought, scan = [], next_buy
        while len(bought) < x and scan < len(buyable):
            if buyable[scan] not in used:
                bought.append(buyable[scan])
            scan += 1
        if len(bought) < x:
            break
        chosen, free, look = set(bought), [], next_give
        while len(free) < y and look < len(givable):
            if givable[look] not in used and givable[look] not in chosen:
                free.append(givable[look])
            look += 1
        if len(free) < y:
            break
        used.update(bought)
        used.update(free)
        given.extend(free)
        next_buy = scan
        while next_give < len(givable) and givable[next_give] in used:
            next_give += 1
    return [(key, price) for price, key, _ in given]


def _line_discounts(promotion: Promotion, lines: list[PricedLine], remaining: dict[str, int],
                    unit: int) -> dict[str, int]:
    """What `promotion` takes off each line, given what is left of each after the discounts before it."""
    eligible = {line.key: remaining[line.key] for line in lines if promotion.applies_to(line)}
    if promotion.kind == "percentage":
        return {key: min(left, _round_div(left * promotion.percentage_bp, BASIS, unit))
                for key, left in eligible.items()}
    if promotion.kind == "fixed":
        return _allocate(promotion.amount, eligible, unit)
    if promotion.kind == "tiered":
        spend = sum(line.total for line in lines if promotion.applies_to(line))
        return _allocate(_tier_amount(promotion, spend), eligible, unit)
    if promotion.kind == "buy_x_get_y":
        # The free units' share of what is left of their line, as a percentage takes a share of it: so the two
        # stack the same whichever comes first, and a line already discounted isn't given away at list price.
        free: dict[str, int] = {}
        for key, unit_price in _free_units(promotion, lines):
            free[key] = free.get(key, 0) + unit_price
        gross = {line.key: line.total for line in lines}
        return {key: min(remaining[key], _round_div(value * promotion.get_percentage_bp * remaining[key],
                                                    BASIS * gross[key], unit))
                for key, value in free.items() if gross[key] > 0}
    return {}


# Shipping


@dataclass(frozen=True)
class ShippingRate:
    """A way to ship as pricing sees it. Tiers are ((from, to, amount), …) with `from` <= value < `to`; a `to`
    of None has no upper bound. Weight tiers are in grams, price tiers in the discounted subtotal."""

    id: str
    label: str
    kind: str = "flat"  # "flat", "weight", "price", "pickup" or "quoted" (a carrier's price, as `amount`)
    amount: int = 0
    tiers: tuple = ()
    free_over: int | None = None


def rate_amount(rate: ShippingRate, weight_grams: int, discounted_subtotal: int) -> int | None:
    """What `rate` charges for a cart of this weight and discounted subtotal, or None if it doesn't apply."""
    if rate.kind in ("weight", "price"):
        value = weight_grams if rate.kind == "weight" else discounted_subtotal
        amount = next((amount for low, high, amount in rate.tiers
                       if low <= value and (high is None or value < high)), None)
        if amount is None:
            return None
    else:
        amount = rate.amount
    if rate.free_over is not None and discounted_subtotal >= rate.free_over:
        return 0
    return amount


class RateUnavailable(ValueError):
    """The chosen rate has no tier for this cart (too heavy, say): the shopper must choose another."""


# Tax


@dataclass(frozen=True)
class TaxPolicy:
    label: str = "PPN"  # as shown on the order, rate included: "PPN 11%"
    rate_bp: int = 0
    included: bool = True  # prices already contain the tax (Indonesia's usual way)
    shipping_taxed: bool = False

    def on(self, amount: int, unit: int = 1) -> int:
        """The tax in (or on) `amount`, rounded half up to a multiple of `unit`."""
        if self.rate_bp <= 0 or amount <= 0:
            return 0
        if self.included:
            return _round_div(amount * self.rate_bp, BASIS + self.rate_bp, unit)
        return _round_div(amount * self.rate_bp, BASIS, unit)


# Totals


@dataclass(frozen=True)
class Adjustment:
    kind: str  # "discount", "shipping" or "tax"
    label: str
    amount: int  # discounts are negative
    included: bool = False  # tax already inside the prices: shown, but not added to the total
    promotion_id: int | None = None
    code: str = ""

    def as_dict(self) -> dict:
        data = {"kind": self.kind, "label": self.label, "amount": self.amount}
        if self.included:
            data["included"] = True
        if self.promotion_id is not None:
            data["promotion_id"] = self.promotion_id
        if self.code:
            data["code"] = self.code
        return data


@dataclass(frozen=True)
class LineTotal:
    key: str
    gross: int
    discount: int
    tax: int

    @property
    def net(self) -> int:
        return self.gross - self.discount


@dataclass
class Totals:
    lines: list[PricedLine]
    subtotal: int = 0
    adjustments: list[Adjustment] = field(default_factory=list)
    line_totals: dict[str, LineTotal] = field(default_factory=dict)
    applied: list[Promotion] = field(default_factory=list)
    savings: dict[int, int] = field(default_factory=dict)  # promotion id: what it took off, shipping included
    shipping_rate: ShippingRate | None = None

    def _sum(self, kind: str, included: bool | None = None) -> int:
        return sum(a.amount for a in self.adjustments
                   if a.kind == kind and (included is None or a.included == included))

    @property
    def discount_total(self) -> int:
        return -self._sum("discount")

    @property
    def shipping_total(self) -> int:
        return self._sum("shipping")

    @property
    def tax_total(self) -> int:
        return self._sum("tax")

    @property
    def added_tax(self) -> int:
        return self._sum("tax", included=False)

    @property
    def shipping_discount(self) -> int:
        return sum(self.savings.values()) - sum(line.discount for line in self.line_totals.values())

    @property
    def total(self) -> int:
        return self.subtotal - self.discount_total + self.shipping_total + self.added_tax

    @property
    def weight_grams(self) -> int:
        return sum(line.weight_grams * line.quantity for line in self.lines)


def _valid_sets(promotions: list[Promotion]) -> list[list[Promotion]]:
    """The sets of promotions that may apply together: every combinable one, with at most one that isn't."""
    combinable = [p for p in promotions if p.combinable]
    alone = [p for p in promotions if not p.combinable]
    return [combinable] + [[p] + combinable for p in alone]


def _order(promotion: Promotion) -> tuple:
    """Discounts on chosen items first, then on the whole order, then on shipping; by id within each."""
    if promotion.kind == "free_shipping":
        stage = 2
    elif promotion.product_ids or promotion.collection_ids or promotion.kind == "buy_x_get_y":
        stage = 0
    else:
        stage = 1
    return stage, promotion.id


def price(lines: Iterable[PricedLine], promotions: Iterable[Promotion] = (), shipping: ShippingRate | None = None,
          tax: TaxPolicy | None = None, unit: int = 1) -> Totals:
    """The totals for `lines`, with the best allowed set of `promotions` that the cart qualifies for.

    Computed amounts (percentages, shares, tax) are rounded to multiples of `unit`: 100 for rupiah, which are
    kept in sen but shown whole. Raises RateUnavailable when `shipping` has no tier that fits the cart.
    """
    lines = sorted(lines, key=lambda line: line.key)
    qualifying = [p for p in promotions if shortfall(p, lines) is None]
    best = None
    for chosen in _valid_sets(qualifying):
        totals = _price_with(lines, sorted(chosen, key=_order), shipping, tax, unit)
        saving = sum(totals.savings.values())
        rank = (saving, -len(totals.applied), [-p.id for p in totals.applied])
        if best is None or rank > best[0]:
            best = (rank, totals)
    return best[1]


def _price_with(lines: list[PricedLine], promotions: list[Promotion], shipping: ShippingRate | None,
                tax: TaxPolicy | None, unit: int) -> Totals:
    totals = Totals(lines=lines, subtotal=sum(line.total for line in lines), shipping_rate=shipping)
    remaining = {line.key: line.total for line in lines}
    for promotion in promotions:
        if promotion.kind == "free_shipping":
            continue
        taken = {key: amount for key, amount in _line_discounts(promotion, lines, remaining, unit).items() if amount > 0}
        if taken:
            for key, amount in taken.items():
                remaining[key] -= amount
            _record(totals, promotion, sum(taken.values()))
    discounted = sum(remaining.values())

    shipping_net = 0
    if shipping is not None:
        charged = rate_amount(shipping, totals.weight_grams, discounted)
        if charged is None:
            raise RateUnavailable(shipping.id)
        totals.adjustments.append(Adjustment("shipping", shipping.label, charged))
        shipping_net = charged
        for promotion in promotions:
            if promotion.kind == "free_shipping" and shipping_net > 0:
                _record(totals, promotion, shipping_net)
                shipping_net = 0

    tax_by_line = {line.key: 0 if (tax is None or line.tax_exempt) else tax.on(remaining[line.key], unit)
                  for line in lines}
    totals.line_totals = {line.key: LineTotal(line.key, line.total, line.total - remaining[line.key],
                                              tax_by_line[line.key]) for line in lines}
    if tax is not None and tax.rate_bp > 0:
        charged_tax = sum(tax_by_line.values()) + (tax.on(shipping_net, unit) if tax.shipping_taxed else 0)
        if charged_tax:
            totals.adjustments.append(Adjustment("tax", tax.label, charged_tax, included=tax.included))
    return totals


def _record(totals: Totals, promotion: Promotion, amount: int) -> None:
    totals.adjustments.append(Adjustment("discount", promotion.label, -amount, promotion_id=promotion.id,
                                         code=promotion.code))
    if promotion not in totals.applied:
        totals.applied.append(promotion)
    totals.savings[promotion.id] = totals.savings.get(promotion.id, 0) + amount
