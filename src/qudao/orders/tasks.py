"""Scheduled work of orders (CELERY_BEAT_SCHEDULE): receipts that confirm themselves after
the seller's days, delivered orders that close after its days, group-buys whose window has
closed settled at their final tier."""

from celery import shared_task

from qudao.orders import services


@shared_task(name="qudao.orders.tasks.orders_sweep", ignore_result=True)
def orders_sweep() -> dict[str, int]:
    return {
        "receipts_confirmed": services.receipts_auto_confirm(),
        "orders_completed": services.orders_auto_complete(),
        "group_buys_settled": services.group_buys_settle(),
    }
