"""Shipping, receipts and returns: the seller's warehouse picks from the approved lines
(partial allowed) with serials scanned or pasted, carrier and tracking number; the buyer
confirms a shipment with per-line discrepancies; returns are requested by the buyer (reason,
lines, serials), decided by the seller, sent back and received there (credit note)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import APPROVE_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from qudao.core.selectors import audit_list_for_objects
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, form_submit, paginate
from qudao.network import scope
from qudao.orders import selectors, services
from qudao.orders.constants import ReturnStatus, ShipmentStatus
from qudao.orders.forms import (
    CommentForm,
    DocFilterForm,
    ReceiptForm,
    RejectForm,
    ReturnForm,
    ShipForm,
)
from qudao.orders.models import Order, ReturnRequest, Shipment
from qudao.orders.services import ReceiptLine, ReturnLineIn, ShipLine


def _order(request: AuthedRequest, order_id: int) -> Order:
    return call_or_404(selectors.order_get, actor=request.user, order_id=order_id)


def _allowed(request: AuthedRequest, order: Order, action: str) -> None:
    if action not in selectors.allowed_actions(actor=request.user, order=order):
        raise PermissionDenied


# --- the lists ------------------------------------------------------------------------------


def _doc_list(
    request: AuthedRequest,
    template: str,
    list_for_actor: Callable[..., Any],
    statuses: Any,
) -> HttpResponse:
    """Shipments or returns of both sides the actor sees, filtered; one query a page."""
    if not any(scope.has_any(request.user, p) for p in (PLACE_ORDERS, APPROVE_ORDERS, SHIP_ORDERS)):
        raise PermissionDenied
    filters = DocFilterForm(request.GET or None, statuses=statuses.choices)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    docs = list_for_actor(
        actor=request.user, side=chosen.get("side") or "", status=chosen.get("status") or ""
    )
    return render(request, template, {"page": paginate(request, docs), "filters": filters})


@login_required
def shipment_list(request: AuthedRequest) -> HttpResponse:
    return _doc_list(
        request, "orders/shipment_list.html", selectors.shipment_list_for_actor, ShipmentStatus
    )


@login_required
def return_list(request: AuthedRequest) -> HttpResponse:
    return _doc_list(
        request, "orders/return_list.html", selectors.return_list_for_actor, ReturnStatus
    )


# --- shipping -------------------------------------------------------------------------------


def _open_lines(order: Order) -> list[Any]:
    lines = [line for line in selectors.order_lines(order=order) if line.qty > line.qty_shipped]
    for line in lines:
        line.open_qty = line.qty - line.qty_shipped  # type: ignore[attr-defined]
    return lines


def _ship_lines(form: ShipForm) -> list[ShipLine]:
    return [
        ShipLine(line.pk, qty, form.value("serials", line) or ())
        for line in form.lines
        if (qty := form.value("qty", line))
    ]


@login_required
def order_ship(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    _allowed(request, order, "ship")
    lines = _open_lines(order)
    form = ShipForm(request.POST or None, lines=lines)

    def page(status: int = 200) -> HttpResponse:
        return render(
            request, "orders/order_ship.html", {"order": order, "form": form}, status=status
        )

    if request.method != "POST":
        return page()
    return form_submit(
        request,
        form,
        action=lambda data: services.shipment_post(
            actor=request.user,
            order=order,
            lines=_ship_lines(form),
            carrier=data["carrier"],
            tracking_no=data["tracking_no"],
            note=data["note"],
        ),
        done=lambda shipment: _("Shipment %(number)s posted.") % {"number": shipment.number},
        success_url=reverse("orders:order_detail", args=[order.pk]),
        redisplay=lambda: page(400),
    )


def _shipment(request: AuthedRequest, shipment_id: int) -> Shipment:
    return call_or_404(selectors.shipment_get, actor=request.user, shipment_id=shipment_id)


def _shipment_page(
    request: AuthedRequest, shipment: Shipment, form: ReceiptForm | None = None, status: int = 200
) -> HttpResponse:
    lines = list(shipment.lines.all())
    can_receive = shipment.status == ShipmentStatus.POSTED and scope.can(
        request.user, SHIP_ORDERS, shipment.order.buyer
    )
    return render(
        request,
        "orders/shipment_detail.html",
        {
            "shipment": shipment,
            "order": shipment.order,
            "lines": lines,
            "form": form or (ReceiptForm(lines=lines) if can_receive else None),
            "can_receive": can_receive,
            "audit": audit_list_for_objects(objects={"orders.shipment": [shipment.pk]}),
        },
        status=status,
    )


@login_required
def shipment_detail(request: AuthedRequest, shipment_id: int) -> HttpResponse:
    return _shipment_page(request, _shipment(request, shipment_id))


def _receipt_lines(form: ReceiptForm) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            line.pk,
            line.qty if form.value("received", line) is None else form.value("received", line),
            damaged=form.value("damaged", line) or 0,
            note=form.value("note", line) or "",
        )
        for line in form.lines
    ]


@login_required
@require_POST
def shipment_receive(request: AuthedRequest, shipment_id: int) -> HttpResponse:
    """The buyer confirms what arrived, line by line."""
    shipment = _shipment(request, shipment_id)
    if not scope.can(request.user, SHIP_ORDERS, shipment.order.buyer):
        raise PermissionDenied
    form = ReceiptForm(request.POST, lines=list(shipment.lines.all()))
    return form_submit(
        request,
        form,
        action=lambda data: services.receipt_confirm(
            actor=request.user,
            shipment=shipment,
            lines=_receipt_lines(form),
            note=data["note"],
        ),
        done=lambda s: _("Receipt of %(number)s confirmed.") % {"number": s.number},
        success_url=reverse("orders:shipment_detail", args=[shipment.pk]),
        redisplay=lambda: _shipment_page(request, shipment, form, 400),
    )


# --- returns --------------------------------------------------------------------------------


def _returnable(order: Order) -> list[Any]:
    serials = selectors.returnable_serials(order=order)
    lines = [
        line for line in selectors.order_lines(order=order) if line.qty_received > line.qty_returned
    ]
    for line in lines:
        line.returnable = line.qty_received - line.qty_returned  # type: ignore[attr-defined]
        line.returnable_serials = serials.get(line.pk, [])  # type: ignore[attr-defined]
    return lines


@login_required
def return_new(request: AuthedRequest, order_id: int) -> HttpResponse:
    """The buyer asks to send received goods back (reason, lines, serials)."""
    order = _order(request, order_id)
    _allowed(request, order, "return")
    lines = _returnable(order)
    form = ReturnForm(request.POST or None, lines=lines)

    def page(status: int = 200) -> HttpResponse:
        return render(
            request, "orders/return_new.html", {"order": order, "form": form}, status=status
        )

    if request.method != "POST":
        return page()
    return form_submit(
        request,
        form,
        action=lambda data: services.return_request(
            actor=request.user,
            order=order,
            lines=[
                ReturnLineIn(line.pk, qty, form.value("serials", line) or ())
                for line in lines
                if (qty := form.value("qty", line))
            ],
            reason_code=data["reason_code"],
            reason=data["reason"],
            kind=data["kind"],
        ),
        done=lambda ret: _("Return %(number)s requested.") % {"number": ret.number},
        success_url=reverse("orders:order_detail", args=[order.pk]),
        redisplay=lambda: page(400),
    )


def _return(request: AuthedRequest, return_id: int) -> ReturnRequest:
    return call_or_404(selectors.return_get, actor=request.user, return_id=return_id)


def _return_actions(request: AuthedRequest, ret: ReturnRequest) -> set[str]:
    user, order = request.user, ret.order
    found: set[str] = set()
    if ret.status == ReturnStatus.REQUESTED and scope.can(user, APPROVE_ORDERS, order.seller):
        found |= {"approve", "reject"}
    if ret.status in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED) and scope.can(
        user, PLACE_ORDERS, order.buyer
    ):
        found.add("cancel")
    if ret.status == ReturnStatus.APPROVED and scope.can(user, SHIP_ORDERS, order.buyer):
        found.add("send")
    if ret.status in (ReturnStatus.APPROVED, ReturnStatus.SENT) and scope.can(
        user, SHIP_ORDERS, order.seller
    ):
        found.add("receive")
    return found


def _return_page(
    request: AuthedRequest, ret: ReturnRequest, *, status: int = 200, **forms: Any
) -> HttpResponse:
    return render(
        request,
        "orders/return_detail.html",
        {
            "ret": ret,
            "order": ret.order,
            "actions": _return_actions(request, ret),
            "approve_form": CommentForm(),
            "reject_form": RejectForm(),
            "audit": audit_list_for_objects(objects={"orders.returnrequest": [ret.pk]}),
            "open_form": next(iter(forms), ""),
            **forms,
        },
        status=status,
    )


@login_required
def return_detail(request: AuthedRequest, return_id: int) -> HttpResponse:
    return _return_page(request, _return(request, return_id))


RETURN_STEPS: dict[str, tuple[Any, Callable[..., Any], str]] = {
    "approve": (CommentForm, services.return_approve, "approve_form"),
    "reject": (RejectForm, services.return_reject, "reject_form"),
}


@login_required
@require_POST
def return_step(request: AuthedRequest, return_id: int, step: str) -> HttpResponse:
    """approve / reject (with a comment), send, receive (credit note), cancel."""
    ret = _return(request, return_id)
    if step not in _return_actions(request, ret):
        raise PermissionDenied
    form_class, service, name = RETURN_STEPS.get(step, (CommentForm, None, "step_form"))
    form = form_class(request.POST)

    def run(data: dict[str, Any]) -> Any:
        actor = request.user
        if step == "send":
            return services.return_send(actor=actor, ret=ret, note=data.get("comment", ""))
        if step == "receive":
            return services.return_receive(actor=actor, ret=ret)
        if step == "cancel":
            return services.return_cancel(actor=actor, ret=ret, reason=data.get("comment", ""))
        return service(actor=actor, ret=ret, comment=data["comment"])  # type: ignore[misc]

    return form_submit(
        request,
        form,
        action=run,
        done=lambda r: (
            _("Return %(number)s: %(status)s.")
            % {"number": r.number, "status": r.get_status_display()}
        ),
        success_url=reverse("orders:return_detail", args=[ret.pk]),
        redisplay=lambda: _return_page(request, ret, status=400, **{name: form}),
    )
