"""Property tests: after any sequence of finance operations the ledgers equal the balances,
allocations never exceed invoice amounts, and ageing buckets add up to open receivables."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qudao.core.errors import DomainError
from qudao.core.money import money
from qudao.finance import selectors, services
from qudao.finance.models import Invoice, Position
from qudao.finance.services import Doc

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
operations = st.lists(
    st.tuples(
        st.sampled_from(
            ["invoice", "pay", "topup", "debit", "freeze", "release", "rebate", "note"]
        ),
        amounts,
        st.integers(0, 120),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def fin(net):
    from qudao.network.tests import factories as f

    return f.member(net.dist1, "finance", username="fin-prop")


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_any_sequence_keeps_the_books(net, fin, ops):
    with transaction.atomic():  # each example starts from the fixture's state
        _run(net, fin, ops)
        _check_books(net)
        transaction.set_rollback(True)


def _run(net, fin, ops):  # type: ignore[no-untyped-def]
    buyer, seller = net.dealer1, net.dist1
    services.credit_profile_set(
        actor=fin,
        buyer=buyer,
        seller=seller,
        data={"credit_limit": "20000", "payment_term_days": 30},
    )
    today = timezone.localdate()
    for n, (op, amount, days_ago) in enumerate(ops):
        position = Position.objects.get(buyer=buyer, seller=seller)
        doc = Doc("order", str(n), f"SO-{n}")
        try:
            if op == "invoice":
                services.invoice_post(
                    actor=fin,
                    buyer=buyer,
                    seller=seller,
                    amount=amount,
                    issued_on=today - timedelta(days=days_ago),
                )
            elif op in ("pay", "topup"):
                services.payment_record(
                    actor=fin,
                    position=position,
                    amount=amount,
                    method="cash",
                    received_on=today,
                    to_prepaid=op == "topup",
                )
            elif op == "debit":
                services.balance_debit(
                    actor=fin, buyer=buyer, seller=seller, account="prepaid", amount=amount, doc=doc
                )
            elif op == "freeze":
                services.credit_freeze(
                    actor=fin, buyer=buyer, seller=seller, amount=amount, doc=doc, approved=True
                )
            elif op == "release":
                services.credit_release(
                    actor=fin, buyer=buyer, seller=seller, amount=amount, doc=doc
                )
            elif op == "rebate":
                services.rebate_credit(actor=fin, position=position, amount=amount, memo="")
            else:
                services.credit_note_post(
                    actor=fin, buyer=buyer, seller=seller, amount=amount, source=doc
                )
        except DomainError:
            pass  # a refused operation must leave no trace; the checks prove it


def _check_books(net):  # type: ignore[no-untyped-def]
    assert selectors.ledger_mismatches() == []
    position = Position.objects.get(buyer=net.dealer1, seller=net.dist1)
    for invoice in Invoice.objects.filter(kind="invoice").annotate(
        allocated=Sum("allocations__amount")
    ):
        allocated = money(invoice.allocated or 0)
        assert Decimal("0") <= allocated <= invoice.amount
        assert invoice.open_amount == invoice.amount - allocated
    open_total = money(
        Invoice.objects.filter(kind="invoice").aggregate(s=Sum("open_amount"))["s"] or 0
    )
    assert position.receivable_balance == open_total
    rows = selectors.ageing_by_buyer(actor=net.admin, today=timezone.localdate())
    for row in rows:
        buckets = sum(row[k] for k in ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus"))
        assert buckets == row["total"]
    assert sum((r["total"] for r in rows), Decimal("0")) == open_total


def test_ageing_buckets_by_days_overdue(db, net):
    from qudao.network.tests import factories as f

    fin = f.member(net.dist1, "finance", username="fin-age")
    services.credit_profile_set(
        actor=fin, buyer=net.dealer1, seller=net.dist1, data={"payment_term_days": 0}
    )
    today = date(2026, 11, 27)
    for days, amount in [
        (0, "1"),
        (1, "2"),
        (30, "4"),
        (31, "8"),
        (60, "16"),
        (61, "32"),
        (90, "64"),
        (91, "128"),
    ]:
        services.invoice_post(
            actor=fin,
            buyer=net.dealer1,
            seller=net.dist1,
            amount=amount,
            issued_on=today - timedelta(days=days),
        )
    (row,) = selectors.ageing_by_buyer(actor=fin, today=today)
    assert [row[k] for k in ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")] == [
        Decimal("1.00"),
        Decimal("6.00"),
        Decimal("24.00"),
        Decimal("96.00"),
        Decimal("128.00"),
    ]
    assert row["total"] == Decimal("255.00")
