"""Reads of onboarding: one dealer's checklist with who did each item and when, what each
item waits for, whether the actor may do it, and the figures the items set (org, seller,
deposit and credit, users, territories); the brand's grade terms. A fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qudao.accounts.constants import MANAGE_DEALERS, MANAGE_FINANCE
from qudao.core.errors import NotFound, PermissionDenied
from qudao.dealers.constants import ITEM_NEEDS, ITEMS_BEFORE_ORDERING, ItemCode, Stage
from qudao.dealers.models import Dealer, GradeTerms, OnboardingItem, Territory
from qudao.finance.models import Position
from qudao.network import scope
from qudao.network.constants import SELLING_KINDS, Grade
from qudao.network.models import Membership, Org
from qudao.network.selectors import default_seller

FINANCE_ITEMS = frozenset({ItemCode.DEPOSIT, ItemCode.CREDIT})

# --- who the dealer buys from, and who may act ---------------------------------------------


def _anchor(dealer: Dealer) -> Org:
    """As services._common.anchor: its org, else the parent chosen at review, else the brand."""
    return dealer.org or dealer.parent or dealer.brand


def brand_of(org: Org) -> Org:
    return org if org.depth == 1 else Org.objects.get(path=org.path[: Org.steplen])


def seller_of(dealer: Dealer) -> Org | None:
    """The org the dealer buys goods from: the nearest selling ancestor of its org, or, before
    the org exists, the parent chosen at review if it sells, else its nearest selling one."""
    if dealer.org is not None:
        return default_seller(org=dealer.org)
    parent = dealer.parent or dealer.brand
    if parent.kind in SELLING_KINDS:
        return parent
    return default_seller(org=parent)


def may_do(actor: Any, dealer: Dealer, code: str, seller: Org | None = None) -> bool:
    """The deposit and the credit profile are the seller's finance's (MANAGE_FINANCE at the
    seller); every other item is the channel team's (MANAGE_DEALERS over the dealer)."""
    if code in FINANCE_ITEMS:
        seller = seller if seller is not None else seller_of(dealer)
        return seller is not None and scope.can(actor, MANAGE_FINANCE, seller)
    return scope.can(actor, MANAGE_DEALERS, _anchor(dealer))


def onboarding_dealer_for(actor: Any, dealer_id: Any, *, lock: bool = False) -> Dealer:
    """The dealer if the actor may work on its onboarding: it manages the dealer, or it is the
    seller's finance (for the deposit and credit items). Out of scope → 404; in scope without
    either right → 403."""
    rows = Dealer.objects.select_related("org", "parent", "brand")
    if lock:
        rows = rows.select_for_update(of=("self",))
    dealer = rows.filter(pk=dealer_id).first() if str(dealer_id).isdigit() else None
    if dealer is None or not scope.in_scope(actor, _anchor(dealer)):
        raise NotFound
    if not (
        scope.can(actor, MANAGE_DEALERS, _anchor(dealer)) or may_do(actor, dealer, ItemCode.DEPOSIT)
    ):
        raise PermissionDenied
    return dealer


# --- the checklist -------------------------------------------------------------------------


@dataclass
class ItemRow:
    code: str
    label: str
    required: bool
    done_at: datetime | None
    done_by: Any
    note: str
    waiting_for: list[str]  # codes of the prerequisites not done yet
    may: bool  # the actor holds the right this item needs

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def waiting_labels(self) -> list[str]:
        return [str(ItemCode(c).label) for c in self.waiting_for]

    @property
    def ready(self) -> bool:
        return not self.done and not self.waiting_for

    @property
    def finance(self) -> bool:
        return self.code in (ItemCode.DEPOSIT, ItemCode.CREDIT)


@dataclass
class OnboardingView:
    dealer: Dealer
    items: list[ItemRow]
    seller: Org | None
    position: Position | None
    memberships: list[Membership] = field(default_factory=list)
    territories: list[Territory] = field(default_factory=list)
    grade_terms: list[GradeTerms] = field(default_factory=list)
    can_manage: bool = False

    @property
    def started(self) -> bool:
        return bool(self.items)

    @property
    def can_start(self) -> bool:
        return self.can_manage and self.dealer.stage == Stage.APPROVED and not self.items

    @property
    def ordering_open(self) -> bool:
        org = self.dealer.org
        return org is not None and org.status == "active" and not org.holds

    @property
    def open_before_ordering(self) -> list[str]:
        return [i.label for i in self.items if i.code in ITEMS_BEFORE_ORDERING and not i.done]


def onboarding_view(*, actor: Any, dealer_id: Any) -> OnboardingView:
    """The checklist page and endpoint's numbers (404 out of scope, 403 without a right)."""
    dealer = onboarding_dealer_for(actor, dealer_id)
    rows = {
        i.code: i for i in OnboardingItem.objects.filter(dealer=dealer).select_related("done_by")
    }
    seller = seller_of(dealer)
    onboarding = dealer.stage == Stage.ONBOARDING
    items = [
        ItemRow(
            code=str(code),
            label=str(code.label),
            required=rows[code].required,
            done_at=rows[code].done_at,
            done_by=rows[code].done_by,
            note=rows[code].note,
            waiting_for=[str(c) for c in ITEM_NEEDS[code] if c in rows and rows[c].done_at is None],
            may=onboarding and code != ItemCode.FIRST_ORDER and may_do(actor, dealer, code, seller),
        )
        for code in ItemCode
        if code in rows
    ]
    org = dealer.org
    position = None
    memberships: list[Membership] = []
    territories: list[Territory] = []
    if org is not None and seller is not None:
        position = Position.objects.filter(buyer=org, seller=seller).first()
    if org is not None:
        memberships = list(
            Membership.objects.filter(org=org).select_related("user", "role").order_by("id")
        )
        territories = list(
            Territory.objects.filter(org=org, released_at__isnull=True)
            .select_related("district", "category")
            .order_by("district_id", "id")
        )
    return OnboardingView(
        dealer=dealer,
        items=items,
        seller=seller,
        position=position,
        memberships=memberships,
        territories=territories,
        grade_terms=list(GradeTerms.objects.filter(brand=dealer.brand).order_by("grade")),
        can_manage=scope.can(actor, MANAGE_DEALERS, _anchor(dealer)),
    )


def brand_for_actor(actor: Any) -> Org:
    """The brand whose settings the actor edits: the root of its network (403 unless it
    holds MANAGE_DEALERS there)."""
    roots = scope.root_paths(actor)
    if not roots:
        raise NotFound
    brand = Org.objects.filter(path=roots[0][: Org.steplen]).first()
    if brand is None:
        raise NotFound
    if not scope.can(actor, MANAGE_DEALERS, brand):
        raise PermissionDenied
    return brand


def grade_terms_list(*, actor: Any) -> tuple[Org, dict[str, GradeTerms | None]]:
    """The brand's terms by grade, A to D (None where none is set)."""
    brand = brand_for_actor(actor)
    found = {t.grade: t for t in GradeTerms.objects.filter(brand=brand)}
    return brand, {g: found.get(g) for g in Grade.values}
