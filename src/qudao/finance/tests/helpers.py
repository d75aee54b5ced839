"""Helpers of the finance tests: months and entries placed in the past."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from qudao.finance.models import LedgerEntry

SH = ZoneInfo("Asia/Shanghai")


def last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def backdate(entries, when: datetime) -> None:
    LedgerEntry.objects.filter(pk__in=[e.pk for e in entries]).update(created_at=when)
