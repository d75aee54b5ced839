"""Reads of warehouses, balances, moves, transits, counts and sell-out, scoped to the actor;
and the unscoped reads other apps call after checking access to their own documents."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils import timezone

from qudao.catalog.models import Sku
from qudao.core.errors import NotFound
from qudao.inventory.models import (
    Reservation,
    SellOut,
    Stock,
    StockCount,
    StockMove,
    Transit,
    Warehouse,
)
from qudao.inventory.selectors._scope import require_view, stock_q
from qudao.network import scope
from qudao.network.models import Org


def day_start(day: date) -> datetime:
    """Midnight at the start of a local day, timezone-aware."""
    return timezone.make_aware(datetime.combine(day, time.min))


def period_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """[start, end) of the local days since..until, both included."""
    return day_start(since), day_start(until + timedelta(days=1))


# --- warehouses -----------------------------------------------------------------------------


def warehouse_list_for_actor(
    *, actor: Any, org_id: int | None = None, active_only: bool = True
) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.filter(stock_q(actor, "org__path")).select_related("org")
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("org__path", "-is_default", "code")


def warehouse_get(*, actor: Any, warehouse_id: int) -> Warehouse:
    """A warehouse the actor may see: 404 outside its scope, 403 in scope without the stock
    right."""
    found = Warehouse.objects.select_related("org").filter(pk=warehouse_id).first()
    if found is None or not scope.in_scope(actor, found.org):
        raise NotFound
    require_view(actor, found.org)
    return found


def warehouse_default_for(*, org: Org) -> Warehouse | None:
    """The org's default warehouse (for other apps: the seller's shipping warehouse, the
    buyer's receiving one). Unscoped: the caller has checked access to its document."""
    return Warehouse.objects.filter(org=org, is_default=True, is_active=True).first()


# --- balances -------------------------------------------------------------------------------


def _with_numbers(qs: QuerySet[Stock]) -> QuerySet[Stock]:
    """available = on hand − reserved; below safety when available < safety stock; the
    replenishment suggestion tops available + in transit back up to the safety stock."""
    return qs.annotate(
        available_qty=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=IntegerField()),
        below_safety=Case(
            When(safety_stock__gt=F("on_hand") - F("reserved"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        suggested_qty=Greatest(
            F("safety_stock") - F("on_hand") + F("reserved") - F("in_transit"),
            Value(0),
            output_field=IntegerField(),
        ),
    )


def stock_list_for_actor(
    *,
    actor: Any,
    org_id: int | None = None,
    warehouse_id: int | None = None,
    sku_id: int | None = None,
    q: str = "",
    below_safety: bool = False,
    include_empty: bool = False,
) -> QuerySet[Stock]:
    """Balances in the actor's stock scope with available, below-safety flag and suggestion;
    one query whatever the number of rows."""
    qs = _with_numbers(
        Stock.objects.filter(stock_q(actor, "warehouse__org__path")).select_related(
            "warehouse__org", "sku"
        )
    )
    if org_id is not None:
        qs = qs.filter(warehouse__org_id=org_id)
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if sku_id is not None:
        qs = qs.filter(sku_id=sku_id)
    if q.strip():
        word = q.strip().lower()
        qs = qs.filter(Q(sku__code__icontains=word) | Q(sku__search_text__contains=word))
    if below_safety:
        qs = qs.filter(safety_stock__gt=F("on_hand") - F("reserved"))
    elif not include_empty:
        qs = qs.exclude(on_hand=0, in_transit=0, safety_stock=0)
    return qs.order_by("warehouse__org__path", "warehouse__code", "sku__code")


def stock_for_warehouse(*, actor: Any, warehouse: Warehouse) -> QuerySet[Stock]:
    require_view(actor, warehouse.org)
    return stock_list_for_actor(actor=actor, warehouse_id=warehouse.pk)


def stock_below_safety(*, actor: Any, org_id: int | None = None) -> QuerySet[Stock]:
    """Balances under their safety stock, with the suggested replenishment."""
    return stock_list_for_actor(actor=actor, org_id=org_id, below_safety=True)


def stock_available(*, warehouse: Warehouse, skus: Iterable[Sku]) -> dict[int, int]:
    """{SKU id: on hand − reserved} in a warehouse, 0 for SKUs it never held. Unscoped: for
    other apps (an order checking its seller's stock) after their own access check."""
    ids = [s.pk for s in skus]
    found = dict(
        Stock.objects.filter(warehouse=warehouse, sku_id__in=ids)
        .annotate(a=F("on_hand") - F("reserved"))
        .values_list("sku_id", "a")
    )
    return {pk: int(found.get(pk, 0)) for pk in ids}


def reservations_for_doc(*, doc_type: str, doc_id: str) -> QuerySet[Reservation]:
    """A document's reservations (open and done). Unscoped, for the document's own app."""
    return Reservation.objects.filter(doc_type=doc_type, doc_id=str(doc_id)).select_related(
        "sku", "warehouse"
    )


# --- moves ----------------------------------------------------------------------------------


def move_list_for_actor(
    *,
    actor: Any,
    warehouse_id: int | None = None,
    sku_id: int | None = None,
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
    doc_type: str = "",
    doc_id: str = "",
) -> QuerySet[StockMove]:
    """The move ledger in the actor's stock scope, newest first: who, when, why, document."""
    qs = StockMove.objects.filter(stock_q(actor, "warehouse__org__path")).select_related(
        "warehouse", "sku", "actor"
    )
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if sku_id is not None:
        qs = qs.filter(sku_id=sku_id)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(created_at__gte=day_start(since))
    if until:
        qs = qs.filter(created_at__lt=day_start(until + timedelta(days=1)))
    if doc_type:
        qs = qs.filter(doc_type=doc_type, doc_id=str(doc_id))
    return qs.order_by("-created_at", "-id")


def moves_for_doc(*, doc_type: str, doc_id: str) -> QuerySet[StockMove]:
    """A document's moves. Unscoped, for the document's own app."""
    return StockMove.objects.filter(doc_type=doc_type, doc_id=str(doc_id)).select_related(
        "warehouse", "sku"
    )


def move_get(*, actor: Any, move_id: int) -> StockMove:
    found = move_list_for_actor(actor=actor).filter(pk=move_id).first()
    if found is None:
        raise NotFound
    return found


# --- transits, counts, sell-out -------------------------------------------------------------


def transit_list_for_actor(
    *, actor: Any, open_only: bool = False, warehouse_id: int | None = None
) -> QuerySet[Transit]:
    """Goods in transit from or to a warehouse in the actor's stock scope."""
    qs = Transit.objects.filter(
        stock_q(actor, "from_warehouse__org__path") | stock_q(actor, "to_warehouse__org__path")
    ).select_related("from_warehouse__org", "to_warehouse__org")
    if open_only:
        qs = qs.filter(status="in_transit")
    if warehouse_id is not None:
        qs = qs.filter(Q(from_warehouse_id=warehouse_id) | Q(to_warehouse_id=warehouse_id))
    return qs.order_by("-created_at", "-id")


def transit_get(*, actor: Any, transit_id: int) -> Transit:
    found = (
        transit_list_for_actor(actor=actor)
        .prefetch_related("lines__sku")
        .filter(pk=transit_id)
        .first()
    )
    if found is None:
        raise NotFound
    return found


def transits_for_doc(*, doc_type: str, doc_id: str) -> QuerySet[Transit]:
    """A document's transits (an order's shipments). Unscoped, for the document's own app."""
    return Transit.objects.filter(doc_type=doc_type, doc_id=str(doc_id)).prefetch_related(
        "lines__sku"
    )


def count_list_for_actor(
    *, actor: Any, warehouse_id: int | None = None, status: str = ""
) -> QuerySet[StockCount]:
    qs = StockCount.objects.filter(stock_q(actor, "warehouse__org__path")).select_related(
        "warehouse__org", "category", "created_by"
    )
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def count_get(*, actor: Any, count_id: int) -> StockCount:
    found = (
        count_list_for_actor(actor=actor).prefetch_related("lines__sku").filter(pk=count_id).first()
    )
    if found is None:
        raise NotFound
    return found


def sellout_list_for_actor(
    *,
    actor: Any,
    org_id: int | None = None,
    sku_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    include_voided: bool = False,
) -> QuerySet[SellOut]:
    """Sell-out records of the actor's stock scope (a parent sees its subtree's)."""
    qs = SellOut.objects.filter(stock_q(actor, "org__path")).select_related(
        "org", "sku", "buyer_division", "warehouse"
    )
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if sku_id is not None:
        qs = qs.filter(sku_id=sku_id)
    if since:
        qs = qs.filter(sold_on__gte=since)
    if until:
        qs = qs.filter(sold_on__lte=until)
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    return qs.order_by("-sold_on", "-id")
