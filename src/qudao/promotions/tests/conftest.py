import pytest
from django.utils import translation


@pytest.fixture
def en():
    """Messages in the source language (the zh-hans catalogue is filled in later)."""
    with translation.override("en"):
        yield


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


@pytest.fixture
def world(net, cat):
    """dist1 sells to dealer1 (grade B, 杭州拱墅区) and dealer2 (grade A); a marketing user at
    dist1; the brand's admin at HQ."""
    from qudao.network import services as network
    from qudao.network.tests import factories as f

    actor = f.system_actor()
    network.org_update(
        actor=actor,
        org=net.dealer1,
        data={"grade": "B", "province": "33", "city": "3301", "district": "330105"},
    )
    network.org_update(actor=actor, org=net.dealer2, data={"grade": "A"})
    net.dealer1.refresh_from_db()
    net.dealer2.refresh_from_db()
    net.marketer = f.member(net.dist1, "dealer_admin", username="dist1-marketing")
    return net
