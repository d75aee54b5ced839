"""Domain errors: a stable code, a translated message, optional field errors.

Mapped to HTTP once (qudao.api) and to page messages once (qudao.core.views.domain_error_response).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message: Any = _("The request could not be completed.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or self.code
        self.params = params
        self.fields = fields or {}
        template = message if message is not None else self.default_message
        self.message = str(template) % params if params else str(template)
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400
    default_message = _("Some fields are not valid.")


class NotFound(DomainError):
    """Also raised for objects outside the actor's scope: never confirm they exist."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("Cannot change status from %(current)s to %(target)s.")


def check_transition(pipeline: dict[str, set[str]], current: str, target: str) -> None:
    if target not in pipeline.get(current, set()):
        raise InvalidTransition(current=current, target=target)


class ServiceUnavailable(DomainError):
    """The database cannot be reached (stopped, restarting, failing over): nothing was
    written, and the same request can be sent again in a moment."""

    code = "service_unavailable"
    status = 503
    default_message = _(
        "The service is briefly unavailable: its database cannot be reached. "
        "Nothing was saved; please try again in a moment."
    )
