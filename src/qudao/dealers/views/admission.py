"""Pages of admission: the public application form (no login; rate-limited per client address;
a honeypot), the applicant's tracking page (by token), the reviewers' list and review page
(scorecard, questions, parent, approval chain), the files behind scope checks, and the brand's
scorecard settings."""

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.catalog.selectors import brand_org
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.errors import DomainError
from qudao.core.types import AuthedRequest
from qudao.core.views import call_or_404, domain_error_to_form, paginate
from qudao.dealers.constants import FileKind
from qudao.dealers.forms_admission import (
    HONEYPOT,
    AnswerForm,
    ApplicationFilterForm,
    ApplicationForm,
    CriterionFormSet,
    DecideForm,
    MessageForm,
    ParentForm,
    SettingsForm,
    criterion_initial,
    criterion_rows,
    scores_form,
)
from qudao.dealers.models import Dealer, DealerFile
from qudao.dealers.selectors import admission as selectors
from qudao.dealers.services import admission as services
from qudao.network import scope

# Successful submissions per client address, and attempts (valid or not) per address: a
# typo does not use up the first, a bot hammering the form hits the second.
APPLY_RATE = "5/h"
APPLY_ATTEMPT_RATE = "30/h"

register_audit_labels(
    actions={
        "dealer.review_started": gettext_lazy("Review started"),
        "dealer.scored": gettext_lazy("Scorecard updated"),
        "dealer.parent_set": gettext_lazy("Parent chosen"),
        "dealer.info_requested": gettext_lazy("More information requested"),
        "dealer.applicant_answered": gettext_lazy("Applicant answered"),
        "dealer.note_added": gettext_lazy("Note added"),
        "dealer.step_approved": gettext_lazy("Approval step approved"),
        "dealer.approved": gettext_lazy("Application approved"),
        "dealer.rejected": gettext_lazy("Application rejected"),
    },
    fields={
        "question": gettext_lazy("Question"),
        "role": gettext_lazy("Role"),
        "files": gettext_lazy("Files"),
    },
)


# --- the public side ------------------------------------------------------------------------


def _over(request: HttpRequest, group: str, rate: str, *, increment: bool) -> bool:
    """Has this client address used up `rate`? (`increment`: count this request first.)"""
    usage = get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=increment)
    if usage is None:  # rate limiting switched off (RATELIMIT_ENABLE = False)
        return False
    return bool(usage["count"] > usage["limit"] if increment else usage["count"] >= usage["limit"])


def _rates() -> tuple[str, str]:
    return (
        getattr(settings, "DEALER_APPLY_RATE", APPLY_RATE),
        getattr(settings, "DEALER_APPLY_ATTEMPT_RATE", APPLY_ATTEMPT_RATE),
    )


def _count_submission(request: HttpRequest) -> None:
    get_usage(
        request, group="dealers.apply", key="ip", rate=_rates()[0], method="POST", increment=True
    )


def _client_ip(request: HttpRequest) -> str | None:
    key = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    value = request.META.get(key) if isinstance(key, str) and key in request.META else None
    value = (value or request.META.get("REMOTE_ADDR") or "").split(",")[0].strip()
    return value or None


def _apply_form(request: HttpRequest) -> ApplicationForm:
    categories = [(c.pk, c.name) for c in selectors.top_categories()]
    if request.method == "POST":
        return ApplicationForm(request.POST, request.FILES, categories=categories)
    return ApplicationForm(categories=categories)


def _apply_page(request: HttpRequest, form: ApplicationForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "dealers/apply.html",
        {"form": form, "groups": form.groups(), "brand": brand_org()},
        status=status,
    )


def _done_page(request: HttpRequest, number: str, token: str, email: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("dealers:track", args=[token]))
    return render(
        request,
        "dealers/apply_done.html",
        {"number": number, "track_url": url, "email": email, "brand": brand_org()},
    )


def apply(request: HttpRequest) -> HttpResponse:
    """The public application form. Refusals (nothing written) come back on their fields;
    a filled honeypot gets an accepted-looking page and nothing is written."""
    if request.method != "POST":
        return _apply_page(request, _apply_form(request))
    rate, attempts = _rates()
    if _over(request, "dealers.apply.attempts", attempts, increment=True) or _over(
        request, "dealers.apply", rate, increment=False
    ):
        return render(request, "dealers/apply_limited.html", {"brand": brand_org()}, status=429)
    form = _apply_form(request)
    if request.POST.get(HONEYPOT):
        _count_submission(request)
        fake = (
            f"{services.DOC_APPLICATION}-{timezone.localdate().year}-{secrets.randbelow(10**6):06d}"
        )
        return _done_page(request, fake, secrets.token_urlsafe(32), "")
    if not form.is_valid():
        return _apply_page(request, form, status=400)
    data = form.cleaned_data
    files = [(FileKind.LICENCE, f) for f in data.get("licence_files") or []] + [
        (FileKind.PHOTO, f) for f in data.get("photo_files") or []
    ]
    try:
        dealer = services.application_submit(
            actor=request.user,
            data=data,
            files=files,
            client_ip=_client_ip(request),
            track_url=lambda token: request.build_absolute_uri(
                reverse("dealers:track", args=[token])
            ),
        )
    except DomainError as exc:
        domain_error_to_form(form, exc)
        return _apply_page(request, form, status=400)
    _count_submission(request)
    return _done_page(request, dealer.number, dealer.token, dealer.email)


def track(request: HttpRequest, token: str) -> HttpResponse:
    """The applicant's page, by its token only (any other string: 404): where the
    application stands, the reviewers' questions and a form to answer them."""
    view = call_or_404(selectors.tracking_get, token=token)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_answer(token=token, text=form.cleaned_data["text"])
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Thank you: your answer is with the reviewers."))
            return redirect("dealers:track", token=token)
    return render(
        request,
        "dealers/track.html",
        {"t": view, "dealer": view.dealer, "form": form, "brand": view.dealer.brand},
        status=400 if form.errors else 200,
    )


def _file_response(row: DealerFile) -> FileResponse:
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=row.content_type, filename=row.name)
    # Types were checked by content at upload; still, never let a browser guess or run it.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def track_file(request: HttpRequest, token: str, file_id: int) -> HttpResponseBase:
    return _file_response(call_or_404(selectors.tracking_file_get, token=token, file_id=file_id))


# --- the reviewers' side --------------------------------------------------------------------


def _require_reviewer(request: AuthedRequest) -> None:
    if not selectors.manages_dealers(request.user):
        raise PermissionDenied


@login_required
def dealer_file(request: AuthedRequest, file_id: int) -> HttpResponseBase:
    """A file of a dealer the user manages (404 for any other)."""
    return _file_response(
        call_or_404(selectors.dealer_file_get, actor=request.user, file_id=file_id)
    )


@login_required
def application_list(request: AuthedRequest) -> HttpResponse:
    """The applications in the user's part of the network; one query for the page."""
    _require_reviewer(request)
    filters = ApplicationFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.application_list(
        actor=request.user, stage=chosen.get("stage") or "", q=(chosen.get("q") or "").strip()
    )
    query = request.GET.copy()
    query.pop("page", None)
    brand = brand_org()
    return render(
        request,
        "dealers/application_list.html",
        {
            "page": paginate(request, rows),
            "filters": filters,
            "query": query.urlencode(),
            "can_configure": brand is not None and scope.can(request.user, MANAGE_DEALERS, brand),
        },
    )


@login_required
def application_detail(request: AuthedRequest, application_id: int) -> HttpResponse:
    d = call_or_404(selectors.application_detail, actor=request.user, application_id=application_id)
    waiting = d.waiting_step
    return render(
        request,
        "dealers/application_detail.html",
        {
            "d": d,
            "dealer": d.dealer,
            "scores_form": scores_form(d.rows) if "score" in d.actions else None,
            "parent_form": ParentForm(parents=d.parents, initial={"parent": d.dealer.parent_id})
            if "parent" in d.actions
            else None,
            "ask_form": MessageForm(prefix="ask"),
            "note_form": MessageForm(prefix="note"),
            "decide_form": DecideForm(initial={"step": waiting.index if waiting else 0}),
            "public_url": request.build_absolute_uri(reverse("dealers:apply")),
        },
    )


def _act(
    request: AuthedRequest, application_id: int, run: Callable[[Dealer], Any], done: str
) -> HttpResponse:
    """Find the application (404 out of scope, before anything else), run one service;
    a refusal is shown as a message and nothing is written."""
    dealer = call_or_404(
        selectors.application_get, actor=request.user, application_id=application_id
    )
    try:
        run(dealer)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("dealers:application_detail", application_id=dealer.pk)


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


class _Invalid(DomainError):
    code = "invalid"


@login_required
@require_POST
def application_start(request: AuthedRequest, application_id: int) -> HttpResponse:
    return _act(
        request,
        application_id,
        lambda dealer: services.application_review_start(actor=request.user, dealer=dealer),
        _("Review started."),
    )


@login_required
@require_POST
def application_scores(request: AuthedRequest, application_id: int) -> HttpResponse:
    def run(dealer: Dealer) -> Any:
        rows = selectors.application_detail(actor=request.user, application_id=dealer.pk).rows
        form = scores_form(rows, request.POST)
        if not form.is_valid():
            raise _Invalid(_form_errors(form))
        scores = [
            {
                "criterion": r.criterion.code,
                "value": form.cleaned_data[f"score_{r.criterion.code}"],
                "note": form.cleaned_data[f"note_{r.criterion.code}"],
            }
            for r in rows
            if not r.automatic and form.cleaned_data.get(f"score_{r.criterion.code}") is not None
        ]
        return services.application_scores_set(actor=request.user, dealer=dealer, scores=scores)

    return _act(request, application_id, run, _("Scores saved."))


@login_required
@require_POST
def application_parent(request: AuthedRequest, application_id: int) -> HttpResponse:
    def run(dealer: Dealer) -> Any:
        return services.application_parent_set(
            actor=request.user, dealer=dealer, parent_id=request.POST.get("parent", "")
        )

    return _act(request, application_id, run, _("Parent chosen."))


def _message_view(request: AuthedRequest, application_id: int, kind: str) -> HttpResponse:
    def run(dealer: Dealer) -> Any:
        form = MessageForm(request.POST, prefix=kind)
        if not form.is_valid():
            raise _Invalid(_form_errors(form))
        service = (
            services.application_info_request if kind == "ask" else services.application_note_add
        )
        return service(actor=request.user, dealer=dealer, text=form.cleaned_data["text"])

    done = _("Question sent to the applicant.") if kind == "ask" else _("Note added.")
    return _act(request, application_id, run, done)


@login_required
@require_POST
def application_ask(request: AuthedRequest, application_id: int) -> HttpResponse:
    return _message_view(request, application_id, "ask")


@login_required
@require_POST
def application_note(request: AuthedRequest, application_id: int) -> HttpResponse:
    return _message_view(request, application_id, "note")


@login_required
@require_POST
def application_decide(request: AuthedRequest, application_id: int) -> HttpResponse:
    def run(dealer: Dealer) -> Any:
        form = DecideForm(request.POST)
        if not form.is_valid():
            raise _Invalid(_form_errors(form))
        return services.application_decide(
            actor=request.user,
            dealer=dealer,
            step=form.cleaned_data["step"],
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )

    return _act(request, application_id, run, _("Decision recorded."))


# --- the brand's scorecard settings ---------------------------------------------------------


@login_required
def review_settings(request: AuthedRequest) -> HttpResponse:
    """Criteria, weights (adding up to 100), pass mark and approval chain of the brand."""
    brand = brand_org()
    if brand is None:
        raise Http404
    try:
        services.require_settings_manager(request.user, brand)
    except DomainError as exc:
        raise PermissionDenied from exc
    current = selectors.review_settings_get(brand=brand, include_inactive=True)
    chain = current.approval_chain + ["", "", ""]
    initial = {
        "pass_mark": current.pass_mark,
        "step1": chain[0],
        "step2": chain[1],
        "step3": chain[2],
    }
    if request.method == "POST":
        form = SettingsForm(request.POST)
        formset = CriterionFormSet(request.POST, prefix="criteria")
        if form.is_valid() and formset.is_valid():
            try:
                services.review_settings_update(
                    actor=request.user,
                    brand=brand,
                    pass_mark=form.cleaned_data["pass_mark"],
                    approval_chain=form.chain(),
                    criteria=criterion_rows(formset),
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Scorecard settings saved."))
                return redirect("dealers:review_settings")
        status = 400
    else:
        form = SettingsForm(initial=initial)
        formset = CriterionFormSet(prefix="criteria", initial=criterion_initial(current.criteria))
        status = 200
    return render(
        request,
        "dealers/review_settings.html",
        {"form": form, "formset": formset, "current": current},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("apply/", apply, name="apply"),
    path("track/<str:token>/", track, name="track"),
    path("track/<str:token>/files/<int:file_id>/", track_file, name="track_file"),
    path("files/<int:file_id>/", dealer_file, name="dealer_file"),
    path("applications/", application_list, name="application_list"),
    path("applications/<int:application_id>/", application_detail, name="application_detail"),
    path("applications/<int:application_id>/start/", application_start, name="application_start"),
    path(
        "applications/<int:application_id>/scores/",
        application_scores,
        name="application_scores",
    ),
    path(
        "applications/<int:application_id>/parent/",
        application_parent,
        name="application_parent",
    ),
    path("applications/<int:application_id>/ask/", application_ask, name="application_ask"),
    path("applications/<int:application_id>/note/", application_note, name="application_note"),
    path(
        "applications/<int:application_id>/decide/",
        application_decide,
        name="application_decide",
    ),
    path("settings/", review_settings, name="review_settings"),
]
