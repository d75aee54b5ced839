"""Reads of grading: the brand's weights, its runs and their results, and the figures a run
scores — gathered for every dealer of the brand at once, in a fixed number of grouped
queries (one per source: targets, purchases, credited returns, stock moves, stock, invoices,
on-time settlements), never a query per dealer.

The figures of a dealer over the period [start, end] (local days, both included):
- targets: its contracts' targets (active or ended contracts) for the calendar quarters that
  lie wholly inside the period, with what was bought against each (selectors.contracts);
- sell-in: the net amount of its accepted orders placed in the period, from any seller, less
  the value credited for goods it returned for credit;
- goods received and sold out: units of its own warehouses' stock moves in the period —
  receipts less returns to its suppliers; shipments to its buyers and retail sales less
  returns from them (inventory's ledger);
- stock on hand at the end of the period: today's balances less the moves since;
- payment: the invoices it owes that fell due in the period (and before today), and how much
  of them was settled by their due date (payments received, credit notes issued, by then).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.core.errors import NotFound
from qudao.dealers.constants import DEFAULT_WEIGHTS, Dimension
from qudao.dealers.models import GradeTerms, GradingResult, GradingRun, GradingWeight, Target
from qudao.dealers.selectors.contracts import quarter_bounds, targets_with_attainment
from qudao.finance.constants import InvoiceKind
from qudao.finance.models import Allocation, Invoice
from qudao.inventory.constants import MoveKind
from qudao.inventory.models import Stock, StockMove
from qudao.inventory.selectors.stock import period_bounds
from qudao.network import scope
from qudao.network.constants import OrgKind, OrgStatus
from qudao.network.models import Org
from qudao.orders.constants import ACCEPTED_STATUSES, ReturnKind, ReturnStatus
from qudao.orders.models import OrderLine, ReturnRequest

ZERO = Decimal("0.00")
GRADED_STATUSES = (OrgStatus.ACTIVE, OrgStatus.SUSPENDED)
# goods in from suppliers (net of returns to them); goods out to buyers (net of their returns)
IN_KINDS = (MoveKind.RECEIPT, MoveKind.RETURN_OUT)
OUT_KINDS = (MoveKind.SHIPMENT, MoveKind.RETAIL_SALE, MoveKind.RETURN_IN)


@dataclass
class TargetFigures:
    amount: Decimal | None
    units: int | None
    achieved_amount: Decimal
    achieved_units: int


@dataclass
class Figures:
    """What a run knows of one dealer over the period."""

    org_id: int
    grade: str
    targets: list[TargetFigures] = field(default_factory=list)
    sell_in: Decimal = ZERO
    received: int = 0
    sold_out: int = 0
    on_hand: int = 0
    stock_known: bool = False
    due: Decimal = ZERO
    on_time: Decimal = ZERO


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _int(value: Any) -> int:
    return int(value or 0)


def complete_quarters(start: date, end: date) -> list[tuple[int, int]]:
    """(year, quarter) of the calendar quarters wholly inside [start, end]."""
    found = []
    for year in range(start.year, end.year + 1):
        for quarter in (1, 2, 3, 4):
            first, last = quarter_bounds(year, quarter)
            if first >= start and last <= end:
                found.append((year, quarter))
    return found


def _dealers_q(prefix: str, brand: Org) -> Q:
    """Rows whose org (at `prefix`) is a graded dealer of the brand: one condition in SQL,
    whatever the number of dealers."""
    return Q(
        **{
            f"{prefix}path__startswith": brand.path,
            f"{prefix}kind": OrgKind.DEALER,
            f"{prefix}status__in": GRADED_STATUSES,
        }
    )


def graded_dealers(brand: Org) -> QuerySet[Org]:
    return Org.objects.filter(_dealers_q("", brand)).order_by("path")


def _targets(brand: Org, start: date, end: date, figures: dict[int, Figures]) -> None:
    quarters = complete_quarters(start, end)
    if not quarters:
        return
    which = Q()
    for year, quarter in quarters:
        which |= Q(contract__year=year, quarter=quarter)
    annotated: Any = targets_with_attainment(  # values() of annotations the stubs cannot see
        Target.objects.filter(
            _dealers_q("contract__org__", brand),
            which,
            contract__status__in=("active", "ended"),
        )
    )
    rows = annotated.order_by().values(
        "contract__org_id", "amount", "units", "achieved_amount", "achieved_units"
    )
    for r in rows:
        figs = figures.get(r["contract__org_id"])
        if figs is not None:
            figs.targets.append(
                TargetFigures(
                    amount=_dec(r["amount"]) if r["amount"] is not None else None,
                    units=r["units"],
                    achieved_amount=_dec(r["achieved_amount"]),
                    achieved_units=_int(r["achieved_units"]),
                )
            )


def _purchases(brand: Org, start_dt: Any, end_dt: Any, figures: dict[int, Figures]) -> None:
    bought = (
        OrderLine.objects.filter(
            _dealers_q("order__buyer__", brand),
            order__status__in=ACCEPTED_STATUSES,
            order__placed_at__gte=start_dt,
            order__placed_at__lt=end_dt,
        )
        .values("order__buyer_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for r in bought:
        if r["order__buyer_id"] in figures:
            figures[r["order__buyer_id"]].sell_in += _dec(r["amount"])
    credited = (
        ReturnRequest.objects.filter(
            _dealers_q("order__buyer__", brand),
            kind=ReturnKind.RETURN,
            status=ReturnStatus.RECEIVED,
            order__status__in=ACCEPTED_STATUSES,
            order__placed_at__gte=start_dt,
            order__placed_at__lt=end_dt,
        )
        .values("order__buyer_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for r in credited:
        if r["order__buyer_id"] in figures:
            figures[r["order__buyer_id"]].sell_in -= _dec(r["amount"])


def _stock(brand: Org, start_dt: Any, end_dt: Any, figures: dict[int, Figures]) -> None:
    in_period = Q(created_at__lt=end_dt)
    moves = (
        StockMove.objects.filter(_dealers_q("warehouse__org__", brand), created_at__gte=start_dt)
        .values("warehouse__org_id")
        .annotate(
            received=Sum("qty", filter=in_period & Q(kind__in=IN_KINDS)),
            sold=Sum("qty", filter=in_period & Q(kind__in=OUT_KINDS)),
            since_end=Sum("qty", filter=Q(created_at__gte=end_dt)),
            moved=Count("pk", filter=in_period),
        )
        .order_by()
    )
    since_end: dict[int, int] = {}
    for r in moves:
        figs = figures.get(r["warehouse__org_id"])
        if figs is None:
            continue
        figs.received = _int(r["received"])
        figs.sold_out = -_int(r["sold"])
        since_end[figs.org_id] = _int(r["since_end"])
        figs.stock_known = figs.stock_known or bool(r["moved"])
    balances = (
        Stock.objects.filter(_dealers_q("warehouse__org__", brand))
        .values("warehouse__org_id")
        .annotate(on_hand=Sum("on_hand"))
        .order_by()
    )
    for r in balances:
        figs = figures.get(r["warehouse__org_id"])
        if figs is None:
            continue
        figs.on_hand = _int(r["on_hand"]) - since_end.get(figs.org_id, 0)
        figs.stock_known = figs.stock_known or figs.on_hand != 0


def _payments(brand: Org, start: date, end: date, figures: dict[int, Figures]) -> None:
    last_due = min(end, timezone.localdate() - timedelta(days=1))
    due = Q(
        _dealers_q("position__buyer__", brand),
        kind=InvoiceKind.INVOICE,
        due_on__gte=start,
        due_on__lte=last_due,
    )
    for r in (
        Invoice.objects.filter(due)
        .values("position__buyer_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        if r["position__buyer_id"] in figures:
            figures[r["position__buyer_id"]].due = _dec(r["amount"])
    on_time = (
        Allocation.objects.filter(
            _dealers_q("invoice__position__buyer__", brand),
            invoice__kind=InvoiceKind.INVOICE,
            invoice__due_on__gte=start,
            invoice__due_on__lte=last_due,
        )
        .filter(
            Q(payment__received_on__lte=F("invoice__due_on"))
            | Q(credit_note__issued_on__lte=F("invoice__due_on"))
        )
        .values("invoice__position__buyer_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for r in on_time:
        if r["invoice__position__buyer_id"] in figures:
            figures[r["invoice__position__buyer_id"]].on_time = _dec(r["amount"])


def grading_figures(*, brand: Org, start: date, end: date) -> dict[int, Figures]:
    """The figures of every graded dealer of the brand (active or suspended dealers) over the
    period, by org id: eight grouped queries whatever the number of dealers."""
    figures = {
        pk: Figures(org_id=pk, grade=grade)
        for pk, grade in graded_dealers(brand).values_list("pk", "grade")
    }
    if not figures:
        return figures
    start_dt, end_dt = period_bounds(start, end)
    _targets(brand, start, end, figures)
    _purchases(brand, start_dt, end_dt, figures)
    _stock(brand, start_dt, end_dt, figures)
    _payments(brand, start, end, figures)
    return figures


# --- settings, runs, results ----------------------------------------------------------------


def weights_for(brand: Org) -> dict[str, Decimal]:
    """The brand's weight per dimension (the defaults for those it has not set)."""
    weights = {dim: Decimal(value) for dim, value in DEFAULT_WEIGHTS.items()}
    stored = dict(GradingWeight.objects.filter(brand=brand).values_list("dimension", "weight"))
    if stored:
        weights = {dim: Decimal(stored.get(dim, 0)) for dim in Dimension.values}
    return weights


def thresholds_for(brand: Org) -> list[tuple[str, Decimal]]:
    """(grade, minimum score) the brand set in its grade terms, highest first; empty when it
    set none."""
    return [
        (grade, Decimal(str(score)))
        for grade, score in GradeTerms.objects.filter(brand=brand)
        .order_by("-min_score", "grade")
        .values_list("grade", "min_score")
    ]


def require_grading(actor: Any, brand: Org) -> None:
    """Grading is the brand's: MANAGE_DEALERS at its HQ (404 outside, 403 without it)."""
    scope.require(actor, MANAGE_DEALERS, brand)


def run_list_for_actor(*, actor: Any, brand: Org) -> QuerySet[GradingRun]:
    require_grading(actor, brand)
    return (
        GradingRun.objects.filter(brand=brand)
        .select_related("created_by")
        .annotate(
            dealers=Count("results"),
            confirmed=Count("results", filter=~Q(results__grade="")),
        )
        .order_by("-created_at", "-id")
    )


def run_get(*, actor: Any, run_id: Any) -> GradingRun:
    """One run of a brand the actor grades; NotFound otherwise (also for runs of a brand
    outside its scope)."""
    run = (
        GradingRun.objects.select_related("brand", "created_by").filter(pk=run_id).first()
        if str(run_id).isdigit()
        else None
    )
    if run is None or not scope.in_scope(actor, run.brand):
        raise NotFound
    require_grading(actor, run.brand)
    return run


RESULT_SORTS = {
    "total": ("-total", "org__path"),
    "-total": ("total", "org__path"),
    "dealer": ("org__path",),
    "attainment": ("-attainment", "org__path"),
    "sell_through": ("-sell_through", "org__path"),
    "payment": ("-payment", "org__path"),
    "inventory": ("-inventory", "org__path"),
    "proposed": ("proposed_grade", "-total"),
    "change": ("-changed", "-total"),
}


def run_results(*, run: GradingRun, sort: str = "total") -> QuerySet[GradingResult]:
    """The run's results with their dealers, sorted by a column (highest first)."""
    order = RESULT_SORTS.get(sort, RESULT_SORTS["total"])
    qs = GradingResult.objects.filter(run=run).select_related("org", "confirmed_by")
    if sort == "change":
        qs = qs.annotate(
            changed=ExpressionWrapper(
                ~Q(proposed_grade=F("previous_grade")), output_field=BooleanField()
            )
        )
    return qs.order_by(*order)
