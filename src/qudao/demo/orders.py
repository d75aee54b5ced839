"""Demo orders: a year of orders between the tiers — HQ → distributors, distributors → dealers,
the first dealer → its stores — in every state an order reaches: drafts, held for approval,
approved, partially shipped, shipped and awaiting receipt, delivered, completed, rejected,
cancelled by the buyer or by the seller, returned for a credit note (one bike by its frame
number) and exchanged (with the linked replacement order).

Unlike the finance and inventory demos, nothing here is bulk inserted: the year is walked
forward under one frozen clock (freezegun) and every step is the real service — draft, submit,
approve or reject, ship with serials, confirm the receipt, pay the invoice, return, the nightly
auto-confirm and auto-complete — acted by a person with the right on the right org (the
buyer's own staff, the seller's approver, warehouse and finance; a salesperson or the seller
placing some orders on the buyer's behalf). Stock, serials, reservations, credit, invoices,
payments, credit notes, audit rows, outbox events and notifications are therefore what the
services write, at the moment they happened (docs/decisions/0009-demo-orders.md).

The services stand on today's balances, while the finance and inventory demos have already
written the whole year. So the walk takes care not to rewrite the past:
- stock: a warehouse gives at a moment only what it holds from then until today (the least of
  its running balance from that moment on, less what is reserved); a serial-tracked unit only
  if it has been there since before that moment. HQ receives factory lots (inventory's
  stock_receive) for what its orders need, distributors restock from HQ what they sold on,
  and dealers sell on (sell-out reports) what their orders brought in, so the inventory
  demo's levels stay as they were;
- money: payments are allocated to the order's own invoice; pay-first buyers transfer the
  money just before ordering; a return is credited only when the invoices its credit note
  pays existed already;
- afterwards the running `balance_after` of the ledger entries and stock moves the walk
  touched is written again in time order (the sums check-ledgers verifies do not change).

Deterministic (one seeded random stream, dates as offsets from today in the site's time zone,
office hours, the year ending last midnight) and idempotent: when any order exists, nothing
is done — nor once statements have been sent, which close their months to new invoices.
Small ≈ 130 orders, medium ≈ 360, large ≈ 1,000. Trading orgs without a login of their own
get the dealer-admin login the medium scale gives every distributor and dealer (username =
org code).
"""

import heapq
import logging
import math
import random
from bisect import insort
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F, Max, QuerySet
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time

from qudao.accounts.constants import (
    APPROVE_ORDERS,
    MANAGE_FINANCE,
    MANAGE_ORDER_RULES,
    MANAGE_STOCK,
    PLACE_ORDERS,
    SHIP_ORDERS,
)
from qudao.accounts.models import Role, User
from qudao.catalog.models import Sku
from qudao.core.errors import DomainError
from qudao.core.models import Notification, OutboxEvent
from qudao.core.outbox import outbox_deliver_one
from qudao.demo.finance import OVERDUE_DAYS, PROFILES
from qudao.demo.inventory import SERIAL_PREFIX, _families
from qudao.finance.constants import (
    Account,
    InvoiceKind,
    OverdueMode,
    PaymentMethod,
    StatementStatus,
)
from qudao.finance.models import Invoice, LedgerEntry, Position, Statement
from qudao.finance.selectors import credit_check
from qudao.finance.services import credit_profile_set, payment_record
from qudao.inventory.constants import SerialStatus
from qudao.inventory.models import Serial, Stock, StockMove, Warehouse
from qudao.inventory.services import Line, SellOutRow, sellout_record, stock_receive
from qudao.network import scope
from qudao.network.constants import OrgKind, OrgStatus, SupplyKind
from qudao.network.models import Membership, Org, SupplyLink
from qudao.network.seed import SCALES, SeedError
from qudao.orders.constants import (
    DEFAULT_AUTO_CONFIRM_DAYS,
    DEFAULT_COMPLETE_AFTER_DAYS,
    PENDING_RETURN_STATUSES,
    OrderStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)
from qudao.orders.models import Order, ReturnRequest, ReturnSerial, Shipment, ShipmentSerial
from qudao.orders.services import (
    ReceiptLine,
    ReturnLineIn,
    ShipLine,
    approval_rule_set,
    order_approve,
    order_cancel,
    order_cancel_by_seller,
    order_draft_create,
    order_reject,
    order_submit,
    orders_auto_complete,
    receipt_confirm,
    receipts_auto_confirm,
    return_approve,
    return_receive,
    return_request,
    return_send,
    shipment_post,
)
from qudao.pricing.models import PriceList
from qudao.pricing.selectors import quote, sellable_sku_ids

logger = logging.getLogger(__name__)

SEED = 20261127
DAYS = 365
# Orders a year by the seller's tier: HQ (to distributors), distributors (to dealers), dealers
# (to stores), and how many a year one buyer places at most.
VOLUME = {"small": (20, 68, 10), "medium": (80, 220, 25), "large": (240, 640, 90)}
PER_BUYER = (7, 9, 5)
FIRST_DAY = (0, 10, 20)  # distributors stock up first, dealers and stores follow
# Order budgets (¥) by the seller's tier; a "big" order is over the seller's approval threshold.
BUDGET = ((30_000, 160_000), (3_000, 24_000), (300, 4_500))
THRESHOLD = (150_000, 20_000, 5_000)
BIG = ((165_000, 240_000), (21_000, 32_000), (5_500, 8_000))
LINES = ((4, 9), (2, 6), (1, 3))
QTY = {"BIKE": (1, 4), "BAT": (1, 4), "CHG": (2, 6), "GEAR": (2, 8), "PART": (3, 12)}
TIER_QTY = (4, 1, 1)  # multiplier of QTY: a distributor orders by the dozen
CARRIERS = ("顺丰速运", "德邦物流", "中通快运", "安能物流", "自有车辆")

# What becomes of an order (drawn by age; see _fate): the share of each fate.
DRAFT, NORMAL, BIG_ORDER, REJECT = "draft", "normal", "big", "reject"
CANCEL_BUYER, CANCEL_SELLER, PARTIAL, SHORT = "cancel_buyer", "cancel_seller", "partial", "short"
RETURN, RETURN_BIKE, EXCHANGE = "return", "return_bike", "exchange"
FATES = (
    (CANCEL_BUYER, 0.04),
    (CANCEL_SELLER, 0.02),
    (REJECT, 0.03),
    (BIG_ORDER, 0.06),
    (PARTIAL, 0.12),
    (SHORT, 0.04),
    (RETURN, 0.04),
    (EXCHANGE, 0.02),
)
RECENT_DRAFTS = 0.2  # of the orders placed in the last week, still drafts
LATE_SHARE = 0.12  # invoices paid one to three weeks after their due date
NEVER = 10_000  # a delay (days) that ends after today: the step has not happened yet
TOPUP_STEP = Decimal(1000)
ZERO = Decimal("0.00")


def _too_late() -> bool:
    """Orders exist already, or statements have been sent: their months are closed to the
    invoices a year of orders would post (finance.services.period_check_open)."""
    sent = Statement.objects.exclude(status=StatementStatus.DRAFT)
    return Order.objects.exists() or sent.exists()


# --- who acts -------------------------------------------------------------------------------------


class Cast:
    """The people of each org, by the rights their roles give at that very org (not above it),
    the preferred role first — so the buyer's own staff receive, the seller's approve."""

    def __init__(self, orgs: Iterable[Org]) -> None:
        self.members: dict[int, list[tuple[str, User, frozenset[str]]]] = defaultdict(list)
        rows = (
            Membership.objects.filter(org__in=list(orgs), is_active=True, user__is_active=True)
            .select_related("user", "role")
            .order_by("pk")
        )
        users: dict[int, User] = {}
        for m in rows:
            user = users.setdefault(m.user_id, m.user)  # one instance: scope caches its grants
            self.members[m.org_id].append((m.role.code, user, frozenset(m.role.permissions)))

    def who(self, org: Org, permission: str, prefer: Sequence[str] = ()) -> User | None:
        found = [(role, user) for role, user, perms in self.members[org.pk] if permission in perms]
        found.sort(key=lambda r: prefer.index(r[0]) if r[0] in prefer else len(prefer))
        return found[0][1] if found else None

    def approver(self, org: Org) -> User | None:
        return self.who(org, APPROVE_ORDERS, ("finance", "dealer_admin"))

    def shipper(self, org: Org) -> User | None:
        return self.who(org, SHIP_ORDERS, ("warehouse_clerk",))

    def cashier(self, org: Org) -> User | None:
        return self.who(org, MANAGE_FINANCE, ("finance",))

    def buyer(self, org: Org) -> User | None:
        return self.who(org, PLACE_ORDERS, ("dealer_admin", "store_clerk"))

    def receiver(self, org: Org) -> User | None:
        return self.who(org, SHIP_ORDERS, ("warehouse_clerk", "dealer_admin", "store_clerk"))


def _staff_for(orgs: Sequence[Org]) -> int:
    """Distributors and dealers without a login of their own get the one the medium scale
    gives each of them: a dealer admin named by the org code, the org's contact person."""
    have = set(
        Membership.objects.filter(org__in=orgs, is_active=True).values_list("org_id", flat=True)
    )
    missing = [o for o in orgs if o.pk not in have and o.kind != OrgKind.STORE]
    if not missing:
        return 0
    role = Role.objects.get(code="dealer_admin")
    taken = set(
        User.objects.filter(mobile__in=[o.contact_phone for o in missing]).values_list(
            "mobile", flat=True
        )
    )
    password = make_password(str(settings.QUDAO["DEMO_PASSWORD"]))
    created = 0
    for org in missing:
        user = User.objects.filter(username=org.code.lower()).first()
        if user is None:
            user = User.objects.create(
                username=org.code.lower(),
                display_name=org.contact_name,
                mobile=org.contact_phone if org.contact_phone not in taken else None,
                password=password,
            )
            created += 1
        Membership.objects.get_or_create(user=user, org=org, role=role)
    return created


def _lowest(rows: Iterable[tuple[datetime, Any]], at: datetime) -> Any:
    """The least a running balance (rows in time order) is from `at` to today: what may be
    taken at `at` without making it negative at some later moment."""
    running, low = 0, None
    for moved, amount in rows:
        if moved > at and low is None:
            low = running
        running += amount
        if low is not None:
            low = min(low, running)
    return running if low is None else low


# --- what a warehouse can give --------------------------------------------------------------------


class Shelf:
    """What a warehouse can give at a moment without rewriting its past: the least of its
    running balance from that moment to today (the inventory demo has written the whole year),
    less what is reserved now; for serial-tracked SKUs the units there since before that
    moment. Moves are read once per warehouse, then only the new ones."""

    def __init__(self, tracked: set[int]) -> None:
        self.tracked = tracked
        self.moves: dict[int, dict[int, list[tuple[datetime, int, int]]]] = {}
        self.seen: dict[int, int] = {}

    def _load(self, wh: int) -> dict[int, list[tuple[datetime, int, int]]]:
        by_sku = self.moves.setdefault(wh, {})
        rows = (
            StockMove.objects.filter(warehouse_id=wh, pk__gt=self.seen.get(wh, 0))
            .order_by("pk")
            .values_list("pk", "sku_id", "created_at", "qty")
        )
        for pk, sku, at, qty in rows:
            insort(by_sku.setdefault(sku, []), (at, pk, qty))
            self.seen[wh] = pk
        return by_sku

    def free(self, wh: Warehouse, skus: Sequence[int], at: datetime) -> dict[int, int]:
        """{SKU: units free to take at `at`} — below 0 when reservations already claim more."""
        by_sku = self._load(wh.pk)
        reserved = dict(
            Stock.objects.filter(warehouse=wh, sku_id__in=skus).values_list("sku_id", "reserved")
        )
        tracked = [s for s in skus if s in self.tracked]
        units = Counter(
            Shelf._there(wh, at).filter(sku_id__in=tracked).values_list("sku_id", flat=True)
        )
        found = {}
        for sku in skus:
            rows = ((moved, qty) for moved, _pk, qty in by_sku.get(sku, []))
            have = units[sku] if sku in self.tracked else _lowest(rows, at)
            found[sku] = have - reserved.get(sku, 0)
        return found

    @staticmethod
    def _there(wh: Warehouse, at: datetime) -> QuerySet[Serial]:
        """Units in stock there since before `at`, and not promised back on an open return
        (a return request does not hold its units: the walk leaves them alone)."""
        promised = ReturnSerial.objects.filter(line__ret__status__in=PENDING_RETURN_STATUSES)
        return Serial.objects.filter(
            warehouse=wh, status=SerialStatus.IN_STOCK, updated_at__lte=at
        ).exclude(serial__in=promised.values("serial"))

    @staticmethod
    def units(wh: Warehouse, sku: int, at: datetime, qty: int) -> list[str]:
        """The longest-held units of a SKU there since before `at`, for a shipment."""
        return list(
            Shelf._there(wh, at)
            .filter(sku_id=sku)
            .order_by("updated_at", "pk")
            .values_list("serial", flat=True)[:qty]
        )


# --- the plan -------------------------------------------------------------------------------------


@dataclass(eq=False)
class Pair:
    """A buyer and its seller, with the seller's warehouse, its offer to this buyer (SKU →
    unit price) and the seller's tier (0 HQ, 1 distributor, 2 dealer)."""

    buyer: Org
    seller: Org
    tier: int
    warehouse: Warehouse
    prices: dict[int, Decimal] = field(default_factory=dict)
    buyer_wh: Warehouse | None = None


@dataclass(eq=False)
class Story:
    """One order from its first step to the last one that happened before today."""

    pair: Pair
    at: datetime
    fate: str = NORMAL
    late: bool = False
    order: Order | None = None
    placer: User | None = None
    delays: dict[str, float] = field(default_factory=dict)  # days, instead of drawn ones
    tries: Counter[str] = field(default_factory=Counter)  # retries of a waiting step
    ret: ReturnRequest | None = None
    unpaid: list[int] = field(default_factory=list)  # invoices waiting for the return


def _pairs(tier: int) -> list[SupplyLink]:
    kinds = ((OrgKind.DISTRIBUTOR, OrgKind.HQ), (OrgKind.DEALER, OrgKind.DISTRIBUTOR))
    buyer_kind, seller_kind = kinds[tier] if tier < 2 else (OrgKind.STORE, OrgKind.DEALER)
    return list(
        SupplyLink.objects.filter(
            kind=SupplyKind.GOODS,
            is_active=True,
            buyer__kind=buyer_kind,
            seller__kind=seller_kind,
            buyer__status=OrgStatus.ACTIVE,
            seller__status=OrgStatus.ACTIVE,
        )
        .select_related("buyer", "seller")
        .order_by("buyer__path")
    )


def _offer(pair: Pair, on_sale: set[int]) -> None:
    ids = sorted(
        set(sellable_sku_ids(seller=pair.seller, buyer=pair.buyer).values_list("sku_id", flat=True))
        & on_sale
    )
    quotes = quote(seller=pair.seller, buyer=pair.buyer, lines=[(pk, 1) for pk in ids])
    pair.prices = {q.sku_id: q.price for q in quotes if q.price is not None}


def _choose(
    rng: random.Random, links: list[SupplyLink], wanted: int, demo: set[int]
) -> list[SupplyLink]:
    """The buyers of a tier: the demo logins' orgs first, then a fixed draw of the others."""
    first = [link for link in links if link.buyer_id in demo]
    rest = [link for link in links if link.buyer_id not in demo]
    picked = rng.sample(rest, min(len(rest), max(0, wanted - len(first))))
    return first + sorted(picked, key=lambda link: link.buyer.path)


def plan_pairs(rng: random.Random, scale: str) -> list[tuple[Pair, int]]:
    """(pair, orders a year) for every tier; only sellers with a warehouse and price lists
    (of the dealers, only the first one sells to its stores)."""
    warehouses = {w.org_id: w for w in Warehouse.objects.filter(is_default=True, is_active=True)}
    listing = set(PriceList.objects.filter(is_active=True).values_list("seller_id", flat=True))
    on_sale = set(_families())
    demo = set(
        Membership.objects.filter(
            user__username__in=["distributor", "dealer", "store"]
        ).values_list("org_id", flat=True)
    )
    planned = []
    for tier, volume in enumerate(VOLUME[scale]):
        links = [
            link
            for link in _pairs(tier)
            if link.seller_id in warehouses and link.seller_id in listing
        ]
        chosen = _choose(rng, links, math.ceil(volume / PER_BUYER[tier]), demo)
        pairs = []
        for link in chosen:
            pair = Pair(link.buyer, link.seller, tier, warehouses[link.seller_id])
            pair.buyer_wh = warehouses.get(link.buyer_id)
            _offer(pair, on_sale)
            if pair.prices:
                pairs.append(pair)
        each = max(1, round(volume / max(1, len(pairs))))
        planned += [(pair, each) for pair in pairs]
    return planned


def _fate(rng: random.Random, age: int) -> str:
    if age <= 6 and rng.random() < RECENT_DRAFTS:
        return DRAFT
    draw = rng.random()
    for fate, share in FATES:
        if draw < share:
            # returns and exchanges need goods delivered a while ago
            return NORMAL if fate in (RETURN, EXCHANGE) and age < 30 else fate
        draw -= share
    return NORMAL


# --- the walk -------------------------------------------------------------------------------------


class Walk:
    """The year, step by step, in time order. `schedule` drops steps after today: what has not
    happened yet is the order's open state."""

    def __init__(
        self, *, rng: random.Random, clock: Any, end: datetime, cast: Cast, sales: User | None
    ) -> None:
        self.rng = rng
        self.sales = sales
        self.clock = clock
        self.end = end
        self.zone = timezone.get_current_timezone()
        self.today = timezone.localdate(end)
        self.first = self.today - timedelta(days=DAYS)  # day 0; day DAYS - 1 is yesterday
        self.cast = cast
        self.families = _families()
        self.skus = Sku.objects.in_bulk(list(self.families))
        self.shelf = Shelf({pk for pk, s in self.skus.items() if s.serial_tracked})
        self.queue: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = []
        self.seq = 0
        self.events = OutboxEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        self.sold_on: dict[int, Counter[int]] = defaultdict(Counter)  # restock of distributors
        self.lots = 0
        self.serials = 0
        self.refused: Counter[str] = Counter()
        self.stories: list[Story] = []
        self.hq = Org.objects.get(kind=OrgKind.HQ, depth=1)

    # time --------------------------------------------------------------------------------

    def moment(self, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.first + timedelta(days=day), time(hour, minute), self.zone)

    def office(self, when: datetime) -> datetime:
        """The same moment, or the next opening of the office (9:00–18:00) after it."""
        local = timezone.localtime(when, self.zone)
        minute = self.rng.randrange(0, 50)
        if local.hour < 9:
            return local.replace(hour=9, minute=minute)
        if local.hour >= 18:
            return (local + timedelta(days=1)).replace(hour=9, minute=minute)
        return local

    def later(
        self, base: datetime, story: Story | None, step: str, days: tuple[float, float]
    ) -> datetime:
        wait = story.delays.get(step) if story is not None else None
        wait = self.rng.uniform(*days) if wait is None else wait
        return self.office(base + timedelta(days=wait))

    def schedule(self, when: datetime, step: Callable[..., None], *args: Any) -> None:
        if when <= self.end:
            self.seq += 1
            heapq.heappush(self.queue, (when, self.seq, step, args))

    def retry(self, story: Story, step: Callable[..., None], *args: Any, days: int = 3) -> None:
        """Try a step again a few days later (stock to come, goods not yet confirmed), five
        times at most."""
        story.tries[step.__name__] += 1
        if story.tries[step.__name__] <= 5:
            when = self.later(self.now(), None, "", (days - 1, days + 2))
            self.schedule(when, step, story, *args)

    def run(self) -> None:
        """Every step in time order. A step the services refuse is left undone and counted
        (the walk checks first, so none is expected; the seed does not stop for one)."""
        while self.queue:
            when, _seq, step, args = heapq.heappop(self.queue)
            self.clock.move_to(when)
            try:
                step(*args)
            except DomainError as exc:
                self.refused[f"{step.__name__}: {exc.code}"] += 1
            self._deliver()

    def _deliver(self) -> None:
        """Deliver the step's outbox events now (the seed is one transaction, whose commit
        comes at the end): notifications carry the moment of their step."""
        for pk in (
            OutboxEvent.objects.filter(pk__gt=self.events)
            .order_by("pk")
            .values_list("pk", flat=True)
        ):
            outbox_deliver_one(pk)
            self.events = pk

    def now(self) -> datetime:
        return timezone.now()

    # the nightly tasks -------------------------------------------------------------------

    def nightly(self) -> None:
        """The scheduled tasks, on nights they have something to do (the demo's sellers keep
        the default days)."""
        now = self.now()
        waiting = Shipment.objects.filter(
            status=ShipmentStatus.POSTED,
            shipped_at__lte=now - timedelta(days=DEFAULT_AUTO_CONFIRM_DAYS),
        )
        if waiting.exists():
            receipts_auto_confirm()
        done = Order.objects.filter(
            status=OrderStatus.DELIVERED,
            delivered_at__lte=now - timedelta(days=DEFAULT_COMPLETE_AFTER_DAYS),
        )
        if done.exists():
            orders_auto_complete()

    # placing -----------------------------------------------------------------------------

    def _qty(self, pair: Pair, sku: int) -> int:
        low, high = QTY.get(self.families.get(sku, "PART"), QTY["PART"])
        return self.rng.randint(low, high) * TIER_QTY[pair.tier]

    def _restock(self, pair: Pair, wanted: dict[int, int]) -> None:
        """A distributor orders again what it sold on to its dealers since its last order."""
        for sku, qty in self.sold_on.pop(pair.buyer.pk, Counter()).items():
            if sku in pair.prices:
                wanted[sku] = wanted.get(sku, 0) + qty

    def _candidates(self, pair: Pair, count: int, bike: bool) -> list[int]:
        """SKUs to try, in order: about half the lines bikes (at least one when the story
        needs one), the rest accessories and parts, each drawn at random."""
        skus = sorted(pair.prices)
        bikes = [s for s in skus if self.families.get(s) == "BIKE"]
        others = [s for s in skus if s not in bikes]
        bikes, others = self.rng.sample(bikes, len(bikes)), self.rng.sample(others, len(others))
        share = max(int(bike), round(count * self.rng.uniform(0.3, 0.6)))
        return bikes[:share] + others + bikes[share:]

    def pick(
        self, pair: Pair, budget: Decimal, *, bike: bool = False, big: bool = False
    ) -> list[tuple[Sku, int]]:
        """Lines for the budget from what the seller offers this buyer and can give now
        (HQ gives anything: the factory delivers what it lacks); a big order has more lines
        of three times the usual quantities."""
        count = self.rng.randint(*LINES[pair.tier]) + 2 * big
        wanted: dict[int, int] = {}
        free: dict[int, int] | None = None
        if pair.tier == 0:
            self._restock(pair, wanted)
        else:
            free = self.shelf.free(pair.warehouse, sorted(pair.prices), self.now())
        left = budget - sum((pair.prices[s] * q for s, q in wanted.items()), ZERO)
        for sku in self._candidates(pair, count, bike):
            if len(wanted) >= count or left <= 0:
                break
            qty = min(self._qty(pair, sku) * (1 + 2 * big), int(left // pair.prices[sku]))
            if free is not None:
                qty = min(qty, max(0, free.get(sku, 0)))
            qty -= qty % self.skus[sku].order_multiple
            if qty > 0 and sku not in wanted:
                wanted[sku] = qty
                left -= pair.prices[sku] * qty
        return [(self.skus[sku], qty) for sku, qty in wanted.items() if qty > 0]

    def factory(self, lines: Sequence[tuple[Sku, int]]) -> None:
        """Goods from the factory into HQ for what an order needs and HQ cannot give (inventory's
        stock_receive, new frame and battery numbers)."""
        hq_wh = Warehouse.objects.get(org=self.hq, is_default=True)
        free = self.shelf.free(hq_wh, [sku.pk for sku, _q in lines], self.now())
        short = [(sku, qty - free[sku.pk]) for sku, qty in lines if qty > free[sku.pk]]
        if not short:
            return
        self.lots += 1
        actor = self.cast.who(self.hq, MANAGE_STOCK, ("brand_admin",))
        year = timezone.localdate().year % 100
        receipt = []
        for sku, qty in short:
            lot = math.ceil(qty / 10) * 10  # factory lots come by the ten
            serials: tuple[str, ...] = ()
            if sku.serial_tracked:
                prefix = SERIAL_PREFIX.get(self.families.get(sku.pk, "PART"), "FCX")
                serials = tuple(
                    f"{prefix}{year:02d}9{self.serials + n:06d}" for n in range(1, lot + 1)
                )
                self.serials += lot
            receipt.append(Line(sku, lot, serials))
        stock_receive(
            actor=actor, warehouse=hq_wh, lines=receipt, reason=f"工厂入库 第{self.lots}批（演示）"
        )

    def fund(self, story: Story, amount: Decimal) -> None:
        """A buyer short of credit transfers the difference first, to its prepaid balance.
        Approval takes the prepaid balance first: when part of today's balance arrived only
        after this moment (the finance demo's later top-ups), the buyer pays the whole order
        in advance, so the balance never runs below zero in time order."""
        pair = story.pair
        position = Position.objects.filter(buyer=pair.buyer, seller=pair.seller).first()
        room = ZERO
        if position is not None:
            rows = (
                position.entries.filter(account=Account.PREPAID)
                .order_by("created_at", "pk")
                .values_list("created_at", "amount")
            )
            there = min(position.prepaid_balance, _lowest(rows, self.now()))
            credit = max(ZERO, credit_check(position=position, amount=ZERO).available)
            room = there if there < position.prepaid_balance else there + credit
        if amount <= room:
            return
        cashier = self.cast.cashier(pair.seller)
        if cashier is None:
            return
        # payment_record opens the position when the buyer has none with this seller yet
        position = position or Position(buyer=pair.buyer, seller=pair.seller)
        topup = ((amount - room) / TOPUP_STEP).to_integral_value(ROUND_CEILING) * TOPUP_STEP
        payment_record(
            actor=cashier,
            position=position,
            amount=topup,
            method=PaymentMethod.BANK_TRANSFER,
            received_on=timezone.localdate(),
            reference="预付货款",
            to_prepaid=True,
        )

    def placer(self, pair: Pair) -> User | None:
        """The buyer's own staff; now and then a salesperson of the region on its behalf
        (代客下单); for a buyer without staff (a store), the seller's people."""
        own = self.cast.buyer(pair.buyer)
        sales = self.sales
        on_behalf = pair.tier == 1 and sales is not None and self.rng.random() < 0.12
        if on_behalf and scope.can(sales, PLACE_ORDERS, pair.buyer):
            return sales
        return own or self.cast.buyer(pair.seller)

    def place(self, story: Story) -> None:
        pair = story.pair
        story.placer = self.placer(pair)
        if story.placer is None:
            return
        big = story.fate in (BIG_ORDER, REJECT)
        budget = Decimal(self.rng.randint(*(BIG if big else BUDGET)[pair.tier]))
        lines = self.pick(pair, budget, bike=story.fate in (RETURN_BIKE, EXCHANGE), big=big)
        if not lines:
            return
        story.order = order_draft_create(
            actor=story.placer,
            buyer=pair.buyer,
            seller=pair.seller,
            lines=[(sku.code, qty) for sku, qty in lines],
            note=self.rng.choice(("", "", "请尽快发货", "月度补货", "旺季备货")),
        )
        self.stories.append(story)
        if story.fate != DRAFT:
            self.schedule(self.later(self.now(), story, "submit", (0.01, 0.3)), self.submit, story)

    # submit and approval -----------------------------------------------------------------

    def ensure(self, story: Story) -> bool:
        """Before an order takes stock and money (submit, approval): the seller can give its
        lines now (HQ: the factory delivers what it lacks) and the buyer can pay for it."""
        assert story.order is not None
        pair = story.pair
        rows = [(row.sku, row.qty) for row in story.order.lines.select_related("sku")]
        if pair.tier == 0:
            self.factory(rows)
        else:
            free = self.shelf.free(pair.warehouse, [sku.pk for sku, _q in rows], self.now())
            if any(free[sku.pk] < qty for sku, qty in rows):
                return False
        self.fund(story, story.order.amount)
        return True

    def submit(self, story: Story) -> None:
        assert story.order is not None
        if not self.ensure(story):
            if story.tries["submit"] < 5:
                self.retry(story, self.submit)  # the buyer waits for the seller's stock
            else:
                self.drop(story, "等待到货时间过长，取消订单")
            return
        try:
            story.order = order_submit(actor=story.placer, order=story.order)
        except DomainError:  # refused (a blocked buyer): the draft stays, or is dropped
            self.drop(story, "信用受限，暂不下单")
            return
        if story.order.status == OrderStatus.PENDING_APPROVAL:
            self.schedule(self.later(self.now(), story, "decide", (0.1, 1.5)), self.decide, story)
        else:
            self.approved(story)

    def drop(self, story: Story, reason: str) -> None:
        """A draft that could not go through: the buyer cancels it a few days later, unless
        that is this week (it is still a draft today)."""
        when = self.later(self.now(), story, "drop", (1, 4))
        if when < self.end - timedelta(days=7):
            self.schedule(when, self.cancel_buyer, story, reason)

    def decide(self, story: Story) -> None:
        assert story.order is not None
        approver = self.cast.approver(story.pair.seller)
        if story.fate == REJECT:
            order_reject(actor=approver, order=story.order, comment="单笔金额过大，请分批下单")
            return
        if story.fate == CANCEL_BUYER and self.rng.random() < 0.5:
            self.cancel_buyer(story, "等待审批时间过长，改为下月再订")
            return
        if not self.ensure(story):
            if story.tries["decide"] < 5:
                self.retry(story, self.decide)
            else:
                order_reject(actor=approver, order=story.order, comment="库存不足，暂无法供货")
            return
        try:
            story.order = order_approve(actor=approver, order=story.order, comment="同意")
        except DomainError:
            order_reject(
                actor=approver, order=story.order, comment="超出信用额度，请先回款后再下单"
            )
            return
        self.approved(story)

    def approved(self, story: Story) -> None:
        if story.fate == CANCEL_BUYER:
            when = self.later(self.now(), story, "cancel", (0.1, 2))
            self.schedule(when, self.cancel_buyer, story, "客户改单，取消本单")
        elif story.fate == CANCEL_SELLER:
            self.schedule(
                self.later(self.now(), story, "cancel", (1, 3)), self.cancel_seller, story
            )
        else:
            self.schedule(self.later(self.now(), story, "ship", (0.3, 3)), self.ship, story)

    def cancel_buyer(self, story: Story, reason: str) -> None:
        assert story.order is not None
        order = Order.objects.get(pk=story.order.pk)
        if order.status in (OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED):
            story.order = order_cancel(actor=story.placer, order=order, reason=reason)

    def cancel_seller(self, story: Story) -> None:
        assert story.order is not None
        story.order = order_cancel_by_seller(
            actor=self.cast.approver(story.pair.seller),
            order=story.order,
            reason="该批次缺货，近期无法发货，订单取消",
        )

    # shipping and receipts ---------------------------------------------------------------

    def _ship_lines(self, story: Story, first: bool) -> list[ShipLine]:
        assert story.order is not None
        now, wh = self.now(), story.pair.warehouse
        rows = [
            r for r in story.order.lines.select_related("sku").order_by("line_no") if r.qty_open
        ]
        free = self.shelf.free(wh, [r.sku_id for r in rows], now)
        picked = []
        for n, row in enumerate(rows):
            qty = row.qty_open
            if story.fate == PARTIAL and first:  # the first half now, the rest later
                half = (len(rows) + 1) // 2
                qty = max(1, qty // 2) if len(rows) == 1 else qty * (n < half)
            qty = min(qty, free[row.sku_id] + row.qty_open)  # its own reservation is its own
            serials: list[str] = []
            if row.sku.serial_tracked:
                serials = Shelf.units(wh, row.sku_id, now, qty)
                qty = len(serials)
            if qty > 0:
                picked.append(ShipLine(row.pk, qty, serials))
        return picked

    def ship(self, story: Story, first: bool = True) -> None:
        assert story.order is not None
        story.order = Order.objects.get(pk=story.order.pk)
        if story.order.status not in (OrderStatus.APPROVED, OrderStatus.PARTIALLY_SHIPPED):
            return
        lines = self._ship_lines(story, first)
        if not lines:
            self.retry(story, self.ship, first)
            return
        shipment = shipment_post(
            actor=self.cast.shipper(story.pair.seller),
            order=story.order,
            lines=lines,
            carrier=self.rng.choice(CARRIERS),
            tracking_no=f"{self.rng.randrange(10**11, 10**12)}",
        )
        story.order = Order.objects.get(pk=story.order.pk)
        self._shipped(story, shipment)
        if story.order.status == OrderStatus.PARTIALLY_SHIPPED:
            self.schedule(self.later(self.now(), story, "ship2", (4, 12)), self.ship, story, False)
        else:
            self.schedule(self.later(self.now(), None, "", (9, 12)), self.delivered, story)

    def _shipped(self, story: Story, shipment: Shipment) -> None:
        pair = story.pair
        if pair.tier == 1:
            for row in shipment.lines.all():
                self.sold_on[pair.seller.pk][row.sku_id] += row.qty
        receiver = self.cast.receiver(pair.buyer)
        if receiver is not None and self.rng.random() < 0.85:
            when = self.later(self.now(), story, "receive", (0.5, 5))
            self.schedule(when, self.receive, story, shipment, receiver)
        if shipment.invoice is not None:
            self.bill(story, shipment.invoice)

    def receive(self, story: Story, shipment: Shipment, receiver: User) -> None:
        shipment = Shipment.objects.get(pk=shipment.pk)
        if shipment.status != ShipmentStatus.POSTED:
            return  # confirmed by the nightly task already
        lines: list[ReceiptLine] = []
        note = ""
        if story.fate == SHORT:
            story.fate = NORMAL
            row = shipment.lines.filter(sku__serial_tracked=False, qty__gt=1).first()
            if row is not None:
                lines.append(
                    ReceiptLine(row.pk, row.qty - 1, (), 1, "外箱破损，短少1件，另1件受损")
                )
                note = "到货有差异，已拍照留存"
        receipt_confirm(actor=receiver, shipment=shipment, lines=lines, note=note)

    def delivered(self, story: Story) -> None:
        """After the goods arrived (by the buyer or the nightly auto-confirm): a return or an
        exchange when the story has one, and the dealer's sell-out of what came in."""
        assert story.order is not None
        order = Order.objects.get(pk=story.order.pk)
        if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
            self.retry(story, self.delivered)
            return
        if story.fate in (RETURN, RETURN_BIKE, EXCHANGE):
            self.schedule(self.later(self.now(), story, "return", (0.5, 8)), self.ask_return, story)
        if story.pair.tier == 1 and story.pair.buyer_wh is not None:
            self.schedule(self.later(self.now(), None, "", (20, 45)), self.sell_on, story)

    def sell_on(self, story: Story) -> None:
        """The dealer's sell-out report of what this order brought in and is still there."""
        assert story.order is not None and story.pair.buyer_wh is not None
        wh, now = story.pair.buyer_wh, self.now()
        rows = list(story.order.lines.select_related("sku"))
        free = self.shelf.free(wh, [r.sku_id for r in rows], now)
        received = self._received_serials(story.order, wh)
        sold = []
        for row in rows:
            qty = min(row.qty_received - row.qty_returned, max(0, free[row.sku_id]))
            serials: tuple[str, ...] = ()
            if row.sku.serial_tracked:
                serials = tuple(received.get(row.pk, [])[:qty])
                qty = len(serials)
            if qty > 0:
                sold.append(SellOutRow(sold_on=now.date(), sku=row.sku, qty=qty, serials=serials))
        actor = self.cast.who(story.pair.buyer, MANAGE_STOCK, ("dealer_admin",))
        if sold and actor is not None:
            sellout_record(actor=actor, org=story.pair.buyer, rows=sold)

    @staticmethod
    def _received_serials(order: Order, wh: Warehouse | None) -> dict[int, list[str]]:
        """{order line: serials received on it and still in stock at the buyer's warehouse
        (or, for a buyer keeping none, with the buyer)} — not on a return already."""
        taken = set(
            ReturnRequest.objects.filter(order=order)
            .exclude(status__in=(ReturnStatus.REJECTED, ReturnStatus.CANCELLED))
            .values_list("lines__serials__serial", flat=True)
        )
        rows = ShipmentSerial.objects.filter(line__shipment__order=order, received=True)
        there = Serial.objects.filter(serial__in=rows.values("serial"))
        there = (
            there.filter(warehouse=wh, status=SerialStatus.IN_STOCK)
            if wh is not None
            else there.filter(status=SerialStatus.SOLD)  # left the system towards the buyer
        )
        here = set(there.values_list("serial", flat=True))
        found: dict[int, list[str]] = defaultdict(list)
        for line_id, serial in rows.order_by("serial").values_list("line__order_line_id", "serial"):
            if serial in here and serial not in taken:
                found[line_id].append(serial)
        return found

    # money -------------------------------------------------------------------------------

    def bill(self, story: Story, invoice: Invoice) -> None:
        """The invoice is paid around its due date; late payers weeks after it."""
        due = datetime.combine(invoice.due_on, time(10), self.zone)
        wait = (5, 25) if story.late else (-4, 3)  # late, but within the overdue tolerance
        self.schedule(self.later(due, None, "", wait), self.pay, story, invoice.pk)

    def pay(self, story: Story, invoice_id: int) -> None:
        if story.fate in (RETURN, RETURN_BIKE) and (
            story.ret is None or story.ret.status != ReturnStatus.RECEIVED
        ):
            # the buyer waits for the credit note of its return before paying the rest
            story.unpaid.append(invoice_id)
            return
        invoice = Invoice.objects.select_related("position").get(pk=invoice_id)
        if invoice.open_amount <= 0:
            return
        payment_record(
            actor=self.cast.cashier(story.pair.seller),
            position=invoice.position,
            amount=invoice.open_amount,
            method=PaymentMethod.BANK_TRANSFER,
            received_on=timezone.localdate(),
            reference=f"货款 {invoice.number}",
            allocations=[(invoice.pk, invoice.open_amount)],
        )

    # returns and exchanges ---------------------------------------------------------------

    def _return_line(self, story: Story) -> ReturnLineIn | None:
        assert story.order is not None
        rows = list(story.order.lines.select_related("sku").order_by("line_no"))
        wh = story.pair.buyer_wh
        serials = self._received_serials(story.order, wh)
        free = self.shelf.free(wh, [r.sku_id for r in rows], self.now()) if wh else {}
        bike = story.fate in (RETURN_BIKE, EXCHANGE)  # a bike by its frame number first

        def first(row: Any) -> tuple[bool, bool]:
            return (self.families.get(row.sku_id) == "BIKE") != bike, row.sku.serial_tracked != bike

        for row in sorted(rows, key=first):
            if row.sku.serial_tracked and serials.get(row.pk):
                return ReturnLineIn(row.pk, 1, serials[row.pk][:1])
            left = row.qty_received - row.qty_returned
            if not row.sku.serial_tracked and left > 0 and (wh is None or free[row.sku_id] > 0):
                qty = min(left, 2, free[row.sku_id] if wh else 2)
                return ReturnLineIn(row.pk, qty)
        return None

    def ask_return(self, story: Story) -> None:
        assert story.order is not None
        line = self._return_line(story)
        actor = self.cast.buyer(story.pair.buyer) or story.placer
        if line is None or actor is None:  # nothing left to send back: pay as usual
            story.fate = NORMAL
            for invoice_id in story.unpaid:
                self.schedule(self.later(self.now(), None, "", (1, 6)), self.pay, story, invoice_id)
            return
        exchange = story.fate == EXCHANGE
        reason_code, reason = (
            ("defective", "车辆电机异响，申请换货")
            if exchange
            else self.rng.choice(
                (
                    ("defective", "电池续航明显不足，申请退货"),
                    ("damaged", "运输途中外观受损"),
                    ("surplus", "备货过多，申请退回部分"),
                )
            )
        )
        story.ret = return_request(
            actor=actor,
            order=story.order,
            lines=[line],
            reason_code=reason_code,
            reason=reason,
            kind=ReturnKind.EXCHANGE if exchange else ReturnKind.RETURN,
        )
        when = self.later(self.now(), story, "return_decide", (0.5, 2))
        self.schedule(when, self.return_decide, story)

    def return_decide(self, story: Story) -> None:
        assert story.ret is not None
        ret = story.ret
        if ret.kind == ReturnKind.EXCHANGE:
            wanted = {r.sku_id: r.qty for r in ret.lines.all()}
            free = self.shelf.free(story.pair.warehouse, list(wanted), self.now())
            if any(free[sku] < qty for sku, qty in wanted.items()):
                self.retry(story, self.return_decide)  # the replacement waits for stock
                return
        story.ret = return_approve(
            actor=self.cast.approver(story.pair.seller), ret=ret, comment="同意，请寄回"
        )
        if story.ret.replacement_order is not None:
            replacement = Story(story.pair, self.now(), order=story.ret.replacement_order)
            replacement.placer = story.placer
            self.stories.append(replacement)
            self.schedule(self.later(self.now(), None, "", (0.5, 2)), self.ship, replacement)
        sender = self.cast.receiver(story.pair.buyer) if story.pair.buyer_wh else None
        if sender is not None:
            self.schedule(
                self.later(self.now(), None, "", (0.5, 2)), self.return_send, story, sender
            )
        elif story.pair.buyer_wh is None:
            self.schedule(self.later(self.now(), None, "", (3, 6)), self.return_receive, story)

    def return_send(self, story: Story, sender: User) -> None:
        assert story.ret is not None
        story.ret = return_send(actor=sender, ret=story.ret, note="已按原包装寄回")
        self.schedule(self.later(self.now(), None, "", (2, 5)), self.return_receive, story)

    def _credit_fits(self, ret: ReturnRequest) -> bool:
        """The credit note pays open invoices oldest first: they must exist by now."""
        left = ret.amount
        for issued, open_amount in (
            Invoice.objects.filter(
                position__buyer=ret.order.buyer,
                position__seller=ret.order.seller,
                kind=InvoiceKind.INVOICE,
                open_amount__gt=0,
            )
            .order_by("due_on", "issued_on", "id")
            .values_list("issued_on", "open_amount")
        ):
            if left <= 0:
                break
            if issued > timezone.localdate():
                return False
            left -= open_amount
        return True

    def return_receive(self, story: Story) -> None:
        assert story.ret is not None
        ret = ReturnRequest.objects.select_related("order__buyer", "order__seller").get(
            pk=story.ret.pk
        )
        if ret.kind == ReturnKind.RETURN and not self._credit_fits(ret):
            self.retry(story, self.return_receive, days=7)
            return
        story.ret = return_receive(actor=self.cast.shipper(story.pair.seller), ret=ret)
        for invoice_id in story.unpaid:
            self.schedule(self.later(self.now(), None, "", (1, 6)), self.pay, story, invoice_id)
        story.unpaid = []

    # setup ---------------------------------------------------------------------------------

    def rules(self, sellers: Iterable[Org]) -> None:
        """Each seller's approval rule: orders over its threshold wait for an approver, orders
        over the credit limit are held rather than refused; HQ knows its distributors."""
        for seller in sellers:
            tier = (
                0 if seller.kind == OrgKind.HQ else 1 if seller.kind == OrgKind.DISTRIBUTOR else 2
            )
            actor = self.cast.who(seller, MANAGE_ORDER_RULES, ("brand_admin", "dealer_admin"))
            if actor is None:
                continue
            approval_rule_set(
                actor=actor,
                seller=seller,
                data={
                    "amount_enabled": True,
                    "amount_threshold": THRESHOLD[tier],
                    "credit_hold_enabled": True,
                    "first_order_enabled": tier != 0,
                },
            )

    def store_credit(self, pairs: Iterable[Pair]) -> None:
        """The dealer gives its stores the credit profile of their grade, as the finance demo
        gives dealers theirs (grade D pays first)."""
        for pair in pairs:
            actor = self.cast.cashier(pair.seller)
            if pair.tier != 2 or actor is None:
                continue
            limit, term = PROFILES.get(pair.buyer.grade, (0, 0))
            credit_profile_set(
                actor=actor,
                buyer=pair.buyer,
                seller=pair.seller,
                data={
                    "credit_limit": limit,
                    "payment_term_days": term,
                    "overdue_days": OVERDUE_DAYS,
                    "overdue_mode": OverdueMode.HOLD,
                },
            )


# --- the stories ----------------------------------------------------------------------------------


def _stories(walk: Walk, planned: list[tuple[Pair, int]]) -> list[Story]:
    rng = walk.rng
    stories = []
    for pair, count in planned:
        first = FIRST_DAY[pair.tier]
        span = (DAYS - first) / count
        for n in range(count):
            day = first + int((n + rng.random()) * span) if n else first + rng.randrange(3)
            at = walk.moment(min(day, DAYS - 1), rng.randrange(9, 17), rng.randrange(60))
            age = DAYS - min(day, DAYS - 1)
            fate = _fate(rng, age)
            stories.append(Story(pair, at, fate, late=rng.random() < LATE_SHARE))
    return stories


# Orders of the demo logins' orgs in every open state, whatever the draw: (days ago, fate,
# step delays in days; NEVER = not before today).
SHOWCASE: tuple[tuple[int, str, dict[str, float]], ...] = (
    (1, DRAFT, {}),
    (1, BIG_ORDER, {"decide": NEVER}),
    (2, NORMAL, {"ship": NEVER}),
    (9, PARTIAL, {"ship": 1, "ship2": NEVER}),
    (4, NORMAL, {"ship": 1, "receive": NEVER}),
    (16, NORMAL, {"ship": 1, "receive": 2}),
    (70, RETURN_BIKE, {"ship": 1, "receive": 2, "return": 6}),
    (20, RETURN, {"ship": 1, "receive": 2, "return": 5, "return_decide": NEVER}),
    (55, EXCHANGE, {"ship": 1, "receive": 2, "return": 5}),
    (120, REJECT, {}),
    (150, CANCEL_BUYER, {}),
    (200, CANCEL_SELLER, {}),
)


def _showcase(walk: Walk, planned: list[tuple[Pair, int]]) -> list[Story]:
    """The demo dealer's orders with the demo distributor, the distributor's with HQ and the
    dealer's store's with the dealer, one in each state."""
    logins = dict(
        Membership.objects.filter(
            user__username__in=["distributor", "dealer", "store"]
        ).values_list("user__username", "org_id")
    )
    wanted = {(logins.get("dealer"), 1), (logins.get("distributor"), 0), (logins.get("store"), 2)}
    stories: list[Story] = []
    for pair, _count in planned:
        if (pair.buyer.pk, pair.tier) not in wanted:
            continue
        for days_ago, fate, delays in SHOWCASE:
            if pair.tier == 2 and fate in (RETURN_BIKE, EXCHANGE):
                continue  # a store's goods are sold, not kept: its returns come by chance
            at = walk.moment(DAYS - days_ago, 10 + len(stories) % 6, walk.rng.randrange(60))
            stories.append(Story(pair, at, fate, delays=dict(delays)))
    return stories


# --- time order afterwards ------------------------------------------------------------------------


def _rethread(
    model: type[Any], keys: Sequence[str], amount: str, after: str, rows_from: int
) -> int:
    """Write the running balance (`after`) again in time order for the ledgers (`keys`) that
    got rows with ids above `rows_from`: the services wrote today's balance at past moments.
    Returns how many running balances of an account that may not go below zero did."""
    touched = set(model.objects.filter(pk__gt=rows_from).values_list(*keys).distinct())
    if not touched:
        return 0
    first_key = keys[0]
    rows = (
        model.objects.filter(**{f"{first_key}__in": {t[0] for t in touched}})
        .order_by(*keys, "created_at", "pk")
        .values_list("pk", *keys, amount, after)
    )
    running: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    updates, negative = [], 0
    field = model._meta.get_field(after)
    for pk, *rest in rows.iterator():
        key = tuple(rest[: len(keys)])
        if key not in touched:
            continue
        running[key] += rest[len(keys)]
        value = running[key]
        negative += value < 0 and key[-1] not in ("receivable",)
        if value != rest[-1]:
            updates.append((field.get_db_prep_save(value, connection), pk))
    table, column = (
        connection.ops.quote_name(model._meta.db_table),
        connection.ops.quote_name(after),
    )
    sql = f"UPDATE {table} SET {column} = %s WHERE id = %s"  # noqa: S608 (names, no input)
    with connection.cursor() as cursor:
        cursor.executemany(sql, updates)
    return negative


def _quiet(end: datetime) -> None:
    """Notifications older than a week have been read (within hours of arriving)."""
    Notification.objects.filter(
        read_at__isnull=True, created_at__lt=end - timedelta(days=7)
    ).update(read_at=F("created_at") + timedelta(hours=3))


def _summary(stories: Sequence[Story]) -> dict[str, int]:
    ids = [s.order.pk for s in stories if s.order is not None]
    by_status = Counter(Order.objects.filter(pk__in=ids).values_list("status", flat=True))
    returns = ReturnRequest.objects.filter(order_id__in=ids)
    found = {status.value: by_status.get(status.value, 0) for status in OrderStatus}
    found.pop(OrderStatus.SUBMITTED.value)
    return {
        "orders": len(ids),
        **found,
        "returns": returns.filter(kind=ReturnKind.RETURN).count(),
        "exchanges": returns.filter(kind=ReturnKind.EXCHANGE).count(),
        "shipments": Shipment.objects.filter(order_id__in=ids).count(),
        "invoices": Shipment.objects.filter(order_id__in=ids, invoice__isnull=False).count(),
    }


def _nothing() -> dict[str, int]:
    keys = [s.value for s in OrderStatus if s != OrderStatus.SUBMITTED]
    names = ["orders", *keys, "returns", "exchanges", "shipments", "invoices", "staff", "lots"]
    return dict.fromkeys([*names, "refused"], 0)


def seed_orders(*, scale: str) -> dict[str, int]:
    """A year of orders through the services (see the module's docstring); zeros when any
    order exists already or statements have been sent (run it before seed_statements)."""
    if scale not in SCALES:
        raise SeedError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    if _too_late():
        return _nothing()
    # Import what the steps import lazily (the URL conf, for the notifications' links) now:
    # a module first imported under the frozen clock keeps freezegun's fake datetime class.
    get_resolver().url_patterns  # noqa: B018

    # the year up to last midnight: the same day gives the same orders at any hour
    end = datetime.combine(timezone.localdate(), time(0), timezone.get_current_timezone())
    rng = random.Random(SEED)
    with transaction.atomic():
        planned = plan_pairs(rng, scale)
        orgs = {p.buyer.pk: p.buyer for p, _n in planned} | {
            p.seller.pk: p.seller for p, _n in planned
        }
        staff = _staff_for(sorted(orgs.values(), key=lambda o: o.path))
        moves_from = StockMove.objects.aggregate(m=Max("pk"))["m"] or 0
        entries_from = LedgerEntry.objects.aggregate(m=Max("pk"))["m"] or 0
        sales = User.objects.filter(username="sales", is_active=True).first()
        with freeze_time(end - timedelta(days=DAYS), tick=False) as clock:
            cast = Cast([*orgs.values(), *Org.objects.filter(kind=OrgKind.HQ)])
            walk = Walk(rng=rng, clock=clock, end=end, cast=cast, sales=sales)
            clock.move_to(walk.moment(0, 8))
            walk.rules(
                sorted({p.seller.pk: p.seller for p, _n in planned}.values(), key=lambda o: o.path)
            )
            walk.store_credit(p for p, _n in planned)
            for story in sorted(
                _stories(walk, planned) + _showcase(walk, planned), key=lambda s: s.at
            ):
                walk.schedule(story.at, walk.place, story)
            for day in range(1, DAYS + 1):
                walk.schedule(walk.moment(day, 1, 30), walk.nightly)
            walk.run()
        negative = _rethread(
            StockMove, ("warehouse_id", "sku_id"), "qty", "on_hand_after", moves_from
        )
        negative += _rethread(
            LedgerEntry, ("position_id", "account"), "amount", "balance_after", entries_from
        )
        if negative:  # a bug of the walk, not of the data: refuse to leave it behind
            raise SeedError(f"Demo orders: {negative} running balances would go below zero.")
        _quiet(end)
        if walk.refused:
            logger.warning("demo orders: steps refused by the services: %s", dict(walk.refused))
        return {
            **_summary(walk.stories),
            "staff": staff,
            "lots": walk.lots,
            "refused": sum(walk.refused.values()),
        }


__all__ = ["Shelf", "plan_pairs", "seed_orders"]
