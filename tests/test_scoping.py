"""Every page and API route, walked from the URL conf: a user of a sibling subtree gets 404 for
another subtree's objects, sees none of its data in lists, and changes nothing.

Routes added later are covered automatically; a route with a new URL parameter fails here
until it gets a sample in SAMPLES below.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from qudao.accounts.services import api_token_create
from qudao.catalog import services as catalog_services
from qudao.catalog.models import Category, Product, ProductSet, ProductSetItem, Sku
from qudao.catalog.tests import factories as cf
from qudao.core.models import AuditEvent, Notification, OutboxEvent
from qudao.core.services import notification_create
from qudao.dealers.models import (
    ApprovalStep,
    Contract,
    Criterion,
    Dealer,
    DealerFile,
    Document,
    GradeTerms,
    GradingRun,
    Message,
    OnboardingItem,
    ReviewSettings,
    Score,
    Territory,
)
from qudao.finance import services as finance_services
from qudao.finance.models import (
    LedgerEntry,
    Payment,
    Position,
    Statement,
    StatementComment,
)
from qudao.finance.tests.helpers import at, backdate, last_month
from qudao.inventory import services as inventory_services
from qudao.inventory.models import (
    SellOut,
    Serial,
    Stock,
    StockCount,
    StockCountLine,
    StockMove,
    Transit,
    Warehouse,
)
from qudao.inventory.tests import factories as inv
from qudao.network import services
from qudao.network.models import Membership, Org, SupplyLink
from qudao.network.tests import factories as f
from qudao.orders import services as order_services
from qudao.orders.models import ApprovalRule, Order, OrderLine, ReturnRequest, Shipment
from qudao.pricing.models import PriceList, PriceListItem
from qudao.pricing.tests import factories as pf
from qudao.promotions import services as promotion_services
from qudao.promotions.models import Coupon, Promotion

# Routes not scoped by the network: Django's admin (staff only), static and i18n plumbing,
# the public API docs and the public division list (no org data).
SKIP_PREFIXES = ("admin/", "i18n/", "jsi18n/", "static/", "media/")
SKIP_SUFFIXES = ("api/v1/docs", "api/v1/openapi.json", "api/v1/divisions")
PUBLIC_PAGES = {"accounts/login/", "network/divisions/options/"}  # reference data, no orgs
PUBLIC_PAGES |= {"dealers/apply/"}  # the public dealer application form
# The applicant's pages, opened by an unguessable token instead of a login: any other → 404.
TOKEN_PAGES = {"dealers/track/<str:token>/", "dealers/track/<str:token>/files/<int:file_id>/"}
EMPTY_404 = {"import-errors.xlsx"}  # the user's own last refused import; none yet → 404


def _walk(resolvers: list[Any], prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, list(entry.pattern.converters)


def routes() -> list[tuple[str, list[str]]]:
    found = []
    for route, params in _walk(get_resolver().url_patterns):
        clean = route.lstrip("^").rstrip("$")
        if (
            clean.startswith(SKIP_PREFIXES)
            or clean.rstrip("/").endswith(SKIP_SUFFIXES)
            or clean == "api/v1/"  # ninja's root: no view behind it
        ):
            continue
        if (clean, params) not in found:  # ninja lists a path once per method group
            found.append((clean, params))
    return found


@pytest.fixture
def outsider(net):
    """Objects of every kind inside dealer3's subtree, which dealer1's admin must not see."""
    link = services.supply_link_create(
        actor=net.admin, buyer=net.dealer3, seller=net.dist2, kind="goods"
    )
    token, _secret = api_token_create(actor=net.dealer3_admin, name="外部令牌")
    notification_create(users=[net.dealer3_admin], topic="test", title="广州迅力通知")
    sku = pf.sku("GZ-ONLY", name="专供车型")
    price_list = pf.price_list(net.dealer3, code="GZXL-PL", items={sku: "1234.56"})
    draft = cf.sku(cf.product(code="DRAFT-P", name="未上市新品"), code="DRAFT-S", name="未上市")
    gz_fin = f.member(net.dist2, "finance", username="gz-fin")
    position = finance_services.credit_profile_set(
        actor=gz_fin, buyer=net.dealer3, seller=net.dist2, data={"credit_limit": "1234.56"}
    )
    payment = finance_services.payment_submit_slip(
        actor=net.dealer3_admin,
        position=position,
        amount="99.00",
        received_on=position.updated_at.date(),
        reference="GZXL-PAY",
    )
    month = last_month()
    entry = finance_services.rebate_credit(
        actor=gz_fin, position=position, amount="1234.56", memo="GZXL-REBATE"
    )
    backdate([entry], at(month))
    finance_services.statements_generate(actor=gz_fin, seller=net.dist2, period=month)
    statement = finance_services.statement_send(
        actor=gz_fin, statement=Statement.objects.get(position=position)
    )
    stock = _outside_stock(net, sku)
    return {
        **stock,
        **_outside_orders(net, sku, gz_fin),
        "promotion_id": _outside_promotion(net),
        "dealer_id": _outside_dealer(net),  # dealers (closing and the other parts)
        **_outside_dealer_papers(net),  # dealers: documents, contracts, grading
        **_outside_application(net),  # dealers: an application under 华南 with a file
        "product_set_id": _outside_product_set(net),
        "statement_id": statement.pk,
        "line_id": statement.lines.get().pk,
        "position_id": position.pk,
        "payment_id": payment.pk,
        "price_list_id": price_list.pk,
        "item_id": price_list.items.get().pk,
        "seller_id": net.dist2.pk,  # sells to dealer3, not to dealer1
        # the catalogue is brand-wide reference data: drafts are hidden from dealers (404),
        # published rows are readable (200) and only the brand writes them (403)
        "sku_id": draft.pk,
        "product_id": draft.product_id,
        "category_id": 999_999,
        "org_id": net.dealer3.pk,
        "parent_id": net.dealer3.pk,
        "membership_id": Membership.objects.get(user=net.dealer3_admin).pk,
        "link_id": link.pk,
        "token_id": token.pk,
        "notification_id": Notification.objects.get(user=net.dealer3_admin).pk,
    }


def _outside_stock(net: Any, sku: Sku) -> dict[str, Any]:
    """dealer3's warehouses with stock, a serial-tracked unit, a transfer between them, a
    count and a sell-out record: the inventory objects behind each URL parameter."""
    bike = cf.sku(
        cf.product(code="GZ-BIKE-P", name="专供整车"),
        code="GZ-BIKE",
        name="专供整车",
        serial_tracked=True,
    )
    main = inv.warehouse(net.dealer3, "GZXL-WH1", name="广州迅力主仓")
    back = inv.warehouse(net.dealer3, "GZXL-WH2", name="广州迅力后仓")
    moves = inventory_services.stock_receive(
        actor=net.dealer3_admin,
        warehouse=main,
        lines=[(sku, 5), (bike, 2, ["GZXL-SN1", "GZXL-SN2"])],
    )
    transit = inventory_services.transfer_send(
        actor=net.dealer3_admin, from_warehouse=main, to_warehouse=back, lines=[(sku, 1)]
    )
    count = inventory_services.count_create(actor=net.dealer3_admin, warehouse=main)
    inventory_services.sellout_record(
        actor=net.dealer3_admin,
        org=net.dealer3,
        rows=[inventory_services.SellOutRow(timezone.localdate(), sku, 1)],
    )
    return {
        "warehouse_id": main.pk,
        "move_id": moves[0].pk,
        "transit_id": transit.pk,
        "count_id": count.pk,
        "serial": "GZXL-SN1",
    }


def _outside_orders(net: Any, sku: Sku, approver: Any) -> dict[str, Any]:
    """dealer3's order from dist2, approved, shipped and received, and a return of it."""
    pf.price_list(net.dist2, code="GZ-D2-PL", items={sku: "100"})
    inv.receive(inv.warehouse(net.dist2, "GZ-D2-WH", name="广州一级仓"), (sku, 10))
    order = order_services.order_draft_create(
        actor=net.dealer3_admin, buyer=net.dealer3, seller=net.dist2, lines=[("GZ-ONLY", 2)]
    )
    order = order_services.order_submit(actor=net.dealer3_admin, order=order)
    order = order_services.order_approve(actor=approver, order=order)
    shipment = order_services.shipment_post(
        actor=net.admin, order=order, lines=[(order.lines.get().pk, 2)]
    )
    order_services.receipt_confirm(actor=net.dealer3_admin, shipment=shipment)
    ret = order_services.return_request(
        actor=net.dealer3_admin,
        order=order,
        lines=[(order.lines.get().pk, 1)],
        reason_code="surplus",
        reason="广州迅力退货",
    )
    return {"order_id": order.pk, "shipment_id": shipment.pk, "return_id": ret.pk}


def _outside_promotion(net: Any) -> int:
    """dist2's live coupon promotion for dealer3, with a code issued to it."""
    actor = f.system_actor()
    promotion = promotion_services.promotion_create(
        actor=actor,
        seller=net.dist2,
        data={
            "name": "广州迅力专享券",
            "kind": "coupon",
            "rules": {"amount": "50"},
            "starts_at": timezone.now(),
            "targets": [{"kind": "buyer", "buyer": net.dealer3.pk}],
        },
    )
    for move in ("submit", "approve", "publish"):
        promotion = getattr(promotion_services, f"promotion_{move}")(
            actor=actor, promotion=promotion
        )
    promotion_services.coupon_issue(actor=actor, promotion=promotion, buyers=[net.dealer3])
    return promotion.pk


def _outside_product_set(net: Any) -> int:
    """dealer3's own product set (it sells to its stores): its side only."""
    product_set = catalog_services.product_set_create(
        actor=net.dealer3_admin,
        owner=net.dealer3,
        data={"name": "广州迅力电池组", "sku_codes": ["GZ-ONLY"]},
    )
    return product_set.pk


def _outside_dealer(net: Any) -> int:
    """dealer3's lifecycle record, closing: its pages and API answer 404 to dealer1."""
    from qudao.dealers.tests.factories import dealer_at

    found = Dealer.objects.filter(org=net.dealer3).first()  # made on org.created, if it ran
    return (found or dealer_at(net.hq, "closing", org=net.dealer3)).pk


def _outside_application(net: Any) -> dict[str, Any]:
    """An application of 广州迅力 routed to 华南 with a licence on file (no bytes on disk: the
    row is enough, the view answers 404 before opening it); `token` is a guess, not its own."""
    import secrets

    from qudao.dealers.services import admission
    from qudao.dealers.tests.factories import valid_uscc

    bike = cf.category("GZXL-CAT", "整车")
    dealer = admission.application_submit(
        actor=None,
        data={
            "company_name": "广州迅力新店",
            "uscc": valid_uscc(900),
            "legal_rep": "陈迅力",
            "contact_name": "陈迅力",
            "contact_phone": "13911112222",
            "province": "44",
            "city": "4401",
            "district": "440106",
            "address": "天河路1号",
            "categories": [bike.pk],
        },
    )
    admission.application_parent_set(actor=net.admin, dealer=dealer, parent_id=net.south.pk)
    licence = DealerFile.objects.create(
        dealer=dealer,
        kind="licence",
        file="dealers/none/GZXL-LICENCE.pdf",
        name="广州迅力执照.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
    )
    return {
        "application_id": dealer.pk,
        "file_id": licence.pk,
        "token": secrets.token_urlsafe(32),
    }


def _outside_dealer_papers(net: Any) -> dict[str, int]:
    """dealer3's brand authorisation and contract, and a grading run of the brand (which
    grades dealer3): their pages and API answer 404 to dealer1's admin."""
    from qudao.dealers.services import contracts, documents, grading

    paper = documents.document_create(
        actor=net.admin,
        org=net.dealer3,
        data={"kind": "authorisation", "number": "GZXL-SQ", "expires_on": "2099-12-31"},
    )
    contract = contracts.contract_create(
        actor=net.admin, org=net.dealer3, data={"policies": "GZXL-POLICY"}
    )
    run = grading.grading_run_create(actor=net.admin, brand=net.hq)
    return {"document_id": paper.pk, "contract_id": contract.pk, "run_id": run.pk}


SECRETS = (
    "广州迅力",
    "DL-GZ1",
    "外部令牌",
    "GZXL-PL",
    "1234.56",
    "未上市",
    "GZXL-PAY",
    "GZXL-SQ",  # dealer3's brand authorisation
    "GZXL-POLICY",  # dealer3's contract
    "GZXL-REBATE",
    "GZXL-SN2",  # the unit not named in any URL (the 404 page echoes its own path)
)
SCOPED = (
    "org_id",
    "parent_id",
    "membership_id",
    "link_id",
    "token_id",
    "notification_id",
    "price_list_id",
    "item_id",
    "seller_id",
    "position_id",
    "payment_id",
    "statement_id",
    "line_id",
    "warehouse_id",
    "move_id",
    "transit_id",
    "count_id",
    "serial",
    "order_id",
    "shipment_id",
    "return_id",
    "promotion_id",
    "dealer_id",
    "document_id",
    "contract_id",
    "run_id",
    "product_set_id",
    "application_id",
    "file_id",
    "token",
)
REFERENCE = ("sku_id", "product_id", "category_id")
SAMPLES: dict[str, Callable[[dict[str, Any]], Any]] = {
    name: (lambda objs, name=name: objs[name]) for name in SCOPED + REFERENCE
}


def _state() -> tuple[Any, ...]:
    return (
        list(Org.objects.order_by("pk").values_list("pk", "path", "name", "status")),
        list(Membership.objects.order_by("pk").values_list("pk", "is_active")),
        list(SupplyLink.objects.order_by("pk").values_list("pk", "is_active")),
        list(PriceListItem.objects.order_by("pk").values_list("pk", "price")),
        list(PriceList.objects.order_by("pk").values_list("pk", "priority", "is_active")),
        list(
            Position.objects.order_by("pk").values_list(
                "pk", "credit_limit", "prepaid_balance", "receivable_balance", "frozen_amount"
            )
        ),
        list(Payment.objects.order_by("pk").values_list("pk", "status")),
        list(Statement.objects.order_by("pk").values_list("pk", "status")),
        StatementComment.objects.count(),
        LedgerEntry.objects.count(),
        list(Sku.objects.order_by("pk").values_list("pk", "name", "status", "barcode")),
        list(Product.objects.order_by("pk").values_list("pk", "name", "status")),
        list(Category.objects.order_by("pk").values_list("pk", "name", "path")),
        Notification.objects.filter(read_at__isnull=False).count(),
        list(Warehouse.objects.order_by("pk").values_list("pk", "name", "is_active", "is_default")),
        list(
            Stock.objects.order_by("pk").values_list(
                "pk", "on_hand", "reserved", "in_transit", "safety_stock"
            )
        ),
        StockMove.objects.count(),
        list(Serial.objects.order_by("pk").values_list("pk", "status", "warehouse_id")),
        list(Transit.objects.order_by("pk").values_list("pk", "status")),
        list(StockCount.objects.order_by("pk").values_list("pk", "status")),
        list(StockCountLine.objects.order_by("pk").values_list("pk", "counted_qty")),
        list(SellOut.objects.order_by("pk").values_list("pk", "voided_at")),
        list(Order.objects.order_by("pk").values_list("pk", "status", "amount", "frozen_amount")),
        list(
            OrderLine.objects.order_by("pk").values_list(
                "pk", "qty", "qty_shipped", "qty_received", "qty_returned"
            )
        ),
        list(Shipment.objects.order_by("pk").values_list("pk", "status")),
        list(ReturnRequest.objects.order_by("pk").values_list("pk", "status")),
        list(ApprovalRule.objects.order_by("pk").values_list("pk", "updated_at")),
        list(Promotion.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Coupon.objects.order_by("pk").values_list("pk", "used")),
        list(ProductSet.objects.order_by("pk").values_list("pk", "name")),
        list(ProductSetItem.objects.order_by("pk").values_list("pk", "sku_id", "category_id")),
        list(Dealer.objects.order_by("pk").values_list("pk", "stage")),
        list(Document.objects.order_by("pk").values_list("pk", "expires_on")),
        list(Contract.objects.order_by("pk").values_list("pk", "status")),
        list(GradingRun.objects.order_by("pk").values_list("pk", "status")),
        # onboarding: checklist items, territories and the brand's grade terms
        list(OnboardingItem.objects.order_by("pk").values_list("pk", "done_at")),
        list(Territory.objects.order_by("pk").values_list("pk", "released_at")),
        list(GradeTerms.objects.order_by("pk").values_list("pk", "credit_limit")),
        AuditEvent.objects.count(),
        # admission: messages, scores, decisions and the brand's scorecard
        Message.objects.count(),
        list(Score.objects.order_by("pk").values_list("pk", "value")),
        ApprovalStep.objects.count(),
        list(ReviewSettings.objects.order_by("pk").values_list("pk", "pass_mark")),
        list(Criterion.objects.order_by("pk").values_list("pk", "weight", "is_active")),
        OutboxEvent.objects.count(),
    )


def _build(route: str, values: dict[str, Any]) -> str:
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def test_every_route_is_walked():
    names = {r for r, _ in routes()}
    assert "network/orgs/<int:org_id>/" in names
    assert "api/v1/orgs/<org_id>" in names
    assert len(names) >= 20


def _assert_no_secret(response, url):
    body = response.content.decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in body, f"{url} leaks {secret}"


@pytest.mark.django_db
def test_sibling_subtree_gets_404_and_no_data(client, net, outsider):
    client.force_login(net.dealer1_admin)
    unknown = sorted({p for _, params in routes() for p in params} - SAMPLES.keys())
    assert not unknown, f"add samples for URL parameters {unknown} to SAMPLES"
    before = _state()
    checked = 0
    for route, params in routes():
        url = _build(route, {p: SAMPLES[p](outsider) for p in params})
        response = client.get(url)
        if params and set(params) <= set(REFERENCE):
            assert response.status_code in (200, 403, 404, 405), f"GET {url}"
            for method in ("post", "patch", "put", "delete"):
                r = getattr(client, method)(
                    url, data=json.dumps({}), content_type="application/json"
                )
                assert r.status_code in (403, 404, 405, 422), f"{method} {url} → {r.status_code}"
                _assert_no_secret(r, url)
        elif params:
            # 422: an API route whose required query parameters are missing — refused
            # before any lookup, so it confirms nothing
            allowed = (404, 405, 422) if route.startswith("api/") else (404, 405)
            assert response.status_code in allowed, f"GET {url} → {response.status_code}"
            if response.status_code == 405 or route.startswith("api/"):
                for method in ("post", "patch", "put", "delete"):
                    r = getattr(client, method)(
                        url, data=json.dumps({}), content_type="application/json"
                    )
                    assert r.status_code in (404, 405, 422), f"{method} {url} → {r.status_code}"
                    _assert_no_secret(r, url)
        else:
            # 403: a page of a role the dealer does not have (catalogue import, price control)
            allowed = (200, 302, 403, 405) + ((404,) if route in EMPTY_404 else ())
            assert response.status_code in allowed, f"GET {url} → {response.status_code}"
        _assert_no_secret(response, url)
        checked += 1
    assert checked == len(routes())
    assert _state() == before


@pytest.mark.django_db
def test_same_routes_answer_for_own_objects(client, net, outsider):
    """The control: dealer3's admin does see the objects the test above hides."""
    client.force_login(net.dealer3_admin)
    assert client.get(f"/network/orgs/{net.dealer3.pk}/").status_code == 200
    assert client.get(f"/api/v1/orgs/{net.dealer3.pk}").json()["code"] == "DL-GZ1"
    assert client.get(f"/api/v1/supply-links/{outsider['link_id']}").status_code == 200
    assert "广州迅力" in client.get("/network/orgs/?q=gzxl").content.decode()
    for url in (
        f"/api/v1/warehouses/{outsider['warehouse_id']}",
        f"/api/v1/moves/{outsider['move_id']}",
        f"/api/v1/transits/{outsider['transit_id']}",
        f"/api/v1/counts/{outsider['count_id']}",
        f"/api/v1/serials/{outsider['serial']}/journey",
        f"/api/v1/orders/{outsider['order_id']}",
        f"/api/v1/shipments/{outsider['shipment_id']}",
        f"/api/v1/returns/{outsider['return_id']}",
        f"/api/v1/promotions/{outsider['promotion_id']}",
        f"/api/v1/product-sets/{outsider['product_set_id']}",
        f"/catalog/sets/{outsider['product_set_id']}/",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_or_401(client, net):
    for route, params in routes():
        url = _build(route, dict.fromkeys(params, net.dealer3.pk))
        response = client.get(url)
        if route.startswith("api/"):
            assert response.status_code in (401, 405), url
        elif route in TOKEN_PAGES:
            assert response.status_code == 404, url
        elif route in PUBLIC_PAGES:
            assert response.status_code == 200
        elif response.status_code != 405:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/"), url


def test_factories_module_is_used():
    assert f.system_actor is not None
