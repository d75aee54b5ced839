"""Statement pages: the list (the seller's finance draws a month's statements from here), one
statement with its lines and the exchange on them — the buyer confirms or disputes lines, the
seller answers (with an adjustment when the buyer is right) and sends it again — and the PDF
and Excel downloads."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_FINANCE, VIEW_FINANCE
from qudao.core.errors import DomainError
from qudao.core.types import AuthedRequest
from qudao.core.views import (
    call_or_404,
    domain_error_message,
    form_submit,
    paginate,
)
from qudao.finance import exports, selectors, services
from qudao.finance.constants import LineDispute, StatementStatus
from qudao.finance.forms import StatementAnswerForm, StatementFilterForm, StatementGenerateForm
from qudao.finance.models import Statement
from qudao.network import scope


def _list(request: AuthedRequest, *, generate_form: Any = None, status: int = 200) -> HttpResponse:
    if not scope.has_any(request.user, VIEW_FINANCE):
        raise PermissionDenied
    filters = StatementFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    statements = selectors.statement_list_for_actor(
        actor=request.user,
        period=chosen.get("period"),
        status=chosen.get("status") or "",
        q=chosen.get("q") or "",
    )
    sellers = selectors.managed_sellers(actor=request.user)
    can_generate = sellers.exists()
    return render(
        request,
        "finance/statement_list.html",
        {
            "page": paginate(request, statements),
            "filters": filters,
            "generate_form": generate_form
            or (StatementGenerateForm(sellers=sellers) if can_generate else None),
        },
        status=status,
    )


@login_required
def statement_list(request: AuthedRequest) -> HttpResponse:
    return _list(request)


@login_required
@require_POST
def statement_generate(request: AuthedRequest) -> HttpResponse:
    sellers = selectors.managed_sellers(actor=request.user)
    if not sellers.exists():
        raise PermissionDenied
    form = StatementGenerateForm(request.POST, sellers=sellers)

    def done(result: Any) -> str:
        return _(
            "%(month)s: %(created)s statements drawn, %(redrawn)s drafts redrawn, "
            "%(skipped)s already sent left as they are."
        ) % {
            "month": form.cleaned_data["period"].strftime("%Y-%m"),
            "created": result.created,
            "redrawn": result.regenerated,
            "skipped": result.skipped,
        }

    period = form.cleaned_data.get("period") if form.is_valid() else None
    return form_submit(
        request,
        form,
        action=lambda data: services.statements_generate(
            actor=request.user, seller=data["seller"], period=data["period"]
        ),
        done=done,
        success_url=f"{reverse('finance:statement_list')}?period={period:%Y-%m}" if period else "",
        redisplay=lambda: _list(request, generate_form=form, status=400),
    )


def _statement(request: AuthedRequest, statement_id: int) -> Statement:
    return call_or_404(selectors.statement_get, actor=request.user, statement_id=statement_id)


def _prefix(line_id: int) -> str:
    return f"line{line_id}"


def _detail(
    request: AuthedRequest, statement: Statement, *, status: int = 200, **extra: Any
) -> HttpResponse:
    user = request.user
    position = statement.position
    is_seller = scope.can(user, MANAGE_FINANCE, position.seller)
    is_buyer = selectors.is_buyer_side(user, position)
    view = selectors.statement_view(statement)
    failed = extra.pop("answer_form", None)
    for line in view.lines:  # one answer form per disputed line, each with its own field ids
        line.answer_form = (  # type: ignore[attr-defined]
            failed
            if failed is not None and failed.prefix == _prefix(line.pk)
            else StatementAnswerForm(prefix=_prefix(line.pk))
        )
    return render(
        request,
        "finance/statement_detail.html",
        {
            "view": view,
            "statement": statement,
            "is_seller": is_seller,
            "is_buyer": is_buyer,
            "can_send": is_seller
            and statement.status in (StatementStatus.DRAFT, StatementStatus.DISPUTED),
            "can_respond": is_buyer and statement.status == StatementStatus.SENT,
            "can_answer": is_seller and statement.status == StatementStatus.DISPUTED,
            "DISPUTED": LineDispute.DISPUTED,
            **extra,
        },
        status=status,
    )


@login_required
def statement_detail(request: AuthedRequest, statement_id: int) -> HttpResponse:
    return _detail(request, _statement(request, statement_id))


def _act(request: AuthedRequest, statement: Statement, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        domain_error_message(request, exc)
    else:
        messages.success(request, done)
    return redirect("finance:statement_detail", statement_id=statement.pk)


@login_required
@require_POST
def statement_send(request: AuthedRequest, statement_id: int) -> HttpResponse:
    statement = _statement(request, statement_id)
    return _act(
        request,
        statement,
        lambda: services.statement_send(actor=request.user, statement=statement),
        _("Statement %(number)s sent to the buyer.") % {"number": statement.number},
    )


@login_required
@require_POST
def statement_confirm(request: AuthedRequest, statement_id: int) -> HttpResponse:
    statement = _statement(request, statement_id)
    return _act(
        request,
        statement,
        lambda: services.statement_confirm(actor=request.user, statement=statement),
        _("Statement %(number)s confirmed.") % {"number": statement.number},
    )


@login_required
@require_POST
def statement_dispute(request: AuthedRequest, statement_id: int) -> HttpResponse:
    """The lines whose comment box was filled in are the disputed ones."""
    statement = _statement(request, statement_id)
    disputes = [
        (key.removeprefix("comment_"), text)
        for key in request.POST
        if key.startswith("comment_") and (text := request.POST.get(key, "")).strip()
    ]
    return _act(
        request,
        statement,
        lambda: services.statement_dispute(
            actor=request.user, statement=statement, disputes=disputes
        ),
        _("Dispute sent; the seller will answer each line."),
    )


@login_required
@require_POST
def statement_answer(request: AuthedRequest, statement_id: int, line_id: int) -> HttpResponse:
    statement = _statement(request, statement_id)
    form = StatementAnswerForm(request.POST, prefix=_prefix(line_id))
    return form_submit(
        request,
        form,
        action=lambda data: services.statement_answer(
            actor=request.user,
            statement=statement,
            line_id=line_id,
            text=data["text"],
            adjust_account=data["adjust_account"],
            adjust_amount=data["adjust_amount"],
        ),
        done=_("Answer saved."),
        success_url=reverse("finance:statement_detail", args=[statement.pk]),
        redisplay=lambda: _detail(request, statement, status=400, answer_form=form),
    )


@login_required
def statement_pdf(request: AuthedRequest, statement_id: int) -> HttpResponse:
    view = selectors.statement_view(_statement(request, statement_id))
    return exports.statement_download(view, "pdf")


@login_required
def statement_xlsx(request: AuthedRequest, statement_id: int) -> HttpResponse:
    view = selectors.statement_view(_statement(request, statement_id))
    return exports.statement_download(view, "xlsx")
