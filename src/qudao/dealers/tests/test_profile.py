"""The dealer list and 360° page, lifecycle records of orgs made outside an application, and
the ordering holds read by the order gate."""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from qudao.core.errors import NotFound
from qudao.core.outbox import outbox_sweep
from qudao.dealers.constants import Stage
from qudao.dealers.models import Dealer
from qudao.dealers.selectors import profile as selectors
from qudao.network import services as network
from qudao.network.constants import Hold
from qudao.network.tests import factories as f
from qudao.orders.services._common import OrgNotActive
from qudao.orders.tests import factories as of


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


@pytest.mark.django_db
def test_a_dealer_org_created_in_the_network_gets_an_active_record(records, net, channel):
    # the net fixture's three dealers were created through org_create: the handler ran
    records = {d.org.code: d for d in Dealer.objects.select_related("org")}
    assert sorted(records) == ["DL-GZ1", "DL-HZ1", "DL-NB1"]
    hz = records["DL-HZ1"]
    assert (hz.stage, hz.company_name, hz.brand_id) == (Stage.ACTIVE, "杭州迅达电动车行", net.hq.pk)
    assert hz.token and hz.number.startswith("DA-")
    # a store is not a dealer
    f.org(net.dealer1, "store", code="S-HZ9")
    outbox_sweep()
    assert Dealer.objects.count() == 3


@pytest.mark.django_db
def test_list_is_scoped_to_the_actors_part_of_the_network(
    records, net, channel, django_assert_num_queries
):
    codes = lambda actor, **kw: [  # noqa: E731
        d.org.code for d in selectors.dealer_list(actor=actor, **kw)
    ]
    assert codes(channel) == ["DL-GZ1", "DL-HZ1", "DL-NB1"]
    assert codes(net.region_east) == ["DL-HZ1", "DL-NB1"]  # 华东 only
    assert codes(net.dealer1_admin) == []  # no MANAGE_DEALERS
    assert codes(channel, q="xd") == ["DL-HZ1"]  # pinyin initials of 迅达
    network.org_update(actor=f.system_actor(), org=net.dealer2, data={"grade": "A"})
    assert codes(channel, grade="A") == ["DL-NB1"]
    with django_assert_num_queries(1):
        list(selectors.dealer_list(actor=channel))


@pytest.mark.django_db
def test_360_of_another_region_is_not_found(records, net):
    other = Dealer.objects.get(org=net.dealer3)  # 华南
    with pytest.raises(NotFound):
        selectors.dealer_360(actor=net.region_east, dealer_id=other.pk)
    with pytest.raises(NotFound):
        selectors.dealer_360(actor=net.region_east, dealer_id="x")


@pytest.mark.django_db
def test_360_shows_balances_orders_and_stock(records, net, cat, channel, client):
    w = of.world(net, cat)
    order = of.placed(w)  # 2 bikes at 1800 + a box of pads at 360
    view = selectors.dealer_360(actor=channel, dealer_id=Dealer.objects.get(org=net.dealer1).pk)
    assert view.parent_name == "杭州绿源车业有限公司"
    assert [(p.seller.code, p.credit_limit) for p in view.positions] == [
        ("D-HZ", Decimal("10000.00"))
    ]
    assert view.order_counts == {order.status: 1}
    assert view.order_total == Decimal("3960.00")
    assert view.orders == [order]
    client.force_login(channel)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with translation.override("zh-hans"):
        page = client.get(reverse("dealers:dealer_detail", args=[view.dealer.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "杭州迅达电动车行" in text and order.number in text and "¥3960.00" in text


@pytest.mark.django_db
def test_pages_answer_404_out_of_scope_and_403_without_the_right(records, net, client):
    other = Dealer.objects.get(org=net.dealer3)
    client.force_login(net.region_east)
    assert client.get(reverse("dealers:dealer_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("dealers:dealer_list")).status_code == 200
    client.force_login(net.dealer1_admin)
    assert client.get(reverse("dealers:dealer_list")).status_code == 403


@pytest.mark.django_db
def test_api_lists_and_summarises(records, net, channel, client):
    client.force_login(channel)
    rows = client.get("/api/v1/dealers?q=xd").json()["items"]
    assert [(r["org_code"], r["stage"]) for r in rows] == [("DL-HZ1", "active")]
    detail = client.get(f"/api/v1/dealers/{rows[0]['id']}").json()
    assert (detail["dealer"]["name"], detail["order_total"], detail["stock_on_hand"]) == (
        "杭州迅达电动车行",
        "0",
        0,
    )
    other = Dealer.objects.get(org=net.dealer3)
    client.force_login(net.region_east)
    assert client.get(f"/api/v1/dealers/{other.pk}").status_code == 404


@pytest.mark.django_db
def test_an_ordering_hold_stops_drafts_until_it_is_lifted(net, cat):
    w = of.world(net, cat)
    actor = f.system_actor()
    network.org_hold(actor=actor, org=net.dealer1, reason=Hold.AUTHORISATION_EXPIRED, on=True)
    with translation.override("en"), pytest.raises(OrgNotActive) as refused:
        of.draft(w)
    assert refused.value.code == "buyer_on_hold"
    assert refused.value.message == (
        "杭州迅达电动车行 cannot order: its brand authorisation has expired."
    )
    network.org_hold(actor=actor, org=net.dealer1, reason=Hold.AUTHORISATION_EXPIRED, on=False)
    assert of.draft(w).status == "draft"
