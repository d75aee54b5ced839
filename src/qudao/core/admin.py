from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from qudao.core.models import AuditEvent, Notification, OutboxEvent
from qudao.core.services import audit_record, changes_between, snapshot


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "object_repr", "request_id")


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "topic", "status", "attempts", "created_at", "delivered_at")
    list_filter = ("status", "topic")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "topic", "title", "created_at", "read_at")


def _audit_values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values as people read them; a many-to-many field as the sorted names."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(str(o) for o in getattr(instance, name).all())
        elif isinstance(field, models.JSONField):
            values[name] = getattr(instance, name)
        else:
            values.update(snapshot(instance, [name]))
    return values


class AuditedAdminMixin:
    """Admin edits of what grants access (a user's flags and permissions, a role's
    permissions, a membership) leave the audit row a service would write:
    `<audit_prefix>.created|updated|deleted` with the `audit_fields` that changed."""

    audit_prefix = ""
    audit_fields: tuple[str, ...] = ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        old = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        obj._audit_before = _audit_values(old, self.audit_fields) if old is not None else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        obj = form.instance
        before = getattr(obj, "_audit_before", {})
        changes = changes_between(before, _audit_values(obj, self.audit_fields))
        if change and not changes:
            return
        verb = "updated" if change else "created"
        audit_record(
            actor=request.user, action=f"{self.audit_prefix}.{verb}", instance=obj, changes=changes
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=f"{self.audit_prefix}.deleted", instance=obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action=f"{self.audit_prefix}.deleted", instance=obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]
