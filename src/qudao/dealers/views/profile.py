"""Pages of the dealer lifecycle: the dealers an actor manages and one dealer's 360° page."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import StyledForm
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, paginate
from qudao.dealers.constants import Stage
from qudao.dealers.models import Dealer
from qudao.dealers.selectors import profile as selectors
from qudao.dealers.selectors._common import manages_dealers
from qudao.network.constants import Grade, Hold
from qudao.orders.constants import OrderStatus

BLANK = [("", "—")]


class DealerFilterForm(StyledForm):
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=BLANK + [(s, Stage(s).label) for s in selectors.DEALER_STAGES],
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=BLANK + Grade.choices)
    q = forms.CharField(label=_("Search"), required=False, max_length=60)


@login_required
def dealer_list(request: AuthedRequest) -> HttpResponse:
    """The dealers in the actor's part of the network, filtered; one query for the page."""
    if not manages_dealers(request.user):
        raise PermissionDenied
    filters = DealerFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.dealer_list(
        actor=request.user,
        stage=chosen.get("stage") or "",
        grade=chosen.get("grade") or "",
        q=(chosen.get("q") or "").strip(),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dealers/dealer_list.html",
        {"page": paginate(request, rows), "filters": filters, "query": query.urlencode()},
    )


# The pages of the other parts a dealer's 360° page links to: (label, url name).
PART_PAGES = (
    (_("Onboarding checklist"), "dealers:onboarding", (Stage.APPROVED, Stage.ONBOARDING)),
    (_("Documents"), "dealers:dealer_documents", None),
    (_("Contracts"), "dealers:dealer_contracts", None),
    (_("Suspend or reinstate"), "dealers:dealer_status", (Stage.ACTIVE, Stage.SUSPENDED)),
    (
        _("Closing"),
        "dealers:closing",
        (Stage.ONBOARDING, Stage.ACTIVE, Stage.SUSPENDED, Stage.CLOSING, Stage.CLOSED),
    ),
)


def part_links(dealer: Dealer) -> list[tuple[str, str]]:
    """The other parts' pages for this dealer, those that fit its stage."""
    return [
        (str(label), reverse(name, args=[dealer.pk]))
        for label, name, stages in PART_PAGES
        if (stages is None or dealer.stage in stages) and (dealer.org_id or stages)
    ]


@login_required
def dealer_detail(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    view = call_or_404(selectors.dealer_360, actor=request.user, dealer_id=dealer_id)
    statuses = dict(OrderStatus.choices)
    dealer = view.dealer
    return render(
        request,
        "dealers/dealer_detail.html",
        {
            "v": view,
            "dealer": dealer,
            "today": timezone.localdate(),
            "hold_labels": [Hold(h).label for h in (dealer.org.holds if dealer.org else [])],
            "links": part_links(dealer),
            "crumbs": [(_("Dealers"), reverse("dealers:dealer_list")), (dealer.number, "")],
            "audit": view.timeline,
            "order_counts": [
                (statuses[s], n) for s, n in sorted(view.order_counts.items()) if s in statuses
            ],
        },
    )


urlpatterns: list[URLPattern] = [
    path("", dealer_list, name="dealer_list"),
    path("<int:dealer_id>/", dealer_detail, name="dealer_detail"),
]
