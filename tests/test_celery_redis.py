"""The production path of background work: an outbox event goes through a real Redis broker
to a real Celery worker, after commit, and its handler runs there exactly once."""

import os
import time

import pytest
from django.db import transaction

from qudao.core import outbox
from qudao.core.constants import OutboxStatus
from qudao.core.models import OutboxEvent

REDIS_URL = os.environ.get("QUDAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
seen: list[int] = []


@outbox.handles("test.redis")
def _handler(event: OutboxEvent) -> None:
    seen.append(event.pk)


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


def _reset_connections(app) -> None:  # type: ignore[no-untyped-def]
    """Forget pooled broker connections so the next task uses the broker URL set now."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_on_redis():
    if not _redis_up():
        if os.environ.get("QUDAO_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    from celery.contrib.testing.worker import start_worker

    from qudao.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    _reset_connections(app)
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        _reset_connections(app)


@pytest.mark.django_db(transaction=True)
def test_outbox_event_is_delivered_by_a_worker_through_redis(celery_on_redis):
    seen.clear()
    with transaction.atomic():
        event = outbox.event_record("test.redis", {"n": 1})
        time.sleep(0.3)  # nothing may be sent before commit
        assert seen == []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        event.refresh_from_db()
        if event.status == OutboxStatus.DELIVERED:
            break
        time.sleep(0.1)
    assert event.status == OutboxStatus.DELIVERED
    assert seen == [event.pk]
