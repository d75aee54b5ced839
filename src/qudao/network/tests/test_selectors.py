import pytest

from qudao.network import selectors
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db


def test_tree_counts_everything_under_each_node(net):
    roots = selectors.org_tree_children(actor=net.admin, parent=None)
    assert [(n.org.code, n.descendants) for n in roots] == [("HQ", 8)]
    assert roots[0].by_kind == {"region": 2, "distributor": 2, "dealer": 3, "store": 1}
    regions = selectors.org_tree_children(actor=net.admin, parent=net.hq)
    assert [(n.org.code, n.descendants, n.by_kind) for n in regions] == [
        ("R-EAST", 4, {"distributor": 1, "dealer": 2, "store": 1}),
        ("R-SOUTH", 2, {"distributor": 1, "dealer": 1}),
    ]


def test_tree_roots_are_the_actors_own_orgs(net):
    f.member(net.dealer3, "dealer_admin", user=net.dealer1_admin)  # a second, separate subtree
    roots = selectors.org_tree_children(actor=net.dealer1_admin, parent=None)
    assert [(n.org.code, n.descendants) for n in roots] == [("DL-HZ1", 1), ("DL-GZ1", 0)]


def test_kind_counts_for_the_home_widget(net):
    assert selectors.org_kind_counts_for_actor(actor=net.admin) == {
        "hq": 1,
        "region": 2,
        "distributor": 2,
        "dealer": 3,
        "store": 1,
    }
    assert selectors.org_kind_counts_for_actor(actor=net.region_east) == {
        "region": 1,
        "distributor": 1,
        "dealer": 2,
        "store": 1,
    }


def test_search_by_name_code_and_pinyin(net):
    def codes(q):
        return [o.code for o in selectors.org_list_for_actor(actor=net.admin, q=q)]

    assert codes("gzxl") == ["DL-GZ1"]
    assert codes("GZXL") == ["DL-GZ1"]
    assert codes("迅力") == ["DL-GZ1"]
    assert codes("dl-nb") == ["DL-NB1"]
    assert codes("hangzhou") == ["D-HZ", "DL-HZ1", "S-HZ1"]
    assert [o.code for o in selectors.org_list_for_actor(actor=net.dealer1_admin, q="gzxl")] == []


def test_default_seller_is_the_nearest_selling_ancestor(net):
    assert selectors.default_seller(org=net.store1) == net.dealer1
    assert selectors.default_seller(org=net.dealer1) == net.dist1
    assert selectors.default_seller(org=net.dist1) == net.hq
    assert selectors.default_seller(org=net.hq) is None
