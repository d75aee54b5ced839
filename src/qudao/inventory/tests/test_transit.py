"""Goods between warehouses: transfers (out → in transit → in), shipments to a buyer with
serials, receipts where units change holder, returns, shortfalls written off."""

import pytest

from qudao.core.errors import InvalidTransition, NotFound, ValidationFailed
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.inventory import selectors, services
from qudao.inventory.models import Serial, SerialEvent, StockMove, Transit
from qudao.inventory.services import Doc, InsufficientStock, SerialsRejected
from qudao.inventory.tests.factories import balance, receive, serials, state

pytestmark = pytest.mark.django_db
ORDER = Doc("order", "42", "SO-2026-000042")


def test_transfer_between_own_warehouses(w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 2, ["G1", "G2"]))
    transit = services.transfer_send(
        actor=w.net.dealer1_admin,
        from_warehouse=w.dealer1,
        to_warehouse=w.dealer1_back,
        lines=[(w.pad, 4), (w.grey, 1, ["G2"])],
        note="补货到后仓",
    )
    assert transit.number.startswith("TR-") and transit.kind == "transfer"
    assert balance(w.dealer1, w.pad) == (6, 0, 0)
    assert balance(w.dealer1_back, w.pad) == (0, 0, 4)
    unit = Serial.objects.get(serial="G2")
    assert (unit.status, unit.warehouse_id, unit.transit_id) == ("in_transit", None, transit.pk)
    out = StockMove.objects.filter(transit=transit).values_list("kind", "qty", "doc_number")
    assert sorted(out) == [
        ("transfer_out", -4, transit.number),
        ("transfer_out", -1, transit.number),
    ]
    assert selectors.stock_mismatches() == []

    # a partial receipt leaves the rest on its way
    services.transfer_receive(actor=w.net.dealer1_admin, transit=transit, lines=[(w.pad, 3)])
    assert balance(w.dealer1_back, w.pad) == (3, 0, 1)
    transit.refresh_from_db()
    assert transit.status == "in_transit"
    services.transfer_receive(actor=w.net.dealer1_admin, transit=transit)
    transit.refresh_from_db()
    assert transit.status == "received"
    assert balance(w.dealer1_back, w.pad) == (4, 0, 0)
    assert balance(w.dealer1_back, w.grey) == (1, 0, 0)
    unit.refresh_from_db()
    assert (unit.status, unit.warehouse_id, unit.transit_id) == (
        "in_stock",
        w.dealer1_back.pk,
        None,
    )
    with pytest.raises(InvalidTransition):
        services.transfer_receive(actor=w.net.dealer1_admin, transit=transit)
    assert list(
        AuditEvent.objects.filter(object_type="inventory.transit")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["transfer.sent", "transfer.received", "transfer.received"]
    assert OutboxEvent.objects.filter(topic="transfer.received").count() == 2
    assert selectors.stock_mismatches() == []


def test_transfer_only_between_an_orgs_own_warehouses(w):
    receive(w.dealer1, (w.pad, 10))
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.transfer_send(
            actor=w.net.dealer1_admin,
            from_warehouse=w.dealer1,
            to_warehouse=w.dealer2,
            lines=[(w.pad, 1)],
        )
    assert exc.value.code == "transfer_other_org"
    with pytest.raises(NotFound):
        services.transfer_send(
            actor=w.net.dealer2_admin,
            from_warehouse=w.dealer1,
            to_warehouse=w.dealer1_back,
            lines=[(w.pad, 1)],
        )
    assert state() == before


def test_shipment_and_receipt_move_units_to_the_buyer(w):
    units = serials("FR", 5)
    receive(w.dist1, (w.grey, 5, units), (w.pad, 20))
    services.stock_reserve(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        lines=[(w.grey, 3, (), "L1"), (w.pad, 10, (), "L2")],
        doc=ORDER,
    )
    assert balance(w.dist1, w.grey) == (5, 3, 0)
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.grey, 3, units[:3]), (w.pad, 8)],
        doc=ORDER,
    )
    transit = sent.transit
    assert transit is not None and transit.doc_number == ORDER.number
    assert [(m.kind, m.qty, m.on_hand_after) for m in sent.moves] == [
        ("shipment", -3, 2),
        ("shipment", -8, 12),
    ]
    # the reservations are used up by what shipped; 2 pads stay reserved for the order
    assert balance(w.dist1, w.grey) == (2, 0, 0)
    assert balance(w.dist1, w.pad) == (12, 2, 0)
    assert balance(w.dealer1, w.grey) == (0, 0, 3)
    assert AuditEvent.objects.filter(action="shipment.posted").count() == 1
    assert OutboxEvent.objects.get(topic="shipment.posted").payload["transit_id"] == transit.pk

    moves = services.receipt_post(actor=w.net.dealer1_admin, transit=transit)
    assert sorted((m.kind, m.qty, m.on_hand_after) for m in moves) == [
        ("receipt", 3, 3),
        ("receipt", 8, 8),
    ]
    assert balance(w.dealer1, w.grey) == (3, 0, 0)
    assert (
        sorted(
            Serial.objects.filter(serial__in=units[:3]).values_list(
                "status", "warehouse_id", "holder_id"
            )
        )
        == [("in_stock", w.dealer1.pk, w.net.dealer1.pk)] * 3
    )
    journey = list(
        SerialEvent.objects.filter(serial__serial=units[0]).values_list(
            "from_status", "to_status", "from_holder_id", "to_holder_id"
        )
    )
    assert journey == [
        ("", "in_stock", None, w.net.dist1.pk),
        ("in_stock", "in_transit", w.net.dist1.pk, w.net.dist1.pk),
        ("in_transit", "in_stock", w.net.dist1.pk, w.net.dealer1.pk),
    ]
    transit.refresh_from_db()
    assert transit.status == "received"
    assert selectors.stock_mismatches() == []


def test_shipment_refuses_bad_serials_and_reserved_stock_of_others(w):
    receive(w.dist1, (w.grey, 3, ["A1", "A2", "A3"]), (w.pad, 5))
    receive(w.dist2, (w.grey, 1, ["B1"]))
    other = Doc("order", "99", "SO-99")
    services.stock_reserve(actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.pad, 4)], doc=other)
    services.stock_reserve(
        actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.grey, 1, ["A3"])], doc=other
    )
    before = state()
    with pytest.raises(SerialsRejected) as exc:
        services.shipment_post(
            actor=w.dist1_clerk,
            warehouse=w.dist1,
            to_warehouse=w.dealer1,
            lines=[(w.grey, 4, ["A1", "A1", "B1", "A3"])],
            doc=ORDER,
        )
    assert exc.value.codes() == {
        "serial_duplicated": ["A1"],
        "serial_wrong_warehouse": ["B1"],
        "serial_reserved": ["A3"],
    }
    with pytest.raises(InsufficientStock) as exc2:  # 4 of 5 pads are held for another order
        services.shipment_post(
            actor=w.dist1_clerk,
            warehouse=w.dist1,
            to_warehouse=w.dealer1,
            lines=[(w.pad, 2)],
            doc=ORDER,
        )
    assert exc2.value.shortages[0]["available"] == 1
    assert state() == before


def test_receipt_of_units_not_in_the_shipment_is_refused(w):
    receive(w.dist1, (w.grey, 3, ["A1", "A2", "A3"]))
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.grey, 2, ["A1", "A2"])],
        doc=ORDER,
    )
    before = state()
    with pytest.raises(SerialsRejected) as exc:
        services.receipt_post(
            actor=w.net.dealer1_admin, transit=sent.transit, lines=[(w.grey, 2, ["A1", "A3"])]
        )
    assert exc.value.codes() == {"serial_wrong_status": ["A3"]}
    with pytest.raises(ValidationFailed) as exc2:
        services.receipt_post(
            actor=w.net.dealer1_admin, transit=sent.transit, lines=[(w.grey, 3, ["A1", "A2", "A3"])]
        )
    assert exc2.value.code == "receipt_exceeds_transit"
    assert state() == before


def test_shortfall_is_written_off_when_the_transit_is_closed(w):
    receive(w.dist1, (w.grey, 2, ["A1", "A2"]), (w.pad, 10))
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.grey, 2, ["A1", "A2"]), (w.pad, 10)],
        doc=ORDER,
    )
    services.receipt_post(
        actor=w.net.dealer1_admin, transit=sent.transit, lines=[(w.grey, 1, ["A1"]), (w.pad, 9)]
    )
    closed = services.transit_close(
        actor=w.net.dealer1_admin, transit=sent.transit, reason="少一辆一套"
    )
    assert closed.status == "closed"
    assert sorted(closed.lines.values_list("sku__code", "qty", "received_qty", "short_qty")) == [
        ("BP-01-STD", 10, 9, 1),
        ("TB-S1-GRY", 2, 1, 1),
    ]
    assert balance(w.dealer1, w.pad) == (9, 0, 0)
    assert Serial.objects.get(serial="A2").status == "scrapped"
    assert selectors.stock_mismatches() == []


def test_shipment_out_of_the_system_sells_the_units(w):
    receive(w.dist1, (w.grey, 1, ["A1"]))
    sent = services.shipment_post(
        actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.grey, 1, ["A1"])], doc=ORDER
    )
    assert sent.transit is None
    assert Serial.objects.get(serial="A1").status == "sold"
    assert Transit.objects.count() == 0


def test_return_goes_back_to_the_seller_as_returned(w):
    receive(w.dist1, (w.grey, 2, ["A1", "A2"]))
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.grey, 2, ["A1", "A2"])],
        doc=ORDER,
    )
    services.receipt_post(actor=w.net.dealer1_admin, transit=sent.transit)
    back = services.return_out_post(
        actor=w.net.dealer1_admin,
        warehouse=w.dealer1,
        to_warehouse=w.dist1,
        lines=[(w.grey, 1, ["A2"])],
        doc=Doc("return", "5", "RT-5"),
    )
    assert back.kind == "return"
    assert balance(w.dealer1, w.grey) == (1, 0, 0)
    assert balance(w.dist1, w.grey) == (0, 0, 1)
    moves = services.receipt_post(actor=w.dist1_clerk, transit=back)
    assert [(m.kind, m.qty) for m in moves] == [("return_in", 1)]
    unit = Serial.objects.get(serial="A2")
    assert (unit.status, unit.warehouse_id, unit.holder_id) == (
        "returned",
        w.dist1.pk,
        w.net.dist1.pk,
    )
    assert selectors.stock_mismatches() == []
