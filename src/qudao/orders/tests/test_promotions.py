"""Promotions in orders: the engine's adjustments stored on the lines, free goods as lines of
their own, caps consumed at submit and given back on cancel and rejection, coupons entered on
the draft, and a promotion that ended between the draft and the submit shown as a changed
price."""

from decimal import Decimal

import pytest

from qudao.core.errors import ValidationFailed
from qudao.network.tests.factories import system_actor
from qudao.orders import services
from qudao.orders.services import PricesChanged
from qudao.orders.tests import factories as of
from qudao.promotions import services as promotions
from qudao.promotions.models import Coupon
from qudao.promotions.tests.factories import live

pytestmark = pytest.mark.django_db
D = Decimal
SPEND = {"tiers": [{"threshold": "3000", "amount": "200"}]}  # 满3000减200


def _lines(order):  # type: ignore[no-untyped-def]
    return {(row.sku.code, row.gift_promotion_id): row for row in order.lines.all()}


def test_a_threshold_discount_is_on_the_lines_and_its_budget_comes_back_on_cancel(w):
    spend = live(
        w.net.dist1, "threshold_amount_off", SPEND, name="满3000减200", budget_amount="1000"
    )
    draft = of.draft(w)  # 2 bikes at 1800 and 12 pads at 30: 3960
    lines = _lines(draft)
    bikes, pads = lines[("TB-S1-GRY", None)], lines[("BP-01-STD", None)]
    # 200 split pro rata: 181.818… and 18.181…, the cent left over to the larger line
    assert (bikes.adjustment_amount, bikes.amount) == (D("-181.82"), D("3418.18"))
    assert (pads.adjustment_amount, pads.amount) == (D("-18.18"), D("341.82"))
    assert [(a.source, a.source_id, a.amount) for a in bikes.adjustments.all()] == [
        ("promotion", str(spend.pk), D("-181.82"))
    ]
    assert draft.amount == D("3760.00")
    assert draft.adjustment_amount == D("-200.00")

    order = services.order_submit(actor=w.buyer, order=draft)
    assert (order.status, order.amount, order.credit_amount) == (
        "approved",
        D("3760.00"),
        D("3760.00"),
    )
    spend.refresh_from_db()
    assert (spend.consumed_amount, spend.consumed_qty) == (D("200.00"), 1)  # once
    assert of.money_state(w)[3] == D("3760.00")  # frozen: the net amount

    services.order_cancel(actor=w.buyer, order=order, reason="重复下单")
    spend.refresh_from_db()
    assert spend.consumed_amount == D("0.00")
    assert of.money_state(w)[3] == D("0.00")


def test_a_rejected_held_order_gives_its_discount_back(w):
    spend = live(w.net.dist1, "threshold_amount_off", SPEND, budget_amount="1000")
    services.approval_rule_set(
        actor=w.seller_admin,
        seller=w.net.dist1,
        data={"amount_enabled": True, "amount_threshold": "1000"},
    )
    order = of.placed(w)
    assert order.status == "pending_approval"
    spend.refresh_from_db()
    assert spend.consumed_amount == D("200.00")  # consumed at submit, held or not
    services.order_reject(actor=w.seller_admin, order=order, comment="本月额度已满")
    spend.refresh_from_db()
    assert spend.consumed_amount == D("0.00")


def test_buy_twelve_get_one_is_a_free_line_of_its_own_reserved_shipped_and_not_invoiced(w):
    gift = {"buy_qty": 12, "gift": {"sku_id": w.pad.pk, "qty": 1, "unit_value": "30"}}
    dozen = live(w.net.dist1, "buy_x_get_y", gift, name="买12送1", sku_ids=[w.pad.pk])
    order = of.placed(w, [("BP-01-STD", 2, "箱")])
    lines = _lines(order)
    paid, free = lines[("BP-01-STD", None)], lines[("BP-01-STD", dozen.pk)]
    assert (paid.qty, paid.unit_price, paid.amount) == (24, D("28.00"), D("672.00"))
    assert (free.qty, free.unit_price, free.list_price, free.amount, free.line_no) == (
        2,
        D("0.00"),
        D("30.00"),
        D("0.00"),
        2,
    )
    assert order.amount == D("672.00")
    assert of.inv.balance(w.seller_wh, w.pad) == (100, 26, 0)  # both lines held
    dozen.refresh_from_db()
    assert (dozen.consumed_amount, dozen.consumed_qty) == (D("60.00"), 2)

    shipment = services.shipment_post(
        actor=w.clerk, order=order, lines=[(paid.pk, 24), (free.pk, 2)]
    )
    assert shipment.invoice is not None and shipment.invoice.amount == D("672.00")
    assert of.inv.balance(w.seller_wh, w.pad) == (74, 0, 0)
    # a reorder takes the bought lines only: the gift comes from the promotion again
    again = services.order_reorder(actor=w.buyer, order=order).order
    assert sorted((r.sku.code, r.qty, r.gift_promotion_id) for r in again.lines.all()) == [
        ("BP-01-STD", 2, dozen.pk),
        ("BP-01-STD", 24, None),
    ]


def test_a_promotion_that_ends_before_submit_is_a_changed_price(w):
    spend = live(w.net.dist1, "threshold_amount_off", SPEND)
    draft = of.draft(w)
    promotions.promotion_end(actor=system_actor(), promotion=spend)
    before = of.state()
    with pytest.raises(PricesChanged) as err:
        services.order_submit(actor=w.buyer, order=draft)
    assert err.value.changes == [
        {"sku": "TB-S1-GRY", "old": "3418.18", "new": "3600.00"},
        {"sku": "BP-01-STD", "old": "341.82", "new": "360.00"},
    ]
    assert of.state() == before
    order = services.order_submit(actor=w.buyer, order=draft, accept_price_changes=True)
    assert (order.amount, order.adjustment_amount) == (D("3960.00"), D("0.00"))
    assert not any(line.adjustments.exists() for line in order.lines.all())


def test_a_coupon_entered_on_the_draft_is_used_at_submit_and_given_back(w):
    opening = live(w.net.dist1, "coupon", {"amount": "50"}, name="开业券")
    (coupon,) = promotions.coupon_issue(
        actor=system_actor(), promotion=opening, buyers=[w.net.dealer1]
    )
    stranger = of.draft(w, coupon_codes=["NOPE-1"])
    assert stranger.amount == of.CART_AMOUNT
    assert [n["code"] for n in stranger.promotion_notes] == ["coupon_unknown"]

    draft = of.draft(w, coupon_codes=[f"  {coupon.code.lower()} "])
    assert draft.coupon_codes == [coupon.code]
    assert (draft.amount, draft.adjustment_amount) == (D("3910.00"), D("-50.00"))
    order = services.order_submit(actor=w.buyer, order=draft)
    assert Coupon.objects.get(pk=coupon.pk).used == 1
    services.order_cancel(actor=w.buyer, order=order)
    assert Coupon.objects.get(pk=coupon.pk).used == 0


def test_coupon_codes_change_the_draft_price(w):
    opening = live(w.net.dist1, "coupon", {"amount": "50"})
    (coupon,) = promotions.coupon_issue(
        actor=system_actor(), promotion=opening, buyers=[w.net.dealer1]
    )
    draft = of.draft(w)
    services.order_draft_update(actor=w.buyer, order=draft, coupon_codes=[coupon.code])
    draft.refresh_from_db()
    assert (draft.coupon_codes, draft.amount) == ([coupon.code], D("3910.00"))
    with pytest.raises(ValidationFailed) as err:
        services.order_draft_update(
            actor=w.buyer, order=draft, coupon_codes=[f"C{n}" for n in range(6)]
        )
    assert err.value.code == "too_many_coupons"


# --- pages and API --------------------------------------------------------------------------


def test_the_api_takes_coupon_codes_and_shows_adjustments_gifts_and_hints(client, w):
    import json

    spend = live(
        w.net.dist1, "threshold_amount_off", {"tiers": [{"threshold": "5000", "amount": "300"}]}
    )
    gift = {"buy_qty": 12, "gift": {"sku_id": w.pad.pk, "qty": 1}}
    dozen = live(w.net.dist1, "buy_x_get_y", gift, name="买12送1", sku_ids=[w.pad.pk])
    client.force_login(w.buyer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = {
        "seller_id": w.net.dist1.pk,
        "lines": [{"sku_code": "TB-S1-GRY", "qty": 2}, {"sku_code": "BP-01-STD", "qty": 12}],
        "coupon_codes": ["nope-9"],
    }
    created = client.post("/api/v1/orders", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["coupon_codes"] == ["NOPE-9"]
    assert [
        (x["sku_code"], x["qty"], x["amount"], x["gift_promotion_id"]) for x in order["lines"]
    ] == [
        ("TB-S1-GRY", 2, "3600.00", None),
        ("BP-01-STD", 12, "360.00", None),
        ("BP-01-STD", 1, "0.00", dozen.pk),
    ]
    preview = client.post(f"/api/v1/orders/{order['id']}/preview").json()
    # 3960 is 1040 short of 满5000减300; the unknown coupon is named
    notes = sorted((n["code"], n["promotion_id"]) for n in preview["promotion_notes"])
    assert notes == [("below_threshold", spend.pk), ("coupon_unknown", None)]
    assert preview["lines"][2]["gift_promotion_id"] == dozen.pk
    assert preview["amount"] == "3960.00"


def test_the_draft_page_shows_discounts_free_goods_and_takes_a_coupon(client, w):
    from django.urls import reverse

    live(w.net.dist1, "threshold_amount_off", SPEND, name="满3000减200")
    opening = live(w.net.dist1, "coupon", {"amount": "50"}, name="开业券")
    (coupon,) = promotions.coupon_issue(
        actor=system_actor(), promotion=opening, buyers=[w.net.dealer1]
    )
    draft = of.draft(w)
    client.force_login(w.buyer)
    url = reverse("orders:order_detail", args=[draft.pk])
    page = client.get(url)
    preview = page.context["preview"]
    assert [(p.sku.code, p.amount) for p in preview.lines] == [
        ("TB-S1-GRY", D("3418.18")),
        ("BP-01-STD", D("341.82")),
    ]
    assert "满3000减200" in page.content.decode()
    grey = draft.lines.get(sku=w.grey)
    pads = draft.lines.get(sku=w.pad)
    saved = client.post(
        reverse("orders:order_edit", args=[draft.pk]),
        {f"line_{grey.pk}": "2", f"line_{pads.pk}": "1", "coupon_codes": coupon.code.lower()},
    )
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert (draft.coupon_codes, draft.amount) == ([coupon.code], D("3710.00"))


def test_a_group_buy_settles_every_buyer_at_the_final_tier_once(w, net):
    from datetime import timedelta

    from django.utils import timezone

    from qudao.finance import services as finance
    from qudao.finance.models import Position
    from qudao.promotions.models import Promotion

    finance.credit_profile_set(
        actor=w.fin, buyer=net.dealer2, seller=net.dist1, data={"credit_limit": "100000"}
    )
    ends = timezone.now() + timedelta(hours=1)
    group = live(
        w.net.dist1,
        "group_buy",
        {
            "sku_id": w.grey.pk,
            "tiers": [{"min_qty": 2, "price": "1700"}, {"min_qty": 4, "price": "1600"}],
        },
        name="星空灰团购",
        ends_at=ends,
    )
    first = of.placed(w, [("TB-S1-GRY", 2)])  # 2 together: 1700 (dealer1's own price 1800)
    second = of.placed(w, [("TB-S1-GRY", 2)], actor=net.dealer2_admin, buyer=net.dealer2)
    assert (first.amount, second.amount) == (D("3400.00"), D("3200.00"))  # 4 together: 1600
    assert services.group_buys_settle(now=ends - timedelta(minutes=1)) == 0  # still open

    assert services.group_buys_settle(now=ends) == 1
    group.refresh_from_db()
    assert (group.settled_price, group.consumed_qty) == (D("1600.00"), 4)
    # dealer1 paid 100 a bike above the final tier: credited 200 on its rebate balance
    rebate = Position.objects.get(buyer=net.dealer1, seller=net.dist1).rebate_balance
    assert rebate == D("200.00")
    assert Position.objects.get(buyer=net.dealer2, seller=net.dist1).rebate_balance == D("0.00")
    assert services.group_buys_settle(now=ends + timedelta(hours=1)) == 0  # once
    assert Position.objects.get(buyer=net.dealer1, seller=net.dist1).rebate_balance == rebate
    assert Promotion.objects.get(pk=group.pk).settled_at == ends
