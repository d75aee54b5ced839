"""Writes of the core app: audit rows and notifications. Other apps call these."""

from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mass_mail
from django.db import models
from django.utils import timezone

from qudao.core.context import request_id_var
from qudao.core.models import AuditEvent, Notification, OutboxEvent
from qudao.core.outbox import event_record

__all__ = [
    "audit_record",
    "audit_record_bulk",
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
    """Field values for an audit before/after, as people read them: a foreign key as the
    related object's name (the timeline is for humans; ids are in the object's own row)."""
    result: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.is_relation:
            related = getattr(instance, name)
            result[name] = str(related) if related is not None else None
        else:
            result[name] = _jsonable(getattr(instance, name))
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
    org_path: str = "",
) -> AuditEvent:
    """Write the audit row of a business change; call inside the change's transaction.
    `org_path` narrows who sees it on a shared object's timeline (see AuditEvent.org_path)."""
    return AuditEvent.objects.create(
        org_path=org_path,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
        request_id=request_id_var.get(),
    )


def audit_record_bulk(
    *, actor: Any, events: Iterable[tuple[str, str, Any, str, dict[str, Any]]], org_path: str = ""
) -> int:
    """Many audit rows in one insert: (action, object type, object id, repr, changes) each.
    For bulk business writes (an imported price list) that change thousands of objects."""
    rid = request_id_var.get()
    who = actor if getattr(actor, "pk", None) else None
    rows = [
        AuditEvent(
            actor=who,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=str(text)[:200],
            changes=changes,
            request_id=rid,
            org_path=org_path,
        )
        for action, object_type, object_id, text, changes in events
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def notification_create(
    *,
    users: Iterable[Any],
    topic: str,
    title: str,
    body: str = "",
    url: str = "",
    event: OutboxEvent | None = None,
) -> int:
    """Notify users in the app once per event (handlers may run again; the unique key absorbs
    repeats), and by email, through Django's mail backend, those who have an address."""
    users = list(users)
    rows = [
        Notification(user=user, topic=topic, title=title[:200], body=body, url=url, event=event)
        for user in users
    ]
    if event is not None:
        already = set(Notification.objects.filter(event=event).values_list("user_id", flat=True))
        rows = [row for row in rows if row.user.pk not in already]
    Notification.objects.bulk_create(rows)
    recipients = [row.user.email for row in rows if getattr(row.user, "email", "")]
    if recipients:
        send_mass_mail(
            [(title, f"{body}\n{url}".strip(), None, [to]) for to in recipients], fail_silently=True
        )
    return len(rows)


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
