"""Stock pages: balances across the actor's warehouses, one warehouse with its forms
(receive, adjust, transfer, safety stock), the move ledger with reversal, serial search and a
unit's journey, transits with their receipt. Counts, sell-out and 进销存 are in report_views."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_STOCK, VIEW_STOCK
from qudao.core.errors import DomainError
from qudao.core.selectors import audit_list_for_objects
from qudao.core.types import AuthedRequest
from qudao.core.views import (
    call_or_404,
    domain_error_message,
    domain_error_to_form,
    form_submit,
    paginate,
)
from qudao.inventory import selectors, services
from qudao.inventory.forms import (
    AdjustForm,
    MoveFilterForm,
    ReceiveForm,
    ReverseForm,
    SafetyForm,
    StockFilterForm,
    TransferForm,
)
from qudao.inventory.models import SerialEvent, Warehouse
from qudao.network import scope


def _require_stock(request: AuthedRequest) -> None:
    if not scope.has_any(request.user, VIEW_STOCK):
        raise PermissionDenied


@login_required
def stock_list(request: AuthedRequest) -> HttpResponse:
    """Balances of every warehouse in the actor's stock scope: on hand, reserved, available,
    in transit, safety stock and the replenishment suggestion. One query per page."""
    _require_stock(request)
    warehouses = selectors.warehouse_list_for_actor(actor=request.user)
    filters = StockFilterForm(request.GET or None, warehouses=warehouses)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    warehouse = chosen.get("warehouse")
    stock = selectors.stock_list_for_actor(
        actor=request.user,
        warehouse_id=warehouse.pk if warehouse else None,
        q=chosen.get("q") or "",
        below_safety=bool(chosen.get("below_safety")),
    )
    return render(
        request,
        "inventory/stock_list.html",
        {"page": paginate(request, stock), "filters": filters, "warehouses": warehouses},
    )


def _warehouse(request: AuthedRequest, warehouse_id: int) -> Warehouse:
    return call_or_404(selectors.warehouse_get, actor=request.user, warehouse_id=warehouse_id)


def _managed(request: AuthedRequest, warehouse_id: int) -> Warehouse:
    """A warehouse the actor may move stock in: 404 outside its scope, 403 without the
    right (a reader gets no forms; a forged post is refused before anything is parsed)."""
    warehouse = _warehouse(request, warehouse_id)
    if not scope.can(request.user, MANAGE_STOCK, warehouse.org):
        raise PermissionDenied
    return warehouse


def _detail(
    request: AuthedRequest, warehouse: Warehouse, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The warehouse page; a refused form comes back bound with its errors (status 400)."""
    user = request.user
    can_manage = scope.can(user, MANAGE_STOCK, warehouse.org)
    targets = selectors.warehouse_list_for_actor(actor=user, org_id=warehouse.org_id).exclude(
        pk=warehouse.pk
    )
    stock = selectors.stock_for_warehouse(actor=user, warehouse=warehouse)
    context = {
        "warehouse": warehouse,
        "page": paginate(request, stock),
        "can_manage": can_manage,
        "receive_form": ReceiveForm(),
        "adjust_form": AdjustForm(),
        "transfer_form": TransferForm(targets=targets) if targets.exists() else None,
        "safety_form": SafetyForm(),
        "open_form": next(iter(forms), ""),
        "transits": list(
            selectors.transit_list_for_actor(actor=user, open_only=True, warehouse_id=warehouse.pk)[
                :20
            ]
        ),
        **forms,
    }
    if can_manage:
        context["audit"] = audit_list_for_objects(objects={"inventory.warehouse": [warehouse.pk]})
    return render(request, "inventory/warehouse_detail.html", context, status=status)


@login_required
def warehouse_detail(request: AuthedRequest, warehouse_id: int) -> HttpResponse:
    return _detail(request, _warehouse(request, warehouse_id))


def _submit(
    request: AuthedRequest,
    warehouse: Warehouse,
    *,
    form: Any,
    name: str,
    action: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
) -> HttpResponse:
    return form_submit(
        request,
        form,
        action=action,
        done=done,
        success_url=reverse("inventory:warehouse_detail", args=[warehouse.pk]),
        redisplay=lambda: _detail(request, warehouse, status=400, **{name: form}),
    )


@login_required
@require_POST
def stock_receive(request: AuthedRequest, warehouse_id: int) -> HttpResponse:
    warehouse = _managed(request, warehouse_id)
    form = ReceiveForm(request.POST)
    return _submit(
        request,
        warehouse,
        form=form,
        name="receive_form",
        action=lambda data: services.stock_receive(
            actor=request.user, warehouse=warehouse, lines=[form.line()], reason=data["reason"]
        ),
        done=lambda moves: (
            _("Received %(qty)s × %(sku)s.")
            % {"qty": sum(m.qty for m in moves), "sku": form.cleaned_data["sku"].code}
        ),
    )


@login_required
@require_POST
def stock_adjust(request: AuthedRequest, warehouse_id: int) -> HttpResponse:
    warehouse = _managed(request, warehouse_id)
    form = AdjustForm(request.POST)
    return _submit(
        request,
        warehouse,
        form=form,
        name="adjust_form",
        action=lambda data: services.stock_adjust(
            actor=request.user, warehouse=warehouse, lines=[form.line()], reason=data["reason"]
        ),
        done=lambda _moves: _("Adjustment posted."),
    )


@login_required
@require_POST
def transfer_send(request: AuthedRequest, warehouse_id: int) -> HttpResponse:
    warehouse = _managed(request, warehouse_id)
    targets = selectors.warehouse_list_for_actor(
        actor=request.user, org_id=warehouse.org_id
    ).exclude(pk=warehouse.pk)
    form = TransferForm(request.POST, targets=targets)
    return _submit(
        request,
        warehouse,
        form=form,
        name="transfer_form",
        action=lambda data: services.transfer_send(
            actor=request.user,
            from_warehouse=warehouse,
            to_warehouse=data["to_warehouse"],
            lines=[form.line()],
            note=data["note"],
        ),
        done=lambda transit: (
            _("Transfer %(number)s sent; it is in transit until received.")
            % {"number": transit.number}
        ),
    )


@login_required
@require_POST
def safety_stock_set(request: AuthedRequest, warehouse_id: int) -> HttpResponse:
    warehouse = _managed(request, warehouse_id)
    return _submit(
        request,
        warehouse,
        form=SafetyForm(request.POST),
        name="safety_form",
        action=lambda data: services.safety_stock_set(
            actor=request.user, warehouse=warehouse, sku=data["sku"], qty=data["qty"]
        ),
        done=lambda _stock: _("Safety stock saved."),
    )


@login_required
def move_list(request: AuthedRequest) -> HttpResponse:
    """The move ledger: who, when, why and the document, newest first."""
    _require_stock(request)
    warehouses = selectors.warehouse_list_for_actor(actor=request.user)
    filters = MoveFilterForm(request.GET or None, warehouses=warehouses)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    moves = selectors.move_list_for_actor(
        actor=request.user,
        warehouse_id=chosen["warehouse"].pk if chosen.get("warehouse") else None,
        kind=chosen.get("kind") or "",
        since=chosen.get("since"),
        until=chosen.get("until"),
    )
    if chosen.get("q"):
        word = chosen["q"].strip().lower()
        moves = moves.filter(sku__code__icontains=word) | moves.filter(
            sku__search_text__contains=word
        )
    return render(
        request, "inventory/move_list.html", {"page": paginate(request, moves), "filters": filters}
    )


def _move_page(
    request: AuthedRequest, move_id: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    move = call_or_404(selectors.move_get, actor=request.user, move_id=move_id)
    events = list(
        SerialEvent.objects.filter(move=move).select_related("serial").order_by("serial__serial")
    )
    return render(
        request,
        "inventory/move_detail.html",
        {
            "move": move,
            "events": events,
            "can_manage": scope.can(request.user, MANAGE_STOCK, move.warehouse.org),
            "reverse_form": extra.pop("reverse_form", ReverseForm()),
            **extra,
        },
        status=status,
    )


@login_required
def move_detail(request: AuthedRequest, move_id: int) -> HttpResponse:
    return _move_page(request, move_id)


@login_required
@require_POST
def move_reverse(request: AuthedRequest, move_id: int) -> HttpResponse:
    move = call_or_404(selectors.move_get, actor=request.user, move_id=move_id)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.move_reverse(
                actor=request.user, move=move, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Move reversed."))
            return redirect("inventory:move_detail", move_id=reversal.pk)
    return _move_page(request, move_id, reverse_form=form, status=400)


@login_required
def serial_search(request: AuthedRequest) -> HttpResponse:
    """Units in the actor's scope by the start of their serial; an exact hit opens its
    journey."""
    _require_stock(request)
    q = request.GET.get("q", "").strip()
    units = selectors.serial_list_for_actor(actor=request.user, q=q) if q else None
    if units is not None:
        exact = units.filter(serial=q.upper()).first()
        if exact is not None:
            return redirect("inventory:serial_journey", serial=exact.serial)
    return render(
        request,
        "inventory/serial_search.html",
        {"q": q, "page": paginate(request, units) if units is not None else None},
    )


@login_required
def serial_journey(request: AuthedRequest, serial: str) -> HttpResponse:
    """A unit's whole journey as far as the actor may see it."""
    journey = call_or_404(selectors.serial_journey, actor=request.user, serial=serial)
    return render(request, "inventory/serial_journey.html", {"journey": journey})


@login_required
def transit_list(request: AuthedRequest) -> HttpResponse:
    _require_stock(request)
    open_only = request.GET.get("open") == "1"
    transits = selectors.transit_list_for_actor(actor=request.user, open_only=open_only)
    return render(
        request,
        "inventory/transit_list.html",
        {"page": paginate(request, transits), "open_only": open_only},
    )


@login_required
def transit_detail(request: AuthedRequest, transit_id: int) -> HttpResponse:
    transit = call_or_404(selectors.transit_get, actor=request.user, transit_id=transit_id)
    return render(
        request,
        "inventory/transit_detail.html",
        {
            "transit": transit,
            "can_receive": transit.status == "in_transit"
            and transit.kind == "transfer"
            and scope.can(request.user, MANAGE_STOCK, transit.to_warehouse.org),
        },
    )


@login_required
@require_POST
def transit_receive(request: AuthedRequest, transit_id: int) -> HttpResponse:
    """The receiving warehouse takes in everything still on its way."""
    transit = call_or_404(selectors.transit_get, actor=request.user, transit_id=transit_id)
    try:
        services.transfer_receive(actor=request.user, transit=transit)
    except DomainError as exc:
        domain_error_message(request, exc)
    else:
        messages.success(request, _("Transfer %(number)s received.") % {"number": transit.number})
    return redirect("inventory:transit_detail", transit_id=transit.pk)
