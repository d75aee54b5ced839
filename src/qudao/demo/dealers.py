"""Demo dealer lifecycle, made through the dealers services by the brand's people after the
year of orders (so contracts have attainment and the grading run has history):

- a lifecycle record for every seeded dealer (one insert) and exclusive territories for the
  first dealer of each district;
- the brand's grade terms (A–D: minimum score, credit limit, payment term) and grading
  weights (the defaults);
- papers of the demo distributor's dealers: business licences, brand authorisations valid for
  the year, one expiring in 5 days and one in 25 (their reminders are sent by the sweep), and
  one expired 3 days ago (the sweep puts its dealer's ordering on hold);
- this year's contracts with quarterly purchase targets for the demo distributor's dealers,
  activated (attainment from the demo orders);
- a grading run over the last twelve months, proposed, waiting for the channel manager;
- one dealer suspended (overdue payments) and one mid-closing (its checklist open);
- applications in every state (see `seed_applications`).
Deterministic and idempotent: nothing is made when a contract exists.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from qudao.dealers.constants import Stage
from qudao.dealers.models import Contract, Dealer, GradingRun, Territory
from qudao.dealers.services import closing, contracts, documents, grading, suspension
from qudao.dealers.services.onboarding import grade_terms_set
from qudao.dealers.services.records import dealer_records_create
from qudao.demo.promotions import _admin_of, _demo_distributor
from qudao.network.constants import OrgKind, OrgStatus
from qudao.network.models import Org

GRADE_TERMS = {
    "A": {"min_score": "85", "credit_limit": "300000", "payment_term_days": 60},
    "B": {"min_score": "70", "credit_limit": "150000", "payment_term_days": 45},
    "C": {"min_score": "55", "credit_limit": "80000", "payment_term_days": 30},
    "D": {"min_score": "0", "credit_limit": "20000", "payment_term_days": 0},
}
# Quarterly purchase targets (amount, units) of a demo contract, by the dealer's grade.
TARGETS = {"A": ("240000", 120), "B": ("150000", 75), "C": ("90000", 45), "D": ("45000", 20)}


def _demo_dealers(parent: Org | None, limit: int) -> list[Org]:
    """Active dealers, the demo distributor's first (its login sees them), then the others'."""
    rows = list(Org.objects.filter(kind=OrgKind.DEALER, status=OrgStatus.ACTIVE).order_by("code"))
    if parent is not None:
        rows.sort(key=lambda o: not o.path.startswith(parent.path))
    return rows[:limit]


def _territories(dealers: list[Org]) -> int:
    """An exclusive right on its district for the first dealer of each district."""
    taken: set[str] = set(
        Territory.objects.filter(exclusive=True, released_at__isnull=True).values_list(
            "district_id", flat=True
        )
    )
    rows = []
    for org in dealers:
        if org.district_id and org.district_id not in taken:
            taken.add(org.district_id)
            rows.append(Territory(org=org, district_id=org.district_id, exclusive=True))
    Territory.objects.bulk_create(rows)
    return len(rows)


def _papers(actor: Any, dealers: list[Org], today: date) -> int:
    """A licence and an authorisation each; the authorisations of the first three run out in
    5 and 25 days and ran out 3 days ago."""
    expiries = [5, 25, -3]
    made = 0
    for n, org in enumerate(dealers):
        documents.document_create(
            actor=actor,
            org=org,
            data={
                "kind": "licence",
                "title": "营业执照",
                "number": org.uscc or f"LIC-{org.code}",
                "issued_on": today - timedelta(days=900 + n),
            },
        )
        days = expiries[n] if n < len(expiries) else 200 + n
        documents.document_create(
            actor=actor,
            org=org,
            data={
                "kind": "authorisation",
                "title": f"{today.year} 年度品牌授权书",
                "number": f"AUTH-{today.year}-{org.code}",
                "issued_on": today - timedelta(days=360 - days) if days < 360 else today,
                "expires_on": today + timedelta(days=days),
            },
        )
        made += 2
    return made


def _contracts(actor: Any, dealers: list[Org], today: date) -> int:
    """This year's contract of each with its own seller (its distributor), activated."""
    made = 0
    for org in dealers:
        amount, units = TARGETS.get(org.grade or "C", TARGETS["C"])
        contract = contracts.contract_create(
            actor=actor,
            org=org,
            data={
                "year": today.year,
                "starts_on": date(today.year, 1, 1),
                "ends_on": date(today.year, 12, 31),
                "grade": org.grade or "C",
                "deposit": "20000",
                "policies": "季度目标达成 100% 返利 2%，达成 120% 返利 3%；授权区域内独家经营。",
            },
            targets=[{"quarter": q, "amount": amount, "units": units} for q in (1, 2, 3, 4)],
        )
        contracts.contract_activate(actor=actor, contract=contract)
        made += 1
    return made


def _run(step: Callable[[], Any]) -> bool:
    """One demo step in its own transaction; a refusal (demo data that does not fit at this
    scale) skips the step rather than the whole seed."""
    from qudao.core.errors import DomainError

    try:
        with transaction.atomic():
            step()
    except DomainError:
        return False
    return True


def seed_dealers() -> dict[str, int]:
    hq = Org.objects.filter(kind=OrgKind.HQ).order_by("path").first()
    if hq is None or Contract.objects.exists():
        return dict.fromkeys(
            ("records", "documents", "contracts", "results", "territories", "applications"), 0
        )
    admin = _admin_of(hq, "brand_admin")
    records = dealer_records_create(Org.objects.filter(kind=OrgKind.DEALER).order_by("path"))
    territories = _territories(list(Org.objects.filter(kind=OrgKind.DEALER).order_by("code")))
    today = timezone.localdate()
    distributor = _demo_distributor()
    own = _demo_dealers(distributor, 8)
    grade_terms_set(actor=admin, brand=hq, rows=GRADE_TERMS)
    with transaction.atomic():
        papers = _papers(admin, own, today)
        made = _contracts(admin, own, today)
    documents.documents_sweep(today=today)
    run = grading.grading_run_create(actor=admin, brand=hq)
    results = run.results.count()
    # one dealer suspended, one mid-closing: the last two of the demo distributor's
    if len(own) >= 5:
        suspended = Dealer.objects.get(org=own[-1])
        _run(
            lambda: suspension.dealer_suspend(
                actor=admin, dealer=suspended, reason="货款逾期超过 60 天，暂停订货"
            )
        )
        leaving = Dealer.objects.get(org=own[-2])
        _run(
            lambda: closing.closing_start(
                actor=admin, dealer=leaving, reason="经营者转行，申请闭户"
            )
        )
    return {
        "records": records,
        "documents": papers,
        "contracts": made,
        "results": results,
        "territories": territories,
        "stages": Dealer.objects.exclude(stage=Stage.ACTIVE).count(),
        "runs": GradingRun.objects.count(),
        "applications": 0,
    }
