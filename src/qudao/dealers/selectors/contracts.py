"""Reads of dealers' documents and contracts, scoped to the actor: a dealer's papers and
contracts are seen by whoever sees the dealer org (its own people read them; managers with
MANAGE_DEALERS over it change them).

Target attainment to date is computed in SQL, for any number of targets in one query: each
target is annotated with what its dealer bought from the contract's seller in the target's
quarter (calendar quarter of the contract year, Asia/Shanghai), in the target's category and
its subcategories (catalogue path prefix) or in everything. What counts as bought
(docs/decisions/0012-dealer-targets-and-grading.md):
- orders that the seller accepted: approved, partially shipped, shipped, delivered, completed
  (orders.constants.ACCEPTED_STATUSES) — not drafts, orders waiting for approval, rejected or
  cancelled ones — dated by their order date (placed_at);
- units net of returned units (a line's qty − qty_returned; an exchange's replacement order
  counts its units again, at no amount);
- amounts are the lines' net amounts less the value credited for goods returned for credit
  (received returns of kind "return").
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.core.errors import NotFound
from qudao.dealers.constants import REMINDER_DAYS, ContractStatus, DocumentKind
from qudao.dealers.models import Contract, Document, Target
from qudao.network import scope
from qudao.network.constants import OrgKind
from qudao.network.models import Org
from qudao.orders.constants import ACCEPTED_STATUSES, ReturnKind, ReturnStatus
from qudao.orders.models import OrderLine, ReturnLine

MONEY: "DecimalField[Any, Any]" = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")

# --- documents ------------------------------------------------------------------------------

DOCUMENT_STATES = ("expired", "expiring", "valid")


def document_list_for_actor(
    *,
    actor: Any,
    kind: str = "",
    state: str = "",
    q: str = "",
    org_id: int | None = None,
    current: bool = True,
) -> QuerySet[Document]:
    """The papers of the dealers the actor sees, expiring soonest first (those without an
    expiry date last); `state`: expired, expiring (within 30 days) or valid; `current`:
    only the latest of each chain of renewals."""
    today = timezone.localdate()
    qs = Document.objects.filter(scope.scope_q(actor, "org__path")).select_related(
        "org", "file", "replaces"
    )
    if current:
        qs = qs.filter(replaced_by__isnull=True)
    if kind in DocumentKind.values:
        qs = qs.filter(kind=kind)
    soon = today + timedelta(days=max(REMINDER_DAYS))
    if state == "expired":
        qs = qs.filter(expires_on__lt=today)
    elif state == "expiring":
        qs = qs.filter(expires_on__gte=today, expires_on__lte=soon)
    elif state == "valid":
        qs = qs.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=soon))
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if q:
        qs = qs.filter(
            Q(org__search_text__icontains=q.lower())
            | Q(title__icontains=q)
            | Q(number__icontains=q)
        )
    return qs.order_by(F("expires_on").asc(nulls_last=True), "org__path", "id")


def document_get(*, actor: Any, document_id: Any) -> Document:
    """One paper of a dealer the actor sees, or NotFound."""
    found = (
        document_list_for_actor(actor=actor, current=False).filter(pk=document_id).first()
        if str(document_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound
    return found


def dealer_org_get(*, actor: Any, org_id: Any) -> Org:
    """A dealer org the actor sees, or NotFound (also for other kinds of org)."""
    org = (
        scope.visible_orgs(actor).filter(pk=org_id, kind=OrgKind.DEALER).first()
        if str(org_id).isdigit()
        else None
    )
    if org is None:
        raise NotFound
    return org


def manages(actor: Any, org: Org) -> bool:
    """May change the dealer's papers and contracts (MANAGE_DEALERS over it)."""
    return scope.can(actor, MANAGE_DEALERS, org)


def dealer_orgs_managed(*, actor: Any) -> QuerySet[Org]:
    """Dealer orgs the actor may give papers and contracts to (for the pickers)."""
    paths = [g.path for g in scope.grants(actor) if MANAGE_DEALERS in g.permissions]
    if getattr(actor, "is_superuser", False):
        return Org.objects.filter(kind=OrgKind.DEALER).order_by("path")
    where = Q(pk__in=[])
    for path in paths:
        where |= Q(path__startswith=path)
    return Org.objects.filter(where, kind=OrgKind.DEALER).order_by("path")


# --- target attainment ----------------------------------------------------------------------


def _in_target(prefix: str = "") -> dict[str, Any]:
    """Filters of an order line (or, with a prefix, a row pointing to one) for the outer
    target: the contract's dealer buying from its seller, accepted, in the quarter, in the
    category's subtree."""
    return {
        f"{prefix}order__buyer_id": OuterRef("contract__org_id"),
        f"{prefix}order__seller_id": OuterRef("contract__seller_id"),
        f"{prefix}order__status__in": ACCEPTED_STATUSES,
        f"{prefix}order__placed_at__year": OuterRef("contract__year"),
        f"{prefix}order__placed_at__quarter": OuterRef("quarter"),
        f"{prefix}sku__product__category__path__startswith": Coalesce(
            OuterRef("category__path"), Value("")
        ),
    }


def _total(qs: QuerySet[Any], group: str, expression: Any, field: Any) -> Subquery:
    return Subquery(
        qs.order_by().values(group).annotate(total=Sum(expression)).values("total")[:1],
        output_field=field,
    )


def targets_with_attainment(qs: QuerySet[Target] | None = None) -> QuerySet[Target]:
    """Targets annotated with `achieved_amount` and `achieved_units` (see the module's
    docstring); one query for any number of targets."""
    qs = Target.objects.all() if qs is None else qs
    lines = OrderLine.objects.filter(**_in_target())
    credited = ReturnLine.objects.filter(
        ret__kind=ReturnKind.RETURN, ret__status=ReturnStatus.RECEIVED, **_in_target("order_line__")
    )
    return qs.select_related("category").annotate(
        achieved_units=Coalesce(
            _total(lines, "order__buyer_id", F("qty") - F("qty_returned"), IntegerField()),
            Value(0),
        ),
        achieved_amount=Coalesce(
            _total(lines, "order__buyer_id", F("amount"), MONEY), Value(ZERO), output_field=MONEY
        )
        - Coalesce(
            _total(credited, "order_line__order__buyer_id", F("amount"), MONEY),
            Value(ZERO),
            output_field=MONEY,
        ),
    )


# --- contracts ------------------------------------------------------------------------------


def contract_list_for_actor(
    *,
    actor: Any,
    year: int | None = None,
    status: str = "",
    q: str = "",
    org_id: int | None = None,
) -> QuerySet[Contract]:
    """Contracts of the dealers the actor sees, newest year first, each with its targets
    and their attainment to date (two queries for a page, whatever its length)."""
    qs = Contract.objects.filter(scope.scope_q(actor, "org__path")).select_related(
        "org", "seller", "renews"
    )
    if year:
        qs = qs.filter(year=year)
    if status in ContractStatus.values:
        qs = qs.filter(status=status)
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if q:
        qs = qs.filter(Q(org__search_text__icontains=q.lower()) | Q(number__icontains=q))
    return qs.prefetch_related(
        Prefetch("targets", queryset=targets_with_attainment().order_by("quarter", "id"))
    ).order_by("-year", "org__path", "-id")


def contract_get(*, actor: Any, contract_id: Any) -> Contract:
    """One contract of a dealer the actor sees (NotFound otherwise), with its targets'
    attainment and whether it has been renewed (`has_renewal`)."""
    found = (
        contract_list_for_actor(actor=actor)
        .annotate(has_renewal=Exists(Contract.objects.filter(renews_id=OuterRef("pk"))))
        .filter(pk=contract_id)
        .first()
        if str(contract_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound
    return found


def contract_actions(*, actor: Any, contract: Contract) -> set[str]:
    """What the actor may do with the contract now: edit and activate a draft, end an active
    one, renew an active or ended one not renewed yet. A dealer's own people read only."""
    if not manages(actor, contract.org):
        return set()
    if contract.status == ContractStatus.DRAFT:
        return {"edit", "activate"}
    actions = {"end"} if contract.status == ContractStatus.ACTIVE else set()
    if not getattr(contract, "has_renewal", False):
        actions.add("renew")
    return actions


def contract_totals(targets: Iterable[Target]) -> dict[str, Any]:
    """A contract's targets summed: amount and units targeted and bought (for the bars)."""
    totals: dict[str, Any] = {
        "amount": ZERO,
        "achieved_amount": ZERO,
        "units": 0,
        "achieved_units": 0,
    }
    for t in targets:
        if t.amount:
            totals["amount"] += t.amount
            totals["achieved_amount"] += Decimal(str(getattr(t, "achieved_amount", 0) or 0))
        if t.units:
            totals["units"] += t.units
            totals["achieved_units"] += int(getattr(t, "achieved_units", 0) or 0)
    return totals


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a calendar quarter."""
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)
