"""The ordering portal: "order from <seller>" for each seller the buyer (or, on its behalf, a
salesperson or the seller's staff) may order from; the seller's catalogue at the buyer's own
prices with stock shown as in stock / low / out; a draft from quantity boxes and pasted
lines; the draft page with totals, payment split, credit after the order and every hold
reason (the domain's preview); submit (a second submit changes nothing) and reorder."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import PLACE_ORDERS
from qudao.catalog.selectors import category_choices
from qudao.core.errors import DomainError
from qudao.core.text import normalize_query
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, domain_error_message, domain_error_to_form, paginate
from qudao.inventory.selectors import stock_available, warehouse_default_for
from qudao.network import scope
from qudao.network.models import Org
from qudao.network.selectors import sellers_of
from qudao.orders import selectors, services
from qudao.orders.engine import LineIn, parse_pasted_lines, stock_state
from qudao.orders.forms import DraftForm
from qudao.orders.models import Order
from qudao.pricing.selectors import buyer_catalogue, catalogue_rows, trading_pair

MAX_BUYERS = 50  # buyers listed on the start page; more are found by search


def placeable_buyers(actor: Any, q: str = "") -> Any:
    """Orgs the actor may order for: its own and, for a salesperson or seller staff, the
    buyers below it (代客下单)."""
    paths = [g.path for g in scope.grants(actor) if PLACE_ORDERS in g.permissions]
    if not paths:
        return Org.objects.none()
    qs = scope.visible_orgs(actor)
    own = qs.filter(path__in=paths)
    below = qs.exclude(path__in=paths)
    if q.strip():
        below = below.filter(search_text__contains=normalize_query(q.strip()))
    return (
        list(own.order_by("path"))
        + [
            org
            for org in below.order_by("path")[: MAX_BUYERS * 4]
            if any(org.path.startswith(p) for p in paths)
        ][:MAX_BUYERS]
    )


@login_required
def order_start(request: AuthedRequest) -> HttpResponse:
    """Where the actor can order from: for each buyer it orders for, its sellers."""
    if not scope.has_any(request.user, PLACE_ORDERS):
        raise PermissionDenied
    q = request.GET.get("q", "")
    pairs = [(buyer, sellers_of(buyer=buyer)) for buyer in placeable_buyers(request.user, q)]
    return render(request, "orders/order_start.html", {"pairs": [p for p in pairs if p[1]], "q": q})


def _pair(request: AuthedRequest, seller_id: int) -> tuple[Org, Org]:
    """(seller, buyer) from the URL and ?buyer= (default: the actor's own org): 404 when the
    buyer does not order from this seller or is out of scope, 403 without the right."""
    wanted = request.GET.get("buyer") or request.POST.get("buyer") or ""
    if wanted.isdigit():
        buyer_id = int(wanted)
    else:
        paths = [g.path for g in scope.grants(request.user) if PLACE_ORDERS in g.permissions]
        own = scope.visible_orgs(request.user).filter(path__in=paths).order_by("path").first()
        if own is None:
            raise PermissionDenied
        buyer_id = own.pk
    seller, buyer = call_or_404(
        trading_pair, actor=request.user, seller_id=seller_id, buyer_id=buyer_id
    )
    if not scope.can(request.user, PLACE_ORDERS, buyer):
        raise PermissionDenied
    return seller, buyer


def catalogue_context(request: AuthedRequest, seller: Org, buyer: Org) -> dict[str, Any]:
    """A page of the seller's catalogue as the buyer sees it, with its sales units and the
    stock state (never the seller's numbers)."""
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    skus = buyer_catalogue(
        actor=request.user,
        seller=seller,
        buyer=buyer,
        q=q,
        category_id=int(category) if category.isdigit() else None,
    )
    page = paginate(request, skus, per_page=30)
    rows = catalogue_rows(seller=seller, buyer=buyer, skus=page.object_list)
    warehouse = warehouse_default_for(org=seller)
    available = (
        stock_available(warehouse=warehouse, skus=[r.sku for r in rows]) if warehouse else {}
    )
    return {
        "page": page,
        "rows": [(r.sku, r.line, stock_state(available.get(r.sku.pk, 0), 1)) for r in rows],
        "q": q,
        "category": category,
        "categories": category_choices(actor=request.user),
    }


def boxes(request: AuthedRequest) -> list[LineIn]:
    """Lines from the catalogue's quantity boxes: qty_<code> with unit_<code>."""
    found = []
    for key in request.POST:
        value = (request.POST.get(key) or "").strip()
        if key.startswith("qty_") and value and value != "0":
            code = key.removeprefix("qty_")
            found.append(LineIn(code, value, request.POST.get(f"unit_{code}") or ""))
    return found


def _new_page(
    request: AuthedRequest, seller: Org, buyer: Org, form: DraftForm, status: int = 200
) -> HttpResponse:
    context = {
        "seller": seller,
        "buyer": buyer,
        "form": form,
        "on_behalf": not any(
            g.path == buyer.path and PLACE_ORDERS in g.permissions
            for g in scope.grants(request.user)
        ),
        "past": selectors.order_list_for_actor(
            actor=request.user, side="buying", buyer_id=buyer.pk, seller_id=seller.pk
        ).exclude(status="draft")[:5],
        **catalogue_context(request, seller, buyer),
    }
    if request.htmx and request.method == "GET":
        return render(request, "orders/partials/_catalogue_rows.html", context)
    return render(request, "orders/order_new.html", context, status=status)


@login_required
def order_new(request: AuthedRequest, seller_id: int) -> HttpResponse:
    """GET: the seller's catalogue and the paste box. POST: a draft from both."""
    seller, buyer = _pair(request, seller_id)
    if request.method != "POST":
        return _new_page(request, seller, buyer, DraftForm())
    form = DraftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        lines = boxes(request) + parse_pasted_lines(data["lines"])
        try:
            order = services.order_draft_create(
                actor=request.user,
                buyer=buyer,
                seller=seller,
                lines=lines,
                note=data["note"],
                use_rebate=data["use_rebate"],
                coupon_codes=data["coupon_codes"],
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Draft %(number)s saved; check it and submit.") % {"number": order.number},
            )
            return redirect("orders:order_detail", order_id=order.pk)
    return _new_page(request, seller, buyer, form, status=400)


def draft_lines(request: AuthedRequest, order: Order) -> list[LineIn]:
    """The draft's lines as edited (line_<line id>; 0 or empty removes it); free goods
    are the promotions' to give, not the buyer's to edit."""
    found = []
    for line in selectors.order_lines(order=order):
        if line.gift_promotion_id:
            continue
        raw = request.POST.get(f"line_{line.pk}", str(line.unit_qty)).strip()
        if raw and raw != "0":
            found.append(LineIn(line.sku.code, raw, line.unit))
    return found


def _order(request: AuthedRequest, order_id: int) -> Order:
    return call_or_404(selectors.order_get, actor=request.user, order_id=order_id)


@login_required
@require_POST
def order_edit(request: AuthedRequest, order_id: int) -> HttpResponse:
    """Save the draft: quantities changed, lines pasted, note and rebate choice."""
    from qudao.orders.views import detail_page

    order = _order(request, order_id)
    form = DraftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        lines = draft_lines(request, order) + parse_pasted_lines(data["lines"])
        try:
            services.order_draft_update(
                actor=request.user,
                order=order,
                lines=lines,
                note=data["note"],
                use_rebate=data["use_rebate"],
                coupon_codes=data["coupon_codes"],
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("orders:order_detail", order_id=order.pk)
    return detail_page(request, order, status=400, draft_form=form)


@login_required
@require_POST
def order_submit(request: AuthedRequest, order_id: int) -> HttpResponse:
    """Submit the draft. A second submit (double click, back button) changes nothing and
    lands on the order as it is."""
    order = _order(request, order_id)
    try:
        order = services.order_submit(
            actor=request.user,
            order=order,
            accept_price_changes=request.POST.get("accept_price_changes") == "1",
        )
    except services.OrderAlreadySubmitted:
        messages.info(request, _("This order was submitted already."))
    except DomainError as exc:
        domain_error_message(request, exc)
    else:
        if order.status == "approved":
            messages.success(
                request, _("Order %(number)s submitted and approved.") % {"number": order.number}
            )
        else:
            messages.warning(
                request,
                _("Order %(number)s submitted; it waits for the seller's approval.")
                % {"number": order.number},
            )
    return redirect("orders:order_detail", order_id=order.pk)


@login_required
@require_POST
def order_reorder(request: AuthedRequest, order_id: int) -> HttpResponse:
    """A new draft with the lines of this order at today's prices."""
    order = _order(request, order_id)
    try:
        result = services.order_reorder(actor=request.user, order=order)
    except DomainError as exc:
        domain_error_message(request, exc)
        return redirect("orders:order_detail", order_id=order.pk)
    if result.skipped:
        messages.warning(
            request,
            _("Not offered any more, left out: %(skus)s")
            % {"skus": ", ".join(str(s) for s in result.skipped)},
        )
    messages.success(request, _("New draft %(number)s.") % {"number": result.order.number})
    return redirect(reverse("orders:order_detail", args=[result.order.pk]))
