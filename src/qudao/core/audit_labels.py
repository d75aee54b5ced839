"""How audit rows read on timelines: labels for keys that are not model fields and for
actions whose "<object> <verb>" would mislead (a price change recorded on a SKU). Apps add
theirs with `register` in AppConfig.ready."""

from typing import Any

from django.utils.translation import gettext_lazy

FIELD_LABELS: dict[str, Any] = {"parent": gettext_lazy("Parent")}
ACTION_LABELS: dict[str, Any] = {}


def register(
    *, fields: dict[str, Any] | None = None, actions: dict[str, Any] | None = None
) -> None:
    FIELD_LABELS.update(fields or {})
    ACTION_LABELS.update(actions or {})
