from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from qudao.core.numbering import next_gapless_number, next_number
from qudao.core.tests.races import race


@pytest.mark.django_db
def test_numbers_count_per_type_and_year():
    at = datetime(2026, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    with transaction.atomic():
        assert next_gapless_number("INV", at=at) == "INV-2026-000001"
        assert next_gapless_number("INV", at=at) == "INV-2026-000002"
        assert next_gapless_number("STM", at=at) == "STM-2026-000001"
        assert next_gapless_number("INV", at=at.replace(year=2027)) == "INV-2027-000001"
        first = next_number("SO", at=at)
        assert first.startswith("SO-2026-")
        assert int(next_number("SO", at=at)[-6:]) == int(first[-6:]) + 1


@pytest.mark.django_db(transaction=True)
def test_gapless_numbers_need_a_transaction():
    with pytest.raises(RuntimeError):
        next_gapless_number("INV")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_numbers_are_unique_on_postgresql():
    seq = race(lambda: next_number("TK"), threads=8, per_thread=25)
    assert len(seq) == len(set(seq)) == 200
    gapless = race(lambda: next_gapless_number("STM"), threads=8, per_thread=25)
    assert sorted(gapless) == [f"STM-{gapless[0][4:8]}-{i:06d}" for i in range(1, 201)]
