"""Template helpers of the shell: readable audit timelines."""

from contextlib import suppress
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.audit_labels import ACTION_LABELS, FIELD_LABELS
from qudao.core.models import AuditEvent

register = template.Library()

VERBS = {
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "moved": gettext_lazy("moved"),
    "revoked": gettext_lazy("revoked"),
    "deleted": gettext_lazy("deleted"),
}


def _model(event: AuditEvent) -> Any:
    try:
        return apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def audit_label(event: AuditEvent) -> str:
    """'org.updated' on a network.org → '组织已更新' / 'org updated'."""
    if event.action in ACTION_LABELS:
        return str(ACTION_LABELS[event.action])
    model = _model(event)
    verb = event.action.rpartition(".")[2]
    if model is None or verb not in VERBS:
        return event.action
    return _("%(object)s %(verb)s") % {"object": model._meta.verbose_name, "verb": VERBS[verb]}


@register.filter
def audit_changes(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(field label, old, new) for each changed field, labelled by the model's verbose names."""
    model = _model(event)
    rows = []
    for name, change in (event.changes or {}).items():
        old, new = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
        if old in (None, "") and new in (None, ""):
            continue
        label = str(FIELD_LABELS.get(name, name))
        if model is not None:
            with suppress(FieldDoesNotExist):
                field = model._meta.get_field(name)
                # a reverse relation (lines) has no verbose name: keep the registered label
                label = str(getattr(field, "verbose_name", label))
                choices = dict(getattr(field, "flatchoices", None) or ())
                # lines recorded as lists have no choices (and are unhashable)
                old, new = (v if isinstance(v, list) else choices.get(v, v) for v in (old, new))
        rows.append((label, _shown(old), _shown(new)))
    return rows


def _shown(value: Any) -> Any:
    """Document lines recorded as [[code, qty], …] read as "code × qty, …"."""
    if isinstance(value, list):
        return "，".join(
            f"{item[0]} × {item[1]}" if isinstance(item, list) and len(item) == 2 else str(item)
            for item in value
        )
    return value
