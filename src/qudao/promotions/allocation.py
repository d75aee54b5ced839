"""Splitting an order-level discount over its lines, to the cent (docs/decisions/0010).

Pro rata to each line's current net amount, each share rounded down to the cent and never
above the line's cap (its headroom above the brand's floor, or its whole net amount); what a
capped line cannot take is split again over the others; the cents left over by rounding go
to the largest line that can take them (ties: the first in the cart). The shares add up to
the discount exactly, so the lines' net amounts add up to the order's total.
"""

from collections.abc import Sequence
from decimal import Decimal

from qudao.core.money import CENT


def _cents(value: Decimal) -> int:
    return int((value / CENT).to_integral_value())


def allocate(total: Decimal, weights: Sequence[Decimal], caps: Sequence[Decimal]) -> list[Decimal]:
    """Shares of `total` (≥ 0, at most Σ caps) for lines of `weights` (≥ 0) and `caps`."""
    if len(weights) != len(caps):
        raise ValueError("one cap per weight")
    want = _cents(total)
    w = [max(0, _cents(x)) for x in weights]
    c = [max(0, _cents(x)) for x in caps]
    if want < 0 or want > sum(c):
        raise ValueError("the total must be between 0 and the sum of the caps")
    alloc = [0] * len(w)
    remaining = want
    active = [i for i in range(len(w)) if c[i] > 0 and w[i] > 0]
    while remaining > 0 and active:
        wsum = sum(w[i] for i in active)
        shares = {i: remaining * w[i] // wsum for i in active}
        over = [i for i in active if alloc[i] + shares[i] > c[i]]
        if over:  # fill those to their cap, then split what is left over the others
            for i in over:
                remaining -= c[i] - alloc[i]
                alloc[i] = c[i]
            active = [i for i in active if i not in over]
            continue
        for i in active:
            alloc[i] += shares[i]
            remaining -= shares[i]
        break
    # rounding's leftover cents, then any cents no weighted line could take
    order = sorted(range(len(w)), key=lambda i: (-w[i], i))
    for i in order:
        if remaining <= 0:
            break
        take = min(remaining, c[i] - alloc[i])
        alloc[i] += take
        remaining -= take
    return [Decimal(a) * CENT for a in alloc]
