"""Orders test data, built through the services the way users build it: a seller (杭州一级,
dist1) with prices, stock and an approval rule, a buyer (杭州迅达, dealer1) with a credit
profile, and the people of both sides."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qudao.core.models import AuditEvent, Notification, OutboxEvent
from qudao.finance import services as finance
from qudao.finance.models import Invoice, LedgerEntry, Position
from qudao.inventory.tests import factories as inv
from qudao.network.tests import factories as f
from qudao.orders import services
from qudao.orders.models import (
    Order,
    OrderHold,
    OrderLine,
    ReturnRequest,
    Shipment,
    ShipmentLine,
)
from qudao.pricing.tests import factories as pf

D = Decimal


@dataclass
class World:
    """`net` with the e-bike catalogue priced by dist1, stock in its warehouse, dealer1's
    credit with dist1 and the people who order, approve and ship."""

    net: Any
    grey: Any  # 踏板车 星空灰, serial-tracked: list 2000, dealer1's own price 1800
    white: Any  # 踏板车 珍珠白, serial-tracked: 2100
    pad: Any  # 刹车片, 1 箱 = 12 套: 30 (28 from 24 units)
    seller_wh: Any  # dist1: grey GRY000001–5, white WHT000001–3, 100 pads
    buyer_wh: Any  # dealer1
    buyer: Any  # dealer1's admin (orders for dealer1)
    seller_admin: Any  # dist1's dealer admin: approves, ships, sets the rules
    fin: Any  # dist1's finance: credit profiles, approves
    clerk: Any  # dist1's warehouse clerk: ships
    sales: Any  # a salesperson of 华东: orders on behalf of the region's buyers
    std: Any  # dist1's default price list
    own: Any  # dist1's list for dealer1


def world(net: Any, cat: dict[str, Any], *, first_order_hold: bool = False) -> World:
    grey, white, pad = cat["grey"], cat["white"], cat["pad"]
    std = pf.price_list(
        net.dist1,
        code="D1-STD",
        items={grey: "2000", white: "2100", pad: {1: "30", 24: "28"}},
    )
    own = pf.price_list(
        net.dist1, code="D1-XD", target="buyer", target_buyer=net.dealer1, items={grey: "1800"}
    )
    seller_wh = inv.warehouse(net.dist1, "D1-MAIN", name="杭州仓")
    buyer_wh = inv.warehouse(net.dealer1, "DL1-MAIN", name="迅达主仓")
    inv.receive(
        seller_wh,
        (grey, 5, inv.serials("GRY", 5)),
        (white, 3, inv.serials("WHT", 3)),
        (pad, 100),
    )
    fin = f.member(net.dist1, "finance", username="d1-fin")
    finance.credit_profile_set(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        data={"credit_limit": "10000", "payment_term_days": 30, "overdue_mode": "hold"},
    )
    seller_admin = f.member(net.dist1, "dealer_admin", username="d1-admin")
    services.approval_rule_set(
        actor=seller_admin, seller=net.dist1, data={"first_order_enabled": first_order_hold}
    )
    return World(
        net=net,
        grey=grey,
        white=white,
        pad=pad,
        seller_wh=seller_wh,
        buyer_wh=buyer_wh,
        buyer=net.dealer1_admin,
        seller_admin=seller_admin,
        fin=fin,
        clerk=f.member(net.dist1, "warehouse_clerk", username="d1-clerk"),
        sales=f.member(net.east, "salesperson", username="east-sales"),
        std=std,
        own=own,
    )


# The standard cart: 2 grey at 1800 (list 2000) and 1 箱 of pads (12 × 30).
CART = [("TB-S1-GRY", 2), ("BP-01-STD", 1, "箱")]
CART_AMOUNT = D("3960.00")
CART_LIST = D("4360.00")


def draft(w: World, lines: Any = None, *, actor: Any = None, **extra: Any) -> Order:
    return services.order_draft_create(
        actor=actor or w.buyer,
        buyer=extra.pop("buyer", w.net.dealer1),
        seller=extra.pop("seller", w.net.dist1),
        lines=CART if lines is None else lines,
        **extra,
    )


def placed(w: World, lines: Any = None, **extra: Any) -> Order:
    """A draft submitted by the buyer (approved or held, by the rules)."""
    order = draft(w, lines, **extra)
    return services.order_submit(actor=extra.get("actor") or w.buyer, order=order)


def position(w: World) -> Position:
    return Position.objects.get(buyer=w.net.dealer1, seller=w.net.dist1)


def money_state(w: World) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(prepaid, rebate, receivable, frozen) of dealer1 with dist1."""
    p = position(w)
    return (p.prepaid_balance, p.rebate_balance, p.receivable_balance, p.frozen_amount)


def top_up(w: World, amount: str) -> None:
    from django.utils import timezone

    finance.payment_record(
        actor=w.fin,
        position=position(w),
        amount=amount,
        method="bank_transfer",
        received_on=timezone.localdate(),
        to_prepaid=True,
    )


def rebate(w: World, amount: str) -> None:
    finance.rebate_credit(actor=w.fin, position=position(w), amount=amount, memo="Q3 返利")


def state() -> tuple[Any, ...]:
    """Everything orders, finance and inventory write, to assert a refusal wrote nothing."""
    return (
        Order.objects.count(),
        sorted(Order.objects.values_list("pk", "status", "amount", "frozen_amount")),
        OrderLine.objects.count(),
        sorted(OrderLine.objects.values_list("pk", "unit_price", "qty_shipped", "qty_received")),
        OrderHold.objects.count(),
        Shipment.objects.count(),
        ShipmentLine.objects.count(),
        ReturnRequest.objects.count(),
        LedgerEntry.objects.count(),
        Invoice.objects.count(),
        sorted(
            Position.objects.values_list(
                "pk", "prepaid_balance", "rebate_balance", "receivable_balance", "frozen_amount"
            )
        ),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
        Notification.objects.count(),
        inv.state(),
    )


def topics(since: int = 0) -> list[str]:
    return list(
        OutboxEvent.objects.filter(pk__gt=since).order_by("pk").values_list("topic", flat=True)
    )


def last_event_id() -> int:
    return OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
