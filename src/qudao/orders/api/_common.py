"""What the orders API handlers share: the side filter, the actor's own org, the order
detail in one shape, and SKU codes of a body turned into the lines of an order or a
shipment (unknown codes refused by position, all at once)."""

from collections.abc import Sequence
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from qudao.core.errors import PermissionDenied, ValidationFailed
from qudao.network import scope
from qudao.network.models import Org
from qudao.orders import selectors
from qudao.orders.models import Order, Shipment

SIDES = {"buyer": "buying", "seller": "selling", None: ""}


def home_org(actor: Any, permission: str) -> Org:
    """The highest org where the actor holds the right: whom it orders for by default."""
    paths = sorted(
        (g.path for g in scope.grants(actor) if permission in g.permissions),
        key=lambda path: (len(path), path),
    )
    org = Org.objects.filter(path__in=paths[:1]).first()
    if org is None:
        raise PermissionDenied
    return org


class DetailView:
    """An order with what `order_detail` read alongside it, for OrderDetailOut: the lines,
    holds, shipments, returns and timeline as read, everything else from the order."""

    def __init__(self, detail: selectors.OrderDetail) -> None:
        self._order = detail.order
        self.lines = detail.lines
        self.holds = detail.holds
        self.shipments = detail.shipments
        self.returns = detail.returns
        self.timeline = detail.timeline
        self.actions = sorted(detail.actions)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._order, name)


def order_detail(actor: Any, order_id: int) -> DetailView:
    return DetailView(selectors.order_detail(actor=actor, order_id=order_id))


def _unknown(codes: Sequence[str], known: set[str], where: str) -> None:
    fields = {
        f"{where}.{number}.sku_code": [
            _("%(code)s is not a SKU of this document.") % {"code": code.strip()}
        ]
        for number, code in enumerate(codes)
        if code.strip() not in known
    }
    if fields:
        raise ValidationFailed(
            _("Some SKUs are not on this document."), code="sku_not_in_document", fields=fields
        )


def order_line_ids(order: Order, codes: Sequence[str], *, where: str = "lines") -> list[int]:
    """The order's line id of each SKU code, in the order given: the bought line of a SKU
    before a free line of the same SKU (free goods of another SKU are found by its code)."""
    by_code: dict[str, int] = {}
    for code, pk in order.lines.order_by(
        F("gift_promotion_id").asc(nulls_first=True), "line_no"
    ).values_list("sku__code", "pk"):
        by_code.setdefault(code, pk)
    _unknown(codes, set(by_code), where)
    return [by_code[code.strip()] for code in codes]


def shipment_line_ids(shipment: Shipment, codes: Sequence[str]) -> list[int]:
    by_code = {line.sku.code: line.pk for line in shipment.lines.all()}
    _unknown(codes, set(by_code), "lines")
    return [by_code[code.strip()] for code in codes]
