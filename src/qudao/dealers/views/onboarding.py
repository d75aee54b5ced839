"""Pages of the dealer lifecycle: onboarding — the checklist with each item's form and state
(who did it, when), starting it; a dealer's status with suspension and reinstatement; the
brand's grade terms."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.catalog.selectors import category_choices
from qudao.core.errors import DomainError
from qudao.core.forms import StyledForm
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, domain_error_to_form
from qudao.dealers.constants import ItemCode, Stage
from qudao.dealers.forms_onboarding import (
    ContractItemForm,
    CreditItemForm,
    DepositItemForm,
    GradeTermsForm,
    OrgItemForm,
    PriceGradeItemForm,
    ReinstateForm,
    SuspendForm,
    TerritoryItemForm,
    UsersItemForm,
)
from qudao.dealers.models import Dealer
from qudao.dealers.selectors import onboarding as selectors
from qudao.dealers.services import onboarding as services
from qudao.dealers.services import suspension
from qudao.dealers.services._common import dealer_for
from qudao.finance.constants import OverdueMode
from qudao.network import scope
from qudao.network.constants import Hold

# --- the checklist ---------------------------------------------------------------------------

# item → (URL slug, the service call with the form's data, the message when done)
Run = Callable[[AuthedRequest, Dealer, dict[str, Any]], Any]
ITEMS: dict[str, tuple[str, Run, Any]] = {
    ItemCode.CONTRACT: (
        "contract",
        lambda r, d, data: services.onboarding_contract(
            actor=r.user, dealer=d, upload=data["file"], note=data.get("note") or ""
        ),
        gettext_lazy("Signed contract filed."),
    ),
    ItemCode.ORG: (
        "org",
        lambda r, d, data: services.onboarding_org(
            actor=r.user, dealer=d, code=data.get("code") or ""
        ),
        gettext_lazy("Org created with its supply links; ordering stays on hold."),
    ),
    ItemCode.DEPOSIT: (
        "deposit",
        lambda r, d, data: services.onboarding_deposit(
            actor=r.user, dealer=d, amount=data["amount"], memo=data.get("memo") or ""
        ),
        gettext_lazy("Deposit posted."),
    ),
    ItemCode.USERS: (
        "users",
        lambda r, d, data: services.onboarding_users(actor=r.user, dealer=d, **data),
        gettext_lazy("Dealer admin invited."),
    ),
    ItemCode.PRICE_GRADE: (
        "price-grade",
        lambda r, d, data: services.onboarding_price_grade(
            actor=r.user, dealer=d, grade=data["grade"]
        ),
        gettext_lazy("Price grade set."),
    ),
    ItemCode.CREDIT: (
        "credit",
        lambda r, d, data: services.onboarding_credit(actor=r.user, dealer=d, data=data),
        gettext_lazy("Credit profile set."),
    ),
    ItemCode.TERRITORY: (
        "territory",
        lambda r, d, data: services.onboarding_territory(
            actor=r.user,
            dealer=d,
            districts=data["districts"],
            category=data.get("category") or None,
            exclusive=bool(data.get("exclusive")),
        ),
        gettext_lazy("Territory assigned."),
    ),
}


def _form(request: AuthedRequest, code: str, dealer: Dealer, bound: bool = False) -> Any:
    data = request.POST if bound else None
    files = request.FILES if bound else None
    if code == ItemCode.CONTRACT:
        return ContractItemForm(data, files)
    if code == ItemCode.USERS:
        return UsersItemForm.for_dealer(dealer, data)
    if code == ItemCode.TERRITORY:
        return TerritoryItemForm(
            data,
            categories=category_choices(actor=request.user),
            initial={"districts": " ".join(dealer.intended_territory or []), "exclusive": True},
        )
    if code == ItemCode.CREDIT:
        return CreditItemForm(
            data, initial={"payment_term_days": 0, "overdue_days": 30, "overdue_mode": "hold"}
        )
    form_class: type[StyledForm] = {
        ItemCode.ORG: OrgItemForm,
        ItemCode.DEPOSIT: DepositItemForm,
        ItemCode.PRICE_GRADE: PriceGradeItemForm,
    }[ItemCode(code)]
    return form_class(data)


def _page(
    request: AuthedRequest,
    view: selectors.OnboardingView,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
    invitation: services.Invitation | None = None,
    refusal: str = "",
) -> HttpResponse:
    dealer = view.dealer
    bound = bound or {}
    entries = [
        {
            "item": row,
            "form": (bound.get(row.code) or _form(request, row.code, dealer))
            if row.may and row.ready
            else None,
            "action": reverse(
                f"dealers:onboarding_{ITEMS[row.code][0].replace('-', '_')}", args=[dealer.pk]
            )
            if row.code in ITEMS
            else "",
        }
        for row in view.items
    ]
    return render(
        request,
        "dealers/onboarding.html",
        {
            "v": view,
            "dealer": dealer,
            "entries": entries,
            "invitation": invitation,
            "refusal": refusal,
            "terms_editable": scope.can(request.user, MANAGE_DEALERS, dealer.brand),
            "hold_labels": [Hold(h).label for h in (dealer.org.holds if dealer.org else [])],
            "crumbs": [
                (_("Dealers"), reverse("dealers:dealer_list")),
                (dealer.number, reverse("dealers:dealer_detail", args=[dealer.pk])),
                (_("Onboarding"), ""),
            ],
        },
        status=status,
    )


@login_required
def onboarding_page(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    """The checklist: each item's state, who did it and when, and the form of each item the
    actor may do now."""
    view = call_or_404(selectors.onboarding_view, actor=request.user, dealer_id=dealer_id)
    return _page(request, view)


@login_required
@require_POST
def onboarding_start(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    dealer = call_or_404(dealer_for, actor=request.user, dealer_id=dealer_id)
    try:
        call_or_404(services.onboarding_start, actor=request.user, dealer=dealer)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Onboarding started."))
    return redirect("dealers:onboarding", dealer_id=dealer.pk)


def _item_view(code: str) -> Callable[..., HttpResponse]:
    slug, run, done = ITEMS[code]

    @login_required
    @require_POST
    def view(request: AuthedRequest, dealer_id: int) -> HttpResponse:
        dealer = call_or_404(
            selectors.onboarding_dealer_for, actor=request.user, dealer_id=dealer_id
        )
        form = _form(request, code, dealer, bound=True)
        refusal = ""
        if form.is_valid():
            try:
                result = call_or_404(run, r=request, d=dealer, data=dict(form.cleaned_data))
            except DomainError as exc:
                domain_error_to_form(form, exc)
                refusal = exc.message
            else:
                if isinstance(result, services.Invitation):  # the password, shown once
                    messages.success(request, str(done))
                    fresh = selectors.onboarding_view(actor=request.user, dealer_id=dealer.pk)
                    return _page(request, fresh, invitation=result)
                messages.success(request, str(done))
                return redirect("dealers:onboarding", dealer_id=dealer.pk)
        view_ = selectors.onboarding_view(actor=request.user, dealer_id=dealer.pk)
        return _page(request, view_, bound={code: form}, status=400, refusal=refusal)

    view.__name__ = f"onboarding_{slug.replace('-', '_')}"
    view.__doc__ = f"Onboarding item `{code}` (POST): done, or the page again with the refusal."
    return view


# --- status: suspension and reinstatement ------------------------------------------------------


def _status_page(
    request: AuthedRequest, dealer: Dealer, *, form: Any = None, status: int = 200
) -> HttpResponse:
    suspend = form if isinstance(form, SuspendForm) else SuspendForm()
    reinstate = form if isinstance(form, ReinstateForm) else ReinstateForm()
    return render(
        request,
        "dealers/onboarding_status.html",
        {
            "dealer": dealer,
            "suspend_form": suspend if dealer.stage == Stage.ACTIVE else None,
            "reinstate_form": reinstate if dealer.stage == Stage.SUSPENDED else None,
            "hold_labels": [Hold(h).label for h in (dealer.org.holds if dealer.org else [])],
            "crumbs": [
                (_("Dealers"), reverse("dealers:dealer_list")),
                (dealer.number, reverse("dealers:dealer_detail", args=[dealer.pk])),
                (_("Status"), ""),
            ],
        },
        status=status,
    )


@login_required
def dealer_status(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    """The dealer's stage and ordering, with suspension (active) or reinstatement
    (suspended)."""
    dealer = call_or_404(dealer_for, actor=request.user, dealer_id=dealer_id)
    return _status_page(request, dealer)


def _move(
    request: AuthedRequest, dealer_id: int, form: Any, run: Callable[..., Any], done: str
) -> HttpResponse:
    dealer = call_or_404(dealer_for, actor=request.user, dealer_id=dealer_id)
    if form.is_valid():
        try:
            call_or_404(run, actor=request.user, dealer=dealer, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect("dealers:dealer_status", dealer_id=dealer.pk)
    return _status_page(request, dealer, form=form, status=400)


@login_required
@require_POST
def dealer_suspend(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    return _move(
        request,
        dealer_id,
        SuspendForm(request.POST),
        suspension.dealer_suspend,
        _("Dealer suspended: ordering stopped."),
    )


@login_required
@require_POST
def dealer_reinstate(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    return _move(
        request,
        dealer_id,
        ReinstateForm(request.POST),
        suspension.dealer_reinstate,
        _("Dealer reinstated."),
    )


# --- the brand's grade terms ---------------------------------------------------------------------


@login_required
def grade_terms(request: AuthedRequest) -> HttpResponse:
    """What each grade gives: the minimum grading score and the credit limit and payment term
    a dealer of that grade gets with its seller when its grade is set."""
    brand, current = call_or_404(selectors.grade_terms_list, actor=request.user)
    form = GradeTermsForm(request.POST or None, current=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.grade_terms_set(actor=request.user, brand=brand, rows=form.terms())
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Grade terms saved."))
                return redirect("dealers:grade_terms")
        status = 400
    return render(
        request,
        "dealers/onboarding_grade_terms.html",
        {
            "form": form,
            "brand": brand,
            "modes": OverdueMode,
            "crumbs": [(_("Dealers"), reverse("dealers:dealer_list")), (_("Grade terms"), "")],
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("grade-terms/", grade_terms, name="grade_terms"),
    path("<int:dealer_id>/onboarding/", onboarding_page, name="onboarding"),
    path("<int:dealer_id>/onboarding/start/", onboarding_start, name="onboarding_start"),
    *(
        path(
            f"<int:dealer_id>/onboarding/{slug}/",
            _item_view(code),
            name=f"onboarding_{slug.replace('-', '_')}",
        )
        for code, (slug, _run, _done) in ITEMS.items()
    ),
    path("<int:dealer_id>/status/", dealer_status, name="dealer_status"),
    path("<int:dealer_id>/suspend/", dealer_suspend, name="dealer_suspend"),
    path("<int:dealer_id>/reinstate/", dealer_reinstate, name="dealer_reinstate"),
]
