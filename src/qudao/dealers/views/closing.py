"""Pages of the dealer lifecycle: closing (闭户). One page shows the live checklist — each
item's state, its numbers and who resolves it — with the actions the actor may take; each
action posts to its own URL, runs one service and comes back to the page with its outcome."""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_FINANCE, MANAGE_MEMBERS, MANAGE_STOCK
from qudao.core.errors import DomainError
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404
from qudao.dealers.constants import ClosingItem, Stage
from qudao.dealers.models import Dealer
from qudao.dealers.selectors.closing import Checklist, closing_checklist
from qudao.dealers.services import closing as services
from qudao.dealers.services._common import dealer_for
from qudao.network import scope


class StartForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class MemoForm(forms.Form):
    memo = forms.CharField(label=gettext_lazy("Memo"), max_length=200, required=False)


class RebateForm(MemoForm):
    mode = forms.ChoiceField(
        label=gettext_lazy("Rebate balance"),
        choices=[
            ("write_off", gettext_lazy("Write off (the seller keeps it)")),
            ("pay_out", gettext_lazy("Pay out (refunded with the prepaid balance)")),
        ],
    )


class DepositForm(MemoForm):
    penalty = forms.DecimalField(
        label=gettext_lazy("Penalty kept (CNY)"),
        min_value=0,
        decimal_places=2,
        max_digits=14,
        initial=0,
    )
    seller = forms.TypedChoiceField(
        label=gettext_lazy("Seller"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, checklist: Checklist, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.positions = [p for p in checklist.positions if p.deposit_balance > 0]
        cast(forms.ChoiceField, self.fields["seller"]).choices = [
            (p.seller_id, f"{p.seller.name} ¥{p.deposit_balance}") for p in self.positions
        ]


class StockForm(forms.Form):
    warehouse = forms.TypedChoiceField(label=gettext_lazy("Into"), coerce=int)

    def __init__(self, *args: Any, checklist: Checklist, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouses = {w.pk: w for w in checklist.parent_warehouses}
        cast(forms.ChoiceField, self.fields["warehouse"]).choices = [
            (w.pk, f"{w.name} ({w.code})") for w in checklist.parent_warehouses
        ]


def _rights(actor: Any, checklist: Checklist) -> dict[str, bool]:
    """Which actions the actor's rights allow (the services check again): finance at every
    seller holding a balance, the stock right at the parent, member management at the org."""
    org = checklist.org
    sellers = [p.seller for p in checklist.positions]
    return {
        "finance": bool(sellers) and all(scope.can(actor, MANAGE_FINANCE, s) for s in sellers),
        "stock": checklist.parent is not None and scope.can(actor, MANAGE_STOCK, checklist.parent),
        "members": org is not None and scope.can(actor, MANAGE_MEMBERS, org),
    }


@login_required
def closing_page(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    """The closing checklist of a dealer the actor manages (404 otherwise)."""
    dealer = call_or_404(dealer_for, actor=request.user, dealer_id=dealer_id)
    checklist = closing_checklist(dealer=dealer)
    items = {i.code: i for i in checklist.items}
    org = checklist.org
    return render(
        request,
        "dealers/closing.html",
        {
            "dealer": dealer,
            "c": checklist,
            "items": items,
            "codes": ClosingItem,
            "closing": dealer.stage == Stage.CLOSING,
            "can_start": dealer.stage in (Stage.ONBOARDING, Stage.ACTIVE, Stage.SUSPENDED),
            "rights": _rights(request.user, checklist),
            "own_orders": [(o, org is not None and o.buyer_id == org.pk) for o in checklist.orders],
            "start_form": StartForm(),
            "memo_form": MemoForm(),
            "rebate_form": RebateForm(),
            "deposit_form": DepositForm(checklist=checklist),
            "stock_form": StockForm(checklist=checklist),
            "crumbs": [
                (_("Dealers"), reverse("dealers:dealer_list")),
                (dealer.number, reverse("dealers:dealer_detail", args=[dealer.pk])),
                (_("Closing"), ""),
            ],
        },
    )


Run = Callable[[AuthedRequest, Dealer, Any], Any]


def _act(
    request: AuthedRequest,
    dealer_id: int,
    run: Run,
    done: str,
    form_class: Any = None,
) -> HttpResponse:
    """One action: the dealer found in scope first (404 otherwise, whatever the body), the
    form checked, the service run; its refusal (nothing written) is shown on the page."""
    dealer = call_or_404(dealer_for, actor=request.user, dealer_id=dealer_id)
    url = reverse("dealers:closing", args=[dealer.pk])
    data: Any = None
    if form_class is not None:
        extra = (
            {"checklist": closing_checklist(dealer=dealer)}
            if form_class in (DepositForm, StockForm)
            else {}
        )
        form = form_class(request.POST, **extra)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(url)
        data = form
    try:
        run(request, dealer, data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(url)


def _deposit(request: AuthedRequest, dealer: Dealer, form: DepositForm) -> Any:
    chosen = form.cleaned_data.get("seller")
    seller = next((p.seller for p in form.positions if p.seller_id == chosen), None)
    return services.closing_deposit_refund(
        actor=request.user,
        dealer=dealer,
        penalty=form.cleaned_data["penalty"],
        seller=seller,
        memo=form.cleaned_data["memo"],
    )


def _stock(request: AuthedRequest, dealer: Dealer, form: StockForm) -> Any:
    warehouse = form.warehouses[form.cleaned_data["warehouse"]]
    return services.closing_stock_transfer(actor=request.user, dealer=dealer, warehouse=warehouse)


# slug: (service call, success message, form)
ACTIONS: dict[str, tuple[Run, Any, Any]] = {
    "start": (
        lambda r, d, f: services.closing_start(
            actor=r.user, dealer=d, reason=f.cleaned_data["reason"]
        ),
        gettext_lazy("Closing started: the dealer can place no more orders."),
        StartForm,
    ),
    "receivables-offset": (
        lambda r, d, f: services.closing_receivables_offset(
            actor=r.user, dealer=d, memo=f.cleaned_data["memo"]
        ),
        gettext_lazy("Receivables offset from the prepaid balance."),
        MemoForm,
    ),
    "prepaid-refund": (
        lambda r, d, f: services.closing_prepaid_refund(
            actor=r.user, dealer=d, memo=f.cleaned_data["memo"]
        ),
        gettext_lazy("Prepaid balance refunded."),
        MemoForm,
    ),
    "rebate-settle": (
        lambda r, d, f: services.closing_rebate_settle(
            actor=r.user, dealer=d, mode=f.cleaned_data["mode"], memo=f.cleaned_data["memo"]
        ),
        gettext_lazy("Rebate balance settled."),
        RebateForm,
    ),
    "deposit-refund": (_deposit, gettext_lazy("Deposit refunded."), DepositForm),
    "stock-transfer": (
        _stock,
        gettext_lazy("Stock and serials taken back into the parent's warehouse."),
        StockForm,
    ),
    "users-deactivate": (
        lambda r, d, f: services.closing_users_deactivate(actor=r.user, dealer=d),
        gettext_lazy("Users deactivated."),
        None,
    ),
    "territory-release": (
        lambda r, d, f: services.closing_territory_release(actor=r.user, dealer=d),
        gettext_lazy("Territory released."),
        None,
    ),
    "complete": (
        lambda r, d, f: services.closing_complete(actor=r.user, dealer=d),
        gettext_lazy("The dealer is closed."),
        None,
    ),
}


def _action_view(slug: str) -> Callable[..., HttpResponse]:
    run, done, form_class = ACTIONS[slug]

    @login_required
    @require_POST
    def view(request: AuthedRequest, dealer_id: int) -> HttpResponse:
        return _act(request, dealer_id, run, str(done), form_class)

    view.__name__ = f"closing_{slug.replace('-', '_')}"
    view.__doc__ = f"Closing action `{slug}` (POST), back to the checklist."
    return view


urlpatterns: list[URLPattern] = [
    path("<int:dealer_id>/closing/", closing_page, name="closing"),
    *(
        path(
            f"<int:dealer_id>/closing/{slug}/",
            _action_view(slug),
            name=f"closing_{slug.replace('-', '_')}",
        )
        for slug in ACTIONS
    ),
]
