"""Closing (闭户): the live checklist, the actions that settle each item through the owning
apps' services, and completion refused while any item is open."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from qudao.core.errors import InvalidTransition, NotFound, PermissionDenied
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.dealers.constants import ClosingItem, Stage
from qudao.dealers.models import Dealer, Territory
from qudao.dealers.selectors.closing import closing_checklist
from qudao.dealers.services import closing as services
from qudao.dealers.services._common import DealerInvalid
from qudao.dealers.tests.factories import dealer_at
from qudao.finance import services as finance
from qudao.finance.models import LedgerEntry, Position
from qudao.inventory import services as inventory
from qudao.inventory.models import Serial
from qudao.inventory.services import Doc as StockDoc
from qudao.inventory.tests import factories as inv
from qudao.network.models import Membership, Org
from qudao.network.tests import factories as f
from qudao.orders import services as orders
from qudao.orders.services import ShipLine
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
ALL = list(ClosingItem.values)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


@pytest.fixture
def w(net, cat) -> of.World:
    return of.world(net, cat)


class Shop:
    """dealer1 with one of everything closing settles: a delivered order (2 serial-tracked
    bikes in its warehouse, 3600 owed on an invoice), an approved order not shipped, 1000
    prepaid, 300 rebate, 5000 deposit, an extra user and an exclusive territory."""

    def __init__(self, w: of.World) -> None:
        net = w.net
        self.w, self.net = w, net
        self.delivered = of.placed(w, [("TB-S1-GRY", 2)])
        line = self.delivered.lines.get()
        shipment = orders.shipment_post(
            actor=w.clerk,
            order=self.delivered,
            lines=[ShipLine(line.pk, 2, ["GRY000001", "GRY000002"])],
        )
        orders.receipt_confirm(actor=w.buyer, shipment=shipment)
        self.approved = of.placed(w, [("BP-01-STD", 1, "箱")])
        of.top_up(w, "1000")
        of.rebate(w, "300")
        finance.deposit_receive(actor=w.fin, position=of.position(w), amount="5000", memo="保证金")
        self.clerk = f.member(net.dealer1, "warehouse_clerk", username="dl1-clerk")
        self.territory = Territory.objects.create(
            org=net.dealer1, district_id="330105", exclusive=True
        )
        # the record made for the org when it was created, where outbox handlers ran
        found = Dealer.objects.filter(org=net.dealer1).first()
        self.dealer = found or dealer_at(net.hq, Stage.ACTIVE, org=net.dealer1)


@pytest.fixture
def shop(w) -> Shop:
    return Shop(w)


def _start(shop: Shop) -> Dealer:
    return services.closing_start(actor=shop.net.admin, dealer=shop.dealer, reason="经营不善")


def _numbers(dealer: Dealer) -> dict[str, tuple[bool, dict[str, Any]]]:
    return {i.code: (i.done, i.numbers) for i in closing_checklist(dealer=dealer).items}


def _state() -> tuple[Any, ...]:
    return (
        list(Dealer.objects.order_by("pk").values_list("pk", "stage", "reason")),
        list(Org.objects.order_by("pk").values_list("pk", "status", "holds")),
        list(Membership.objects.order_by("pk").values_list("pk", "is_active")),
        list(Territory.objects.order_by("pk").values_list("pk", "released_at")),
        list(
            Position.objects.order_by("pk").values_list(
                "pk", "prepaid_balance", "rebate_balance", "receivable_balance", "deposit_balance"
            )
        ),
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
        inv.state(),
    )


# --- the checklist --------------------------------------------------------------------------


def test_checklist_reads_every_item_with_its_numbers(shop):
    assert _numbers(shop.dealer) == {
        "orders": (False, {"orders": 2, "returns": 0}),
        "receivables": (False, {"receivable": D("3600.00"), "sellers": 1}),
        "balances": (False, {"prepaid": D("1000.00"), "rebate": D("300.00")}),
        "deposit": (False, {"deposit": D("5000.00")}),
        "stock": (False, {"units": 2, "in_transit": 0, "reserved": 0, "warehouses": 1}),
        "serials": (False, {"serials": 2}),
        "users": (False, {"users": 2}),
        "territory": (False, {"territories": 1}),
    }
    checklist = closing_checklist(dealer=shop.dealer)
    assert [o.number for o in checklist.orders] == [shop.delivered.number, shop.approved.number]
    assert checklist.parent == shop.net.dist1
    assert [wh.code for wh in checklist.parent_warehouses] == ["D1-MAIN"]
    assert checklist.open_items == ALL


def test_checklist_runs_a_constant_number_of_queries(shop):
    with CaptureQueriesContext(connection) as small:
        closing_checklist(dealer=shop.dealer)
    # more of everything: orders, a second warehouse with stock, users, territories
    w = shop.w
    of.placed(w, [("BP-01-STD", 2, "箱")])
    second = inv.warehouse(shop.net.dealer1, "DL1-BACK", name="迅达后仓")
    inv.receive(second, (w.pad, 7))
    f.member(shop.net.dealer1, "technician", username="dl1-tech")
    Territory.objects.create(org=shop.net.dealer1, district_id="330106", exclusive=False)
    with CaptureQueriesContext(connection) as big:
        checklist = closing_checklist(dealer=shop.dealer)
    assert len(big) == len(small) == 11
    assert checklist.item("orders").numbers["orders"] == 3
    assert checklist.item("stock").numbers == {
        "units": 9,
        "in_transit": 0,
        "reserved": 0,
        "warehouses": 2,
    }


def test_a_dealer_without_org_has_nothing_to_settle(net):
    dealer = dealer_at(net.hq, Stage.ONBOARDING)
    checklist = closing_checklist(dealer=dealer)
    assert checklist.open_items == []
    assert checklist.can_complete


# --- start ----------------------------------------------------------------------------------


def test_start_puts_the_closing_hold_and_ordering_stops(shop):
    dealer = _start(shop)
    assert dealer.stage == Stage.CLOSING
    assert dealer.reason == "经营不善"
    org = Org.objects.get(pk=shop.net.dealer1.pk)
    assert org.holds == ["closing"]
    assert org.status == "active"
    assert list(
        AuditEvent.objects.filter(action__in=["dealer.closing_started", "org.hold_set"])
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["dealer.closing_started", "org.hold_set"]
    assert OutboxEvent.objects.filter(topic="dealer.closing_started").count() == 1
    with pytest.raises(orders.OrgNotActive) as refused:
        of.draft(shop.w)
    assert refused.value.code == "buyer_on_hold"


def test_start_refusals_write_nothing(shop, net):
    prospect = dealer_at(net.hq, Stage.PROSPECT)
    before = _state()
    with pytest.raises(DealerInvalid) as no_reason:
        services.closing_start(actor=net.admin, dealer=shop.dealer, reason="  ")
    assert no_reason.value.code == "reason_required"
    with pytest.raises(NotFound):
        services.closing_start(actor=net.dealer3_admin, dealer=shop.dealer, reason="x")
    with pytest.raises(PermissionDenied):
        services.closing_start(actor=net.dealer1_admin, dealer=shop.dealer, reason="x")
    with pytest.raises(InvalidTransition):
        services.closing_start(actor=net.admin, dealer=prospect, reason="x")
    assert _state() == before


def test_actions_need_a_closing_dealer(shop, net):
    before = _state()
    with pytest.raises(services.NotClosing) as refused:
        services.closing_territory_release(actor=net.admin, dealer=shop.dealer)
    assert refused.value.code == "not_closing"
    assert _state() == before


# --- the whole closing ----------------------------------------------------------------------


def test_complete_is_refused_until_every_item_is_settled_then_closes(shop, net):
    w, admin = shop.w, net.admin
    _start(shop)
    before = _state()
    with pytest.raises(services.ClosingItemsOpen) as refused:
        services.closing_complete(actor=admin, dealer=shop.dealer)
    assert refused.value.code == "closing_items_open"
    assert refused.value.fields == {"items": ALL}
    assert _state() == before

    # open orders: resolved by their users in orders
    orders.order_complete(actor=w.buyer, order=shop.delivered)
    orders.order_cancel_by_seller(actor=w.seller_admin, order=shop.approved, reason="闭户")
    # money: 1000 prepaid offsets 1000 of the 3600 owed; finance records the rest paid
    services.closing_receivables_offset(actor=admin, dealer=shop.dealer)
    position = of.position(w)
    assert (position.prepaid_balance, position.receivable_balance) == (D("0.00"), D("2600.00"))
    finance.payment_record(
        actor=w.fin,
        position=position,
        amount="2600",
        method="bank_transfer",
        received_on=timezone.localdate(),
    )
    services.closing_rebate_settle(actor=admin, dealer=shop.dealer, mode="write_off")
    services.closing_deposit_refund(actor=admin, dealer=shop.dealer, penalty="500")
    # stock with its serials back to dist1's warehouse
    services.closing_stock_transfer(actor=admin, dealer=shop.dealer)
    assert services.closing_users_deactivate(actor=admin, dealer=shop.dealer) == 2
    assert services.closing_territory_release(actor=admin, dealer=shop.dealer) == 1

    checklist = closing_checklist(dealer=shop.dealer)
    assert checklist.open_items == []
    position.refresh_from_db()
    assert (
        position.prepaid_balance,
        position.rebate_balance,
        position.receivable_balance,
        position.deposit_balance,
    ) == (D("0.00"),) * 4

    dealer = services.closing_complete(actor=admin, dealer=shop.dealer)
    assert dealer.stage == Stage.CLOSED
    org = Org.objects.get(pk=net.dealer1.pk)
    assert org.status == "closed"
    assert AuditEvent.objects.filter(action="dealer.closed").count() == 1
    assert OutboxEvent.objects.filter(topic="org.status_changed").count() == 1


# --- each action ----------------------------------------------------------------------------


def test_offset_then_refund_the_prepaid_balance(shop, net):
    _start(shop)
    of.top_up(shop.w, "4000")  # 5000 prepaid against 3600 owed
    payments = services.closing_receivables_offset(actor=net.admin, dealer=shop.dealer)
    assert [(p.method, p.amount) for p in payments] == [("offset", D("3600.00"))]
    entries = services.closing_prepaid_refund(actor=net.admin, dealer=shop.dealer, memo="退款")
    assert [(e.account, e.kind, e.amount, e.memo) for e in entries] == [
        ("prepaid", "refund", D("-1400.00"), "退款")
    ]
    done = _numbers(shop.dealer)
    assert done["receivables"] == (True, {"receivable": D("0.00"), "sellers": 0})
    assert done["balances"] == (False, {"prepaid": D("0.00"), "rebate": D("300.00")})
    with pytest.raises(services.NothingToSettle) as again:
        services.closing_prepaid_refund(actor=net.admin, dealer=shop.dealer)
    assert again.value.code == "nothing_to_settle"


def test_rebate_paid_out_goes_through_prepaid_and_back(shop, net):
    _start(shop)
    services.closing_rebate_settle(actor=net.admin, dealer=shop.dealer, mode="pay_out")
    entries = LedgerEntry.objects.filter(position=of.position(shop.w)).order_by("-id")[:3]
    assert [(e.account, e.kind, e.amount) for e in reversed(entries)] == [
        ("rebate", "adjustment", D("-300.00")),
        ("prepaid", "adjustment", D("300.00")),
        ("prepaid", "refund", D("-300.00")),
    ]
    position = of.position(shop.w)
    assert (position.rebate_balance, position.prepaid_balance) == (D("0.00"), D("1000.00"))
    with pytest.raises(DealerInvalid) as bad:
        services.closing_rebate_settle(actor=net.admin, dealer=shop.dealer, mode="keep")
    assert bad.value.code == "invalid"


def test_deposit_refunded_net_of_the_penalty(shop, net):
    _start(shop)
    before = _state()
    with pytest.raises(DealerInvalid) as too_much:
        services.closing_deposit_refund(actor=net.admin, dealer=shop.dealer, penalty="5000.01")
    assert too_much.value.code == "penalty_exceeds_deposit"
    with pytest.raises(DealerInvalid) as negative:
        services.closing_deposit_refund(actor=net.admin, dealer=shop.dealer, penalty="-1")
    assert negative.value.code == "invalid_amount"
    assert _state() == before
    entries = services.closing_deposit_refund(actor=net.admin, dealer=shop.dealer, penalty="750.50")
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        ("deposit_refund", D("-4249.50"), D("750.50")),
        ("deposit_penalty", D("-750.50"), D("0.00")),
    ]
    assert AuditEvent.objects.get(action="dealer.closing_deposit_refunded").changes == {
        "seller": [None, "杭州绿源车业有限公司"],
        "refund": [None, "4249.50"],
        "penalty": [None, "750.50"],
    }


def test_a_huge_penalty_is_refused_not_a_server_error(client, shop, net):
    """Found by the API fuzz: rounding 1.8e291 to cents raised InvalidOperation (a 500)."""
    _start(shop)
    before = _state()
    client.force_login(net.admin)
    response = client.post(
        f"/api/v1/dealers/{shop.dealer.pk}/closing/deposit-refund",
        '{"penalty": 1.8453050614640122e+291}',
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_amount")
    assert list(response.json()["error"]["fields"]) == ["penalty"]
    assert _state() == before


def test_finance_refuses_a_channel_manager_without_the_finance_right(shop, net, channel):
    _start(shop)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.closing_deposit_refund(actor=channel, dealer=shop.dealer)
    with pytest.raises(PermissionDenied):
        services.closing_stock_transfer(actor=channel, dealer=shop.dealer)
    assert _state() == before
    # what the channel manager may do: users (member management) and territory
    assert services.closing_territory_release(actor=channel, dealer=shop.dealer) == 1


def test_stock_goes_back_to_the_parent_with_its_serials(shop, net):
    _start(shop)
    before_parent = inv.balance(shop.w.seller_wh, shop.w.grey)
    # a sale of the dealer to its store holds a bike: refused until that order is resolved
    sale = StockDoc("order", "999", "SO-TEST")
    inventory.stock_reserve(
        actor=net.admin, warehouse=shop.w.buyer_wh, lines=[(shop.w.grey, 1)], doc=sale
    )
    before = _state()
    with pytest.raises(services.DealerConflict) as reserved:
        services.closing_stock_transfer(actor=net.admin, dealer=shop.dealer)
    assert reserved.value.code == "stock_reserved"
    assert _state() == before
    inventory.stock_release(actor=net.admin, doc=sale)
    transits = services.closing_stock_transfer(actor=net.admin, dealer=shop.dealer)
    for transit in transits:
        transit.refresh_from_db()
    assert [(t.kind, t.status, t.doc_type, t.doc_number) for t in transits] == [
        ("return", "received", "dealer_closing", shop.dealer.number)
    ]
    assert inv.balance(shop.w.buyer_wh, shop.w.grey) == (0, 0, 0)
    assert inv.balance(shop.w.seller_wh, shop.w.grey) == (
        before_parent[0] + 2,
        before_parent[1],
        0,
    )
    assert sorted(
        Serial.objects.filter(serial__in=["GRY000001", "GRY000002"]).values_list(
            "serial", "status", "warehouse_id", "holder_id"
        )
    ) == [
        ("GRY000001", "returned", shop.w.seller_wh.pk, net.dist1.pk),
        ("GRY000002", "returned", shop.w.seller_wh.pk, net.dist1.pk),
    ]
    done = _numbers(shop.dealer)
    assert done["stock"][0] and done["serials"] == (True, {"serials": 0})


def test_stock_into_a_warehouse_not_of_the_parent_is_refused(shop, net):
    _start(shop)
    other = inv.warehouse(net.dist2, "GZ-WH", name="广州仓")
    before = _state()
    with pytest.raises(DealerInvalid) as refused:
        services.closing_stock_transfer(actor=net.admin, dealer=shop.dealer, warehouse=other)
    assert refused.value.code == "warehouse_required"
    assert _state() == before


def test_users_deactivated_and_territory_released(shop, net):
    _start(shop)
    services.closing_users_deactivate(actor=net.admin, dealer=shop.dealer)
    assert list(Membership.objects.filter(org=net.dealer1).values_list("is_active", flat=True)) == [
        False,
        False,
    ]
    services.closing_territory_release(actor=net.admin, dealer=shop.dealer)
    shop.territory.refresh_from_db()
    assert shop.territory.released_at is not None
    # the district is free for another dealer's exclusive right
    Territory.objects.create(org=net.dealer2, district_id="330105", exclusive=True)
    assert AuditEvent.objects.get(action="dealer.closing_territory_released").changes == {
        "territories": [None, [["330105", None, True]]]
    }


# --- API and page ---------------------------------------------------------------------------


def test_api_checklist_start_and_refused_complete(client, shop, net):
    client.force_login(net.admin)
    url = f"/api/v1/dealers/{shop.dealer.pk}/closing"
    body = client.get(url).json()
    assert body["stage"] == "active"
    assert body["open_items"] == ALL
    assert body["items"][1]["numbers"] == {"receivable": "3600.00", "sellers": 1}
    assert body["parent_id"] == net.dist1.pk
    started = client.post(f"{url}/start", {"reason": "经营不善"}, content_type="application/json")
    assert started.status_code == 200
    assert started.json()["stage"] == "closing"
    refused = client.post(f"{url}/complete", {}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "closing_items_open"
    assert refused.json()["error"]["fields"] == {"items": ALL}
    deposit = client.post(
        f"{url}/deposit-refund", {"penalty": "100.00"}, content_type="application/json"
    )
    assert deposit.status_code == 200
    item = deposit.json()["items"][3]
    assert (item["code"], item["done"], item["numbers"]) == ("deposit", True, {"deposit": "0.00"})
    assert item["label"] and item["who"]


def test_api_outsiders_get_404(client, shop, net):
    client.force_login(net.dealer3_admin)
    url = f"/api/v1/dealers/{shop.dealer.pk}/closing"
    assert client.get(url).status_code == 404
    r = client.post(f"{url}/territory-release", {}, content_type="application/json")
    assert r.status_code == 404


def test_page_shows_the_checklist_and_runs_an_action(client, shop, net):
    _start(shop)
    client.force_login(net.admin)
    url = f"/dealers/{shop.dealer.pk}/closing/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="item-territory" data-done="0"' in html
    assert shop.delivered.number in html
    assert "¥3600.00" in html
    done = client.post(f"{url}territory-release/")
    assert done.status_code == 302
    assert 'data-testid="item-territory" data-done="1"' in client.get(url).content.decode()
    refused = client.post(f"{url}complete/", follow=True)
    assert "Closing cannot complete while items are open" in refused.content.decode()
    assert Dealer.objects.get(pk=shop.dealer.pk).stage == Stage.CLOSING


def test_page_is_404_for_outsiders(client, shop, net):
    client.force_login(net.dealer3_admin)
    assert client.get(f"/dealers/{shop.dealer.pk}/closing/").status_code == 404
    assert client.post(f"/dealers/{shop.dealer.pk}/closing/complete/").status_code == 404
