"""Moves in one warehouse: receipts from outside, adjustments, consumption, customer returns,
reversals — exact balances, ledger rows, serial history, audit and events; and refusals that
leave nothing behind."""

import pytest

from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.inventory import selectors, services
from qudao.inventory.models import Serial, SerialEvent, StockMove
from qudao.inventory.services import Doc, InsufficientStock, SerialsRejected
from qudao.inventory.tests.factories import balance, receive, serials, state

pytestmark = pytest.mark.django_db


def test_receipt_from_outside_creates_units_and_the_ledger(w):
    units = serials("GRY", 3)
    moves = services.stock_receive(
        actor=w.hq_clerk,
        warehouse=w.hq,
        lines=[(w.grey, 3, units), (w.pad, 40)],
        doc=Doc("factory_note", "F1", "FAC-001"),
    )
    assert [(m.sku_id, m.kind, m.qty, m.on_hand_after) for m in moves] == [
        (w.grey.pk, "receipt", 3, 3),
        (w.pad.pk, "receipt", 40, 40),
    ]
    assert moves[0].doc_number == "FAC-001" and moves[0].actor == w.hq_clerk
    assert balance(w.hq, w.grey) == (3, 0, 0)
    assert balance(w.hq, w.pad) == (40, 0, 0)
    assert sorted(Serial.objects.values_list("serial", "status", "warehouse_id", "holder_id")) == [
        (s, "in_stock", w.hq.pk, w.net.hq.pk) for s in units
    ]
    events = SerialEvent.objects.filter(serial__serial=units[0])
    assert [(e.from_status, e.to_status, e.move_id, e.to_holder_id) for e in events] == [
        ("", "in_stock", moves[0].pk, w.net.hq.pk)
    ]
    audit = AuditEvent.objects.get(action="stock.received")
    assert audit.changes["lines"] == [None, [["TB-S1-GRY", 3], ["BP-01-STD", 40]]]
    event = OutboxEvent.objects.get(topic="stock.received")
    assert event.payload["lines"] == [[w.grey.pk, 3], [w.pad.pk, 40]]
    assert selectors.stock_mismatches() == []


def test_lowercase_and_pasted_serials_are_normalised(w):
    services.stock_receive(
        actor=w.hq_clerk, warehouse=w.hq, lines=[(w.grey, 3, "gry1, gry2\n gry3；")]
    )
    assert sorted(Serial.objects.values_list("serial", flat=True)) == ["GRY1", "GRY2", "GRY3"]


@pytest.mark.parametrize("qty", [-1, 0, "x", 1.5, True])
def test_bad_quantities_are_refused_and_nothing_written(w, qty):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=w.hq_clerk, warehouse=w.hq, lines=[(w.pad, qty)])
    assert exc.value.code in {"qty_not_positive", "invalid_qty"}
    assert (exc.value.code == "qty_not_positive") == (qty in (-1, 0))
    assert state() == before


def test_receipt_needs_one_serial_per_tracked_unit(w):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=w.hq_clerk, warehouse=w.hq, lines=[(w.grey, 3, ["A1", "A2"])])
    assert exc.value.code == "serial_count_mismatch"
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=w.hq_clerk, warehouse=w.hq, lines=[(w.pad, 1, ["P1"])])
    assert exc.value.code == "serials_not_tracked"
    assert state() == before


def test_receipt_of_serials_that_exist_or_repeat_names_each(w):
    receive(w.hq, (w.grey, 2, ["A1", "A2"]))
    before = state()
    with pytest.raises(SerialsRejected) as exc:
        services.stock_receive(
            actor=w.hq_clerk,
            warehouse=w.dist1,
            lines=[(w.white, 4, ["A1", "B1", "B1", "B-2!"])],
        )
    assert exc.value.code == "serials_rejected"
    assert exc.value.codes() == {
        "serial_exists": ["A1"],
        "serial_duplicated": ["B1"],
        "serial_invalid": ["B-2!"],
    }
    assert state() == before


def test_warehouse_of_another_org_answers_404_and_without_the_right_403(w):
    receive(w.dealer1, (w.pad, 5))
    before = state()
    with pytest.raises(NotFound):  # dealer2's admin: dealer1 is outside its scope
        services.stock_adjust(
            actor=w.net.dealer2_admin, warehouse=w.dealer1, lines=[(w.pad, -1)], reason="丢失"
        )
    with pytest.raises(PermissionDenied):  # the region manager sees dealer1 but moves nothing
        services.stock_adjust(
            actor=w.net.region_east, warehouse=w.dealer1, lines=[(w.pad, -1)], reason="丢失"
        )
    assert state() == before


def test_adjustment_needs_a_reason_and_moves_both_ways(w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 2, ["G1", "G2"]))
    with pytest.raises(ValidationFailed) as exc:
        services.stock_adjust(
            actor=w.net.dealer1_admin, warehouse=w.dealer1, lines=[(w.pad, -1)], reason=" "
        )
    assert exc.value.code == "reason_required"
    moves = services.stock_adjust(
        actor=w.net.dealer1_admin,
        warehouse=w.dealer1,
        lines=[(w.pad, -3), (w.grey, -1, ["G2"]), (w.white, 1, ["W9"])],
        reason="盘亏盘盈",
    )
    assert [(m.kind, m.qty, m.on_hand_after, m.reason) for m in moves] == [
        ("adjustment", -3, 7, "盘亏盘盈"),
        ("adjustment", -1, 1, "盘亏盘盈"),
        ("adjustment", 1, 1, "盘亏盘盈"),
    ]
    assert Serial.objects.get(serial="G2").status == "scrapped"
    assert Serial.objects.get(serial="G2").warehouse_id is None
    assert Serial.objects.get(serial="W9").status == "in_stock"
    assert AuditEvent.objects.get(action="stock.adjusted").changes["reason"] == [None, "盘亏盘盈"]
    # found again: a scrapped unit of the same SKU comes back, its history continued
    services.stock_adjust(
        actor=w.net.dealer1_admin, warehouse=w.dealer1, lines=[(w.grey, 1, ["G2"])], reason="找到"
    )
    assert list(
        SerialEvent.objects.filter(serial__serial="G2").values_list("from_status", "to_status")
    ) == [("", "in_stock"), ("in_stock", "scrapped"), ("scrapped", "in_stock")]
    assert selectors.stock_mismatches() == []


def test_negative_adjustment_cannot_take_stock_below_zero(w):
    receive(w.dealer1, (w.pad, 2))
    before = state()
    with pytest.raises(InsufficientStock) as exc:
        services.stock_adjust(
            actor=w.net.dealer1_admin, warehouse=w.dealer1, lines=[(w.pad, -3)], reason="x"
        )
    assert exc.value.code == "insufficient_stock"
    assert exc.value.shortages == [
        {
            "sku": "BP-01-STD",
            "sku_id": w.pad.pk,
            "warehouse_id": w.dealer1.pk,
            "available": 2,
            "needed": 3,
        }
    ]
    assert state() == before


def test_serial_in_another_warehouse_or_of_another_sku_is_refused(w):
    receive(w.dealer1, (w.grey, 1, ["G1"]))
    receive(w.dealer2, (w.grey, 1, ["G2"]), (w.white, 1, ["W1"]))
    before = state()
    with pytest.raises(SerialsRejected) as exc:
        services.consumption_post(
            actor=w.net.dealer1_admin,
            warehouse=w.dealer1,
            lines=[(w.grey, 3, ["G2", "W1", "NOPE"])],
        )
    assert exc.value.codes() == {
        "serial_wrong_warehouse": ["G2"],
        "serial_wrong_sku": ["W1"],
        "serial_unknown": ["NOPE"],
    }
    assert "W1 belongs to another SKU (TB-S1-WHT)" in exc.value.message
    assert state() == before


def test_consumption_takes_parts_out(w):
    receive(w.dealer1, (w.pad, 5))
    moves = services.consumption_post(
        actor=w.net.dealer1_admin,
        warehouse=w.dealer1,
        lines=[(w.pad, 2)],
        doc=Doc("ticket", "7", "TK-7"),
    )
    assert [(m.kind, m.qty, m.on_hand_after, m.doc_number) for m in moves] == [
        ("consumption", -2, 3, "TK-7")
    ]
    assert OutboxEvent.objects.filter(topic="stock.consumed").count() == 1


def test_customer_return_brings_a_sold_unit_back(w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]))
    services.retail_sale_post(
        actor=w.net.dealer1_admin, warehouse=w.dealer1, lines=[(w.grey, 1, ["G1"])]
    )
    with pytest.raises(SerialsRejected) as exc:  # G2 was never sold
        services.return_in_post(
            actor=w.net.dealer1_admin, warehouse=w.dealer1, lines=[(w.grey, 1, ["G2"])]
        )
    assert exc.value.codes() == {"serial_wrong_status": ["G2"]}
    moves = services.return_in_post(
        actor=w.net.dealer1_admin, warehouse=w.dealer1_back, lines=[(w.grey, 1, ["G1"])]
    )
    assert [(m.kind, m.qty, m.on_hand_after) for m in moves] == [("return_in", 1, 1)]
    unit = Serial.objects.get(serial="G1")
    assert (unit.status, unit.warehouse_id, unit.holder_id) == (
        "returned",
        w.dealer1_back.pk,
        w.net.dealer1.pk,
    )
    assert balance(w.dealer1, w.grey) == (1, 0, 0)
    assert balance(w.dealer1_back, w.grey) == (1, 0, 0)
    assert selectors.stock_mismatches() == []


def test_reversal_undoes_a_move_once_and_puts_units_back(w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]))
    [sale] = services.retail_sale_post(
        actor=w.net.dealer1_admin, warehouse=w.dealer1, lines=[(w.grey, 1, ["G1"])]
    )
    reversal = services.move_reverse(actor=w.net.dealer1_admin, move=sale.move, reason="录错")
    assert (reversal.kind, reversal.qty, reversal.on_hand_after, reversal.reversal_of_id) == (
        "retail_sale",
        1,
        2,
        sale.move.pk,
    )
    unit = Serial.objects.get(serial="G1")
    assert (unit.status, unit.warehouse_id) == ("in_stock", w.dealer1.pk)
    sale.refresh_from_db()
    assert sale.voided_at is not None
    with pytest.raises(Conflict) as exc:
        services.move_reverse(actor=w.net.dealer1_admin, move=sale.move, reason="again")
    assert exc.value.code == "already_reversed"
    with pytest.raises(Conflict) as exc:
        services.move_reverse(actor=w.net.dealer1_admin, move=reversal, reason="again")
    assert exc.value.code == "already_reversed"
    assert StockMove.objects.filter(reversal_of__isnull=False).count() == 1
    assert selectors.stock_mismatches() == []


def test_reversing_a_receipt_removes_the_units_it_created(w):
    [move] = services.stock_receive(
        actor=w.hq_clerk, warehouse=w.hq, lines=[(w.white, 2, ["X1", "X2"])]
    )
    services.move_reverse(actor=w.hq_clerk, move=move, reason="型号录错")
    assert not Serial.objects.filter(serial__in=["X1", "X2"]).exists()
    assert balance(w.hq, w.white) == (0, 0, 0)
    # the same serials can now be received as the right SKU
    services.stock_receive(actor=w.hq_clerk, warehouse=w.hq, lines=[(w.grey, 2, ["X1", "X2"])])
    assert selectors.stock_mismatches() == []


def test_reversal_refused_when_units_moved_since_or_stock_is_reserved(w):
    [move] = services.stock_receive(
        actor=w.hq_clerk,
        warehouse=w.hq,
        lines=[
            (w.grey, 2, ["G1", "G2"]),
        ],
    )
    services.retail_sale_post(actor=w.hq_clerk, warehouse=w.hq, lines=[(w.grey, 1, ["G1"])])
    before = state()
    with pytest.raises(Conflict) as exc:
        services.move_reverse(actor=w.hq_clerk, move=move, reason="x")
    assert exc.value.code == "serials_moved_since"
    assert state() == before
    [pads] = services.stock_receive(actor=w.hq_clerk, warehouse=w.hq, lines=[(w.pad, 5)])
    services.stock_reserve(
        actor=w.hq_clerk, warehouse=w.hq, lines=[(w.pad, 1)], doc=Doc("order", "1", "SO-1")
    )
    before = state()
    with pytest.raises(InsufficientStock):
        services.move_reverse(actor=w.hq_clerk, move=pads, reason="x")
    assert state() == before


def test_closed_warehouse_takes_no_moves(w):
    closed = services.warehouse_update(
        actor=w.net.dealer1_admin, warehouse=w.dealer1_back, data={"is_active": False}
    )
    with pytest.raises(Conflict) as exc:
        services.stock_receive(actor=w.net.dealer1_admin, warehouse=closed, lines=[(w.pad, 1)])
    assert exc.value.code == "warehouse_inactive"
