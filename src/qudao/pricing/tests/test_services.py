from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent
from qudao.network.tests import factories as f
from qudao.pricing import services
from qudao.pricing.models import PriceList, PriceListItem
from qudao.pricing.tests import factories as pf

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def bike(net):
    return pf.sku("T1-48V-GRY")


def _state():
    return (
        PriceList.objects.count(),
        list(PriceListItem.objects.values_list("price", flat=True)),
        AuditEvent.objects.count(),
    )


def test_same_target_and_priority_overlapping_is_refused_at_save(net, bike):
    pf.price_list(net.dist1, code="A", items={bike: 2000})
    other = pf.price_list(net.dist1, code="B")
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.price_list_set_items(
            actor=net.admin, price_list=other, rows=[{"sku_id": bike.pk, "price": "1990"}]
        )
    assert exc.value.code == "price_list_ambiguous"
    assert "A" in exc.value.message and "T1-48V-GRY" in exc.value.message
    assert _state() == before


def test_disjoint_windows_or_priorities_are_fine(net, bike):
    start = datetime(2026, 12, 1, tzinfo=SH)
    pf.price_list(net.dist1, code="A", items={bike: 2000}, valid_until=start)
    pf.price_list(net.dist1, code="B", items={bike: 1990}, valid_from=start)  # [start, ∞)
    pf.price_list(net.dist1, code="C", items={bike: 1980}, priority=2)
    assert PriceListItem.objects.count() == 3


def test_changing_priority_into_a_tie_is_refused(net, bike):
    pf.price_list(net.dist1, code="A", items={bike: 2000})
    b = pf.price_list(net.dist1, code="B", items={bike: 1990}, priority=1)
    with pytest.raises(Conflict) as exc:
        services.price_list_update(actor=net.admin, price_list=b, data={"priority": 0})
    assert exc.value.code == "price_list_ambiguous"
    b.refresh_from_db()
    assert b.priority == 1


def test_floor_binds_distributor_lists_with_sku_floor_and_price(net, bike):
    services.price_control_set(
        actor=net.admin, sku=bike, data={"floor_distributor": "1800.00", "suggested_retail": "2599"}
    )
    pl = pf.price_list(net.dist1, code="A")
    with pytest.raises(ValidationFailed) as exc:
        services.price_list_set_items(
            actor=net.admin, price_list=pl, rows=[{"sku_id": bike.pk, "price": "1799.99"}]
        )
    assert exc.value.code == "price_below_floor"
    assert exc.value.message == "T1-48V-GRY：1799.99 低于底价 1800.00。"
    assert not PriceListItem.objects.exists()
    services.price_list_set_items(
        actor=net.admin, price_list=pl, rows=[{"sku_id": bike.pk, "price": "1800.00"}]
    )
    assert PriceListItem.objects.get().price == Decimal("1800.00")


def test_the_brand_is_not_bound_by_floors(net, bike):
    services.price_control_set(actor=net.admin, sku=bike, data={"floor_distributor": "1800"})
    pl = pf.price_list(net.hq, code="HQ-A", items={bike: 1500})
    assert pl.items.get().price == Decimal("1500.00")


def test_price_changes_are_audited_on_the_sku(net, bike):
    pl = pf.price_list(net.dist1, code="A", items={bike: 2000})
    services.price_list_set_items(
        actor=net.admin, price_list=pl, rows=[{"sku_id": bike.pk, "price": "1950"}]
    )
    rows = list(
        AuditEvent.objects.filter(object_type="catalog.sku", object_id=str(bike.pk))
        .order_by("id")
        .values_list("action", "changes")
    )
    assert [r[0] for r in rows] == ["price.created", "price.changed"]
    assert rows[1][1]["price"] == ["2000.00", "1950.00"]
    assert rows[1][1]["price_list"] == [None, "杭州绿源车业有限公司 · A"]
    assert AuditEvent.objects.filter(action="price.changed").get().actor == net.admin


def test_negative_price_and_bad_window_are_refused(net, bike):
    pl = pf.price_list(net.dist1, code="A")
    with pytest.raises(ValidationFailed):
        services.price_list_set_items(
            actor=net.admin, price_list=pl, rows=[{"sku_id": bike.pk, "price": "-1"}]
        )
    start = datetime(2026, 12, 1, tzinfo=SH)
    with pytest.raises(ValidationFailed) as exc:
        services.price_list_create(
            actor=net.admin,
            seller=net.dist1,
            data={
                "code": "W",
                "name": "w",
                "target": "default",
                "valid_from": start,
                "valid_until": start - timedelta(days=1),
            },
        )
    assert exc.value.fields == {"valid_until": ["结束时间必须晚于开始时间。"]}
    with pytest.raises(ValidationFailed):
        services.price_list_create(
            actor=net.admin,
            seller=net.dist1,
            data={
                "code": "N",
                "name": "n",
                "target": "default",
                "valid_from": datetime(2026, 12, 1),  # noqa: DTZ001  (naive on purpose)
            },
        )


def test_only_the_sellers_people_write_its_lists(net, bike):
    with pytest.raises(NotFound):  # another subtree's seller
        services.price_list_create(
            actor=net.dealer1_admin,
            seller=net.dealer3,
            data={"code": "X", "name": "x", "target": "default"},
        )
    clerk = f.member(net.store1, "store_clerk", username="clerk")
    with pytest.raises(PermissionDenied):  # in scope, without the right
        services.price_list_create(
            actor=clerk, seller=net.store1, data={"code": "X", "name": "x", "target": "default"}
        )
    own = services.price_list_create(
        actor=net.dealer1_admin,
        seller=net.dealer1,
        data={"code": "X", "name": "门店价", "target": "default"},
    )
    assert own.seller == net.dealer1
    with pytest.raises(ValidationFailed):  # targets must be in the actor's network
        services.price_list_create(
            actor=net.dealer1_admin,
            seller=net.dealer1,
            data={"code": "Y", "name": "y", "target": "buyer", "target_buyer": net.dealer3.pk},
        )
    assert PriceList.objects.count() == 1


def test_price_control_is_the_brands(net, bike):
    with pytest.raises(NotFound):
        services.price_control_set(actor=net.dealer1_admin, sku=bike, data={"floor_dealer": "1"})
    finance = f.member(net.hq, "finance", username="hq-finance")
    with pytest.raises(PermissionDenied):  # at HQ, but not a catalogue manager
        services.price_control_set(actor=finance, sku=bike, data={"floor_dealer": "1"})
    control = services.price_control_set(
        actor=net.admin, sku=bike, data={"floor_dealer": "1900", "suggested_retail": ""}
    )
    assert (control.floor_dealer, control.suggested_retail) == (Decimal("1900.00"), None)
