"""Writes of finance. Money moves only by ledger entries posted with the balance update in
one transaction, under the position's row lock (locks.py); entries are never edited or
deleted — a mistake is reversed. Orders call credit_freeze / credit_release / balance_debit /
invoice_post / credit_note_post and their reversals.

The package by sub-domain: `_ledger` (the document an entry belongs to, the errors, amount
checking, posting an entry with its balance, the seller-side check, outbox events), `credit`
(profiles, temporary limits, freeze / release with the check's refusal text), `balances`
(order debits, rebate credits, refunds, adjustments, reversals), `deposits` (the 保证金:
received, refunded less a penalty), `receivables` (invoices,
credit notes, payments and their allocation to open invoices) and `statements` (对账单 and
the months they close).
"""

from qudao.finance.services._ledger import CreditHold, CreditRefused, Doc, InsufficientBalance
from qudao.finance.services.balances import (
    balance_adjust,
    balance_debit,
    entry_reverse,
    rebate_credit,
    rebate_settle,
    refund,
)
from qudao.finance.services.credit import (
    PROFILE_FIELDS,
    credit_freeze,
    credit_profile_set,
    credit_release,
    credit_terms_apply,
    temporary_limit_grant,
)
from qudao.finance.services.deposits import deposit_receive, deposit_refund
from qudao.finance.services.receivables import (
    credit_note_post,
    invoice_post,
    payment_confirm,
    payment_record,
    payment_reject,
    payment_submit_slip,
)
from qudao.finance.services.statements import (
    GenerateResult,
    period_check_open,
    statement_answer,
    statement_confirm,
    statement_dispute,
    statement_send,
    statements_draw,
    statements_generate,
)

__all__ = [
    "PROFILE_FIELDS",
    "CreditHold",
    "CreditRefused",
    "Doc",
    "InsufficientBalance",
    "balance_adjust",
    "balance_debit",
    "credit_freeze",
    "credit_note_post",
    "credit_profile_set",
    "credit_release",
    "credit_terms_apply",
    "deposit_receive",
    "deposit_refund",
    "entry_reverse",
    "invoice_post",
    "payment_confirm",
    "payment_record",
    "payment_reject",
    "payment_submit_slip",
    "rebate_credit",
    "rebate_settle",
    "refund",
    "temporary_limit_grant",
    "GenerateResult",
    "period_check_open",
    "statement_answer",
    "statement_confirm",
    "statement_dispute",
    "statement_send",
    "statements_draw",
    "statements_generate",
]
