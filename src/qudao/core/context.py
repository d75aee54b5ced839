"""Per-request context that services read without threading it through every call."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("qudao_request_id", default="")
