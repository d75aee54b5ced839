"""进销存 (purchases, sales, stock) per org, SKU and period, computed in SQL.

For the local days since..until: opening + in − out = closing, where in and out are the
moves of the period by kind (constants.JXC_IN / JXC_OUT; adjustments and count differences
net, on the out side), opening = on hand now − Σ moves since the start and closing = on hand
now − Σ moves since the end. So the query reads the current balances and the moves from the
period's start on — never the whole history before it — in two grouped queries.

Days of stock = closing ÷ average daily sell-out over the 30 days before the period's end,
sell-out being goods leaving to buyers (shipments and retail sales / sell-out records). For a
subtree, shipments into warehouses of the same subtree are internal and not counted (a
distributor shipping to its own dealers does not sell out of the region). None when nothing
sold.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Expression, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, Length, Substr

from qudao.inventory.constants import DAYS_OF_STOCK_WINDOW, JXC_IN, JXC_OUT, SALES_KINDS, MoveKind
from qudao.inventory.models import Stock, StockMove
from qudao.inventory.selectors._scope import require_view
from qudao.inventory.selectors.stock import period_bounds
from qudao.network.models import Org

STEP = Org.steplen


@dataclass
class JxcRow:
    """One line of the report: a SKU (by SKU) or a branch of the tree (drill-down)."""

    key: Any
    code: str
    name: str
    opening: int = 0
    ins: dict[str, int] = field(default_factory=dict)
    outs: dict[str, int] = field(default_factory=dict)
    closing: int = 0
    sold_30d: int = 0

    @property
    def in_total(self) -> int:
        return sum(self.ins.values())

    @property
    def out_total(self) -> int:
        return sum(self.outs.values())

    @property
    def days_of_stock(self) -> Decimal | None:
        if self.sold_30d <= 0:
            return None
        daily = Decimal(self.sold_30d) / DAYS_OF_STOCK_WINDOW
        return (Decimal(self.closing) / daily).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class JxcReport:
    org: Org
    since: date
    until: date
    subtree: bool
    rows: list[JxcRow]

    @property
    def total(self) -> JxcRow:
        total = JxcRow(key=None, code="", name="")
        for row in self.rows:
            total.opening += row.opening
            total.closing += row.closing
            total.sold_30d += row.sold_30d
            for name, value in row.ins.items():
                total.ins[name] = total.ins.get(name, 0) + value
            for name, value in row.outs.items():
                total.outs[name] = total.outs.get(name, 0) + value
        return total


def _int(value: Any) -> int:
    return int(value or 0)  # SQLite may hand back floats or None for empty sums


def _sums(start: Any, end: Any, internal: Q) -> dict[str, Any]:
    """The conditional sums of one grouped pass over the moves from min(start, window) on."""
    window = end - timedelta(days=DAYS_OF_STOCK_WINDOW)
    in_period = Q(created_at__gte=start, created_at__lt=end)
    in_window = Q(created_at__gte=window, created_at__lt=end)
    sums: dict[str, Any] = {
        "since_start": Sum("qty", filter=Q(created_at__gte=start)),
        "since_end": Sum("qty", filter=Q(created_at__gte=end)),
        "sold": Sum("qty", filter=in_window & Q(kind__in=SALES_KINDS)),
        "internal": Sum("qty", filter=in_window & Q(kind=MoveKind.SHIPMENT) & internal),
    }
    for name, kinds in (*JXC_IN, *JXC_OUT):
        sums[f"k_{name}"] = Sum("qty", filter=in_period & Q(kind__in=kinds))
    return sums


def _fill(row: JxcRow, sums: dict[str, Any], on_hand: int) -> JxcRow:
    row.opening = on_hand - _int(sums.get("since_start"))
    row.closing = on_hand - _int(sums.get("since_end"))
    row.ins = {name: _int(sums.get(f"k_{name}")) for name, _kinds in JXC_IN}
    row.outs = {name: -_int(sums.get(f"k_{name}")) for name, _kinds in JXC_OUT}
    row.sold_30d = -(_int(sums.get("sold")) - _int(sums.get("internal")))
    return row


def _place(org: Org, subtree: bool) -> Q:
    if subtree:
        return Q(warehouse__org__path__startswith=org.path)
    return Q(warehouse__org=org)


def jxc(
    *,
    actor: Any,
    org: Org,
    since: date,
    until: date,
    subtree: bool = True,
    sku_id: int | None = None,
) -> JxcReport:
    """进销存 per SKU for an org's own warehouses, or (subtree) summed over its whole
    subtree; two grouped queries whatever the period or the size of the tree."""
    require_view(actor, org)
    start, end = period_bounds(since, until)
    where = _place(org, subtree)
    if sku_id is not None:
        where &= Q(sku_id=sku_id)
    internal = (
        Q(transit__to_warehouse__org__path__startswith=org.path)
        if subtree
        else Q(transit__to_warehouse__org=org)
    )
    lowest = min(start, end - timedelta(days=DAYS_OF_STOCK_WINDOW))
    balances = {
        r["sku_id"]: r
        for r in Stock.objects.filter(where)
        .order_by()
        .values("sku_id", "sku__code", "sku__name")
        .annotate(on_hand=Sum("on_hand"))
    }
    moves = {
        r["sku_id"]: r
        for r in StockMove.objects.filter(where, created_at__gte=lowest)
        .order_by()
        .values("sku_id", "sku__code", "sku__name")
        .annotate(**_sums(start, end, internal))
    }
    rows = []
    for sku in sorted(
        set(balances) | set(moves), key=lambda k: (balances.get(k) or moves[k])["sku__code"]
    ):
        info = balances.get(sku) or moves[sku]
        row = _fill(
            JxcRow(key=sku, code=info["sku__code"], name=info["sku__name"]),
            moves.get(sku, {}),
            _int((balances.get(sku) or {}).get("on_hand")),
        )
        if row.opening or row.closing or row.in_total or row.out_total:
            rows.append(row)
    return JxcReport(org=org, since=since, until=until, subtree=subtree, rows=rows)


def _branch(org: Org) -> Expression:
    """The path of the child of `org` a warehouse's org sits under (or org's own path)."""
    return Substr("warehouse__org__path", 1, len(org.path) + STEP)


def jxc_by_branch(
    *, actor: Any, org: Org, since: date, until: date, sku_id: int | None = None
) -> JxcReport:
    """The drill-down of a subtree's 进销存: one row for the org's own warehouses and one per
    child branch (the child and everything under it), all SKUs summed (or one SKU)."""
    require_view(actor, org)
    start, end = period_bounds(since, until)
    where = Q(warehouse__org__path__startswith=org.path)
    if sku_id is not None:
        where &= Q(sku_id=sku_id)
    # a shipment is internal to a branch when it goes to a warehouse under the same child;
    # for the org's own row (a path as long as the org's) nothing is internal
    internal = Q(transit__to_warehouse__org__path__startswith=F("branch")) & Q(
        branch_len__gt=len(org.path)
    )
    lowest = min(start, end - timedelta(days=DAYS_OF_STOCK_WINDOW))
    balances = {
        r["branch"]: _int(r["on_hand"])
        for r in Stock.objects.filter(where)
        .annotate(branch=_branch(org))
        .order_by()
        .values("branch")
        .annotate(on_hand=Sum("on_hand"))
    }
    moves = {
        r["branch"]: r
        for r in StockMove.objects.filter(where, created_at__gte=lowest)
        .annotate(
            branch=_branch(org),
            branch_len=Coalesce(Length(_branch(org)), Value(0), output_field=IntegerField()),
        )
        .order_by()
        .values("branch")
        .annotate(**_sums(start, end, internal))
    }
    paths = set(balances) | set(moves)
    orgs = {o.path: o for o in Org.objects.filter(path__in=paths)}
    rows = []
    for path in sorted(paths):
        place = orgs[path]
        row = _fill(
            JxcRow(key=place.pk, code=place.code, name=place.name),
            moves.get(path, {}),
            balances.get(path, 0),
        )
        if row.opening or row.closing or row.in_total or row.out_total:
            rows.append(row)
    return JxcReport(org=org, since=since, until=until, subtree=True, rows=rows)
