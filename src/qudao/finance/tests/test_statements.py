"""Statements (对账单): drawn from the ledger per (buyer, seller, month), sent, confirmed or
disputed line by line, answered with an adjustment; the months they close."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qudao.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from qudao.finance import selectors, services
from qudao.finance.models import (
    LedgerEntry,
    Payment,
    Position,
    Statement,
    StatementComment,
    StatementLine,
)
from qudao.finance.tests.helpers import at, backdate
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
D = Decimal


def _statement(net) -> Statement:
    return Statement.objects.get(position__buyer=net.dealer1, position__seller=net.dist1)


def test_a_statement_is_drawn_from_the_ledger(net, fin, month):
    result = services.statements_generate(actor=fin, seller=net.dist1, period=month)
    assert result == services.GenerateResult(created=1, regenerated=0, skipped=0)
    # dealer2 has a position with no balance and no entry: nothing to state
    statement = _statement(net)
    assert statement.number == f"ST-{timezone.localdate().year}-000001"
    assert statement.status == "draft"
    assert (statement.opening_receivable, statement.closing_receivable) == (D("1000"), D("2300"))
    assert (statement.opening_rebate, statement.closing_rebate) == (D("0"), D("300"))
    assert (statement.opening_prepaid, statement.closing_prepaid) == (D("0"), D("0"))
    view = selectors.statement_view(statement)
    assert [(line.entry.account, line.entry.kind, line.entry.amount) for line in view.lines] == [
        ("receivable", "invoice", D("2500.00")),
        ("receivable", "payment", D("-1200.00")),
        ("rebate", "rebate_credit", D("300.00")),
    ]
    receivable = view.accounts[0]
    assert (receivable["opening"], receivable["debits"], receivable["credits"]) == (
        D("1000"),
        D("2500.00"),
        D("1200.00"),
    )
    # opening + lines = closing, per account
    for row in view.accounts:
        assert row["opening"] + row["debits"] - row["credits"] == row["closing"]


def test_generation_runs_a_fixed_number_of_queries(net, fin, month):
    for n in range(8):  # eight more buyers with an entry last month
        buyer = f.org(net.dist1, "dealer", name=f"经销商{n}")
        services.credit_profile_set(
            actor=fin, buyer=buyer, seller=net.dist1, data={"credit_limit": "1000"}
        )
        position = Position.objects.get(buyer=buyer, seller=net.dist1)
        entry = services.rebate_credit(actor=fin, position=position, amount="10", memo="")
        backdate([entry], at(month + timedelta(days=3)))
    # the year's number counter is created by the first statement ever: not measured here
    services.statements_generate(actor=fin, seller=net.dist1, period=month - timedelta(days=1))
    with CaptureQueriesContext(connection) as ctx:
        services.statements_generate(actor=fin, seller=net.dist1, period=month)
    small = len(ctx.captured_queries)
    assert Statement.objects.filter(period=month).count() == 9
    assert StatementLine.objects.filter(statement__period=month).count() == 3 + 8
    Statement.objects.filter(period=month).delete()
    for n in range(8, 12):
        buyer = f.org(net.dist1, "dealer", name=f"经销商{n}")
        services.credit_profile_set(
            actor=fin, buyer=buyer, seller=net.dist1, data={"credit_limit": "1000"}
        )
        position = Position.objects.get(buyer=buyer, seller=net.dist1)
        entry = services.rebate_credit(actor=fin, position=position, amount="10", memo="")
        backdate([entry], at(month + timedelta(days=3)))
    with CaptureQueriesContext(connection) as ctx:
        services.statements_generate(actor=fin, seller=net.dist1, period=month)
    assert Statement.objects.filter(period=month).count() == 13
    assert len(ctx.captured_queries) == small


def test_drafts_are_redrawn_and_sent_ones_kept(net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    statement = _statement(net)
    late = services.rebate_credit(actor=fin, position=statement.position, amount="20", memo="补记")
    backdate([late], at(month + timedelta(days=20)))
    result = services.statements_generate(actor=fin, seller=net.dist1, period=month)
    assert result == services.GenerateResult(created=0, regenerated=1, skipped=0)
    statement.refresh_from_db()
    assert statement.number.endswith("000001")  # the same document, redrawn
    assert statement.closing_rebate == D("320.00")
    assert statement.lines.count() == 4
    services.statement_send(actor=fin, statement=statement)
    result = services.statements_generate(actor=fin, seller=net.dist1, period=month)
    assert result == services.GenerateResult(created=0, regenerated=0, skipped=1)
    assert statement.lines.count() == 4


def test_only_finished_months_and_only_the_sellers_finance(net, fin, month):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(ValidationFailed) as err:
        services.statements_generate(actor=fin, seller=net.dist1, period=this_month)
    assert err.value.code == "period_not_over"
    with pytest.raises(NotFound):  # the buyer does not see its seller's books
        services.statements_generate(actor=net.dealer1_admin, seller=net.dist1, period=month)
    with pytest.raises(PermissionDenied):  # the region manager reads, finance writes
        services.statements_generate(actor=net.region_east, seller=net.dist1, period=month)
    assert Statement.objects.count() == 0


def test_buyer_confirms_once(net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    statement = _statement(net)
    with pytest.raises(InvalidTransition):  # a draft is not the buyer's yet
        services.statement_confirm(actor=net.dealer1_admin, statement=statement)
    services.statement_send(actor=fin, statement=statement)
    with pytest.raises(PermissionDenied):  # the seller does not confirm for the buyer
        services.statement_confirm(actor=fin, statement=statement)
    services.statement_confirm(actor=net.dealer1_admin, statement=statement)
    statement.refresh_from_db()
    assert (statement.status, statement.confirmed_by) == ("confirmed", net.dealer1_admin)
    with pytest.raises(InvalidTransition) as err:
        services.statement_confirm(actor=net.dealer1_admin, statement=statement)
    assert err.value.code == "invalid_transition"
    statement.refresh_from_db()
    assert statement.status == "confirmed"


def test_dispute_answer_with_adjustment_and_resend(net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    statement = services.statement_send(actor=fin, statement=_statement(net))
    invoice_line = selectors.statement_view(statement).lines[0]
    services.statement_dispute(
        actor=net.dealer1_admin,
        statement=statement,
        disputes=[(invoice_line.pk, "只收到 2400 元的货")],
    )
    statement.refresh_from_db()
    assert statement.status == "disputed"
    with pytest.raises(ValidationFailed) as err:  # an unanswered dispute blocks resending
        services.statement_send(actor=fin, statement=statement)
    assert err.value.code == "dispute_unanswered"
    comment = services.statement_answer(
        actor=fin,
        statement=statement,
        line_id=invoice_line.pk,
        text="核实少发 100 元，已调减",
        adjust_account="receivable",
        adjust_amount="-100",
    )
    assert comment.adjustment.amount == D("-100.00")
    assert comment.adjustment.memo == f"{statement.number}: 核实少发 100 元，已调减"
    assert Position.objects.get(pk=statement.position_id).receivable_balance == D("2250.00")
    services.statement_send(actor=fin, statement=statement)
    services.statement_confirm(actor=net.dealer1_admin, statement=statement)
    view = selectors.statement_view(Statement.objects.get(pk=statement.pk))
    assert view.statement.status == "confirmed"
    assert [(c.side, c.text) for c in view.lines[0].thread] == [
        ("buyer", "只收到 2400 元的货"),
        ("seller", "核实少发 100 元，已调减"),
    ]
    assert view.lines[0].dispute == "answered"


def test_bad_disputes_change_nothing(net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    statement = services.statement_send(actor=fin, statement=_statement(net))
    # a line of another statement (dealer2's) cannot be disputed here
    other_position = Position.objects.get(buyer=net.dealer2, seller=net.dist1)
    entry = services.rebate_credit(actor=fin, position=other_position, amount="5", memo="")
    backdate([entry], at(month + timedelta(days=2)))
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    foreign = StatementLine.objects.get(statement__position=other_position)
    mine = selectors.statement_view(statement).lines[0]
    with pytest.raises(NotFound) as err:
        services.statement_dispute(
            actor=net.dealer1_admin,
            statement=statement,
            disputes=[(mine.pk, "不对"), (foreign.pk, "也不对")],
        )
    assert err.value.code == "line_not_on_statement"
    with pytest.raises(ValidationFailed) as err:
        services.statement_dispute(
            actor=net.dealer1_admin, statement=statement, disputes=[(mine.pk, "  ")]
        )
    assert err.value.code == "comment_required"
    with pytest.raises(NotFound):  # another dealer does not see it
        services.statement_dispute(
            actor=net.dealer2_admin, statement=statement, disputes=[(mine.pk, "不对")]
        )
    statement.refresh_from_db()
    assert statement.status == "sent"
    assert StatementComment.objects.count() == 0
    assert StatementLine.objects.filter(dispute="").count() == StatementLine.objects.count()


def test_a_sent_statement_closes_its_month_for_payments(net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    statement = _statement(net)
    in_month = month + timedelta(days=27)
    # a draft does not close the month
    payment = services.payment_record(
        actor=fin, position=statement.position, amount="10", method="cash", received_on=in_month
    )
    services.statement_send(actor=fin, statement=statement)
    before = (Payment.objects.count(), LedgerEntry.objects.count())
    for day in (in_month, month - timedelta(days=3)):
        with pytest.raises(ValidationFailed) as err:
            services.payment_record(
                actor=fin, position=statement.position, amount="10", method="cash", received_on=day
            )
        assert err.value.code == "period_closed"
    with pytest.raises(ValidationFailed) as err:
        services.payment_submit_slip(
            actor=net.dealer1_admin,
            position=statement.position,
            amount="10",
            received_on=in_month,
            reference="B-1",
        )
    assert err.value.code == "period_closed"
    assert (Payment.objects.count(), LedgerEntry.objects.count()) == before
    # the draft did not close its month (that payment went in); this month stays open
    assert (payment.received_on, payment.amount) == (in_month, D("10.00"))
    today = services.payment_record(
        actor=fin,
        position=statement.position,
        amount="10",
        method="cash",
        received_on=timezone.localdate(),
    )
    assert (today.received_on, today.amount) == (timezone.localdate(), D("10.00"))
    assert Payment.objects.count() == before[0] + 1


def test_buyer_does_not_see_drafts_and_others_see_nothing(net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    statement = _statement(net)
    assert list(selectors.statement_list_for_actor(actor=net.dealer1_admin)) == []
    with pytest.raises(NotFound):
        selectors.statement_get(actor=net.dealer1_admin, statement_id=statement.pk)
    services.statement_send(actor=fin, statement=statement)
    assert list(selectors.statement_list_for_actor(actor=net.dealer1_admin)) == [statement]
    assert list(selectors.statement_list_for_actor(actor=net.dealer2_admin)) == []
    with pytest.raises(NotFound):
        selectors.statement_get(actor=net.dealer2_admin, statement_id=statement.pk)
    assert list(selectors.statement_list_for_actor(actor=net.region_east)) == [statement]
    assert list(selectors.statement_list_for_actor(actor=fin, q="st")) == []
    assert list(selectors.statement_list_for_actor(actor=fin, q=statement.number)) == [statement]
