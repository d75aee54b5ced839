"""Product sets: a seller's named sets of SKUs and categories. The services (create, change,
each refusal with its code and nothing written, the audit rows and events), who sees and
writes them (404 out of scope, 403 without the right), the client and the API."""

import json

import pytest
from django.urls import reverse

from qudao.catalog import selectors, services
from qudao.catalog.models import ProductSet, ProductSetItem
from qudao.core.errors import DomainError, NotFound, PermissionDenied
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.network.tests import factories as nf

pytestmark = pytest.mark.django_db
LIST = reverse("catalog:product_set_list")
NEW = reverse("catalog:product_set_create")


@pytest.fixture
def marketer(net):
    """Who manages dist1's promotions (and so its product sets)."""
    return nf.member(net.dist1, "dealer_admin", username="dist1-marketing")


def _state():
    return (
        list(ProductSet.objects.order_by("pk").values_list("pk", "owner_id", "name")),
        list(
            ProductSetItem.objects.order_by("pk").values_list(
                "product_set_id", "sku_id", "category_id"
            )
        ),
        AuditEvent.objects.filter(object_type="catalog.productset").count(),
        OutboxEvent.objects.filter(topic__startswith="product_set.").count(),
    )


def _batteries(net, marketer, **data):
    return services.product_set_create(
        actor=marketer,
        owner=net.dist1,
        data={
            "name": "电池与配件",
            "sku_codes": ["TB-S1-GRY"],
            "category_codes": ["C-PART"],
            **data,
        },
    )


def _members(product_set):
    product_set = ProductSet.objects.prefetch_related("items__sku", "items__category").get(
        pk=product_set.pk
    )
    return (
        [s.code for s in product_set.member_skus()],
        [c.code for c in product_set.member_categories()],
    )


# --- services ---------------------------------------------------------------------------------


def test_create_writes_the_set_its_items_audit_and_event(net, cat, marketer):
    product_set = services.product_set_create(
        actor=marketer,
        owner=net.dist1,
        data={
            "name": "  电池与  配件 ",
            "sku_codes": [" TB-S1-GRY", "BP-01-STD", "TB-S1-GRY"],
            "category_codes": ["C-PART"],
        },
    )
    assert (product_set.owner_id, product_set.name, product_set.created_by_id) == (
        net.dist1.pk,
        "电池与 配件",
        marketer.pk,
    )
    assert _members(product_set) == (["BP-01-STD", "TB-S1-GRY"], ["C-PART"])
    audit = AuditEvent.objects.get(object_type="catalog.productset")
    assert (audit.action, audit.object_id, audit.org_path, audit.actor_id) == (
        "product_set.created",
        str(product_set.pk),
        net.dist1.path,
        marketer.pk,
    )
    assert audit.changes == {
        "name": [None, "电池与 配件"],
        "skus": [None, ["BP-01-STD", "TB-S1-GRY"]],
        "categories": [None, ["配件"]],
    }
    event = OutboxEvent.objects.get(topic="product_set.created")
    assert event.payload == {
        "product_set_id": product_set.pk,
        "owner_id": net.dist1.pk,
        "actor_id": marketer.pk,
    }


@pytest.mark.parametrize(
    "case",
    [
        ({"sku_codes": [], "category_codes": []}, "product_set_empty", "sku_codes",
         "A product set holds at least one SKU or category."),
        ({"name": "整车套装"}, "product_set_name_taken", "name",
         "杭州绿源车业有限公司 already has a product set named 整车套装."),
        # the brand's draft is not in the catalogue a distributor sells from
        ({"sku_codes": ["TB-S1-GRY", "TB-S1-WHT", "NOPE"]}, "product_set_sku_unknown",
         "sku_codes", "Not in the catalogue 杭州绿源车业有限公司 sells from: TB-S1-WHT、NOPE."),
        ({"category_codes": ["C-NOPE"]}, "product_set_category_unknown", "category_codes",
         "Unknown category code: C-NOPE."),
        ({"name": "   "}, "required", "name", "This field is required."),
        ({"name": "长" * 61}, "too_long", "name", "At most 60 characters."),
    ],
)  # fmt: skip
def test_bad_sets_are_refused_and_nothing_is_written(net, cat, marketer, en, case):
    data, code, field, message = case
    _batteries(net, marketer, name="整车套装")
    before = _state()
    with pytest.raises(DomainError) as exc:
        _batteries(net, marketer, **data)
    assert (exc.value.code, exc.value.message) == (code, message)
    assert list(exc.value.fields) == [field]
    assert _state() == before


def test_a_set_holds_at_most_so_many_products(net, cat, marketer, en, monkeypatch):
    monkeypatch.setattr(services.product_sets, "MAX_PRODUCT_SET_ITEMS", 2)
    before = _state()
    with pytest.raises(DomainError) as exc:
        _batteries(net, marketer, sku_codes=["TB-S1-GRY", "BP-01-STD"])
    assert (exc.value.code, exc.value.message) == (
        "product_set_too_large",
        "At most 2 SKUs and categories in a set; name categories instead.",
    )
    assert _state() == before


def test_the_brand_sets_its_drafts_too(net, cat):
    product_set = services.product_set_create(
        actor=net.admin, owner=net.hq, data={"name": "新品", "sku_codes": ["TB-S1-WHT"]}
    )
    assert _members(product_set) == (["TB-S1-WHT"], [])


def test_only_who_manages_the_sellers_promotions_writes_its_sets(net, cat, marketer):
    before = _state()
    with pytest.raises(NotFound):  # dist1 is outside a dealer's network
        _batteries(net, net.dealer1_admin)
    with pytest.raises(PermissionDenied):  # in scope, without the right
        _batteries(net, net.region_east)
    assert _state() == before


def test_update_replaces_what_is_given_and_audits_the_change(net, cat, marketer):
    product_set = _batteries(net, marketer)
    again = services.product_set_update(
        actor=marketer,
        product_set=product_set,
        data={"name": "电池与配件", "sku_codes": ["TB-S1-GRY"]},
    )
    assert again.pk == product_set.pk
    assert AuditEvent.objects.filter(action="product_set.updated").count() == 0  # no change
    services.product_set_update(
        actor=net.admin,  # the brand manages its distributors' promotions too
        product_set=product_set,
        data={"name": "刹车与配件", "sku_codes": ["BP-01-STD"]},
    )
    assert _members(product_set) == (["BP-01-STD"], ["C-PART"])  # categories kept
    audit = AuditEvent.objects.get(action="product_set.updated")
    assert audit.changes == {
        "name": ["电池与配件", "刹车与配件"],
        "skus": [["TB-S1-GRY"], ["BP-01-STD"]],
    }
    event = OutboxEvent.objects.get(topic="product_set.updated")
    assert event.payload["fields"] == ["name", "skus"]


def test_update_refusals_write_nothing(net, cat, marketer, en):
    product_set = _batteries(net, marketer)
    _batteries(net, marketer, name="整车套装")
    before = _state()
    for data, code in (
        ({"name": "整车套装"}, "product_set_name_taken"),
        ({"sku_codes": [], "category_codes": []}, "product_set_empty"),
        ({"sku_codes": ["TB-S1-WHT"]}, "product_set_sku_unknown"),
    ):
        with pytest.raises(DomainError) as exc:
            services.product_set_update(actor=marketer, product_set=product_set, data=data)
        assert exc.value.code == code
    with pytest.raises(PermissionDenied):
        services.product_set_update(
            actor=net.region_east, product_set=product_set, data={"name": "x"}
        )
    assert _state() == before


def test_registered_checks_can_refuse_a_change(net, cat, marketer, monkeypatch):
    from qudao.catalog.services import product_sets
    from qudao.core.errors import Conflict

    seen = []

    def refuse(product_set):
        seen.append(sorted(c or "" for c in product_set.items.values_list("sku__code", flat=True)))
        raise Conflict("no", code="checked")

    product_set = _batteries(net, marketer)
    monkeypatch.setattr(product_sets, "_CHECKS", [refuse])
    before = _state()
    with pytest.raises(Conflict):
        services.product_set_update(
            actor=marketer, product_set=product_set, data={"sku_codes": ["BP-01-STD"]}
        )
    assert seen == [["", "BP-01-STD"]]  # it saw the new items (the category's row: no SKU)
    assert _state() == before


# --- who sees them ----------------------------------------------------------------------------


def test_the_sellers_side_sees_its_sets(net, cat, marketer, django_assert_num_queries):
    mine = _batteries(net, marketer)
    theirs = services.product_set_create(
        actor=net.dealer3_admin,
        owner=net.dealer3,
        data={"name": "广州套装", "category_codes": ["C-BIKE"]},
    )

    def seen(actor):
        return [s.pk for s in selectors.product_set_list_for_actor(actor=actor)]

    assert seen(marketer) == [mine.pk]
    assert seen(net.region_east) == [mine.pk]  # above the seller: reads it
    assert seen(net.admin) == [mine.pk, theirs.pk]
    assert seen(net.dealer1_admin) == []  # a buyer of dist1 is not its side
    assert seen(net.dealer3_admin) == [theirs.pk]
    with pytest.raises(NotFound):
        selectors.product_set_get(actor=net.dealer1_admin, product_set_id=mine.pk)
    row = selectors.product_set_list_for_actor(actor=marketer).get()
    assert (row.sku_count, row.category_count) == (1, 1)
    assert selectors.product_set_choices(actor=marketer, owner=net.dist1) == [(mine.pk, mine.name)]
    assert selectors.product_set_choices(actor=net.dealer1_admin, owner=net.dist1) == []
    for n in range(3):
        _batteries(net, marketer, name=f"套装 {n}")
    with django_assert_num_queries(1):  # the sets with their seller and counts, however many
        assert len(list(selectors.product_set_list_for_actor(actor=marketer))) == 4
    assert [o.pk for o in selectors.product_set_owners(actor=marketer)] == [net.dist1.pk]


# --- client ------------------------------------------------------------------------------------


def test_list_and_create_pages(client, net, cat, marketer, en):
    client.force_login(marketer)
    page = client.get(LIST)
    assert page.status_code == 200
    assert [o.pk for o in page.context["owners"]] == [net.dist1.pk]
    assert client.get(NEW).status_code == 200
    before = _state()
    refused = client.post(NEW, {"owner": net.dist1.pk, "name": "空的"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "sku_codes": ["A product set holds at least one SKU or category."]
    }
    refused = client.post(NEW, {"owner": net.dist1.pk, "name": "x", "sku_codes": "TB-S1-WHT"})
    assert refused.context["form"].errors == {
        "sku_codes": ["Not in the catalogue 杭州绿源车业有限公司 sells from: TB-S1-WHT."]
    }
    refused = client.post(NEW, {"owner": net.dist2.pk, "name": "x", "sku_codes": "TB-S1-GRY"})
    assert refused.status_code == 400  # not one of the actor's sellers: not a choice
    assert _state() == before
    done = client.post(
        NEW,
        {
            "owner": net.dist1.pk,
            "name": "电池与配件",
            "sku_codes": "TB-S1-GRY，BP-01-STD\nTB-S1-GRY",
            "category_codes": ["C-PART"],
        },
    )
    product_set = ProductSet.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("catalog:product_set_detail", args=[product_set.pk])
    assert _members(product_set) == (["BP-01-STD", "TB-S1-GRY"], ["C-PART"])
    listed = client.get(LIST, {"q": "电池"})
    assert [s.pk for s in listed.context["page"].object_list] == [product_set.pk]
    assert [s.pk for s in client.get(LIST, {"q": "整车"}).context["page"].object_list] == []


def test_detail_page_changes_the_set_and_shows_its_history(client, net, cat, marketer, en):
    product_set = _batteries(net, marketer)
    url = reverse("catalog:product_set_detail", args=[product_set.pk])
    client.force_login(marketer)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial == {
        "name": "电池与配件",
        "sku_codes": "TB-S1-GRY",
        "category_codes": ["C-PART"],
    }
    assert [e.action for e in page.context["audit"]] == ["product_set.created"]
    before = _state()
    refused = client.post(url, {"name": "电池与配件", "sku_codes": "", "category_codes": []})
    assert refused.status_code == 400
    assert _state() == before
    saved = client.post(url, {"name": "电池", "sku_codes": "BP-01-STD", "category_codes": []})
    assert saved.status_code == 302
    assert _members(product_set) == (["BP-01-STD"], [])
    # the region manager reads it, changes nothing; outside dist1's side: 404
    client.force_login(net.region_east)
    page = client.get(url)
    assert (page.status_code, page.context["form"], page.context["can_manage"]) == (
        200,
        None,
        False,
    )
    before = _state()
    assert client.post(url, {"name": "x", "sku_codes": "TB-S1-GRY"}).status_code == 403
    assert client.get(NEW).status_code == 403  # manages no seller's promotions
    client.force_login(net.dealer1_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "sku_codes": "TB-S1-GRY"}).status_code == 404
    assert _state() == before


# --- API --------------------------------------------------------------------------------------


def _api(client, method, url, body=None):
    kwargs = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1{url}", **kwargs)


def test_api_creates_reads_and_changes_sets(client, net, cat, marketer):
    client.force_login(marketer)
    body = {"owner_id": net.dist1.pk, "name": "电池与配件", "sku_codes": ["TB-S1-GRY"]}
    created = _api(client, "post", "/product-sets", {**body, "category_codes": ["C-PART"]})
    assert created.status_code == 201, created.content
    found = created.json()
    assert {k: found[k] for k in ("owner_code", "name", "sku_codes", "category_codes")} == {
        "owner_code": "D-HZ",
        "name": "电池与配件",
        "sku_codes": ["TB-S1-GRY"],
        "category_codes": ["C-PART"],
    }
    assert (found["sku_count"], found["category_count"]) == (1, 1)
    url = f"/product-sets/{found['id']}"
    before = _state()
    taken = _api(client, "post", "/product-sets", body)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "product_set_name_taken")
    empty = _api(client, "patch", url, {"sku_codes": [], "category_codes": []})
    assert (empty.status_code, empty.json()["error"]["code"]) == (400, "product_set_empty")
    assert empty.json()["error"]["fields"] == {
        "sku_codes": ["A product set holds at least one SKU or category."]
    }
    outside = _api(client, "post", "/product-sets", {**body, "owner_id": net.dist2.pk})
    assert outside.status_code == 404
    assert _state() == before
    changed = _api(client, "patch", url, {"name": None, "sku_codes": ["BP-01-STD"]})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["sku_codes"]) == ("电池与配件", ["BP-01-STD"])
    listed = _api(client, "get", f"/product-sets?owner={net.dist1.pk}").json()
    assert [s["id"] for s in listed["items"]] == [found["id"]]
    client.force_login(net.dealer3_admin)
    assert _api(client, "get", url).status_code == 404
    assert _api(client, "patch", url, {"name": "x"}).status_code == 404
    assert _api(client, "get", "/product-sets").json()["items"] == []
