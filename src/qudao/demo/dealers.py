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

from qudao.catalog.models import Category
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


def _applications() -> int:
    from qudao.core.errors import DomainError

    try:
        return seed_applications()
    except DomainError:  # demo data that does not fit a custom network: leave them out
        return 0


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
        "applications": _applications(),
    }


# (company, legal rep / contact, years, capital, store area, brands, where it stops)
APPLICANTS: tuple[tuple[Any, ...], ...] = (
    ("上海新锐电动车行", "周立新", 2, "300000", "80", ["雅迪"], "prospect"),
    ("上海顺捷车业有限公司", "吴海峰", 8, "1200000", "260", ["爱玛", "台铃"], "prospect"),
    ("上海乐行电动车商行", "郑晓梅", 4, "600000", "150", ["新日"], "review"),
    ("上海畅达新能源车业有限公司", "冯建军", 6, "800000", "180", ["小刀"], "question"),
    ("上海佳骑电动车经营部", "陈小兵", 1, "100000", "45", [], "rejected"),
    ("上海恒通电动车有限公司", "孙国强", 10, "2000000", "420", ["雅迪", "爱玛"], "approved"),
    ("上海安骑电动车商行", "李美华", 7, "900000", "220", ["台铃"], "onboarding"),
)
# Reviewer scores of the manual criteria (coverage, after-sales, credit standing).
MANUAL_SCORES = {"coverage": "80", "after_sales": "75", "credit": "85"}
# The smallest PDF the upload check takes as one: a signed contract's scan in the demo.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _person(org: Org, role: str) -> Any:
    from qudao.network.models import Membership

    row = (
        Membership.objects.filter(org__path__startswith=org.path, role__code=role, is_active=True)
        .select_related("user")
        .order_by("org__depth", "pk")
        .first()
    )
    return row.user if row is not None else None


def _apply(n: int, row: tuple[Any, ...], where: Org) -> Dealer:
    from stdnum.cn import uscc

    from qudao.dealers.services import admission

    company, person, years, capital, area, brands, _stop = row
    body = f"9131011{n:010d}"
    return admission.application_submit(
        actor=None,
        data={
            "company_name": company,
            "uscc": body + uscc.calc_check_digit(body),
            "legal_rep": person,
            "contact_name": person,
            "contact_phone": f"1391700{n:04d}",
            "province": where.province_id,
            "city": where.city_id,
            "district": where.district_id,
            "address": f"{where.address or '人民路'}{100 + n}号",
            "years_in_business": years,
            "registered_capital": capital,
            "store_area": area,
            "brands_carried": brands,
            "intended_territory": [where.district_id] if where.district_id else [],
            "categories": list(
                Category.objects.filter(depth=1).order_by("path").values_list("pk", flat=True)[:2]
            ),
        },
    )


def seed_applications() -> int:
    """Applications in every state, walked through the admission and onboarding services by
    the people who do it: the channel manager reviews and takes the last step, the region
    manager the first; one is approved and one has started onboarding (its contract signed,
    its org the next step)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qudao.dealers.services import admission, onboarding

    hq = Org.objects.filter(kind=OrgKind.HQ).order_by("path").first()
    distributor = _demo_distributor()
    if hq is None or distributor is None or Dealer.objects.filter(org__isnull=True).exists():
        return 0
    channel, region = _person(hq, "channel_manager"), _person(hq, "region_manager")
    if channel is None or region is None:
        return 0
    made = 0
    for n, row in enumerate(APPLICANTS, 1):
        dealer = _apply(n, row, distributor)
        made += 1
        stop = row[-1]
        if stop == "prospect":
            continue
        admission.application_review_start(actor=channel, dealer=dealer)
        admission.application_scores_set(
            actor=channel,
            dealer=dealer,
            scores=[{"criterion": c, "value": v} for c, v in MANUAL_SCORES.items()],
        )
        admission.application_parent_set(actor=channel, dealer=dealer, parent_id=distributor.pk)
        if stop == "review":
            continue
        if stop == "question":
            admission.application_info_request(
                actor=channel, dealer=dealer, text="请补充门店租赁合同和近一年的销售流水。"
            )
            continue
        if stop == "rejected":
            admission.application_decide(
                actor=region,
                dealer=dealer,
                step=0,
                decision="reject",
                comment="经营年限和门店面积未达到准入要求，区域内已有独家经销商。",
            )
            continue
        admission.application_decide(
            actor=region, dealer=dealer, step=0, decision="approve", comment="门店位置好，同意"
        )
        admission.application_decide(
            actor=channel, dealer=dealer, step=1, decision="approve", comment="同意准入"
        )
        if stop == "approved":
            continue
        onboarding.onboarding_start(actor=channel, dealer=dealer)
        onboarding.onboarding_contract(
            actor=channel,
            dealer=dealer,
            upload=SimpleUploadedFile("经销合同.pdf", DEMO_PDF, "application/pdf"),
        )
        # the org is the next item: left to the demo's user (a second seed run adds no org)
    return made
