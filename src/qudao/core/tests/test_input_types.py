"""The input types the API schemas share: moments in UTC, ids and whole numbers within what
their columns hold, days within 1900–2999. Each bound stands for a 500 found by
tests/test_api_fuzz.py (the endpoints' answers: tests/test_api_input.py)."""

from datetime import UTC, date, datetime

import pytest
from ninja import Schema
from pydantic import ValidationError

from qudao.core.schemas import MAX_ID, DateIn, DateTimeIn, Id, Int32


class _When(Schema):
    at: DateTimeIn


def test_moments_are_taken_in_utc():
    """PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows: DataError, a 500."""
    when = _When.model_validate({"at": "2026-06-22T22:54:46-18:28"})
    assert when.at == datetime(2026, 6, 23, 17, 22, 46, tzinfo=UTC)
    assert when.at.tzinfo is UTC


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-10:00"])
def test_a_moment_outside_the_storable_years_is_invalid(text):
    with pytest.raises(ValidationError) as info:
        _When.model_validate({"at": text})
    assert info.value.errors()[0]["type"] == "datetime_range"


def test_ids_are_bounded():
    class _Filter(Schema):
        org: Id | None = None

    assert _Filter.model_validate({"org": MAX_ID}).org == MAX_ID
    assert _Filter.model_validate({"org": -MAX_ID - 1}).org == -MAX_ID - 1  # finds nothing
    for bad in (-MAX_ID - 2, MAX_ID + 1):
        with pytest.raises(ValidationError):
            _Filter.model_validate({"org": bad})


def test_whole_numbers_fit_an_integer_column():
    class _Limit(Schema):
        qty: Int32 = 1

    assert _Limit.model_validate({"qty": 2**31 - 1}).qty == 2**31 - 1
    for bad in (2**31, -(2**31) - 1):
        with pytest.raises(ValidationError):
            _Limit.model_validate({"qty": bad})


def test_days_are_bounded():
    class _Day(Schema):
        on: DateIn

    assert _Day.model_validate({"on": "2999-12-31"}).on == date(2999, 12, 31)
    for bad in ("0001-01-01", "9999-12-31", "1899-12-31"):
        with pytest.raises(ValidationError):
            _Day.model_validate({"on": bad})
