"""The benefit and condition of each promotion kind: one pydantic schema per kind.

A promotion's `rules` column holds the JSON of its kind's schema. Why JSON and not columns:
the twelve kinds share almost no parameters (a tier table, a list of gifts, bundle
components, per-SKU prices), so typed columns would be mostly empty and each kind would need
its own check constraints; one validated schema per kind keeps the row small and the engine
typed. What the database filters on — seller, status, window, products, targets, budgets —
are columns and rows, never inside the JSON.

Money is Decimal with at most 2 decimals; percentages are in (0, 100]; quantities are whole
base units. Unknown keys are refused (a typo must not silently mean "no condition").
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qudao.promotions.constants import MAX_TIERS, Basis, Kind

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
Qty = Annotated[int, Field(ge=1, le=1_000_000)]
SkuId = Annotated[int, Field(ge=1)]


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _increasing(values: list[Any], what: str) -> None:
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError(f"{what} must increase from one tier to the next")


class SpecialPriceRules(Rules):
    """特价: a net unit price per SKU."""

    prices: dict[SkuId, Money] = Field(min_length=1)


class FlashSaleRules(Rules):
    """秒杀: a net unit price per SKU while the quantity cap (the promotion's budget_qty)
    lasts, optionally at most so many units per order."""

    prices: dict[SkuId, Money] = Field(min_length=1)
    max_qty_per_order: Qty | None = None


class PercentOffRules(Rules):
    percent: Percent


class AmountOffRules(Rules):
    """An amount off each unit (never more than the unit's price)."""

    amount: PositiveMoney


class QtyStep(Rules):
    min_qty: Qty
    price: Money | None = None
    percent: Percent | None = None

    @model_validator(mode="after")
    def _one_benefit(self) -> "QtyStep":
        if (self.price is None) == (self.percent is None):
            raise ValueError("give either a price or a percent")
        return self


class TierPriceRules(Rules):
    """阶梯价: from `min_qty` units of a SKU on the line, a unit price (one SKU only) or a
    percentage off. The highest tier reached applies."""

    tiers: list[QtyStep] = Field(min_length=1, max_length=MAX_TIERS)

    @model_validator(mode="after")
    def _ordered(self) -> "TierPriceRules":
        _increasing([t.min_qty for t in self.tiers], "min_qty")
        if len({t.price is None for t in self.tiers}) > 1:
            raise ValueError("all tiers give a price, or all give a percent")
        return self

    @property
    def by_price(self) -> bool:
        return self.tiers[0].price is not None


class PriceStep(Rules):
    min_qty: Qty
    price: Money


class GroupBuyRules(Rules):
    """团购: the units of `sku_id` ordered by all participating buyers in the window (the
    promotion's consumed_qty) plus this order's set the tier for everyone. The price at
    order time is provisional; the window's close settles the difference."""

    sku_id: SkuId
    tiers: list[PriceStep] = Field(min_length=1, max_length=MAX_TIERS)

    @model_validator(mode="after")
    def _ordered(self) -> "GroupBuyRules":
        _increasing([t.min_qty for t in self.tiers], "min_qty")
        return self


class Component(Rules):
    sku_id: SkuId
    qty: Qty


class BundleRules(Rules):
    """组合: the components together at one price per set."""

    components: list[Component] = Field(min_length=2, max_length=MAX_TIERS)
    price: PositiveMoney

    @model_validator(mode="after")
    def _distinct(self) -> "BundleRules":
        if len({c.sku_id for c in self.components}) != len(self.components):
            raise ValueError("each component SKU once")
        return self


class _Threshold(Rules):
    basis: Basis = Basis.AMOUNT
    repeat: bool = False  # "per each X": only with a single tier
    max_times: Qty | None = None

    def _check(self, thresholds: list[Decimal]) -> None:
        _increasing(thresholds, "threshold")
        if self.basis == Basis.QTY and any(t != t.to_integral_value() for t in thresholds):
            raise ValueError("a quantity threshold is a whole number")
        if self.repeat and len(thresholds) > 1:
            raise ValueError("'per each' works with a single tier")


class AmountStep(Rules):
    threshold: PositiveMoney
    amount: PositiveMoney


class ThresholdAmountOffRules(_Threshold):
    """满减: from a threshold, an amount off the eligible lines — once, or per each
    threshold reached (`repeat`, at most `max_times`)."""

    tiers: list[AmountStep] = Field(min_length=1, max_length=MAX_TIERS)

    @model_validator(mode="after")
    def _ordered(self) -> "ThresholdAmountOffRules":
        self._check([t.threshold for t in self.tiers])
        return self


class PercentStep(Rules):
    threshold: PositiveMoney
    percent: Percent


class ThresholdPercentRules(_Threshold):
    """满折: from a threshold, a percentage off the eligible lines."""

    tiers: list[PercentStep] = Field(min_length=1, max_length=MAX_TIERS)

    @model_validator(mode="after")
    def _ordered(self) -> "ThresholdPercentRules":
        if self.repeat:
            raise ValueError("a percentage is not repeated")
        self._check([t.threshold for t in self.tiers])
        return self


class Gift(Rules):
    """Free goods; `unit_value` is what one unit costs the promotion's money budget."""

    sku_id: SkuId
    qty: Qty
    unit_value: Money = Decimal("0")


class BuyXGetYRules(Rules):
    """买赠: per `buy_qty` units of the promotion's products, `gift` (per each when
    `repeat`, at most `max_times`)."""

    buy_qty: Qty
    gift: Gift
    repeat: bool = True
    max_times: Qty | None = None


class GiftStep(Rules):
    threshold: PositiveMoney
    gifts: list[Gift] = Field(min_length=1, max_length=MAX_TIERS)


class ThresholdGiftRules(_Threshold):
    """满赠: from a threshold, gifts (the highest tier reached; per each with one tier)."""

    tiers: list[GiftStep] = Field(min_length=1, max_length=MAX_TIERS)

    @model_validator(mode="after")
    def _ordered(self) -> "ThresholdGiftRules":
        self._check([t.threshold for t in self.tiers])
        return self


class CouponRules(Rules):
    """A coupon's benefit once its code is entered: an amount or a percentage off the
    eligible lines from `min_spend`, a percentage at most `max_discount`."""

    amount: PositiveMoney | None = None
    percent: Percent | None = None
    min_spend: Money = Decimal("0")
    max_discount: PositiveMoney | None = None

    @model_validator(mode="after")
    def _one_benefit(self) -> "CouponRules":
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give either an amount or a percent")
        return self


SCHEMAS: dict[str, type[Rules]] = {
    Kind.SPECIAL_PRICE: SpecialPriceRules,
    Kind.FLASH_SALE: FlashSaleRules,
    Kind.PERCENT_OFF: PercentOffRules,
    Kind.AMOUNT_OFF: AmountOffRules,
    Kind.TIER_PRICE: TierPriceRules,
    Kind.GROUP_BUY: GroupBuyRules,
    Kind.BUNDLE: BundleRules,
    Kind.THRESHOLD_AMOUNT_OFF: ThresholdAmountOffRules,
    Kind.THRESHOLD_PERCENT: ThresholdPercentRules,
    Kind.BUY_X_GET_Y: BuyXGetYRules,
    Kind.THRESHOLD_GIFT: ThresholdGiftRules,
    Kind.COUPON: CouponRules,
}


def parse_rules(kind: str, data: Any) -> Rules:
    """The kind's rules from JSON (or a dict); raises pydantic's ValidationError."""
    schema = SCHEMAS[kind]
    if isinstance(data, schema):
        return data
    return schema.model_validate(data or {})


def rules_json(rules: Rules) -> dict[str, Any]:
    """JSON for the column: Decimals as strings, so no float ever holds money."""
    return rules.model_dump(mode="json", exclude_defaults=False)


def rule_sku_ids(kind: str, rules: Rules) -> set[int]:
    """SKUs a kind's rules name as its products (PRODUCTS_FROM_RULES)."""
    if isinstance(rules, SpecialPriceRules | FlashSaleRules):
        return set(rules.prices)
    if isinstance(rules, BundleRules):
        return {c.sku_id for c in rules.components}
    if isinstance(rules, GroupBuyRules):
        return {rules.sku_id}
    return set()


def gift_sku_ids(rules: Rules) -> set[int]:
    if isinstance(rules, BuyXGetYRules):
        return {rules.gift.sku_id}
    if isinstance(rules, ThresholdGiftRules):
        return {g.sku_id for t in rules.tiers for g in t.gifts}
    return set()


# --- SKUs by id (stored) and by code (the wire shape people read and write) ------------------


def convert_skus(rules: Any, sku: Any, key_from: str, key_to: str) -> Any:
    """The rules with every SKU reference turned by `sku`: `key_from` keys renamed
    `key_to`, and the keys of `prices`."""
    if isinstance(rules, Mapping):
        out = {}
        for key, value in rules.items():
            if key == key_from:
                out[key_to] = sku(value)
            elif key == "prices" and isinstance(value, Mapping):
                out[key] = {sku(k): v for k, v in value.items()}
            else:
                out[key] = convert_skus(value, sku, key_from, key_to)
        return out
    if isinstance(rules, list):
        return [convert_skus(item, sku, key_from, key_to) for item in rules]
    return rules


def rules_with_codes(rules: Mapping[str, Any], codes: Mapping[int, str]) -> dict[str, Any]:
    """Stored rules in the wire shape (an id whose SKU is gone stays a number)."""
    return dict(convert_skus(rules, lambda pk: codes.get(int(pk), str(pk)), "sku_id", "sku_code"))


__all__ = [
    "SCHEMAS",
    "ValidationError",
    "convert_skus",
    "parse_rules",
    "rule_sku_ids",
    "rules_json",
    "rules_with_codes",
]
