from django.db import models
from django.utils.translation import gettext_lazy as _


class Account(models.TextChoices):
    """The balances a buyer holds with one seller; each moves only by ledger entries."""

    PREPAID = "prepaid", _("Prepaid balance")
    REBATE = "rebate", _("Rebate balance")
    RECEIVABLE = "receivable", _("Receivables")
    FROZEN = "frozen", _("Frozen for orders")
    DEPOSIT = "deposit", _("Deposit")


# The balances a person may correct by hand (an adjustment); frozen credit follows orders and
# the deposit (保证金) moves only by receiving and refunding it.
ADJUSTABLE_ACCOUNTS = ("prepaid", "rebate", "receivable")


class EntryKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    REFUND = "refund", _("Refund")
    ORDER_DEBIT = "order_debit", _("Paid from balance for an order")
    REBATE_CREDIT = "rebate_credit", _("Rebate credited")
    REBATE_DEBIT = "rebate_debit", _("Rebate used for an order")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    OVERPAYMENT = "overpayment", _("Payment beyond open invoices")
    FREEZE = "freeze", _("Credit frozen for an order")
    RELEASE = "release", _("Frozen credit released")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")
    DEPOSIT_RECEIVED = "deposit_received", _("Deposit received")
    DEPOSIT_REFUND = "deposit_refund", _("Deposit refunded")
    DEPOSIT_PENALTY = "deposit_penalty", _("Deposit kept as a penalty")


class OverdueMode(models.TextChoices):
    WARN = "warn", _("Warn")
    HOLD = "hold", _("Hold for approval")
    BLOCK = "block", _("Block")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    OFFSET = "offset", _("Offset")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


PAYMENT_PIPELINE: dict[str, set[str]] = {
    PaymentStatus.PENDING: {PaymentStatus.CONFIRMED, PaymentStatus.REJECTED},
    PaymentStatus.CONFIRMED: set(),
    PaymentStatus.REJECTED: set(),
}


class Outcome(models.TextChoices):
    """What a credit check answers; a failing check never passes silently."""

    OK = "ok", _("Within credit")
    WARN = "warn", _("Within credit, with a warning")
    HOLD = "hold", _("Hold for approval")
    REFUSE = "refuse", _("Refused")


# Ageing buckets by days overdue: (label, lowest day, highest day or None)
AGEING_BUCKETS = (
    ("not_due", None, 0),
    ("d1_30", 1, 30),
    ("d31_60", 31, 60),
    ("d61_90", 61, 90),
    ("d90_plus", 91, None),
)


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the buyer")
    DISPUTED = "disputed", _("Disputed")
    CONFIRMED = "confirmed", _("Confirmed")


# The seller sends a draft; the buyer confirms it or disputes lines; the seller answers every
# disputed line (and may post adjustments) and sends it again. A confirmed statement is final.
STATEMENT_PIPELINE: dict[str, set[str]] = {
    StatementStatus.DRAFT: {StatementStatus.SENT},
    StatementStatus.SENT: {StatementStatus.CONFIRMED, StatementStatus.DISPUTED},
    StatementStatus.DISPUTED: {StatementStatus.SENT},
    StatementStatus.CONFIRMED: set(),
}


class LineDispute(models.TextChoices):
    NONE = "", _("Agreed")
    DISPUTED = "disputed", _("Disputed")
    ANSWERED = "answered", _("Answered")


# The balances a statement reports (frozen credit is a hold on the limit, not money owed).
STATEMENT_ACCOUNTS = (Account.RECEIVABLE, Account.PREPAID, Account.REBATE)
