"""Writes of the core app: audit rows and notifications. Other apps call these."""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from qudao.core.context import request_id_var
from qudao.core.models import AuditEvent, Notification, OutboxEvent
from qudao.core.outbox import event_record

__all__ = [
    "audit_record",
    "changes_between",
    "event_record",
    "notification_create",
    "notification_mark_all_read",
    "notification_mark_read",
]


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values for an audit before/after, foreign keys as their ids."""
    result: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = _jsonable(getattr(instance, attname))
    return result


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write the audit row of a business change; call inside the change's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
        request_id=request_id_var.get(),
    )


def notification_create(
    *,
    users: Iterable[Any],
    topic: str,
    title: str,
    body: str = "",
    url: str = "",
    event: OutboxEvent | None = None,
) -> int:
    """Notify users once per event (handlers may run again; the unique key absorbs repeats)."""
    rows = [
        Notification(user=user, topic=topic, title=title[:200], body=body, url=url, event=event)
        for user in users
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=event is not None)
    return len(created)


def notification_mark_read(*, actor: Any, notification_id: int) -> Notification:
    from qudao.core.errors import NotFound

    notification = Notification.objects.filter(pk=notification_id, user=actor).first()
    if notification is None:
        raise NotFound
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
