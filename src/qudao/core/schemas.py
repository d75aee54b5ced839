from datetime import UTC, date, datetime
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError


class InputSchema(Schema):
    """Base of every request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


# An id sent to the API (filters, bodies): within what a key column holds (64 bits). SQLite
# cannot even compare a larger number with a key (a server error); it is invalid input.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]

# A whole number sent to the API that is stored as one (quantities, limits, days, priorities):
# within what an integer column holds. PostgreSQL refused larger ones ("integer out of range",
# a server error); the services' own, tighter rules still apply inside this range.
# (A field with its own `Field(ge=…)` keeps `int` and takes `le=INT32_MAX`: the bound in the
# annotation would replace its own.)
INT32_MAX = 2**31 - 1
Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]


# A day sent to the API: 1900–2999. Outside that it is a typo, and the far ends broke the
# arithmetic behind filters and terms (0001-01-01 in Shanghai is before the year 1 in UTC,
# 9999-12-31 has no next day): server errors; now invalid input.
DateIn = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


def _in_utc(value: datetime) -> datetime:
    """Aware: in UTC. Naive: unchanged (whether it is taken in local time is the service's
    call; promotions refuse it), but it must still fall inside the years 1–9999 in UTC."""
    try:
        in_utc = (value if timezone.is_aware(value) else timezone.make_aware(value)).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise PydanticCustomError("datetime_range", "out of range") from exc
    return in_utc if timezone.is_aware(value) else value


# A moment sent to the API. The database refuses some offsets that ISO 8601 allows (PostgreSQL:
# beyond ±15:59), and a moment whose UTC falls outside the years 1–9999 cannot be stored at all.
# Both were server errors; the first is now taken in UTC, the second is invalid input.
DateTimeIn = Annotated[datetime, AfterValidator(_in_utc)]


class NotificationOut(Schema):
    id: int
    topic: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
