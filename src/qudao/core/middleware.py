import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qudao.core.context import request_id_var
from qudao.core.errors import Conflict, DomainError
from qudao.core.http import error_response
from qudao.core.models import IdempotencyRecord

Middleware = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """Tag each request with an id (X-Request-ID or a new one) that audit rows carry."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    default_message = _("The request body is larger than %(limit)s bytes.")


class PayloadLimitMiddleware:
    """Refuse oversize bodies up front with the standard error, before any view reads them:
    uploads (multipart) above MAX_UPLOAD_BYTES, which bounds what reaches the disk before a
    service checks each file, other bodies above DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (request.content_type or "").startswith("multipart/"):
            limit = settings.MAX_UPLOAD_BYTES
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            return error_response(PayloadTooLarge(limit=limit))
        return self.get_response(request)


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    status = 422
    default_message = _("This Idempotency-Key was already used with a different request.")


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    default_message = _("A request with this Idempotency-Key is still being processed.")


class IdempotencyMiddleware:
    """POST /api/ with an Idempotency-Key: the first response is stored, repeats get it back.

    A placeholder row is written before the request runs, so two concurrent repeats cannot
    both execute; a repeat with a different body is refused.
    """

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key", "").strip()
        user: Any = getattr(request, "user", None)
        if (
            request.method != "POST"
            or not key
            or not request.path.startswith("/api/")
            or not getattr(user, "is_authenticated", False)
        ):
            return self.get_response(request)
        digest = hashlib.sha256(request.path.encode() + b"\n" + request.body).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key[:128],
                    method="POST",
                    path=request.path[:300],
                    request_hash=digest,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key[:128])
            if existing.request_hash != digest:
                return error_response(IdempotencyKeyReused())
            if existing.status_code is None:
                return error_response(IdempotencyInProgress())
            replay = HttpResponse(
                bytes(existing.response_body),
                status=existing.status_code,
                content_type=existing.content_type,
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = self.get_response(request)
        if response.status_code >= 500:
            record.delete()  # let the client retry a failure of ours
        else:
            record.status_code = response.status_code
            record.response_body = response.content
            record.content_type = response.get("Content-Type", "")
            record.save(update_fields=["status_code", "response_body", "content_type"])
        return response


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """The UI language is the user's explicit choice (language cookie), else zh-hans.

    Pages ignore the browser's Accept-Language: Chinese-first means a brand's staff see Chinese
    even on an English-locale browser until they pick English. The API honours
    Accept-Language, so an integrator can ask for English error messages.
    """

    def process_request(self, request: HttpRequest) -> None:
        languages = dict(settings.LANGUAGES)
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in languages and request.path.startswith("/api/"):
            code = translation.get_language_from_request(request)
        if code not in languages:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
