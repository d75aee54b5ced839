"""Request types for handlers behind authentication (mypy sees the attributes they carry)."""

from typing import Any

from django.http import HttpRequest


class ApiRequest(HttpRequest):
    """A django-ninja request after auth: `auth` is the logged-in accounts.User."""

    auth: Any


class AuthedRequest(HttpRequest):
    """A page request behind login_required; `htmx` comes from django-htmx's middleware."""

    user: Any
    htmx: Any
