"""The closing (闭户) checklist, read live from the apps that own each item: orders, finance,
inventory, network and the dealer's own territories. Nothing is stored about an item: it is
done when the data says so, in a constant number of queries whatever the dealer's size.

What counts (BUSINESS-RULES.md "Dealer admission and grading"):
- orders: orders where the org is buyer or seller that are not final (completed, rejected,
  cancelled: the statuses with no way on in ORDER_PIPELINE), and pending returns of them;
- receivables: what the org owes its sellers (receivable balance ≠ 0 on a position where it
  buys). What its own buyers (its stores) owe it is shown, not required: it is the org's own
  money and goes with the org;
- balances: prepaid and rebate balances on positions where it buys;
- deposit: deposit balances on positions where it buys;
- stock: units on hand or on their way into its warehouses;
- serials: units in its warehouses, or held by it and in transit;
- users: active memberships at the org;
- territory: its territories not yet released.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qudao.dealers.constants import ClosingItem
from qudao.dealers.models import Dealer, Territory
from qudao.finance.models import Position
from qudao.inventory.constants import SerialStatus
from qudao.inventory.models import Serial, Stock, Warehouse
from qudao.network.models import Membership, Org
from qudao.orders.constants import ORDER_PIPELINE, PENDING_RETURN_STATUSES
from qudao.orders.models import Order, ReturnRequest

ZERO = Decimal("0.00")
# Order statuses with no way on: the order is settled one way or another.
FINAL_ORDER_STATUSES = tuple(s for s, onward in ORDER_PIPELINE.items() if not onward)
ORDER_ROWS = 20  # open orders listed on the checklist (the count covers all of them)

# Who resolves each item (shown on the checklist; the services check the rights).
WHO: dict[str, Promise] = {
    ClosingItem.ORDERS: _(
        "The buyer or the seller in Orders: cancel, ship, receive or complete each order and "
        "finish its returns."
    ),
    ClosingItem.RECEIVABLES: _(
        "The seller's finance: record the dealer's payment, or offset it from the prepaid "
        "balance here."
    ),
    ClosingItem.BALANCES: _(
        "The seller's finance: refund the prepaid balance; write off or pay out the rebate balance."
    ),
    ClosingItem.DEPOSIT: _("The seller's finance: refund the deposit less any penalty."),
    ClosingItem.STOCK: _(
        "The parent's warehouse (stock right at the parent): take all stock back into its "
        "warehouse."
    ),
    ClosingItem.SERIALS: _("Moves with the stock: the units change holder to the parent."),
    ClosingItem.USERS: _("A member manager: deactivate the dealer's users."),
    ClosingItem.TERRITORY: _("The channel manager: release the dealer's territory."),
}


@dataclass(frozen=True)
class Check:
    """One checklist item: done or open, with the numbers that say so."""

    code: str
    label: str
    done: bool
    numbers: dict[str, Any]
    who: str


@dataclass
class Checklist:
    dealer: Dealer
    org: Org | None
    parent: Org | None = None
    items: list[Check] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    buyers_balances: dict[str, Decimal] = field(default_factory=dict)
    warehouses: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    territories: list[Territory] = field(default_factory=list)
    parent_warehouses: list[Warehouse] = field(default_factory=list)

    @property
    def open_items(self) -> list[str]:
        return [item.code for item in self.items if not item.done]

    @property
    def can_complete(self) -> bool:
        return not self.open_items

    def item(self, code: str) -> Check:
        return next(i for i in self.items if i.code == code)


def _check(code: str, done: bool, **numbers: Any) -> Check:
    return Check(
        code=code,
        label=str(ClosingItem(code).label),
        done=done,
        numbers=numbers,
        who=str(WHO[code]),
    )


def _sum(rows: list[Position], name: str) -> Decimal:
    return sum((getattr(p, name) for p in rows), ZERO)


def _orders_check(org: Org, out: Checklist) -> Check:
    open_orders = Order.objects.filter(Q(buyer=org) | Q(seller=org)).exclude(
        status__in=FINAL_ORDER_STATUSES
    )
    count = open_orders.count()
    out.orders = list(
        open_orders.select_related("buyer", "seller").order_by("placed_at", "id")[:ORDER_ROWS]
    )
    returns = ReturnRequest.objects.filter(
        Q(order__buyer=org) | Q(order__seller=org), status__in=PENDING_RETURN_STATUSES
    ).count()
    return _check(ClosingItem.ORDERS, not count and not returns, orders=count, returns=returns)


def _money_checks(org: Org, out: Checklist) -> list[Check]:
    positions = list(
        Position.objects.filter(buyer=org).select_related("seller").order_by("seller__path")
    )
    out.positions = positions
    owed = [p for p in positions if p.receivable_balance != 0]
    sums = Position.objects.filter(seller=org).aggregate(
        receivable=Coalesce(Sum("receivable_balance"), ZERO),
        prepaid=Coalesce(Sum("prepaid_balance"), ZERO),
        rebate=Coalesce(Sum("rebate_balance"), ZERO),
        deposit=Coalesce(Sum("deposit_balance"), ZERO),
    )
    out.buyers_balances = {k: Decimal(str(v)).quantize(Decimal("0.01")) for k, v in sums.items()}
    prepaid, rebate = _sum(positions, "prepaid_balance"), _sum(positions, "rebate_balance")
    deposit = _sum(positions, "deposit_balance")
    return [
        _check(
            ClosingItem.RECEIVABLES,
            not owed,
            receivable=_sum(positions, "receivable_balance"),
            sellers=len(owed),
        ),
        _check(ClosingItem.BALANCES, not prepaid and not rebate, prepaid=prepaid, rebate=rebate),
        _check(ClosingItem.DEPOSIT, not deposit, deposit=deposit),
    ]


def _stock_checks(org: Org, out: Checklist) -> list[Check]:
    rows = list(
        Stock.objects.filter(warehouse__org=org)
        .values("warehouse_id", "warehouse__name")
        .annotate(
            units=Sum("on_hand"),
            reserved_units=Sum("reserved"),
            coming=Sum("in_transit"),
            skus=Count("pk", filter=Q(on_hand__gt=0)),
        )
        .filter(Q(units__gt=0) | Q(coming__gt=0))
        .order_by("warehouse_id")
    )
    out.warehouses = rows
    units = sum(r["units"] for r in rows)
    coming = sum(r["coming"] for r in rows)
    serials = Serial.objects.filter(
        Q(warehouse__org=org) | Q(holder=org, status=SerialStatus.IN_TRANSIT)
    ).count()
    return [
        _check(
            ClosingItem.STOCK,
            not units and not coming,
            units=units,
            in_transit=coming,
            reserved=sum(r["reserved_units"] for r in rows),
            warehouses=len(rows),
        ),
        _check(ClosingItem.SERIALS, not serials, serials=serials),
    ]


def _people_checks(org: Org, out: Checklist) -> list[Check]:
    out.memberships = list(
        Membership.objects.filter(org=org, is_active=True)
        .select_related("user", "role")
        .order_by("id")
    )
    out.territories = list(
        Territory.objects.filter(org=org, released_at__isnull=True)
        .select_related("district", "category")
        .order_by("district_id", "id")
    )
    return [
        _check(ClosingItem.USERS, not out.memberships, users=len(out.memberships)),
        _check(ClosingItem.TERRITORY, not out.territories, territories=len(out.territories)),
    ]


def closing_parent(org: Org) -> Org | None:
    """The org's parent in the tree: where its stock goes back to."""
    if org.depth <= 1:
        return None
    return Org.objects.filter(path=org.path[: -Org.steplen]).first()


def closing_checklist(*, dealer: Dealer) -> Checklist:
    """Every closing item of the dealer checked against the live data, with its numbers
    (unscoped: the caller found the dealer through dealer_for). 11 queries with an org."""
    org = dealer.org
    result = Checklist(dealer=dealer, org=org)
    if org is None:  # closed before its org was created: nothing to settle
        result.items = [_check(code, True) for code in ClosingItem.values]
        return result
    by_code = {
        c.code: c
        for c in (
            _orders_check(org, result),
            *_money_checks(org, result),
            *_stock_checks(org, result),
            *_people_checks(org, result),
        )
    }
    result.items = [by_code[code] for code in ClosingItem.values]
    result.parent = closing_parent(org)
    if result.parent is not None:
        result.parent_warehouses = list(
            Warehouse.objects.filter(org=result.parent, is_active=True).order_by(
                "-is_default", "code"
            )
        )
    return result
