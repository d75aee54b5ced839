"""Outbox: events recorded in the business transaction, delivered after commit.

Services call `event_record(topic, payload)` inside their transaction. On commit a Celery task
delivers the event to every handler registered for its topic (eagerly in the embedded default,
on a worker in production). Handlers must be idempotent: a sweep retries what failed.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from qudao.core.constants import OUTBOX_MAX_ATTEMPTS, OutboxStatus
from qudao.core.models import OutboxEvent

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def handles(*topics: str) -> Callable[[Handler], Handler]:
    """Register a handler for topics; `*` receives every event."""

    def register(fn: Handler) -> Handler:
        for topic in topics:
            if fn not in _handlers[topic]:
                _handlers[topic].append(fn)
        return fn

    return register


def handlers_for(topic: str) -> list[Handler]:
    return [*_handlers.get(topic, []), *_handlers.get("*", [])]


def event_record(topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record an event in the current transaction; it is dispatched only if that commits.
    An event no handler listens to is delivered as it is written (to nobody): the row stays
    for the record, without a task, a lock and an update per event — most of a submit's."""
    if not handlers_for(topic):
        return OutboxEvent.objects.create(
            topic=topic,
            payload=payload,
            status=OutboxStatus.DELIVERED,
            delivered_at=timezone.now(),
        )
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    transaction.on_commit(lambda: _schedule(event.pk))
    return event


def _schedule(event_id: int) -> None:
    from qudao.core.tasks import outbox_deliver

    outbox_deliver.delay(event_id)


def outbox_deliver_one(event_id: int) -> bool:
    """Deliver one pending event to its handlers in one transaction. True when delivered.

    The row lock (skip_locked) makes two workers never deliver the same event at once; the
    status change commits with the handlers' writes, so a crash delivers again, never half.
    """
    try:
        with transaction.atomic():
            event = (
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(pk=event_id, status=OutboxStatus.PENDING)
                .first()
            )
            if event is None:
                return False
            # Handlers write in the site language, whoever's request or worker runs them.
            with translation.override(settings.LANGUAGE_CODE):
                for handler in handlers_for(event.topic):
                    handler(event)
            event.status = OutboxStatus.DELIVERED
            event.delivered_at = timezone.now()
            event.attempts += 1
            event.save(update_fields=["status", "delivered_at", "attempts"])
            return True
    except Exception as exc:  # a handler failed: keep the event, count the attempt
        logger.exception("outbox event %s failed", event_id)
        attempts = OutboxEvent.objects.get(pk=event_id).attempts + 1
        OutboxEvent.objects.filter(pk=event_id).update(
            attempts=attempts,
            last_error=repr(exc)[:2000],
            status=OutboxStatus.FAILED if attempts >= OUTBOX_MAX_ATTEMPTS else OutboxStatus.PENDING,
        )
        return False


def outbox_sweep(limit: int = 500) -> int:
    """Deliver pending events that were missed (worker down, handler error). Returns delivered."""
    ids = list(
        OutboxEvent.objects.filter(status=OutboxStatus.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_deliver_one(pk) for pk in ids)
