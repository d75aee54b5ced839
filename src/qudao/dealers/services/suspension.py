"""Suspension and reinstatement: an active dealer is suspended with a reason — its org's
status becomes suspended, which the order gate reads (`buyer_not_active`: no drafts, submits
or approvals) — and reinstated back to active. Each move is a stage of the pipeline with its
audit row and outbox event (`dealer.suspended`, `dealer.reinstated`)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy

from qudao.dealers.constants import Stage
from qudao.dealers.models import Dealer
from qudao.dealers.services._common import DealerConflict, dealer_for, field_error, stage_move
from qudao.network import services as network
from qudao.network.constants import OrgStatus
from qudao.network.models import Org


def _reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise field_error("reason", gettext_lazy("Give a reason."), "reason_required")
    return text[:200]


def _locked(actor: Any, dealer: Dealer) -> tuple[Dealer, Org]:
    locked = dealer_for(actor, dealer.pk, lock=True)
    if locked.org is None:
        raise DealerConflict(gettext_lazy("This dealer has no org yet."), code="dealer_no_org")
    return locked, locked.org


@transaction.atomic
def dealer_suspend(*, actor: Any, dealer: Dealer, reason: str) -> Dealer:
    """Active → suspended, with a required reason; ordering stops (the org is suspended).
    Refused: `reason_required`, `invalid_transition` (not active)."""
    text = _reason(reason, required=True)
    locked, org = _locked(actor, dealer)
    stage_move(actor=actor, dealer=locked, stage=Stage.SUSPENDED, action="suspended", reason=text)
    network.org_status_set(actor=actor, org=org, status=OrgStatus.SUSPENDED, reason=text)
    dealer.stage = locked.stage
    return locked


@transaction.atomic
def dealer_reinstate(*, actor: Any, dealer: Dealer, reason: str = "") -> Dealer:
    """Suspended → active; ordering opens again (unless a hold stands). Refused:
    `invalid_transition` (not suspended)."""
    text = _reason(reason, required=False)
    locked, org = _locked(actor, dealer)
    stage_move(actor=actor, dealer=locked, stage=Stage.ACTIVE, action="reinstated", reason=text)
    network.org_status_set(actor=actor, org=org, status=OrgStatus.ACTIVE, reason=text)
    dealer.stage = locked.stage
    return locked
