"""The set-based paste check (one query per batch, stable codes naming each serial) and a
unit's journey through the tiers, as each tier may see it."""

import pytest

from qudao.core.errors import NotFound
from qudao.inventory import selectors, services
from qudao.inventory.services import Doc
from qudao.inventory.tests.factories import receive, serials

pytestmark = pytest.mark.django_db


def test_paste_check_reports_every_kind_of_problem_in_one_query(w, django_assert_num_queries):
    receive(w.dist1, (w.grey, 3, ["A1", "A2", "A3"]), (w.white, 1, ["W1"]))
    receive(w.dist2, (w.grey, 1, ["B1"]))
    services.retail_sale_post(actor=w.dist1_clerk, warehouse=w.dist1, lines=[(w.grey, 1, ["A3"])])
    text = "a1\nA2, A2；B1 W1 A3 NOPE ???"
    with django_assert_num_queries(2):  # the clerk's memberships, then one look-up
        check = selectors.serials_check(
            actor=w.dist1_clerk, warehouse=w.dist1, sku=w.grey, serials=text
        )
    assert [r.serial for r in check.found] == ["A1", "A2"]
    assert check.codes() == {
        "serial_duplicated": ["A2"],
        "serial_invalid": ["???"],
        "serial_wrong_warehouse": ["B1"],
        "serial_wrong_sku": ["W1"],
        "serial_wrong_status": ["A3"],
        "serial_unknown": ["NOPE"],
    }


def test_paste_check_of_a_warehouse_out_of_scope_is_404(w):
    with pytest.raises(NotFound):
        selectors.serials_check(
            actor=w.net.dealer2_admin, warehouse=w.dealer1, sku=w.grey, serials="A1"
        )


def test_large_paste_is_checked_per_batch(w, django_assert_max_num_queries):
    units = serials("BIG", 12_000)
    with django_assert_max_num_queries(4):  # 3 batches of 5,000 (+ memberships)
        check = selectors.serials_check(
            actor=w.dist1_clerk, warehouse=w.dist1, sku=w.grey, serials=units, purpose="in"
        )
    assert len(check.new) == 12_000 and check.ok


def test_journey_through_the_tiers(w):
    receive(w.hq, (w.grey, 1, ["J1"]))
    sent = services.shipment_post(
        actor=w.hq_clerk,
        warehouse=w.hq,
        to_warehouse=w.dist1,
        lines=[(w.grey, 1, ["J1"])],
        doc=Doc("order", "1", "SO-1"),
    )
    services.receipt_post(actor=w.dist1_clerk, transit=sent.transit)
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.grey, 1, ["J1"])],
        doc=Doc("order", "2", "SO-2"),
    )
    services.receipt_post(actor=w.net.dealer1_admin, transit=sent.transit)
    services.retail_sale_post(
        actor=w.net.dealer1_admin, warehouse=w.dealer1, lines=[(w.grey, 1, ["j1"])]
    )
    brand = selectors.serial_journey(actor=w.net.admin, serial="j1")
    assert [(e.to_status, e.to_holder.code) for e in brand.events] == [
        ("in_stock", "HQ"),
        ("in_transit", "HQ"),
        ("in_stock", "D-HZ"),
        ("in_transit", "D-HZ"),
        ("in_stock", "DL-HZ1"),
        ("sold", "DL-HZ1"),
    ]
    assert brand.serial.status == "sold" and brand.place_visible
    # the dealer sees the steps that touched it, not HQ's warehouse history
    dealer = selectors.serial_journey(actor=w.net.dealer1_admin, serial="J1")
    assert [e.to_status for e in dealer.events] == ["in_stock", "sold"]
    with pytest.raises(NotFound):
        selectors.serial_journey(actor=w.net.dealer3_admin, serial="J1")
