"""The pipeline of a promotion: draft → submitted → approved → live ⇄ paused → ended, and
back to draft when a submission is rejected. One service per move, each under the
promotion's row lock, with its audit row and outbox event."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.errors import check_transition
from qudao.promotions.constants import PIPELINE, Kind, Status
from qudao.promotions.locks import lock_promotion, lock_seller
from qudao.promotions.models import Promotion, PromotionProduct, PromotionTarget
from qudao.promotions.rules import ValidationError, parse_rules
from qudao.promotions.services._common import (
    PromotionInvalid,
    field_error,
    record,
    require_manager,
)
from qudao.promotions.services.drafts import check_exclusive


def _move(
    actor: Any,
    promotion: Promotion,
    target: str,
    *,
    action: str,
    stamp: str | None = None,
    comment: str | None = None,
) -> Promotion:
    promotion = lock_promotion(promotion)
    require_manager(actor, promotion.seller)
    before = promotion.status
    check_transition(PIPELINE, before, target)
    promotion.status = target
    fields = ["status", "updated_at"]
    changes: dict[str, Any] = {"status": [before, target]}
    if stamp is not None:
        setattr(promotion, stamp, timezone.now())
        fields.append(stamp)
    if comment is not None:
        promotion.decision_comment = comment.strip()[:500]
        promotion.decided_by = actor if getattr(actor, "pk", None) else None
        fields += ["decision_comment", "decided_by"]
        changes["comment"] = [None, promotion.decision_comment]
    promotion.save(update_fields=fields)
    if (before == Status.LIVE) != (target == Status.LIVE):
        live = target == Status.LIVE  # the candidate indexes hold live rows only
        PromotionTarget.objects.filter(promotion=promotion).update(live=live)
        PromotionProduct.objects.filter(promotion=promotion).update(live=live)
    record(actor=actor, action=action, promotion=promotion, changes=changes)
    return promotion


def _require_current(promotion: Promotion) -> None:
    """A promotion whose window has passed cannot go (back) live."""
    if promotion.ends_at is not None and promotion.ends_at <= timezone.now():
        raise field_error(
            "ends_at",
            _("The promotion's window has passed; change it in a copy."),
            "promotion_window_passed",
        )


@transaction.atomic
def promotion_submit(*, actor: Any, promotion: Promotion) -> Promotion:
    """Submit a draft for approval; its rules and exclusivity are checked again."""
    require_manager(actor, promotion.seller)
    lock_seller(promotion.seller_id)
    try:
        parse_rules(promotion.kind, promotion.rules)
    except ValidationError as exc:
        raise PromotionInvalid(code="promotion_rules_invalid") from exc
    promotion = _move(
        actor, promotion, Status.SUBMITTED, action="promotion.submitted", stamp="submitted_at"
    )
    check_exclusive(promotion)
    return promotion


@transaction.atomic
def promotion_approve(*, actor: Any, promotion: Promotion, comment: str = "") -> Promotion:
    return _move(
        actor,
        promotion,
        Status.APPROVED,
        action="promotion.approved",
        stamp="approved_at",
        comment=comment,
    )


@transaction.atomic
def promotion_reject(*, actor: Any, promotion: Promotion, comment: str) -> Promotion:
    """Send a submission back to draft with the reason (required)."""
    if not (comment or "").strip():
        raise field_error("comment", _("Say why."), "comment_required")
    return _move(actor, promotion, Status.DRAFT, action="promotion.rejected", comment=comment)


@transaction.atomic
def promotion_publish(*, actor: Any, promotion: Promotion) -> Promotion:
    """Put an approved promotion live (it applies from its start). Refused when its window
    has passed or an exclusive promotion went live on the same ground meanwhile."""
    require_manager(actor, promotion.seller)
    lock_seller(promotion.seller_id)
    _require_current(promotion)
    promotion = _move(
        actor, promotion, Status.LIVE, action="promotion.published", stamp="published_at"
    )
    check_exclusive(promotion)
    return promotion


@transaction.atomic
def promotion_pause(*, actor: Any, promotion: Promotion) -> Promotion:
    """Stop applying a live promotion for now; orders already placed keep what they got."""
    return _move(actor, promotion, Status.PAUSED, action="promotion.paused")


@transaction.atomic
def promotion_resume(*, actor: Any, promotion: Promotion) -> Promotion:
    _require_current(promotion)
    return _move(actor, promotion, Status.LIVE, action="promotion.resumed")


@transaction.atomic
def promotion_end(*, actor: Any, promotion: Promotion) -> Promotion:
    """End for good (an approved, live or paused promotion). Its uses stay; cancelling an
    order that used it still gives the budget back."""
    return _move(actor, promotion, Status.ENDED, action="promotion.ended", stamp="ended_at")


@transaction.atomic
def group_buy_close(*, promotion_id: int, now: Any = None) -> Promotion | None:
    """Close a group-buy whose window is over, once: its final unit price is the tier that
    all the units ordered in the window reached together (`settled_price`; None when none
    was reached). Returns the promotion, locked until the caller's transaction ends, for the
    caller to credit its buyers; None when it is not a group-buy whose window is over, or it
    was settled already. A scheduled step: no person acts."""
    now = now or timezone.now()
    promotion = (
        Promotion.objects.select_for_update()
        .filter(pk=promotion_id)
        .select_related("seller")
        .first()
    )
    if (
        promotion is None
        or promotion.kind != Kind.GROUP_BUY
        or promotion.settled_at is not None
        or promotion.ends_at is None
        or promotion.ends_at > now
    ):
        return None
    rules = parse_rules(promotion.kind, promotion.rules)
    reached = [t for t in rules.tiers if t.min_qty <= promotion.consumed_qty]  # type: ignore[attr-defined]
    promotion.settled_at = now
    promotion.settled_price = reached[-1].price if reached else None
    promotion.save(update_fields=["settled_at", "settled_price", "updated_at"])
    record(
        actor=None,
        action="promotion.settled",
        promotion=promotion,
        changes={
            "settled_price": [None, str(promotion.settled_price or "—")],
            "quantity": [None, promotion.consumed_qty],
        },
    )
    return promotion
