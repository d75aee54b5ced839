"""Reads of finance: positions with their credit numbers, ledgers, ageing, overdue lists,
statements."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import MANAGE_FINANCE, VIEW_FINANCE
from qudao.core.errors import NotFound
from qudao.core.errors import PermissionDenied as DomainPermissionDenied
from qudao.core.money import money
from qudao.core.text import normalize_query
from qudao.finance.constants import (
    AGEING_BUCKETS,
    STATEMENT_ACCOUNTS,
    Account,
    InvoiceKind,
    LineDispute,
    Outcome,
    OverdueMode,
    StatementStatus,
)
from qudao.finance.models import (
    BALANCE_FIELD,
    Invoice,
    LedgerEntry,
    Position,
    Statement,
    StatementComment,
    StatementLine,
    TemporaryLimit,
)
from qudao.network import scope
from qudao.network.models import Org

ZERO = Decimal("0.00")


@dataclass
class CreditDecision:
    """The answer of a credit check with its numbers, so a hold or refusal says why."""

    outcome: str
    amount: Decimal
    credit_limit: Decimal
    temporary: Decimal
    exposure: Decimal
    available: Decimal
    overdue_amount: Decimal
    max_days_overdue: int
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.OK, Outcome.WARN)


def temporary_total(*, position: Position, at: datetime) -> Decimal:
    total = TemporaryLimit.objects.filter(
        position=position, valid_from__lte=at, valid_until__gt=at
    ).aggregate(s=Sum("amount"))["s"]
    return money(total or ZERO)  # SQLite: float sums


def overdue(*, position: Position, today: date) -> tuple[Decimal, int]:
    """Open amount past due and the largest number of days past due."""
    found = Invoice.objects.filter(
        position=position, open_amount__gt=0, due_on__lt=today
    ).aggregate(s=Sum("open_amount"), oldest=Min("due_on"))
    amount = money(found["s"] or ZERO)  # SQLite: float sums
    oldest = found["oldest"]
    return amount, (today - oldest).days if oldest else 0


OVERDUE_OUTCOME = {
    OverdueMode.WARN: Outcome.WARN,
    OverdueMode.HOLD: Outcome.HOLD,
    OverdueMode.BLOCK: Outcome.REFUSE,
}


def _decide(
    position: Position, amount: Decimal, temporary: Decimal, late: Decimal, days: int
) -> CreditDecision:
    """The credit rule on numbers at hand (shared by the single check and the list pages)."""
    exposure = position.receivable_balance + position.frozen_amount
    available = position.credit_limit + temporary - exposure
    decision = CreditDecision(
        outcome=Outcome.OK,
        amount=amount,
        credit_limit=position.credit_limit,
        temporary=money(temporary),
        exposure=exposure,
        available=available,
        overdue_amount=money(late),
        max_days_overdue=days,
    )
    too_late = days > position.overdue_days or (
        position.overdue_amount is not None and late > position.overdue_amount
    )
    if too_late:
        decision.reasons.append("overdue")
        decision.outcome = OVERDUE_OUTCOME[OverdueMode(position.overdue_mode)]
    if amount > available:
        decision.reasons.append("over_limit")
        decision.outcome = Outcome.REFUSE
    return decision


def credit_check(
    *, position: Position, amount: Decimal, at: datetime | None = None
) -> CreditDecision:
    """available = limit + Σ temporary limits valid now − (open receivables + frozen).

    An amount over what is available is refused with the numbers; overdue invoices beyond the
    position's tolerance warn, hold for approval, or block, by its overdue mode.
    """
    at = at or timezone.now()
    late, days = overdue(position=position, today=timezone.localdate(at))
    return _decide(position, amount, temporary_total(position=position, at=at), late, days)


def credit_decisions(
    positions: Sequence[Position], *, at: datetime | None = None
) -> dict[int, CreditDecision]:
    """credit_check(amount=0) for many positions in two grouped queries, for list pages."""
    if not positions:
        return {}
    at = at or timezone.now()
    today = timezone.localdate(at)
    ids = [p.pk for p in positions]
    temporary = dict(
        TemporaryLimit.objects.filter(position_id__in=ids, valid_from__lte=at, valid_until__gt=at)
        .order_by()
        .values("position_id")
        .annotate(s=Sum("amount"))
        .values_list("position_id", "s")
    )
    late = {
        row["position_id"]: (row["s"], row["oldest"])
        for row in Invoice.objects.filter(position_id__in=ids, open_amount__gt=0, due_on__lt=today)
        .order_by()
        .values("position_id")
        .annotate(s=Sum("open_amount"), oldest=Min("due_on"))
    }
    found = {}
    for p in positions:
        amount, oldest = late.get(p.pk, (ZERO, None))
        days = (today - oldest).days if oldest else 0
        found[p.pk] = _decide(p, ZERO, money(temporary.get(p.pk) or ZERO), money(amount), days)
    return found


def position_list_for_actor(
    *, actor: Any, buyer_id: int | None = None, seller_id: int | None = None
) -> QuerySet[Position]:
    """Positions whose buyer or seller is in the actor's scope: each side sees its own."""
    qs = Position.objects.filter(
        scope.scope_q(actor, "buyer__path") | scope.scope_q(actor, "seller__path")
    ).select_related("buyer", "seller")
    if buyer_id is not None:
        qs = qs.filter(buyer_id=buyer_id)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    return qs.order_by("seller__path", "buyer__path")


def position_get(*, actor: Any, position_id: int) -> Position:
    found = position_list_for_actor(actor=actor).filter(pk=position_id).first()
    if found is None:
        raise NotFound
    return found


def ledger_for_position(
    *,
    position: Position,
    account: str = "",
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[LedgerEntry]:
    qs = position.entries.select_related("actor")
    if account:
        qs = qs.filter(account=account)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs


def _bucket_sums(today: date) -> dict[str, Any]:
    """Conditional sums of open amounts by days overdue, computed in SQL."""
    money: DecimalField = DecimalField(max_digits=16, decimal_places=2)
    sums: dict[str, Any] = {}
    for name, low, high in AGEING_BUCKETS:
        cond = Q()
        if low is None:
            cond &= Q(due_on__gte=today)
        else:
            cond &= Q(due_on__lte=today - timedelta(days=low))
        if high is not None and low is not None:
            cond &= Q(due_on__gte=today - timedelta(days=high))
        sums[name] = Coalesce(
            Sum(Case(When(cond, then=F("open_amount")), default=Value(ZERO), output_field=money)),
            Value(ZERO),
            output_field=money,
        )
    return sums


def ageing_by_buyer(
    *, actor: Any, today: date | None = None, under_org_path: str = ""
) -> list[dict[str, Any]]:
    """Open receivables per position in ageing buckets (not due, 1–30, 31–60, 61–90, >90
    days overdue), for positions whose seller is in the actor's scope; one grouped query."""
    today = today or timezone.localdate()
    qs = Invoice.objects.filter(open_amount__gt=0).filter(
        scope.scope_q(actor, "position__seller__path")
    )
    if under_org_path:
        qs = qs.filter(position__buyer__path__startswith=under_org_path)
    rows = (
        qs.order_by()
        .values(
            "position_id",
            "position__buyer__name",
            "position__buyer__code",
            "position__seller__name",
        )
        .annotate(total=Sum("open_amount"), **_bucket_sums(today))
        .order_by("-total")
    )
    amounts = ("total", *(name for name, _low, _high in AGEING_BUCKETS))
    # SQLite sums decimals as floats: back to cents (every amount has 2 places)
    return [{**row, **{k: money(row[k]) for k in amounts}} for row in rows]


def overdue_invoices(*, actor: Any, today: date | None = None) -> QuerySet[Invoice]:
    today = today or timezone.localdate()
    return (
        Invoice.objects.filter(open_amount__gt=0, due_on__lt=today)
        .filter(scope.scope_q(actor, "position__seller__path"))
        .select_related("position__buyer", "position__seller")
        .order_by("due_on")
    )


@dataclass
class LedgerMismatch:
    position_id: int
    account: str
    balance: Decimal
    ledger_sum: Decimal

    def __str__(self) -> str:
        return (
            f"position {self.position_id} {self.account}: "
            f"balance {self.balance} ≠ ledger {self.ledger_sum}"
        )


def ledger_mismatches() -> list[LedgerMismatch]:
    """Every (position, account) whose cached balance differs from the sum of its entries;
    two grouped queries over the whole ledger."""
    sums = {  # SQLite sums decimals as floats: back to cents (all amounts have 2 places)
        (r["position_id"], r["account"]): money(r["s"])
        for r in LedgerEntry.objects.order_by()
        .values("position_id", "account")
        .annotate(s=Sum("amount"))
    }
    found = []
    for position in Position.objects.only(*BALANCE_FIELD.values()).iterator():
        for account, name in BALANCE_FIELD.items():
            ledger = sums.get((position.pk, account), ZERO)
            if getattr(position, name) != ledger:
                found.append(
                    LedgerMismatch(
                        position.pk, str(Account(account)), getattr(position, name), ledger
                    )
                )
    return found


# --- the numbers and access of the finance pages and API ------------------------------

STATUS_BY_OUTCOME = {
    Outcome.OK: "normal",
    Outcome.WARN: "normal",
    Outcome.HOLD: "on_hold",
    Outcome.REFUSE: "blocked",
}
STATUS_LABELS = {
    "normal": gettext_lazy("Normal"),
    "on_hold": gettext_lazy("On hold"),
    "blocked": gettext_lazy("Blocked"),
}
BUCKET_LABELS = {
    "not_due": gettext_lazy("Not due"),
    "d1_30": gettext_lazy("1–30 days"),
    "d31_60": gettext_lazy("31–60 days"),
    "d61_90": gettext_lazy("61–90 days"),
    "d90_plus": gettext_lazy("Over 90 days"),
}
BUCKETS = [name for name, _low, _high in AGEING_BUCKETS]


@dataclass
class PositionNumbers:
    """A position with the numbers of `selectors.credit_check(position, amount=0)`."""

    position: Position
    temporary: Decimal
    exposure: Decimal
    available: Decimal
    overdue_amount: Decimal
    max_days_overdue: int
    outcome: str

    @property
    def status(self) -> str:
        return STATUS_BY_OUTCOME[Outcome(self.outcome)]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @classmethod
    def from_decision(cls, position: Position, decision: CreditDecision) -> "PositionNumbers":
        return cls(
            position=position,
            temporary=money(decision.temporary),
            exposure=money(decision.exposure),
            available=money(decision.available),
            overdue_amount=money(decision.overdue_amount),
            max_days_overdue=decision.max_days_overdue,
            outcome=decision.outcome,
        )


def position_numbers(
    positions: Sequence[Position], *, at: datetime | None = None
) -> list[PositionNumbers]:
    """The credit numbers of many positions, in two grouped queries whatever their number."""
    decisions = credit_decisions(positions, at=at)
    return [PositionNumbers.from_decision(p, decisions[p.pk]) for p in positions]


def position_ageing(*, position: Position, today: date | None = None) -> dict[str, Decimal]:
    """Open receivables of one position by ageing bucket (the buckets of ageing_by_buyer)."""
    today = today or timezone.localdate()
    sums = Invoice.objects.filter(position=position, open_amount__gt=0).aggregate(
        **_bucket_sums(today)
    )
    found = {name: money(sums[name] or ZERO) for name in BUCKETS}
    return found | {"total": sum(found.values(), ZERO)}


def finance_q(actor: Any, field: str, *, own: bool = False) -> Q:
    """Rows whose org (`field`, an org path) sits under one of the actor's memberships that
    grant VIEW_FINANCE — or, with `own`, is exactly such a membership's org."""
    if getattr(actor, "is_superuser", False):
        return Q(pk__in=[]) if own else Q()
    q = Q(pk__in=[])
    for g in scope.grants(actor):
        if VIEW_FINANCE in g.permissions:
            q |= Q(**{field: g.path}) if own else Q(**{f"{field}__startswith": g.path})
    return q


def managed_sellers(*, actor: Any) -> QuerySet[Org]:
    """The orgs whose buyers' money the actor manages (MANAGE_FINANCE granted there)."""
    paths = [g.path for g in scope.grants(actor) if MANAGE_FINANCE in g.permissions]
    return scope.visible_orgs(actor).filter(path__in=paths).order_by("path")


def position_for_finance(*, actor: Any, position_id: int) -> Position:
    """A position in the actor's scope (404 otherwise) that it may see the money of: a finance
    right on the seller's side or the buyer's (403 otherwise)."""
    position = position_get(actor=actor, position_id=position_id)
    if not (
        scope.can(actor, VIEW_FINANCE, position.seller)
        or scope.can(actor, VIEW_FINANCE, position.buyer)
    ):
        raise DomainPermissionDenied
    return position


def position_for_seller(*, actor: Any, position_id: int) -> Position:
    """A position the actor manages as the seller's finance; the buyer's side gets 403."""
    position = position_for_finance(actor=actor, position_id=position_id)
    if not scope.can(actor, MANAGE_FINANCE, position.seller):
        raise DomainPermissionDenied
    return position


def is_buyer_side(actor: Any, position: Position) -> bool:
    """The buyer's own people: a finance right on the buyer, none on the seller (a region
    manager above both sides only reads)."""
    return scope.can(actor, VIEW_FINANCE, position.buyer) and not scope.can(
        actor, VIEW_FINANCE, position.seller
    )


def open_invoices(*, position: Position) -> QuerySet[Invoice]:
    return position.invoices.filter(kind=InvoiceKind.INVOICE, open_amount__gt=0).order_by(
        "due_on", "issued_on", "id"
    )


# --- statements ------------------------------------------------------------------------


def statement_list_for_actor(
    *, actor: Any, period: date | None = None, status: str = "", q: str = ""
) -> QuerySet[Statement]:
    """Statements of the positions the actor sees the money of: all of a seller's (with a
    finance right on the seller's side), and the buyer's own once they have been sent."""
    visible = finance_q(actor, "position__seller__path") | (
        finance_q(actor, "position__buyer__path") & ~Q(status=StatementStatus.DRAFT)
    )
    qs = Statement.objects.filter(visible).select_related("position__buyer", "position__seller")
    if period:
        qs = qs.filter(period=period.replace(day=1))
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(
            Q(position__buyer__search_text__contains=normalize_query(q))
            | Q(position__buyer__code__iexact=q)
            | Q(number__iexact=q)
        )
    return qs.order_by("-period", "position__seller__path", "position__buyer__path")


def statement_get(*, actor: Any, statement_id: int) -> Statement:
    found = statement_list_for_actor(actor=actor).filter(pk=statement_id).first()
    if found is None:
        raise NotFound
    return found


def statement_for_seller(*, actor: Any, statement_id: int) -> Statement:
    statement = statement_get(actor=actor, statement_id=statement_id)
    if not scope.can(actor, MANAGE_FINANCE, statement.position.seller):
        raise DomainPermissionDenied
    return statement


@dataclass
class StatementView:
    """A statement with its lines (each with its comments) and per-account totals."""

    statement: Statement
    lines: list[StatementLine]
    comments: list[StatementComment]
    accounts: list[dict[str, Any]]

    @property
    def disputed(self) -> int:
        return sum(1 for line in self.lines if line.dispute == LineDispute.DISPUTED)


def statement_view(statement: Statement) -> StatementView:
    """Three queries: lines with their entries, comments with authors, nothing per line."""
    lines = list(statement.lines.select_related("entry").order_by("entry__created_at", "entry_id"))
    comments = list(statement.comments.select_related("author", "adjustment"))
    by_line: dict[int, list[StatementComment]] = {}
    for comment in comments:
        if comment.line_id:
            by_line.setdefault(comment.line_id, []).append(comment)
    for line in lines:
        line.thread = by_line.get(line.pk, [])  # type: ignore[attr-defined]
    accounts = []
    for account in STATEMENT_ACCOUNTS:
        moved = [line.entry.amount for line in lines if line.entry.account == account]
        accounts.append(
            {
                "account": account,
                "label": Account(account).label,
                "opening": statement.opening(account),
                "debits": sum((a for a in moved if a > 0), ZERO),
                "credits": sum((-a for a in moved if a < 0), ZERO),
                "closing": statement.closing(account),
            }
        )
    return StatementView(statement, lines, comments, accounts)
