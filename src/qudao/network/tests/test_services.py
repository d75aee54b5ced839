import pytest

from qudao.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.network import services
from qudao.network.models import Membership, Org, SupplyLink
from qudao.network.tests import factories as f

VALID_USCC = "91330106MA2B0CDE0T"

pytestmark = pytest.mark.django_db


def test_org_create_writes_org_audit_and_event(net):
    org = services.org_create(
        actor=net.region_east,
        parent=net.dist1,
        data={
            "code": "DL-HZ9",
            "name": "杭州新动力电动车",
            "kind": "dealer",
            "uscc": VALID_USCC,
            "province": "33",
            "city": "3301",
            "district": "330106",
            "grade": "B",
        },
    )
    org.refresh_from_db()
    assert Org.objects.get_parent(org) == net.dist1
    assert (org.province_id, org.city_id, org.district_id) == ("33", "3301", "330106")
    assert org.search_text == "杭州新动力电动车 hangzhouxindonglidiandongche hzxdlddc dl-hz9"
    audit = AuditEvent.objects.get(object_type="network.org", object_id=str(org.pk))
    assert audit.action == "org.created"
    assert audit.actor == net.region_east
    assert audit.changes["code"] == [None, "DL-HZ9"]
    assert OutboxEvent.objects.filter(topic="org.created", payload__org_id=org.pk).count() == 1


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        ({"uscc": "91330106MA2B0CDE0X"}, ValidationFailed, "invalid_uscc"),
        ({"code": "DL-HZ1"}, Conflict, "org_code_taken"),
        ({"kind": "region"}, ValidationFailed, "org_kind_not_allowed"),
        ({"city": "4401"}, ValidationFailed, "invalid_division"),
        ({"latitude": "95"}, ValidationFailed, "invalid_geo"),
        ({"status": "closed"}, ValidationFailed, "invalid_status"),
    ],
)
def test_org_create_refusals_write_nothing(net, data, error, code):
    before = (Org.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count())
    payload = {"code": "DL-NEW", "name": "新车行", "kind": "dealer", "province": "33", **data}
    with pytest.raises(error) as exc:
        services.org_create(actor=net.admin, parent=net.dist1, data=payload)
    assert exc.value.code == code
    assert (Org.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count()) == before


def test_org_create_outside_scope_is_not_found(net):
    with pytest.raises(NotFound):
        services.org_create(
            actor=net.dealer1_admin,
            parent=net.dealer3,
            data={"code": "S-X", "name": "门店", "kind": "store"},
        )
    assert not Org.objects.filter(code="S-X").exists()


def test_org_update_records_old_and_new(net):
    services.org_update(
        actor=net.dealer1_admin, org=net.dealer1, data={"name": "杭州迅达车业", "grade": "A"}
    )
    net.dealer1.refresh_from_db()
    assert net.dealer1.name == "杭州迅达车业"
    audit = AuditEvent.objects.filter(action="org.updated").get()
    assert audit.changes == {"name": ["杭州迅达电动车行", "杭州迅达车业"], "grade": ["", "A"]}


def test_org_status_follows_pipeline(net):
    services.org_update(actor=net.admin, org=net.dealer1, data={"status": "closed"})
    with pytest.raises(InvalidTransition) as exc:
        services.org_update(actor=net.admin, org=net.dealer1, data={"status": "active"})
    assert exc.value.code == "invalid_transition"
    net.dealer1.refresh_from_db()
    assert net.dealer1.status == "closed"


def test_move_under_own_descendant_is_refused(net):
    with pytest.raises(ValidationFailed) as exc:
        services.org_move(actor=net.admin, org=net.dist1, new_parent=net.dealer1)
    assert exc.value.code == "org_move_into_descendant"
    net.dist1.refresh_from_db()
    assert Org.objects.get_parent(net.dist1) == net.east


def test_move_carries_the_subtree(net):
    services.org_move(actor=net.admin, org=net.dealer1, new_parent=net.dist2)
    store = Org.objects.get(code="S-HZ1")
    assert Org.objects.get_parent(Org.objects.get_parent(store)).code == "D-GZ"
    assert Org.objects.find_problems() == ([], [], [], [], [])
    assert AuditEvent.objects.filter(action="org.moved").count() == 1


def test_member_added_outside_scope_is_not_found(net):
    with pytest.raises(NotFound):
        services.membership_add(
            actor=net.dealer1_admin,
            org=net.dealer3,
            role_code="store_clerk",
            user=net.dealer2_admin,
        )
    with pytest.raises(NotFound):  # nor may they pull in a user from elsewhere
        services.membership_add(
            actor=net.dealer1_admin, org=net.store1, role_code="store_clerk", user=net.dealer3_admin
        )
    assert not Membership.objects.filter(role__code="store_clerk").exists()


def test_member_role_must_fit_the_org_kind(net):
    with pytest.raises(ValidationFailed) as exc:
        services.membership_add(
            actor=net.admin,
            org=net.store1,
            role_code="brand_admin",
            new_user={"username": "x", "password": None},
        )
    assert exc.value.code == "role_not_for_org_kind"


def test_member_with_new_user_notifies_them(django_capture_on_commit_callbacks, net):
    with django_capture_on_commit_callbacks(execute=True):
        m = services.membership_add(
            actor=net.dealer1_admin,
            org=net.store1,
            role_code="store_clerk",
            new_user={
                "username": "clerk1",
                "display_name": "王小明",
                "mobile": "13900000002",
                "password": "pass-1234-word",
            },
        )
    assert m.user.check_password("pass-1234-word")
    assert list(m.user.notifications.values_list("title", flat=True)) == [
        "您已被添加到 杭州西湖门店，角色：门店店员"
    ]


def test_supply_link_cycle_is_refused(net):
    services.supply_link_create(actor=net.admin, buyer=net.dealer1, seller=net.dist1, kind="goods")
    services.supply_link_create(actor=net.admin, buyer=net.dist1, seller=net.hq, kind="goods")
    with pytest.raises(ValidationFailed) as exc:
        services.supply_link_create(actor=net.admin, buyer=net.hq, seller=net.dealer1, kind="parts")
    assert exc.value.code == "supply_link_cycle"
    assert SupplyLink.objects.count() == 2


def test_supply_link_store_may_buy_from_an_ancestor_outside_scope(net):
    link = services.supply_link_create(
        actor=net.dealer1_admin, buyer=net.store1, seller=net.dist1, kind="goods"
    )
    assert (link.buyer, link.seller) == (net.store1, net.dist1)
    with pytest.raises(NotFound):
        services.supply_link_create(
            actor=net.dealer1_admin, buyer=net.store1, seller=net.dealer3, kind="goods"
        )


def test_factories_build_valid_tree(net):
    assert Org.objects.find_problems() == ([], [], [], [], [])
    assert f.root() == net.hq
