"""Drafts: lines from SKU codes in sales units, priced for the buyer; bad lines refused with
their codes and nothing written; orders on behalf; reorder."""

from decimal import Decimal

import pytest

from qudao.catalog.models import Sku
from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.models import AuditEvent
from qudao.network import services as network
from qudao.network.tests import factories as f
from qudao.network.tests.factories import system_actor
from qudao.orders import services
from qudao.orders.engine import LineIn, parse_pasted_lines
from qudao.orders.models import OrderLine
from qudao.orders.services import LinesRejected, OrderNotDraft, OrgNotActive
from qudao.orders.tests import factories as of
from qudao.pricing.selectors import NotASeller

pytestmark = pytest.mark.django_db
D = Decimal


def test_draft_prices_lines_in_base_units_with_their_source(w):
    order = of.draft(w, note=" 周末到货 ")
    assert (order.status, order.number[:8], order.note) == ("draft", "SO-2026-"[:8], "周末到货")
    assert order.placed_by == w.buyer and order.on_behalf is False
    assert (order.list_amount, order.discount_amount, order.amount) == (
        D("4360.00"),
        D("400.00"),
        D("3960.00"),
    )
    assert order.discount_pct == D("9.17")
    rows = list(
        OrderLine.objects.filter(order=order)
        .order_by("line_no")
        .values_list(
            "line_no",
            "sku__code",
            "unit",
            "unit_qty",
            "unit_factor",
            "qty",
            "unit_price",
            "list_price",
            "price_source",
            "list_amount",
            "amount",
        )
    )
    assert rows == [
        (
            1,
            "TB-S1-GRY",
            "辆",
            2,
            1,
            2,
            D("1800.00"),
            D("2000.00"),
            "D1-XD · Named buyer 杭州迅达电动车行",
            D("4000.00"),
            D("3600.00"),
        ),
        (
            2,
            "BP-01-STD",
            "箱",
            1,
            12,
            12,
            D("30.00"),
            D("30.00"),
            "D1-STD · Default",
            D("360.00"),
            D("360.00"),
        ),
    ]
    # nothing held by a draft: no money, no stock
    assert of.money_state(w) == (D("0.00"),) * 4
    assert AuditEvent.objects.filter(action="order.created", object_id=str(order.pk)).count() == 1


def test_repeated_skus_add_up_and_breaks_apply_on_the_total(w):
    order = of.draft(w, [("BP-01-STD", 1, "箱"), ("BP-01-STD", 1, "箱"), (" BP-01-STD ", 3)])
    assert order.lines.count() == 1
    # the same SKU in two units is counted in its base unit; 27 units reach the 24 break
    line = order.lines.get()
    assert (line.unit, line.unit_qty, line.qty, line.unit_price) == ("套", 27, 27, D("28.00"))
    assert line.amount == D("756.00")
    again = of.draft(w, [("BP-01-STD", 1, "箱"), ("BP-01-STD", 2, "箱")]).lines.get()
    assert (again.unit, again.unit_qty, again.qty) == ("箱", 3, 36)
    assert line.price_source == "D1-STD · Default · from 24 units"


def test_sku_codes_are_exact(w):
    # codes are matched as typed (trimmed): a lower-case code is unknown
    with pytest.raises(LinesRejected) as err:
        of.draft(w, [("tb-s1-gry", 1)])
    assert err.value.code == "unknown_sku"


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([("NOPE-1", 1)], "unknown_sku"),
        ([("TB-S1-GRY", 0)], "qty_not_positive"),
        ([("TB-S1-GRY", -2)], "qty_not_positive"),
        ([("TB-S1-GRY", "1.5")], "invalid_qty"),
        ([("TB-S1-GRY", "两")], "invalid_qty"),
        ([("BP-01-STD", 1, "托")], "unknown_unit"),
        ([("TB-S1-GRY", 2_000_000)], "qty_too_large"),
        ([], "no_lines"),
        ([("TB-S1-GRY", 1), ("NOPE-1", 1), ("BP-01-STD", 0)], "lines_invalid"),
    ],
)
def test_bad_lines_are_refused_with_their_code_and_nothing_written(w, lines, code):
    before = of.state()
    with pytest.raises(LinesRejected) as err:
        of.draft(w, lines)
    assert err.value.code == code
    assert of.state() == before


def test_every_bad_line_is_named(w):
    with pytest.raises(LinesRejected) as err:
        of.draft(w, [("TB-S1-GRY", 1), ("NOPE-1", 1), ("BP-01-STD", 0)])
    assert [(p.code, p.row, p.sku) for p in err.value.problems] == [
        ("unknown_sku", 2, "NOPE-1"),
        ("qty_not_positive", 3, "BP-01-STD"),
    ]


def test_a_sku_sold_in_whole_cartons_refuses_other_quantities(w):
    # BP-01-STD packs 12 to a 箱; the brand now sells it only in whole cartons
    Sku.objects.filter(pk=w.pad.pk).update(order_multiple=12)
    before = of.state()
    with pytest.raises(LinesRejected) as err:
        of.draft(w, [("TB-S1-GRY", 1), ("BP-01-STD", 1, "箱"), ("BP-01-STD", 5)])
    assert err.value.code == "not_order_multiple"
    assert [(p.code, p.sku, p.message) for p in err.value.problems] == [
        (
            "not_order_multiple",
            "BP-01-STD",
            "BP-01-STD is sold in multiples of 12 套: 17 is not one.",
        )
    ]
    assert of.state() == before
    line = of.draft(w, [("BP-01-STD", 1, "箱"), ("BP-01-STD", 12)]).lines.get()
    assert (line.unit, line.unit_qty, line.qty) == ("套", 24, 24)


def test_a_sku_the_seller_does_not_offer_this_buyer_is_refused(w, net, cat):
    from qudao.catalog.tests import factories as cf

    unpriced = cf.sku(code="NO-PRICE", status="on_sale")
    before = of.state()
    with pytest.raises(LinesRejected) as err:
        of.draft(w, [("TB-S1-GRY", 1), (unpriced.code, 1)])
    assert err.value.code == "sku_not_sold"
    assert [p.sku for p in err.value.problems] == ["NO-PRICE"]
    assert of.state() == before


def test_a_sku_not_on_sale_is_not_sold(w):
    # 珍珠白 is priced but its SKU is still a draft in the catalogue
    assert w.white.status == "draft"
    with pytest.raises(LinesRejected) as err:
        of.draft(w, [("TB-S1-WHT", 1)])
    assert err.value.code == "sku_not_sold"


def test_a_suspended_buyer_cannot_order(w, net):
    network.org_update(actor=system_actor(), org=net.dealer1, data={"status": "suspended"})
    before = of.state()
    with pytest.raises(OrgNotActive) as err:
        of.draft(w)
    assert err.value.code == "buyer_not_active"
    assert of.state() == before


def test_a_buyer_orders_only_from_its_sellers(w, net):
    # dealer3 (under 广州一级) has no supply link to dist1
    with pytest.raises(NotASeller) as err:
        services.order_draft_create(
            actor=net.dealer3_admin, buyer=net.dealer3, seller=net.dist1, lines=of.CART
        )
    assert err.value.code == "not_a_seller_of_buyer"


def test_orders_for_another_buyer_are_out_of_scope(w, net):
    with pytest.raises(NotFound):
        services.order_draft_create(
            actor=net.dealer2_admin, buyer=net.dealer1, seller=net.dist1, lines=of.CART
        )


def test_a_warehouse_clerk_does_not_place_orders(w, net):
    clerk = f.member(net.dealer1, "warehouse_clerk", username="dl1-clerk")
    with pytest.raises(PermissionDenied):
        of.draft(w, actor=clerk)


def test_orders_on_behalf_are_recorded_as_such(w, net):
    by_sales = of.draft(w, actor=w.sales)
    by_seller = of.draft(w, actor=w.seller_admin)
    assert (by_sales.on_behalf, by_sales.placed_by) == (True, w.sales)
    assert (by_seller.on_behalf, by_seller.placed_by) == (True, w.seller_admin)
    event = AuditEvent.objects.get(action="order.created", object_id=str(by_sales.pk))
    assert event.changes["on_behalf"] == [None, True]
    assert event.actor == w.sales


def test_draft_update_reprices_and_records_the_change(w):
    order = of.draft(w)
    order = services.order_draft_update(
        actor=w.buyer, order=order, lines=[("TB-S1-GRY", 3)], use_rebate=True, note="加急"
    )
    assert (order.amount, order.use_rebate, order.note) == (D("5400.00"), True, "加急")
    assert list(order.lines.values_list("sku__code", "qty")) == [("TB-S1-GRY", 3)]
    event = AuditEvent.objects.get(action="order.updated", object_id=str(order.pk))
    assert event.changes["lines"] == [[["TB-S1-GRY", 2], ["BP-01-STD", 12]], [["TB-S1-GRY", 3]]]
    assert event.changes["amount"] == ["3960.00", "5400.00"]


def test_only_drafts_change(w):
    order = of.placed(w)
    with pytest.raises(OrderNotDraft):
        services.order_draft_update(actor=w.buyer, order=order, note="x")


def test_reorder_copies_a_past_order_at_todays_prices(w):
    from qudao.pricing import services as pricing

    past = of.placed(w)
    pricing.price_list_set_items(
        actor=system_actor(),
        price_list=w.own,
        rows=[{"sku_id": w.grey.pk, "min_qty": 1, "price": D("1750")}],
    )
    result = services.order_reorder(actor=w.buyer, order=past)
    assert result.skipped == []
    again = result.order
    assert again.status == "draft" and again.pk != past.pk
    assert list(
        again.lines.order_by("line_no").values_list("sku__code", "unit", "unit_qty", "unit_price")
    ) == [
        ("TB-S1-GRY", "辆", 2, D("1750.00")),
        ("BP-01-STD", "箱", 1, D("30.00")),
    ]
    assert AuditEvent.objects.filter(action="order.reordered", object_id=str(again.pk)).exists()


def test_reorder_leaves_out_what_is_no_longer_offered(w):
    from qudao.pricing import services as pricing

    past = of.placed(w)
    item = w.std.items.get(sku=w.pad, min_qty=1)
    pricing.price_list_remove_item(actor=system_actor(), price_list=w.std, item_id=item.pk)
    item = w.std.items.get(sku=w.pad, min_qty=24)
    pricing.price_list_remove_item(actor=system_actor(), price_list=w.std, item_id=item.pk)
    result = services.order_reorder(actor=w.buyer, order=past)
    assert result.skipped == ["BP-01-STD"]
    assert list(result.order.lines.values_list("sku__code", flat=True)) == ["TB-S1-GRY"]


def test_pasted_lists_become_lines():
    text = "TB-S1-GRY 2\n\nBP-01-STD，1，箱\nJUNK"
    assert parse_pasted_lines(text) == [
        LineIn("TB-S1-GRY", "2", ""),
        LineIn("BP-01-STD", "1", "箱"),
        LineIn("JUNK", "", ""),
    ]
