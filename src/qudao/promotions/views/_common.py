"""What the promotion pages share: who may open them, the sellers whose promotions the actor
manages, and the page-form round trip that puts a service's refusal on the field it names."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.catalog.selectors import brand_org
from qudao.core.errors import DomainError
from qudao.core.types import AuthedRequest
from qudao.network import scope
from qudao.network.models import Org
from qudao.promotions import selectors
from qudao.promotions.constants import Limit, Stage
from qudao.promotions.forms import PromotionForm, place_error
from qudao.promotions.widgets import sees_promotions


def require_sees(request: AuthedRequest) -> None:
    if not sees_promotions(request.user):
        raise PermissionDenied


def managed_sellers(actor: Any) -> list[Org]:
    """The orgs where the actor holds MANAGE_PROMOTIONS: whose promotions it makes."""
    paths = [g.path for g in scope.grants(actor) if MANAGE_PROMOTIONS in g.permissions]
    if getattr(actor, "is_superuser", False) and not paths:
        return list(Org.objects.filter(depth=1).order_by("path"))
    return list(scope.visible_orgs(actor).filter(path__in=paths).order_by("path"))


def brand_manager(actor: Any) -> bool:
    """May set `floor_exempt`: the brand's own promotion managers."""
    brand = brand_org()
    return brand is not None and scope.can(actor, MANAGE_PROMOTIONS, brand)


def promotion_form(request: AuthedRequest, **kwargs: Any) -> PromotionForm:
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    return PromotionForm(*data, actor=request.user, brand=brand_manager(request.user), **kwargs)


def save_round_trip(
    request: AuthedRequest,
    form: Any,
    *,
    run: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], tuple[str, str]],
    redisplay: Callable[[], HttpResponse],
) -> HttpResponse:
    """core.views.form_submit for a promotion form: a refusal of the services (nothing
    written) lands on the field it names (place_error), and the page comes back with 400;
    `done(result)` gives the message and where to go."""
    if form.is_valid():
        try:
            result = run(form.cleaned_data)
        except DomainError as exc:
            place_error(form, exc)
        else:
            message, url = done(result)
            messages.success(request, message)
            return redirect(url)
    return redisplay()


def price_rows(simulation: selectors.Simulation) -> dict[str, Any]:
    """A priced cart as the pages read it (the simulator, a promotion's sample order): lines
    and gifts with their SKUs, applied promotions with their step and limits in words."""
    result, skus = simulation.result, simulation.skus
    return {
        "rows": [
            (line, skus[line.sku_id], source)
            for line, source in zip(result.lines, simulation.sources, strict=True)
        ],
        "gifts": [(gift, skus.get(gift.sku_id)) for gift in result.gifts],
        "applied": [
            (a, Stage(a.stage).label, [Limit(lim).label for lim in a.limits])
            for a in result.applied
        ],
    }
