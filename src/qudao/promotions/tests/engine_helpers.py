"""Building engine inputs by hand: offers of each kind, lines, a buyer's context."""

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from qudao.promotions.engine import CartLine, Context, Offer, PriceResult, price
from qudao.promotions.rules import parse_rules

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 27, 10, 0, tzinfo=SH)
START = AT - timedelta(days=30)
_ids = itertools.count(1)


def D(value: Any) -> Decimal:  # noqa: N802
    return Decimal(str(value))


def offer(kind: str, rules: dict[str, Any], *, id: int | None = None, **kw: Any) -> Offer:  # noqa: A002
    pk = id if id is not None else next(_ids)
    for key in ("sku_ids", "category_ids"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    if "targets" in kw:
        kw["targets"] = tuple(kw["targets"])
    return Offer(
        id=pk,
        name=kw.pop("name", f"P{pk}"),
        kind=kind,
        rules=parse_rules(kind, rules),
        starts_at=kw.pop("starts_at", START),
        **kw,
    )


def line(sku: int, qty: int, price_: Any, **kw: Any) -> CartLine:
    if "category_ids" in kw:
        kw["category_ids"] = frozenset(kw["category_ids"])
    if "floor" in kw and kw["floor"] is not None:
        kw["floor"] = D(kw["floor"])
    return CartLine(sku, qty, D(price_), **kw)


def ctx(**kw: Any) -> Context:
    base = {
        "buyer_id": 7,
        "seller_id": 1,
        "at": AT,
        "path": "000100020003",
        "channel": "traditional",
        "level": "dealer",
        "grade": "B",
        "division": "330106",
    }
    return Context(**{**base, **kw})


def run(lines: list[CartLine], offers: list[Offer], **kw: Any) -> PriceResult:
    return price(lines=lines, context=ctx(**kw), offers=offers)


def adjustments(result: PriceResult) -> list[list[tuple[int, Decimal]]]:
    return [[(a.promotion_id, a.amount) for a in ln.adjustments] for ln in result.lines]


def skipped(result: PriceResult) -> dict[int | None, str]:
    return {n.promotion_id: n.code for n in result.skipped}
