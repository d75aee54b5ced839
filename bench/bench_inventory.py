"""Benchmarks of inventory on the medium demo data (network, catalogue and the inventory seed:
a year of stock moves, serials and sell-out):

- inventory.serial_receipt_10k: one document of 10,000 serials received into the buyer's
  warehouse (the units change holder), seconds; the factory receipt that creates them and the
  shipment that sends them are timed too.
- inventory.reserve: order-line reservations per second — one client, and on PostgreSQL
  8 concurrent clients — and a race for the last 100 units that must not oversell.
- inventory.jxc: 进销存 of a region's subtree over the last year, p95 ms, and its drill-down.
"""

import random
import threading
import time
from datetime import timedelta
from typing import Any

from bench.util import count_queries, db_name, timed

SERIALS = 10_000
THREADS = 8
OPS_PER_THREAD = 60
LAST_UNITS = 100
RACE_TRIES = 30  # per thread: 240 tries for 100 units


def _medium() -> float | None:
    """The medium demo network, catalogue and inventory; the seconds the inventory seed took
    when it had to run."""
    from qudao.catalog.models import Sku
    from qudao.demo.catalog import seed_catalog
    from qudao.demo.inventory import seed_inventory
    from qudao.inventory.models import StockMove
    from qudao.network.models import Org
    from qudao.network.seed import seed_demo

    if Org.objects.filter(kind="store").count() < 1000:
        seed_demo(scale="medium")
    if Sku.objects.count() < 200:
        seed_catalog(scale="medium")
    if StockMove.objects.filter(doc_type__startswith="demo").exists():
        return None
    start = time.perf_counter()
    seed_inventory(scale="medium")
    _analyze()
    return round(time.perf_counter() - start, 2)


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum would have done by now
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _actor() -> Any:
    from qudao.accounts.models import User

    return User.objects.get(username="admin")


def _bench_sku(code: str, *, tracked: bool) -> Any:
    from qudao.catalog.models import Product, Sku

    product = Product.objects.order_by("code").first()
    assert product is not None
    sku, _created = Sku.objects.get_or_create(
        code=code,
        defaults={
            "product": product,
            "name": f"压测 {code}",
            "serial_tracked": tracked,
            "status": "on_sale",
        },
    )
    return sku


def _places() -> tuple[Any, Any, Any]:
    """HQ's warehouse, the first distributor's and another distributor's."""
    from qudao.inventory.models import Warehouse

    hq = Warehouse.objects.filter(org__kind="hq", is_default=True).get()
    dists = list(
        Warehouse.objects.filter(org__kind="distributor", is_default=True).order_by("org__path")
    )
    return hq, dists[0], dists[1]


class _QueryCounter:
    """Counts queries without keeping their SQL (a 5,000-serial IN list is long to format)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> "_QueryCounter":
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._wrapper.__exit__(*exc)


def serial_receipt() -> dict[str, Any]:
    from qudao.inventory import services
    from qudao.inventory.models import Serial
    from qudao.inventory.selectors import stock_mismatches
    from qudao.inventory.services import Doc

    seed_s = _medium()
    actor = _actor()
    hq, dist, _other = _places()
    sku = _bench_sku("BENCH-FRAME", tracked=True)
    serials = [f"BENCH{n:08d}" for n in range(1, SERIALS + 1)]

    start = time.perf_counter()
    services.stock_receive(
        actor=actor,
        warehouse=hq,
        lines=[(sku, SERIALS, serials)],
        doc=Doc("factory_note", "bench", "BENCH-FAC"),
    )
    created_s = time.perf_counter() - start
    start = time.perf_counter()
    sent = services.shipment_post(
        actor=actor,
        warehouse=hq,
        to_warehouse=dist,
        lines=[(sku, SERIALS, serials)],
        doc=Doc("order", "bench", "BENCH-SO"),
    )
    shipped_s = time.perf_counter() - start
    pasted = "\n".join(serials)  # as a scanner types them into the receipt's textarea
    with _QueryCounter() as queries:
        start = time.perf_counter()
        services.receipt_post(actor=actor, transit=sent.transit, lines=[(sku, SERIALS, pasted)])
        received_s = time.perf_counter() - start
    held = Serial.objects.filter(
        serial__in=serials[:100], warehouse=dist, holder=dist.org, status="in_stock"
    ).count()
    assert held == 100, held
    mismatches = stock_mismatches()
    assert not mismatches, mismatches[:3]
    return {
        "value": round(received_s, 2),
        "unit": "s",
        "queries": queries.count,
        "params": {
            "serials": SERIALS,
            "what": "receipt_post of one shipment, serials pasted as text (checked, moved, "
            "history written)",
            "factory_receipt_s": round(created_s, 2),
            "shipment_s": round(shipped_s, 2),
            "inventory_seed_s": seed_s,
            "db": db_name(),
        },
    }


class Reserver:
    """stock_reserve of 1–3 lines (random SKUs among ten with ample stock) for a fresh order
    document per call, on a distributor's warehouse."""

    def __init__(self) -> None:
        from qudao.inventory import services

        self.actor = _actor()
        _hq, _dist, self.warehouse = _places()
        self.skus = [_bench_sku(f"BENCH-PART-{n}", tracked=False) for n in range(10)]
        services.stock_receive(
            actor=self.actor,
            warehouse=self.warehouse,
            lines=[(sku, 100_000) for sku in self.skus],
        )
        self.count = 0
        self.lock = threading.Lock()

    def reserve(self, rng: random.Random) -> float:
        from qudao.inventory.services import Doc, stock_reserve

        with self.lock:
            self.count += 1
            number = self.count
        lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(self.skus, rng.randint(1, 3))]
        start = time.perf_counter()
        stock_reserve(
            actor=self.actor,
            warehouse=self.warehouse,
            lines=lines,
            doc=Doc("bench_order", str(number), f"BENCH-SO-{number:07d}"),
        )
        return (time.perf_counter() - start) * 1000

    def concurrent(self, work: Any) -> tuple[list[Any], list[str], float]:
        """Run work(thread index) in 8 threads started together, each with its connection."""
        from django.db import connections

        barrier = threading.Barrier(THREADS)
        results: list[Any] = []
        errors: list[str] = []

        def run(thread: int) -> None:
            try:
                barrier.wait()
                mine = work(thread)
                with self.lock:
                    results.extend(mine)
            except Exception as exc:  # reported, not raised, in a thread
                errors.append(repr(exc))
            finally:
                connections.close_all()

        pool = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
        start = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return results, errors, time.perf_counter() - start


def _stats(samples: list[float], wall_s: float) -> dict[str, Any]:
    samples.sort()
    return {
        "ops_per_s": round(len(samples) / wall_s, 1),
        "p50_ms": round(samples[len(samples) // 2], 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
    }


def _race_for_last_units(reserver: Reserver) -> dict[str, Any]:
    """240 one-unit reservations from 8 clients for the last 100 units of a SKU."""
    from qudao.core.errors import DomainError
    from qudao.inventory import services
    from qudao.inventory.models import Stock
    from qudao.inventory.services import Doc

    sku = _bench_sku("BENCH-LAST", tracked=False)
    services.stock_receive(
        actor=reserver.actor, warehouse=reserver.warehouse, lines=[(sku, LAST_UNITS)]
    )
    numbers = iter(range(1, THREADS * RACE_TRIES + 1))
    take = threading.Lock()

    def work(_thread: int) -> list[str]:
        outcomes = []
        for _ in range(RACE_TRIES):
            with take:
                n = next(numbers)
            try:
                services.stock_reserve(
                    actor=reserver.actor,
                    warehouse=reserver.warehouse,
                    lines=[(sku, 1)],
                    doc=Doc("bench_race", str(n)),
                )
                outcomes.append("ok")
            except DomainError as exc:
                outcomes.append(exc.code)
        return outcomes

    outcomes, errors, _wall = reserver.concurrent(work)
    stock = Stock.objects.get(warehouse=reserver.warehouse, sku=sku)
    return {
        "tries": len(outcomes),
        "reserved": outcomes.count("ok"),
        "refused": outcomes.count("insufficient_stock"),
        "oversell": max(0, outcomes.count("ok") - LAST_UNITS)
        + max(0, stock.reserved - stock.on_hand),
        "errors": len(errors),
    }


def reserve() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from qudao.inventory.selectors import stock_mismatches

    _medium()
    reserver = Reserver()
    rng = random.Random(5)
    queries = count_queries(lambda: reserver.reserve(rng))
    for _ in range(10):  # warm-up
        reserver.reserve(rng)
    start = time.perf_counter()
    single = _stats([reserver.reserve(rng) for _ in range(300)], time.perf_counter() - start)
    params: dict[str, Any] = {
        "single_client": single,
        "lines": "1-3",
        "outbox": "eager (delivered in the request)"
        if settings.CELERY_TASK_ALWAYS_EAGER
        else "queued",
        "db": db_name(),
    }
    value, p50, p95 = single["ops_per_s"], single["p50_ms"], single["p95_ms"]
    if connection.vendor == "postgresql":
        samples, errors, wall = reserver.concurrent(
            lambda t: [reserver.reserve(random.Random(t)) for _ in range(OPS_PER_THREAD)]
        )
        concurrent = {**_stats(samples, wall), "ops": len(samples), "errors": len(errors)}
        if errors:
            concurrent["first_error"] = errors[0][:200]
        race = _race_for_last_units(reserver)
        assert race["oversell"] == 0 and race["reserved"] == LAST_UNITS, race
        params |= {"clients": THREADS, "ops_per_client": OPS_PER_THREAD, "last_units_race": race}
        value, p50, p95 = concurrent["ops_per_s"], concurrent["p50_ms"], concurrent["p95_ms"]
        params["concurrent"] = concurrent
        oversell = race["oversell"]
    else:
        params["concurrent"] = "skipped: needs PostgreSQL (SQLite has no row locks)"
        oversell = None
    mismatches = stock_mismatches()
    assert not mismatches, mismatches[:3]
    return {
        "value": value,
        "unit": "reservations/s",
        "p50_ms": p50,
        "p95_ms": p95,
        "queries": queries,
        "oversell": oversell,
        "params": params,
    }


def jxc() -> dict[str, Any]:
    from django.utils import timezone

    from qudao.inventory.models import StockMove
    from qudao.inventory.selectors import jxc as jxc_report
    from qudao.inventory.selectors import jxc_by_branch
    from qudao.network.models import Org

    _medium()
    actor = _actor()
    region = Org.objects.filter(kind="region").order_by("path").first()
    assert region is not None
    until = timezone.localdate()
    since = until - timedelta(days=364)
    rows: list[Any] = []
    report = jxc_report(actor=actor, org=region, since=since, until=until)  # memberships cached
    queries = count_queries(
        lambda: rows.extend(jxc_report(actor=actor, org=region, since=since, until=until).rows)
    )
    whole = timed(lambda: jxc_report(actor=actor, org=region, since=since, until=until), repeat=20)
    drill = timed(
        lambda: jxc_by_branch(actor=actor, org=region, since=since, until=until), repeat=20
    )
    total = report.total
    assert total.opening + total.in_total - total.out_total == total.closing
    return {
        "value": whole["p95_ms"],
        "unit": "ms (p95)",
        **whole,
        "queries": queries,
        "params": {
            "org": "region subtree",
            "period_days": 365,
            "rows": len(rows),
            "moves_in_subtree": StockMove.objects.filter(
                warehouse__org__path__startswith=region.path
            ).count(),
            "moves_total": StockMove.objects.count(),
            "drill_down_p50_ms": drill["p50_ms"],
            "drill_down_p95_ms": drill["p95_ms"],
            "db": db_name(),
        },
    }


BENCHES = [
    ("inventory.serial_receipt_10k", serial_receipt),
    ("inventory.reserve", reserve),
    ("inventory.jxc", jxc),
]
