"""Shared by the catalogue writes: the permission check, the audited field tuples, the audit
snapshot in people's form, and the errors and ids every sub-domain uses."""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from qudao.catalog import selectors
from qudao.catalog.rules import format_pairs
from qudao.core.errors import Conflict, PermissionDenied
from qudao.core.services import snapshot

PRODUCT_FIELDS = ("code", "name", "category", "status", "is_spare_part", "description", "specs")
SKU_FIELDS = (
    "code",
    "name",
    "attributes",
    "barcode",
    "base_unit",
    "status",
    "serial_tracked",
    "warranty_months",
    "order_multiple",
)
PAIR_FIELDS = {"specs", "attributes"}  # JSON {name: value}, written as 颜色=星空灰;电池=48V20Ah


# --- helpers ---------------------------------------------------------------------------------


def require_manager(actor: Any) -> None:
    if not selectors.can_manage(actor):
        raise PermissionDenied


def _code_taken(error_code: str, value: str) -> Conflict:
    return Conflict(
        _("The code %(value)s is already used."),
        code=error_code,
        fields={"code": [str(_("Already used."))]},
        value=value,
    )


def snap(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Audit values as people read them; attribute dicts in their 颜色=星空灰 form."""
    plain = [f for f in fields if f not in PAIR_FIELDS]
    result = snapshot(instance, plain)
    for name in fields:
        if name in PAIR_FIELDS:
            result[name] = format_pairs(getattr(instance, name))
    return result


def _actor_id(actor: Any) -> Any:
    return getattr(actor, "pk", None)
