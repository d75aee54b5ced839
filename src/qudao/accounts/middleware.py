from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from qudao.accounts.services import api_token_authenticate


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
