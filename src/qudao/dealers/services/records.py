"""Lifecycle records for dealers that did not come through an application: orgs created in
the network pages or by import, and the demo's. An org of kind dealer gets its record when it
is created (outbox handler on `org.created`); onboarding links its own org itself first."""

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qudao.core.models import OutboxEvent
from qudao.core.numbering import next_number
from qudao.core.outbox import handles
from qudao.dealers.constants import ITEMS_BEFORE_ORDERING, ItemCode, Stage
from qudao.dealers.models import Dealer, OnboardingItem
from qudao.network.constants import OrgKind, OrgStatus
from qudao.network.models import Org

DOC_DEALER = "DA"
NOTE_BEFORE = _("done before the dealer's record was made")

_STAGE_OF_STATUS = {
    OrgStatus.PROSPECT: Stage.ONBOARDING,
    OrgStatus.ACTIVE: Stage.ACTIVE,
    OrgStatus.SUSPENDED: Stage.SUSPENDED,
    OrgStatus.CLOSED: Stage.CLOSED,
}


def _record(org: Org, brand: Org, number: str) -> Dealer:
    return Dealer(
        brand=brand,
        number=number,
        token=secrets.token_urlsafe(24),
        stage=_STAGE_OF_STATUS.get(OrgStatus(org.status), Stage.ACTIVE),
        org=org,
        parent=None,
        company_name=org.name,
        uscc=org.uscc,
        legal_rep=org.contact_name,
        contact_name=org.contact_name,
        contact_phone=org.contact_phone,
        province_id=org.province_id,
        city_id=org.city_id,
        district_id=org.district_id,
        address=org.address,
    )


@transaction.atomic
def dealer_records_create(orgs: Iterable[Org]) -> int:
    """Records, in one insert, for the given dealer orgs that have none (idempotent)."""
    orgs = [o for o in orgs if o.kind == OrgKind.DEALER]
    if not orgs:
        return 0
    have = set(Dealer.objects.filter(org__in=[o.pk for o in orgs]).values_list("org_id", flat=True))
    roots = {o.path[: Org.steplen] for o in orgs}
    brands = {b.path: b for b in Org.objects.filter(path__in=roots)}
    rows = [
        _record(o, brands[o.path[: Org.steplen]], next_number(DOC_DEALER))
        for o in orgs
        if o.pk not in have
    ]
    Dealer.objects.bulk_create(rows, batch_size=500)
    _checklists(list(Dealer.objects.filter(org__in=[r.org for r in rows], stage=Stage.ONBOARDING)))
    return len(rows)


def _checklists(dealers: list[Dealer]) -> None:
    """A prospect org (made before its paperwork is done) is onboarding: its checklist, with
    the contract and the org already there."""
    at = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site language
        note = str(NOTE_BEFORE)
    OnboardingItem.objects.bulk_create(
        OnboardingItem(
            dealer=dealer,
            code=code,
            required=code in ITEMS_BEFORE_ORDERING,
            done_at=at if code in (ItemCode.CONTRACT, ItemCode.ORG) else None,
            note=note if code in (ItemCode.CONTRACT, ItemCode.ORG) else "",
        )
        for dealer in dealers
        for code in ItemCode.values
    )


@handles("org.created")
def dealer_record_on_org_created(event: OutboxEvent) -> None:
    org = Org.objects.filter(pk=event.payload.get("org_id"), kind=OrgKind.DEALER).first()
    if org is None:
        return
    dealer_records_create([org])
