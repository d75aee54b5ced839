"""The JSON API at /api/v1/: one router per app, one error shape, token or session auth."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from qudao.core.errors import DomainError, NotFound
from qudao.core.http import error_response


class BearerToken(HttpBearer):
    """Personal API token: `Authorization: Bearer qd_…` (checked by ApiTokenMiddleware)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return request.user if getattr(request, "token_auth", False) else None


# The one error shape, documented on every operation for every client error (4XX): clients
# generated from the schema know it, and tests/test_api_fuzz.py holds the answers to it.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs."},
                "message": {"type": "string", "description": "Translated, for people."},
                "fields": {
                    "type": "object",
                    "description": "Field name → its problems (messages).",
                },
            },
        }
    },
}
ERROR_RESPONSE = {
    "description": "Refused: the error code says why.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


class QudaoAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for methods in schema["paths"].values():
            for operation in methods.values():
                operation["responses"].setdefault("4XX", ERROR_RESPONSE)
        return schema


def _nul_errors(value: Any, loc: tuple[Any, ...]) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"loc": loc, "type": "null_character", "msg": "NUL"}] if "\x00" in value else []
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    errors = []
    for key, item in items:
        errors += _nul_errors(key, loc) + _nul_errors(item, (*loc, key))
    return errors


class NulRefusingParser(Parser):
    """Text with a NUL character is invalid input (422 naming the field): no column can hold
    it, and PostgreSQL refuses it even in a WHERE clause, which made it a server error."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if errors := _nul_errors(data, ("body",)):
            raise ValidationError(errors)  # ninja answers 400 with it as the cause: see below
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        if errors := _nul_errors(result, ()):
            raise ValidationError(errors)
        return result


api = QudaoAPI(
    title="Qudao API",
    version="1",
    description='Dealer management system API. Errors: {"error": {code, message, fields}}.',
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    parser=NulRefusingParser(),
)

FIELD_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("Unknown field."),
    "string_too_long": gettext_lazy("Too long."),
    "string_too_short": gettext_lazy("Too short."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "enum": gettext_lazy("Choose one of the allowed values."),
    "literal_error": gettext_lazy("Choose one of the allowed values."),
    "greater_than_equal": gettext_lazy("Too small."),
    "less_than_equal": gettext_lazy("Too large."),
    "null_character": gettext_lazy("Null characters are not allowed."),
    "datetime_range": gettext_lazy("Enter a date and time between the years 1 and 9999."),
}


def _field_message(error: dict[str, Any]) -> str:
    template = FIELD_MESSAGES.get(error.get("type", ""))
    return str(template) if template else str(error.get("msg", ""))


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", [])
            if p not in ("body", "query", "path", "payload", "data", "filters")
        ]
        fields.setdefault(".".join(loc) or "__all__", []).append(_field_message(err))
    unknown_only = all(e.get("type") == "extra_forbidden" for e in exc.errors)
    error = DomainError(
        _("Unknown fields in the request.") if unknown_only else _("Some fields are not valid."),
        code="unknown_fields" if unknown_only else "invalid",
        fields=fields,
    )
    return error_response(error, 422)


HTTP_CODES = {
    400: ("malformed_request", gettext_lazy("The request body is not valid JSON.")),
    401: ("not_authenticated", gettext_lazy("Log in or send a valid API token.")),
    403: ("permission_denied", gettext_lazy("You do not have permission to do this.")),
    404: ("not_found", gettext_lazy("Not found.")),
    405: ("method_not_allowed", gettext_lazy("This method is not allowed here.")),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValidationError):  # a body that parsed but is not valid
        return on_validation_error(request, exc.__cause__)
    code, message = HTTP_CODES.get(exc.status_code, ("error", str(exc)))
    return error_response(DomainError(message, code=code), exc.status_code)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return on_http_error(request, exc)


@api.exception_handler(NotFound)
def on_not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return error_response(exc)


from qudao.accounts.api import router as accounts_router  # noqa: E402
from qudao.catalog.api import router as catalog_router  # noqa: E402
from qudao.core.api import router as core_router  # noqa: E402
from qudao.dealers.api import router as dealers_router  # noqa: E402
from qudao.finance.api import router as finance_router  # noqa: E402
from qudao.inventory.api import router as inventory_router  # noqa: E402
from qudao.network.api import router as network_router  # noqa: E402
from qudao.orders.api import router as orders_router  # noqa: E402
from qudao.pricing.api import router as pricing_router  # noqa: E402
from qudao.promotions.api import router as promotions_router  # noqa: E402

api.add_router("", core_router)
api.add_router("", accounts_router)
api.add_router("", network_router)
api.add_router("", catalog_router)
api.add_router("", pricing_router)
api.add_router("", finance_router)
api.add_router("", inventory_router)
api.add_router("", orders_router)
api.add_router("", promotions_router)
api.add_router("", dealers_router)
