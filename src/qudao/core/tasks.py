from celery import shared_task

from qudao.core import outbox


@shared_task(name="qudao.core.tasks.outbox_deliver", ignore_result=True)
def outbox_deliver(event_id: int) -> None:
    outbox.outbox_deliver_one(event_id)


@shared_task(name="qudao.core.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    return outbox.outbox_sweep()
