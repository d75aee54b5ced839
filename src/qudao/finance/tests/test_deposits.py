"""The deposit (保证金): its own account on the position, received and refunded less a penalty,
covered by `qudao check-ledgers`, shown on the position page. And the grade terms a dealer's
grade brings, applied by rule (credit_terms_apply)."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.finance import selectors, services
from qudao.finance.models import LedgerEntry, Position
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fin(net):
    return f.member(net.dist1, "finance", username="fin")


@pytest.fixture
def position(net):
    return Position.objects.create(buyer=net.dealer1, seller=net.dist1)


def _state():
    return (
        LedgerEntry.objects.count(),
        list(Position.objects.values_list("deposit_balance", "prepaid_balance")),
    )


def test_receive_then_refund_with_a_penalty(net, fin, position):
    entry = services.deposit_receive(actor=fin, position=position, amount="50000", memo="保证金")
    assert (entry.account, entry.kind, entry.amount, entry.balance_after) == (
        "deposit",
        "deposit_received",
        D("50000.00"),
        D("50000.00"),
    )
    assert position.deposit_balance == D("50000.00")
    entries = services.deposit_refund(
        actor=fin, position=position, amount="45000", penalty="3000.50", memo="闭店"
    )
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        ("deposit_refund", D("-45000.00"), D("5000.00")),
        ("deposit_penalty", D("-3000.50"), D("1999.50")),
    ]
    position.refresh_from_db()
    assert (position.deposit_balance, position.prepaid_balance) == (D("1999.50"), D("0.00"))
    assert list(
        AuditEvent.objects.filter(action__startswith="deposit.")
        .order_by("id")
        .values_list("action", "changes")
    ) == [
        ("deposit.received", {"deposit_balance": ["0.00", "50000.00"]}),
        (
            "deposit.refunded",
            {
                "deposit_balance": ["50000.00", "1999.50"],
                "refund": [None, "45000.00"],
                "penalty": [None, "3000.50"],
            },
        ),
    ]
    assert list(
        OutboxEvent.objects.filter(topic__startswith="deposit.")
        .order_by("id")
        .values_list("topic", flat=True)
    ) == ["deposit.received", "deposit.refunded"]
    # a penalty alone keeps the rest of it
    (kept,) = services.deposit_refund(actor=fin, position=position, amount=0, penalty="1999.50")
    assert (kept.kind, kept.balance_after) == ("deposit_penalty", D("0.00"))
    assert selectors.ledger_mismatches() == []


def test_refund_and_penalty_beyond_the_balance_refused(net, fin, position):
    services.deposit_receive(actor=fin, position=position, amount="1000", memo="")
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.deposit_refund(actor=fin, position=position, amount="900", penalty="100.01")
    assert exc.value.code == "insufficient_balance"
    with pytest.raises(ValidationFailed) as invalid:
        services.deposit_refund(actor=fin, position=position, amount="0", penalty="0")
    assert invalid.value.code == "amount_not_positive"
    with pytest.raises(ValidationFailed) as negative:
        services.deposit_receive(actor=fin, position=position, amount="-5", memo="")
    assert negative.value.code == "amount_not_positive"
    assert _state() == before


def test_only_the_sellers_finance_moves_the_deposit(net, fin, position):
    with pytest.raises(PermissionDenied):
        services.deposit_receive(actor=net.region_east, position=position, amount="1", memo="")
    with pytest.raises(NotFound):
        services.deposit_receive(actor=net.dealer1_admin, position=position, amount="1", memo="")
    assert _state() == (0, [(D("0.00"), D("0.00"))])


def test_the_deposit_is_not_adjusted_by_hand(net, fin, position):
    with pytest.raises(ValidationFailed) as exc:
        services.balance_adjust(
            actor=fin, position=position, account="deposit", amount="10", reason="手工"
        )
    assert exc.value.code == "invalid_account"


def test_check_ledgers_covers_the_deposit(net, fin, position):
    services.deposit_receive(actor=fin, position=position, amount="800", memo="")
    Position.objects.filter(pk=position.pk).update(deposit_balance=D("1"))  # corrupt
    assert [(m.account, m.balance, m.ledger_sum) for m in selectors.ledger_mismatches()] == [
        ("deposit", D("1.00"), D("800.00"))
    ]
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 balance"):
        call_command("check-ledgers", stdout=out)
    assert f"finance: position {position.pk} deposit: balance 1.00 ≠ ledger 800.00" in (
        out.getvalue()
    )


def test_position_page_and_api_show_the_deposit(client, net, fin, position):
    services.deposit_receive(actor=fin, position=position, amount="30000", memo="")
    client.force_login(fin)
    html = client.get(f"/finance/positions/{position.pk}/").content.decode()
    assert 'data-testid="deposit">¥30000.00' in html
    body = client.get("/api/v1/positions").json()
    assert [p["deposit_balance"] for p in body["items"]] == ["30000.00"]


def test_a_new_position_is_created_on_the_first_deposit(net, fin):
    unsaved = Position(buyer=net.dealer2, seller=net.dist1)
    services.deposit_receive(actor=fin, position=unsaved, amount="100", memo="")
    assert Position.objects.get(buyer=net.dealer2, seller=net.dist1).deposit_balance == D("100.00")


def test_grade_terms_apply_by_rule_with_the_rule_named(net, position):
    services.credit_terms_apply(
        actor=net.region_east,  # the dealers service checked its own right
        buyer=net.dealer1,
        seller=net.dist1,
        credit_limit="30000",
        payment_term_days=45,
        rule="B 级条件",
    )
    position.refresh_from_db()
    assert (position.credit_limit, position.payment_term_days) == (D("30000.00"), 45)
    audit = AuditEvent.objects.get(action="credit_profile.updated")
    assert audit.changes == {
        "credit_limit": ["0.00", "30000.00"],
        "payment_term_days": [0, 45],
        "rule": [None, "B 级条件"],
    }
    assert OutboxEvent.objects.get(topic="credit_profile.updated").payload["rule"] == "B 级条件"
