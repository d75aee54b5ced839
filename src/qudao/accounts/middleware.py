from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from qudao.accounts.constants import AuthEventKind
from qudao.accounts.lockout import SESSION_LOGIN_AT, SESSION_SEEN_AT, client_ip
from qudao.accounts.models import User
from qudao.accounts.services import api_token_authenticate, auth_event_record

# Activity is written to the session at most this often: not a database write per request.
SEEN_EVERY_SECONDS = 60


class SessionExpiryMiddleware:
    """Ends a login after SESSION_IDLE_SECONDS without a request, and in any case
    SESSION_COOKIE_AGE after it began; the next request is then anonymous (pages send it to
    the login page) and the login log gets a `session_expired` row.

    Runs after SessionMiddleware and before AuthenticationMiddleware, so an expired session
    never becomes request.user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = int(timezone.now().timestamp())
            login_at = int(session.get(SESSION_LOGIN_AT) or now)
            seen_at = int(session.get(SESSION_SEEN_AT) or now)
            idle = settings.SESSION_IDLE_SECONDS
            if (idle and now - seen_at > idle) or now - login_at > settings.SESSION_COOKIE_AGE:
                user_id = session[SESSION_KEY]
                session.flush()
                auth_event_record(
                    kind=AuthEventKind.SESSION_EXPIRED,
                    user=User.objects.filter(pk=user_id).first(),
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            elif SESSION_SEEN_AT not in session or now - seen_at >= SEEN_EVERY_SECONDS:
                session[SESSION_SEEN_AT] = now
                session.setdefault(SESSION_LOGIN_AT, login_at)
        return self.get_response(request)


class ApiTokenMiddleware:
    """`Authorization: Bearer qd_…` on /api/ authenticates as the token's user (no CSRF)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and header.lower().startswith("bearer "):
            user = api_token_authenticate(secret=header[7:].strip())
            request.token_auth = user is not None  # type: ignore[attr-defined]
            # A bad token never falls back to the session: it is simply not logged in.
            request.user = user if user is not None else AnonymousUser()
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)
