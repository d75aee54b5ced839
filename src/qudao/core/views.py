import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qudao.core import selectors, services
from qudao.core.dashboard import widgets_for
from qudao.core.errors import DomainError, NotFound, ServiceUnavailable
from qudao.core.errors import PermissionDenied as DomainPermissionDenied
from qudao.core.http import error_response
from qudao.core.spreadsheet import XLSX, CellError, error_report

T = TypeVar("T")


def call_or_404(fn: Callable[..., T], **kwargs: Any) -> T:
    """Call a selector for a page: out of scope (NotFound) → 404, not allowed → 403."""
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404 from exc
    except DomainPermissionDenied as exc:
        raise PermissionDenied from exc


def domain_error_to_form(form: Any, error: DomainError) -> None:
    """Show a domain error on a form: on its fields when named, otherwise on the form."""
    placed = False
    for field, errors in error.fields.items():
        if field in form.fields:
            for message in errors:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def form_submit(
    request: HttpRequest,
    form: Any,
    *,
    action: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str] | str,
    success_url: str,
    redisplay: Callable[[], HttpResponse],
) -> HttpResponse:
    """The page-form round trip: a valid form runs its service; done → a message and the
    redirect; refused (invalid, or a domain error placed on the form, nothing written) → the
    page again with the bound form (`redisplay`, which answers 400)."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(success_url)
    return redisplay()


def domain_error_message(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50) -> Any:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


IMPORT_ERRORS_KEY = "import_errors"
MAX_KEPT_ERRORS = 10_000  # rows of the last refused import kept for its report download


def keep_import_errors(request: HttpRequest, errors: Sequence[CellError]) -> None:
    """Remember a refused import's errors in the session, for `import_error_report`."""
    request.session[IMPORT_ERRORS_KEY] = [
        [e.row, e.column, e.value, e.message] for e in errors[:MAX_KEPT_ERRORS]
    ]


@login_required
def import_error_report(request: HttpRequest) -> HttpResponse:
    """The row-by-row report (row, column, value, message) of the user's last refused import."""
    kept = request.session.get(IMPORT_ERRORS_KEY) or []
    if not kept:
        raise Http404
    response = HttpResponse(error_report([CellError(*row) for row in kept]), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="import-errors.xlsx"'
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"widgets": widgets_for(request.user)})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.notification_list_for_user(actor=request.user))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = services.notification_mark_read(
            actor=request.user, notification_id=notification_id
        )
    except DomainError as exc:
        raise Http404 from exc
    return redirect(notification.url or "core:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_all_read(actor=request.user)
    return redirect("core:notifications")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Under /api/, a URL no route matches (a serial with a line break in it) answers in the
    API's error shape, like every other 404 there, not with the HTML page."""
    if request.path.startswith("/api/"):
        return error_response(NotFound())
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


RETRY_AFTER_S = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """An unhandled exception. The database out of reach (its connection refused or lost) is
    no bug of ours: 503 with a clear message, in the API's error shape on /api/, in plain
    text on pages — rendering the page template could need the database that is down."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return render(request, "errors/500.html", status=500)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    error = ServiceUnavailable()
    if request.path.startswith("/api/"):
        response: HttpResponse = error_response(error)
    else:
        response = HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
