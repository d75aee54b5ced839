"""The one JSON shape of errors: {"error": {"code", "message", "fields"}}."""

from django.http import JsonResponse

from qudao.core.errors import DomainError


def error_response(error: DomainError, status: int | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": error.as_dict()},
        status=status or error.status,
        json_dumps_params={"ensure_ascii": False},
    )
