"""The demo seed (`qudao seed`): exact shape at the small scale, a sound tree, working logins,
idempotence and determinism."""

import re
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from stdnum.cn import uscc as stdnum_uscc

from qudao.accounts.constants import ROLES
from qudao.accounts.models import User
from qudao.core.text import pinyin_initials
from qudao.network.constants import ALLOWED_CHILDREN, OrgKind, OrgStatus
from qudao.network.divisions import divisions_load
from qudao.network.models import Division, Membership, Org, SupplyLink
from qudao.network.seed import SCALES, Planner, SeedError, SeedReport, load_places, seed_demo

SMALL_KINDS = {
    "hq": 1,
    "region": 2,
    "distributor": 4,
    "dealer": 12,
    "store": 30,
    "service_point": 3,
}
DEMO_USERNAMES = [
    "admin", "channel", "region", "finance", "warehouse", "sales", "distributor", "dealer", "store",
    "service", "tech",
]  # fmt: skip
NO_PROBLEMS = ([], [], [], [], [])


@pytest.fixture
def seed_divisions(db: None) -> None:
    if not Division.objects.exists():
        divisions_load()


@pytest.fixture
def small(seed_divisions: None) -> SeedReport:
    return seed_demo(scale="small")


def _snapshot() -> dict[str, object]:
    return {
        "orgs": sorted(
            Org.objects.values_list(
                "code", "path", "depth", "numchild", "name", "uscc", "latitude", "longitude"
            )
        ),
        "links": sorted(SupplyLink.objects.values_list("buyer__code", "seller__code", "kind")),
        "users": sorted(User.objects.values_list("username", "mobile", "password")),
        "memberships": sorted(
            Membership.objects.values_list("user__username", "org__code", "role__code")
        ),
    }


@pytest.mark.django_db
def test_small_seed_creates_exact_counts(small: SeedReport) -> None:
    assert dict(Counter(Org.objects.values_list("kind", flat=True))) == SMALL_KINDS
    assert Counter(SupplyLink.objects.values_list("kind", flat=True)) == {"goods": 46, "parts": 15}
    assert User.objects.count() == 11
    assert Membership.objects.count() == 11
    assert small.created == {**SMALL_KINDS, "supply_links": 61, "users": 11, "memberships": 11}
    assert small.totals == SMALL_KINDS


@pytest.mark.django_db
def test_small_seed_has_a_few_prospects_and_suspended_and_graded_outlets(
    small: SeedReport,
) -> None:
    not_active = Counter(Org.objects.exclude(status=OrgStatus.ACTIVE).values_list("kind", "status"))
    assert not_active == {
        (OrgKind.DEALER, OrgStatus.PROSPECT): 1,
        (OrgKind.DEALER, OrgStatus.SUSPENDED): 1,
        (OrgKind.STORE, OrgStatus.PROSPECT): 2,  # the stores of the prospect dealer
        (OrgKind.STORE, OrgStatus.SUSPENDED): 2,
    }
    prospect = Org.objects.get(kind=OrgKind.DEALER, status=OrgStatus.PROSPECT)
    assert {s.status for s in Org.objects.get_children(prospect)} == {OrgStatus.PROSPECT}
    graded = {OrgKind.DISTRIBUTOR, OrgKind.DEALER, OrgKind.STORE}
    for kind, grade in Org.objects.values_list("kind", "grade"):
        assert (grade in "ABCD" and grade != "") if kind in graded else grade == ""


@pytest.mark.django_db
def test_tree_is_sound(small: SeedReport) -> None:
    assert Org.objects.find_problems() == NO_PROBLEMS
    hq = Org.objects.get(code="HQ")
    assert hq.is_root()
    assert [o.code for o in Org.objects.get_children(hq)] == ["R01", "R02"]
    dealer = Org.objects.get(code="DL00001")
    assert Org.objects.get_parent(dealer).code == "D0001"
    stores = list(Org.objects.get_children(dealer))
    assert stores
    assert {s.kind for s in stores} == {OrgKind.STORE}
    assert stores[0].code == "S000001"
    assert Org.objects.get_descendant_count(hq) == sum(SMALL_KINDS.values()) - 1
    for org in Org.objects.exclude(depth=1):
        parent = Org.objects.get_parent(org)
        assert org.kind in ALLOWED_CHILDREN[parent.kind], org.code


@pytest.mark.django_db
def test_supply_links_follow_the_network(small: SeedReport) -> None:
    links: dict[str, set[tuple[str, str]]] = {}
    for buyer, seller, kind in SupplyLink.objects.values_list(
        "buyer__code", "seller__code", "kind"
    ):
        links.setdefault(buyer, set()).add((seller, kind))
    for org in Org.objects.all():
        parent = Org.objects.get_parent(org)
        expected = {
            OrgKind.HQ: None,
            OrgKind.REGION: None,
            OrgKind.DISTRIBUTOR: {("HQ", "goods")},
            OrgKind.DEALER: {(parent.code, "goods"), ("HQ", "parts")} if parent else None,
            OrgKind.STORE: {(parent.code, "goods")} if parent else None,
            OrgKind.SERVICE_POINT: {("HQ", "parts")},
        }[OrgKind(org.kind)]
        assert links.get(org.code) == expected, org.code


@pytest.mark.django_db
def test_every_demo_login_authenticates_by_username_and_by_mobile(small: SeedReport) -> None:
    password = settings.QUDAO["DEMO_PASSWORD"]
    assert [login.username for login in small.logins] == DEMO_USERNAMES
    assert {login.role for login in small.logins} == set(ROLES)
    for login in small.logins:
        by_name = authenticate(username=login.username, password=password)
        by_mobile = authenticate(username=login.mobile, password=password)
        assert by_name is not None, login.username
        assert by_name == by_mobile
        assert by_name.display_name == login.display_name
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", login.display_name)
        assert Membership.objects.filter(
            user=by_name, org__code=login.org_code, role__code=login.role, is_active=True
        ).exists()
    assert authenticate(username="admin", password="wrong") is None


@pytest.mark.django_db
def test_demo_logins_sit_where_the_roles_belong(small: SeedReport) -> None:
    homes = {login.username: login.org_code for login in small.logins}
    assert homes == {
        "admin": "HQ",
        "channel": "HQ",
        "region": "R01",
        "finance": "HQ",
        "warehouse": "D0001",
        "sales": "R01",
        "distributor": "D0001",
        "dealer": "DL00001",
        "store": "S000001",
        "service": "HQ",
        "tech": "SP001",
    }
    for login in small.logins:
        kind = Org.objects.get(code=login.org_code).kind
        assert kind in ROLES[login.role][1], login.username
        assert Org.objects.get(code=login.org_code).status == OrgStatus.ACTIVE


@pytest.mark.django_db
def test_second_run_changes_nothing(small: SeedReport) -> None:
    before = _snapshot()

    again = seed_demo(scale="small")

    assert again.created == {"supply_links": 0, "users": 0, "memberships": 0}
    assert again.totals == SMALL_KINDS
    assert _snapshot() == before


@pytest.mark.django_db
def test_missing_rows_are_recreated_after_the_existing_last_child(small: SeedReport) -> None:
    last = Org.objects.get(code="S000030")  # the last store of the last dealer
    dealer = Org.objects.get_parent(last)
    assert list(Org.objects.get_children(dealer))[-1] == last
    last_path = last.path
    Org.objects.filter(code=last.code).delete()  # treebeard fixes numchild; links cascade
    Org.objects.filter(code="D0001").update(name="改过的名字")

    again = seed_demo(scale="small")

    assert again.created == {"store": 1, "supply_links": 1, "users": 0, "memberships": 0}
    assert Org.objects.find_problems() == NO_PROBLEMS
    assert Org.objects.get(code=last.code).path == last_path
    assert Org.objects.get(code="D0001").name == "改过的名字"  # existing rows are left alone


@pytest.mark.django_db
def test_seed_goes_next_to_an_existing_root(seed_divisions: None) -> None:
    Org.objects.add_root(instance=Org(code="OTHER", name="别的品牌", kind=OrgKind.HQ))

    seed_demo(scale="small")

    assert Org.objects.find_problems() == NO_PROBLEMS
    assert Org.objects.get(code="HQ").path == "0002"
    assert Org.objects.get(code="OTHER").numchild == 0


@pytest.mark.django_db
def test_usccs_are_valid_and_unique(small: SeedReport) -> None:
    usccs = dict(Org.objects.exclude(kind=OrgKind.REGION).values_list("code", "uscc"))
    assert len(usccs) == sum(SMALL_KINDS.values()) - 2
    assert all(stdnum_uscc.is_valid(value) for value in usccs.values())
    assert len(set(usccs.values())) == len(usccs)
    # The registration region is the org's own district.
    for code, district, uscc in Org.objects.exclude(kind=OrgKind.REGION).values_list(
        "code", "district_id", "uscc"
    ):
        assert uscc[2:8] == district, code
    assert set(Org.objects.filter(kind=OrgKind.REGION).values_list("uscc", flat=True)) == {""}


@pytest.mark.django_db
def test_addresses_nest_and_sit_in_china(small: SeedReport) -> None:
    for org in Org.objects.select_related("province", "city", "district"):
        assert org.district.parent_id == org.city.code, org.code
        assert org.city.parent_id == org.province.code, org.code
        assert org.province.parent_id is None
        assert org.address.endswith("号")
        assert Decimal("18") < org.latitude < Decimal("54"), org.code
        assert Decimal("73") < org.longitude < Decimal("135"), org.code
        assert org.latitude.as_tuple().exponent == -6


@pytest.mark.django_db
def test_mobiles_are_mainland_and_unique(small: SeedReport) -> None:
    mobiles = list(User.objects.values_list("mobile", flat=True))
    mobiles += list(Org.objects.values_list("contact_phone", flat=True))
    assert all(re.fullmatch(r"1[3-9]\d{9}", m) for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)


@pytest.mark.django_db
def test_orgs_are_found_by_the_initials_of_their_name(small: SeedReport) -> None:
    for code in ("D0001", "DL00001", "S000001", "SP001"):
        org = Org.objects.get(code=code)
        initials = pinyin_initials(org.name)
        assert len(initials) >= 6
        assert code in Org.objects.filter(search_text__contains=initials).values_list(
            "code", flat=True
        )
    assert Org.objects.filter(search_text__contains="dl00001").get().code == "DL00001"


@pytest.mark.django_db
def test_the_same_scale_plans_the_same_network(seed_divisions: None) -> None:
    def plan_rows(scale: str) -> list[tuple[object, ...]]:
        plan = Planner(scale=SCALES[scale], places=load_places()).build()
        return [
            (o.code, o.name, o.uscc, o.latitude, o.longitude, o.contact_phone, o.status)
            for o in plan.orgs
        ] + [(u.username, u.display_name, u.mobile) for u in plan.users]

    assert plan_rows("small") == plan_rows("small")


@pytest.mark.django_db
def test_medium_plan_has_the_promised_shape(seed_divisions: None) -> None:
    plan = Planner(scale=SCALES["medium"], places=load_places()).build()

    kinds = Counter(o.kind for o in plan.orgs)
    assert kinds == {
        "hq": 1, "region": 5, "distributor": 30, "dealer": 300, "store": 2000,
        "service_point": 20,
    }  # fmt: skip
    # One dealer_admin per distributor and dealer, on top of the ten demo logins.
    assert len(plan.users) == 11 + 30 + 300
    for attribute in ("code", "name", "uscc", "contact_phone"):
        values = [getattr(o, attribute) for o in plan.orgs if o.kind != OrgKind.REGION]
        assert len(set(values)) == len(values), attribute


@pytest.mark.django_db
def test_command_prints_the_logins_and_password_last(seed_divisions: None) -> None:
    out = StringIO()

    call_command("seed", "--no-orders", stdout=out)

    lines = out.getvalue().rstrip("\n").split("\n")
    assert lines[-1] == f"Password for every demo login: {settings.QUDAO['DEMO_PASSWORD']}"
    table = lines[-12:-1]
    assert [row.split()[0] for row in table] == DEMO_USERNAMES
    assert lines[-13].split() == ["username", "mobile", "name", "role", "org"]
    for row, user in zip(table, User.objects.order_by("pk"), strict=True):
        assert user.mobile in row
    assert Org.objects.count() == sum(SMALL_KINDS.values())


@pytest.mark.django_db
def test_unknown_scale_is_refused(seed_divisions: None) -> None:
    with pytest.raises(SeedError):
        seed_demo(scale="huge")
    assert not Org.objects.exists()
