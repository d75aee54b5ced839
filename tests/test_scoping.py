"""The scoping matrix: every role × every page and API route (walked from the URL conf) ×
objects outside and inside the role's part of the network.

- Outside (OUTSIDE_ROLES: each role placed away from dealer3's subtree): 404 for each of
  dealer3's objects on every route and method (or a refusal that is the same for an object
  that does not exist, so it confirms nothing), none of its data in any list, nothing changed.
- Inside (INSIDE_ROLES: each role placed on dealer3's line): the objects show exactly to the
  roles whose rights cover them (SEES), no route about an object the role sees answers 404,
  and no route about one it does not see shows anything.
- Anonymous: the login page or 401.

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


# The role × endpoint matrix. Every role, placed where dealer3's subtree (华南 → 广州一级 →
# 广州迅力) is outside its part of the network: each walks every route with dealer3's objects.
# id: (the org it belongs to, role code); `service_point` is a service point under 杭州一级.
OUTSIDE_ROLES = {
    "dealer_admin@dealer": ("dealer1", "dealer_admin"),
    "dealer_admin@distributor": ("dist1", "dealer_admin"),
    "store_clerk@store": ("store1", "store_clerk"),
    "finance@distributor": ("dist1", "finance"),
    "warehouse_clerk@distributor": ("dist1", "warehouse_clerk"),
    "warehouse_clerk@dealer": ("dealer1", "warehouse_clerk"),
    "salesperson@region": ("east", "salesperson"),
    "salesperson@distributor": ("dist1", "salesperson"),
    "region_manager@region": ("east", "region_manager"),
    "channel_manager@region": ("east", "channel_manager"),
    "technician@dealer": ("dealer1", "technician"),
    "technician@service_point": ("service_point", "technician"),
    "service_agent@service_point": ("service_point", "service_agent"),
}
# The same roles placed on dealer3's line (itself or an org above it): dealer3's objects are
# inside their part of the network. brand_admin only exists at the brand; a store clerk's part
# is its store, below any dealer, so it is only ever outside.
INSIDE_ROLES = {
    "brand_admin@hq": ("hq", "brand_admin"),
    "channel_manager@hq": ("hq", "channel_manager"),
    "finance@hq": ("hq", "finance"),
    "warehouse_clerk@hq": ("hq", "warehouse_clerk"),
    "service_agent@hq": ("hq", "service_agent"),
    "region_manager@region": ("south", "region_manager"),
    "channel_manager@region": ("south", "channel_manager"),
    "salesperson@region": ("south", "salesperson"),
    "dealer_admin@distributor": ("dist2", "dealer_admin"),
    "finance@distributor": ("dist2", "finance"),
    "warehouse_clerk@distributor": ("dist2", "warehouse_clerk"),
    "salesperson@distributor": ("dist2", "salesperson"),
    "dealer_admin@dealer": ("dealer3", "dealer_admin"),
    "warehouse_clerk@dealer": ("dealer3", "warehouse_clerk"),
    "technician@dealer": ("dealer3", "technician"),
}


def _placed(net: Any, where: str, role: str) -> Any:
    if where == "service_point":
        org = f.org(net.dist1, "service_point", code="SP-HZ", name="杭州西湖服务站")
    else:
        org = getattr(net, where)
    if (where, role) == ("dealer3", "dealer_admin"):
        return net.dealer3_admin  # the owner of dealer3's personal token and notification
    return f.member(org, role, username=f"{role}-{where}")


def test_the_matrix_has_every_role():
    from qudao.accounts.constants import ROLES

    outside = {role for _where, role in OUTSIDE_ROLES.values()}
    inside = {role for _where, role in INSIDE_ROLES.values()}
    assert outside == set(ROLES) - {"brand_admin"}
    assert inside == set(ROLES) - {"store_clerk"}


@pytest.mark.django_db
@pytest.mark.parametrize("placed", list(OUTSIDE_ROLES))
def test_sibling_subtree_gets_404_and_no_data(client, net, outsider, placed):
    """Every role outside dealer3's subtree: 404 for each of its objects on every page and
    API route, none of its data in any list, nothing changed by any method."""
    client.force_login(_placed(net, *OUTSIDE_ROLES[placed]))
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
                r = _call(client, method, url)
                assert r.status_code in (403, 404, 405, 422), f"{method} {url} → {r.status_code}"
                _assert_no_secret(r, url)
        elif params:
            _assert_confirms_nothing(client, "get", route, params, response)
            if response.status_code == 405 or route.startswith("api/"):
                for method in ("post", "patch", "put", "delete"):
                    r = _call(client, method, url)
                    _assert_confirms_nothing(client, method, route, params, r)
                    _assert_no_secret(r, url)
        else:
            # 403: a page of a role the user does not have (catalogue import, price control)
            allowed = (200, 302, 403, 405) + ((404,) if route in EMPTY_404 else ())
            assert response.status_code in allowed, f"GET {url} → {response.status_code}"
        _assert_no_secret(response, url)
        checked += 1
    assert checked == len(routes())
    assert _state() == before


def _call(client: Any, method: str, url: str) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=json.dumps({}), content_type="application/json")


# Values no object has, per URL parameter (ids: a number no test reaches).
MISSING = {"serial": "NO-SUCH-SN", "token": "no-such-token"}


def _assert_confirms_nothing(
    client: Any, method: str, route: str, params: list[str], response: Any
) -> None:
    """404; or a refusal given just the same for an object that does not exist, so it
    confirms nothing: 403 (the role lacks the right altogether: a finance clerk on the order
    page), 405, 422 (an API route whose required input is missing, refused before any
    lookup). Any other answer, or a refusal that differs for a missing object, is a leak."""
    status = response.status_code
    if status == 404:
        return
    assert status in (403, 405, 422), f"{method.upper()} {route} → {status}"
    missing = _build(route, {p: MISSING.get(p, 2_000_000_000) for p in params})
    again = _call(client, method, missing).status_code
    assert again == status, f"{method.upper()} {route}: {status} for the object, {again} for none"


# Inside its part of the network, what a role sees is decided by its rights: dealer3's objects,
# by URL parameter, with the route that shows one and the inside roles that see it there (200).
# The other inside roles are refused (403, or 404 where the role's rights give it no view of
# that kind at all: a finance clerk has no stock, a warehouse clerk no statements).
_ALL = frozenset(INSIDE_ROLES)
_MONEY = frozenset(
    {
        "brand_admin@hq",
        "channel_manager@hq",
        "channel_manager@region",
        "region_manager@region",
        "dealer_admin@distributor",
        "finance@hq",
        "finance@distributor",
        "dealer_admin@dealer",
    }
)  # VIEW_FINANCE
_STOCK = _ALL - {"finance@hq", "finance@distributor", "service_agent@hq"}  # VIEW_STOCK
_ORDERS = frozenset(
    {
        "brand_admin@hq",
        "region_manager@region",
        "dealer_admin@distributor",
        "finance@hq",
        "finance@distributor",
        "salesperson@region",
        "salesperson@distributor",
        "warehouse_clerk@hq",
        "warehouse_clerk@distributor",
        "dealer_admin@dealer",
        "warehouse_clerk@dealer",
    }
)  # placing, approving or shipping orders; channel managers and technicians have none
_DEALER_MANAGERS = frozenset(
    {"brand_admin@hq", "channel_manager@hq", "channel_manager@region", "region_manager@region"}
)  # MANAGE_DEALERS at the brand or a region
_PRODUCT_SETS = _ALL - {
    "service_agent@hq",
    "technician@dealer",
    "warehouse_clerk@hq",
    "warehouse_clerk@distributor",
    "warehouse_clerk@dealer",
}  # those who browse catalogues or make promotions
SEES: dict[str, tuple[str, frozenset[str]]] = {
    "org_id": ("api/v1/orgs/<org_id>", _ALL),
    "membership_id": ("api/v1/memberships/<membership_id>", _ALL),
    "link_id": ("api/v1/supply-links/<link_id>", _ALL),
    "price_list_id": ("api/v1/price-lists/<price_list_id>", _ALL),
    "promotion_id": ("api/v1/promotions/<promotion_id>", _ALL),
    "document_id": ("api/v1/dealers/documents/<document_id>", _ALL),
    "contract_id": ("api/v1/dealers/contracts/<contract_id>", _ALL),
    "product_set_id": ("api/v1/product-sets/<product_set_id>", _PRODUCT_SETS),
    "position_id": ("api/v1/positions/<position_id>", _MONEY),
    "statement_id": ("api/v1/statements/<statement_id>", _MONEY),
    "warehouse_id": ("api/v1/warehouses/<warehouse_id>", _STOCK),
    "move_id": ("api/v1/moves/<move_id>", _STOCK),
    "transit_id": ("api/v1/transits/<transit_id>", _STOCK),
    "count_id": ("api/v1/counts/<count_id>", _STOCK),
    "serial": ("api/v1/serials/<path:serial>/journey", _STOCK),
    "order_id": ("api/v1/orders/<order_id>", _ORDERS),
    "shipment_id": ("api/v1/shipments/<shipment_id>", _ORDERS),
    "return_id": ("api/v1/returns/<return_id>", _ORDERS),
    "dealer_id": ("api/v1/dealers/<dealer_id>", _DEALER_MANAGERS),
    "application_id": ("api/v1/dealers/applications/<application_id>", _DEALER_MANAGERS),
    # a grading run is the brand's: its region's managers see their dealers' grades on the
    # dealers' pages, not the run
    "run_id": (
        "api/v1/dealers/grading/runs/<run_id>",
        frozenset({"brand_admin@hq", "channel_manager@hq"}),
    ),
}
# Parameters naming a part of an object above, or the same object under another name.
PART_OF = {
    "parent_id": "org_id",
    "item_id": "price_list_id",
    "payment_id": "position_id",
    "line_id": "statement_id",
}


def _sees(placed: str, param: str) -> bool:
    param = PART_OF.get(param, param)
    return param in SEES and placed in SEES[param][1]


# Routes about the actor's own org and dist2 (its seller), not about dealer3's objects.
SELLER_ROUTES = {
    # only a buyer of dist2 shops at it
    "orders/new/<int:seller_id>/": {"dealer_admin@dealer"},
    "pricing/shop/<int:seller_id>/": {"dealer_admin@dealer"},
    # the seller's approval rules: those above it who approve orders or set the rules
    "api/v1/approval-rules/<seller_id>": {
        "brand_admin@hq",
        "region_manager@region",
        "dealer_admin@distributor",
        "finance@hq",
        "finance@distributor",
    },
}
# A dealer's pages that show what every role may see of it (its papers and contracts, like
# document_id and contract_id above) or what its onboarding needs (the deposit is finance's,
# the seller's admin sets up its side), though its lifecycle record is the dealer managers'.
DEALER_PAGES = {
    "dealers/<int:dealer_id>/documents/": _ALL,
    "dealers/<int:dealer_id>/contracts/": _ALL,
    "dealers/<int:dealer_id>/onboarding/": _DEALER_MANAGERS
    | {"finance@hq", "finance@distributor", "dealer_admin@distributor"},
    "api/v1/dealers/<dealer_id>/onboarding": _DEALER_MANAGERS
    | {"finance@hq", "finance@distributor", "dealer_admin@distributor"},
}
# Nothing to serve for anyone: the scoping fixture stores rows, not bytes (no licence scan, no
# contract scan, no transfer slip), and `token` is a guess (TOKEN_PAGES).
NOTHING_THERE = {
    "dealers/files/<int:file_id>/",
    "dealers/contracts/<int:contract_id>/file/",
    "dealers/documents/<int:document_id>/file/",
    "finance/positions/<int:position_id>/payments/<int:payment_id>/slip/",
} | TOKEN_PAGES


@pytest.mark.django_db
@pytest.mark.parametrize("placed", list(INSIDE_ROLES))
def test_inside_roles_see_what_their_rights_show(client, net, outsider, placed):
    """Every role on dealer3's line: the detail routes of dealer3's objects answer 200 exactly
    to the roles of SEES (403/404 to the others), and no route about an object the role sees
    answers 404 (its actions may be refused, 403), nor does any route about an object it does
    not see show anything. Nothing changes on GET."""
    client.force_login(_placed(net, *INSIDE_ROLES[placed]))
    detail = dict(SEES.values()) | SELLER_ROUTES | DEALER_PAGES
    assert set(detail) <= {route for route, _ in routes()}, "a route of SEES is gone"
    before = _state()
    wrong = []
    for route, params in routes():
        scoped = [p for p in params if p not in REFERENCE]
        if not scoped:
            continue
        url = _build(route, {p: SAMPLES[p](outsider) for p in params})
        status = client.get(url).status_code
        if route in detail:
            expected = 200 if placed in detail[route] else "403/404"
            if (status == 200) != (expected == 200) or status not in (200, 403, 404):
                wrong.append(f"GET {route} → {status}, expected {expected}")
        elif route in NOTHING_THERE:
            if status not in (403, 404):
                wrong.append(f"GET {route} → {status}, expected 403/404 (nothing there)")
        elif all(_sees(placed, p) for p in scoped):
            # the role sees every object the route names: not hidden from it
            if status not in (200, 302, 403, 405, 422):
                wrong.append(f"GET {route} → {status}, the role sees its objects")
        elif status not in (403, 404, 405, 422):
            # it names an object the role does not see: it must not show anything either
            wrong.append(f"GET {route} → {status}, the role does not see all its objects")
    assert not wrong, "\n".join(wrong)
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
