"""The rules as people type and read them. Each kind has a few fields and, for tier tables,
price lists, bundle components and gift tiers, a table with one row per line ("5000 200":
from ¥5,000, ¥200 off; "TB-S1-GRY 1999": that SKU at ¥1,999). The promotion form edits
these fields, and the detail page and the audit trail show them: one text for all three.

Rules here are in the wire shape, SKUs by code (`rules_with_codes` turns the stored ids
into codes); the form's parsing of the rows back into rules stays with the form."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.promotions.constants import Basis, Kind

# which rule fields each kind uses: (required, optional)
KIND_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Kind.SPECIAL_PRICE: (("table",), ()),
    Kind.FLASH_SALE: (("table",), ("max_qty_per_order",)),
    Kind.PERCENT_OFF: (("percent",), ()),
    Kind.AMOUNT_OFF: (("amount",), ()),
    Kind.TIER_PRICE: (("table",), ()),
    Kind.GROUP_BUY: (("sku", "table"), ()),
    Kind.BUNDLE: (("table", "price"), ()),
    Kind.THRESHOLD_AMOUNT_OFF: (("table",), ("basis", "repeat", "max_times")),
    Kind.THRESHOLD_PERCENT: (("table",), ("basis",)),
    Kind.BUY_X_GET_Y: (("buy_qty", "gift"), ("repeat", "max_times")),
    Kind.THRESHOLD_GIFT: (("table",), ("basis", "repeat", "max_times")),
    Kind.COUPON: ((), ("amount", "percent", "min_spend", "max_discount")),
}
RULE_FIELDS = (
    "table",
    "percent",
    "amount",
    "price",
    "sku",
    "buy_qty",
    "gift",
    "basis",
    "repeat",
    "max_times",
    "max_qty_per_order",
    "min_spend",
    "max_discount",
)
# the form's label of each rule field (the table's is the kind's, TABLE_LABELS, when read)
RULE_LABELS: dict[str, Any] = {
    "table": gettext_lazy("Rows"),
    "percent": gettext_lazy("Percentage off"),
    "amount": gettext_lazy("Amount off (¥)"),
    "price": gettext_lazy("Price of a set (¥)"),
    "sku": gettext_lazy("SKU code"),
    "buy_qty": gettext_lazy("Buy (units)"),
    "gift": gettext_lazy("Gift: SKU code, quantity, value per unit"),
    "basis": gettext_lazy("Threshold counts"),
    "repeat": gettext_lazy("Per each threshold reached (single tier)"),
    "max_times": gettext_lazy("At most times per order"),
    "max_qty_per_order": gettext_lazy("At most units per order"),
    "min_spend": gettext_lazy("Minimum spend (¥)"),
    "max_discount": gettext_lazy("At most off (¥)"),
}
# what the table holds, per kind
TABLE_LABELS: dict[str, Any] = {
    Kind.SPECIAL_PRICE: gettext_lazy("Prices"),
    Kind.FLASH_SALE: gettext_lazy("Prices"),
    Kind.TIER_PRICE: gettext_lazy("Tiers"),
    Kind.GROUP_BUY: gettext_lazy("Tiers"),
    Kind.BUNDLE: gettext_lazy("Components of a set"),
    Kind.THRESHOLD_AMOUNT_OFF: gettext_lazy("Tiers"),
    Kind.THRESHOLD_PERCENT: gettext_lazy("Tiers"),
    Kind.THRESHOLD_GIFT: gettext_lazy("Gifts by threshold"),
}


def plain(value: Any) -> str:
    """A number as typed: 1999, 12.5 (no exponent, no trailing zeros)."""
    return f"{Decimal(str(value)).normalize():f}"


def gift_text(gift: Mapping[str, Any]) -> str:
    value = Decimal(str(gift.get("unit_value") or 0))
    return f"{gift['sku_code']} {gift['qty']}" + (f" {plain(value)}" if value else "")


def _tier_row(kind: str, tier: Mapping[str, Any]) -> str:
    start = plain(tier.get("min_qty", tier.get("threshold")))
    if tier.get("price") is not None:
        return f"{start} {plain(tier['price'])}"
    if tier.get("percent") is not None:
        suffix = "%" if kind == Kind.TIER_PRICE else ""
        return f"{start} {plain(tier['percent'])}{suffix}"
    return f"{start} {plain(tier['amount'])}"


def table_rows(kind: str, rules: Mapping[str, Any]) -> list[str]:
    """The rows of the kind's table, as the form's text area holds them."""
    if "prices" in rules:
        return [f"{code} {plain(price)}" for code, price in rules["prices"].items()]
    if kind == Kind.BUNDLE:
        return [f"{c['sku_code']} {c['qty']}" for c in rules.get("components", [])]
    if kind == Kind.THRESHOLD_GIFT:
        return [
            f"{plain(t['threshold'])} {gift_text(g)}"
            for t in rules.get("tiers", [])
            for g in t["gifts"]
        ]
    return [_tier_row(kind, t) for t in rules.get("tiers", [])]


def rule_values(kind: str, rules: Mapping[str, Any]) -> dict[str, Any]:
    """The rule fields' values from rules in the wire shape (a draft's form, its page)."""
    values: dict[str, Any] = {"table": "\n".join(table_rows(kind, rules))}
    for name in ("percent", "amount", "price", "min_spend", "max_discount"):
        if rules.get(name) is not None:
            values[name] = plain(rules[name])
    for name in ("buy_qty", "max_times", "max_qty_per_order", "basis", "repeat"):
        if rules.get(name) is not None:
            values[name] = rules[name]
    if kind == Kind.GROUP_BUY:
        values["sku"] = rules.get("sku_code", "")
    if kind == Kind.BUY_X_GET_Y and "gift" in rules:
        values["gift"] = gift_text(rules["gift"])
    return values


def rules_shown(kind: str, rules: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of the kind's rule fields that hold something, the table's rows one a
    line: what the detail page reads out."""
    if kind not in KIND_FIELDS:
        return []
    values = rule_values(kind, rules)
    required, optional = KIND_FIELDS[kind]
    shown = []
    for name in required + optional:
        value = values.get(name)
        if value in (None, ""):
            continue
        if name == "repeat":
            value = _("yes") if value else _("no")
        elif name == "basis":
            value = Basis(value).label if value in Basis.values else value
        label = TABLE_LABELS.get(kind) if name == "table" else RULE_LABELS[name]
        shown.append((str(label), str(value)))
    return shown


def rules_text(kind: str, rules: Mapping[str, Any]) -> str:
    """The detail page's rules on one line, for the audit trail: "Tiers：5000 200，10000 500
    · Threshold counts：Amount"."""
    return " · ".join(
        f"{label}：{value.replace(chr(10), '，')}" for label, value in rules_shown(kind, rules)
    )
