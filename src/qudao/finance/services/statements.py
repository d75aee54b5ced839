"""Statements (对账单): a month of one position drawn from the ledger, sent to the buyer, who
confirms it or disputes lines; the seller answers each disputed line (posting an adjustment
when the buyer is right) and sends it again. The exchange is kept as comments.

A month with a statement that has left the draft state is closed for that position: payments
and invoices dated in it (or before it) are refused, so a sent statement stays true.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_FINANCE, VIEW_FINANCE
from qudao.core.errors import NotFound, PermissionDenied, ValidationFailed, check_transition
from qudao.core.money import money
from qudao.core.numbering import next_gapless_numbers
from qudao.core.services import audit_record
from qudao.finance.constants import (
    STATEMENT_ACCOUNTS,
    STATEMENT_PIPELINE,
    LineDispute,
    StatementStatus,
)
from qudao.finance.models import (
    LedgerEntry,
    Position,
    Statement,
    StatementComment,
    StatementLine,
)
from qudao.finance.services._ledger import _event
from qudao.finance.services.balances import balance_adjust
from qudao.network import scope
from qudao.network.models import Org

ZERO = Decimal("0.00")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_bounds(period: date) -> tuple[datetime, datetime]:
    """The month as [start, end) in the site's time zone (Asia/Shanghai by default)."""
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(period, time.min, tzinfo=tz),
        datetime.combine(next_month(period), time.min, tzinfo=tz),
    )


def period_check_open(position: Position, day: date) -> None:
    """Refuse a business date in a month whose statement the buyer has already been sent."""
    closed = (
        Statement.objects.filter(position=position, period__gte=month_start(day))
        .exclude(status=StatementStatus.DRAFT)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if closed is not None:
        message = _(
            "%(month)s is closed: the statement up to %(closed)s has been sent to the buyer. "
            "Date it in an open month."
        ) % {"month": day.strftime("%Y-%m"), "closed": closed.strftime("%Y-%m")}
        raise ValidationFailed(message, code="period_closed")


@dataclass(frozen=True)
class GenerateResult:
    created: int
    regenerated: int
    skipped: int  # already sent: a sent statement is never redrawn


def _sums(position_ids: list[int], **when: Any) -> dict[tuple[int, str], Decimal]:
    rows = (
        LedgerEntry.objects.filter(
            position_id__in=position_ids, account__in=STATEMENT_ACCOUNTS, **when
        )
        .order_by()
        .values("position_id", "account")
        .annotate(s=Sum("amount"))
    )
    # SQLite sums decimals as floats: back to cents (every amount has 2 places)
    return {(r["position_id"], r["account"]): money(r["s"]) for r in rows}


def _finished_month(period: date) -> date:
    period = month_start(period)
    if next_month(period) > month_start(timezone.localdate()):
        raise ValidationFailed(
            _("%(month)s is not over yet; statements are drawn for finished months.")
            % {"month": period.strftime("%Y-%m")},
            code="period_not_over",
        )
    return period


def _balances(
    pk: int, opening: dict[tuple[int, str], Decimal], moved: dict[tuple[int, str], Decimal]
) -> dict[str, Decimal] | None:
    """Opening and closing per account; None when there is nothing to state."""
    values = {}
    for account in STATEMENT_ACCOUNTS:
        first = opening.get((pk, account), ZERO)
        values[f"opening_{account}"] = first
        values[f"closing_{account}"] = first + moved.get((pk, account), ZERO)
    if not any(values.values()) and not any((pk, a) in moved for a in STATEMENT_ACCOUNTS):
        return None
    return values


BALANCE_FIELDS = [f"{w}_{a}" for w in ("opening", "closing") for a in STATEMENT_ACCOUNTS]


@transaction.atomic
def statements_generate(
    *, actor: Any, seller: Org, period: date, buyers: Iterable[Org] | None = None
) -> GenerateResult:
    """Draw the month's statements of a seller's buyers (all, or those given) from the ledger;
    the seller's finance only."""
    scope.require(actor, MANAGE_FINANCE, seller)
    result = statements_draw(seller=seller, period=period, buyers=buyers)
    audit_record(
        actor=actor,
        action="statements.generated",
        instance=seller,
        changes={
            "period": [None, month_start(period).isoformat()],
            "created": [None, result.created],
            "regenerated": [None, result.regenerated],
        },
    )
    return result


@transaction.atomic
def statements_draw(
    *, seller: Org, period: date, buyers: Iterable[Org] | None = None
) -> GenerateResult:
    """The drawing itself, in a fixed number of queries whatever the number of buyers: two
    grouped sums, the statements in bulk, the lines in one INSERT … SELECT. Drafts are
    redrawn; sent ones are left alone. A position with nothing to state (no balance, no
    entry) gets none. Checks no permission (statements_generate does; the demo seed calls
    this directly)."""
    period = _finished_month(period)
    start, end = period_bounds(period)
    positions = Position.objects.filter(seller=seller)
    if buyers is not None:
        positions = positions.filter(buyer__in=[b.pk for b in buyers])
    ids = list(positions.values_list("pk", flat=True))
    opening = _sums(ids, created_at__lt=start)
    moved = _sums(ids, created_at__gte=start, created_at__lt=end)
    existing = {
        s.position_id: s for s in Statement.objects.filter(position_id__in=ids, period=period)
    }
    now = timezone.now()
    new, redrawn, skipped = [], [], 0
    for pk in ids:
        values = _balances(pk, opening, moved)
        if values is None:
            continue
        found = existing.get(pk)
        if found is None:
            new.append(Statement(position_id=pk, period=period, generated_at=now, **values))
        elif found.status == StatementStatus.DRAFT:
            for key, value in values.items():
                setattr(found, key, value)
            found.generated_at = now
            redrawn.append(found)
        else:
            skipped += 1
    for statement, number in zip(new, next_gapless_numbers("ST", len(new)), strict=True):
        statement.number = number
    Statement.objects.bulk_create(new, batch_size=1000)
    if redrawn:
        StatementLine.objects.filter(statement__in=redrawn).delete()
        Statement.objects.bulk_update(redrawn, ["generated_at", *BALANCE_FIELDS])
    _insert_lines(seller=seller, period=period, generated_at=now, start=start, end=end)
    return GenerateResult(created=len(new), regenerated=len(redrawn), skipped=skipped)


def _insert_lines(
    *, seller: Org, period: date, generated_at: datetime, start: datetime, end: datetime
) -> None:
    """Every entry of the month of the statements drawn just now (marked by generated_at)
    becomes a line: one statement, set-based, whatever the number of buyers."""
    ops = connection.ops
    accounts = list(STATEMENT_ACCOUNTS)
    marks = ", ".join(["%s"] * len(accounts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {StatementLine._meta.db_table} (statement_id, entry_id, dispute)
            SELECT s.id, e.id, ''
            FROM {Statement._meta.db_table} s
            JOIN {Position._meta.db_table} p ON p.id = s.position_id
            JOIN {LedgerEntry._meta.db_table} e ON e.position_id = s.position_id
            WHERE p.seller_id = %s AND s.period = %s AND s.generated_at = %s
              AND s.status = %s AND e.created_at >= %s AND e.created_at < %s
              AND e.account IN ({marks})
            """,  # noqa: S608 — table names from the models, values as parameters
            [
                seller.pk,
                ops.adapt_datefield_value(period),
                ops.adapt_datetimefield_value(generated_at),
                StatementStatus.DRAFT.value,
                ops.adapt_datetimefield_value(start),
                ops.adapt_datetimefield_value(end),
                *accounts,
            ],
        )


def _lock(statement: Statement) -> Statement:
    return Statement.objects.select_for_update().select_related("position").get(pk=statement.pk)


def _seller(actor: Any, statement: Statement) -> None:
    scope.require(actor, MANAGE_FINANCE, statement.position.seller)


def _buyer(actor: Any, statement: Statement) -> None:
    """Only the buyer's own people confirm or dispute (someone above both sides only reads)."""
    position = statement.position
    scope.require(actor, VIEW_FINANCE, position.buyer)
    if scope.can(actor, VIEW_FINANCE, position.seller):
        raise PermissionDenied(_("Only the buyer confirms or disputes its statement."))


def _move(actor: Any, statement: Statement, target: str, action: str) -> None:
    before = statement.status
    check_transition(STATEMENT_PIPELINE, before, target)
    statement.status = target
    fields = ["status"]
    if target == StatementStatus.SENT:
        statement.sent_at = timezone.now()
        fields.append("sent_at")
    elif target == StatementStatus.CONFIRMED:
        statement.confirmed_at, statement.confirmed_by = timezone.now(), actor
        fields += ["confirmed_at", "confirmed_by"]
    statement.save(update_fields=fields)
    audit_record(
        actor=actor, action=action, instance=statement, changes={"status": [before, target]}
    )
    _event(action, statement.position, statement_id=statement.pk, number=statement.number)


@transaction.atomic
def statement_send(*, actor: Any, statement: Statement) -> Statement:
    """Send a draft, or send again once every disputed line has its answer."""
    statement = _lock(statement)
    _seller(actor, statement)
    if (
        statement.status == StatementStatus.DISPUTED
        and statement.lines.filter(dispute=LineDispute.DISPUTED).exists()
    ):
        raise ValidationFailed(
            _("Answer every disputed line before sending the statement again."),
            code="dispute_unanswered",
        )
    _move(actor, statement, StatementStatus.SENT, "statement.sent")
    return statement


@transaction.atomic
def statement_confirm(*, actor: Any, statement: Statement) -> Statement:
    statement = _lock(statement)
    _buyer(actor, statement)
    _move(actor, statement, StatementStatus.CONFIRMED, "statement.confirmed")
    return statement


def _text(value: str, field: str = "text") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(
            _("Write a comment."), code="comment_required", fields={field: [_("Write a comment.")]}
        )
    return text[:1000]


def _line(statement: Statement, line_id: Any) -> StatementLine:
    try:
        return StatementLine.objects.select_for_update().get(pk=int(line_id), statement=statement)
    except (StatementLine.DoesNotExist, TypeError, ValueError):
        raise NotFound(
            _("Line %(line)s is not on statement %(number)s.")
            % {"line": line_id, "number": statement.number},
            code="line_not_on_statement",
        ) from None


@transaction.atomic
def statement_dispute(
    *, actor: Any, statement: Statement, disputes: Iterable[tuple[Any, str]]
) -> Statement:
    """The buyer disputes lines of a sent statement, each with its comment."""
    statement = _lock(statement)
    _buyer(actor, statement)
    pairs = list(disputes)
    if not pairs:
        raise ValidationFailed(_("Choose the lines you dispute."), code="no_lines")
    check_transition(STATEMENT_PIPELINE, statement.status, StatementStatus.DISPUTED)
    checked = [(_line(statement, line_id), _text(text)) for line_id, text in pairs]
    for line, text in checked:
        line.dispute = LineDispute.DISPUTED
        line.save(update_fields=["dispute"])
        StatementComment.objects.create(
            statement=statement, line=line, side="buyer", text=text, author=actor
        )
    _move(actor, statement, StatementStatus.DISPUTED, "statement.disputed")
    return statement


@transaction.atomic
def statement_answer(
    *,
    actor: Any,
    statement: Statement,
    line_id: Any,
    text: str,
    adjust_account: str = "",
    adjust_amount: Any = None,
) -> StatementComment:
    """The seller answers a disputed line; when the buyer is right it posts the correcting
    adjustment (signed, on the chosen balance) in the current month, linked to the answer."""
    statement = _lock(statement)
    _seller(actor, statement)
    if statement.status != StatementStatus.DISPUTED:
        raise ValidationFailed(_("Only a disputed statement can be answered."), code="not_disputed")
    line = _line(statement, line_id)
    if line.dispute == LineDispute.NONE:
        raise ValidationFailed(_("That line is not disputed."), code="line_not_disputed")
    answer = _text(text)
    adjustment = None
    if adjust_amount not in (None, ""):
        adjustment = balance_adjust(
            actor=actor,
            position=statement.position,
            account=adjust_account,
            amount=adjust_amount,
            reason=f"{statement.number}: {answer}",
        )
    line.dispute = LineDispute.ANSWERED
    line.save(update_fields=["dispute"])
    comment = StatementComment.objects.create(
        statement=statement,
        line=line,
        side="seller",
        text=answer,
        adjustment=adjustment,
        author=actor,
    )
    audit_record(
        actor=actor,
        action="statement.answered",
        instance=statement,
        changes={
            "line": [None, line.pk],
            "adjustment": [None, adjustment and str(adjustment.amount)],
        },
    )
    return comment
