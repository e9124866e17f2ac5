"""The pricing pipeline: one pure function from the cart's lines to the order's totals.

Subtotal, then discounts, then shipping, then tax, then the total, as DESIGN.md orders them. Each step is a
function of what the steps before it produced, so promotions, shipping zones and taxes plug in as steps
without the checkout changing. Amounts are integers in the currency's minor unit.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PricedLine:
    key: str  # the variant id, as a string: steps name the lines they touch by it
    title: str
    unit_price: int
    quantity: int
    weight_grams: int = 0
    product_id: int | None = None

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Adjustment:
    kind: str  # "discount", "shipping" or "tax"
    label: str
    amount: int  # discounts are negative

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "amount": self.amount}


@dataclass(frozen=True)
class ShippingQuote:
    label: str
    amount: int


@dataclass
class Totals:
    lines: list[PricedLine]
    subtotal: int = 0
    adjustments: list[Adjustment] = field(default_factory=list)

    def _sum(self, kind: str) -> int:
        return sum(a.amount for a in self.adjustments if a.kind == kind)

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
    def total(self) -> int:
        return max(0, self.subtotal - self.discount_total + self.shipping_total + self.tax_total)

    @property
    def weight_grams(self) -> int:
        return sum(line.weight_grams * line.quantity for line in self.lines)


def flat_rate(label: str, rate: int, free_over: int | None):
    """The shipping step until zones exist: one rate, free once the discounted subtotal reaches `free_over`."""

    def step(totals: Totals) -> list[Adjustment]:
        charged = 0 if free_over is not None and totals.subtotal - totals.discount_total >= free_over else rate
        return [Adjustment("shipping", label, charged)]

    return step


def price(lines: list[PricedLine], discounts=(), shipping=None, taxes=()) -> Totals:
    """Totals for `lines`: each of `discounts`, then `shipping`, then each of `taxes`, is a step that returns
    adjustments from the totals so far. Discounts never take more than the subtotal."""
    totals = Totals(lines=list(lines), subtotal=sum(line.total for line in lines))
    for step in discounts:
        for adjustment in step(totals):
            room = totals.subtotal - totals.discount_total
            amount = -min(room, max(0, -adjustment.amount))
            totals.adjustments.append(Adjustment("discount", adjustment.label, amount))
    if shipping is not None:
        totals.adjustments.extend(shipping(totals))
    for step in taxes:
        totals.adjustments.extend(step(totals))
    return totals
