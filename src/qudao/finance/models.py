from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qudao.core.files import private_storage
from qudao.core.money import MoneyField
from qudao.finance.constants import (
    Account,
    EntryKind,
    InvoiceKind,
    LineDispute,
    OverdueMode,
    PaymentMethod,
    PaymentStatus,
    StatementStatus,
)

ZERO = Decimal("0.00")


class Position(models.Model):
    """A buyer's account with one seller: cached balances and its credit profile.

    Balances move only through LedgerEntry rows written in the same transaction under this
    row's lock (finance.locks); the sum of a position's entries per account equals the balance.
    """

    buyer = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("buyer")
    )
    seller = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    prepaid_balance = MoneyField(_("prepaid balance"))
    rebate_balance = MoneyField(_("rebate balance"))
    receivable_balance = MoneyField(_("open receivables"))
    frozen_amount = MoneyField(_("frozen for orders"))
    deposit_balance = MoneyField(_("deposit"))
    credit_limit = MoneyField(_("credit limit"))
    payment_term_days = models.PositiveSmallIntegerField(_("payment term (days)"), default=0)
    overdue_days = models.PositiveSmallIntegerField(_("overdue tolerance (days)"), default=30)
    overdue_amount = MoneyField(_("overdue amount tolerated"), null=True, blank=True, default=None)
    overdue_mode = models.CharField(
        _("when overdue"), max_length=8, choices=OverdueMode.choices, default=OverdueMode.HOLD
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account position")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "seller"], name="position_pair_unique"),
            models.CheckConstraint(condition=~Q(buyer=F("seller")), name="position_not_self"),
            models.CheckConstraint(
                condition=Q(prepaid_balance__gte=0), name="position_prepaid_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(rebate_balance__gte=0), name="position_rebate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(frozen_amount__gte=0), name="position_frozen_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="position_limit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(deposit_balance__gte=0), name="position_deposit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(overdue_mode__in=OverdueMode.values), name="position_overdue_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} ← {self.seller}"

    def balance(self, account: str) -> Decimal:
        return {
            Account.PREPAID: self.prepaid_balance,
            Account.REBATE: self.rebate_balance,
            Account.RECEIVABLE: self.receivable_balance,
            Account.FROZEN: self.frozen_amount,
            Account.DEPOSIT: self.deposit_balance,
        }[Account(account)]


BALANCE_FIELD = {
    Account.PREPAID: "prepaid_balance",
    Account.REBATE: "rebate_balance",
    Account.RECEIVABLE: "receivable_balance",
    Account.FROZEN: "frozen_amount",
    Account.DEPOSIT: "deposit_balance",
}


class TemporaryLimit(models.Model):
    """Extra credit for a window [valid_from, valid_until); windows may overlap."""

    position = models.ForeignKey(
        Position, on_delete=models.CASCADE, related_name="temporary_limits"
    )
    amount = MoneyField(_("amount"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("temporary limit")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="temp_limit_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="temp_limit_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"+{self.amount}"


class LedgerEntry(models.Model):
    """One movement of one balance. Never edited or deleted; mistakes are reversed."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(_("account"), max_length=12, choices=Account.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount = MoneyField(_("amount"))
    balance_after = MoneyField(_("balance after"))
    doc_type = models.CharField(max_length=32, blank=True)
    doc_id = models.CharField(max_length=64, blank=True)
    doc_number = models.CharField(_("document"), max_length=40, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ledger entry")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["position", "account", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(account__in=Account.values), name="entry_account_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="entry_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"


class Invoice(models.Model):
    """A receivable (invoice) or a credit against receivables (credit note)."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(
        _("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    amount = MoneyField(_("amount"))
    open_amount = MoneyField(_("open amount"))
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    source_type = models.CharField(max_length=32, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        ordering = ["issued_on", "id"]
        indexes = [
            models.Index(
                fields=["position", "due_on"],
                name="invoice_open_idx",
                condition=Q(open_amount__gt=0),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0) & Q(open_amount__lte=F("amount")),
                name="invoice_open_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")), name="invoice_due_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    """Money received from the buyer; allocated to open invoices, the rest to prepaid."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="payments")
    number = models.CharField(_("number"), max_length=40, unique=True)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    amount = MoneyField(_("amount"))
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank reference"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.CONFIRMED
    )
    # a financial document: private storage, served only to both sides of the position
    slip = models.FileField(
        _("transfer slip"), upload_to="finance/slips/", storage=private_storage, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Allocation(models.Model):
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations_given"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = MoneyField(_("amount"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
            models.CheckConstraint(
                condition=Q(payment__isnull=False, credit_note__isnull=True)
                | Q(payment__isnull=True, credit_note__isnull=False),
                name="allocation_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice_id}"


class Statement(models.Model):
    """对账单: one position's month, drawn from the ledger — opening balances, every entry of
    the month (its lines), closing balances. Opening + lines = closing per account."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="statements")
    period = models.DateField(_("month"), help_text="the first day of the month")
    number = models.CharField(_("number"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    opening_receivable = MoneyField(_("opening receivables"))
    opening_prepaid = MoneyField(_("opening prepaid balance"))
    opening_rebate = MoneyField(_("opening rebate balance"))
    closing_receivable = MoneyField(_("closing receivables"))
    closing_prepaid = MoneyField(_("closing prepaid balance"))
    closing_rebate = MoneyField(_("closing rebate balance"))
    generated_at = models.DateTimeField(_("generated at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        verbose_name = _("statement")
        ordering = ["-period", "id"]
        indexes = [models.Index(fields=["period", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["position", "period"], name="statement_month_unique"),
            models.CheckConstraint(
                condition=Q(status__in=StatementStatus.values), name="statement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="statement_period_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def opening(self, account: str) -> Decimal:
        return getattr(self, f"opening_{account}")

    def closing(self, account: str) -> Decimal:
        return getattr(self, f"closing_{account}")


class StatementLine(models.Model):
    """One ledger entry on a statement, with the buyer's dispute of it."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    dispute = models.CharField(
        _("dispute"), max_length=10, choices=LineDispute.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("statement line")
        ordering = ["entry__created_at", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "entry"], name="statement_line_unique"),
            models.CheckConstraint(
                condition=Q(dispute__in=LineDispute.values), name="statement_line_dispute_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}:{self.entry_id}"


class StatementComment(models.Model):
    """The exchange on a statement, kept: the buyer's disputes and the seller's answers (with
    the adjustment an answer posted, if any)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="comments")
    line = models.ForeignKey(
        StatementLine, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    side = models.CharField(max_length=6, choices=[("buyer", _("Buyer")), ("seller", _("Seller"))])
    text = models.TextField(_("comment"), max_length=1000)
    adjustment = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("statement comment")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(side__in=["buyer", "seller"]), name="statement_comment_side_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]
