"""Order pages: the portal (catalogue, paste, draft, submit, on behalf), list and detail for
both sides, the approval inbox, shipping with serials, receipt and returns. Asserts data,
context and status codes, not translated labels."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from qudao.core.dashboard import widgets_for
from qudao.core.navigation import entries_for
from qudao.inventory.tests import factories as inv
from qudao.orders import services
from qudao.orders.models import Order, ReturnRequest, Shipment
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
PASTE = "TB-S1-GRY 2\nBP-01-STD，1，箱"


def _new_url(w):  # type: ignore[no-untyped-def]
    return reverse("orders:order_new", args=[w.net.dist1.pk])


def _hold_over(w, amount):  # type: ignore[no-untyped-def]
    services.approval_rule_set(
        actor=w.seller_admin,
        seller=w.net.dist1,
        data={"amount_enabled": True, "amount_threshold": amount},
    )


# --- portal ---------------------------------------------------------------------------------


def test_start_lists_the_sellers_of_each_buyer(client, w):
    client.force_login(w.buyer)
    response = client.get(reverse("orders:order_start"))
    assert response.status_code == 200
    pairs = {buyer.code: [s.code for s in sellers] for buyer, sellers in response.context["pairs"]}
    assert w.net.dist1.code in pairs[w.net.dealer1.code]


def test_catalogue_shows_own_prices_units_and_stock_states(client, w):
    client.force_login(w.buyer)
    response = client.get(_new_url(w))
    assert response.status_code == 200
    rows = {sku.code: (line.price, state) for sku, line, state in response.context["rows"]}
    # 5 grey bikes are fewer than LOW_STOCK_UNITS; 100 pads are plenty
    assert rows["TB-S1-GRY"] == (D("1800.00"), "low")
    assert rows["BP-01-STD"] == (D("30.00"), "in_stock")
    assert response.context["on_behalf"] is False
    assert 'name="unit_BP-01-STD"' in response.content.decode()


def test_draft_from_pasted_lines_and_boxes_then_preview(client, w):
    client.force_login(w.buyer)
    response = client.post(
        _new_url(w), {"lines": "TB-S1-GRY 2", "qty_BP-01-STD": "1", "unit_BP-01-STD": "箱"}
    )
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:order_detail", args=[order.pk])
    assert (order.status, order.amount, order.on_behalf) == ("draft", of.CART_AMOUNT, False)
    page = client.get(response["Location"])
    preview = page.context["preview"]
    assert (preview.amount, preview.split.credit) == (of.CART_AMOUNT, of.CART_AMOUNT)
    assert preview.available_credit_after == D("10000.00") - of.CART_AMOUNT
    assert preview.holds == [] and preview.problems == []
    assert page.context["actions"] >= {"submit", "edit", "cancel"}


def test_bad_paste_comes_back_bound_and_writes_nothing(client, w):
    client.force_login(w.buyer)
    before = of.state()
    response = client.post(_new_url(w), {"lines": "TB-S1-GRY 2\nNOPE-1 3\nBP-01-STD -1"})
    assert response.status_code == 400
    errors = response.context["form"].errors["lines"]
    assert len(errors) == 2 and any("NOPE-1" in e for e in errors)
    assert response.context["form"].data["lines"].startswith("TB-S1-GRY")
    assert of.state() == before


def test_outsider_seller_is_404_and_reader_is_403(client, w, net):
    client.force_login(w.buyer)
    assert client.get(reverse("orders:order_new", args=[net.dist2.pk])).status_code == 404
    client.force_login(w.clerk)  # the seller's warehouse clerk does not order for dealer1
    assert client.get(f"{_new_url(w)}?buyer={net.dealer1.pk}").status_code == 403


def test_edit_submit_is_idempotent_and_held_over_the_threshold(client, w):
    _hold_over(w, "1000")
    order = of.draft(w)
    client.force_login(w.buyer)
    edit = client.post(
        reverse("orders:order_edit", args=[order.pk]),
        {
            f"line_{order.lines.get(sku=w.grey).pk}": "1",
            f"line_{order.lines.get(sku=w.pad).pk}": "0",
            "lines": "BP-01-STD 2",
            "note": "急",
        },
    )
    assert edit.status_code == 302, edit.context["draft_form"].errors
    order.refresh_from_db()
    assert (order.amount, order.note) == (D("1860.00"), "急")
    url = reverse("orders:order_submit", args=[order.pk])
    assert client.post(url).status_code == 302
    order.refresh_from_db()
    assert order.status == "pending_approval"
    assert list(order.holds.values_list("code", flat=True)) == ["amount_over_threshold"]
    before = of.state()
    assert client.post(url).status_code == 302  # a second submit changes nothing
    assert of.state() == before


def test_order_on_behalf_by_a_salesperson(client, w):
    client.force_login(w.sales)
    url = f"{_new_url(w)}?buyer={w.net.dealer1.pk}"
    assert client.get(url).context["on_behalf"] is True
    assert client.post(url, {"lines": PASTE}).status_code == 302
    order = Order.objects.get()
    assert (order.buyer, order.on_behalf, order.placed_by) == (w.net.dealer1, True, w.sales)


def test_reorder_makes_a_new_draft(client, w):
    order = of.placed(w)
    client.force_login(w.buyer)
    response = client.post(reverse("orders:order_reorder", args=[order.pk]))
    new = Order.objects.exclude(pk=order.pk).get()
    assert response["Location"] == reverse("orders:order_detail", args=[new.pk])
    assert (new.status, new.amount) == ("draft", order.amount)


# --- list, detail, approval -----------------------------------------------------------------


def test_list_filters_and_export(client, w):
    _hold_over(w, "3000")
    held = of.placed(w)
    approved = of.placed(w, [("BP-01-STD", 2)])
    client.force_login(w.seller_admin)
    listed = client.get(reverse("orders:order_list"), {"status": "pending_approval"})
    assert [o.pk for o in listed.context["page"].object_list] == [held.pk]
    by_sku = client.get(reverse("orders:order_list"), {"sku": "BP-01-STD", "side": "selling"})
    assert {o.pk for o in by_sku.context["page"].object_list} == {held.pk, approved.pk}
    by_buyer = client.get(reverse("orders:order_list"), {"buyer": w.net.dealer2.pk})
    assert list(by_buyer.context["page"].object_list) == []
    export = client.get(reverse("orders:order_export"), {"status": "approved"})
    assert export.status_code == 200
    import io

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == approved.number and rows[1][5] == 60.0


def test_order_list_runs_a_constant_number_of_queries(client, w):
    client.force_login(w.seller_admin)
    of.placed(w, [("BP-01-STD", 1)])
    url = reverse("orders:order_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        of.placed(w, [("BP-01-STD", 1)])
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 4
    assert len(four) == len(one)


def test_approval_inbox_approve_and_reject(client, w):
    _hold_over(w, "100")
    first, second = of.placed(w), of.placed(w, [("BP-01-STD", 5)])
    client.force_login(w.seller_admin)
    inbox = client.get(reverse("orders:approval_inbox"))
    assert [o.pk for o in inbox.context["page"].object_list] == [first.pk, second.pk]
    assert any(wd.value == 2 for wd in widgets_for(w.seller_admin))
    assert "/orders/" in [e.url for e in entries_for(w.seller_admin)]

    before = of.state()
    refused = client.post(reverse("orders:order_reject", args=[second.pk]), {"comment": ""})
    assert refused.status_code == 400 and "comment" in refused.context["reject_form"].errors
    assert of.state() == before

    inbox_url = reverse("orders:approval_inbox")
    done = client.post(
        reverse("orders:order_approve", args=[first.pk]), {"comment": "ok", "next": inbox_url}
    )
    assert done["Location"] == inbox_url
    client.post(reverse("orders:order_reject", args=[second.pk]), {"comment": "太多"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decision_comment) == ("approved", "ok")
    assert (second.status, second.decision_comment) == ("rejected", "太多")


def test_buyer_may_not_approve(client, w):
    _hold_over(w, "100")
    order = of.placed(w)
    client.force_login(w.buyer)
    before = of.state()
    assert client.post(reverse("orders:order_approve", args=[order.pk])).status_code == 403
    assert of.state() == before


def test_detail_shows_holds_and_timeline_and_cancels(client, w):
    _hold_over(w, "100")
    order = of.placed(w)
    client.force_login(w.buyer)
    page = client.get(reverse("orders:order_detail", args=[order.pk]))
    assert [h.code for h in page.context["d"].holds] == ["amount_over_threshold"]
    assert {e.action for e in page.context["audit"]} >= {"order.created", "order.held"}
    assert "cancel" in page.context["actions"] and "approve" not in page.context["actions"]
    client.post(reverse("orders:order_cancel", args=[order.pk]), {"reason": "不要了"})
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_seller_cancel_needs_a_reason(client, w):
    order = of.placed(w)
    client.force_login(w.seller_admin)
    url = reverse("orders:order_cancel_by_seller", args=[order.pk])
    before = of.state()
    assert client.post(url, {"reason": ""}).status_code == 400
    assert of.state() == before
    client.post(url, {"reason": "缺货"})
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "缺货")


# --- shipping, receipt, returns -------------------------------------------------------------


def _ship_data(order, grey_serials, grey_qty=2, pads=12):  # type: ignore[no-untyped-def]
    grey = order.lines.get(sku__code="TB-S1-GRY")
    pad = order.lines.get(sku__code="BP-01-STD")
    return {
        f"qty_{grey.pk}": str(grey_qty),
        f"serials_{grey.pk}": grey_serials,
        f"qty_{pad.pk}": str(pads),
        "carrier": "德邦",
        "tracking_no": "DB001",
    }


def test_ship_with_serials_receive_and_return(client, w):
    order = of.placed(w)
    client.force_login(w.clerk)
    url = reverse("orders:order_ship", args=[order.pk])
    assert client.get(url).status_code == 200

    before = of.state()
    bad = client.post(url, _ship_data(order, "GRY000001\nWHT000001"))
    assert bad.status_code == 400
    assert "WHT000001" in str(bad.context["form"].errors)
    assert of.state() == before

    partial = client.post(url, _ship_data(order, "GRY000001", grey_qty=1, pads=0))
    assert partial.status_code == 302
    order.refresh_from_db()
    assert order.status == "partially_shipped"
    assert client.post(url, _ship_data(order, "GRY000002", grey_qty=1)).status_code == 302
    order.refresh_from_db()
    assert order.status == "shipped"
    assert inv.balance(w.seller_wh, w.grey)[0] == 3

    shipment = Shipment.objects.order_by("id").first()
    assert shipment is not None
    client.force_login(w.buyer)
    page = client.get(reverse("orders:shipment_detail", args=[shipment.pk]))
    assert page.context["can_receive"] is True
    line = shipment.lines.get()
    done = client.post(
        reverse("orders:shipment_receive", args=[shipment.pk]),
        {f"received_{line.pk}": "1", f"damaged_{line.pk}": "0", f"note_{line.pk}": ""},
    )
    assert done.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == "received"
    assert inv.balance(w.buyer_wh, w.grey)[0] == 1

    return_url = reverse("orders:return_new", args=[order.pk])
    assert client.get(return_url).status_code == 200
    grey = order.lines.get(sku=w.grey)
    data = {
        "kind": "return",
        "reason_code": "defective",
        "reason": "无法充电",
        f"qty_{grey.pk}": "1",
        f"serials_{grey.pk}": "GRY000001",
    }
    assert client.post(return_url, data).status_code == 302
    ret = ReturnRequest.objects.get()
    client.force_login(w.seller_admin)
    assert client.get(reverse("orders:return_detail", args=[ret.pk])).status_code == 200
    client.post(reverse("orders:return_approve", args=[ret.pk]), {"comment": "ok"})
    ret.refresh_from_db()
    assert ret.status == "approved"


def _shipped_pads(w, pads=12):  # type: ignore[no-untyped-def]
    order = of.placed(w, [("BP-01-STD", pads)])
    line = order.lines.get()
    return services.shipment_post(actor=w.clerk, order=order, lines=[(line.pk, pads)])


def test_shipment_and_return_lists_for_both_sides_in_constant_queries(client, w):
    first = _shipped_pads(w)
    services.receipt_confirm(actor=w.buyer, shipment=first)
    ret = services.return_request(
        actor=w.buyer,
        order=first.order,
        lines=[(first.order.lines.get().pk, 2)],
        reason_code="defective",
        reason="包装破损",
    )
    ships, returns = reverse("orders:shipment_list"), reverse("orders:return_list")

    client.force_login(w.clerk)
    with CaptureQueriesContext(connection) as one:
        page = client.get(ships)
    assert [s.number for s in page.context["page"].object_list] == [first.number]
    second = _shipped_pads(w, 24)
    with CaptureQueriesContext(connection) as two:
        page = client.get(ships)
    assert [s.number for s in page.context["page"].object_list] == [second.number, first.number]
    assert len(two) == len(one)

    client.force_login(w.buyer)
    to_receive = client.get(ships, {"side": "buying", "status": "posted"})
    assert [s.number for s in to_receive.context["page"].object_list] == [second.number]
    assert list(client.get(ships, {"side": "selling"}).context["page"].object_list) == []
    mine = client.get(returns, {"side": "buying", "status": "requested"})
    assert [r.number for r in mine.context["page"].object_list] == [ret.number]
    client.force_login(w.seller_admin)
    theirs = client.get(returns, {"side": "selling"})
    assert [r.number for r in theirs.context["page"].object_list] == [ret.number]
    assert list(client.get(returns, {"status": "received"}).context["page"].object_list) == []


def test_buyer_may_not_ship(client, w):
    order = of.placed(w)
    client.force_login(w.buyer)
    assert client.get(reverse("orders:order_ship", args=[order.pk])).status_code == 403


def test_seller_sets_its_approval_rules(client, net):
    from qudao.orders.models import ApprovalRule

    client.force_login(net.dealer1_admin)  # a dealer_admin sets its own org's rules
    page = client.get("/orders/rules/")
    assert page.status_code == 200
    assert page.context["seller"] == net.dealer1
    refused = client.post(
        "/orders/rules/",
        {
            "amount_enabled": "on",
            "amount_threshold": "",
            "rebate_cap_pct": "30",
            "auto_confirm_days": "7",
            "complete_after_days": "30",
            "discount_threshold_pct": "",
        },
    )
    assert refused.status_code == 400
    assert not ApprovalRule.objects.filter(seller=net.dealer1).exists()
    saved = client.post(
        "/orders/rules/",
        {
            "amount_enabled": "on",
            "amount_threshold": "5000",
            "first_order_enabled": "on",
            "rebate_cap_pct": "20",
            "auto_confirm_days": "5",
            "complete_after_days": "30",
            "discount_threshold_pct": "",
        },
    )
    assert saved.status_code == 302
    rule = ApprovalRule.objects.get(seller=net.dealer1)
    assert (rule.amount_enabled, str(rule.amount_threshold), rule.credit_hold_enabled) == (
        True,
        "5000.00",
        False,
    )
    assert (str(rule.rebate_cap_pct), rule.auto_confirm_days) == ("20.00", 5)
    client.force_login(net.region_east)  # approves, but sets no rules
    assert client.get("/orders/rules/").status_code == 403
