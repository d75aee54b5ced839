"""Scheduled work of the dealer lifecycle (CELERY_BEAT_SCHEDULE `dealers-sweep`, daily):
reminders of papers about to expire (30 and 7 days before, once each), the ordering hold of
dealers whose brand authorisation has expired (lifted when a valid one is on file), and the
end of contracts whose term is over."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from qudao.dealers.services.contracts import contracts_expire
from qudao.dealers.services.documents import documents_sweep


@shared_task(name="qudao.dealers.tasks.dealers_sweep", ignore_result=True)
def dealers_sweep() -> dict[str, int]:
    with translation.override(settings.LANGUAGE_CODE):
        swept = documents_sweep()
        ended = contracts_expire()
    return {
        "documents_reminded": swept.reminders,
        "notifications": swept.notified,
        "holds_set": swept.holds_set,
        "holds_lifted": swept.holds_lifted,
        "contracts_ended": ended,
    }
