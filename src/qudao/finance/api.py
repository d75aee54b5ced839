from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from qudao.accounts.constants import MANAGE_FINANCE
from qudao.core.errors import NotFound, PermissionDenied, ValidationFailed
from qudao.core.money import money
from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.finance import exports, selectors, services
from qudao.finance.forms import SlipForm
from qudao.finance.models import Invoice, Payment, Statement, TemporaryLimit
from qudao.finance.schemas import (
    AllocationIn,
    CreditCheckIn,
    CreditDecisionOut,
    CreditProfileCreateIn,
    CreditProfileIn,
    InvoiceFilters,
    InvoiceOut,
    LedgerEntryOut,
    LedgerFilters,
    PaymentConfirmIn,
    PaymentIn,
    PaymentOut,
    PaymentRejectIn,
    PositionDetailOut,
    PositionFilters,
    PositionOut,
    PositionPageOut,
    SlipIn,
    StatementAnswerIn,
    StatementDetailOut,
    StatementDisputeIn,
    StatementFilters,
    StatementGenerateIn,
    StatementGenerateOut,
    StatementOut,
    TemporaryLimitIn,
    TemporaryLimitOut,
)
from qudao.finance.selectors import (
    PositionNumbers,
    finance_q,
    position_ageing,
    position_for_finance,
    position_for_seller,
    position_numbers,
)
from qudao.network import scope
from qudao.network.selectors import org_get, sells_to

router = Router(tags=["finance"])


def _position_out(n: PositionNumbers) -> dict[str, Any]:
    p = n.position
    return {
        "id": p.pk,
        "buyer_id": p.buyer_id,
        "buyer_code": p.buyer.code,
        "buyer_name": p.buyer.name,
        "seller_id": p.seller_id,
        "seller_code": p.seller.code,
        "seller_name": p.seller.name,
        "prepaid_balance": p.prepaid_balance,
        "rebate_balance": p.rebate_balance,
        "deposit_balance": p.deposit_balance,
        "receivable_balance": p.receivable_balance,
        "frozen_amount": p.frozen_amount,
        "credit_limit": p.credit_limit,
        "temporary_limit": n.temporary,
        "exposure": n.exposure,
        "available": n.available,
        "overdue_amount": n.overdue_amount,
        "max_days_overdue": n.max_days_overdue,
        "status": n.status,
        "profile": {key: getattr(p, key) for key in services.PROFILE_FIELDS},
        "updated_at": p.updated_at,
    }


def _limit_out(limit: TemporaryLimit) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": limit.pk,
        "amount": limit.amount,
        "valid_from": limit.valid_from,
        "valid_until": limit.valid_until,
        "reason": limit.reason,
        "valid_now": limit.valid_from <= now < limit.valid_until,
        "created_at": limit.created_at,
    }


def _payment_out(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "number": payment.number,
        "position_id": payment.position_id,
        "method": payment.method,
        "amount": payment.amount,
        "received_on": payment.received_on,
        "reference": payment.reference,
        "status": payment.status,
        "note": payment.note,
        "has_slip": bool(payment.slip),
        "allocations": list(payment.allocations.select_related("invoice").order_by("id")),
        "created_at": payment.created_at,
    }


def _allocations(rows: list[AllocationIn] | None) -> list[tuple[int, Any]] | None:
    return None if rows is None else [(row.invoice_id, row.amount) for row in rows]


def _profile_data(payload: CreditProfileIn) -> dict[str, Any]:
    data: dict[str, Any] = payload.dict(exclude_unset=True, exclude={"buyer_id", "seller_id"})
    # only the amount tolerance may be cleared; a null elsewhere means "leave it"
    return {k: v for k, v in data.items() if v is not None or k == "overdue_amount"}


def _seller_payment(actor: Any, payment_id: int) -> Payment:
    """A payment of a position in scope (404 otherwise) that the actor manages (403)."""
    payment = (
        Payment.objects.filter(
            pk=payment_id, position__in=selectors.position_list_for_actor(actor=actor)
        )
        .select_related("position__buyer", "position__seller")
        .first()
    )
    if payment is None:
        raise NotFound
    if not scope.can(actor, MANAGE_FINANCE, payment.position.seller):
        raise PermissionDenied
    return payment


@router.get("/positions", response=PositionPageOut)
def position_list(request: ApiRequest, filters: Query[PositionFilters]) -> dict[str, Any]:
    """Positions the actor sees the money of (its buyers', its own), each with the numbers
    of a credit check for 0. Paginated like the other lists."""
    actor = request.auth
    qs = selectors.position_list_for_actor(
        actor=actor, buyer_id=filters.buyer, seller_id=filters.seller
    ).filter(finance_q(actor, "seller__path") | finance_q(actor, "buyer__path"))
    start = (filters.page - 1) * filters.page_size
    page = list(qs[start : start + filters.page_size])
    return {"count": qs.count(), "items": [_position_out(n) for n in position_numbers(page)]}


@router.get("/positions/{position_id}", response=PositionDetailOut)
def position_detail(request: ApiRequest, position_id: int) -> dict[str, Any]:
    position = position_for_finance(actor=request.auth, position_id=position_id)
    decision = selectors.credit_check(position=position, amount=selectors.ZERO)
    limits = position.temporary_limits.order_by("-valid_until", "-id")
    return {
        **_position_out(PositionNumbers.from_decision(position, decision)),
        "temporary_limits": [_limit_out(limit) for limit in limits],
        "ageing": position_ageing(position=position),
    }


@router.get("/positions/{position_id}/ledger", response=list[LedgerEntryOut])
@paginate(PageNumberPagination)
def ledger(request: ApiRequest, position_id: int, filters: Query[LedgerFilters]):  # type: ignore[no-untyped-def]
    position = position_for_finance(actor=request.auth, position_id=position_id)
    return selectors.ledger_for_position(
        position=position,
        account=filters.account or "",
        kind=filters.kind or "",
        since=filters.since,
        until=filters.until,
    )


@router.put("/positions/{position_id}/credit-profile", response=PositionOut)
def credit_profile_update(
    request: ApiRequest, position_id: int, payload: CreditProfileIn
) -> dict[str, Any]:
    position = position_for_seller(actor=request.auth, position_id=position_id)
    services.credit_profile_set(
        actor=request.auth,
        buyer=position.buyer,
        seller=position.seller,
        data=_profile_data(payload),
    )
    position.refresh_from_db()
    return _position_out(position_numbers([position])[0])


@router.put("/credit-profiles", response=PositionOut)
def credit_profile_set(request: ApiRequest, payload: CreditProfileCreateIn) -> dict[str, Any]:
    """The credit profile of a buyer with a seller; opens the position if there is none."""
    buyer = org_get(actor=request.auth, org_id=payload.buyer_id)
    seller = org_get(actor=request.auth, org_id=payload.seller_id)
    if not scope.can(request.auth, MANAGE_FINANCE, seller):
        raise PermissionDenied
    if not sells_to(seller=seller, buyer=buyer):
        raise NotFound(
            _("%(buyer)s does not buy from %(seller)s.") % {"buyer": buyer, "seller": seller},
            code="not_a_seller_of_buyer",
        )
    position = services.credit_profile_set(
        actor=request.auth, buyer=buyer, seller=seller, data=_profile_data(payload)
    )
    position.buyer, position.seller = buyer, seller
    return _position_out(position_numbers([position])[0])


@router.post("/positions/{position_id}/temporary-limits", response={201: TemporaryLimitOut})
def temporary_limit_grant(
    request: ApiRequest, position_id: int, payload: TemporaryLimitIn
) -> Status[dict[str, Any]]:
    position = position_for_seller(actor=request.auth, position_id=position_id)
    limit = services.temporary_limit_grant(actor=request.auth, position=position, **payload.dict())
    return Status(201, _limit_out(limit))


@router.post("/positions/{position_id}/payments", response={201: PaymentOut})
def payment_record(
    request: ApiRequest, position_id: int, payload: PaymentIn
) -> Status[dict[str, Any]]:
    position = position_for_seller(actor=request.auth, position_id=position_id)
    if payload.to_prepaid and payload.allocations:
        raise ValidationFailed(
            _("A top-up of the prepaid balance is not allocated to invoices."),
            code="allocations_with_top_up",
        )
    payment = services.payment_record(
        actor=request.auth,
        position=position,
        amount=payload.amount,
        method=payload.method,
        received_on=payload.received_on,
        reference=payload.reference,
        allocations=_allocations(payload.allocations),
        to_prepaid=payload.to_prepaid,
    )
    return Status(201, _payment_out(payment))


@router.post("/positions/{position_id}/slips", response={201: PaymentOut})
def payment_slip_submit(
    request: ApiRequest,
    position_id: int,
    payload: Form[SlipIn],
    slip: File[UploadedFile],
) -> Status[dict[str, Any]]:
    """The buyer reports a bank transfer with its slip (JPG, PNG or PDF, at most 5 MB;
    multipart/form-data); the seller's finance confirms or rejects it."""
    position = position_for_finance(actor=request.auth, position_id=position_id)
    if not selectors.is_buyer_side(request.auth, position):
        raise PermissionDenied(_("The seller's side records payments directly."))
    form = SlipForm(payload.dict(), {"slip": slip})
    if not form.is_valid():
        raise ValidationFailed(
            _("Check the transfer."),
            code="invalid_slip",
            fields={k: [str(e) for e in v] for k, v in form.errors.items()},
        )
    payment = services.payment_submit_slip(
        actor=request.auth, position=position, **form.cleaned_data
    )
    return Status(201, _payment_out(payment))


@router.post("/payments/{payment_id}/confirm", response=PaymentOut)
def payment_confirm(
    request: ApiRequest, payment_id: int, payload: PaymentConfirmIn
) -> dict[str, Any]:
    payment = _seller_payment(request.auth, payment_id)
    confirmed = services.payment_confirm(
        actor=request.auth, payment=payment, allocations=_allocations(payload.allocations)
    )
    return _payment_out(confirmed)


@router.post("/payments/{payment_id}/reject", response=PaymentOut)
def payment_reject(
    request: ApiRequest, payment_id: int, payload: PaymentRejectIn
) -> dict[str, Any]:
    payment = _seller_payment(request.auth, payment_id)
    rejected = services.payment_reject(actor=request.auth, payment=payment, reason=payload.reason)
    return _payment_out(rejected)


@router.get("/invoices", response=list[InvoiceOut])
@paginate(PageNumberPagination)
def invoice_list(request: ApiRequest, filters: Query[InvoiceFilters]):  # type: ignore[no-untyped-def]
    """Invoices and credit notes of one position (`position`) or of every position the actor
    sees the money of; `open=true`: invoices with an amount still open, oldest due first."""
    actor = request.auth
    if filters.position is not None:
        position = position_for_finance(actor=actor, position_id=filters.position)
        qs = position.invoices.all()
    else:
        positions = selectors.position_list_for_actor(actor=actor).filter(
            finance_q(actor, "seller__path") | finance_q(actor, "buyer__path")
        )
        qs = Invoice.objects.filter(position__in=positions)
    if filters.open is not None:
        qs = qs.filter(open_amount__gt=0) if filters.open else qs.filter(open_amount=0)
    return qs.order_by("due_on", "issued_on", "id")


@router.post("/credit-check", response=CreditDecisionOut)
def credit_check(request: ApiRequest, payload: CreditCheckIn) -> dict[str, Any]:
    """Would an order of `amount` pass now? The outcome (ok, warn, hold, refuse) with the
    numbers behind it; nothing is frozen."""
    found = selectors.position_list_for_actor(
        actor=request.auth, buyer_id=payload.buyer_id, seller_id=payload.seller_id
    ).first()
    if found is None:
        raise NotFound
    position = position_for_finance(actor=request.auth, position_id=found.pk)
    amount = payload.amount
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed(
            _("The amount must be more than 0."),
            code="amount_not_positive",
            fields={"amount": [_("The amount must be more than 0.")]},
        )
    if amount != money(amount):
        raise ValidationFailed(
            _("At most 2 decimals."),
            code="invalid_amount",
            fields={"amount": [_("At most 2 decimals.")]},
        )
    decision = selectors.credit_check(position=position, amount=money(amount))
    return {**decision.__dict__, "ok": decision.ok}


# --- statements ------------------------------------------------------------------------


def _comment_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "line_id": c.line_id,
        "side": c.side,
        "text": c.text,
        "author": str(c.author or ""),
        "adjustment": c.adjustment,
        "created_at": c.created_at,
    }


def _statement_detail(statement: Statement) -> Statement:
    view = selectors.statement_view(statement)
    statement.account_rows = view.accounts  # type: ignore[attr-defined]
    statement.line_rows = [  # type: ignore[attr-defined]
        {
            "id": line.pk,
            "dispute": line.dispute,
            "entry": line.entry,
            "comments": [_comment_out(c) for c in line.thread],  # type: ignore[attr-defined]
        }
        for line in view.lines
    ]
    return statement


@router.get("/statements", response=list[StatementOut])
@paginate(PageNumberPagination)
def statement_list(request: ApiRequest, filters: Query[StatementFilters]):  # type: ignore[no-untyped-def]
    """Statements of the positions the actor sees the money of; the buyer's side sees its
    own once sent."""
    qs = selectors.statement_list_for_actor(
        actor=request.auth, period=filters.period, status=filters.status, q=filters.q
    )
    return qs


@router.post("/statements/generate", response=StatementGenerateOut)
def statement_generate(request: ApiRequest, payload: StatementGenerateIn) -> dict[str, Any]:
    """Draw a finished month's statements of all the seller's buyers (drafts are redrawn)."""
    seller = org_get(actor=request.auth, org_id=payload.seller_id)
    result = services.statements_generate(actor=request.auth, seller=seller, period=payload.period)
    return result.__dict__


@router.get("/statements/{statement_id}", response=StatementDetailOut)
def statement_detail(request: ApiRequest, statement_id: int) -> Statement:
    return _statement_detail(selectors.statement_get(actor=request.auth, statement_id=statement_id))


def _statement_action(request: ApiRequest, statement_id: int, action: Any) -> Statement:
    statement = selectors.statement_get(actor=request.auth, statement_id=statement_id)
    action(actor=request.auth, statement=statement)
    statement.refresh_from_db()
    return _statement_detail(statement)


@router.post("/statements/{statement_id}/send", response=StatementDetailOut)
def statement_send(request: ApiRequest, statement_id: int) -> Statement:
    return _statement_action(request, statement_id, services.statement_send)


@router.post("/statements/{statement_id}/confirm", response=StatementDetailOut)
def statement_confirm(request: ApiRequest, statement_id: int) -> Statement:
    return _statement_action(request, statement_id, services.statement_confirm)


@router.post("/statements/{statement_id}/dispute", response=StatementDetailOut)
def statement_dispute(
    request: ApiRequest, statement_id: int, payload: StatementDisputeIn
) -> Statement:
    disputes = [(row.line_id, row.comment) for row in payload.lines]
    return _statement_action(
        request,
        statement_id,
        lambda **kw: services.statement_dispute(disputes=disputes, **kw),
    )


@router.post("/statements/{statement_id}/lines/{line_id}/answer", response=StatementDetailOut)
def statement_answer(
    request: ApiRequest, statement_id: int, line_id: int, payload: StatementAnswerIn
) -> Statement:
    return _statement_action(
        request,
        statement_id,
        lambda **kw: services.statement_answer(
            line_id=line_id,
            text=payload.text,
            adjust_account=payload.adjust_account or "",
            adjust_amount=payload.adjust_amount,
            **kw,
        ),
    )


@router.get("/statements/{statement_id}/pdf", response={200: None})
def statement_pdf(request: ApiRequest, statement_id: int) -> HttpResponse:
    """The statement as a PDF (Chinese fonts embedded)."""
    statement = selectors.statement_get(actor=request.auth, statement_id=statement_id)
    return exports.statement_download(selectors.statement_view(statement), "pdf")


@router.get("/statements/{statement_id}/xlsx", response={200: None})
def statement_xlsx(request: ApiRequest, statement_id: int) -> HttpResponse:
    """The statement as an Excel workbook."""
    statement = selectors.statement_get(actor=request.auth, statement_id=statement_id)
    return exports.statement_download(selectors.statement_view(statement), "xlsx")
