from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qudao.core.constants import OutboxStatus


class AuditEvent(models.Model):
    """One business change: who did what to which object, with before/after of changed fields."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Tree path of the org whose business this row records, when that is narrower than the
    # object's own visibility (a seller's price on a brand-wide SKU): timelines filter on it.
    org_path = models.CharField(max_length=255, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "-created_at"])]
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class OutboxEvent(models.Model):
    """An event recorded in the business transaction, delivered to handlers after commit."""

    created_at = models.DateTimeField(auto_now_add=True)
    topic = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(status="pending"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="outbox_status_valid"
            )
        ]
        verbose_name = _("outbox event")

    def __str__(self) -> str:
        return f"{self.topic}#{self.pk}"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key; repeats get it back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(blank=True, default=b"")
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class DocumentCounter(models.Model):
    """Counter row for numbers that must be gap-free (invoices, statements): locked to commit.

    Also the fallback for gap-tolerant numbers on SQLite, which serialises writers anyway.
    """

    doc_type = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "year"], name="doc_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}-{self.year}: {self.last_value}"


class Notification(models.Model):
    """An in-app notification for one user, created by outbox-event handlers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    topic = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    event = models.ForeignKey(
        OutboxEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            # An event notifies a user once, however often its handler runs.
            models.UniqueConstraint(fields=["event", "user"], name="notification_event_user_unique")
        ]
        verbose_name = _("notification")

    def __str__(self) -> str:
        return self.title
