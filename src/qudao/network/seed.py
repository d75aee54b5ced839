"""The deterministic demo network of DESIGN.md §7: `qudao seed --scale small|medium|large`.

A fictional e-bike brand (飞驰电动车) with regions, distributors, dealers, stores and service
points, their supply links, and one login per role. Seed data is setup, not a business action:
rows are bulk inserted without audit rows or outbox events, and the treebeard paths are
computed here, because `add_child` per node would take minutes at the medium scale.

Every value comes from one seeded `random.Random`, so a scale always yields the same names,
codes, numbers and coordinates. Only codes and usernames missing from the database are
created, which makes a second run a no-op.
"""

import json
import random
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from stdnum.cn import uscc as stdnum_uscc

from qudao.accounts.constants import ROLES
from qudao.accounts.models import Role, User
from qudao.accounts.services import roles_sync
from qudao.core.text import search_text
from qudao.network.constants import DivisionLevel, OrgKind, OrgStatus, SupplyKind
from qudao.network.models import Division, Membership, Org, SupplyLink

T = TypeVar("T")

PLACES_FILE = Path(__file__).parent / "data" / "demo_places.json"
RANDOM_SEED = 20261127
BATCH = 500
# Filters on `__in` are chunked below the 999-variable limit of older SQLite builds.
IN_CHUNK = 900


@dataclass(frozen=True)
class Scale:
    regions: int
    distributors: int
    dealers: int
    stores: int
    service_points: int
    # Medium and large give every distributor and dealer its own dealer_admin login.
    org_admins: bool


SCALES: dict[str, Scale] = {
    "small": Scale(2, 4, 12, 30, 3, org_admins=False),
    "medium": Scale(5, 30, 300, 2_000, 20, org_admins=True),
    "large": Scale(7, 300, 3_000, 20_000, 100, org_admins=True),
}

BRAND = "飞驰电动车"
HQ_CODE = "HQ"
HQ_NAME = "飞驰电动车科技有限公司"

# (username, role, which org): one login per role, two for dealer_admin (distributor, dealer).
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("admin", "brand_admin", "hq"),
    ("region", "region_manager", "region"),
    ("finance", "finance", "hq"),
    ("warehouse", "warehouse_clerk", "distributor"),
    ("sales", "salesperson", "region"),
    ("distributor", "dealer_admin", "distributor"),
    ("dealer", "dealer_admin", "dealer"),
    ("store", "store_clerk", "store"),
    ("service", "service_agent", "hq"),
    ("tech", "technician", "service_point"),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# 字号 (trade names). Real e-bike brands are left out on purpose.
TRADE_WORDS = _words(
    "迅力 骏驰 恒通 宏达 金鹏 华越 永盛 鑫源 顺风 利达 远航 凯旋 天行 捷达 瑞丰 众诚 "
    "通达 佳美 安途 畅行 腾飞 东升 兴隆 和顺 长风 锦程 万里 昌盛 嘉禾 富源 益民 聚力 "
    "驰骋 星辉 正阳 博远 康达 春晖 立信 德胜 明远 路路通 广源 新航 宝骏 福临 盛达 云帆"
)
DISTRIBUTOR_BUSINESS = _words("车业 电动车 机电 商贸 新能源科技 电动车销售 车辆贸易")
# (business, suffix) of a dealer's name. Companies (有限公司) outnumber sole traders.
DEALER_STYLES = (
    ("电动车", "有限公司"),
    ("车业", "有限公司"),
    ("电动车销售", "有限公司"),
    ("新能源车业", "有限公司"),
    ("电动车", "商行"),
    ("摩电", "商行"),
    ("电动车", "经营部"),
    ("两轮车", "销售中心"),
    ("车行", ""),
)
ROADS = _words(
    "人民路 解放路 中山路 建设路 和平路 新华路 胜利路 朝阳路 文化路 工业路 长江路 黄河路 "
    "北京路 友谊路 光明路 青年路 幸福路 民主路 东风路 迎宾大道 发展大道 滨江路 环城路 "
    "建国路 复兴路 振兴路 兴华街 育才路 学府路 花园路 园林路 新城大道 湖滨路 金桥路 "
    "创业路 科技路"
)
SURNAMES = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 "
    "邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 "
    "陆 汪 范 金 石 廖 贾 夏 韦 方 白 邹 孟 熊 秦 邱 江 尹 薛 段 雷 侯 龙 欧阳"
)
GIVEN_CHARS = (
    "建国华明伟强军平志红丽芳敏静婷雪磊涛杰鹏辉斌宇浩俊峰超丹琳颖海燕晨阳欣佳文博晓春秋玉兰梅"
    "霞凯帅鑫龙飞波勇毅刚健亮成林森洁蕾倩雯璐萍睿哲思远子涵梓轩嘉怡诗雨欢琪瑶振兴家豪立新"
)
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 171 173 "
    "176 177 178 180 181 182 183 185 186 187 188 189 191 193 195 198 199"
)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
GRADES = ("A", "B", "C", "D")
GRADE_WEIGHTS = (15, 35, 35, 15)
DISTRIBUTOR_STATUS = ((OrgStatus.ACTIVE, OrgStatus.SUSPENDED), (96, 4))
DEALER_STATUS = ((OrgStatus.ACTIVE, OrgStatus.PROSPECT, OrgStatus.SUSPENDED), (90, 5, 5))
STORE_STATUS = ((OrgStatus.ACTIVE, OrgStatus.PROSPECT, OrgStatus.SUSPENDED), (92, 5, 3))
# How far from the city centre an outlet may be: about ±13 km north-south.
JITTER = 0.12
MICRO = Decimal("0.000001")


class SeedError(Exception):
    """The seed cannot run (unknown scale, division table not loaded)."""


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    mobile: str
    role: str
    org_code: str
    org_name: str


@dataclass
class SeedReport:
    scale: str
    created: dict[str, int]
    totals: dict[str, int]
    logins: list[DemoLogin]
    password: str
    seconds: float


@dataclass(frozen=True)
class City:
    province: Division
    city: Division
    districts: tuple[Division, ...]
    lat: float
    lng: float

    @property
    def label(self) -> str:
        # Municipalities' city level is "市辖区"; people say 上海, not 市辖区.
        name = self.province.name if self.city.name == "市辖区" else self.city.name
        return name.removesuffix("市")


@dataclass(frozen=True)
class Region:
    name: str
    cities: tuple[City, ...]


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


def _chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def make_uscc(rng: random.Random, *, district_code: str, individual: bool) -> str:
    body = ("92" if individual else "91") + district_code
    body += "".join(rng.choices(USCC_ALPHABET, k=9))
    return body + stdnum_uscc.calc_check_digit(body)


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _short_district(name: str) -> str:
    """浦东新区 → 浦东, 西湖区 → 西湖, but 城区 stays 城区."""
    if len(name) > 3 and name.endswith("新区"):
        return name[:-2]
    return name[:-1] if len(name) > 2 and name[-1] in "区县市" else name


@dataclass(frozen=True)
class Places:
    hq_city: City
    hq_district: Division
    hq_address: str
    regions: tuple[Region, ...]


def _resolve_cities(rows: list[tuple[str, str, float, float]]) -> list[City]:
    """Division rows for (province, city) names, in the order given."""
    names = {row[0] for row in rows}
    provinces = {
        d.name: d for d in Division.objects.filter(level=DivisionLevel.PROVINCE, name__in=names)
    }
    if len(provinces) != len(names):
        raise SeedError(
            f"Administrative divisions missing ({sorted(names - provinces.keys())}): "
            "run `qudao load_divisions` first."
        )
    cities = {
        (d.parent_id, d.name): d
        for d in Division.objects.filter(level=DivisionLevel.CITY, parent__in=provinces.values())
    }
    districts: dict[str | None, list[Division]] = defaultdict(list)
    for d in Division.objects.filter(
        level=DivisionLevel.DISTRICT, parent__parent__in=provinces.values()
    ).order_by("code"):
        districts[d.parent_id].append(d)
    resolved = []
    for province_name, city_name, lat, lng in rows:
        province = provinces[province_name]
        city = cities.get((province.code, city_name))
        if city is None:
            raise SeedError(f"{province_name}{city_name} is not in the division table.")
        # Urban districts keep outlets near the centre the coordinates describe; 9-digit
        # codes are sub-district towns (东莞, 中山), not districts.
        own = [d for d in districts[city.code] if len(d.code) == 6]
        urban = tuple(d for d in own if d.name.endswith("区")) or tuple(own)
        if not urban:
            raise SeedError(f"{province_name}{city_name} has no districts in the table.")
        resolved.append(City(province, city, urban, lat, lng))
    return resolved


def load_places(*, source: Path = PLACES_FILE) -> Places:
    """The HQ address and the regions' cities, resolved to Division rows by name: codes always
    come from the table that `qudao load_divisions` fills, never from this file."""
    data = json.loads(source.read_text(encoding="utf-8"))
    hq = data["hq"]
    # The HQ is row 0: its "city centre" is the HQ's own point, placed without jitter.
    rows = [(hq["province"], hq["city"], hq["lat"], hq["lng"])]
    bounds = []
    for region in data["regions"]:
        bounds.append((region["name"], len(rows), len(rows) + len(region["cities"])))
        rows.extend(tuple(row) for row in region["cities"])
    cities = _resolve_cities(rows)
    hq_district = Division.objects.filter(parent=cities[0].city, name=hq["district"]).first()
    if hq_district is None:
        raise SeedError(f"{hq['city']}{hq['district']} is not in the division table.")
    return Places(
        hq_city=cities[0],
        hq_district=hq_district,
        hq_address=hq["address"],
        regions=tuple(Region(name, tuple(cities[a:b])) for name, a, b in bounds),
    )


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


# -- writing -------------------------------------------------------------------------------


def _step(number: int) -> str:
    """One treebeard path step: `number` in base 36 over Org.alphabet, `steplen` wide."""
    base = len(Org.alphabet)
    if number >= base**Org.steplen:
        raise SeedError("Too many children under one org for the path step length.")
    digits = ""
    for _ in range(Org.steplen):
        number, rest = divmod(number, base)
        digits = Org.alphabet[rest] + digits
    return digits


def _last_step(path: str) -> int:
    value = 0
    for char in path[-Org.steplen :]:
        value = value * len(Org.alphabet) + Org.alphabet.index(char)
    return value


def _taken(model: type[User] | type[Org], column: str, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(values):
        found.update(
            model.objects.filter(**{f"{column}__in": chunk}).values_list(column, flat=True)
        )
    return found


def _dedupe_usccs(orgs: list[Org]) -> None:
    """A planned USCC already used by an org outside this plan (made by hand, or by a seed
    of another scale) is replaced by one drawn from a stream of the org's own code."""
    taken = _taken(Org, "uscc", [o.uscc for o in orgs if o.uscc])
    for org in orgs:
        if org.uscc in taken:
            rng = random.Random(f"{RANDOM_SEED}:{org.code}")
            while org.uscc in taken or Org.objects.filter(uscc=org.uscc).exists():
                org.uscc = make_uscc(
                    rng, district_code=org.uscc[2:8], individual=org.uscc[1] == "2"
                )
            taken.add(org.uscc)


def _insert_orgs(plan: Plan) -> Counter[str]:
    """Insert the planned orgs whose code is new. Paths are built as treebeard's add_child
    would: each new child goes after its parent's current last child."""
    existing = dict(Org.objects.values_list("code", "path"))
    last_step: dict[str, int] = defaultdict(int)  # parent path -> highest child step in use
    for path in existing.values():
        parent_path = path[: -Org.steplen]
        last_step[parent_path] = max(last_step[parent_path], _last_step(path))
    paths = dict(existing)
    added: Counter[str] = Counter()
    new: list[Org] = []
    for org in plan.orgs:
        if org.code in existing:
            continue
        parent_code = plan.parent.get(org.code)
        parent_path = paths[parent_code] if parent_code else ""
        last_step[parent_path] += 1
        org.path = parent_path + _step(last_step[parent_path])
        org.depth = len(org.path) // Org.steplen
        org.search_text = search_text(org.name, org.short_name, org.code)
        paths[org.code] = org.path
        if parent_code:
            added[parent_code] += 1
        new.append(org)
    for org in new:
        org.numchild = added[org.code]
    _dedupe_usccs(new)
    Org.objects.bulk_create(new, batch_size=BATCH)
    for code, count in added.items():
        if code in existing:
            Org.objects.filter(code=code).update(numchild=F("numchild") + count)
    return Counter(org.kind for org in new)


def _wanted_links(plan: Plan) -> list[tuple[str, str, str]]:
    """(buyer, seller, kind): goods flow down the tree, spare parts come straight from HQ."""
    links: list[tuple[str, str, str]] = []
    for org in plan.orgs:
        parent = plan.parent.get(org.code, "")
        if org.kind == OrgKind.DISTRIBUTOR:
            links.append((org.code, HQ_CODE, SupplyKind.GOODS))
        elif org.kind == OrgKind.DEALER:
            links += [(org.code, parent, SupplyKind.GOODS), (org.code, HQ_CODE, SupplyKind.PARTS)]
        elif org.kind == OrgKind.STORE:
            links.append((org.code, parent, SupplyKind.GOODS))
        elif org.kind == OrgKind.SERVICE_POINT:
            links.append((org.code, HQ_CODE, SupplyKind.PARTS))
    return links


def _insert_links(plan: Plan, org_ids: dict[str, int]) -> int:
    existing = set(SupplyLink.objects.values_list("buyer_id", "seller_id", "kind"))
    new = []
    for buyer, seller, kind in _wanted_links(plan):
        key = (org_ids[buyer], org_ids[seller], str(kind))
        if key not in existing:
            existing.add(key)
            new.append(SupplyLink(buyer_id=key[0], seller_id=key[1], kind=key[2]))
    SupplyLink.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


def _insert_users(plan: Plan) -> int:
    """New logins, all with the demo password. It is hashed once: PBKDF2 per user would cost
    half a second each, minutes at the medium scale."""
    existing = _taken(User, "username", [u.username for u in plan.users])
    new = [u for u in plan.users if u.username not in existing]
    if not new:
        return 0
    taken = _taken(User, "mobile", [u.mobile for u in new])
    for user in new:
        if user.mobile in taken:  # held by someone outside this plan
            rng = random.Random(f"{RANDOM_SEED}:{user.username}")
            while user.mobile in taken or User.objects.filter(mobile=user.mobile).exists():
                user.mobile = make_mobile(rng)
            taken.add(user.mobile)
    password = make_password(str(settings.QUDAO["DEMO_PASSWORD"]))
    User.objects.bulk_create(
        [
            User(
                username=u.username, display_name=u.display_name, mobile=u.mobile, password=password
            )
            for u in new
        ],
        batch_size=BATCH,
    )
    return len(new)


def _insert_memberships(plan: Plan, org_ids: dict[str, int]) -> int:
    usernames = [u.username for u in plan.users]
    user_ids: dict[str, int] = {}
    for chunk in _chunks(usernames):
        user_ids.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
    if Role.objects.filter(code__in=ROLES).count() < len(ROLES):
        roles_sync()  # a flushed database has lost the roles migration 0002 created
    role_ids = dict(Role.objects.filter(code__in=ROLES).values_list("code", "pk"))
    existing: set[tuple[int, int, int]] = set()
    for ids in _chunks(list(user_ids.values())):
        existing.update(
            Membership.objects.filter(user_id__in=ids).values_list("user_id", "org_id", "role_id")
        )
    new = []
    for user in plan.users:
        for org_code, role in user.roles:
            key = (user_ids[user.username], org_ids[org_code], role_ids[role])
            if key not in existing:
                existing.add(key)
                new.append(Membership(user_id=key[0], org_id=key[1], role_id=key[2]))
    Membership.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


def _logins(plan: Plan) -> list[DemoLogin]:
    # Read back from the database: a login that existed before keeps its own name and mobile.
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[login.username for login in plan.logins])
    }
    return [
        DemoLogin(
            login.username,
            users[login.username].display_name,
            users[login.username].mobile or "",
            login.role,
            login.org_code,
            login.org_name,
        )
        for login in plan.logins
    ]


def seed_demo(*, scale: str, stdout: Writer | None = None) -> SeedReport:
    """Create the demo network of `scale`, or whatever part of it is missing, in one
    transaction. The same scale always plans the same rows; existing codes and usernames are
    left as they are, so a second run creates nothing."""
    if scale not in SCALES:
        raise SeedError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    started = time.monotonic()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    with transaction.atomic():
        plan = Planner(scale=SCALES[scale], places=load_places()).build()
        say(f"Planned {len(plan.orgs)} orgs and {len(plan.users)} logins ({scale}).")
        created: dict[str, int] = dict(_insert_orgs(plan))
        org_ids = dict(Org.objects.values_list("code", "pk"))
        created["supply_links"] = _insert_links(plan, org_ids)
        created["users"] = _insert_users(plan)
        created["memberships"] = _insert_memberships(plan, org_ids)
        logins = _logins(plan)
    totals = dict(Counter(Org.objects.values_list("kind", flat=True)))
    return SeedReport(
        scale=scale,
        created=created,
        totals=totals,
        logins=logins,
        password=str(settings.QUDAO["DEMO_PASSWORD"]),
        seconds=time.monotonic() - started,
    )


def demo_logins() -> list[DemoLogin]:
    """The demo logins as the database has them now (for `qudao demo_logins` and `serve`)."""
    wanted = {username: role for username, role, _where in DEMO_LOGINS}
    rows = (
        Membership.objects.filter(user__username__in=wanted, is_active=True)
        .select_related("user", "org", "role")
        .order_by("pk")
    )
    found: dict[str, DemoLogin] = {}
    for m in rows:
        if m.role.code == wanted[m.user.username] and m.user.username not in found:
            found[m.user.username] = DemoLogin(
                m.user.username,
                m.user.display_name,
                m.user.mobile or "",
                m.role.code,
                m.org.code,
                m.org.name,
            )
    return [found[name] for name in wanted if name in found]


def _width(text: str) -> int:
    # CJK characters take two terminal columns; pad by what the eye sees, not by len().
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def login_table(logins: Sequence[DemoLogin]) -> list[str]:
    """The demo logins as aligned text lines, ending with the shared password."""
    if not logins:
        return ["No demo logins yet: run `qudao seed`."]
    rows = [["username", "mobile", "name", "role", "org"]]
    rows += [
        [lg.username, lg.mobile, lg.display_name, lg.role, f"{lg.org_code} {lg.org_name}"]
        for lg in logins
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["Demo logins (username or mobile):"]
    lines += [
        "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.append(f"Password for every demo login: {settings.QUDAO['DEMO_PASSWORD']}")
    return lines
