import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.finance import selectors, services
from qudao.finance.models import Allocation, Invoice, LedgerEntry, Payment, Position
from qudao.finance.services import CreditHold, CreditRefused, Doc
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
D = Decimal


@pytest.fixture
def fin(net):
    """dist1's finance user, and dealer1's position with dist1: limit 100,000, 30 days."""
    user = f.member(net.dist1, "finance", username="fin")
    services.credit_profile_set(
        actor=user,
        buyer=net.dealer1,
        seller=net.dist1,
        data={
            "credit_limit": "100000",
            "payment_term_days": 30,
            "overdue_days": 30,
            "overdue_mode": "hold",
        },
    )
    return user


def _position(net):
    return Position.objects.get(buyer=net.dealer1, seller=net.dist1)


def _state():
    return (
        LedgerEntry.objects.count(),
        Invoice.objects.count(),
        Payment.objects.count(),
        Allocation.objects.count(),
        list(
            Position.objects.values_list(
                "prepaid_balance", "receivable_balance", "frozen_amount", "rebate_balance"
            )
        ),
    )


def test_available_credit_counts_temporary_limits_and_exposure(net, fin):
    position = _position(net)
    now = timezone.now()
    services.temporary_limit_grant(
        actor=fin,
        position=position,
        amount="20000",
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=1),
        reason="旺季",
    )
    services.temporary_limit_grant(
        actor=fin,
        position=position,
        amount="5000",
        valid_from=now - timedelta(days=9),
        valid_until=now - timedelta(days=2),
        reason="已过期",
    )
    services.invoice_post(actor=fin, buyer=net.dealer1, seller=net.dist1, amount="30000")
    services.credit_freeze(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        amount="10000",
        doc=Doc("order", "1", "SO-1"),
    )
    decision = selectors.credit_check(position=_position(net), amount=D("80000"))
    assert (decision.credit_limit, decision.temporary, decision.exposure, decision.available) == (
        D("100000.00"),
        D("20000.00"),
        D("40000.00"),
        D("80000.00"),
    )
    assert decision.outcome == "ok"
    assert selectors.credit_check(position=_position(net), amount=D("80000.01")).outcome == (
        "refuse"
    )


def test_freeze_refused_with_the_numbers_and_nothing_written(net, fin):
    before = _state()
    with pytest.raises(CreditRefused) as exc:
        services.credit_freeze(
            actor=fin,
            buyer=net.dealer1,
            seller=net.dist1,
            amount="100000.01",
            doc=Doc("order", "1", "SO-1"),
        )
    assert exc.value.code == "credit_refused"
    assert "100000.00" in exc.value.message and "100000.01" in exc.value.message
    assert _state() == before


def test_pay_first_buyer_cannot_take_credit(net, fin):
    services.credit_profile_set(
        actor=fin,
        buyer=net.dealer2,
        seller=net.dist1,
        data={"credit_limit": "0", "payment_term_days": 0},
    )
    with pytest.raises(CreditRefused):
        services.credit_freeze(
            actor=fin,
            buyer=net.dealer2,
            seller=net.dist1,
            amount="1",
            doc=Doc("order", "2", "SO-2"),
        )


@pytest.mark.parametrize(
    ("mode", "outcome"), [("warn", "warn"), ("hold", "hold"), ("block", "refuse")]
)
def test_overdue_policy_modes(net, fin, mode, outcome):
    services.credit_profile_set(
        actor=fin, buyer=net.dealer1, seller=net.dist1, data={"overdue_mode": mode}
    )
    services.invoice_post(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        amount="1000",
        issued_on=timezone.localdate() - timedelta(days=61),
    )  # 31 days late
    decision = selectors.credit_check(position=_position(net), amount=D("10"))
    assert (decision.outcome, decision.max_days_overdue, decision.overdue_amount) == (
        outcome,
        31,
        D("1000.00"),
    )
    assert decision.reasons == ["overdue"]


def test_a_hold_needs_an_approver(net, fin):
    services.invoice_post(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        amount="1000",
        issued_on=timezone.localdate() - timedelta(days=70),
    )
    with pytest.raises(CreditHold):
        services.credit_freeze(
            actor=fin,
            buyer=net.dealer1,
            seller=net.dist1,
            amount="10",
            doc=Doc("order", "3", "SO-3"),
        )
    entry, decision = services.credit_freeze(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        amount="10",
        doc=Doc("order", "3", "SO-3"),
        approved=True,
    )
    assert (entry.amount, decision.outcome, _position(net).frozen_amount) == (
        D("10.00"),
        "hold",
        D("10.00"),
    )


def test_invoice_due_date_follows_the_term(net, fin):
    invoice = services.invoice_post(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        amount="2399.00",
        issued_on=date(2026, 11, 1),
    )
    assert (invoice.due_on, invoice.open_amount) == (date(2026, 12, 1), D("2399.00"))
    assert invoice.number.startswith("INV-")
    assert _position(net).receivable_balance == D("2399.00")


def test_payment_allocates_oldest_first_and_the_rest_goes_to_prepaid(net, fin):
    old = services.invoice_post(
        actor=fin, buyer=net.dealer1, seller=net.dist1, amount="1000", issued_on=date(2026, 9, 1)
    )
    new = services.invoice_post(
        actor=fin, buyer=net.dealer1, seller=net.dist1, amount="500", issued_on=date(2026, 10, 1)
    )
    services.payment_record(
        actor=fin,
        position=_position(net),
        amount="1200",
        method="cash",
        received_on=date(2026, 11, 1),
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.open_amount, new.open_amount) == (D("0.00"), D("300.00"))
    services.payment_record(
        actor=fin,
        position=_position(net),
        amount="400",
        method="bank_transfer",
        received_on=date(2026, 11, 2),
    )
    position = _position(net)
    assert (position.receivable_balance, position.prepaid_balance) == (D("0.00"), D("100.00"))


def test_manual_allocation_refusals_write_nothing(net, fin):
    invoice = services.invoice_post(actor=fin, buyer=net.dealer1, seller=net.dist1, amount="100")
    other = services.invoice_post(actor=fin, buyer=net.dealer2, seller=net.dist1, amount="100")
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        services.payment_record(
            actor=fin,
            position=_position(net),
            amount="200",
            method="cash",
            received_on=date(2026, 11, 1),
            allocations=[(invoice.pk, "150")],
        )
    assert exc.value.code == "over_allocation"
    with pytest.raises(NotFound) as exc:
        services.payment_record(
            actor=fin,
            position=_position(net),
            amount="50",
            method="cash",
            received_on=date(2026, 11, 1),
            allocations=[(other.pk, "50")],
        )
    assert exc.value.code == "invoice_not_of_position"
    with pytest.raises(ValidationFailed) as exc:
        services.payment_record(
            actor=fin,
            position=_position(net),
            amount="0",
            method="cash",
            received_on=date(2026, 11, 1),
        )
    assert exc.value.code == "amount_not_positive"
    assert _state() == before


def test_balance_debit_never_goes_below_zero(net, fin):
    services.payment_record(
        actor=fin,
        position=_position(net),
        amount="300",
        method="cash",
        received_on=date(2026, 11, 1),
        to_prepaid=True,
    )
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.balance_debit(
            actor=fin,
            buyer=net.dealer1,
            seller=net.dist1,
            account="prepaid",
            amount="300.01",
            doc=Doc("order", "9", "SO-9"),
        )
    assert exc.value.code == "insufficient_balance"
    assert _state() == before
    services.balance_debit(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        account="prepaid",
        amount="300",
        doc=Doc("order", "9", "SO-9"),
    )
    assert _position(net).prepaid_balance == D("0.00")


def test_reversal_restores_and_happens_once(net, fin):
    entry, _d = services.credit_freeze(
        actor=fin, buyer=net.dealer1, seller=net.dist1, amount="500", doc=Doc("order", "4", "SO-4")
    )
    services.entry_reverse(actor=fin, entry=entry, reason="订单取消")
    assert _position(net).frozen_amount == D("0.00")
    with pytest.raises(Conflict):
        services.entry_reverse(actor=fin, entry=entry, reason="再次")
    assert LedgerEntry.objects.filter(kind="reversal").count() == 1


def test_credit_note_pays_open_invoices_then_prepaid(net, fin):
    services.invoice_post(actor=fin, buyer=net.dealer1, seller=net.dist1, amount="100")
    note = services.credit_note_post(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        amount="130",
        source=Doc("return", "1", "RT-1"),
    )
    position = _position(net)
    assert note.number.startswith("CN-")
    assert (position.receivable_balance, position.prepaid_balance) == (D("0.00"), D("30.00"))


def test_temporary_limit_window_and_reason(net, fin):
    start = datetime(2026, 12, 1, tzinfo=SH)
    with pytest.raises(ValidationFailed) as exc:
        services.temporary_limit_grant(
            actor=fin,
            position=_position(net),
            amount="1",
            valid_from=start,
            valid_until=start - timedelta(hours=1),
            reason="x",
        )
    assert exc.value.code == "invalid_window"
    with pytest.raises(ValidationFailed) as exc:
        services.temporary_limit_grant(
            actor=fin,
            position=_position(net),
            amount="1",
            valid_from=start,
            valid_until=start + timedelta(days=1),
            reason=" ",
        )
    assert exc.value.code == "reason_required"


def test_only_the_sellers_finance_writes(net, fin):
    with pytest.raises(PermissionDenied):  # the region manager sees, does not set credit
        services.credit_profile_set(
            actor=net.region_east, buyer=net.dealer1, seller=net.dist1, data={"credit_limit": "1"}
        )
    with pytest.raises(NotFound):  # the buyer cannot set its own limit with its seller
        services.credit_profile_set(
            actor=net.dealer1_admin, buyer=net.dealer1, seller=net.dist1, data={"credit_limit": "1"}
        )
    assert _position(net).credit_limit == D("100000.00")


def test_ledgers_equal_balances(net, fin):
    services.invoice_post(actor=fin, buyer=net.dealer1, seller=net.dist1, amount="100")
    services.payment_record(
        actor=fin,
        position=_position(net),
        amount="150",
        method="cash",
        received_on=date(2026, 11, 1),
    )
    services.rebate_credit(actor=fin, position=_position(net), amount="20", memo="Q3 返利")
    assert selectors.ledger_mismatches() == []
    Position.objects.filter(pk=_position(net).pk).update(prepaid_balance=D("1"))  # corrupt
    assert [(m.account, m.balance, m.ledger_sum) for m in selectors.ledger_mismatches()] == [
        ("prepaid", D("1.00"), D("50.00"))
    ]
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 balance"):
        call_command("check-ledgers", stdout=out)
    assert f"finance: position {_position(net).pk} prepaid: balance 1.00 ≠ ledger 50.00" in (
        out.getvalue()
    )


def test_only_the_buyers_people_report_transfers(net, fin):
    from qudao.finance.models import Payment as PaymentModel

    position = _position(net)
    with pytest.raises(PermissionDenied):  # above both sides: reads only
        services.payment_submit_slip(
            actor=net.region_east,
            position=position,
            amount="10",
            received_on=date(2026, 11, 1),
            reference="x",
        )
    with pytest.raises(ValidationFailed) as exc:
        services.payment_submit_slip(
            actor=net.dealer1_admin,
            position=position,
            amount="10",
            received_on=timezone.localdate() + timedelta(days=1),
            reference="x",
        )
    assert exc.value.code == "future_payment"
    assert not PaymentModel.objects.exists()
    payment = services.payment_submit_slip(
        actor=net.dealer1_admin,
        position=position,
        amount="10",
        received_on=date(2026, 11, 1),
        reference="ICBC-1",
    )
    assert (payment.status, payment.amount) == ("pending", D("10.00"))
    assert _position(net).receivable_balance == D("0.00")  # nothing moves before finance
