"""Network pages. Each view parses input, calls one selector or service, renders."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_MEMBERS, MANAGE_ORGS, MANAGE_SUPPLY
from qudao.accounts.models import User
from qudao.core.errors import DomainError, NotFound
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, domain_error_message, domain_error_to_form, paginate
from qudao.network import scope, selectors, services
from qudao.network.constants import ALLOWED_CHILDREN, Grade, OrgKind, OrgStatus
from qudao.network.forms import MemberForm, MoveForm, OrgForm, SupplyLinkForm
from qudao.network.models import Org


def _org_or_404(request: AuthedRequest, org_id: int) -> Org:
    return call_or_404(selectors.org_get, actor=request.user, org_id=org_id)


def _require(request: AuthedRequest, permission: str, org: Org) -> None:
    """In scope (already checked) but without the right: 403, the page says why."""
    if not scope.can(request.user, permission, org):
        raise PermissionDenied


@login_required
def tree(request: AuthedRequest) -> HttpResponse:
    nodes = selectors.org_tree_children(actor=request.user, parent=None)
    return render(request, "network/tree.html", {"nodes": nodes})


@login_required
def tree_children(request: AuthedRequest, org_id: int) -> HttpResponse:
    org = _org_or_404(request, org_id)
    nodes = selectors.org_tree_children(actor=request.user, parent=org)
    return render(request, "network/partials/_tree_nodes.html", {"nodes": nodes})


@login_required
def org_list(request: AuthedRequest) -> HttpResponse:
    params = request.GET
    qs = selectors.org_list_for_actor(
        actor=request.user,
        q=params.get("q", ""),
        kind=params.get("kind", ""),
        status=params.get("status", ""),
        grade=params.get("grade", ""),
    )
    page = paginate(request, qs)
    context = {
        "page": page,
        "params": params,
        "kinds": OrgKind.choices,
        "statuses": OrgStatus.choices,
        "grades": Grade.choices,
    }
    template = "network/partials/_org_rows.html" if request.htmx else "network/org_list.html"
    return render(request, template, context)


@login_required
def org_detail(request: AuthedRequest, org_id: int) -> HttpResponse:
    org = _org_or_404(request, org_id)
    user = request.user
    context = {
        "org": org,
        "ancestors": selectors.org_ancestors(actor=user, org=org),
        "children": selectors.org_tree_children(actor=user, parent=org),
        "memberships": selectors.membership_list_for_actor(actor=user, org_id=org.pk),
        "links": selectors.supply_link_list_for_actor(actor=user, org_id=org.pk),
        "default_seller": selectors.default_seller(org=org),
        "audit": selectors.org_timeline(org=org),
        "can_edit": scope.can(user, MANAGE_ORGS, org),
        "can_add_child": bool(ALLOWED_CHILDREN[org.kind]) and scope.can(user, MANAGE_ORGS, org),
        "can_members": scope.can(user, MANAGE_MEMBERS, org),
        "can_supply": scope.can(user, MANAGE_SUPPLY, org),
        "member_form": MemberForm(org=org),
        "link_form": SupplyLinkForm(),
        "move_form": MoveForm(),
    }
    return render(request, "network/org_detail.html", context)


def _form_data(form: OrgForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    for key in ("province", "city", "district"):
        data[key] = data.get(key) or None
    return data


@login_required
def org_create(request: AuthedRequest, parent_id: int) -> HttpResponse:
    parent = _org_or_404(request, parent_id)
    _require(request, MANAGE_ORGS, parent)
    form = OrgForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.org_create(actor=request.user, parent=parent, data=_form_data(form))
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("%(name)s created.") % {"name": org.name})
            return redirect("network:org_detail", org_id=org.pk)
    return render(request, "network/org_form.html", {"form": form, "parent": parent})


@login_required
def org_edit(request: AuthedRequest, org_id: int) -> HttpResponse:
    org = _org_or_404(request, org_id)
    _require(request, MANAGE_ORGS, org)
    form = OrgForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.org_update(actor=request.user, org=org, data=_form_data(form))
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("network:org_detail", org_id=org.pk)
    return render(request, "network/org_form.html", {"form": form, "org": org})


@login_required
@require_POST
def org_move(request: AuthedRequest, org_id: int) -> HttpResponse:
    org = _org_or_404(request, org_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        parent = (
            scope.visible_orgs(request.user)
            .filter(code=form.cleaned_data["parent_code"].strip())
            .first()
        )
        try:
            if parent is None:
                raise NotFound(_("No org with this code in your network."))
            services.org_move(actor=request.user, org=org, new_parent=parent)
            messages.success(request, _("Moved under %(parent)s.") % {"parent": parent.name})
        except DomainError as exc:
            domain_error_message(request, exc)
    return redirect("network:org_detail", org_id=org.pk)


@login_required
@require_POST
def member_add(request: AuthedRequest, org_id: int) -> HttpResponse:
    org = _org_or_404(request, org_id)
    form = MemberForm(request.POST, org=org)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("network:org_detail", org_id=org.pk)
    data = form.cleaned_data
    try:
        user, new_user = None, None
        if data["existing"]:
            login = data["existing"].strip()
            user = User.objects.filter(Q(username=login) | Q(mobile=login)).first()
            if user is None:
                raise NotFound(_("No user %(login)s.") % {"login": login})
        else:
            new_user = {k: data[k] for k in ("username", "display_name", "mobile", "password")}
            new_user["mobile"] = new_user["mobile"] or None
        membership = services.membership_add(
            actor=request.user, org=org, role_code=data["role"], user=user, new_user=new_user
        )
        messages.success(request, _("%(user)s added.") % {"user": membership.user})
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("network:org_detail", org_id=org.pk)


@login_required
@require_POST
def member_toggle(request: AuthedRequest, membership_id: int) -> HttpResponse:
    membership = call_or_404(
        selectors.membership_get, actor=request.user, membership_id=membership_id
    )
    try:
        services.membership_update(
            actor=request.user, membership=membership, is_active=not membership.is_active
        )
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("network:org_detail", org_id=membership.org_id)


@login_required
@require_POST
def supply_link_add(request: AuthedRequest, org_id: int) -> HttpResponse:
    buyer = _org_or_404(request, org_id)
    form = SupplyLinkForm(request.POST)
    if form.is_valid():
        seller = Org.objects.filter(code=form.cleaned_data["seller_code"].strip()).first()
        try:
            if seller is None:
                raise NotFound(_("No org with this code in your network."))
            services.supply_link_create(
                actor=request.user, buyer=buyer, seller=seller, kind=form.cleaned_data["kind"]
            )
            messages.success(request, _("Supply link added."))
        except DomainError as exc:
            if exc.code == "not_found":
                exc = NotFound(_("No org with this code in your network."))
            domain_error_message(request, exc)
    return redirect("network:org_detail", org_id=buyer.pk)


@login_required
@require_POST
def supply_link_toggle(request: AuthedRequest, link_id: int) -> HttpResponse:
    link = call_or_404(selectors.supply_link_get, actor=request.user, link_id=link_id)
    try:
        services.supply_link_update(actor=request.user, link=link, is_active=not link.is_active)
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("network:org_detail", org_id=link.buyer_id)


def division_options(request: AuthedRequest) -> HttpResponse:
    """<option>s of the divisions under a code: the cascading province → city → district."""
    target = request.GET.get("target", "city")
    parent = request.GET.get({"city": "province", "district": "city"}.get(target, "province"), "")
    divisions = selectors.division_children(parent_code=parent) if parent else []
    return render(request, "network/partials/_division_options.html", {"divisions": divisions})
