"""Row locks of orders, in one order across apps so two writers never wait on each other in a
circle: the order row first, then the order's shipment or return row, then finance's
position of the (buyer, seller) pair (finance.locks), then the promotions' rows (budgets and
coupons, in id order — promotions.locks), then inventory's rows (its transit,
stock balances in pk order, reservations, serials — inventory.locks). A service that touches
money and stock takes the position lock before calling inventory, even when its finance
write comes after the stock write (a shipment posts its invoice after the goods leave)."""

from django.db.models import QuerySet

from qudao.finance.locks import lock_position
from qudao.finance.models import Position
from qudao.orders.models import Order, ReturnRequest, Shipment

__all__ = ["lock_order", "lock_pair", "lock_return", "lock_shipment"]


def _orders() -> QuerySet[Order]:
    return Order.objects.select_for_update(of=("self",)).select_related("buyer", "seller")


def lock_order(order: Order) -> Order:
    """The order row, read again under its lock (its status may have moved since)."""
    return _orders().get(pk=order.pk)


def lock_shipment(shipment: Shipment) -> Shipment:
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("transit")
        .get(pk=shipment.pk)
    )


def lock_return(ret: ReturnRequest) -> ReturnRequest:
    return (
        ReturnRequest.objects.select_for_update(of=("self",))
        .select_related("transit", "warehouse")
        .get(pk=ret.pk)
    )


def lock_pair(order: Order) -> Position:
    """Finance's position of the order's buyer with its seller, created at zero on first
    use, locked until commit."""
    return lock_position(buyer=order.buyer, seller=order.seller)
