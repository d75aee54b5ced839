"""Stock counts: draft → counting → posted; differences become count moves; serials found
and lost; posting twice is an invalid transition and writes nothing."""

import pytest

from qudao.core.errors import Conflict, InvalidTransition, ValidationFailed
from qudao.inventory import selectors, services
from qudao.inventory.models import Serial, StockMove
from qudao.inventory.services import SerialsRejected
from qudao.inventory.tests.factories import balance, receive, state

pytestmark = pytest.mark.django_db


def test_count_posts_differences_as_moves(w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 3, ["G1", "G2", "G3"]))
    actor = w.net.dealer1_admin
    count = services.count_create(actor=actor, warehouse=w.dealer1, note="月末盘点")
    assert count.status == "draft" and count.number.startswith("SC-")
    assert sorted(count.lines.values_list("sku__code", flat=True)) == ["BP-01-STD", "TB-S1-GRY"]
    count = services.count_start(actor=actor, count=count)
    assert sorted(count.lines.values_list("sku__code", "expected_qty")) == [
        ("BP-01-STD", 10),
        ("TB-S1-GRY", 3),
    ]
    services.count_enter(
        actor=actor,
        count=count,
        lines=[(w.pad, 8), (w.grey, 3, "G1 G3 NEW1"), (w.white, 0)],
    )
    count = services.count_post(actor=actor, count=count)
    assert count.status == "posted" and count.posted_at is not None
    assert sorted(
        count.lines.values_list("sku__code", "system_qty", "counted_qty", "difference")
    ) == [
        ("BP-01-STD", 10, 8, -2),
        ("TB-S1-GRY", 3, 3, 0),
        ("TB-S1-WHT", 0, 0, 0),
    ]
    assert list(
        StockMove.objects.filter(doc_type="stock_count").values_list("kind", "qty", "doc_number")
    ) == [("count", -2, count.number)]
    assert balance(w.dealer1, w.pad) == (8, 0, 0)
    assert Serial.objects.get(serial="G2").status == "scrapped"
    assert Serial.objects.get(serial="NEW1").warehouse_id == w.dealer1.pk
    assert selectors.stock_mismatches() == []

    before = state()
    with pytest.raises(InvalidTransition) as exc:
        services.count_post(actor=actor, count=count)
    assert exc.value.code == "invalid_transition"
    assert state() == before


def test_count_of_a_category_and_its_checks(w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 1, ["G1"]))
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    actor = w.net.dealer1_admin
    count = services.count_create(actor=actor, warehouse=w.dealer1, category=w.scooters)
    assert list(count.lines.values_list("sku__code", flat=True)) == ["TB-S1-GRY"]
    with pytest.raises(Conflict) as exc:
        services.count_enter(actor=actor, count=count, lines=[(w.grey, 1, "G1")])
    assert exc.value.code == "count_not_counting"
    services.count_start(actor=actor, count=count)
    with pytest.raises(ValidationFailed) as exc:
        services.count_enter(actor=actor, count=count, lines=[(w.pad, 3)])
    assert exc.value.code == "sku_outside_count"
    with pytest.raises(SerialsRejected) as exc2:  # a unit of dealer2 cannot be counted here
        services.count_enter(actor=actor, count=count, lines=[(w.grey, 2, "G1 G9")])
    assert exc2.value.codes() == {"serial_wrong_warehouse": ["G9"]}
    with pytest.raises(ValidationFailed) as exc:
        services.count_post(actor=actor, count=count)
    assert exc.value.code == "count_incomplete"
    services.count_cancel(actor=actor, count=count)
    with pytest.raises(InvalidTransition):
        services.count_post(actor=actor, count=count)
