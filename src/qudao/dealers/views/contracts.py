"""Pages of the dealer lifecycle: documents and contracts.

Documents: every paper of the dealers the actor sees, expiring soonest first, filtered; a
dealer's papers with their renewals and the form to add one; renewing a paper; its scan,
served only to those who see the dealer. Contracts: the list with each contract's targets and
attainment to date; a dealer's contracts; one contract with its targets, progress bars and
timeline, and the moves the actor may make (edit, activate, renew, end). A dealer's own
people read their papers and contracts; managers (MANAGE_DEALERS over the dealer) change
them."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.errors import DomainError
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.core.selectors import audit_list_for_object
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, domain_error_to_form, paginate
from qudao.dealers.forms_contracts import (
    ContractFilterForm,
    ContractForm,
    DocumentFilterForm,
    DocumentForm,
    target_formset,
)
from qudao.dealers.models import Contract, Dealer, DealerFile
from qudao.dealers.selectors import contracts as selectors
from qudao.dealers.services import contracts as contract_services
from qudao.dealers.services import documents as document_services
from qudao.dealers.services._common import anchor
from qudao.network import scope
from qudao.network.models import Org
from qudao.network.selectors import default_seller, sellers_of


def sees_contracts(actor: Any) -> bool:
    """Dealer managers, and the admins of dealers and distributors (their own papers and
    contracts, their dealers')."""
    return scope.has_any(actor, MANAGE_DEALERS) or "dealer_admin" in scope.role_codes(actor)


register_nav(
    NavEntry(
        label=gettext_lazy("Contracts"),
        url_name="dealers:contract_list",
        visible=sees_contracts,
        order=13,
    )
)
register_audit_labels(
    actions={
        "document.created": gettext_lazy("Document added"),
        "document.replaced": gettext_lazy("Document renewed"),
        "contract.created": gettext_lazy("Contract drafted"),
        "contract.updated": gettext_lazy("Contract changed"),
        "contract.activated": gettext_lazy("Contract activated"),
        "contract.renewed": gettext_lazy("Contract renewed"),
        "contract.ended": gettext_lazy("Contract ended"),
    },
    fields={"targets": gettext_lazy("Targets"), "replaces": gettext_lazy("Replaces")},
)


# --- shared ---------------------------------------------------------------------------------


def dealer_read(actor: Any, dealer_id: int) -> Dealer:
    """A dealer record whose org the actor sees (its own people, those above it); one without
    an org yet only for its managers. 404 otherwise, 403 in scope without the right."""
    dealer = Dealer.objects.select_related("org", "parent", "brand").filter(pk=dealer_id).first()
    if dealer is None or not scope.in_scope(actor, dealer.org or anchor(dealer)):
        raise Http404
    if dealer.org is None and not selectors.manages(actor, anchor(dealer)):
        raise PermissionDenied
    return dealer


def _crumbs(*items: tuple[Any, str]) -> list[tuple[str, str]]:
    return [(str(label), url) for label, url in items]


def _serve(row: DealerFile | None) -> FileResponse:
    """A private scan, inline, with the type checked at upload (never sniffed)."""
    if row is None or not row.file:
        raise Http404
    try:
        handle = row.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=row.content_type, filename=row.name)
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "attachment", "inline"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- documents ------------------------------------------------------------------------------


@login_required
def document_list(request: AuthedRequest) -> HttpResponse:
    """Papers of the dealers the actor sees, expiring soonest first; one query for the page."""
    filters = DocumentFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.document_list_for_actor(
        actor=request.user,
        kind=chosen.get("kind") or "",
        state=chosen.get("state") or "",
        q=(chosen.get("q") or "").strip(),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dealers/document_list.html",
        {
            "page": paginate(request, rows),
            "filters": filters,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "crumbs": _crumbs((_("Documents"), "")),
        },
    )


def _document_form_page(
    request: AuthedRequest, dealer: Dealer, form: DocumentForm | None, status: int = 200
) -> HttpResponse:
    assert dealer.org is not None
    documents = list(
        selectors.document_list_for_actor(actor=request.user, org_id=dealer.org_id, current=False)
    )
    return render(
        request,
        "dealers/document_dealer.html",
        {
            "dealer": dealer,
            "documents": documents,
            "replaced_ids": {d.replaces_id for d in documents if d.replaces_id},
            "form": form,
            "today": timezone.localdate(),
            "crumbs": _crumbs(
                (_("Documents"), reverse("dealers:document_list")), (dealer.org.name, "")
            ),
        },
        status=status,
    )


@login_required
def dealer_documents(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    """A dealer's papers with their renewals; its managers add new ones here."""
    dealer = dealer_read(request.user, dealer_id)
    if dealer.org is None:
        return render(request, "dealers/document_dealer.html", {"dealer": dealer, "documents": []})
    can_manage = selectors.manages(request.user, dealer.org)
    if request.method != "POST":
        return _document_form_page(request, dealer, DocumentForm() if can_manage else None)
    if not can_manage:
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        try:
            document = document_services.document_create(
                actor=request.user,
                org=dealer.org,
                data=data,
                upload=form.cleaned_data.get("file"),
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("%(title)s saved.") % {"title": document.title})
            return redirect("dealers:dealer_documents", dealer_id=dealer.pk)
    return _document_form_page(request, dealer, form, status=400)


def _dealer_of(org: Org) -> Dealer:
    dealer = Dealer.objects.select_related("org").filter(org=org).first()
    if dealer is None:
        raise Http404
    return dealer


@login_required
def document_replace(request: AuthedRequest, document_id: int) -> HttpResponse:
    """Upload the renewed paper: it replaces this one (reminders start over)."""
    document = call_or_404(selectors.document_get, actor=request.user, document_id=document_id)
    if not selectors.manages(request.user, document.org):
        raise PermissionDenied
    dealer = _dealer_of(document.org)
    form = DocumentForm(
        *((request.POST, request.FILES) if request.method == "POST" else ()),
        renewal=True,
        initial={"title": document.title},
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        try:
            renewed = document_services.document_replace(
                actor=request.user,
                document=document,
                data=data,
                upload=form.cleaned_data.get("file"),
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("%(title)s renewed.") % {"title": renewed.title})
            return redirect("dealers:dealer_documents", dealer_id=dealer.pk)
    return render(
        request,
        "dealers/document_replace.html",
        {
            "document": document,
            "dealer": dealer,
            "form": form,
            "crumbs": _crumbs(
                (_("Documents"), reverse("dealers:document_list")),
                (document.org.name, reverse("dealers:dealer_documents", args=[dealer.pk])),
                (_("Renew"), ""),
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def document_file(request: AuthedRequest, document_id: int) -> FileResponse:
    """A paper's scan, for whoever sees the dealer."""
    document = call_or_404(selectors.document_get, actor=request.user, document_id=document_id)
    return _serve(document.file)


# --- contracts ------------------------------------------------------------------------------


@login_required
def contract_list(request: AuthedRequest) -> HttpResponse:
    """Contracts of the dealers the actor sees with their targets' attainment to date (two
    queries for the page, whatever its length)."""
    filters = ContractFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.contract_list_for_actor(
        actor=request.user,
        year=chosen.get("year"),
        status=chosen.get("status") or "",
        q=(chosen.get("q") or "").strip(),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dealers/contract_list.html",
        {
            "page": paginate(request, rows),
            "filters": filters,
            "query": query.urlencode(),
            "crumbs": _crumbs((_("Contracts"), "")),
        },
    )


@login_required
def dealer_contracts(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    """A dealer's contracts, newest first, with their attainment; its managers start one."""
    dealer = dealer_read(request.user, dealer_id)
    contracts = (
        list(selectors.contract_list_for_actor(actor=request.user, org_id=dealer.org_id))
        if dealer.org_id
        else []
    )
    return render(
        request,
        "dealers/contract_dealer.html",
        {
            "dealer": dealer,
            "contracts": contracts,
            "can_manage": dealer.org is not None and selectors.manages(request.user, dealer.org),
            "crumbs": _crumbs(
                (_("Contracts"), reverse("dealers:contract_list")),
                (dealer.org.name if dealer.org else dealer.company_name, ""),
            ),
        },
    )


def _sellers(org: Org) -> list[Org]:
    found = sellers_of(buyer=org)
    default = default_seller(org=org)
    if default is not None and all(s.pk != default.pk for s in found):
        found = [default, *found]
    return found


def _contract_form_page(
    request: AuthedRequest,
    *,
    dealer: Dealer,
    form: ContractForm,
    targets: Any,
    contract: Contract | None = None,
    status: int = 200,
) -> HttpResponse:
    assert dealer.org is not None
    here = contract.number if contract else _("New contract")
    return render(
        request,
        "dealers/contract_form.html",
        {
            "dealer": dealer,
            "form": form,
            "targets": targets,
            "contract": contract,
            "crumbs": _crumbs(
                (_("Contracts"), reverse("dealers:contract_list")),
                (dealer.org.name, reverse("dealers:dealer_contracts", args=[dealer.pk])),
                (here, ""),
            ),
        },
        status=status,
    )


def _save_contract(
    request: AuthedRequest, form: ContractForm, targets: Any, run: Any
) -> Contract | None:
    """Run the service with the form's data and its target rows; a refusal lands on the
    form (targets' errors on top of the table)."""
    if not (form.is_valid() and targets.is_valid()):
        return None
    data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
    rows = [row for row in (f.row() for f in targets.forms) if row]
    try:
        result: Contract = run(data, rows, form.cleaned_data.get("file"))
    except DomainError as exc:
        domain_error_to_form(form, exc)
        if "targets" in exc.fields:
            form.add_error(None, "；".join(exc.fields["targets"]))
        return None
    return result


@login_required
def contract_create(request: AuthedRequest, dealer_id: int) -> HttpResponse:
    dealer = dealer_read(request.user, dealer_id)
    if dealer.org is None:
        raise Http404
    org = dealer.org
    if not selectors.manages(request.user, org):
        raise PermissionDenied
    sellers = _sellers(org)
    today = timezone.localdate()
    if request.method != "POST":
        initial = {"year": today.year, "seller": getattr(default_seller(org=org), "pk", "")}
        form = ContractForm(sellers=sellers, initial=initial)
        return _contract_form_page(
            request, dealer=dealer, form=form, targets=target_formset(request.user)
        )
    form = ContractForm(request.POST, request.FILES, sellers=sellers)
    targets = target_formset(request.user, request.POST)
    contract = _save_contract(
        request,
        form,
        targets,
        lambda data, rows, upload: contract_services.contract_create(
            actor=request.user, org=org, data=data, targets=rows, upload=upload
        ),
    )
    if contract is None:
        return _contract_form_page(request, dealer=dealer, form=form, targets=targets, status=400)
    messages.success(
        request, _("Contract %(number)s saved as a draft.") % {"number": contract.number}
    )
    return redirect("dealers:contract_detail", contract_id=contract.pk)


def _targets_initial(contract: Contract) -> list[dict[str, Any]]:
    return [
        {"quarter": t.quarter, "category": t.category_id, "amount": t.amount, "units": t.units}
        for t in contract.targets.all()
    ]


@login_required
def contract_edit(request: AuthedRequest, contract_id: int) -> HttpResponse:
    contract = call_or_404(selectors.contract_get, actor=request.user, contract_id=contract_id)
    actions = selectors.contract_actions(actor=request.user, contract=contract)
    if not selectors.manages(request.user, contract.org):
        raise PermissionDenied
    if "edit" not in actions:
        messages.error(request, str(contract_services.ContractNotDraft().message))
        return redirect("dealers:contract_detail", contract_id=contract.pk)
    dealer = _dealer_of(contract.org)
    sellers = _sellers(contract.org)
    if request.method != "POST":
        form = ContractForm(
            sellers=sellers,
            initial={
                "seller": contract.seller_id,
                "year": contract.year,
                "starts_on": contract.starts_on,
                "ends_on": contract.ends_on,
                "grade": contract.grade,
                "deposit": contract.deposit,
                "policies": contract.policies,
            },
        )
        targets = target_formset(request.user, initial=_targets_initial(contract))
        return _contract_form_page(
            request, dealer=dealer, form=form, targets=targets, contract=contract
        )
    form = ContractForm(request.POST, request.FILES, sellers=sellers)
    targets = target_formset(request.user, request.POST, initial=_targets_initial(contract))
    saved = _save_contract(
        request,
        form,
        targets,
        lambda data, rows, upload: contract_services.contract_update(
            actor=request.user, contract=contract, data=data, targets=rows, upload=upload
        ),
    )
    if saved is None:
        return _contract_form_page(
            request, dealer=dealer, form=form, targets=targets, contract=contract, status=400
        )
    messages.success(request, _("Saved."))
    return redirect("dealers:contract_detail", contract_id=contract.pk)


@login_required
def contract_detail(request: AuthedRequest, contract_id: int) -> HttpResponse:
    contract = call_or_404(selectors.contract_get, actor=request.user, contract_id=contract_id)
    targets = list(contract.targets.all())
    dealer = Dealer.objects.filter(org=contract.org).first()
    renewal = Contract.objects.filter(renews=contract).first()
    return render(
        request,
        "dealers/contract_detail.html",
        {
            "contract": contract,
            "targets": targets,
            "totals": selectors.contract_totals(targets),
            "actions": selectors.contract_actions(actor=request.user, contract=contract),
            "dealer": dealer,
            "renewal": renewal,
            "audit": audit_list_for_object(instance=contract),
            "crumbs": _crumbs(
                (_("Contracts"), reverse("dealers:contract_list")),
                *(
                    [(contract.org.name, reverse("dealers:dealer_contracts", args=[dealer.pk]))]
                    if dealer
                    else []
                ),
                (contract.number, ""),
            ),
        },
    )


def _move(request: AuthedRequest, contract_id: int, action: str, run: Any) -> HttpResponse:
    contract = call_or_404(selectors.contract_get, actor=request.user, contract_id=contract_id)
    if not selectors.manages(request.user, contract.org):
        raise PermissionDenied
    try:
        result = run(contract)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dealers:contract_detail", contract_id=contract.pk)
    texts = {
        "activate": _("Contract %(number)s is in force."),
        "renew": _("Renewal %(number)s drafted for the next year."),
        "end": _("Contract %(number)s ended."),
    }
    messages.success(request, texts[action] % {"number": result.number})
    return redirect("dealers:contract_detail", contract_id=result.pk)


@login_required
@require_POST
def contract_activate(request: AuthedRequest, contract_id: int) -> HttpResponse:
    return _move(
        request,
        contract_id,
        "activate",
        lambda c: contract_services.contract_activate(actor=request.user, contract=c),
    )


@login_required
@require_POST
def contract_renew(request: AuthedRequest, contract_id: int) -> HttpResponse:
    return _move(
        request,
        contract_id,
        "renew",
        lambda c: contract_services.contract_renew(actor=request.user, contract=c),
    )


@login_required
@require_POST
def contract_end(request: AuthedRequest, contract_id: int) -> HttpResponse:
    return _move(
        request,
        contract_id,
        "end",
        lambda c: contract_services.contract_end(
            actor=request.user, contract=c, reason=request.POST.get("reason", "")
        ),
    )


@login_required
def contract_file(request: AuthedRequest, contract_id: int) -> FileResponse:
    """The signed contract's scan, for whoever sees the dealer."""
    contract = call_or_404(selectors.contract_get, actor=request.user, contract_id=contract_id)
    return _serve(contract.file)


urlpatterns: list[URLPattern] = [
    path("documents/", document_list, name="document_list"),
    path("documents/<int:document_id>/renew/", document_replace, name="document_replace"),
    path("documents/<int:document_id>/file/", document_file, name="document_file"),
    path("<int:dealer_id>/documents/", dealer_documents, name="dealer_documents"),
    path("contracts/", contract_list, name="contract_list"),
    path("contracts/<int:contract_id>/", contract_detail, name="contract_detail"),
    path("contracts/<int:contract_id>/edit/", contract_edit, name="contract_edit"),
    path("contracts/<int:contract_id>/activate/", contract_activate, name="contract_activate"),
    path("contracts/<int:contract_id>/renew/", contract_renew, name="contract_renew"),
    path("contracts/<int:contract_id>/end/", contract_end, name="contract_end"),
    path("contracts/<int:contract_id>/file/", contract_file, name="contract_file"),
    path("<int:dealer_id>/contracts/", dealer_contracts, name="dealer_contracts"),
    path("<int:dealer_id>/contracts/new/", contract_create, name="contract_create"),
]
