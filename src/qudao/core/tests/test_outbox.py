import pytest
from django.db import transaction

from qudao.core import outbox
from qudao.core.constants import OutboxStatus
from qudao.core.models import OutboxEvent

delivered: list[tuple[str, dict]] = []


@outbox.handles("test.ping")
def _record(event: OutboxEvent) -> None:
    delivered.append((event.topic, event.payload))


@outbox.handles("test.boom")
def _fail(event: OutboxEvent) -> None:
    raise RuntimeError("handler down")


@pytest.fixture(autouse=True)
def _clear():
    delivered.clear()


@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_only_after_commit():
    with transaction.atomic():
        event = outbox.event_record("test.ping", {"n": 1})
        assert delivered == []
        assert OutboxEvent.objects.get(pk=event.pk).status == OutboxStatus.PENDING
    assert delivered == [("test.ping", {"n": 1})]
    event.refresh_from_db()
    assert (event.status, event.attempts) == (OutboxStatus.DELIVERED, 1)


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_is_never_delivered():
    with pytest.raises(ValueError), transaction.atomic():
        outbox.event_record("test.ping", {"n": 2})
        raise ValueError("business rule failed")
    assert delivered == []
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_failed_handler_keeps_event_pending_and_sweep_retries():
    with transaction.atomic():
        event = outbox.event_record("test.boom", {})
    event.refresh_from_db()
    assert (event.status, event.attempts) == (OutboxStatus.PENDING, 1)
    assert "handler down" in event.last_error
    assert outbox.outbox_sweep() == 0
    event.refresh_from_db()
    assert event.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_delivered_event_is_not_delivered_twice():
    with transaction.atomic():
        event = outbox.event_record("test.ping", {"n": 3})
    assert outbox.outbox_deliver_one(event.pk) is False
    assert outbox.outbox_sweep() == 0
    assert delivered == [("test.ping", {"n": 3})]


@pytest.mark.django_db(transaction=True)
def test_an_event_nobody_listens_to_is_delivered_as_it_is_written(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(1):  # the insert, no task, no lock
        event = outbox.event_record("test.unheard", {"n": 4})
    event.refresh_from_db()
    assert (event.status, event.attempts, event.delivered_at is not None) == (
        OutboxStatus.DELIVERED,
        0,
        True,
    )
    assert outbox.outbox_sweep() == 0
    assert delivered == []
