"""Demo finance: a credit profile and a year of history for every dealer's position with its
distributor and every distributor's position with HQ.

Profiles by grade: D and prospects pay first (limit 0, term 0); C 30,000 / 15 days; B 80,000 /
30 days; A ("gold") 150,000 / 30 days. A distributor buys from HQ at five times a dealer's
scale (limit and order sizes). Every 25th credit position has a temporary limit valid now;
overdue positions go on hold, about one in ten blocks instead.

History over the last 365 days: an order every 2–4 weeks (5,000–60,000), paid from the prepaid
balance first, then — sometimes — from the rebate balance (at most 30% of the order), the rest
invoiced on credit while the limit has room (due = issue date + term); payments mostly around
the due date, about 15% of buyers 20–120 days late, so some are overdue past the tolerance and
on hold; a few prepaid top-ups; quarterly rebates for grades A and B. Pay-first buyers transfer
money before each order, which is then paid from the prepaid balance.

Bulk inserts: the history is simulated in memory with the rules of finance.services
(oldest-due-first allocation, balances never below zero except receivables, entry kinds as the
services write them) and each position's cached balances are the sums of its entries. Demo
documents are numbered DEMO-INV-000001 and DEMO-PAY-000001, outside the INV-<year>-… /
PAY-<year>-… ranges of real ones. Deterministic (one seeded random stream; dates are offsets
from today, so counts do not depend on the day it runs) and idempotent: a position that already
has entries is left alone. No audit rows or outbox events: demo data is setup, not business.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from qudao.finance.constants import (
    Account,
    EntryKind,
    LineDispute,
    OverdueMode,
    PaymentMethod,
    PaymentStatus,
    StatementStatus,
)
from qudao.finance.models import (
    Allocation,
    Invoice,
    LedgerEntry,
    Payment,
    Position,
    Statement,
    StatementComment,
    StatementLine,
    TemporaryLimit,
)
from qudao.finance.services import statements_draw
from qudao.network.constants import OrgKind, OrgStatus, SupplyKind
from qudao.network.models import Org, SupplyLink
from qudao.network.seed import SCALES, SeedError

SEED = 20261127
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAYS = 365
BATCH = 1000
INVOICE_PREFIX = "DEMO-INV-"
PAYMENT_PREFIX = "DEMO-PAY-"
PROFILES = {"A": (150_000, 30), "B": (80_000, 30), "C": (30_000, 15)}  # D: pay first
DISTRIBUTOR_FACTOR = 5
OVERDUE_DAYS = 30
LATE_SHARE = 0.15
BLOCK_SHARE = 0.10
TOPUP_SHARE = 0.30
SPLIT_SHARE = 0.20
REBATE_USE_SHARE = 0.5
REBATE_CAP = Decimal("0.30")  # of an order
REBATE_RATE = {"A": Decimal("0.02"), "B": Decimal("0.01")}
REBATE_EVERY = 91  # days: quarterly settlement
TEMPORARY_EVERY = 25  # every 25th credit position, from the first

Positions = dict[tuple[int, int], Position]  # (buyer id, seller id) -> position


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _thousands_up(value: Decimal) -> Decimal:
    return (value / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000


@dataclass(frozen=True)
class Pair:
    """A buyer and its seller with the profile and habits the seed gives them."""

    buyer: Org
    seller: Org
    credit_limit: Decimal
    term: int
    mode: str
    factor: int
    rebate_rate: Decimal
    late: bool
    trades: bool
    temporary: bool
    seed: int


@dataclass(eq=False)
class PlannedInvoice:
    amount: Decimal
    issued: date
    due: date
    open: Decimal
    at: datetime
    row: Invoice | None = None


@dataclass(eq=False)
class PlannedPayment:
    amount: Decimal
    received: date
    at: datetime
    method: str
    reference: str
    allocations: list[tuple[PlannedInvoice, Decimal]] = field(default_factory=list)
    row: Payment | None = None


@dataclass(eq=False)
class PlannedEntry:
    account: str
    kind: str
    amount: Decimal
    balance_after: Decimal
    at: datetime
    doc: PlannedInvoice | PlannedPayment | None
    memo: str = ""


class History:
    """A year of one position's business, simulated day by day with the services' rules."""

    def __init__(self, pair: Pair, *, today: date) -> None:
        self.pair = pair
        self.rng = random.Random(pair.seed)
        self.today = today
        self.start = today - timedelta(days=DAYS - 1)
        self.day = self.start
        self.minute = 0
        # business hours, but never in the future: today's entries end before now
        self.latest = timezone.localtime() - timedelta(minutes=30)
        self.balances = {Account.PREPAID: ZERO, Account.REBATE: ZERO, Account.RECEIVABLE: ZERO}
        self.invoices: list[PlannedInvoice] = []
        self.open: list[PlannedInvoice] = []  # oldest due first, like services._open_invoices
        self.payments: list[PlannedPayment] = []
        self.entries: list[PlannedEntry] = []
        self.due_payments: dict[date, list[Decimal]] = {}
        self.topups: dict[date, Decimal] = {}
        self.invoiced_since_rebate = ZERO

    # the rules -------------------------------------------------------------------------------

    def post(
        self,
        account: str,
        kind: str,
        amount: Decimal,
        doc: PlannedInvoice | PlannedPayment | None = None,
        memo: str = "",
    ) -> None:
        """What services._post does: append an entry, move the balance by the same amount."""
        new = self.balances[Account(account)] + amount
        assert account == Account.RECEIVABLE or new >= 0, (account, new)
        self.balances[Account(account)] = new
        self.entries.append(PlannedEntry(account, kind, amount, new, self.clock(), doc, memo))

    def clock(self) -> datetime:
        """The next moment of the business day, one minute apart, so entries keep their order."""
        opening = timezone.make_aware(datetime.combine(self.day, time(9)))
        self.minute += 1
        return min(opening, self.latest) + timedelta(minutes=self.minute)

    def receive(self, amount: Decimal, *, to_prepaid: bool = False) -> None:
        """What services.payment_record does: oldest due first, the rest to prepaid."""
        bank = self.rng.random() < 0.9
        payment = PlannedPayment(
            amount=amount,
            received=self.day,
            at=self.clock(),
            method=PaymentMethod.BANK_TRANSFER if bank else PaymentMethod.CASH,
            reference=f"DEMO{self.rng.randrange(10**11, 10**12)}" if bank else "",
        )
        self.payments.append(payment)
        left = amount
        while left > 0 and self.open and not to_prepaid:
            invoice = self.open[0]
            take = min(left, invoice.open)
            invoice.open -= take
            left -= take
            payment.allocations.append((invoice, take))
            if invoice.open == 0:
                self.open.pop(0)
        if amount > left:
            self.post(Account.RECEIVABLE, EntryKind.PAYMENT, -(amount - left), payment)
        if left > 0:
            self.post(Account.PREPAID, EntryKind.OVERPAYMENT, left, payment)

    def invoice(self, amount: Decimal) -> None:
        """What services.invoice_post does, and when the buyer will pay it."""
        invoice = PlannedInvoice(
            amount, self.day, self.day + timedelta(days=self.pair.term), amount, self.clock()
        )
        self.invoices.append(invoice)
        self.open.append(invoice)
        self.post(Account.RECEIVABLE, EntryKind.INVOICE, amount, invoice, "演示发货")
        self.invoiced_since_rebate += amount
        pay_on = max(invoice.due + timedelta(days=self._lateness()), self.day + timedelta(days=1))
        if self.rng.random() < SPLIT_SHARE:  # paid in two parts
            first = _cents(amount * Decimal(str(round(self.rng.uniform(0.4, 0.7), 2))))
            self._expect(pay_on, first)
            self._expect(pay_on + timedelta(days=self.rng.randint(10, 40)), amount - first)
        else:
            self._expect(pay_on, amount)

    def _expect(self, on: date, amount: Decimal) -> None:
        self.due_payments.setdefault(on, []).append(amount)

    def _lateness(self) -> int:
        if self.pair.late:
            return self.rng.randint(20, 120)
        draw = self.rng.random()
        if draw < 0.75:
            return self.rng.randint(-5, 0)
        if draw < 0.95:
            return self.rng.randint(1, 10)
        return self.rng.randint(11, 25)

    # the year ---------------------------------------------------------------------------------

    def run(self) -> "History":
        if not self.pair.trades:
            return self
        if self.pair.credit_limit > 0 and self.rng.random() < TOPUP_SHARE:
            for _ in range(self.rng.randint(1, 2)):
                on = self.start + timedelta(days=self.rng.randint(30, 330))
                self.topups[on] = self.topups.get(on, ZERO) + self._money(5_000, 20_000)
        next_order = self.start + timedelta(days=self.rng.randint(0, 14))
        for offset in range(DAYS):
            self.day, self.minute = self.start + timedelta(days=offset), 0
            for amount in self.due_payments.pop(self.day, []):
                self.receive(amount)
            if self.day in self.topups:
                self.receive(self.topups.pop(self.day), to_prepaid=True)
            if self.day == next_order:
                self.order()
                next_order += timedelta(days=self.rng.randint(14, 28))
            if offset % REBATE_EVERY == REBATE_EVERY - 1:
                self.rebate()
        return self

    def _money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100) * self.pair.factor) / 100

    def order(self) -> None:
        amount = self._money(5_000, 60_000)
        if self.pair.credit_limit == 0:  # pay first: transfer, then pay from prepaid
            missing = amount - self.balances[Account.PREPAID]
            if missing > 0:
                self.receive(_thousands_up(missing), to_prepaid=True)
            self.post(Account.PREPAID, EntryKind.ORDER_DEBIT, -amount, memo="演示订单货款")
            return
        prepaid = min(self.balances[Account.PREPAID], amount)
        rebate = ZERO
        if self.balances[Account.REBATE] > 0 and self.rng.random() < REBATE_USE_SHARE:
            rebate = min(
                self.balances[Account.REBATE], _cents(amount * REBATE_CAP), amount - prepaid
            )
        credit = amount - prepaid - rebate
        room = self.pair.credit_limit - self.balances[Account.RECEIVABLE]
        if credit > room:  # the order shrinks to what the limit allows, or waits
            if room < 1_000 * self.pair.factor:
                return
            credit = room
        if prepaid:
            self.post(Account.PREPAID, EntryKind.ORDER_DEBIT, -prepaid, memo="演示订单货款")
        if rebate:
            self.post(Account.REBATE, EntryKind.REBATE_DEBIT, -rebate, memo="演示订单返利抵扣")
        if credit > 0:
            self.invoice(credit)

    def rebate(self) -> None:
        amount = _cents(self.invoiced_since_rebate * self.pair.rebate_rate)
        self.invoiced_since_rebate = ZERO
        if amount > 0:
            self.post(Account.REBATE, EntryKind.REBATE_CREDIT, amount, memo="季度返利（演示）")

    def days_overdue(self) -> int:
        oldest = min((i.due for i in self.open), default=None)
        return (self.today - oldest).days if oldest and oldest < self.today else 0


# planning ---------------------------------------------------------------------------------------


def _supply_pairs() -> list[SupplyLink]:
    """Dealer with its distributor and distributor with HQ, in tree order of the buyer."""
    return list(
        SupplyLink.objects.filter(kind=SupplyKind.GOODS, is_active=True)
        .filter(
            Q(buyer__kind=OrgKind.DEALER, seller__kind=OrgKind.DISTRIBUTOR)
            | Q(buyer__kind=OrgKind.DISTRIBUTOR, seller__kind=OrgKind.HQ)
        )
        .select_related("buyer", "seller")
        .order_by("buyer__path", "seller__path")
    )


def plan_pairs() -> list[Pair]:
    """Every pair's profile and habits, drawn for every pair in the same order whatever
    exists already, so a pair gets the same history on any run."""
    rng = random.Random(SEED)
    pairs: list[Pair] = []
    credit_positions = 0
    for link in _supply_pairs():
        buyer = link.buyer
        seed, late, block = rng.getrandbits(64), rng.random() < LATE_SHARE, rng.random()
        factor = DISTRIBUTOR_FACTOR if buyer.kind == OrgKind.DISTRIBUTOR else 1
        prospect = buyer.status == OrgStatus.PROSPECT
        limit, term = (0, 0) if prospect else PROFILES.get(buyer.grade, (0, 0))
        temporary = bool(limit) and credit_positions % TEMPORARY_EVERY == 0
        credit_positions += bool(limit)
        pairs.append(
            Pair(
                buyer=buyer,
                seller=link.seller,
                credit_limit=Decimal(limit * factor),
                term=term,
                mode=OverdueMode.BLOCK if block < BLOCK_SHARE else OverdueMode.HOLD,
                factor=factor,
                rebate_rate=REBATE_RATE.get(buyer.grade, ZERO),
                late=late and bool(limit),
                trades=not prospect,
                temporary=temporary,
                seed=seed,
            )
        )
    if not any(p.late for p in pairs):  # even the small scale shows a buyer paying late
        first = next((i for i, p in enumerate(pairs) if p.credit_limit), None)
        if first is not None:
            pairs[first] = replace(pairs[first], late=True)
    return pairs


# writing ----------------------------------------------------------------------------------------


def _next_number(model: type[Invoice] | type[Payment], prefix: str) -> int:
    last = (
        model.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return int(last.removeprefix(prefix)) + 1 if last else 1


def _set_created_at(model: type[Model], rows: Sequence[tuple[Any, datetime]]) -> None:
    """auto_now_add overwrites created_at on insert: put the business time back, one
    parameterised UPDATE per row sent with executemany (bulk_update's CASE expressions take
    seconds to build for this many rows)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET created_at = %s WHERE id = %s",  # noqa: S608 (names, no input)
            [(connection.ops.adapt_datetimefield_value(at), row.pk) for row, at in rows],
        )
    for row, at in rows:
        row.created_at = at


def _positions(todo: list[tuple[Pair, History]], existing: Positions) -> Positions:
    new: list[Position] = []
    old: list[Position] = []
    for pair, history in todo:
        position = existing.get((pair.buyer.pk, pair.seller.pk)) or Position(
            buyer=pair.buyer, seller=pair.seller
        )
        position.credit_limit = pair.credit_limit
        position.payment_term_days = pair.term
        position.overdue_days = OVERDUE_DAYS
        position.overdue_mode = pair.mode
        position.prepaid_balance = history.balances[Account.PREPAID]
        position.rebate_balance = history.balances[Account.REBATE]
        position.receivable_balance = history.balances[Account.RECEIVABLE]
        (old if position.pk else new).append(position)
    Position.objects.bulk_create(new, batch_size=BATCH)
    Position.objects.bulk_update(
        old,
        [
            "credit_limit",
            "payment_term_days",
            "overdue_days",
            "overdue_mode",
            "prepaid_balance",
            "rebate_balance",
            "receivable_balance",
        ],
        batch_size=BATCH,
    )
    assert all(p.pk for p in new), "the database must return ids from bulk inserts"
    return {(p.buyer_id, p.seller_id): p for p in [*new, *old]}


def _write_documents(todo: list[tuple[Pair, History]], positions: Positions) -> dict[str, int]:
    invoice_no = _next_number(Invoice, INVOICE_PREFIX)
    payment_no = _next_number(Payment, PAYMENT_PREFIX)
    invoices: list[tuple[Invoice, datetime]] = []
    payments: list[tuple[Payment, datetime]] = []
    for pair, history in todo:
        position = positions[(pair.buyer.pk, pair.seller.pk)]
        for invoice in history.invoices:
            invoice.row = row = Invoice(
                position=position,
                number=f"{INVOICE_PREFIX}{invoice_no + len(invoices):06d}",
                amount=invoice.amount,
                open_amount=invoice.open,
                issued_on=invoice.issued,
                due_on=invoice.due,
                memo="演示发货",
            )
            invoices.append((row, invoice.at))
        for payment in history.payments:
            payment.row = paid = Payment(
                position=position,
                number=f"{PAYMENT_PREFIX}{payment_no + len(payments):06d}",
                method=payment.method,
                amount=payment.amount,
                received_on=payment.received,
                reference=payment.reference,
                status=PaymentStatus.CONFIRMED,
            )
            payments.append((paid, payment.at))
    Invoice.objects.bulk_create([row for row, _at in invoices], batch_size=BATCH)
    Payment.objects.bulk_create([row for row, _at in payments], batch_size=BATCH)
    allocations = [
        (Allocation(payment=p.row, invoice=invoice.row, amount=amount), p.at)
        for _pair, history in todo
        for p in history.payments
        for invoice, amount in p.allocations
    ]
    Allocation.objects.bulk_create([row for row, _at in allocations], batch_size=BATCH)
    _set_created_at(Invoice, invoices)
    _set_created_at(Payment, payments)
    _set_created_at(Allocation, allocations)
    return {"invoices": len(invoices), "payments": len(payments), "allocations": len(allocations)}


def _write_entries(todo: list[tuple[Pair, History]], positions: Positions) -> int:
    entries: list[tuple[LedgerEntry, datetime]] = []
    for pair, history in todo:
        position = positions[(pair.buyer.pk, pair.seller.pk)]
        for e in history.entries:
            row = e.doc.row if e.doc is not None else None
            doc_type = "invoice" if isinstance(row, Invoice) else "payment" if row else ""
            entry = LedgerEntry(
                position=position,
                account=e.account,
                kind=e.kind,
                amount=e.amount,
                balance_after=e.balance_after,
                doc_type=doc_type,
                doc_id=str(row.pk) if row else "",
                doc_number=row.number if row else "",
                memo=e.memo,
            )
            entries.append((entry, e.at))
    LedgerEntry.objects.bulk_create([row for row, _at in entries], batch_size=BATCH)
    _set_created_at(LedgerEntry, entries)
    return len(entries)


def _temporary_limits(todo: list[tuple[Pair, History]], positions: Positions) -> int:
    now = timezone.now()
    have = set(TemporaryLimit.objects.values_list("position_id", flat=True))
    limits = [
        TemporaryLimit(
            position=position,
            amount=_cents(pair.credit_limit / 2),
            valid_from=now - timedelta(days=7),
            valid_until=now + timedelta(days=23),
            reason="旺季备货临时额度（演示）",
        )
        for pair, _history in todo
        if pair.temporary
        and (position := positions[(pair.buyer.pk, pair.seller.pk)]).pk not in have
    ]
    TemporaryLimit.objects.bulk_create(limits)
    return len(limits)


@transaction.atomic
def seed_finance(*, scale: str) -> dict[str, int]:
    """Create the positions and history that are missing; returns how many rows were added.

    Every dealer and distributor of the network gets its position, so the scale is the
    network's (small: 12 dealers + 4 distributors, medium: 300 + 30)."""
    if scale not in SCALES:
        raise SeedError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    today = timezone.localdate()
    pairs = plan_pairs()
    existing = {
        (p.buyer_id, p.seller_id): p
        for p in Position.objects.filter(
            buyer_id__in=[p.buyer.pk for p in pairs], seller_id__in=[p.seller.pk for p in pairs]
        )
    }
    used = set(
        LedgerEntry.objects.filter(position__in=list(existing.values()))
        .values_list("position_id", flat=True)
        .distinct()
    )
    todo = []
    for pair in pairs:
        position = existing.get((pair.buyer.pk, pair.seller.pk))
        history = History(pair, today=today).run()
        if position is not None and (position.pk in used or not history.entries):
            continue  # has its history already, or exists and would get none
        todo.append((pair, history))
    positions = _positions(todo, existing)
    documents = _write_documents(todo, positions)
    entries = _write_entries(todo, positions)
    return {
        "positions": len(todo),
        "temporary_limits": _temporary_limits(todo, positions),
        **documents,
        "entries": entries,
        "overdue": sum(1 for _p, h in todo if h.days_overdue() > OVERDUE_DAYS),
    }


# Last month's statements in the states a month-end really shows: most confirmed, some
# waiting for the buyer, a few disputed (one line, with the buyer's comment), a few drafts.
STATEMENT_STATES = ["confirmed"] * 6 + ["sent"] * 2 + ["disputed"] + ["draft"]
DISPUTE_TEXT = "该笔金额与我方记录不符，请核对发货单"


def seed_statements() -> dict[str, int]:
    """Draw last month's statements for every seller with positions (statements_draw: the
    set-based drawing of the service) and move them to their demo states in bulk. Idempotent:
    a seller that has statements for that month is left alone."""
    period = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    sellers = Position.objects.values_list("seller_id", flat=True).distinct().order_by()
    done = set(
        Statement.objects.filter(period=period)
        .values_list("position__seller_id", flat=True)
        .distinct()
    )
    created = 0
    for seller in Org.objects.filter(pk__in=list(sellers)).exclude(pk__in=done).order_by("path"):
        created += statements_draw(seller=seller, period=period).created
    drafts = list(
        Statement.objects.filter(period=period, status=StatementStatus.DRAFT)
        .order_by("position__seller__path", "position__buyer__path")
        .values_list("pk", "generated_at")
    )
    by_state: dict[str, list[int]] = {}
    for index, (pk, _at) in enumerate(drafts):
        by_state.setdefault(STATEMENT_STATES[index % len(STATEMENT_STATES)], []).append(pk)
    now = timezone.now()
    Statement.objects.filter(pk__in=by_state.get("sent", [])).update(
        status=StatementStatus.SENT, sent_at=now
    )
    Statement.objects.filter(pk__in=by_state.get("confirmed", [])).update(
        status=StatementStatus.CONFIRMED, sent_at=now, confirmed_at=now
    )
    disputed = by_state.get("disputed", [])
    Statement.objects.filter(pk__in=disputed).update(status=StatementStatus.DISPUTED, sent_at=now)
    first_lines: dict[int, int] = {}
    for line_id, statement_id in (
        StatementLine.objects.filter(statement_id__in=disputed)
        .order_by("statement_id", "entry__created_at", "entry_id")
        .values_list("pk", "statement_id")
    ):
        first_lines.setdefault(statement_id, line_id)
    StatementLine.objects.filter(pk__in=list(first_lines.values())).update(
        dispute=LineDispute.DISPUTED
    )
    StatementComment.objects.bulk_create(
        StatementComment(statement_id=s, line_id=line, side="buyer", text=DISPUTE_TEXT)
        for s, line in first_lines.items()
    )
    return {"statements": created, "disputed": len(first_lines)}
