"""Reservations for order lines: all or nothing, available never below zero, released on
cancel, used up by shipments."""

import pytest

from qudao.core.errors import ValidationFailed
from qudao.core.models import OutboxEvent
from qudao.inventory import selectors, services
from qudao.inventory.models import Reservation, Serial
from qudao.inventory.services import Doc, InsufficientStock
from qudao.inventory.tests.factories import balance, receive, state

pytestmark = pytest.mark.django_db
ORDER = Doc("order", "1", "SO-1")


def test_reserve_all_or_nothing_and_name_the_shortage(w):
    receive(w.dist1, (w.pad, 10), (w.grey, 2, ["A1", "A2"]))
    before = state()
    with pytest.raises(InsufficientStock) as exc:
        services.stock_reserve(
            actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.pad, 5), (w.grey, 3)], doc=ORDER
        )
    assert exc.value.shortages == [
        {
            "sku": "TB-S1-GRY",
            "sku_id": w.grey.pk,
            "warehouse_id": w.dist1.pk,
            "available": 2,
            "needed": 3,
        }
    ]
    assert "TB-S1-GRY: 2 available, 3 needed" in exc.value.message
    assert state() == before


def test_reserve_adds_per_line_and_release_gives_back(w):
    receive(w.dist1, (w.pad, 10))
    rows = services.stock_reserve(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        lines=[(w.pad, 3, (), "L1"), (w.pad, 2, (), "L2")],
        doc=ORDER,
    )
    assert [(r.line, r.qty, r.open_qty) for r in rows] == [("L1", 3, 3), ("L2", 2, 2)]
    services.stock_reserve(
        actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.pad, 1, (), "L1")], doc=ORDER
    )
    assert balance(w.dist1, w.pad) == (10, 6, 0)
    assert selectors.stock_available(warehouse=w.dist1, skus=[w.pad, w.grey]) == {
        w.pad.pk: 4,
        w.grey.pk: 0,
    }
    assert services.stock_release(actor=w.dist1_clerk, doc=ORDER, lines=[(w.pad, 2, (), "L1")]) == 2
    assert balance(w.dist1, w.pad) == (10, 4, 0)
    with pytest.raises(ValidationFailed) as exc:
        services.stock_release(actor=w.dist1_clerk, doc=ORDER, lines=[(w.pad, 5)])
    assert exc.value.code == "release_exceeds_reserved"
    assert services.stock_release(actor=w.dist1_clerk, doc=ORDER) == 4
    assert balance(w.dist1, w.pad) == (10, 0, 0)
    assert sorted(Reservation.objects.values_list("line", "qty", "open_qty")) == [
        ("L1", 4, 0),
        ("L2", 2, 0),
    ]
    assert services.stock_release(actor=w.dist1_clerk, doc=ORDER) == 0
    assert OutboxEvent.objects.filter(topic="stock.reserved").count() == 2
    assert OutboxEvent.objects.filter(topic="stock.released").count() == 2
    assert selectors.stock_mismatches() == []


def test_reserving_named_units_holds_them_for_the_document(w):
    receive(w.dist1, (w.grey, 3, ["A1", "A2", "A3"]))
    services.stock_reserve(
        actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.grey, 2, ["A1"])], doc=ORDER
    )
    assert Serial.objects.get(serial="A1").status == "reserved"
    assert Serial.objects.get(serial="A1").reserved_for == "order:1"
    services.stock_release(actor=w.dist1_clerk, doc=ORDER)
    assert Serial.objects.get(serial="A1").status == "in_stock"
    assert Serial.objects.get(serial="A1").reserved_for == ""
    assert selectors.stock_mismatches() == []


def test_reserve_needs_a_document_and_positive_quantities(w):
    receive(w.dist1, (w.pad, 10))
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_reserve(
            actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.pad, 1)], doc=Doc()
        )
    assert exc.value.code == "doc_required"
    with pytest.raises(ValidationFailed) as exc:
        services.stock_reserve(
            actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.pad, -2)], doc=ORDER
        )
    assert exc.value.code == "qty_not_positive"
    assert state() == before


def test_stock_below_reserved_cannot_leave(w):
    receive(w.dist1, (w.pad, 5))
    services.stock_reserve(actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.pad, 5)], doc=ORDER)
    before = state()
    with pytest.raises(InsufficientStock):
        services.retail_sale_post(actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.pad, 1)])
    assert state() == before
