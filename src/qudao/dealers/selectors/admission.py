"""Reads of admission: the applications an actor reviews, one application with its scorecard
and approval chain, what the applicant sees by its token, the files, the brand's settings."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.catalog.models import Category
from qudao.core.errors import NotFound
from qudao.core.models import AuditEvent
from qudao.core.selectors import audit_list_for_objects
from qudao.core.text import normalize_query
from qudao.dealers.constants import CriterionSource, FileKind, Stage
from qudao.dealers.models import ApprovalStep, Criterion, Dealer, DealerFile, Message, Score
from qudao.dealers.selectors._common import managed_dealers, manages_dealers
from qudao.dealers.services._common import anchor, dealer_for
from qudao.dealers.services.admission import (
    ADMISSION_STAGES,
    DEFAULT_CHAIN,
    OPEN_STAGES,
    application_for_token,
    figure_of,
    holds_role,
    review_settings_defaults,
    role_label,
    weighted_total,
)
from qudao.network import scope
from qudao.network.constants import OrgKind, OrgStatus
from qudao.network.models import Division, Org

__all__ = ["ADMISSION_STAGES", "manages_dealers"]


def application_list(*, actor: Any, stage: str = "", q: str = "") -> QuerySet[Dealer]:
    """The applications the actor reviews (anchor under an org where it manages dealers),
    newest first; `q` matches the company name, its pinyin or initials, the USCC or the
    number. One query for a page, whatever its length."""
    rows = managed_dealers(actor).filter(stage__in=ADMISSION_STAGES)
    if stage:
        rows = rows.filter(stage=stage)
    for word in normalize_query(q).split():
        rows = rows.filter(Q(search_text__contains=word) | Q(number__icontains=word))
    return rows.select_related("parent", "province", "city", "district").order_by(
        "-created_at", "-id"
    )


def application_get(*, actor: Any, application_id: Any) -> Dealer:
    """One application the actor manages (404 otherwise, or when not an application)."""
    dealer = dealer_for(actor, application_id)
    if dealer.stage not in ADMISSION_STAGES:
        raise NotFound
    return dealer


@dataclass
class ScoreRow:
    criterion: Criterion
    score: Score | None
    figure: Decimal | None

    @property
    def automatic(self) -> bool:
        return self.criterion.source != CriterionSource.MANUAL


@dataclass
class ChainStep:
    index: int
    role: str
    label: str
    decision: ApprovalStep | None = None
    waiting: bool = False
    mine: bool = False

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass
class ApplicationDetail:
    dealer: Dealer
    files: list[DealerFile] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    rows: list[ScoreRow] = field(default_factory=list)
    total: Decimal | None = None
    weight_total: Decimal = Decimal("0")
    pass_mark: Decimal = Decimal("0")
    chain: list[ChainStep] = field(default_factory=list)
    actions: set[str] = field(default_factory=set)
    parents: list[Org] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    territory: list[tuple[str, str]] = field(default_factory=list)
    timeline: list[AuditEvent] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return self.total is not None and self.total >= self.pass_mark

    @property
    def waiting_step(self) -> ChainStep | None:
        return next((s for s in self.chain if s.waiting), None)


def parent_choices(*, actor: Any, brand: Org) -> list[Org]:
    """Regions and distributors of the brand where the actor manages dealers."""
    paths = [g.path for g in scope.grants(actor) if MANAGE_DEALERS in g.permissions]
    rows = Org.objects.filter(
        path__startswith=brand.path, kind__in=(OrgKind.REGION, OrgKind.DISTRIBUTOR)
    ).exclude(status=OrgStatus.CLOSED)
    if not getattr(actor, "is_superuser", False):
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(path__startswith=path)
        rows = rows.filter(q)
    return list(rows.order_by("path"))


def _chain(actor: Any, dealer: Dealer, chain: list[str]) -> list[ChainStep]:
    decided = {a.step: a for a in dealer.approvals.select_related("decided_by")}
    steps = []
    for index, role in enumerate(chain):
        step = ChainStep(index, role, role_label(role), decision=decided.get(index))
        step.waiting = dealer.stage == Stage.UNDER_REVIEW and index == dealer.approval_step
        step.mine = step.waiting and holds_role(actor, role, anchor(dealer))
        steps.append(step)
    return steps


def _actions(dealer: Dealer, chain: list[ChainStep]) -> set[str]:
    actions = {"note"}
    if dealer.stage == Stage.PROSPECT:
        actions.add("start_review")
    if dealer.stage in OPEN_STAGES and not dealer.approval_step:
        actions.add("parent")
    if dealer.stage == Stage.UNDER_REVIEW:
        actions.add("ask")
        if not dealer.approval_step:
            actions.add("score")
        if any(s.mine for s in chain):
            actions.add("decide")
    return actions


def _territory(codes: list[str]) -> list[tuple[str, str]]:
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in codes]


def application_detail(*, actor: Any, application_id: Any) -> ApplicationDetail:
    """Everything the review page shows: the application, its files and messages, the
    scorecard (stored scores; figure-based rows show their figure), the approval chain with
    who may decide the waiting step, the parents the actor may choose, the timeline."""
    dealer = application_get(actor=actor, application_id=application_id)
    review = review_settings_defaults(brand=dealer.brand)
    criteria = list(
        Criterion.objects.filter(brand=dealer.brand, is_active=True).order_by("position", "id")
    )
    scores = {s.criterion_id: s for s in dealer.scores.select_related("scored_by")}
    rows = [ScoreRow(c, scores.get(c.pk), figure_of(dealer, c.source)) for c in criteria]
    chain = _chain(actor, dealer, list(review.approval_chain or DEFAULT_CHAIN))
    detail = ApplicationDetail(
        dealer=dealer,
        files=list(dealer.files.order_by("kind", "id")),
        messages=list(dealer.messages.select_related("author")),
        rows=rows,
        total=weighted_total(
            (r.criterion.weight, r.score.value if r.score else None) for r in rows
        ),
        weight_total=sum((c.weight for c in criteria), Decimal("0")),
        pass_mark=review.pass_mark,
        chain=chain,
        actions=_actions(dealer, chain),
        categories=list(dealer.categories.order_by("path")),
        territory=_territory(list(dealer.intended_territory or [])),
        timeline=list(audit_list_for_objects(objects={"dealers.dealer": [dealer.pk]})),
    )
    if "parent" in detail.actions:
        detail.parents = parent_choices(actor=actor, brand=dealer.brand)
    return detail


@dataclass
class Tracking:
    """What the applicant sees: the stage, the reviewers' questions and its own answers
    (never the internal notes, the scores or who reviewed), its files, the rejection reason."""

    dealer: Dealer
    messages: list[Message]
    files: list[DealerFile]
    can_write: bool


def tracking_get(*, token: str) -> Tracking:
    dealer = application_for_token(token)
    return Tracking(
        dealer=dealer,
        messages=list(dealer.messages.filter(internal=False).order_by("created_at", "id")),
        files=list(dealer.files.filter(kind__in=(FileKind.LICENCE, FileKind.PHOTO)).order_by("id")),
        can_write=dealer.stage in OPEN_STAGES,
    )


def dealer_file_get(*, actor: Any, file_id: Any) -> DealerFile:
    """A file of a dealer the actor manages; any other → NotFound (never confirm it exists)."""
    found = (
        DealerFile.objects.filter(pk=file_id, dealer__in=managed_dealers(actor)).first()
        if str(file_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound
    return found


def tracking_file_get(*, token: str, file_id: Any) -> DealerFile:
    """One of the applicant's own application files, by its tracking token."""
    dealer = application_for_token(token)
    found = (
        dealer.files.filter(pk=file_id, kind__in=(FileKind.LICENCE, FileKind.PHOTO)).first()
        if str(file_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound
    return found


@dataclass
class ReviewSettingsView:
    brand: Org
    pass_mark: Decimal
    approval_chain: list[str]
    criteria: list[Criterion]

    @property
    def chain_labels(self) -> list[str]:
        return [role_label(r) for r in self.approval_chain]


def review_settings_get(*, brand: Org, include_inactive: bool = False) -> ReviewSettingsView:
    """The brand's scorecard settings (the defaults are made the first time they are read)."""
    review = review_settings_defaults(brand=brand)
    rows = Criterion.objects.filter(brand=brand)
    if not include_inactive:
        rows = rows.filter(is_active=True)
    return ReviewSettingsView(
        brand=brand,
        pass_mark=review.pass_mark,
        approval_chain=list(review.approval_chain or DEFAULT_CHAIN),
        criteria=list(rows.order_by("-is_active", "position", "id")),
    )


def top_categories() -> list[Category]:
    """The categories an applicant chooses from: the top of the brand's tree."""
    return list(Category.objects.filter(depth=1).order_by("path"))
