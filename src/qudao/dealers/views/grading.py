"""Pages of the dealer lifecycle: grading. The brand's runs and a new run over a period; the
weights per dimension; one run's results — a sortable table of every dealer's dimension
scores, total, current and proposed grade — where the channel manager confirms them all, or
some with another grade."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.catalog.selectors import brand_org
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.errors import DomainError
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.core.selectors import audit_list_for_object
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, domain_error_to_form, paginate
from qudao.dealers.constants import Dimension, RunStatus
from qudao.dealers.forms_contracts import RunForm, WeightsForm
from qudao.dealers.selectors import grading as selectors
from qudao.dealers.services import grading as services
from qudao.network import scope
from qudao.network.constants import Grade
from qudao.network.models import Org


def grades_dealers(actor: Any) -> bool:
    """Holds MANAGE_DEALERS at the brand's HQ (the root of the tree): no query."""
    return getattr(actor, "is_superuser", False) or any(
        len(g.path) == Org.steplen and MANAGE_DEALERS in g.permissions for g in scope.grants(actor)
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Grading"),
        url_name="dealers:grading_list",
        visible=grades_dealers,
        order=14,
    )
)
register_audit_labels(
    actions={
        "grading.run_created": gettext_lazy("Grading run proposed"),
        "grading.confirmed": gettext_lazy("Grades confirmed"),
        "grading.weights_set": gettext_lazy("Grading weights set"),
    },
    fields={
        "period": gettext_lazy("Period"),
        "dealers": gettext_lazy("Dealers"),
        "weights": gettext_lazy("Weights"),
        "confirmed": gettext_lazy("Confirmed"),
        "grades": gettext_lazy("Grades"),
        "overridden": gettext_lazy("Overridden"),
    },
)


def _brand(request: AuthedRequest) -> Org:
    """The brand the pages grade: its managers only (403 for everyone else — the pages
    have no id to hide)."""
    brand = brand_org()
    if brand is None:
        raise Http404
    if not scope.can(request.user, MANAGE_DEALERS, brand):
        raise PermissionDenied
    return brand


@login_required
def grading_list(request: AuthedRequest) -> HttpResponse:
    """The brand's runs, newest first, and the form of a new one (default: the last 12
    months)."""
    brand = _brand(request)
    start, end = services.default_period()
    form = RunForm(request.POST or None, initial={"period_start": start, "period_end": end})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.grading_run_create(
                actor=request.user,
                brand=brand,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Grading %(number)s proposed grades for %(count)s dealers.")
                % {"number": run.number, "count": run.results.count()},
            )
            return redirect("dealers:grading_detail", run_id=run.pk)
    runs = selectors.run_list_for_actor(actor=request.user, brand=brand)
    return render(
        request,
        "dealers/grading_list.html",
        {
            "page": paginate(request, runs),
            "form": form,
            "weights": selectors.weights_for(brand),
            "dimensions": Dimension.choices,
            "crumbs": [(str(_("Grading")), "")],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def grading_weights(request: AuthedRequest) -> HttpResponse:
    """The brand's weight per dimension; together 100."""
    brand = _brand(request)
    current = dict(selectors.weights_for(brand))
    form = WeightsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.grading_weights_set(actor=request.user, brand=brand, weights=form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Weights saved."))
            return redirect("dealers:grading_list")
    return render(
        request,
        "dealers/grading_weights.html",
        {
            "form": form,
            "crumbs": [
                (str(_("Grading")), reverse("dealers:grading_list")),
                (str(_("Weights")), ""),
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


SORT_COLUMNS = (
    ("dealer", gettext_lazy("Dealer")),
    ("attainment", Dimension.ATTAINMENT.label),
    ("sell_through", Dimension.SELL_THROUGH.label),
    ("payment", Dimension.PAYMENT.label),
    ("inventory", Dimension.INVENTORY.label),
    ("total", gettext_lazy("Total")),
    ("proposed", gettext_lazy("Proposed grade")),
    ("change", gettext_lazy("Change")),
)


@login_required
def grading_detail(request: AuthedRequest, run_id: int) -> HttpResponse:
    """A run's results, sortable by any column (one query for the page), with the
    confirmation form: every open row, or the ticked ones with the grade chosen."""
    run = call_or_404(selectors.run_get, actor=request.user, run_id=run_id)
    sort = request.GET.get("sort", "total")
    results = selectors.run_results(run=run, sort=sort)
    page = paginate(request, results, per_page=200)
    return render(
        request,
        "dealers/grading_detail.html",
        {
            "run": run,
            "page": page,
            "sort": sort,
            "columns": SORT_COLUMNS,
            "grades": Grade.values,
            "open": run.status == RunStatus.PROPOSED,
            "weights": [(label, run.weights.get(dim, "0")) for dim, label in Dimension.choices],
            "audit": audit_list_for_object(instance=run),
            "query": f"sort={sort}",
            "crumbs": [
                (str(_("Grading")), reverse("dealers:grading_list")),
                (run.number, ""),
            ],
        },
    )


def _chosen(post: Any) -> dict[int, str] | None:
    """All open results as proposed (`all`), or the ticked dealers with their grades."""
    if post.get("all"):
        return None
    chosen = {}
    for value in post.getlist("org"):
        if str(value).isdigit():
            chosen[int(value)] = post.get(f"grade-{value}", "")
    return chosen


@login_required
@require_POST
def grading_confirm(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = call_or_404(selectors.run_get, actor=request.user, run_id=run_id)
    chosen = _chosen(request.POST)
    if chosen == {}:
        messages.error(request, _("Tick the dealers to confirm, or confirm all."))
        return redirect("dealers:grading_detail", run_id=run.pk)
    try:
        services.grading_confirm(actor=request.user, run=run, grades=chosen)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Grades confirmed."))
    return redirect("dealers:grading_detail", run_id=run.pk)


urlpatterns: list[URLPattern] = [
    path("grading/", grading_list, name="grading_list"),
    path("grading/weights/", grading_weights, name="grading_weights"),
    path("grading/<int:run_id>/", grading_detail, name="grading_detail"),
    path("grading/<int:run_id>/confirm/", grading_confirm, name="grading_confirm"),
]
