"""The dealers an actor manages, listed, and one dealer's 360° view: profile, lifecycle
timeline, contract and targets, grade history, balances, orders, stock and documents. Each
section is one query (or one aggregate), whatever the dealer's history."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from qudao.core.errors import NotFound
from qudao.core.selectors import audit_list_for_objects
from qudao.core.text import normalize_query
from qudao.dealers.constants import ContractStatus, RunStatus, Stage
from qudao.dealers.models import Contract, Dealer, Document, GradingResult, OnboardingItem
from qudao.dealers.selectors._common import managed_dealers
from qudao.finance.models import Position
from qudao.inventory.models import Stock
from qudao.network.models import Org
from qudao.orders.constants import OrderStatus
from qudao.orders.models import Order

# The stages of a dealer with an org: the network's dealers; applicants are listed apart.
DEALER_STAGES = (Stage.ONBOARDING, Stage.ACTIVE, Stage.SUSPENDED, Stage.CLOSING, Stage.CLOSED)


def dealer_list(*, actor: Any, stage: str = "", grade: str = "", q: str = "") -> QuerySet[Dealer]:
    rows = managed_dealers(actor).filter(stage__in=DEALER_STAGES, org__isnull=False)
    if stage:
        rows = rows.filter(stage=stage)
    if grade:
        rows = rows.filter(org__grade=grade)
    for word in normalize_query(q).split():
        rows = rows.filter(Q(org__search_text__contains=word) | Q(number__icontains=word))
    return rows.select_related("org", "org__city", "org__district").order_by("org__code")


def dealer_get(*, actor: Any, dealer_id: Any) -> Dealer:
    dealer = (
        managed_dealers(actor)
        .select_related("org", "org__province", "org__city", "org__district", "brand", "parent")
        .filter(pk=dealer_id)
        .first()
        if str(dealer_id).isdigit()
        else None
    )
    if dealer is None:
        raise NotFound
    return dealer


@dataclass
class Dealer360:
    dealer: Dealer
    parent_name: str = ""
    contract: Contract | None = None
    targets: list[Any] = field(default_factory=list)
    grades: list[GradingResult] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    order_counts: dict[str, int] = field(default_factory=dict)
    order_total: Any = 0
    stock: list[dict[str, Any]] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    onboarding: list[OnboardingItem] = field(default_factory=list)
    timeline: list[Any] = field(default_factory=list)


def dealer_360(*, actor: Any, dealer_id: Any) -> Dealer360:
    dealer = dealer_get(actor=actor, dealer_id=dealer_id)
    view = Dealer360(dealer=dealer)
    org = dealer.org
    view.onboarding = list(dealer.items.select_related("done_by").order_by("id"))
    objects: dict[str, Iterable[Any]] = {"dealers.dealer": [dealer.pk]}
    if org is None:
        view.timeline = list(audit_list_for_objects(objects=objects))
        return view
    parent = Org.objects.get_parent(org)
    view.parent_name = parent.name if parent else ""
    view.contract = (
        Contract.objects.filter(org=org, status=ContractStatus.ACTIVE)
        .select_related("seller")
        .order_by("-year")
        .first()
    )
    if view.contract is not None:
        view.targets = list(view.contract.targets.select_related("category"))
    view.grades = list(
        GradingResult.objects.filter(org=org, run__status=RunStatus.CONFIRMED)
        .select_related("run")
        .order_by("-run__period_end")[:10]
    )
    view.positions = list(
        Position.objects.filter(buyer=org).select_related("seller").order_by("seller__path")
    )
    orders = Order.objects.filter(buyer=org).exclude(status=OrderStatus.DRAFT)
    view.orders = list(orders.select_related("seller").order_by("-created_at")[:10])
    counted = orders.values("status").annotate(n=Count("id"), amount=Sum("amount"))
    view.order_counts = {row["status"]: row["n"] for row in counted}
    view.order_total = sum(
        (row["amount"] or 0)
        for row in counted
        if row["status"] not in (OrderStatus.CANCELLED, OrderStatus.REJECTED)
    )
    view.stock = list(
        Stock.objects.filter(warehouse__org=org)
        .values("warehouse__code", "warehouse__name")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"), skus=Count("id"))
        .filter(on_hand__gt=0)
        .order_by("warehouse__code")
    )
    view.documents = list(
        Document.objects.filter(org=org, replaced_by__isnull=True).order_by("expires_on", "id")
    )
    objects["network.org"] = [org.pk]
    view.timeline = list(audit_list_for_objects(objects=objects, limit=30))
    return view
