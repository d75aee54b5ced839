"""Reads of orders, scoped to the actor. An order is seen by the people of both sides and
those above them who hold an order right (place, approve or ship); a draft only by the
buyer's side. Outside the actor's scope an order is not found; in scope without an order
right it is forbidden. Lists take a fixed number of queries whatever their length.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from qudao.accounts.constants import APPROVE_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.models import AuditEvent
from qudao.core.selectors import audit_list_for_objects
from qudao.core.text import normalize_query
from qudao.finance.selectors import position_list_for_actor
from qudao.inventory.selectors import warehouse_default_for
from qudao.network import scope
from qudao.network.constants import OrgStatus
from qudao.network.models import Org
from qudao.network.selectors import org_get, sells_to
from qudao.orders.constants import (
    OPEN_STATUSES,
    RETURNABLE_STATUSES,
    OrderStatus,
    ReturnStatus,
    ShipmentStatus,
)
from qudao.orders.engine import (
    Evaluation,
    LineInput,
    PricedLine,
    Problem,
    ResolvedLine,
    apply_promotions,
    evaluate,
    policy_for,
    price_lines,
    resolve_lines,
    skus_by_code,
)
from qudao.orders.models import (
    ApprovalRule,
    LineAdjustment,
    Order,
    OrderHold,
    OrderLine,
    ReturnLine,
    ReturnRequest,
    Shipment,
    ShipmentLine,
    ShipmentSerial,
)
from qudao.pricing.selectors import NotASeller

ORDER_RIGHTS = frozenset({PLACE_ORDERS, APPROVE_ORDERS, SHIP_ORDERS})
ORDER_LIST_RELATED = ("buyer", "seller", "placed_by")

# The preview's name for what the engine answers: priced lines (with stock states), totals,
# the payment split, the credit numbers and what is left after the order, every hold reason
# and every refusal.
CartPreview = Evaluation


# --- scope ----------------------------------------------------------------------------------


def _side_q(actor: Any, field: str, prefix: str, rights: frozenset[str] = ORDER_RIGHTS) -> Q:
    q = Q(pk__in=[])
    for g in scope.grants(actor):
        if g.permissions & rights:
            q |= Q(**{f"{prefix}{field}__path__startswith": g.path})
    return q


def order_q(actor: Any, prefix: str = "", side: str = "") -> Q:
    """Orders (or rows whose order is at `prefix`, e.g. "order__") the actor sees: with an
    order right over the buyer (its own people, those above it) or over the seller. A draft
    is the buyer's business: seen only by those who may place orders for it. `side` =
    "buying" / "selling" keeps one side."""
    if getattr(actor, "is_superuser", False):
        return Q()
    draft = Q(**{f"{prefix}status": OrderStatus.DRAFT})
    buying = (_side_q(actor, "buyer", prefix) & ~draft) | (
        _side_q(actor, "buyer", prefix, frozenset({PLACE_ORDERS})) & draft
    )
    selling = _side_q(actor, "seller", prefix) & ~draft
    if side == "buying":
        return buying
    if side == "selling":
        return selling
    return buying | selling


def _visible(actor: Any, order: Order) -> bool:
    return scope.in_scope(actor, order.buyer) or scope.in_scope(actor, order.seller)


def _get_in(qs: QuerySet[Any], actor: Any, pk: int, order_of: Any) -> Any:
    """One row of a scoped queryset: 404 outside the actor's scope, 403 in scope without an
    order right (or a draft seen from the seller's side)."""
    found = qs.filter(pk=pk).first()
    if found is not None:
        return found
    row = qs.model.objects.filter(pk=pk).first()
    order = order_of(row) if row is not None else None
    if order is None or not _visible(actor, order) or order.status == OrderStatus.DRAFT:
        raise NotFound
    raise PermissionDenied


# --- orders ---------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_list_for_actor(
    *,
    actor: Any,
    side: str = "",
    status: str | Sequence[str] = "",
    since: date | None = None,
    until: date | None = None,
    buyer_id: int | None = None,
    seller_id: int | None = None,
    sku_id: int | None = None,
    q: str = "",
) -> QuerySet[Order]:
    """Orders the actor sees, newest first, with buyer, seller and who placed them; filtered
    by side ("buying" / "selling"), status (one or several), order date (local days, both
    included), the buyer's subtree (an org in the actor's scope), the seller, a SKU on any
    line, or a search (order number, buyer name, code or pinyin). One query."""
    qs = Order.objects.filter(order_q(actor, side=side)).select_related(*ORDER_LIST_RELATED)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    if since:
        qs = qs.filter(placed_at__gte=_day_start(since))
    if until:
        qs = qs.filter(placed_at__lt=_day_start(until + timedelta(days=1)))
    if buyer_id is not None:
        under = org_get(actor=actor, org_id=buyer_id)
        qs = qs.filter(buyer__path__startswith=under.path)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    if sku_id is not None:
        qs = qs.filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku_id=sku_id)))
    if q.strip():
        text = q.strip()
        qs = qs.filter(
            Q(number__iexact=text)
            | Q(number__endswith=text)
            | Q(buyer__code__iexact=text)
            | Q(buyer__search_text__contains=normalize_query(text))
        )
    return qs.order_by("-placed_at", "-id")


def order_get(*, actor: Any, order_id: int) -> Order:
    qs = Order.objects.filter(order_q(actor)).select_related(
        *ORDER_LIST_RELATED, "warehouse", "decided_by", "cancelled_by"
    )
    found: Order = _get_in(qs, actor, order_id, lambda order: order)
    return found


def order_lines(*, order: Order) -> list[OrderLine]:
    """The lines with SKU, product and adjustments: three queries."""
    return list(
        order.lines.select_related("sku__product", "price_list")
        .prefetch_related(Prefetch("adjustments", queryset=LineAdjustment.objects.order_by("id")))
        .order_by("line_no")
    )


def order_timeline(*, order: Order, limit: int = 100) -> QuerySet[AuditEvent]:
    """The order's history with its shipments' and returns' (access checked by the caller)."""
    return audit_list_for_objects(
        objects={
            "orders.order": [order.pk],
            "orders.shipment": order.shipments.values_list("pk", flat=True),
            "orders.returnrequest": order.returns.values_list("pk", flat=True),
        },
        limit=limit,
    )


def allowed_actions(
    *, actor: Any, order: Order, lines: Sequence[OrderLine] | None = None
) -> set[str]:
    """What the actor may do next with the order (buttons on the page, links in the API).
    With the lines, "return" is offered only when something received is not returned yet."""
    buyer = scope.can(actor, PLACE_ORDERS, order.buyer)
    approver = scope.can(actor, APPROVE_ORDERS, order.seller)
    shipper = scope.can(actor, SHIP_ORDERS, order.seller)
    status = order.status
    found: set[str] = set()
    if buyer and status == OrderStatus.DRAFT:
        found |= {"edit", "submit", "cancel"}
    if buyer and status in (OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED):
        found.add("cancel")
    if approver and status == OrderStatus.PENDING_APPROVAL:
        found |= {"approve", "reject", "cancel_by_seller"}
    if approver and status == OrderStatus.APPROVED:
        found.add("cancel_by_seller")
    if shipper and status in OPEN_STATUSES:
        found.add("ship")
    if buyer and status in RETURNABLE_STATUSES:
        found.add("reorder")
        if lines is None or any(line.qty_received > line.qty_returned for line in lines):
            found.add("return")
    if buyer and status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
        found.add("reorder")
    if (approver or buyer) and status == OrderStatus.DELIVERED:
        found.add("complete")
    return found


@dataclass
class OrderDetail:
    order: Order
    lines: list[OrderLine]
    holds: list[OrderHold]
    shipments: list[Shipment]
    returns: list[ReturnRequest]
    timeline: list[AuditEvent]
    actions: set[str]


def order_detail(*, actor: Any, order_id: int) -> OrderDetail:
    """An order with its lines, approval reasons, shipments (lines, serials), returns and
    timeline, in a fixed number of queries."""
    order = order_get(actor=actor, order_id=order_id)
    shipments = list(
        order.shipments.select_related("warehouse", "to_warehouse", "invoice", "shipped_by")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("id")),
            "lines__serials",
        )
        .order_by("shipped_at", "id")
    )
    returns = list(
        order.returns.select_related("credit_note", "replacement_order", "requested_by")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("sku").order_by("id")),
            "lines__serials",
        )
        .order_by("created_at", "id")
    )
    lines = order_lines(order=order)
    return OrderDetail(
        order=order,
        lines=lines,
        holds=list(order.holds.all()),
        shipments=shipments,
        returns=returns,
        timeline=list(order_timeline(order=order)),
        actions=allowed_actions(actor=actor, order=order, lines=lines),
    )


def approval_inbox(*, actor: Any) -> QuerySet[Order]:
    """Orders waiting for the actor's approval (held orders of sellers it approves for),
    oldest first, with buyer, seller and their reasons: two queries."""
    if getattr(actor, "is_superuser", False):
        q = Q()
    else:
        q = Q(pk__in=[])
        for g in scope.grants(actor):
            if APPROVE_ORDERS in g.permissions:
                q |= Q(seller__path__startswith=g.path)
    return (
        Order.objects.filter(q, status=OrderStatus.PENDING_APPROVAL)
        .select_related(*ORDER_LIST_RELATED)
        .prefetch_related(Prefetch("holds", queryset=OrderHold.objects.order_by("id")))
        .order_by("placed_at", "id")
    )


def approval_rule_for(*, seller: Org) -> ApprovalRule:
    """The seller's rule, or an unsaved one with the defaults."""
    return policy_for(seller)


# --- the cart preview -----------------------------------------------------------------------


def _gates(buyer: Org, seller: Org) -> list[Problem]:
    problems = []
    for org, code in ((buyer, "buyer_not_active"), (seller, "seller_not_active")):
        if org.status != OrgStatus.ACTIVE:
            problems.append(
                Problem(
                    code,
                    str(OrgStatus(org.status).label),
                    params={"org": org.name, "status": org.status},
                )
            )
    return problems


def _preview(
    *, actor: Any, order: Order, lines: list[PricedLine], problems: list[Problem]
) -> CartPreview:
    position = position_list_for_actor(
        actor=actor, buyer_id=order.buyer_id, seller_id=order.seller_id
    ).first()
    ev = evaluate(
        order=order,
        promoted=apply_promotions(order, lines),
        position=position,
        policy=policy_for(order.seller),
        warehouse=warehouse_default_for(org=order.seller),
    )
    ev.problems = _gates(order.buyer, order.seller) + problems + ev.problems
    return ev


def cart_preview(
    *, actor: Any, buyer: Org, seller: Org, lines: Sequence[LineInput], use_rebate: bool = False
) -> CartPreview:
    """What these lines would be as an order of the buyer from the seller, submitted now:
    priced lines with stock states, totals, the payment split, the available credit after
    the order, every hold reason and every refusal. Writes nothing."""
    scope.require(actor, PLACE_ORDERS, buyer)
    if not sells_to(seller=seller, buyer=buyer):
        raise NotASeller
    order = Order(buyer=buyer, seller=seller, use_rebate=use_rebate, placed_at=timezone.now())
    resolved, problems = resolve_lines(lines, skus_by_code(lines))
    priced, unsold = price_lines(seller=seller, buyer=buyer, lines=resolved)
    return _preview(actor=actor, order=order, lines=priced, problems=problems + unsold)


def order_preview(*, actor: Any, order: Order) -> CartPreview:
    """A draft as it would be submitted now: prices taken again, each line's
    `previous_price` set when it differs from the draft's (a stale draft), and everything
    cart_preview answers. Writes nothing."""
    if order.status != OrderStatus.DRAFT:
        raise NotFound
    scope.require(actor, PLACE_ORDERS, order.buyer)
    rows = [  # the buyer's own lines: free goods come from the promotions step again
        row
        for row in order.lines.select_related("sku__product").order_by("line_no")
        if row.gift_promotion_id is None
    ]
    resolved = [ResolvedLine(r.sku, r.unit, r.unit_qty, r.unit_factor, r.qty) for r in rows]
    priced, unsold = price_lines(seller=order.seller, buyer=order.buyer, lines=resolved)
    stored = {r.sku_id: r.unit_price for r in rows}
    for line in priced:
        if stored.get(line.sku.pk) != line.unit_price:
            line.previous_price = stored.get(line.sku.pk)
    return _preview(actor=actor, order=order, lines=priced, problems=list(unsold))


# --- shipments and returns ------------------------------------------------------------------


def shipment_list_for_actor(
    *, actor: Any, status: str = "", order_id: int | None = None, side: str = ""
) -> QuerySet[Shipment]:
    """Shipments of the orders the actor sees (the buyer's unconfirmed ones: status
    "posted", side "buying"), newest first; one query."""
    qs = Shipment.objects.filter(order_q(actor, "order__", side=side)).select_related(
        "order__buyer", "order__seller", "warehouse", "to_warehouse"
    )
    if status:
        qs = qs.filter(status=status)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    return qs.order_by("-shipped_at", "-id")


def shipment_get(*, actor: Any, shipment_id: int) -> Shipment:
    qs = (
        shipment_list_for_actor(actor=actor)
        .select_related("invoice", "transit")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku", "order_line")),
            "lines__serials",
        )
    )
    found: Shipment = _get_in(qs, actor, shipment_id, lambda s: s.order)
    return found


def return_list_for_actor(
    *, actor: Any, status: str = "", order_id: int | None = None, side: str = ""
) -> QuerySet[ReturnRequest]:
    qs = ReturnRequest.objects.filter(order_q(actor, "order__", side=side)).select_related(
        "order__buyer", "order__seller", "requested_by"
    )
    if status:
        qs = qs.filter(status=status)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    return qs.order_by("-created_at", "-id")


def return_get(*, actor: Any, return_id: int) -> ReturnRequest:
    qs = (
        return_list_for_actor(actor=actor)
        .select_related("credit_note", "replacement_order", "transit", "warehouse")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("sku", "order_line")),
            "lines__serials",
        )
    )
    found: ReturnRequest = _get_in(qs, actor, return_id, lambda r: r.order)
    return found


def returnable_serials(*, order: Order) -> dict[int, list[str]]:
    """{order line id: serials received on it and on no return yet}, for a return form."""
    taken = set(
        ReturnLine.objects.filter(ret__order=order)
        .exclude(ret__status__in=(ReturnStatus.REJECTED, ReturnStatus.CANCELLED))
        .values_list("serials__serial", flat=True)
    )
    found: dict[int, list[str]] = {}
    rows = ShipmentSerial.objects.filter(line__shipment__order=order, received=True).values_list(
        "line__order_line_id", "serial"
    )
    for line_id, serial in rows.order_by("serial"):
        if serial not in taken:
            found.setdefault(line_id, []).append(serial)
    return found


def pending_counts(*, actor: Any) -> dict[str, int]:
    """Numbers for a dashboard badge: orders to approve, shipments to confirm (buying
    side), returns to decide."""
    return {
        "to_approve": approval_inbox(actor=actor).count(),
        "to_receive": shipment_list_for_actor(
            actor=actor, status=ShipmentStatus.POSTED, side="buying"
        ).count(),
        "returns_to_decide": return_list_for_actor(
            actor=actor, status=ReturnStatus.REQUESTED, side="selling"
        ).count(),
    }


# --- consistency ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderMismatch:
    order_line_id: int
    what: str
    line: int
    documents: int

    def __str__(self) -> str:
        return (
            f"order line {self.order_line_id} {self.what}: line {self.line} ≠ "
            f"documents {self.documents}"
        )


def order_mismatches() -> list[OrderMismatch]:
    """Order lines whose shipped, received or returned quantity differs from the sum of
    their shipment and (received) return lines: three grouped queries and the lines that
    moved."""
    shipped: dict[int, tuple[int, int]] = {
        row["order_line_id"]: (int(row["s"] or 0), int(row["r"] or 0))
        for row in ShipmentLine.objects.order_by()
        .values("order_line_id")
        .annotate(s=Sum("qty"), r=Sum("qty_received"))
    }
    returned = dict(
        ReturnLine.objects.filter(ret__status=ReturnStatus.RECEIVED)
        .order_by()
        .values("order_line_id")
        .annotate(s=Sum("qty"))
        .values_list("order_line_id", "s")
    )
    found = []
    moved = OrderLine.objects.filter(
        Q(qty_shipped__gt=0) | Q(pk__in=list(shipped)) | Q(pk__in=list(returned))
    ).values_list("pk", "qty_shipped", "qty_received", "qty_returned")
    for pk, qty_shipped, qty_received, qty_returned in moved.iterator():
        docs_shipped, docs_received = shipped.get(pk, (0, 0))
        for what, line, docs in (
            ("shipped", qty_shipped, docs_shipped),
            ("received", qty_received, docs_received),
            ("returned", qty_returned, int(returned.get(pk) or 0)),
        ):
            if line != docs:
                found.append(OrderMismatch(pk, what, line, docs))
    return found


__all__ = [
    "CartPreview",
    "OrderDetail",
    "OrderMismatch",
    "allowed_actions",
    "approval_inbox",
    "approval_rule_for",
    "cart_preview",
    "order_detail",
    "order_get",
    "order_lines",
    "order_list_for_actor",
    "order_mismatches",
    "order_preview",
    "order_q",
    "order_timeline",
    "pending_counts",
    "return_get",
    "return_list_for_actor",
    "returnable_serials",
    "shipment_get",
    "shipment_list_for_actor",
]
