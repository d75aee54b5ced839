from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from qudao.core.models import AuditEvent, Notification


def audit_list_for_objects(
    *, objects: dict[str, Iterable[Any]], limit: int = 50, visible: Q | None = None
) -> QuerySet[AuditEvent]:
    """A timeline over several objects, given as {"app.model": ids}. The caller has already
    checked that they are in the actor's scope; `visible` filters rows that carry an org_path
    (e.g. `Q(org_path="") | scope_q(actor, "org_path")`)."""
    q = Q(pk__in=[])
    for object_type, ids in objects.items():
        q |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    qs = AuditEvent.objects.filter(q)
    if visible is not None:
        qs = qs.filter(visible)
    return qs.select_related("actor")[:limit]


def audit_list_for_object(*, instance: Any, limit: int = 50) -> QuerySet[AuditEvent]:
    """The timeline of one object. The caller has already checked the object is in scope."""
    return audit_list_for_objects(objects={instance._meta.label_lower: [instance.pk]}, limit=limit)


def notification_list_for_user(*, actor: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=actor)


def notification_unread_count(*, actor: Any) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=actor, read_at__isnull=True).count()
