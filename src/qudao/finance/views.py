"""Finance pages: a seller's buyers with their credit numbers, one position's money (ledger,
invoices, payments) with the seller's forms, ageing and the overdue list. The buyer sees its
own positions read-only and may report a bank transfer with its slip."""

import mimetypes
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_FINANCE, VIEW_FINANCE
from qudao.core.errors import DomainError, NotFound
from qudao.core.money import money
from qudao.core.selectors import audit_list_for_objects
from qudao.core.text import normalize_query
from qudao.core.types import AuthedRequest
from qudao.core.views import (
    call_or_404,
    domain_error_message,
    domain_error_to_form,
    form_submit,
    paginate,
)
from qudao.finance import selectors, services
from qudao.finance.forms import (
    ALLOCATE_PREPAID,
    AdjustmentForm,
    CreditProfileForm,
    LedgerFilterForm,
    NewProfileForm,
    PaymentForm,
    RejectForm,
    SlipForm,
    TemporaryLimitForm,
)
from qudao.finance.models import Payment, Position
from qudao.finance.selectors import (
    BUCKET_LABELS,
    BUCKETS,
    PositionNumbers,
    finance_q,
    is_buyer_side,
    open_invoices,
    position_ageing,
    position_for_finance,
    position_for_seller,
    position_numbers,
)
from qudao.network import scope
from qudao.network.models import Org
from qudao.network.selectors import org_ancestors, org_get_by_code, org_tree_children, sells_to

ZERO = Decimal("0.00")


# The status a page shows for a credit check of 0 (can the buyer order at all right now?).
def _require_finance(request: AuthedRequest) -> None:
    if not scope.has_any(request.user, VIEW_FINANCE):
        raise PermissionDenied


@login_required
def position_list(request: AuthedRequest) -> HttpResponse:
    """The buyers of the actor's seller orgs with their numbers; its own positions below."""
    _require_finance(request)
    user = request.user
    q = request.GET.get("q", "").strip()
    sold = selectors.position_list_for_actor(actor=user).filter(finance_q(user, "seller__path"))
    if q:
        sold = sold.filter(
            Q(buyer__search_text__contains=normalize_query(q)) | Q(buyer__code__iexact=q)
        )
    page = paginate(request, sold)
    bought = list(
        selectors.position_list_for_actor(actor=user)
        .filter(finance_q(user, "buyer__path", own=True))
        .exclude(finance_q(user, "seller__path"))
    )
    numbers = {n.position.pk: n for n in position_numbers([*page.object_list, *bought])}
    return render(
        request,
        "finance/position_list.html",
        {
            "page": page,
            "rows": [numbers[p.pk] for p in page.object_list],
            "own_rows": [numbers[p.pk] for p in bought],
            "q": q,
            "can_create": scope.has_any(user, MANAGE_FINANCE),
        },
    )


def _managed_sellers(request: AuthedRequest) -> list[Org]:
    return list(selectors.managed_sellers(actor=request.user))


@login_required
def credit_profile_create(request: AuthedRequest) -> HttpResponse:
    """Set the credit profile of a buyer that has no position with the seller yet."""
    sellers = _managed_sellers(request)
    if not sellers:
        raise PermissionDenied
    form = NewProfileForm(request.POST or None, sellers=[(s.pk, s.name) for s in sellers])
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        seller = next(s for s in sellers if s.pk == data.pop("seller"))
        code = data.pop("buyer")
        try:
            buyer = org_get_by_code(actor=request.user, code=code)
            if not sells_to(seller=seller, buyer=buyer):
                raise NotFound
            position = services.credit_profile_set(
                actor=request.user, buyer=buyer, seller=seller, data=data
            )
        except NotFound:
            form.add_error(
                "buyer",
                _("%(code)s does not buy from %(seller)s.") % {"code": code, "seller": seller},
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Credit profile saved."))
            return redirect("finance:position_detail", position_id=position.pk)
    return render(request, "finance/credit_profile_form.html", {"form": form})


def _profile_initial(position: Position) -> dict[str, Any]:
    return {key: getattr(position, key) for key in services.PROFILE_FIELDS}


def _detail(
    request: AuthedRequest, position: Position, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The position page; a refused form comes back bound, with its errors (status 400)."""
    user = request.user
    can_manage = scope.can(user, MANAGE_FINANCE, position.seller)
    filters = LedgerFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    ledger = selectors.ledger_for_position(
        position=position,
        account=chosen.get("account") or "",
        kind=chosen.get("kind") or "",
        since=chosen.get("since"),
        until=chosen.get("until"),
    )
    decision = selectors.credit_check(position=position, amount=ZERO)
    ageing = position_ageing(position=position)
    ageing_rows = [(BUCKET_LABELS[name], ageing[name]) for name in BUCKETS]
    payments = list(position.payments.select_related("created_by")[:50])
    open_list = list(open_invoices(position=position))
    context = {
        "position": position,
        "numbers": PositionNumbers.from_decision(position, decision),
        "ageing": ageing_rows,
        "ageing_total": ageing["total"],
        "temporary_limits": list(position.temporary_limits.order_by("-valid_until", "-id")),
        "now": timezone.now(),
        "today": timezone.localdate(),
        "page": paginate(request, ledger),
        "filters": filters,
        "open_invoices": open_list,
        "payments": payments,
        "can_manage": can_manage,
        "is_buyer": is_buyer_side(user, position),
        "profile_form": CreditProfileForm(initial=_profile_initial(position)),
        "limit_form": TemporaryLimitForm(),
        "payment_form": PaymentForm(invoices=open_list),
        "adjust_form": AdjustmentForm(),
        "slip_form": SlipForm(),
        "reject_form": RejectForm(),
        "open_form": next(iter(forms), ""),
        **forms,
    }
    if can_manage:
        context["audit"] = audit_list_for_objects(
            objects={"finance.position": [position.pk], "finance.payment": [p.pk for p in payments]}
        )
    return render(request, "finance/position_detail.html", context, status=status)


@login_required
def position_detail(request: AuthedRequest, position_id: int) -> HttpResponse:
    position = call_or_404(position_for_finance, actor=request.user, position_id=position_id)
    return _detail(request, position)


def _seller_position(request: AuthedRequest, position_id: int) -> Position:
    return call_or_404(position_for_seller, actor=request.user, position_id=position_id)


def _submit(
    request: AuthedRequest,
    position: Position,
    *,
    form: Any,
    name: str,
    action: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    return form_submit(
        request,
        form,
        action=action,
        done=done,
        success_url=reverse("finance:position_detail", args=[position.pk]),
        redisplay=lambda: _detail(request, position, status=400, **{name: form}),
    )


@login_required
@require_POST
def credit_profile_update(request: AuthedRequest, position_id: int) -> HttpResponse:
    position = _seller_position(request, position_id)
    return _submit(
        request,
        position,
        form=CreditProfileForm(request.POST),
        name="profile_form",
        action=lambda data: services.credit_profile_set(
            actor=request.user, buyer=position.buyer, seller=position.seller, data=data
        ),
        done=_("Credit profile saved."),
    )


@login_required
@require_POST
def temporary_limit_grant(request: AuthedRequest, position_id: int) -> HttpResponse:
    position = _seller_position(request, position_id)
    return _submit(
        request,
        position,
        form=TemporaryLimitForm(request.POST),
        name="limit_form",
        action=lambda data: services.temporary_limit_grant(
            actor=request.user, position=position, **data
        ),
        done=_("Temporary limit granted."),
    )


@login_required
@require_POST
def payment_record(request: AuthedRequest, position_id: int) -> HttpResponse:
    position = _seller_position(request, position_id)
    form = PaymentForm(request.POST, invoices=open_invoices(position=position))

    def record(data: dict[str, Any]) -> Payment:
        return services.payment_record(
            actor=request.user,
            position=position,
            amount=data["amount"],
            method=data["method"],
            received_on=data["received_on"],
            reference=data["reference"],
            to_prepaid=data["allocate"] == ALLOCATE_PREPAID,
            allocations=form.allocations(),
        )

    return _submit(
        request,
        position,
        form=form,
        name="payment_form",
        action=record,
        done=_("Payment recorded."),
    )


@login_required
@require_POST
def balance_adjust(request: AuthedRequest, position_id: int) -> HttpResponse:
    position = _seller_position(request, position_id)
    return _submit(
        request,
        position,
        form=AdjustmentForm(request.POST),
        name="adjust_form",
        action=lambda data: services.balance_adjust(actor=request.user, position=position, **data),
        done=_("Adjustment posted."),
    )


@login_required
@require_POST
def payment_slip_submit(request: AuthedRequest, position_id: int) -> HttpResponse:
    """The buyer reports a bank transfer with its slip; the seller's finance confirms it."""
    position = call_or_404(position_for_finance, actor=request.user, position_id=position_id)
    if not is_buyer_side(request.user, position):
        raise PermissionDenied
    return _submit(
        request,
        position,
        form=SlipForm(request.POST, request.FILES),
        name="slip_form",
        action=lambda data: services.payment_submit_slip(
            actor=request.user, position=position, **data
        ),
        done=_("Transfer reported; the seller's finance will confirm it."),
    )


def _payment_or_404(position: Position, payment_id: int) -> Payment:
    payment = position.payments.filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return payment


@login_required
@require_POST
def payment_confirm(request: AuthedRequest, position_id: int, payment_id: int) -> HttpResponse:
    position = _seller_position(request, position_id)
    payment = _payment_or_404(position, payment_id)
    try:
        services.payment_confirm(actor=request.user, payment=payment)
    except DomainError as exc:
        domain_error_message(request, exc)
    else:
        messages.success(request, _("Payment %(number)s confirmed.") % {"number": payment.number})
    return redirect("finance:position_detail", position_id=position.pk)


@login_required
@require_POST
def payment_reject(request: AuthedRequest, position_id: int, payment_id: int) -> HttpResponse:
    position = _seller_position(request, position_id)
    payment = _payment_or_404(position, payment_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("finance:position_detail", position_id=position.pk)
    try:
        services.payment_reject(
            actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        domain_error_message(request, exc)
    else:
        messages.success(request, _("Payment %(number)s rejected.") % {"number": payment.number})
    return redirect("finance:position_detail", position_id=position.pk)


@login_required
def payment_slip(request: AuthedRequest, position_id: int, payment_id: int) -> FileResponse:
    """The slip file, for both sides of the position only: it lives in private storage,
    which has no URL. Named after the payment; its type was checked from its content."""
    position = call_or_404(position_for_finance, actor=request.user, position_id=position_id)
    payment = _payment_or_404(position, payment_id)
    if not payment.slip:
        raise Http404
    suffix = PurePath(payment.slip.name).suffix.lower()
    response = FileResponse(
        payment.slip.open("rb"),
        filename=f"{payment.number}{suffix}",
        content_type=mimetypes.guess_type(f"slip{suffix}")[0] or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def ageing(request: AuthedRequest) -> HttpResponse:
    """Open receivables by ageing bucket per buyer, for a region subtree (`?org=<code>`)."""
    _require_finance(request)
    user = request.user
    code = request.GET.get("org", "").strip()
    org = call_or_404(org_get_by_code, actor=user, code=code) if code else None
    rows = selectors.ageing_by_buyer(actor=user, under_org_path=org.path if org else "")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    nodes = org_tree_children(actor=user, parent=org)
    if org is None and len(nodes) == 1:  # one root (HQ, or the actor's org): start below it
        nodes = org_tree_children(actor=user, parent=nodes[0].org)
    children = [n.org for n in nodes if n.descendants]
    return render(
        request,
        "finance/ageing.html",
        {
            "org": org,
            "ancestors": org_ancestors(actor=user, org=org) if org else [],
            "children": children,
            "page": page,
            "labels": [BUCKET_LABELS[name] for name in BUCKETS],
            "rows": [
                (r, [money(r[name]) for name in BUCKETS], money(r["total"]))
                for r in page.object_list
            ],
            "totals": [money(sum((r[name] for r in rows), ZERO)) for name in BUCKETS],
            "total": money(sum((r["total"] for r in rows), ZERO)),
        },
    )


@login_required
def overdue(request: AuthedRequest) -> HttpResponse:
    """Invoices past due with the days overdue, the longest first: the collection list."""
    _require_finance(request)
    invoices = selectors.overdue_invoices(actor=request.user)
    today = timezone.localdate()
    page = paginate(request, invoices)
    return render(
        request,
        "finance/overdue.html",
        {
            "page": page,
            "rows": [(i, (today - i.due_on).days) for i in page.object_list],
            "total": invoices.aggregate(s=Sum("open_amount"))["s"] or ZERO,
        },
    )
