"""Login lockout with django-axes, wired to Qudao: settings.AXES_* point here.

- The lockout key is the username and the client address together: a user typing the
  mobile number counts against the same username (`login_key`), the address comes from the
  same META key as the other per-address limits (`client_ip`).
- A locked-out login gets the login page back with "try again in N minutes" and HTTP 429
  (`lockout_response`).
- Every login, logout, failure and refusal is written to accounts.AuthEvent by the axes
  handler (`AuditedAxesHandler`), the one place that sees them all, including the admin's
  login form, and that knows whether a failure locked the pair or was refused by the lock.
"""

import ipaddress
import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from qudao.accounts import services
from qudao.accounts.constants import AuthEventKind
from qudao.accounts.forms import LoginForm
from qudao.accounts.models import User
from qudao.accounts.selectors import user_for_login
from qudao.core.errors import DomainError

LOGIN_FIELD = "username"
SESSION_LOGIN_AT = "qudao_login_at"  # epoch seconds of the login (SessionExpiryMiddleware)
SESSION_SEEN_AT = "qudao_seen_at"  # epoch seconds of the last request counted as activity


class LoginLockedOut(DomainError):
    code = "login_locked_out"
    status = 429


def client_ip(request: HttpRequest) -> str | None:
    """The client address, from the META key per-address limits use (RATELIMIT_IP_META_KEY,
    set from QUDAO_CLIENT_IP_HEADER behind a proxy; else REMOTE_ADDR). Not an address: None."""
    key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    value = str(request.META.get(key) or "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def login_key(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The username an attempt counts against: a mobile number counts for its user's
    username, so switching between the two does not double the attempts."""
    raw = (credentials or {}).get(LOGIN_FIELD)
    if raw is None and request is not None:
        raw = request.POST.get(LOGIN_FIELD)
    login = str(raw or "").strip()
    if not login:
        return None
    user = user_for_login(login=login)
    return user.username if user is not None else login[:150]


def minutes_left(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """Whole minutes (at least 1) until the pair's lockout ends: the cool-off counts from
    its last recorded failure."""
    cool_off = get_cool_off(request)
    last = AccessAttempt.objects.filter(
        username=login_key(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(last=Max("attempt_time"))["last"]
    if cool_off is None or last is None:
        return 1
    seconds = (last + cool_off - timezone.now()).total_seconds()
    return max(1, math.ceil(seconds / 60))


def lockout_error(request: HttpRequest, credentials: dict[str, Any] | None) -> LoginLockedOut:
    minutes = minutes_left(request, credentials)
    message = ngettext(
        "Too many failed attempts. Try again in %(minutes)s minute.",
        "Too many failed attempts. Try again in %(minutes)s minutes.",
        minutes,
    )
    return LoginLockedOut(message % {"minutes": minutes})


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page again, saying when to try again (HTTP 429), for our login page and the
    admin's alike; the typed username is kept, the password is not."""
    error = lockout_error(request, credentials)
    form = LoginForm(request, initial={LOGIN_FIELD: request.POST.get(LOGIN_FIELD, "")})
    context = {
        "form": form,
        "locked_out": error.message,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "accounts/login.html", context, status=error.status)


def _record(request: HttpRequest | None, kind: str, *, user: User | None, login: str = "") -> None:
    services.auth_event_record(
        kind=kind,
        user=user,
        login=login,
        ip_address=getattr(request, "axes_ip_address", None),
        user_agent=getattr(request, "axes_user_agent", "") if request is not None else "",
    )


class AuditedAxesHandler(AxesDatabaseHandler):
    """axes' database handler (attempts counted in AccessAttempt rows) that also writes the
    login log, and stamps a new session with its login time for the idle and absolute
    expiry of SessionExpiryMiddleware."""

    def user_login_failed(  # type: ignore[override]
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        login = str(credentials.get(LOGIN_FIELD) or "")
        user = user_for_login(login=login)
        if request is None:  # authenticate() from code: no address to count against
            _record(None, AuthEventKind.FAILED, user=user, login=login)
            return
        # set by LockoutBackend before any password check: the pair was locked already
        refused = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if refused:
            kind = AuthEventKind.REFUSED
        elif getattr(request, "axes_locked_out", False):
            kind = AuthEventKind.LOCKED_OUT
        else:
            kind = AuthEventKind.FAILED
        _record(request, kind, user=user, login=login)

    def user_logged_in(  # type: ignore[override]
        self, sender: Any, request: HttpRequest, user: User, **kwargs: Any
    ) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        _record(request, AuthEventKind.LOGIN, user=user)
        session = getattr(request, "session", None)
        if session is not None:
            now = int(timezone.now().timestamp())
            session[SESSION_LOGIN_AT] = session[SESSION_SEEN_AT] = now

    def user_logged_out(  # type: ignore[override]
        self, sender: Any, request: HttpRequest, user: User | None, **kwargs: Any
    ) -> None:
        super().user_logged_out(sender, request, user, **kwargs)
        if user is not None:
            _record(request, AuthEventKind.LOGOUT, user=user)
