"""What every promotion write shares: the errors with their stable codes, the document a
consumption belongs to, the permission check and the audit + outbox record."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.core.errors import Conflict, ValidationFailed
from qudao.core.services import audit_record, event_record
from qudao.network import scope
from qudao.network.models import Org
from qudao.promotions.models import Promotion


class PromotionInvalid(ValidationFailed):
    code = "promotion_invalid"


class PromotionNotEditable(Conflict):
    code = "promotion_not_editable"
    default_message = gettext_lazy(
        "Only a draft can be changed; this promotion is %(status)s. Make a copy to change it."
    )


class ExclusiveOverlap(Conflict):
    code = "promotion_exclusive_overlap"


class BudgetExhausted(Conflict):
    """The promotion's budget or quantity cannot cover this order any more."""

    code = "promotion_budget_exhausted"


class PromotionNotLive(Conflict):
    code = "promotion_not_live"


class CouponRefused(Conflict):
    code = "coupon_refused"


@dataclass(frozen=True)
class Doc:
    """The business document a consumption belongs to (an order), by reference."""

    type: str
    id: str
    number: str = ""


def field_error(name: str, message: str, code: str) -> PromotionInvalid:
    return PromotionInvalid(message, code=code, fields={name: [message]})


def require_manager(actor: Any, seller: Org) -> None:
    """Out of scope → 404; in scope without MANAGE_PROMOTIONS at the seller (or above) → 403."""
    scope.require(actor, MANAGE_PROMOTIONS, seller)


def brand_root() -> Org | None:
    return Org.objects.filter(depth=1).order_by("path").first()


def record(
    *,
    actor: Any,
    action: str,
    promotion: Promotion,
    changes: dict[str, Any],
    payload: dict[str, Any] | None = None,
) -> None:
    """The audit row (on the promotion's timeline, for its seller's subtree) and the event."""
    audit_record(
        actor=actor,
        action=action,
        instance=promotion,
        changes=changes,
        org_path=promotion.seller.path,
    )
    event_record(
        action,
        {
            "promotion_id": promotion.pk,
            "seller_id": promotion.seller_id,
            "number": promotion.number,
            **(payload or {}),
        },
    )
