import pytest

from qudao.catalog import selectors
from qudao.catalog.tests import factories as f
from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.services import audit_record_bulk
from qudao.network.tests import factories as nf

pytestmark = pytest.mark.django_db


def test_who_manages_and_who_reads(net):
    clerk = nf.member(net.dealer1, "warehouse_clerk", username="clerk")
    assert selectors.can_manage(net.admin) is True
    assert selectors.can_manage(nf.system_actor()) is True
    for user in (net.region_east, net.dealer1_admin, clerk):
        assert selectors.can_manage(user) is False
    assert [selectors.can_read(u) for u in (net.admin, net.dealer1_admin, clerk)] == [
        True,
        True,
        False,
    ]
    with pytest.raises(PermissionDenied):
        selectors.product_list_for_actor(actor=clerk)


def test_pinyin_initials_find_products_and_skus(net, cat):
    def products(q, actor=net.admin):
        return [p.code for p in selectors.product_list_for_actor(actor=actor, q=q)]

    def skus(q):
        return [s.code for s in selectors.sku_list_for_actor(actor=net.admin, q=q)]

    assert products("tbc") == ["TB-S1"]
    assert products("tabanche") == ["TB-S1"]
    assert products("scp") == ["BP-01"]  # 刹车片
    assert products("xkh") == ["TB-S1"]  # a SKU's attribute 星空灰
    assert skus("xkh") == ["TB-S1-GRY"]
    assert skus("tbc") == ["TB-S1-GRY", "TB-S1-WHT"]  # through the product's name
    assert products("zzz") == []


def test_category_tree_counts_products_in_each_subtree(net, cat):
    f.product(cat["scooters"], code="TB-D1", name="草稿车")  # a draft
    rows = selectors.category_tree(actor=net.admin)
    assert [(r.category.code, r.level, r.products) for r in rows] == [
        ("C-BIKE", 0, 2),
        ("C-TBC", 1, 2),
        ("C-PART", 0, 1),
    ]
    rows = selectors.category_tree(actor=net.dealer1_admin)
    assert [r.products for r in rows] == [1, 1, 1]


def test_drafts_are_only_for_the_brand(net, cat):
    draft = f.product(cat["scooters"], code="TB-D1", name="草稿车")
    assert selectors.product_get(actor=net.admin, product_id=draft.pk) == draft
    with pytest.raises(NotFound):
        selectors.product_get(actor=net.dealer1_admin, product_id=draft.pk)
    with pytest.raises(NotFound):
        selectors.sku_get(actor=net.dealer1_admin, sku_id=cat["white"].pk)
    product = selectors.product_get(actor=net.dealer1_admin, product_id=cat["scooter"].pk)
    assert [s.code for s in product.skus.all()] == ["TB-S1-GRY"]


def test_sku_map_by_codes(net, cat):
    found = selectors.sku_map_by_codes(["TB-S1-GRY", " BP-01-STD ", "NOPE", ""])
    assert {code: sku.pk for code, sku in found.items()} == {
        "TB-S1-GRY": cat["grey"].pk,
        "BP-01-STD": cat["pad"].pk,
    }
    assert selectors.sku_map_by_codes([]) == {}


def _price_row(sku, seller):
    audit_record_bulk(
        actor=None,
        org_path=seller.path,
        events=[
            (
                "price.changed",
                "catalog.sku",
                sku.pk,
                str(sku),
                {"price": ["3999.00", "3899.00"], "price_list": [None, f"{seller.name} · PL-A"]},
            )
        ],
    )


def test_price_rows_on_the_sku_timeline_are_for_the_sellers_scope(net, cat):
    grey = cat["grey"]
    _price_row(grey, net.dealer1)  # dealer1's price for its stores

    def actions(actor):
        return [e.action for e in selectors.sku_timeline(actor=actor, sku=grey)]

    assert actions(net.admin) == ["price.changed", "sku.created"]  # HQ sees its subtree
    assert actions(net.dealer1_admin) == ["price.changed", "sku.created"]
    assert actions(net.dealer2_admin) == ["sku.created"]  # a sibling does not


def test_product_timeline_covers_its_skus_but_not_hidden_ones(net, cat):
    scooter = cat["scooter"]
    admin = [
        (e.action, e.object_id)
        for e in selectors.product_timeline(actor=net.admin, product=scooter)
    ]
    assert admin == [
        ("sku.created", str(cat["white"].pk)),
        ("sku.created", str(cat["grey"].pk)),
        ("product.created", str(scooter.pk)),
    ]
    dealer = selectors.product_timeline(actor=net.dealer1_admin, product=scooter)
    assert [e.object_id for e in dealer] == [str(cat["grey"].pk), str(scooter.pk)]
