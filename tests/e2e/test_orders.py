"""Order to cash in the browser: the dealer builds an order from its distributor by pasting two
SKU lines on a phone and submits it; it is over the distributor's amount threshold, so it
waits; the distributor approves on a phone-width page; its warehouse ships with the bikes'
frame numbers; the dealer confirms receipt, then returns one bike by its frame number and the
credit note is posted. Stock and the receivable are right at each step."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from qudao.finance.models import Position
from qudao.inventory.tests import factories as inv
from qudao.orders import services
from qudao.orders.models import Order
from qudao.orders.tests import factories as of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Page, base: str, login: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill("pass-1234-word")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at phone width ({width}px)"


def test_dealer_orders_distributor_approves_ships_dealer_receives(
    page: Page, live_server, net, shot
):
    from qudao.catalog.tests.factories import ebike_catalogue

    w = of.world(net, ebike_catalogue())
    services.approval_rule_set(
        actor=w.seller_admin,
        seller=net.dist1,
        data={"amount_enabled": True, "amount_threshold": "3000"},
    )
    base = live_server.url
    order = _dealer_orders(page, base, net)
    _distributor_approves(page, base, order, shot)
    _warehouse_ships(page, base, order)

    # the dealer confirms receipt
    _login(page, base, "dealer1")
    page.goto(f"{base}/orders/{order.pk}/")
    page.get_by_test_id("shipment-link").first.click()
    page.get_by_test_id("confirm-receipt").click()
    expect(page.get_by_test_id("shipment-status")).to_have_attribute("data-status", "received")
    shot(page, "orders-receipt-confirmed")

    order.refresh_from_db()
    assert order.status == "delivered"
    assert inv.balance(w.seller_wh, w.grey) == (3, 0, 0)
    assert inv.balance(w.seller_wh, w.pad) == (88, 0, 0)
    assert inv.balance(w.buyer_wh, w.grey) == (2, 0, 0)
    assert inv.balance(w.buyer_wh, w.pad) == (12, 0, 0)
    position = Position.objects.get(buyer=net.dealer1, seller=net.dist1)
    assert (position.receivable_balance, position.frozen_amount) == (
        Decimal("3960.00"),
        Decimal("0.00"),
    )
    _dealer_returns_one_bike(page, base, order, shot)
    assert inv.balance(w.seller_wh, w.grey) == (4, 0, 0)
    assert inv.balance(w.buyer_wh, w.grey) == (1, 0, 0)
    position.refresh_from_db()
    assert position.receivable_balance == Decimal("2160.00")  # 3960 − the bike's 1800


def _dealer_returns_one_bike(page: Page, base: str, order: Order, shot) -> None:  # type: ignore[no-untyped-def]
    """On a phone: the dealer returns one bike by its frame number; the distributor approves,
    the dealer sends it back, the distributor receives it and the credit note is posted."""
    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, base, "dealer1")
    page.goto(f"{base}/orders/{order.pk}/")
    page.get_by_test_id("return").click()
    form = page.get_by_test_id("return-form")
    bike = form.locator("[data-testid=form-line][data-sku=TB-S1-GRY]")
    bike.locator("input[name^=qty_]").fill("1")
    bike.locator("textarea[name^=serials_]").fill("GRY000001")
    form.locator("select[name=reason_code]").select_option("defective")
    form.locator("[name=reason]").fill("无法充电")
    _no_sideways_scroll(page)
    form.get_by_test_id("request-return").click()
    expect(page.get_by_test_id("message")).to_contain_text("RT-")
    page.get_by_test_id("return-link").first.click()
    expect(page.get_by_test_id("return-status")).to_have_attribute("data-status", "requested")
    ret_url = page.url

    _login(page, base, "d1-admin")
    page.goto(ret_url)
    approve = page.get_by_test_id("approve-form")
    approve.locator("summary").click()
    approve.locator("button[type=submit]").click()
    expect(page.get_by_test_id("return-status")).to_have_attribute("data-status", "approved")

    _login(page, base, "dealer1")
    page.goto(ret_url)
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("return-status")).to_have_attribute("data-status", "sent")

    _login(page, base, "d1-clerk")
    page.goto(ret_url)
    page.get_by_test_id("receive").click()
    expect(page.get_by_test_id("credit-note")).to_contain_text("¥1800.00")
    shot(page, "orders-return-credited")


def _dealer_orders(page: Page, base: str, net) -> Order:  # type: ignore[no-untyped-def]
    """On a phone, the dealer pastes two lines and submits: 3960 is over the threshold."""
    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, base, "dealer1")
    page.goto(f"{base}/orders/new/")
    page.get_by_test_id("order-from").filter(has_text=net.dist1.name).first.click()
    form = page.get_by_test_id("draft-form")
    form.locator("textarea[name=lines]").fill("TB-S1-GRY 2\nBP-01-STD 1 箱")
    form.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("totals").get_by_test_id("amount")).to_have_text("¥3960.00")
    expect(page.get_by_test_id("holds")).to_be_visible()
    _no_sideways_scroll(page)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "pending_approval")
    return Order.objects.get()


def _distributor_approves(page: Page, base: str, order: Order, shot) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, base, "d1-admin")
    page.goto(f"{base}/orders/approvals/")
    card = page.get_by_test_id("inbox-order").filter(has_text=order.number)
    expect(card.get_by_test_id("reasons")).to_be_visible()
    _no_sideways_scroll(page)
    shot(page, "orders-approval-phone")
    approve = card.get_by_test_id("approve-form")
    approve.locator("summary").click()
    approve.locator("input[name=comment]").fill("同意")
    approve.locator("button[type=submit]").click()
    expect(page.get_by_test_id("message")).to_be_visible()
    order.refresh_from_db()
    assert order.status == "approved"


def _warehouse_ships(page: Page, base: str, order: Order) -> None:
    """Everything, with the bikes' frame numbers."""
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, base, "d1-clerk")
    page.goto(f"{base}/orders/{order.pk}/")
    page.get_by_test_id("ship").click()
    bikes = page.locator("[data-testid=form-line][data-sku=TB-S1-GRY]")
    bikes.locator("textarea").fill("GRY000001\nGRY000002")
    page.locator("input[name=carrier]").fill("德邦")
    page.locator("input[name=tracking_no]").fill("DB001")
    page.get_by_test_id("post-shipment").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "shipped")
