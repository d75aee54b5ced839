"""What orders have taken of promotions, and the ledger check (`qudao check-ledgers`)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from qudao.core.money import money
from qudao.promotions.constants import UseKind
from qudao.promotions.models import Coupon, CouponRedemption, Promotion, PromotionUse

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Usage:
    orders: int
    buyers: int
    amount: Decimal
    qty: int
    budget_left: Decimal | None
    qty_left: int | None


def promotion_usage(*, promotion: Promotion) -> Usage:
    """What orders have taken of a promotion: orders and buyers still holding a use, the
    discount and units granted, and the budget left."""
    net: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    buyers: dict[tuple[str, str], int | None] = {}
    for use in PromotionUse.objects.filter(promotion=promotion).only(
        "kind", "doc_type", "doc_id", "buyer_id", "amount", "qty"
    ):
        sign = 1 if use.kind == UseKind.CONSUME else -1
        key = (use.doc_type, use.doc_id)
        net[key] += sign * (use.amount + use.qty)
        buyers[key] = use.buyer_id
    held = [k for k, v in net.items() if v > 0]
    fresh = Promotion.objects.get(pk=promotion.pk)  # counters as committed, not as passed in
    return Usage(
        orders=len(held),
        buyers=len({buyers[k] for k in held}),
        amount=fresh.consumed_amount,
        qty=fresh.consumed_qty,
        budget_left=fresh.budget_amount_left,
        qty_left=fresh.budget_qty_left,
    )


def _net_sums(qs: QuerySet[Any], key: str, fields: Sequence[str]) -> dict[Any, list[Any]]:
    sums: dict[Any, list[Any]] = defaultdict(lambda: [0 for _ in fields])
    rows = qs.values(key, "kind").annotate(**{f: Sum(f) for f in fields}).order_by()
    for row in rows:
        sign = 1 if row["kind"] == UseKind.CONSUME else -1
        for n, f in enumerate(fields):
            sums[row[key]][n] += sign * (row[f] or 0)
    return sums


def use_mismatches() -> list[str]:
    """Promotions and coupons whose used counters differ from their ledgers."""
    problems = []
    uses = _net_sums(PromotionUse.objects.all(), "promotion_id", ["amount", "qty"])
    for p in Promotion.objects.filter(
        Q(consumed_qty__gt=0) | Q(consumed_amount__gt=0) | Q(pk__in=list(uses))
    ):
        raw, qty = uses.get(p.pk, [0, 0])
        amount = money(Decimal(raw))
        if amount != p.consumed_amount or qty != p.consumed_qty:
            problems.append(
                f"promotion {p.number}: used {p.consumed_amount}/{p.consumed_qty}, "
                f"ledger {amount}/{qty}"
            )
    redemptions = (
        CouponRedemption.objects.values("coupon_id", "kind").annotate(n=Count("id")).order_by()
    )
    counted: dict[int, int] = defaultdict(int)
    for row in redemptions:
        counted[row["coupon_id"]] += row["n"] if row["kind"] == UseKind.CONSUME else -row["n"]
    coupons = Coupon.objects.filter(Q(used__gt=0) | Q(pk__in=list(counted)))
    problems += [
        f"coupon {c.code}: used {c.used}, ledger {counted.get(c.pk, 0)}"
        for c in coupons
        if counted.get(c.pk, 0) != c.used
    ]
    return problems
