"""Benchmark of orders: `orders.submit`, the headline path of the product (issue 6).

N clients (1, 4, 16 on PostgreSQL — threads, each with its own connection, closed when it
ends; on SQLite one client, in the main thread: SQLite has no row locks) place orders of 5
lines through the service layer: `order_draft_create` (the lines resolved and priced, the
number, audit and outbox) then `order_submit` — DESIGN.md §6 step 2: order and position
locks, prices again (pricing.quote) and the promotions step, credit check and freeze, the
stock check and the reservation of every line, audit and outbox (the outbox delivered inline
after commit when CELERY_TASK_ALWAYS_EAGER, as in the embedded default). Every order must end
approved. One JSON line per client count: orders/s over the wall time of the timed orders
(warm-up orders excluded), p50/p95 ms of one order (draft + submit), and the queries of one.

In the same run, for each client count, a raw-SQL baseline does the minimal equivalent writes
of the same carts with the same clients, one transaction per order: insert the order row and
its 5 line rows, a conditional credit update and conditional stock decrements (in SKU order,
as inventory locks its rows) on plain tables it creates in the bench database. The line gives
its orders/s and the ratio ours / baseline.

Data: the medium demo data set (network, catalogue, prices, finance — shared with the finance
benches) and, on top: the distributor with the most active dealers sells; each client is one
of its dealers (bench dealers BO-DLnn are added under it when it has fewer than 16), ordering
as that dealer's admin, its credit limit raised so that every order fits and its overdue mode
set to warn (its invoices stay: the overdue look-up reads real rows); the seller's approval
rule holds nothing; its default warehouse receives the stock the planned orders take (plus a
margin) of a pool of 40 SKUs it sells to all of them: 30 e-bikes (with new serials) and 10
parts. Carts are drawn per client from that pool with a fixed seed, so clients meet on some
stock rows, as dealers ordering the popular models do, but never on a credit row.

The clients are threads of one interpreter: the service path is mostly Python (the ORM, the
eager outbox), so its orders/s cannot pass what one core runs, however many clients; the
baseline waits on the database more and suffers less from that. Several processes — what
`orders.http` with gunicorn workers will measure — are the fairer comparison.

`orders.http` (bench/bench_orders_http.py) submits the same kind of orders over HTTP: the API
served by gunicorn workers, driven by locust.
"""

import copy
import functools
import itertools
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.util import count_queries, db_name

LINES = 5
CLIENTS = (1, 4, 16)
ORDERS_PER_CLIENT = {1: 40, 4: 25, 16: 10}
WARMUP_PER_CLIENT = 2  # untimed, before the clients start together
POOL_BIKES = 30
POOL_PARTS = 10
CREDIT_LIMIT = Decimal("100000000.00")
STOCK_MARGIN = 10  # units per SKU above what the planned orders take
SEED = 6

Cart = list[tuple[str, int]]


@dataclass
class Buyer:
    org: Any
    user: Any
    position_id: int


def _stats(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
    }


def _run_clients(
    clients: int, carts: list[list[Cart]], place: Callable[[int, Cart], Any]
) -> dict[str, Any]:
    """Each client places its warm-up orders, then all start together on their timed
    orders; on PostgreSQL every client is a thread with its own connection (closed when it
    ends), on SQLite the one client runs in the main thread. `place` returns the order's
    milliseconds (or a tuple of timings, the first being the order's)."""
    from django.db import connection, connections

    threaded = connection.vendor == "postgresql"
    start: list[float] = []
    ends: list[float] = []
    samples: list[Any] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients, action=lambda: start.append(time.perf_counter()))

    def work(client: int) -> None:
        mine: list[Any] = []
        try:
            for cart in carts[client][:WARMUP_PER_CLIENT]:
                place(client, cart)
            barrier.wait()
            mine.extend(place(client, cart) for cart in carts[client][WARMUP_PER_CLIENT:])
        except Exception as exc:  # reported, not raised, in a thread
            barrier.abort()
            errors.append(repr(exc))
        finally:
            with lock:
                ends.append(time.perf_counter())
                samples.extend(mine)
            if threaded:
                connections.close_all()

    if threaded:
        pool = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    else:
        work(0)
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first: {errors[0][:300]}")
    wall = max(ends) - start[0]
    return {"orders": len(samples), "wall_s": wall, "samples": samples}


def _medium() -> None:
    """The medium demo data, each part seeded unless an earlier bench did it."""
    from qudao.catalog.models import Sku
    from qudao.demo.catalog import seed_catalog
    from qudao.demo.finance import seed_finance
    from qudao.demo.pricing import seed_prices
    from qudao.finance.models import LedgerEntry
    from qudao.network.models import Org
    from qudao.network.seed import seed_demo
    from qudao.pricing.models import PriceList

    if Org.objects.filter(kind="store").count() < 1000:
        seed_demo(scale="medium")
    if Sku.objects.count() < 200:
        seed_catalog(scale="medium")
    if not PriceList.objects.filter(seller__kind="distributor").exists():
        seed_prices(scale="medium")
    if not LedgerEntry.objects.exists():
        seed_finance(scale="medium")


class World:
    """The seller, its clients (buyers), the SKU pool, the stock and the planned carts."""

    def __init__(self, client_counts: tuple[int, ...]) -> None:
        started = time.perf_counter()
        _medium()
        medium_s = time.perf_counter() - started
        self.client_counts = client_counts
        most = max(client_counts)
        self.system = self._system()
        self.seller = self._seller()
        self.buyers, self.bench_dealers = self._buyers(most)
        self.skus, self.prices = self._pool()
        self.carts = self._plan()
        # a warm-up order, then the one whose queries are counted
        rng = random.Random(f"{SEED}-counted")
        self.counted = [self._cart(rng), self._cart(rng)]
        self.stock = self._stock()
        self.setup_s = round(time.perf_counter() - started, 2)
        self.medium_s = round(medium_s, 2)
        self.queries_draft, self.queries_submit = self.queries_per_order()

    # --- data ---------------------------------------------------------------------------

    @staticmethod
    def _system() -> Any:
        from qudao.accounts.models import User

        user, _created = User.objects.get_or_create(
            username="bench-orders", defaults={"is_superuser": True, "is_staff": True}
        )
        return user

    @staticmethod
    def _active_dealers(seller: Any) -> Any:
        from qudao.network.models import Org

        return Org.objects.filter(
            path__startswith=seller.path, depth=seller.depth + 1, kind="dealer", status="active"
        ).order_by("path")

    def _seller(self) -> Any:
        from qudao.network.models import Org
        from qudao.orders import services as orders

        distributors = Org.objects.filter(kind="distributor", status="active").order_by("path")
        seller = max(distributors, key=lambda d: self._active_dealers(d).count())
        orders.approval_rule_set(
            actor=self.system,
            seller=seller,
            data={
                "first_order_enabled": False,
                "amount_enabled": False,
                "discount_enabled": False,
                "credit_hold_enabled": False,
            },
        )
        return seller

    def _buyers(self, count: int) -> tuple[list[Buyer], int]:
        from qudao.accounts.models import User
        from qudao.finance import services as finance
        from qudao.network import services as network
        from qudao.network.models import Membership

        dealers = list(self._active_dealers(self.seller)[:count])
        added = 0
        while len(dealers) < count:
            added += 1
            dealers.append(
                network.org_create(
                    actor=self.system,
                    parent=self.seller,
                    data={
                        "code": f"BO-DL{added:02d}",
                        "name": f"压测车行{added}",
                        "kind": "dealer",
                    },
                )
            )
        buyers = []
        for n, dealer in enumerate(dealers, start=1):
            membership = (
                Membership.objects.filter(org=dealer, role__code="dealer_admin", is_active=True)
                .select_related("user")
                .order_by("pk")
                .first()
            )
            if membership is not None:
                user = membership.user
            else:
                user = User.objects.create_user(username=f"bench-buyer-{n}", password=None)
                network.membership_add(
                    actor=self.system, org=dealer, role_code="dealer_admin", user=user
                )
            position = finance.credit_profile_set(
                actor=self.system,
                buyer=dealer,
                seller=self.seller,
                data={"credit_limit": str(CREDIT_LIMIT), "overdue_mode": "warn"},
            )
            buyers.append(Buyer(dealer, user, position.pk))
        return buyers, added

    def _pool(self) -> tuple[list[Any], list[dict[str, Decimal]]]:
        """40 SKUs on sale that the seller prices for every buyer; each buyer's unit prices
        of them (the baseline writes these)."""
        from qudao.catalog.models import Sku
        from qudao.pricing.selectors import quote, sellable_sku_ids

        sellable: set[int] | None = None
        for buyer in self.buyers:
            ids = set(
                sellable_sku_ids(seller=self.seller, buyer=buyer.org).values_list(
                    "sku_id", flat=True
                )
            )
            sellable = ids if sellable is None else sellable & ids
        candidates = list(
            Sku.objects.filter(
                pk__in=sellable or set(), status="on_sale", product__status="on_sale"
            )
            .select_related("product")
            .order_by("code")
        )
        rng = random.Random(SEED)
        bikes = [s for s in candidates if not s.product.is_spare_part]
        parts = [s for s in candidates if s.product.is_spare_part]
        pool = rng.sample(bikes, min(POOL_BIKES, len(bikes))) + rng.sample(
            parts, min(POOL_PARTS, len(parts))
        )
        pool.sort(key=lambda s: s.pk)
        assert len(pool) >= LINES * 4, f"only {len(pool)} SKUs to order from"
        prices = []
        for buyer in self.buyers:
            quotes = quote(seller=self.seller, buyer=buyer.org, lines=[(sku.pk, 1) for sku in pool])
            found = {sku.code: q.price for sku, q in zip(pool, quotes, strict=True)}
            assert all(price is not None for price in found.values()), found
            prices.append(found)
        return pool, prices

    def _cart(self, rng: random.Random) -> Cart:
        """5 distinct SKUs of the pool: an e-bike 1–2 units, a part 1–6."""
        return [
            (sku.code, rng.randint(1, 6 if sku.product.is_spare_part else 2))
            for sku in rng.sample(self.skus, LINES)
        ]

    def _plan(self) -> dict[int, list[list[Cart]]]:
        """Per client count, per client: its warm-up and timed carts, with a fixed seed."""
        plan: dict[int, list[list[Cart]]] = {}
        for clients in self.client_counts:
            per_client = WARMUP_PER_CLIENT + ORDERS_PER_CLIENT[clients]
            plan[clients] = []
            for client in range(clients):
                rng = random.Random(f"{SEED}-{clients}-{client}")
                plan[clients].append([self._cart(rng) for _ in range(per_client)])
        return plan

    def _stock(self) -> dict[int, int]:
        """What the planned orders take, plus a margin, received at the seller's default
        warehouse (serial-tracked e-bikes with new serials)."""
        from qudao.inventory import services as inventory
        from qudao.inventory.selectors.stock import warehouse_default_for

        need: Counter[str] = Counter()
        for per_client in self.carts.values():
            for carts in per_client:
                for cart in carts:
                    need.update(dict(cart))
        for cart in self.counted:
            need.update(dict(cart))
        self.warehouse = warehouse_default_for(org=self.seller) or inventory.warehouse_create(
            actor=self.system, org=self.seller, data={"code": "BO-WH", "name": "压测仓"}
        )
        lines: list[tuple[Any, ...]] = []
        stock: dict[int, int] = {}
        for sku in self.skus:
            qty = need[sku.code] + STOCK_MARGIN
            stock[sku.pk] = qty
            if sku.serial_tracked:
                lines.append((sku, qty, [f"BO{sku.pk:05d}{i:06d}" for i in range(1, qty + 1)]))
            else:
                lines.append((sku, qty))
        inventory.stock_receive(actor=self.system, warehouse=self.warehouse, lines=lines)
        return stock

    # --- the measured path --------------------------------------------------------------

    def actor(self, client: int) -> Any:
        """A fresh copy of the client's user, as in a request: its grants are read again."""
        from qudao.network import scope

        user = copy.copy(self.buyers[client].user)
        scope.forget(user)
        return user

    def draft(self, client: int, cart: Cart) -> Any:
        from qudao.orders import services as orders

        buyer = self.buyers[client]
        return orders.order_draft_create(
            actor=self.actor(client), buyer=buyer.org, seller=self.seller, lines=cart
        )

    def submit(self, client: int, draft: Any) -> None:
        from qudao.orders import services as orders
        from qudao.orders.constants import OrderStatus

        order = orders.order_submit(actor=self.actor(client), order=draft)
        assert order.status == OrderStatus.APPROVED, (order.number, order.status)

    def place(self, client: int, cart: Cart) -> tuple[float, float]:
        """One order through the services: (ms of draft + submit, ms of the submit)."""
        start = time.perf_counter()
        draft = self.draft(client, cart)
        drafted = time.perf_counter()
        self.submit(client, draft)
        done = time.perf_counter()
        return (done - start) * 1000, (done - drafted) * 1000

    def queries_per_order(self) -> tuple[int, int]:
        """Queries of one order's draft and of its submit, after a warm-up order."""
        warm, counted = self.counted
        self.place(0, warm)
        drafts: list[Any] = []
        draft = count_queries(lambda: drafts.append(self.draft(0, counted)))
        return draft, count_queries(lambda: self.submit(0, drafts[0]))


class Baseline:
    """The minimal equivalent writes in raw SQL on plain tables of the bench database: an
    order row, its line rows (one multi-row INSERT), a conditional credit update, conditional
    stock decrements in SKU order; one transaction per order."""

    def __init__(self, world: World) -> None:
        from django.db import connection

        self.world = world
        self.sku_ids = {sku.code: sku.pk for sku in world.skus}
        self.numbers = itertools.count(1)  # next() on it is atomic under the GIL
        postgres = connection.vendor == "postgresql"
        pk = (
            "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
            if postgres
            else "integer PRIMARY KEY"
        )
        money = "numeric(14, 2) NOT NULL"
        with connection.cursor() as cursor:
            for table in ("bench_so_line", "bench_so", "bench_stock", "bench_credit"):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE bench_so (id {pk}, number varchar(32) NOT NULL UNIQUE, "
                f"buyer_id integer NOT NULL, seller_id integer NOT NULL, amount {money}, "
                "status varchar(20) NOT NULL, "
                "created_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            cursor.execute(
                f"CREATE TABLE bench_so_line (id {pk}, "
                "order_id bigint NOT NULL REFERENCES bench_so (id), line_no integer NOT NULL, "
                f"sku_id integer NOT NULL, qty integer NOT NULL, unit_price {money}, "
                f"amount {money})"
            )
            cursor.execute("CREATE INDEX bench_so_line_order ON bench_so_line (order_id)")
            cursor.execute(
                "CREATE TABLE bench_stock (id integer PRIMARY KEY, qty integer NOT NULL)"
            )
            cursor.execute(
                "CREATE TABLE bench_credit (id integer PRIMARY KEY, "
                f"credit_limit {money}, used {money})"
            )
            cursor.executemany(
                "INSERT INTO bench_stock (id, qty) VALUES (%s, %s)", list(world.stock.items())
            )
            cursor.executemany(
                "INSERT INTO bench_credit (id, credit_limit, used) VALUES (%s, %s, 0)",
                [(b.position_id, CREDIT_LIMIT) for b in world.buyers],
            )

    def place(self, client: int, cart: Cart) -> float:
        from django.db import connection, transaction

        buyer = self.world.buyers[client]
        prices = self.world.prices[client]
        start = time.perf_counter()
        lines = [(self.sku_ids[code], qty, prices[code], qty * prices[code]) for code, qty in cart]
        amount = sum(line[3] for line in lines)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_so (number, buyer_id, seller_id, amount, status) "
                "VALUES (%s, %s, %s, %s, 'approved') RETURNING id",
                [f"BO-{next(self.numbers):07d}", buyer.org.pk, self.world.seller.pk, amount],
            )
            order_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO bench_so_line (order_id, line_no, sku_id, qty, unit_price, amount) "
                "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(lines)),
                [v for n, line in enumerate(lines, start=1) for v in (order_id, n, *line)],
            )
            # CAST: SQLite binds a Decimal as text, which compares above any number
            cursor.execute(
                "UPDATE bench_credit SET used = used + CAST(%s AS numeric) "
                "WHERE id = %s AND credit_limit - used >= CAST(%s AS numeric)",
                [amount, buyer.position_id, amount],
            )
            assert cursor.rowcount == 1, "credit"
            for sku_id, qty, _price, _amount in sorted(lines):
                cursor.execute(
                    "UPDATE bench_stock SET qty = qty - %s WHERE id = %s AND qty >= %s",
                    [qty, sku_id, qty],
                )
                assert cursor.rowcount == 1, ("stock", sku_id)
        return (time.perf_counter() - start) * 1000

    def check(self) -> None:
        """Every planned order written once, stock and credit moved by exactly its lines."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_so")
            orders = cursor.fetchone()[0]
            cursor.execute("SELECT count(*), COALESCE(sum(qty), 0) FROM bench_so_line")
            lines, units = cursor.fetchone()
            cursor.execute("SELECT sum(qty) FROM bench_stock")
            left = cursor.fetchone()[0]
            cursor.execute("SELECT sum(used) FROM bench_credit")
            used = cursor.fetchone()[0]
            cursor.execute("SELECT sum(amount) FROM bench_so")
            total = cursor.fetchone()[0]
        assert lines == orders * LINES, (orders, lines)
        assert left == sum(self.world.stock.values()) - units, (left, units)
        assert abs(float(used) - float(total)) < 0.01, (used, total)  # SQLite: REAL


@functools.cache
def _world() -> tuple[World, Baseline]:
    world = World(_client_counts())
    return world, Baseline(world)


def _client_counts() -> tuple[int, ...]:
    from django.db import connection

    return CLIENTS if connection.vendor == "postgresql" else (1,)


def _check(world: World) -> None:
    from qudao.finance.selectors import ledger_mismatches
    from qudao.inventory.selectors.checks import stock_mismatches
    from qudao.orders.selectors import order_mismatches

    problems = [*ledger_mismatches(), *stock_mismatches(), *order_mismatches()]
    assert not problems, problems[:3]


def submit(clients: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    world, baseline = _world()
    carts = world.carts[clients]
    ours = _run_clients(clients, carts, world.place)
    _check(world)
    raw = _run_clients(clients, carts, baseline.place)
    baseline.check()
    orders_per_s = round(ours["orders"] / ours["wall_s"], 1)
    raw_per_s = round(raw["orders"] / raw["wall_s"], 1)
    ratio = round(orders_per_s / raw_per_s, 3)
    whole = _stats([total for total, _submit in ours["samples"]])
    only_submit = _stats([s for _total, s in ours["samples"]])
    raw_stats = _stats(raw["samples"])
    return {
        "value": orders_per_s,
        "unit": "orders/s",
        **whole,
        "queries": world.queries_draft + world.queries_submit,
        "baseline": "raw_sql",
        "baseline_value": raw_per_s,
        "ratio": ratio,
        "params": {
            "clients": clients,
            "lines": LINES,
            "orders": ours["orders"],
            "orders_per_client": ORDERS_PER_CLIENT[clients],
            "warmup_per_client": WARMUP_PER_CLIENT,
            "timed": "draft create + submit",
            "submit_p50_ms": only_submit["p50_ms"],
            "submit_p95_ms": only_submit["p95_ms"],
            "queries_draft": world.queries_draft,
            "queries_submit": world.queries_submit,
            "baseline_orders_per_s": raw_per_s,
            "baseline_p50_ms": raw_stats["p50_ms"],
            "baseline_p95_ms": raw_stats["p95_ms"],
            "ratio": ratio,
            "seller": world.seller.code,
            "buyers": len(world.buyers),
            "bench_dealers": world.bench_dealers,
            "sku_pool": len(world.skus),
            "data": "medium",
            "outbox": "eager (delivered in the request)"
            if settings.CELERY_TASK_ALWAYS_EAGER
            else "queued",
            "setup_s": world.setup_s,
            "medium_seed_s": world.medium_s,
            "concurrency": "threads, one connection each"
            if connection.vendor == "postgresql"
            else "one client (SQLite has no row locks)",
            "db": db_name(),
        },
    }


def _benches() -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    return [("orders.submit", functools.partial(submit, n)) for n in _client_counts()]


BENCHES = _benches()
