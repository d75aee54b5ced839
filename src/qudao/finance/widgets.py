"""Home-page widget, menu entry and audit labels of finance."""

from typing import Any

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from qudao.accounts.constants import MANAGE_FINANCE, VIEW_FINANCE
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.dashboard import Widget, register
from qudao.core.money import format_cny
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.finance.selectors import ZERO, overdue_invoices
from qudao.network import scope


@register
def overdue_receivables(actor: Any) -> Widget | None:
    """What the actor's buyers owe past due: the collection list behind it."""
    if not scope.has_any(actor, MANAGE_FINANCE):
        return None
    found = overdue_invoices(actor=actor).aggregate(
        s=Sum("open_amount"), n=Count("position__buyer", distinct=True)
    )
    return Widget(
        title=_("Overdue receivables"),
        value=format_cny(found["s"] or ZERO),
        hint=ngettext("%(n)s buyer overdue", "%(n)s buyers overdue", found["n"])
        % {"n": found["n"]},
        url=reverse("finance:overdue"),
        order=45,
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Finance"),
        url_name="finance:position_list",
        visible=lambda actor: scope.has_any(actor, VIEW_FINANCE),
        order=50,
    )
)


register_audit_labels(
    fields={
        "temporary_limit": gettext_lazy("Temporary limit"),
        "amount": gettext_lazy("Amount"),
        "reason": gettext_lazy("Reason"),
        "account": gettext_lazy("Balance"),
        "entry": gettext_lazy("Ledger entry"),
        "deposit_balance": gettext_lazy("Deposit"),
        "penalty": gettext_lazy("Penalty kept"),
        "refund": gettext_lazy("Refunded"),
        "rule": gettext_lazy("Rule"),
    },
    actions={
        "credit_profile.updated": gettext_lazy("Credit profile changed"),
        "temporary_limit.created": gettext_lazy("Temporary limit granted"),
        "balance.adjusted": gettext_lazy("Balance adjusted"),
        "refund.paid": gettext_lazy("Refund paid"),
        "ledger_entry.reversed": gettext_lazy("Ledger entry reversed"),
        "payment.recorded": gettext_lazy("Payment recorded"),
        "payment.submitted": gettext_lazy("Transfer reported by the buyer"),
        "payment.confirmed": gettext_lazy("Payment confirmed"),
        "payment.rejected": gettext_lazy("Payment rejected"),
        "deposit.received": gettext_lazy("Deposit received"),
        "deposit.refunded": gettext_lazy("Deposit refunded"),
    },
)
