"""What every order write shares: the errors, access checks, the gates that stop ordering,
raising the engine's refusals, the audit + outbox record and the documents other apps'
entries point to."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import APPROVE_ORDERS, PLACE_ORDERS
from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.core.services import audit_record, event_record
from qudao.finance.services import CreditRefused
from qudao.finance.services import Doc as FinanceDoc
from qudao.inventory.services import Doc as StockDoc
from qudao.inventory.services import InsufficientStock
from qudao.network import scope
from qudao.network.constants import Hold, OrgStatus
from qudao.network.models import Org
from qudao.network.selectors import sells_to
from qudao.orders.constants import DOC_ORDER
from qudao.orders.engine import Problem
from qudao.orders.models import Order
from qudao.pricing.selectors import NotASeller
from qudao.promotions.services import Doc as PromotionDoc


class OrderAlreadySubmitted(Conflict):
    """A submitted order submits once; `status` says where it went."""

    code = "already_submitted"
    default_message = gettext_lazy("This order was submitted already; it is %(status)s now.")


class OrderNotDraft(Conflict):
    code = "order_not_draft"
    default_message = gettext_lazy("Only a draft can be changed.")


class OrgNotActive(Conflict):
    code = "buyer_not_active"


class PricesChanged(Conflict):
    """Prices moved since the draft was saved: shown to the buyer, who submits again with
    `accept_price_changes` (or saves the draft, which takes the new prices)."""

    code = "prices_changed"

    def __init__(self, changes: list[dict[str, Any]]) -> None:
        self.changes = changes
        text = "; ".join(_("%(sku)s: %(old)s → %(new)s") % change for change in changes[:20])
        super().__init__(
            _("Prices have changed since the draft was saved. %(detail)s") % {"detail": text},
            fields={"lines": [text]},
        )


class LinesRejected(ValidationFailed):
    """Lines that cannot be ordered; `problems` names each with its stable code. The error's
    own code is the problems' code when they share one (`unknown_sku`, `sku_not_sold`, …)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        codes = {p.code for p in self.problems}
        super().__init__(
            "; ".join(p.message for p in self.problems[:20]),
            code=codes.pop() if len(codes) == 1 else "lines_invalid",
            fields={"lines": [p.message for p in self.problems]},
        )


LINE_CODES = {
    "no_lines",
    "too_many_lines",
    "unknown_sku",
    "invalid_qty",
    "qty_not_positive",
    "unknown_unit",
    "qty_too_large",
    "not_order_multiple",
    "sku_not_sold",
}


def raise_problems(problems: Sequence[Problem]) -> None:
    """The first kind of refusal, as the error other apps raise for it: lines first, then
    stock (inventory's InsufficientStock), then credit (finance's CreditRefused)."""
    if not problems:
        return
    lines = [p for p in problems if p.code in LINE_CODES]
    if lines:
        raise LinesRejected(lines)
    first = problems[0]
    if first.code == "insufficient_stock":
        raise InsufficientStock(first.params["shortages"])
    if first.code == "credit_refused":
        error = CreditRefused(first.message)
        error.params = dict(first.params)  # the numbers, for pages and the API
        raise error
    raise Conflict(first.message, code=first.code)


# --- access ---------------------------------------------------------------------------------


def visible(actor: Any, order: Order) -> bool:
    """Either side of the order is in the actor's scope (the buyer's people and those above
    it, the seller's people and those above it)."""
    return scope.in_scope(actor, order.buyer) or scope.in_scope(actor, order.seller)


def require_on(actor: Any, order: Order, permission: str, org: Org) -> None:
    """An order outside the actor's scope is not found; in scope, the actor needs the right
    on the given side (404 outside, 403 inside)."""
    if not visible(actor, order):
        raise NotFound
    if not scope.can(actor, permission, org):
        raise PermissionDenied


def require_buyer_side(actor: Any, order: Order, permission: str) -> None:
    """What only the buyer's own people attest (a receipt) or do with its goods (sending a
    return from its warehouse): the right on the buyer and none on the seller — the seller's
    staff and those above both sides act for the buyer elsewhere, not here."""
    require_on(actor, order, permission, order.buyer)
    if scope.can(actor, permission, order.seller):
        raise PermissionDenied(_("Only the buyer's own people can do this."))


def require_place(actor: Any, buyer: Org) -> bool:
    """The actor may order for this buyer; True when on its behalf (代客下单): the right
    comes from above the buyer (a salesperson, the seller's staff), not from a membership
    in the buyer itself."""
    scope.require(actor, PLACE_ORDERS, buyer)
    return not any(
        g.path == buyer.path and PLACE_ORDERS in g.permissions for g in scope.grants(actor)
    )


def require_approver(actor: Any, order: Order) -> None:
    require_on(actor, order, APPROVE_ORDERS, order.seller)


def require_trading(buyer: Org, seller: Org) -> None:
    """Gates that stop ordering (network status; the dealers app records suspension and
    closing there) and the supply link."""
    if buyer.status != OrgStatus.ACTIVE:
        raise OrgNotActive(
            _("%(org)s is %(status)s and cannot order.")
            % {"org": buyer.name, "status": OrgStatus(buyer.status).label.lower()},
            code="buyer_not_active",
        )
    if buyer.holds:
        raise OrgNotActive(
            _("%(org)s cannot order: %(reasons)s.")
            % {
                "org": buyer.name,
                "reasons": "; ".join(str(Hold(h).label) for h in buyer.holds if h in Hold.values),
            },
            code="buyer_on_hold",
        )
    if seller.status != OrgStatus.ACTIVE:
        raise OrgNotActive(
            _("%(org)s is %(status)s and cannot take orders.")
            % {"org": seller.name, "status": OrgStatus(seller.status).label.lower()},
            code="seller_not_active",
        )
    if not sells_to(seller=seller, buyer=buyer):
        raise NotASeller(
            _("%(buyer)s does not order from %(seller)s.")
            % {
                "buyer": buyer.name,
                "seller": seller.name,
            }
        )


def require_reason(text: str, field: str = "reason") -> str:
    clean = (text or "").strip()
    if not clean:
        raise ValidationFailed(
            _("Give a reason."), code="reason_required", fields={field: [_("Give a reason.")]}
        )
    return clean[:500]


# --- documents and records ------------------------------------------------------------------


def finance_doc(order: Order) -> FinanceDoc:
    return FinanceDoc(DOC_ORDER, str(order.pk), order.number)


def stock_doc(order: Order) -> StockDoc:
    return StockDoc(DOC_ORDER, str(order.pk), order.number)


def promotion_doc(order: Order) -> PromotionDoc:
    return PromotionDoc(DOC_ORDER, str(order.pk), order.number)


def order_payload(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "number": order.number,
        "buyer_id": order.buyer_id,
        "seller_id": order.seller_id,
        "status": order.status,
        "amount": str(order.amount),
        **extra,
    }


def record(
    *,
    actor: Any,
    action: str,
    order: Order,
    changes: dict[str, Any],
    topic: str = "",
    payload: dict[str, Any] | None = None,
    instance: Any = None,
) -> None:
    """The audit row (on the order, or on its shipment or return) and the outbox event."""
    audit_record(actor=actor, action=action, instance=instance or order, changes=changes)
    if topic:
        event_record(topic, order_payload(order, **(payload or {})))


def lines_summary(rows: Sequence[Any]) -> list[list[Any]]:
    """[[SKU code, qty], …] for audit rows (any rows with `.sku` and `.qty`)."""
    return [[row.sku.code, row.qty] for row in rows][:200]
