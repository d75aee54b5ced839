"""The seller's tools around its promotions: the simulator (a buyer of its network and a
pasted cart, priced line by line with every promotion that applied and why the others did
not) and issuing coupon codes."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.core.errors import DomainError, NotFound
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, form_submit
from qudao.network import scope
from qudao.network.models import Org
from qudao.network.selectors import org_get
from qudao.promotions import selectors, services
from qudao.promotions.forms import CouponIssueForm, SimulateForm, codes_in
from qudao.promotions.schemas import orgs_by_codes
from qudao.promotions.views._common import managed_sellers, price_rows
from qudao.promotions.views.promotions import detail_page


def _sellers(request: AuthedRequest) -> list[Org]:
    """The actor's own sellers, and the one asked for (?seller=, e.g. from a promotion's
    page) when the actor manages its promotions."""
    sellers = managed_sellers(request.user)
    wanted = request.GET.get("seller", "")
    if wanted.isdigit() and int(wanted) not in {s.pk for s in sellers}:
        try:
            org = org_get(actor=request.user, org_id=int(wanted))
        except NotFound:
            return sellers
        if scope.can(request.user, MANAGE_PROMOTIONS, org):
            sellers.append(org)
    return sellers


def _simulate(request: AuthedRequest, form: SimulateForm, sellers: list[Org]) -> Any:
    data = form.cleaned_data
    seller = next(s for s in sellers if str(s.pk) == data["seller"])
    try:
        buyer = orgs_by_codes(request.user, [data["buyer"]], field="buyer")[0]
        return selectors.promotion_simulate(
            actor=request.user,
            seller=seller,
            buyer=buyer,
            lines=[selectors.SimLine(code, qty, price) for code, qty, price in data["lines"]],
            at=data.get("at"),
            coupon_codes=codes_in(data.get("coupons") or ""),
        )
    except DomainError as exc:
        if exc.code == "org_unknown":
            form.add_error("buyer", exc.message)
        elif exc.fields:
            for messages in exc.fields.values():
                for message in messages:
                    form.add_error("lines", message)
        else:
            form.add_error(None, exc.message)
    return None


@login_required
def simulator(request: AuthedRequest) -> HttpResponse:
    """A GET form, so a simulation is a link (the promotion's page links one with its
    SKUs); it is run once a buyer is given."""
    if not scope.has_any(request.user, MANAGE_PROMOTIONS):
        raise PermissionDenied
    sellers = _sellers(request)
    wanted = request.GET.get("seller") or (str(sellers[0].pk) if sellers else "")
    initial = {"seller": wanted, "lines": request.GET.get("lines", "")}
    bound = "buyer" in request.GET
    form = SimulateForm(request.GET if bound else None, initial=initial, sellers=sellers)
    simulation = _simulate(request, form, sellers) if bound and form.is_valid() else None
    return render(
        request,
        "promotions/simulator.html",
        {"form": form, "sim": simulation, **(price_rows(simulation) if simulation else {})},
        status=400 if bound and simulation is None else 200,
    )


@login_required
@require_POST
def coupon_issue(request: AuthedRequest, promotion_id: int) -> HttpResponse:
    """Codes of a coupon promotion, from its page: one per buyer named, one shared code, or
    a number of single-use codes; a refusal (nothing written) comes back on the form."""
    detail = call_or_404(selectors.promotion_detail, actor=request.user, promotion_id=promotion_id)
    promotion = detail.promotion
    if "issue_coupons" not in detail.actions:
        raise PermissionDenied
    form = CouponIssueForm(request.POST)

    def issue(data: dict[str, Any]) -> Any:
        buyers = orgs_by_codes(request.user, codes_in(data.get("buyers") or ""), field="buyers")
        return services.coupon_issue(
            actor=request.user,
            promotion=promotion,
            buyers=buyers,
            count=data.get("count") or 0,
            code=(data.get("code") or "").strip(),
            total_limit=data.get("total_limit"),
            per_buyer_limit=data.get("per_buyer_limit") or 1,
        )

    return form_submit(
        request,
        form,
        action=issue,
        done=lambda coupons: (
            ngettext("%(n)s coupon code issued.", "%(n)s coupon codes issued.", len(coupons))
            % {"n": len(coupons)}
        ),
        success_url=reverse("promotions:promotion_detail", args=[promotion.pk]) + "#coupons",
        redisplay=lambda: detail_page(request, promotion.pk, status=400, coupon_form=form),
    )
