"""The whole flow across three tiers: HQ → 杭州一级 (dist1) → 杭州迅达 (dealer1) → 西湖门店
(store1, which keeps no warehouse). The same bikes travel down with their frame numbers and
one comes back; stock, serials, credit, invoices and credit notes agree at every step and
`qudao check-ledgers` finds nothing."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from qudao.finance import services as finance
from qudao.finance.models import Invoice
from qudao.inventory.models import Serial
from qudao.inventory.tests import factories as inv
from qudao.network.tests import factories as f
from qudao.orders import services
from qudao.orders.services import ReturnLineIn, ShipLine
from qudao.orders.tests import factories as of
from qudao.pricing.tests import factories as pf

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")


def _unit(serial):
    return Serial.objects.values_list("status", "warehouse__code", "holder__code").get(
        serial=serial
    )


def _ship_all(actor, order, serials):
    lines = list(order.lines.select_related("sku"))
    return services.shipment_post(
        actor=actor,
        order=order,
        lines=[ShipLine(line.pk, line.qty, serials.get(line.sku.code, ())) for line in lines],
        carrier="德邦",
        tracking_no="DB001",
    )


def test_bikes_travel_down_three_tiers_and_one_comes_back(w, net):
    # HQ sells to dist1: prices, stock with frame numbers, credit
    pf.price_list(net.hq, code="HQ-STD", items={w.grey: "1500", w.pad: "20"})
    hq_wh = inv.warehouse(net.hq, "HQ-MAIN", name="总仓")
    inv.receive(hq_wh, (w.grey, 3, inv.serials("HQG", 3)))
    finance.credit_profile_set(
        actor=net.admin, buyer=net.dist1, seller=net.hq, data={"credit_limit": "50000"}
    )

    # 1. dist1 orders 3 bikes from HQ; its first order waits for HQ's approval
    up = services.order_draft_create(
        actor=w.seller_admin, buyer=net.dist1, seller=net.hq, lines=[("TB-S1-GRY", 3)]
    )
    up = services.order_submit(actor=w.seller_admin, order=up)
    assert (up.status, up.on_behalf) == ("pending_approval", False)
    up = services.order_approve(actor=net.admin, order=up)
    shipment = _ship_all(net.admin, up, {"TB-S1-GRY": inv.serials("HQG", 3)})
    assert shipment.invoice.amount == D("4500.00")
    services.receipt_confirm(actor=w.clerk, shipment=shipment)
    assert inv.balance(w.seller_wh, w.grey) == (8, 0, 0)
    assert _unit("HQG000001") == ("in_stock", "D1-MAIN", "D-HZ")

    # 2. a salesperson orders 2 of them for dealer1 (代客下单); approved at once
    down = of.draft(w, [("TB-S1-GRY", 2)], actor=w.sales)
    down = services.order_submit(actor=w.sales, order=down)
    assert (down.status, down.on_behalf, down.amount) == ("approved", True, D("3600.00"))
    shipment = _ship_all(w.clerk, down, {"TB-S1-GRY": ["HQG000001", "HQG000002"]})
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    assert _unit("HQG000002") == ("in_stock", "DL1-MAIN", "DL-HZ1")
    assert of.money_state(w) == (ZERO, ZERO, D("3600.00"), ZERO)

    # 3. the store orders one from dealer1; it keeps no warehouse: the bike leaves the system
    pf.price_list(net.dealer1, code="DL1-STD", items={w.grey: "2300"})
    finance.credit_profile_set(
        actor=net.dealer1_admin,
        buyer=net.store1,
        seller=net.dealer1,
        data={"credit_limit": "5000", "payment_term_days": 15},
    )
    clerk = f.member(net.store1, "store_clerk", username="store-clerk")
    store = services.order_draft_create(
        actor=clerk, buyer=net.store1, seller=net.dealer1, lines=[("TB-S1-GRY", 1)]
    )
    store = services.order_submit(actor=clerk, order=store)
    assert store.status == "pending_approval"  # dealer1 holds first orders (the default)
    store = services.order_approve(actor=net.dealer1_admin, order=store)
    shipment = _ship_all(net.dealer1_admin, store, {"TB-S1-GRY": ["HQG000002"]})
    assert (shipment.transit, shipment.invoice.amount) == (None, D("2300.00"))
    assert _unit("HQG000002") == ("sold", None, "DL-HZ1")
    services.receipt_confirm(actor=clerk, shipment=shipment)
    store.refresh_from_db()
    assert store.status == "delivered"

    # 4. the store returns the bike; dealer1 takes it straight back in and credits it
    ret = services.return_request(
        actor=clerk,
        order=store,
        lines=[ReturnLineIn(store.lines.get().pk, 1, "HQG000002")],
        reason_code="defective",
        reason="无法充电",
    )
    ret = services.return_approve(actor=net.dealer1_admin, ret=ret)
    ret = services.return_receive(actor=net.dealer1_admin, ret=ret)
    assert (ret.status, ret.credit_note.amount) == ("received", D("2300.00"))
    assert _unit("HQG000002") == ("returned", "DL1-MAIN", "DL-HZ1")
    assert inv.balance(w.buyer_wh, w.grey) == (2, 0, 0)
    store_invoice = Invoice.objects.get(kind="invoice", position__buyer=net.store1)
    assert store_invoice.open_amount == ZERO

    out = io.StringIO()
    call_command("check_ledgers", stdout=out)
    assert "differ" not in out.getvalue()
    assert out.getvalue().count(": every") == 4  # finance, inventory, orders, promotions
