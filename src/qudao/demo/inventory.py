"""Demo inventory: warehouses for HQ, every distributor and about half of the active dealers,
and a year of stock history consistent with itself — factory receipts at HQ, distributors
replenishing from HQ, dealers from their distributor (shipped, in transit for a few days,
received), weekly sell-out reports of dealers and distributors (to consumers and to stores
outside the system), a few stock counts — ending in the balances, serials and open transits
the ledger adds up to.

Bikes, lithium batteries and motors are serial-tracked: every unit has a frame or battery
number and its history from the factory receipt at HQ to the sale. Dealers keep about four
weeks of stock with two weeks of safety stock; about one in eight dealers over-orders (twelve
weeks: over-stocked) and about one in eight stopped reordering six weeks ago (below safety).
A few distributors have open reservations for orders waiting to ship.

Bulk SQL: the year is simulated in memory with the rules of inventory.services (moves and
balances, FIFO serials, transits) and written with explicit ids — COPY on PostgreSQL,
executemany on SQLite — because a year at the medium scale is several hundred thousand rows.
Demo documents are numbered DEMO-…, outside the ranges of real ones. Deterministic (one seeded
random stream, dates as offsets from today) and idempotent: warehouses are created when
missing, the history only when no demo move exists yet. No audit rows or outbox events: demo
data is setup, not business.
"""

import json
import math
import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from qudao.catalog.models import Category, Sku
from qudao.inventory.bulk import insert_rows
from qudao.inventory.constants import CountStatus, MoveKind, SerialStatus, TransitKind
from qudao.inventory.models import (
    Reservation,
    SellOut,
    Serial,
    SerialEvent,
    Stock,
    StockCount,
    StockCountLine,
    StockMove,
    Transit,
    TransitLine,
    Warehouse,
)
from qudao.network.constants import OrgKind, OrgStatus, SupplyKind
from qudao.network.models import Membership, Org, SupplyLink
from qudao.network.seed import SCALES, SeedError

SEED = 20261127
DAYS = 365
DEALER_SHARE = 0.5
OVER_SHARE = 0.12  # dealers ordering twelve weeks of stock
UNDER_SHARE = 0.12  # dealers that stopped reordering
UNDER_WEEKS = 6
COVER_WEEKS = {"normal": 4, "over": 12, "under": 4}
DIST_COVER_WEEKS = 6
HQ_COVER_WEEKS = 10
FACTORY_EVERY = 14  # days
COUNT_DAY = DAYS - 20  # the posted counts, twenty days ago
SERIAL_PREFIX = {"BIKE": "FCB", "BAT": "FCL", "PART": "FCM"}
SOURCES = ("form", "import", "api")
DOC = "demo"  # doc_type prefix of demo documents: demo_factory, demo_order, demo_sellout
RATE = {  # weekly sell-out of one SKU at a dealer (uniform between)
    "BIKE": (0.3, 1.2),
    "BAT": (0.3, 1.0),
    "CHG": (0.5, 2.0),
    "GEAR": (1.0, 3.0),
    "PART": (1.0, 4.0),
}
DEALER_MIX = {"BIKE": 6, "BAT": 2, "CHG": 2, "GEAR": 2, "PART": 3}
DIST_MIX = {"BIKE": 16, "BAT": 8, "CHG": 4, "GEAR": 6, "PART": 8}
DIST_OWN_SALES = 10  # SKUs a distributor also sells to stores outside the system


@dataclass
class Place:
    """An org with its demo warehouse, assortment, sell-out rates and habits."""

    org: Org
    warehouse: Warehouse
    skus: list[int] = field(default_factory=list)
    rates: dict[int, float] = field(default_factory=dict)
    profile: str = "normal"
    weekday: int = 0
    supplier: "Place | None" = None
    source: str = "form"
    safety: dict[int, int] = field(default_factory=dict)
    outflow: dict[int, float] = field(default_factory=dict)  # weekly, what it reorders for


@dataclass
class Unit:
    serial: str
    sku: int
    status: str
    warehouse: int | None
    transit: int | None
    holder: int
    created: datetime
    updated: datetime


@dataclass
class OpenTransit:
    id: int
    number: str
    source: Place
    dest: Place
    arrive: int  # day index
    doc: tuple[str, str, str]
    lines: dict[int, int]
    units: dict[int, list[int]]


class Ids:
    """Explicit ids, after what each table holds (the seed runs alone, in one transaction)."""

    def __init__(self) -> None:
        self.next: dict[type[Model], int] = {}

    def take(self, model: type[Model]) -> int:
        if model not in self.next:
            last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            self.next[model] = (last or 0) + 1
        value = self.next[model]
        self.next[model] = value + 1
        return value


class Year:
    """The simulated year: balances, FIFO units per warehouse, and the rows to write."""

    def __init__(self, *, skus: dict[int, Sku], families: dict[int, str], today: date) -> None:
        self.skus = skus
        self.families = families
        self.start = today - timedelta(days=DAYS - 1)
        self.zone = timezone.get_current_timezone()
        self.latest = timezone.localtime() - timedelta(hours=1)
        self.ids = Ids()
        self.hour, self.tick = (-1, -1), 0
        self.last = datetime.combine(self.start, time(0), tzinfo=self.zone)
        self.stock: dict[tuple[int, int], list[int]] = {}  # on hand, reserved, in transit
        self.fifo: dict[tuple[int, int], deque[int]] = {}
        self.units: dict[int, Unit] = {}
        self.moves: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.transits: list[tuple[Any, ...]] = []
        self.transit_at: dict[int, int] = {}  # transit id → its index in self.transits
        self.transit_lines: list[tuple[Any, ...]] = []
        self.open: list[OpenTransit] = []
        self.sellouts: list[tuple[Any, ...]] = []
        self.numbers = {"order": 0, "transit": 0, "factory": 0, "sellout": 0, "count": 0}
        self.serial_numbers: dict[str, int] = {}

    # time and numbers ---------------------------------------------------------------------

    def at(self, day: int, hour: int) -> datetime:
        """A moment of a day's hour, never in the future, always after the previous one (a
        tenth of a second per step within the hour), so rows keep the simulation's order."""
        if self.hour != (day, hour):
            self.hour, self.tick = (day, hour), 0
        self.tick += 1
        base = datetime.combine(self.start + timedelta(days=day), time(hour), tzinfo=self.zone)
        moment = min(base, self.latest) + timedelta(milliseconds=100 * self.tick)
        self.last = max(moment, self.last + timedelta(milliseconds=1))
        return self.last

    def number(self, kind: str, prefix: str) -> str:
        self.numbers[kind] += 1
        return f"DEMO-{prefix}-{self.numbers[kind]:06d}"

    def serial(self, sku: int) -> str:
        prefix = SERIAL_PREFIX[self.families[sku]] + f"{self.start.year % 100:02d}"
        self.serial_numbers[prefix] = self.serial_numbers.get(prefix, 0) + 1
        return f"{prefix}{self.serial_numbers[prefix]:07d}"

    # balances and moves -------------------------------------------------------------------

    def balance(self, wh: int, sku: int) -> list[int]:
        return self.stock.setdefault((wh, sku), [0, 0, 0])

    def available(self, wh: int, sku: int) -> int:
        on_hand, reserved, _coming = self.balance(wh, sku)
        return on_hand - reserved

    def move(
        self,
        wh: int,
        sku: int,
        kind: str,
        qty: int,
        at: datetime,
        *,
        doc: tuple[str, str, str],
        transit: int | None = None,
        reason: str = "",
    ) -> int:
        """What services._common.post does for one change: the move and the balance."""
        row = self.balance(wh, sku)
        row[0] += qty
        assert row[0] >= row[1] >= 0, (wh, sku, kind, qty)
        move_id = self.ids.take(StockMove)
        self.moves.append(
            (move_id, wh, sku, kind, qty, row[0], transit, *doc, reason, None, None, at)
        )
        return move_id

    def event(
        self,
        unit_id: int,
        at: datetime,
        *,
        move: int | None,
        transit: int | None,
        doc: tuple[str, str, str],
        to_status: str,
        to_wh: int | None,
        to_holder: int,
    ) -> None:
        unit = self.units[unit_id]
        self.events.append(
            (
                self.ids.take(SerialEvent),
                unit_id,
                move,
                transit,
                *doc,
                unit.status,  # blank for a unit being created
                to_status,
                unit.warehouse,
                to_wh,
                unit.holder,
                to_holder,
                None,
                at,
            )
        )
        unit.status, unit.warehouse, unit.holder, unit.updated = to_status, to_wh, to_holder, at
        unit.transit = transit if to_status == SerialStatus.IN_TRANSIT else None

    # business steps -----------------------------------------------------------------------

    def factory_receipt(self, hq: Place, day: int, wanted: dict[int, int]) -> None:
        """Goods from the factory into HQ: new units with new serials."""
        number = self.number("factory", "FAC")
        doc = (f"{DOC}_factory", number, number)
        at = self.at(day, 9)
        wh = hq.warehouse.pk
        for sku, qty in sorted(wanted.items()):
            if qty <= 0:
                continue
            move_id = self.move(wh, sku, MoveKind.RECEIPT, qty, at, doc=doc)
            if not self.skus[sku].serial_tracked:
                continue
            queue = self.fifo.setdefault((wh, sku), deque())
            for _ in range(qty):
                unit_id = self.ids.take(Serial)
                self.units[unit_id] = Unit(self.serial(sku), sku, "", None, None, hq.org.pk, at, at)
                self.event(
                    unit_id,
                    at,
                    move=move_id,
                    transit=None,
                    doc=doc,
                    to_status=SerialStatus.IN_STOCK,
                    to_wh=wh,
                    to_holder=hq.org.pk,
                )
                queue.append(unit_id)

    def ship(
        self, source: Place, dest: Place, day: int, lines: dict[int, int], arrive: int
    ) -> None:
        """A replenishment order shipped at once: out of the source, in transit to dest."""
        lines = {sku: qty for sku, qty in lines.items() if qty > 0}
        if not lines:
            return
        number = self.number("order", "SO")
        doc = (f"{DOC}_order", number, number)
        at = self.at(day, 16)
        transit_id = self.ids.take(Transit)
        transit_number = self.number("transit", "TR")
        self.transit_at[transit_id] = len(self.transits)
        self.transits.append(
            (
                transit_id,
                transit_number,
                TransitKind.SHIPMENT,
                "in_transit",
                source.warehouse.pk,
                dest.warehouse.pk,
                *doc,
                "",
                None,
                at,
                None,
            )
        )
        shipped = OpenTransit(transit_id, transit_number, source, dest, arrive, doc, lines, {})
        for sku, qty in sorted(lines.items()):
            move_id = self.move(
                source.warehouse.pk, sku, MoveKind.SHIPMENT, -qty, at, doc=doc, transit=transit_id
            )
            self.balance(dest.warehouse.pk, sku)[2] += qty
            if self.skus[sku].serial_tracked:
                queue = self.fifo[(source.warehouse.pk, sku)]
                taken = [queue.popleft() for _ in range(qty)]
                for unit_id in taken:
                    self.event(
                        unit_id,
                        at,
                        move=move_id,
                        transit=transit_id,
                        doc=doc,
                        to_status=SerialStatus.IN_TRANSIT,
                        to_wh=None,
                        to_holder=source.org.pk,
                    )
                shipped.units[sku] = taken
        self.open.append(shipped)

    def arrivals(self, day: int) -> None:
        due = [t for t in self.open if t.arrive == day]
        self.open = [t for t in self.open if t.arrive != day]
        for shipped in due:
            at = self.at(day, 10)
            wh, org = shipped.dest.warehouse.pk, shipped.dest.org.pk
            for sku, qty in sorted(shipped.lines.items()):
                move_id = self.move(
                    wh, sku, MoveKind.RECEIPT, qty, at, doc=shipped.doc, transit=shipped.id
                )
                self.balance(wh, sku)[2] -= qty
                queue = self.fifo.setdefault((wh, sku), deque())
                for unit_id in shipped.units.get(sku, []):
                    self.event(
                        unit_id,
                        at,
                        move=move_id,
                        transit=None,
                        doc=shipped.doc,
                        to_status=SerialStatus.IN_STOCK,
                        to_wh=wh,
                        to_holder=org,
                    )
                    queue.append(unit_id)
                self.transit_lines.append(
                    (self.ids.take(TransitLine), shipped.id, sku, qty, qty, 0)
                )
            self._close(shipped.id, at)

    def _close(self, transit_id: int, at: datetime) -> None:
        n = self.transit_at[transit_id]
        row = self.transits[n]
        self.transits[n] = (*row[:3], "received", *row[4:12], at)

    def sell(self, place: Place, day: int, rng: random.Random, division: str | None) -> None:
        """The week's sell-out report: a record and a retail-sale move per SKU sold."""
        number = self.number("sellout", "SL")
        doc = (f"{DOC}_sellout", number, number)
        at = self.at(day, 14)
        sold_on = self.start + timedelta(days=day)
        wh = place.warehouse.pk
        for sku in place.skus:
            qty = min(_poisson(rng, place.rates[sku]), self.available(wh, sku))
            if qty <= 0:
                continue
            move_id = self.move(wh, sku, MoveKind.RETAIL_SALE, -qty, at, doc=doc)
            serials: list[str] = []
            if self.skus[sku].serial_tracked:
                queue = self.fifo[(wh, sku)]
                for _ in range(qty):
                    unit_id = queue.popleft()
                    serials.append(self.units[unit_id].serial)
                    self.event(
                        unit_id,
                        at,
                        move=move_id,
                        transit=None,
                        doc=doc,
                        to_status=SerialStatus.SOLD,
                        to_wh=None,
                        to_holder=place.org.pk,
                    )
            self.sellouts.append(
                (
                    self.ids.take(SellOut),
                    place.org.pk,
                    wh,
                    sold_on,
                    sku,
                    qty,
                    json.dumps(serials),
                    division,
                    place.source,
                    move_id,
                    number,
                    None,
                    at,
                    None,
                )
            )

    def count(self, place: Place, day: int, rng: random.Random) -> dict[str, Any]:
        """A posted count: small differences on untracked SKUs, units counted as they are."""
        count_id = self.ids.take(StockCount)
        number = self.number("count", "SC")
        doc = ("stock_count", str(count_id), number)
        at = self.at(day, 18)
        wh = place.warehouse.pk
        lines = []
        for sku in sorted(place.skus):
            on_hand = self.balance(wh, sku)[0]
            delta = 0
            if not self.skus[sku].serial_tracked:
                delta = max(-on_hand, rng.choice([-2, -1, 0, 0, 0, 0, 1]))
            move_id = None
            if delta:
                move_id = self.move(
                    wh, sku, MoveKind.COUNT, delta, at, doc=doc, reason="月度盘点（演示）"
                )
            units = [self.units[u].serial for u in self.fifo.get((wh, sku), ())]
            lines.append((sku, on_hand, on_hand + delta, units, delta, move_id))
        return {"id": count_id, "number": number, "place": place, "at": at, "lines": lines}

    def position(self, wh: int, sku: int) -> int:
        on_hand, _reserved, coming = self.balance(wh, sku)
        return on_hand + coming


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: fine for the small weekly rates here."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# planning --------------------------------------------------------------------------------------


def _families() -> dict[int, str]:
    """SKU id → family (BIKE, BAT, CHG, GEAR, PART) by the root of its category."""
    roots = {c.path[:4]: c.code for c in Category.objects.filter(depth=1)}
    return {
        sku_id: roots.get(path[:4], "PART")
        for sku_id, path in Sku.objects.filter(status="on_sale").values_list(
            "pk", "product__category__path"
        )
    }


def _pick(rng: random.Random, pool: Sequence[int], n: int) -> list[int]:
    return sorted(rng.sample(list(pool), min(n, len(pool))))


def _assort(
    rng: random.Random, pool: Iterable[int], families: dict[int, str], mix: dict[str, int]
) -> list[int]:
    by_family: dict[str, list[int]] = {}
    for sku in sorted(pool):
        by_family.setdefault(families[sku], []).append(sku)
    chosen: list[int] = []
    for family, n in mix.items():
        chosen += _pick(rng, by_family.get(family, []), n)
    return chosen


def _warehouses(orgs: list[Org]) -> dict[int, Warehouse]:
    """Each org's demo main warehouse (created when missing, the default when it is the
    org's first)."""
    have = {w.org_id: w for w in Warehouse.objects.filter(org__in=orgs, code="MAIN")}
    with_any = set(Warehouse.objects.filter(org__in=orgs).values_list("org_id", flat=True))
    new = [
        Warehouse(
            org=org,
            code="MAIN",
            name=f"{org.short_name or org.name}仓库"[:100],
            kind="main",
            is_default=org.pk not in with_any,
        )
        for org in orgs
        if org.pk not in have
    ]
    Warehouse.objects.bulk_create(new)
    return {w.org_id: w for w in Warehouse.objects.filter(org__in=orgs, code="MAIN")}


def _demo_orgs() -> set[int]:
    """The orgs of the demo logins: they always get a warehouse."""
    return set(
        Membership.objects.filter(
            user__username__in=["dealer", "distributor", "warehouse"]
        ).values_list("org_id", flat=True)
    )


def _chosen_dealers(rng: random.Random, links: dict[int, int]) -> list[Org]:
    """About half of the active dealers buying from a distributor (and the demo login's)."""
    must = _demo_orgs()
    chosen = []
    for org in Org.objects.filter(kind=OrgKind.DEALER).order_by("path"):
        draw = rng.random()  # drawn for every dealer, so the choice never depends on status
        trades = org.pk in links and org.status == OrgStatus.ACTIVE
        if trades and (draw < DEALER_SHARE or org.pk in must):
            chosen.append(org)
    return chosen


def _profile(draw: float) -> str:
    if draw < OVER_SHARE:
        return "over"
    return "under" if draw < OVER_SHARE + UNDER_SHARE else "normal"


def _rates(rng: random.Random, place: Place, families: dict[int, str], skus: list[int]) -> None:
    for sku in place.skus:
        low, high = RATE[families[sku]]
        rate = round(rng.uniform(low, high), 2)  # drawn for every SKU: stable streams
        place.rates[sku] = rate if sku in skus else 0.0


def plan_places(
    rng: random.Random, families: dict[int, str]
) -> tuple[Place, list[Place], list[Place]]:
    """HQ, the distributors and the chosen dealers with warehouses, assortments, rates,
    habits and safety stock (two weeks of what each sells or passes on)."""
    hq_org = Org.objects.filter(kind=OrgKind.HQ).order_by("path").first()
    if hq_org is None:
        raise SeedError("Seed the network first.")
    distributors = list(Org.objects.filter(kind=OrgKind.DISTRIBUTOR).order_by("path"))
    links = dict(
        SupplyLink.objects.filter(
            kind=SupplyKind.GOODS,
            is_active=True,
            seller__kind=OrgKind.DISTRIBUTOR,
            buyer__kind=OrgKind.DEALER,
        ).values_list("buyer_id", "seller_id")
    )
    dealers = _chosen_dealers(rng, links)
    warehouses = _warehouses([hq_org, *distributors, *dealers])
    hq = Place(hq_org, warehouses[hq_org.pk], skus=sorted(families))
    by_org: dict[int, Place] = {}
    for org in distributors:
        place = Place(org, warehouses[org.pk], supplier=hq, source="import")
        place.skus = _assort(rng, families, families, DIST_MIX)
        place.weekday = rng.randrange(7)
        by_org[org.pk] = place
    dealer_places: list[Place] = []
    for org in dealers:
        supplier = by_org[links[org.pk]]
        place = Place(org, warehouses[org.pk], supplier=supplier)
        place.skus = _assort(rng, supplier.skus, families, DEALER_MIX)
        place.profile = _profile(rng.random())
        place.weekday = rng.randrange(7)
        place.source = SOURCES[len(dealer_places) % len(SOURCES)]
        dealer_places.append(place)
    for place in dealer_places:
        _rates(rng, place, families, place.skus)
        place.outflow = dict(place.rates)
        place.safety = {sku: math.ceil(2 * rate) for sku, rate in place.rates.items()}
    for place in by_org.values():
        # sales to stores outside the system, of some SKUs
        _rates(rng, place, families, _pick(rng, place.skus, DIST_OWN_SALES))
        served = [d for d in dealer_places if d.supplier is place]
        for sku in place.skus:
            place.outflow[sku] = place.rates[sku] + sum(d.rates.get(sku, 0) for d in served)
            place.safety[sku] = math.ceil(2 * place.outflow[sku])
    return hq, list(by_org.values()), dealer_places


# the year --------------------------------------------------------------------------------------


def _replenish(year: Year, place: Place, day: int, rng: random.Random, weeks: float) -> None:
    """A weekly review: order what brings each SKU back up to `weeks` of its outflow when
    it has fallen under safety stock plus a week; the supplier ships what it has."""
    supplier = place.supplier
    assert supplier is not None
    wh = place.warehouse.pk
    lines = {}
    for sku in place.skus:
        weekly = place.outflow.get(sku, 0)
        if not weekly:
            continue
        position = year.position(wh, sku)
        if position < place.safety[sku] + math.ceil(weekly):
            want = math.ceil(weeks * weekly) - position
            lines[sku] = min(want, year.available(supplier.warehouse.pk, sku))
    if lines:
        year.ship(supplier, place, day, lines, arrive=day + rng.randint(2, 5))


def _factory(year: Year, hq: Place, distributors: list[Place], day: int) -> None:
    weekly: dict[int, float] = {}
    for place in distributors:
        for sku, value in place.outflow.items():
            weekly[sku] = weekly.get(sku, 0) + value
    wanted = {
        sku: math.ceil(HQ_COVER_WEEKS * rate) - year.position(hq.warehouse.pk, sku)
        for sku, rate in weekly.items()
    }
    year.factory_receipt(hq, day, wanted)


def run_year(
    year: Year, hq: Place, distributors: list[Place], dealers: list[Place], rng: random.Random
) -> list[dict[str, Any]]:
    counted_places = {p.org.pk for p in dealers[:3]}
    counts = []
    divisions = {p.org.pk: p.org.district_id or p.org.city_id for p in [*distributors, *dealers]}
    for day in range(DAYS):
        if day % FACTORY_EVERY == 0:
            _factory(year, hq, distributors, day)
        year.arrivals(day)
        for place in [*distributors, *dealers]:
            if day % 7 == place.weekday:
                year.sell(place, day, rng, divisions[place.org.pk])
        for place in distributors:
            if day % 7 == place.weekday:
                _replenish(year, place, day, rng, DIST_COVER_WEEKS)
        for place in dealers:
            stopped = place.profile == "under" and day >= DAYS - 7 * UNDER_WEEKS
            if day % 7 == place.weekday and not stopped:
                _replenish(year, place, day, rng, COVER_WEEKS[place.profile])
            if day == COUNT_DAY and place.org.pk in counted_places:
                counts.append(year.count(place, day, rng))
    return counts


# writing ---------------------------------------------------------------------------------------

MOVE_COLUMNS = (
    "id", "warehouse_id", "sku_id", "kind", "qty", "on_hand_after", "transit_id", "doc_type",
    "doc_id", "doc_number", "reason", "reversal_of_id", "actor_id", "created_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "serial_id", "move_id", "transit_id", "doc_type", "doc_id", "doc_number",
    "from_status", "to_status", "from_warehouse_id", "to_warehouse_id", "from_holder_id",
    "to_holder_id", "actor_id", "at",
)  # fmt: skip
TRANSIT_COLUMNS = (
    "id", "number", "kind", "status", "from_warehouse_id", "to_warehouse_id", "doc_type",
    "doc_id", "doc_number", "note", "created_by_id", "created_at", "closed_at",
)  # fmt: skip
TRANSIT_LINE_COLUMNS = ("id", "transit_id", "sku_id", "qty", "received_qty", "short_qty")
SELLOUT_COLUMNS = (
    "id", "org_id", "warehouse_id", "sold_on", "sku_id", "qty", "serials", "buyer_division_id",
    "source", "move_id", "doc_number", "created_by_id", "created_at", "voided_at",
)  # fmt: skip
SERIAL_COLUMNS = (
    "id", "serial", "sku_id", "status", "warehouse_id", "transit_id", "holder_id",
    "reserved_for", "created_at", "updated_at",
)  # fmt: skip


def _reset_sequences(models: Sequence[type[Model]]) -> None:
    """After explicit ids, PostgreSQL's sequences continue after the highest."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def _reserve(year: Year, distributors: list[Place], rng: random.Random) -> list[Reservation]:
    """Open reservations at every third distributor: orders approved, waiting to ship."""
    rows: list[Reservation] = []
    now = year.latest
    for n, place in enumerate(distributors):
        if n % 3:
            continue
        wh = place.warehouse.pk
        candidates = [
            sku
            for sku in place.skus
            if not year.skus[sku].serial_tracked and year.available(wh, sku) >= 2
        ]
        for line, sku in enumerate(_pick(rng, candidates, 2), start=1):
            qty = min(3, year.available(wh, sku) // 2)
            year.balance(wh, sku)[1] += qty
            number = f"DEMO-SO-R{n:03d}"
            rows.append(
                Reservation(
                    warehouse_id=wh,
                    sku_id=sku,
                    doc_type=f"{DOC}_order",
                    doc_id=number,
                    doc_number=number,
                    line=str(line),
                    qty=qty,
                    open_qty=qty,
                    created_at=now,
                    updated_at=now,
                )
            )
    Reservation.objects.bulk_create(rows)
    return rows


def _stock_rows(year: Year, places: list[Place]) -> int:
    safety = {(p.warehouse.pk, sku): level for p in places for sku, level in p.safety.items()}
    keys = set(year.stock) | set(safety)
    rows = [
        Stock(
            warehouse_id=wh,
            sku_id=sku,
            on_hand=year.balance(wh, sku)[0],
            reserved=year.balance(wh, sku)[1],
            in_transit=year.balance(wh, sku)[2],
            safety_stock=safety.get((wh, sku), 0),
            updated_at=year.latest,
        )
        for wh, sku in sorted(keys)
    ]
    Stock.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _counts(year: Year, posted: list[dict[str, Any]], places: list[Place]) -> int:
    """The posted counts of the year, one count in progress and one draft."""
    counts: list[StockCount] = []
    lines: list[StockCountLine] = []
    for c in posted:
        at = c["at"]
        counts.append(
            StockCount(
                pk=c["id"],
                number=c["number"],
                warehouse=c["place"].warehouse,
                status=CountStatus.POSTED,
                note="月度盘点（演示）",
                created_at=at - timedelta(hours=3),
                started_at=at - timedelta(hours=2),
                posted_at=at,
            )
        )
        lines += [
            StockCountLine(
                count_id=c["id"],
                sku_id=sku,
                expected_qty=system,
                counted_qty=counted,
                serials=units,
                system_qty=system,
                difference=difference,
                move_id=move,
            )
            for sku, system, counted, units, difference, move in c["lines"]
        ]
    for n, (place, status) in enumerate(
        zip(places[:2], [CountStatus.COUNTING, CountStatus.DRAFT], strict=False)
    ):
        count_id = year.ids.take(StockCount)
        at = year.latest - timedelta(days=1)
        counts.append(
            StockCount(
                pk=count_id,
                number=year.number("count", "SC"),
                warehouse=place.warehouse,
                status=status,
                note="季度盘点（演示）",
                created_at=at,
                started_at=at if status == CountStatus.COUNTING else None,
            )
        )
        for k, sku in enumerate(sorted(place.skus)):
            on_hand = year.balance(place.warehouse.pk, sku)[0]
            entered = status == CountStatus.COUNTING and k % 2 == 0 and not n
            lines.append(
                StockCountLine(
                    count_id=count_id,
                    sku_id=sku,
                    expected_qty=on_hand if status == CountStatus.COUNTING else None,
                    counted_qty=on_hand if entered and not year.skus[sku].serial_tracked else None,
                )
            )
    StockCount.objects.bulk_create(counts)
    StockCountLine.objects.bulk_create(lines, batch_size=2000)
    return len(counts)


def _write(year: Year, places: list[Place], posted: list[dict[str, Any]]) -> dict[str, int]:
    for shipped in year.open:  # still on its way today
        for sku, qty in sorted(shipped.lines.items()):
            year.transit_lines.append((year.ids.take(TransitLine), shipped.id, sku, qty, 0, 0))
    serials = [
        (uid, u.serial, u.sku, u.status or SerialStatus.IN_STOCK, u.warehouse, u.transit, u.holder,
         "", u.created, u.updated)
        for uid, u in year.units.items()
    ]  # fmt: skip
    written = {
        "transits": insert_rows(Transit, TRANSIT_COLUMNS, year.transits),
        "transit_lines": insert_rows(TransitLine, TRANSIT_LINE_COLUMNS, year.transit_lines),
        "moves": insert_rows(StockMove, MOVE_COLUMNS, year.moves),
        "serials": insert_rows(Serial, SERIAL_COLUMNS, serials),
        "serial_events": insert_rows(SerialEvent, EVENT_COLUMNS, year.events),
        "sellouts": insert_rows(SellOut, SELLOUT_COLUMNS, year.sellouts),
    }
    _reset_sequences([Transit, TransitLine, StockMove, Serial, SerialEvent, SellOut, StockCount])
    return written


@transaction.atomic
def seed_inventory(*, scale: str) -> dict[str, int]:
    """Create the warehouses that are missing and, once, the year of stock history; returns
    how many rows were added (the history's counts are zero on a second run)."""
    if scale not in SCALES:
        raise SeedError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    rng = random.Random(SEED)
    families = _families()
    before = Warehouse.objects.count()
    hq, distributors, dealers = plan_places(rng, families)
    report = {"warehouses": Warehouse.objects.count() - before}
    if StockMove.objects.filter(doc_type__startswith=DOC).exists():
        return report | {"moves": 0, "serials": 0, "sellouts": 0, "counts": 0, "in_transit": 0}
    skus = {s.pk: s for s in Sku.objects.filter(pk__in=list(families))}
    year = Year(skus=skus, families=families, today=timezone.localdate())
    posted = run_year(year, hq, distributors, dealers, rng)
    reservations = _reserve(year, distributors, rng)
    places = [hq, *distributors, *dealers]
    written = _write(year, places, posted)
    stocks = _stock_rows(year, places)
    counts = _counts(year, posted, [distributors[0], dealers[0]] if dealers else distributors[:1])
    _reset_sequences([StockCount])
    return report | {
        **written,
        "stocks": stocks,
        "reservations": len(reservations),
        "counts": counts,
        "in_transit": len(year.open),
        "over_stocked": sum(1 for p in dealers if p.profile == "over"),
        "below_safety": sum(1 for p in dealers if p.profile == "under"),
    }
