"""Promotion pages: the list with filters, a draft's form (create and edit), and one
promotion — its rules, targets and products, the moves the actor may make (submit, approve or
send back, publish, pause, resume, end, copy), the conflict check (overlapping promotions and
a sample order priced with them), what orders took of it, its coupons and its timeline. A
targeted buyer reads the offer only."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.core.errors import DomainError, NotFound
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, form_submit, paginate
from qudao.network import scope
from qudao.network.selectors import org_get
from qudao.promotions import selectors, services
from qudao.promotions.constants import Kind, Status
from qudao.promotions.forms import (
    TABLE_HELP,
    CommentForm,
    CouponIssueForm,
    PromotionFilterForm,
    PromotionForm,
    RejectForm,
)
from qudao.promotions.models import Promotion
from qudao.promotions.rules import rules_with_codes
from qudao.promotions.rules_text import rule_values, rules_shown
from qudao.promotions.views._common import (
    managed_sellers,
    price_rows,
    promotion_form,
    require_sees,
    save_round_trip,
)

# --- the list -------------------------------------------------------------------------------


@login_required
def promotion_list(request: AuthedRequest) -> HttpResponse:
    """The promotions the actor sees (its sellers' in every status, the live ones meant for
    its orgs), filtered; one query for the page whatever its length."""
    require_sees(request)
    filters = PromotionFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    promotions = selectors.promotion_list_for_actor(
        actor=request.user,
        status=chosen.get("status") or "",
        kind=chosen.get("kind") or "",
        window=chosen.get("window") or "",
        q=(chosen.get("q") or "").strip(),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "promotions/promotion_list.html",
        {
            "page": paginate(request, promotions),
            "filters": filters,
            "own_sellers": managed_sellers(request.user),
            "can_simulate": scope.has_any(request.user, MANAGE_PROMOTIONS),
            "query": query.urlencode(),
        },
    )


# --- a draft --------------------------------------------------------------------------------


def _form_page(
    request: AuthedRequest, form: PromotionForm, *, status: int = 200, **context: Any
) -> HttpResponse:
    return render(
        request,
        "promotions/promotion_form.html",
        {"form": form, "table_help": TABLE_HELP, **context},
        status=status,
    )


@login_required
def promotion_create(request: AuthedRequest) -> HttpResponse:
    """A new draft of ?seller= (an org where the actor manages promotions)."""
    wanted = request.GET.get("seller", "")
    if not wanted.isdigit():  # the list page offers a button per own seller
        return redirect("promotions:promotion_list")
    seller = call_or_404(org_get, actor=request.user, org_id=int(wanted))
    if not scope.can(request.user, MANAGE_PROMOTIONS, seller):
        raise PermissionDenied
    start = timezone.localtime().replace(second=0, microsecond=0)
    form = promotion_form(request, seller=seller, initial={"starts_at": start, "priority": 0})
    if request.method != "POST":
        return _form_page(request, form, seller=seller)
    return save_round_trip(
        request,
        form,
        run=lambda data: services.promotion_create(
            actor=request.user, seller=seller, data=data["payload"]
        ),
        done=lambda p: (
            _("Promotion %(number)s saved as a draft.") % {"number": p.number},
            reverse("promotions:promotion_detail", args=[p.pk]),
        ),
        redisplay=lambda: _form_page(request, form, status=400, seller=seller),
    )


_FROM_RULES = (Kind.SPECIAL_PRICE, Kind.FLASH_SALE, Kind.BUNDLE, Kind.GROUP_BUY)


def _initial(detail: selectors.PromotionDetail) -> dict[str, Any]:
    """The form's fields from a saved draft: its rules by code, targets, products."""
    p = detail.promotion
    by_kind: dict[str, list[str]] = {}
    for t in detail.targets:
        by_kind.setdefault(t.kind, []).append(t.value)
    return {
        **{
            f: getattr(p, f)
            for f in (
                "name",
                "kind",
                "description",
                "starts_at",
                "ends_at",
                "priority",
                "exclusive",
                "floor_exempt",
                "budget_amount",
                "budget_qty",
            )
        },
        **rule_values(p.kind, rules_with_codes(p.rules, detail.sku_codes)),
        "channels": by_kind.get("channel", []),
        "levels": by_kind.get("level", []),
        "grades": by_kind.get("grade", []),
        "regions": " ".join(by_kind.get("region", [])),
        "divisions": " ".join(by_kind.get("division", [])),
        "buyers": "\n".join(by_kind.get("buyer", [])),
        "skus": "\n".join(s.code for s in detail.skus) if p.kind not in _FROM_RULES else "",
        "categories": [str(c.pk) for c in detail.categories],
        "product_sets": [str(s.pk) for s in detail.product_sets],
    }


@login_required
def promotion_edit(request: AuthedRequest, promotion_id: int) -> HttpResponse:
    """Change a draft; anything else is paused, ended or copied, never edited."""
    detail = call_or_404(selectors.promotion_detail, actor=request.user, promotion_id=promotion_id)
    promotion = detail.promotion
    if not detail.actions:
        raise PermissionDenied
    if "edit" not in detail.actions:
        messages.error(
            request,
            str(services.PromotionNotEditable(status=promotion.get_status_display()).message),
        )
        return redirect("promotions:promotion_detail", promotion_id=promotion.pk)
    form = promotion_form(request, seller=promotion.seller, initial=_initial(detail))
    context: dict[str, Any] = {"seller": promotion.seller, "promotion": promotion}
    if request.method != "POST":
        return _form_page(request, form, **context)
    return save_round_trip(
        request,
        form,
        run=lambda data: services.promotion_update(
            actor=request.user, promotion=promotion, data=data["payload"]
        ),
        done=lambda p: (_("Saved."), reverse("promotions:promotion_detail", args=[p.pk])),
        redisplay=lambda: _form_page(request, form, status=400, **context),
    )


# --- one promotion --------------------------------------------------------------------------


def _rules_shown(detail: selectors.PromotionDetail) -> list[tuple[str, str]]:
    """(label, value) of the kind's rule fields as the form has them (rows as they are
    typed), for reading."""
    p = detail.promotion
    return rules_shown(p.kind, rules_with_codes(p.rules, detail.sku_codes))


def _simulator_url(detail: selectors.PromotionDetail) -> str:
    """The simulator, for the promotion's seller, with one of each of its SKUs in the cart
    (a promotion not live yet applies there once published)."""
    if not detail.actions:
        return ""
    codes = sorted(set(detail.sku_codes.values()))[:10]
    query = {"seller": detail.promotion.seller_id, "lines": "\n".join(f"{c} 1" for c in codes)}
    return reverse("promotions:simulator") + "?" + urlencode(query)


def detail_page(
    request: AuthedRequest, promotion_id: int, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """One promotion; a refused decision or coupon form comes back bound (status 400)."""
    detail = call_or_404(selectors.promotion_detail, actor=request.user, promotion_id=promotion_id)
    p = detail.promotion
    context: dict[str, Any] = {
        "d": detail,
        "promotion": p,
        "actions": detail.actions,
        "rules_shown": _rules_shown(detail),
        "audit": detail.timeline,
        "approve_form": CommentForm(),
        "reject_form": RejectForm(),
        "coupon_form": CouponIssueForm(initial={"per_buyer_limit": 1}),
        "open_form": next(iter(forms), ""),
        **forms,
    }
    if detail.seller_side:
        context["sim_url"] = _simulator_url(detail)
        context["usage"] = selectors.promotion_usage(promotion=p)
        context["uses"] = selectors.promotion_use_list(actor=request.user, promotion=p)[:20]
        if p.status != Status.ENDED:
            check = selectors.promotion_conflict_check(actor=request.user, promotion=p)
            context["conflicts"] = check.overlaps
            context["sample"] = check.sample
            if check.sample.simulation is not None:
                context["sample_rows"] = price_rows(check.sample.simulation)
        if p.kind == Kind.COUPON:
            context["coupons"] = paginate(
                request, selectors.coupon_list(actor=request.user, promotion=p)
            )
    return render(request, "promotions/promotion_detail.html", context, status=status)


@login_required
def promotion_detail(request: AuthedRequest, promotion_id: int) -> HttpResponse:
    return detail_page(request, promotion_id)


# --- moves ----------------------------------------------------------------------------------

Run = Callable[[Any, Promotion, dict[str, Any]], Promotion]
MOVES: dict[str, tuple[Run, Any]] = {
    "submit": (
        lambda actor, p, data: services.promotion_submit(actor=actor, promotion=p),
        lambda p: _("Promotion %(number)s submitted for approval.") % {"number": p.number},
    ),
    "approve": (
        lambda actor, p, data: services.promotion_approve(
            actor=actor, promotion=p, comment=data.get("comment", "")
        ),
        lambda p: _("Promotion %(number)s approved.") % {"number": p.number},
    ),
    "reject": (
        lambda actor, p, data: services.promotion_reject(
            actor=actor, promotion=p, comment=data["comment"]
        ),
        lambda p: _("Promotion %(number)s sent back to draft.") % {"number": p.number},
    ),
    "publish": (
        lambda actor, p, data: services.promotion_publish(actor=actor, promotion=p),
        lambda p: _("Promotion %(number)s is live.") % {"number": p.number},
    ),
    "pause": (
        lambda actor, p, data: services.promotion_pause(actor=actor, promotion=p),
        lambda p: _("Promotion %(number)s paused.") % {"number": p.number},
    ),
    "resume": (
        lambda actor, p, data: services.promotion_resume(actor=actor, promotion=p),
        lambda p: _("Promotion %(number)s is live again.") % {"number": p.number},
    ),
    "end": (
        lambda actor, p, data: services.promotion_end(actor=actor, promotion=p),
        lambda p: _("Promotion %(number)s ended.") % {"number": p.number},
    ),
}
FORMS = {"approve": ("approve_form", CommentForm), "reject": ("reject_form", RejectForm)}


@login_required
@require_POST
def promotion_move(request: AuthedRequest, promotion_id: int, move: str) -> HttpResponse:
    """A move along the pipeline from the promotion's page: 404 outside the scope, 403
    without the right to manage the seller's promotions; a refusal (a move the status does
    not allow, nothing changed) is shown on the page."""
    detail = call_or_404(selectors.promotion_detail, actor=request.user, promotion_id=promotion_id)
    promotion = detail.promotion
    if not detail.actions:  # a targeted buyer, or the seller's people without the right
        raise PermissionDenied
    run, done = MOVES[move]
    url = reverse("promotions:promotion_detail", args=[promotion.pk])
    if move in FORMS:
        name, form_class = FORMS[move]
        form = form_class(request.POST)
        return form_submit(
            request,
            form,
            action=lambda data: run(request.user, promotion, data),
            done=done,
            success_url=url,
            redisplay=lambda: detail_page(request, promotion.pk, status=400, **{name: form}),
        )
    try:
        moved = run(request.user, promotion, {})
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done(moved))
    return redirect(url)


@login_required
@require_POST
def promotion_copy(request: AuthedRequest, promotion_id: int) -> HttpResponse:
    """A new draft version with the same settings (how a live promotion is changed)."""
    detail = call_or_404(selectors.promotion_detail, actor=request.user, promotion_id=promotion_id)
    if "copy" not in detail.actions:
        raise PermissionDenied
    try:
        copy = services.promotion_copy(actor=request.user, promotion=detail.promotion)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(
        request,
        _("Version %(version)s drafted as %(number)s.")
        % {"version": copy.version, "number": copy.number},
    )
    return redirect("promotions:promotion_edit", promotion_id=copy.pk)
