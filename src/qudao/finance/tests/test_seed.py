"""The demo finance seed (qudao.demo.finance, run by `qudao seed` after the network, catalogue
and prices): deterministic counts, books that balance, invoices consistent with their
allocations, overdue buyers on hold, and nothing added by a second run.

The demo app sits above finance in the import layers, so these tests run it through the
command rather than importing it."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from qudao.accounts.models import User
from qudao.finance import selectors
from qudao.finance.constants import Account, Outcome, OverdueMode
from qudao.finance.models import (
    Allocation,
    Invoice,
    LedgerEntry,
    Payment,
    Position,
    TemporaryLimit,
)

pytestmark = pytest.mark.django_db

# positions, temporary limits, invoices, payments, allocations, ledger entries
SMALL = (16, 1, 185, 267, 219, 597)
OVERDUE = 3
FINANCE_LINE = (
    "Finance: 16 positions, 185 invoices, 267 payments, 597 ledger entries created "
    "(3 buyers overdue past their tolerance)."
)


def _seed() -> str:
    """`qudao seed --scale small`: network, catalogue, prices, then finance."""
    out = StringIO()
    call_command("seed", "--scale", "small", "--no-orders", stdout=out)
    return out.getvalue()


@pytest.fixture
def small(divisions: None) -> str:
    return _seed()


def _counts() -> tuple[int, ...]:
    models = (Position, TemporaryLimit, Invoice, Payment, Allocation, LedgerEntry)
    return tuple(m.objects.count() for m in models)


def test_small_seed_counts_are_deterministic(small):
    assert FINANCE_LINE in small
    assert _counts() == SMALL


def test_books_balance(small):
    assert selectors.ledger_mismatches() == []
    for position in Position.objects.all():
        assert position.prepaid_balance >= 0
        assert position.rebate_balance >= 0
        assert position.frozen_amount == 0
        open_total = position.invoices.aggregate(s=Sum("open_amount"))["s"] or 0
        assert position.receivable_balance == open_total


def test_invoices_match_their_allocations(small):
    terms = dict(Position.objects.values_list("pk", "payment_term_days"))
    invoices = Invoice.objects.annotate(allocated=Sum("allocations__amount"))
    for invoice in invoices:
        allocated = invoice.allocated or Decimal("0")
        assert invoice.open_amount == invoice.amount - allocated
        assert 0 <= invoice.open_amount <= invoice.amount
        assert invoice.due_on == invoice.issued_on + timedelta(days=terms[invoice.position_id])
        assert invoice.number.startswith("DEMO-INV-")
    for payment in Payment.objects.annotate(allocated=Sum("allocations__amount")):
        assert (payment.allocated or 0) <= payment.amount
        assert payment.number.startswith("DEMO-PAY-")
    assert Invoice.objects.values("number").distinct().count() == Invoice.objects.count()


def test_entries_follow_the_business_dates(small):
    now = timezone.now()
    first = LedgerEntry.objects.order_by("created_at").first()
    last = LedgerEntry.objects.order_by("-created_at").first()
    assert first is not None and last is not None
    assert now - timedelta(days=366) < first.created_at < now - timedelta(days=300)
    assert now - timedelta(days=60) < last.created_at <= now
    for position in Position.objects.all():  # balance_after runs in created_at order
        running = dict.fromkeys(Account.values, Decimal("0"))
        for entry in position.entries.order_by("created_at", "id"):
            running[entry.account] += entry.amount
            assert entry.balance_after == running[entry.account]


def test_profiles_by_grade_and_overdue_buyers_on_hold(small):
    expected = {"A": (150_000, 30), "B": (80_000, 30), "C": (30_000, 15), "D": (0, 0)}
    for position in Position.objects.select_related("buyer"):
        limit, term = expected[position.buyer.grade]
        if position.buyer.status == "prospect":
            limit, term = 0, 0
        factor = 5 if position.buyer.kind == "distributor" else 1
        assert (position.credit_limit, position.payment_term_days) == (limit * factor, term)
        assert position.overdue_mode in (OverdueMode.HOLD, OverdueMode.BLOCK)
    held = []
    for position in Position.objects.all():
        decision = selectors.credit_check(position=position, amount=Decimal("1.00"))
        if "overdue" in decision.reasons:
            assert decision.max_days_overdue > position.overdue_days
            assert decision.outcome in (Outcome.HOLD, Outcome.REFUSE)
            held.append(position)
    assert len(held) == OVERDUE
    temporary = Position.objects.filter(temporary_limits__isnull=False).get()
    assert selectors.temporary_total(position=temporary, at=timezone.now()) > 0


def test_ageing_has_content_and_adds_up(small):
    rows = selectors.ageing_by_buyer(actor=User.objects.get(username="admin"))
    assert rows
    buckets = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
    for row in rows:
        assert sum(row[b] for b in buckets) == row["total"]
    assert any(row["d31_60"] + row["d61_90"] + row["d90_plus"] > 0 for row in rows)


def test_second_run_adds_nothing(small):
    before = _counts()
    again = _seed()
    assert (
        "Finance: 0 positions, 0 invoices, 0 payments, 0 ledger entries created "
        "(0 buyers overdue past their tolerance)." in again
    )
    assert _counts() == before
    assert selectors.ledger_mismatches() == []


def test_last_months_statements_in_their_states(small):
    from qudao.finance.models import Statement, StatementComment

    period = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    statements = Statement.objects.filter(period=period)
    counts = dict(
        statements.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    assert counts == {"confirmed": 11, "sent": 2, "disputed": 1, "draft": 1}
    assert "Statements: 15 drawn for last month (1 disputed)." in small
    for s in statements.prefetch_related("lines__entry"):
        for account in ("receivable", "prepaid", "rebate"):
            moved = sum(
                (line.entry.amount for line in s.lines.all() if line.entry.account == account),
                Decimal("0"),
            )
            assert s.opening(account) + moved == s.closing(account)
    assert StatementComment.objects.filter(side="buyer").count() == counts["disputed"]
    _seed()  # idempotent
    assert Statement.objects.filter(period=period).count() == sum(counts.values())
