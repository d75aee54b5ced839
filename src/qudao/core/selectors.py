from typing import Any

from django.db.models import QuerySet

from qudao.core.models import AuditEvent, Notification


def audit_list_for_object(*, instance: Any, limit: int = 50) -> QuerySet[AuditEvent]:
    """The timeline of one object. The caller has already checked the object is in scope."""
    return AuditEvent.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    ).select_related("actor")[:limit]


def notification_list_for_user(*, actor: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=actor)


def notification_unread_count(*, actor: Any) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=actor, read_at__isnull=True).count()
