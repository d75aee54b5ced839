"""Order pages for both sides: the list with filters and its Excel export, one order (a draft
with its preview; a placed order with its reasons, shipments, returns and timeline) and the
decisions on it, and the approver's inbox (made for a phone). The portal is in views_cart,
shipping, receipts and returns in views_docs."""

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

from qudao.accounts.constants import (
    APPROVE_ORDERS,
    MANAGE_ORDER_RULES,
    PLACE_ORDERS,
    SHIP_ORDERS,
)
from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.errors import DomainError
from qudao.core.spreadsheet import XLSX, workbook_bytes
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, form_submit, paginate
from qudao.network import scope
from qudao.orders import selectors, services
from qudao.orders.constants import OrderStatus
from qudao.orders.forms import (
    CancelForm,
    CommentForm,
    DraftForm,
    OrderFilterForm,
    RejectForm,
    SellerCancelForm,
)
from qudao.orders.models import Order

EXPORT_LIMIT = 10_000


def _require_orders(request: AuthedRequest) -> None:
    if not any(scope.has_any(request.user, p) for p in (PLACE_ORDERS, APPROVE_ORDERS, SHIP_ORDERS)):
        raise PermissionDenied


def _filtered(request: AuthedRequest) -> tuple[OrderFilterForm, Any]:
    filters = OrderFilterForm(request.GET or None, buyers=scope.visible_orgs(request.user))
    chosen = filters.cleaned_data if filters.is_valid() else {}
    sku_code = (chosen.get("sku") or "").strip()
    sku = sku_map_by_codes([sku_code]).get(sku_code) if sku_code else None
    buyer = chosen.get("buyer")
    orders = call_or_404(
        selectors.order_list_for_actor,
        actor=request.user,
        side=chosen.get("side") or "",
        status=chosen.get("status") or "",
        since=chosen.get("since"),
        until=chosen.get("until"),
        buyer_id=buyer.pk if buyer else None,
        sku_id=sku.pk if sku else (-1 if sku_code else None),
        q=chosen.get("q") or "",
    )
    return filters, orders


@login_required
def order_list(request: AuthedRequest) -> HttpResponse:
    """Orders of both sides the actor sees; one query for the page."""
    _require_orders(request)
    filters, orders = _filtered(request)
    return render(
        request,
        "orders/order_list.html",
        {
            "page": paginate(request, orders),
            "filters": filters,
            "can_order": scope.has_any(request.user, PLACE_ORDERS),
            "can_approve": scope.has_any(request.user, APPROVE_ORDERS),
            "can_set_rules": scope.has_any(request.user, MANAGE_ORDER_RULES),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def order_export(request: AuthedRequest) -> HttpResponse:
    """The filtered list as an Excel sheet."""
    _require_orders(request)
    _filters, orders = _filtered(request)
    headers = [
        _("Number"),
        _("Order date"),
        _("Buyer"),
        _("Seller"),
        _("Status"),
        _("Amount"),
        _("Prepaid"),
        _("Rebate"),
        _("On credit"),
        _("On behalf"),
    ]
    rows = (
        [
            o.number,
            o.placed_at.strftime("%Y-%m-%d %H:%M"),
            o.buyer.name,
            o.seller.name,
            str(o.get_status_display()),
            o.amount,
            o.prepaid_amount,
            o.rebate_amount,
            o.credit_amount,
            _("yes") if o.on_behalf else "",
        ]
        for o in orders[:EXPORT_LIMIT]
    )
    response = HttpResponse(workbook_bytes(headers, rows, title=_("Orders")), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="orders.xlsx"'
    return response


def _order(request: AuthedRequest, order_id: int) -> Order:
    return call_or_404(selectors.order_get, actor=request.user, order_id=order_id)


def detail_page(
    request: AuthedRequest, order: Order, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """One order; a refused form comes back bound with its errors (status 400)."""
    detail = call_or_404(selectors.order_detail, actor=request.user, order_id=order.pk)
    order = detail.order
    preview = None
    if order.status == OrderStatus.DRAFT and "submit" in detail.actions:
        preview = call_or_404(selectors.order_preview, actor=request.user, order=order)
    lines = preview.lines if preview else []
    priced = {p.sku.pk: p for p in lines if p.gift_promotion_id is None}
    context = {
        "d": detail,
        "draft_rows": [
            (row, priced.get(row.sku_id)) for row in detail.lines if not row.gift_promotion_id
        ],
        "draft_gifts": [p for p in lines if p.gift_promotion_id],
        "order": order,
        "preview": preview,
        "price_changed": bool(preview and any(p.price_changed for p in preview.lines)),
        "actions": detail.actions,
        "audit": detail.timeline,
        "draft_form": DraftForm(
            initial={
                "note": order.note,
                "use_rebate": order.use_rebate,
                "coupon_codes": " ".join(order.coupon_codes),
            }
        ),
        "approve_form": CommentForm(),
        "reject_form": RejectForm(),
        "cancel_form": CancelForm(),
        "seller_cancel_form": SellerCancelForm(),
        "open_form": next(iter(forms), ""),
        **forms,
    }
    return render(request, "orders/order_detail.html", context, status=status)


@login_required
def order_detail(request: AuthedRequest, order_id: int) -> HttpResponse:
    return detail_page(request, _order(request, order_id))


def _decide(
    request: AuthedRequest,
    order_id: int,
    *,
    form_class: Any,
    name: str,
    action: str,
    run: Callable[[Order, dict[str, Any]], Any],
    done: Callable[[Order], str],
) -> HttpResponse:
    """A decision on an order from its page (or the inbox): 404 outside the scope, 403 when
    the actor may not take it, the bound form again when the service refuses."""
    order = _order(request, order_id)
    if action not in selectors.allowed_actions(actor=request.user, order=order):
        raise PermissionDenied
    form = form_class(request.POST)
    back = request.POST.get("next") or ""
    success = (
        back if back.startswith("/orders/") else reverse("orders:order_detail", args=[order.pk])
    )
    return form_submit(
        request,
        form,
        action=lambda data: run(order, data),
        done=lambda _result: done(order),
        success_url=success,
        redisplay=lambda: detail_page(request, order, status=400, **{name: form}),
    )


@login_required
@require_POST
def order_approve(request: AuthedRequest, order_id: int) -> HttpResponse:
    return _decide(
        request,
        order_id,
        form_class=CommentForm,
        name="approve_form",
        action="approve",
        run=lambda order, data: services.order_approve(
            actor=request.user, order=order, comment=data["comment"]
        ),
        done=lambda order: _("Order %(number)s approved.") % {"number": order.number},
    )


@login_required
@require_POST
def order_reject(request: AuthedRequest, order_id: int) -> HttpResponse:
    return _decide(
        request,
        order_id,
        form_class=RejectForm,
        name="reject_form",
        action="reject",
        run=lambda order, data: services.order_reject(
            actor=request.user, order=order, comment=data["comment"]
        ),
        done=lambda order: _("Order %(number)s rejected.") % {"number": order.number},
    )


@login_required
@require_POST
def order_cancel(request: AuthedRequest, order_id: int) -> HttpResponse:
    """The buyer cancels before shipment (a draft is simply dropped)."""
    return _decide(
        request,
        order_id,
        form_class=CancelForm,
        name="cancel_form",
        action="cancel",
        run=lambda order, data: services.order_cancel(
            actor=request.user, order=order, reason=data["reason"]
        ),
        done=lambda order: _("Order %(number)s cancelled.") % {"number": order.number},
    )


@login_required
@require_POST
def order_cancel_by_seller(request: AuthedRequest, order_id: int) -> HttpResponse:
    return _decide(
        request,
        order_id,
        form_class=SellerCancelForm,
        name="seller_cancel_form",
        action="cancel_by_seller",
        run=lambda order, data: services.order_cancel_by_seller(
            actor=request.user, order=order, reason=data["reason"]
        ),
        done=lambda order: _("Order %(number)s cancelled.") % {"number": order.number},
    )


@login_required
@require_POST
def order_complete(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    if "complete" not in selectors.allowed_actions(actor=request.user, order=order):
        raise PermissionDenied
    try:
        services.order_complete(actor=request.user, order=order)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order %(number)s completed.") % {"number": order.number})
    return redirect("orders:order_detail", order_id=order.pk)


@login_required
def approval_inbox(request: AuthedRequest) -> HttpResponse:
    """Held orders waiting for the actor, oldest first, with their reasons and numbers; each
    approved or rejected with a comment right here (made for a phone)."""
    if not scope.has_any(request.user, APPROVE_ORDERS):
        raise PermissionDenied
    page = paginate(request, selectors.approval_inbox(actor=request.user), per_page=20)
    return render(
        request,
        "orders/approval_inbox.html",
        {"page": page, "approve_form": CommentForm(), "reject_form": RejectForm()},
    )
