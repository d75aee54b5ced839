"""The in-memory plan of the demo network: every org, link and login of a scale, drawn in
tree order from one seeded random stream, before anything touches the database."""

# ruff: noqa: S311  (demo data, not secrets: `random` is right here)

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from qudao.network.constants import OrgKind, OrgStatus
from qudao.network.models import Division, Org
from qudao.network.seed.base import RANDOM_SEED, Scale
from qudao.network.seed.logins import DEMO_LOGINS, DemoLogin
from qudao.network.seed.names import (
    BRAND,
    DEALER_STYLES,
    DISTRIBUTOR_BUSINESS,
    GIVEN_CHARS,
    HQ_CODE,
    HQ_NAME,
    ROADS,
    SURNAMES,
    TRADE_WORDS,
    _short_district,
    make_mobile,
    make_uscc,
)
from qudao.network.seed.places import City, Places

GRADES = ("A", "B", "C", "D")
GRADE_WEIGHTS = (15, 35, 35, 15)
DISTRIBUTOR_STATUS = ((OrgStatus.ACTIVE, OrgStatus.SUSPENDED), (96, 4))
DEALER_STATUS = ((OrgStatus.ACTIVE, OrgStatus.PROSPECT, OrgStatus.SUSPENDED), (90, 5, 5))
STORE_STATUS = ((OrgStatus.ACTIVE, OrgStatus.PROSPECT, OrgStatus.SUSPENDED), (92, 5, 3))
# How far from the city centre an outlet may be: about ±13 km north-south.
JITTER = 0.12
MICRO = Decimal("0.000001")


@dataclass
class PlannedUser:
    username: str
    display_name: str
    mobile: str
    roles: list[tuple[str, str]]  # (org code, role code)


@dataclass
class Plan:
    orgs: list[Org] = field(default_factory=list)
    parent: dict[str, str] = field(default_factory=dict)  # org code -> parent code
    places: dict[str, City] = field(default_factory=dict)  # org code -> where it is
    users: list[PlannedUser] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)


class NameMaker(Protocol):
    def __call__(self) -> tuple[str, str]: ...


class Planner:
    """Builds the whole network in memory, in tree order, from one random stream."""

    def __init__(self, *, scale: Scale, places: Places) -> None:
        self.scale = scale
        self.places = places
        self.regions = places.regions[: scale.regions]
        self.rng = random.Random(RANDOM_SEED)
        self.plan = Plan()
        self.names: set[str] = set()
        self.mobiles: set[str] = set()
        self.usccs: set[str] = set()

    # -- small generators ---------------------------------------------------------------

    def person(self) -> str:
        given = "".join(self.rng.choices(GIVEN_CHARS, k=self.rng.choice((1, 2, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        while True:
            number = make_mobile(self.rng)
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def uscc(self, *, district: Division, individual: bool) -> str:
        """Registration authority 9 (market regulation), type 1 company or 2 sole trader, the
        district code, a random organisation code and the GB 32100 check digit."""
        while True:
            number = make_uscc(self.rng, district_code=district.code, individual=individual)
            if number not in self.usccs:
                self.usccs.add(number)
                return number

    def unique_name(self, make: NameMaker) -> tuple[str, str]:
        """A fresh random name; after many clashes, one numbered."""
        for _ in range(20):
            name, short = make()
            if name not in self.names:
                self.names.add(name)
                return name, short
        return self.claim([make()])

    def claim(self, candidates: list[tuple[str, str]]) -> tuple[str, str]:
        """The first (name, short name) nobody has taken; the last one numbered otherwise."""
        for name, short in candidates:
            if name not in self.names:
                self.names.add(name)
                return name, short
        name, short = candidates[-1]
        number = 2
        while f"{name}（{number}）" in self.names:
            number += 1
        self.names.add(f"{name}（{number}）")
        return f"{name}（{number}）", short

    def grade(self) -> str:
        return self.rng.choices(GRADES, weights=GRADE_WEIGHTS)[0]

    def status(self, *, first: bool, table: tuple[tuple[str, ...], tuple[int, ...]]) -> str:
        # The first child of every parent stays active: demo logins live there.
        if first:
            return OrgStatus.ACTIVE
        return self.rng.choices(table[0], weights=table[1])[0]

    def ensure_status(self, orgs: list[Org], status: str) -> None:
        """Even the small scale shows one org in `status`: an active one, not its parent's
        first child (demo logins live there), under an active parent."""
        if any(o.status == status for o in orgs):
            return
        by_code = {o.code: o for o in self.plan.orgs}
        firsts: dict[str, str] = {}
        for org in self.plan.orgs:
            firsts.setdefault(self.plan.parent.get(org.code, ""), org.code)
        eligible = [
            o
            for o in orgs
            if o.status == OrgStatus.ACTIVE
            and firsts[self.plan.parent[o.code]] != o.code
            and by_code[self.plan.parent[o.code]].status == OrgStatus.ACTIVE
        ]
        if eligible:
            self.rng.choice(eligible).status = status

    def split(self, total: int, parts: int) -> list[int]:
        """`total` spread over `parts`, at least one each, unevenly (weights 0.5-1.5) but
        without the empty-looking region a plain random draw gives at the small scale."""
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(parts)]
        spare = max(total - parts, 0)
        shares = [spare * w / sum(weights) for w in weights]
        counts = [1 + int(share) for share in shares]
        by_remainder = sorted(range(parts), key=lambda i: shares[i] - int(shares[i]), reverse=True)
        for index in by_remainder[: total - sum(counts)]:
            counts[index] += 1
        return counts

    def coordinate(self, centre: float, jitter: float) -> Decimal:
        return Decimal(str(centre + self.rng.uniform(-jitter, jitter))).quantize(MICRO)

    # -- orgs ---------------------------------------------------------------------------

    def add(
        self,
        *,
        code: str,
        parent: str | None,
        kind: str,
        names: tuple[str, str],
        place: City,
        district: Division | None = None,
        address: str = "",
        jitter: float = JITTER,
        **extra: str,
    ) -> Org:
        district = district or self.rng.choice(place.districts)
        org = Org(
            code=code,
            name=names[0],
            short_name=names[1],
            kind=kind,
            province=place.province,
            city=place.city,
            district=district,
            address=address or f"{self.rng.choice(ROADS)}{self.rng.randint(1, 999)}号",
            latitude=self.coordinate(place.lat, jitter),
            longitude=self.coordinate(place.lng, jitter * 1.2),
            contact_name=self.person(),
            contact_phone=self.mobile(),
            **extra,
        )
        self.plan.orgs.append(org)
        self.plan.places[code] = place
        if parent:
            self.plan.parent[code] = parent
        return org

    def build(self) -> Plan:
        places = self.places
        self.names.add(HQ_NAME)
        hq = self.add(
            code=HQ_CODE,
            parent=None,
            kind=OrgKind.HQ,
            names=(HQ_NAME, "飞驰"),
            place=places.hq_city,
            district=places.hq_district,
            address=places.hq_address,
            jitter=0.0,
        )
        hq.uscc = self.uscc(district=places.hq_district, individual=False)
        distributors = self.regions_and_distributors()
        dealers = self.dealers(distributors)
        self.ensure_status(dealers, OrgStatus.PROSPECT)
        self.ensure_status(dealers, OrgStatus.SUSPENDED)
        self.stores(dealers)  # after the dealers' statuses: a prospect's stores are prospects
        self.ensure_status(
            [o for o in self.plan.orgs if o.kind == OrgKind.STORE], OrgStatus.SUSPENDED
        )
        self.service_points(dealers)
        self.users()
        return self.plan

    def regions_and_distributors(self) -> list[Org]:
        distributors: list[Org] = []
        counts = self.split(self.scale.distributors, len(self.regions))
        for index, (region, count) in enumerate(zip(self.regions, counts, strict=True), 1):
            code = f"R{index:02d}"
            hub = region.cities[0]
            self.add(
                code=code,
                parent=HQ_CODE,
                kind=OrgKind.REGION,
                names=(f"{region.name}大区", region.name),
                place=hub,
                jitter=0.02,
            )
            for position in range(count):
                # The first distributor of a region sits in the region's hub city.
                city = hub if position == 0 else self.rng.choice(region.cities)
                distributors.append(
                    self.distributor(code, city, first=position == 0, number=len(distributors) + 1)
                )
        return distributors

    def distributor(self, region_code: str, city: City, *, first: bool, number: int) -> Org:
        def make() -> tuple[str, str]:
            word = self.rng.choice(TRADE_WORDS)
            business = self.rng.choice(DISTRIBUTOR_BUSINESS)
            return f"{city.label}{word}{business}有限公司", f"{city.label}{word}"

        org = self.add(
            code=f"D{number:04d}",
            parent=region_code,
            kind=OrgKind.DISTRIBUTOR,
            names=self.unique_name(make),
            place=city,
            grade=self.grade(),
            status=self.status(first=first, table=DISTRIBUTOR_STATUS),
        )
        org.uscc = self.uscc(district=org.district, individual=False)
        return org

    def dealers(self, distributors: list[Org]) -> list[Org]:
        dealers: list[Org] = []
        counts = self.split(self.scale.dealers, len(distributors))
        for distributor, count in zip(distributors, counts, strict=True):
            home = self.plan.places[distributor.code]
            region = next(r for r in self.regions if home in r.cities)
            # Dealers stay in the distributor's province; most in its own city.
            nearby = [c for c in region.cities if c.province == home.province]
            for position in range(count):
                city = home if self.rng.random() < 0.6 else self.rng.choice(nearby)
                dealers.append(
                    self.dealer(distributor, city, first=position == 0, number=len(dealers) + 1)
                )
        return dealers

    def dealer(self, distributor: Org, city: City, *, first: bool, number: int) -> Org:
        def make() -> tuple[str, str]:
            word = self.rng.choice(TRADE_WORDS)
            business, suffix = self.rng.choice(DEALER_STYLES)
            return (
                f"{city.label}{word}{business}{suffix}",
                f"{city.label}{word}",
            )

        names = self.unique_name(make)
        status = self.status(first=first, table=DEALER_STATUS)
        if distributor.status != OrgStatus.ACTIVE and status == OrgStatus.PROSPECT:
            status = OrgStatus.ACTIVE  # nobody onboards under a suspended distributor
        org = self.add(
            code=f"DL{number:05d}",
            parent=distributor.code,
            kind=OrgKind.DEALER,
            names=names,
            place=city,
            grade=self.grade(),
            status=status,
        )
        org.uscc = self.uscc(district=org.district, individual=not org.name.endswith("有限公司"))
        return org

    def stores(self, dealers: list[Org]) -> None:
        counts = self.split(self.scale.stores, len(dealers))
        number = 0
        for dealer, count in zip(dealers, counts, strict=True):
            city = self.plan.places[dealer.code]
            for position in range(count):
                number += 1
                district = self.rng.choice(city.districts)
                road = self.rng.choice(ROADS)
                house = self.rng.randint(1, 999)
                local = f"{_short_district(district.name)}{road}"
                # A second store on the same road is told apart by its house number.
                names = self.claim(
                    [
                        (f"{BRAND}{city.label}{local}店", f"{local}店"),
                        (f"{BRAND}{city.label}{local}{house}号店", f"{local}{house}号店"),
                    ]
                )
                status = self.status(first=position == 0, table=STORE_STATUS)
                if dealer.status == OrgStatus.PROSPECT:
                    status = OrgStatus.PROSPECT  # a dealer still onboarding has no open stores
                org = self.add(
                    code=f"S{number:06d}",
                    parent=dealer.code,
                    kind=OrgKind.STORE,
                    names=names,
                    place=city,
                    district=district,
                    address=f"{road}{house}号",
                    grade=self.grade(),
                    status=status,
                )
                org.uscc = self.uscc(district=district, individual=True)

    def service_points(self, dealers: list[Org]) -> None:
        # One at every region office, the rest inside dealers (an authorised repair desk).
        regions = [o for o in self.plan.orgs if o.kind == OrgKind.REGION]
        hosts = regions + self.rng.sample(dealers, self.scale.service_points - len(regions))
        for number, host in enumerate(hosts[: self.scale.service_points], 1):
            city = self.plan.places[host.code]
            district = self.rng.choice(city.districts)
            local = f"{city.label}{_short_district(district.name)}"
            road = self.rng.choice(ROADS)
            names = self.claim(
                [
                    (f"{BRAND}售后服务站（{local}）", f"{local}服务站"),
                    (f"{BRAND}售后服务站（{local}{road}）", f"{local}{road}服务站"),
                ]
            )
            org = self.add(
                code=f"SP{number:03d}",
                parent=host.code,
                kind=OrgKind.SERVICE_POINT,
                names=names,
                place=city,
                district=district,
                address=f"{road}{self.rng.randint(1, 999)}号",
            )
            org.uscc = self.uscc(district=district, individual=True)

    # -- users --------------------------------------------------------------------------

    def users(self) -> None:
        def first(kind: str, parent: str | None = None) -> Org:
            return next(
                o
                for o in self.plan.orgs
                if o.kind == kind and (parent is None or self.plan.parent[o.code] == parent)
            )

        homes = {
            "hq": first(OrgKind.HQ),
            "region": first(OrgKind.REGION),
            "distributor": first(OrgKind.DISTRIBUTOR),
        }
        homes["dealer"] = first(OrgKind.DEALER, homes["distributor"].code)
        homes["store"] = first(OrgKind.STORE, homes["dealer"].code)
        homes["service_point"] = first(OrgKind.SERVICE_POINT)
        for username, role, home in DEMO_LOGINS:
            org = homes[home]
            user = PlannedUser(username, self.person(), self.mobile(), [(org.code, role)])
            self.plan.users.append(user)
            self.plan.logins.append(
                DemoLogin(username, user.display_name, user.mobile, role, org.code, org.name)
            )
        if not self.scale.org_admins:
            return
        for org in self.plan.orgs:
            if org.kind in (OrgKind.DISTRIBUTOR, OrgKind.DEALER):
                # The org's contact person is its admin: same name, same mobile.
                self.plan.users.append(
                    PlannedUser(
                        org.code.lower(),
                        org.contact_name,
                        org.contact_phone,
                        [(org.code, "dealer_admin")],
                    )
                )
