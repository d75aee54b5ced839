"""What every dealer-lifecycle write shares: errors with stable codes, finding a dealer in
the actor's scope, the permission check, the stage move with its audit row and outbox event."""

from typing import Any

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.core.errors import Conflict, NotFound, ValidationFailed, check_transition
from qudao.core.services import audit_record, event_record
from qudao.dealers.constants import STAGE_PIPELINE
from qudao.dealers.models import Dealer
from qudao.network import scope
from qudao.network.models import Org


class DealerInvalid(ValidationFailed):
    code = "dealer_invalid"


class DealerConflict(Conflict):
    code = "dealer_conflict"


def field_error(name: str, message: Any, code: str, **params: Any) -> DealerInvalid:
    text = str(message) % params if params else str(message)
    return DealerInvalid(text, code=code, fields={name: [text]})


def anchor(dealer: Dealer) -> Org:
    """The org whose managers handle this dealer: its own org once it has one, else the
    parent chosen at intake (the region covering its province), else the brand."""
    return dealer.org or dealer.parent or dealer.brand


def require_manager(actor: Any, dealer: Dealer) -> None:
    """Out of scope → 404 (never confirm it exists); in scope without MANAGE_DEALERS → 403."""
    org = anchor(dealer)
    if not scope.in_scope(actor, org):
        raise NotFound
    scope.require(actor, MANAGE_DEALERS, org)


def dealer_for(actor: Any, dealer_id: Any, *, lock: bool = False) -> Dealer:
    """The dealer `dealer_id` if the actor manages it (404 otherwise, whatever the reason)."""
    rows = Dealer.objects.select_related("org", "parent", "brand")
    if lock:
        rows = rows.select_for_update(of=("self",))
    dealer = rows.filter(pk=dealer_id).first() if str(dealer_id).isdigit() else None
    if dealer is None or not scope.in_scope(actor, anchor(dealer)):
        raise NotFound
    scope.require(actor, MANAGE_DEALERS, anchor(dealer))
    return dealer


def stage_move(
    *, actor: Any, dealer: Dealer, stage: str, action: str, reason: str = "", **changes: Any
) -> Dealer:
    """Move the dealer along STAGE_PIPELINE (refused with `invalid_transition` otherwise),
    with its audit row and outbox event `dealer.<action>`; call inside the transaction."""
    check_transition(STAGE_PIPELINE, dealer.stage, stage)
    before = dealer.stage
    dealer.stage = stage
    fields = ["stage", "updated_at"]
    if reason:
        dealer.reason = reason[:200]
        fields.append("reason")
    dealer.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=f"dealer.{action}",
        instance=dealer,
        changes={
            "stage": [before, stage],
            **({"reason": [None, reason]} if reason else {}),
            **{k: [None, v] for k, v in changes.items()},
        },
    )
    event_record(
        f"dealer.{action}",
        {"dealer_id": dealer.pk, "org_id": dealer.org_id, "from": before, "to": stage},
    )
    return dealer
