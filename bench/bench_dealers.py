"""Benchmark of the dealer lifecycle on the medium demo data with a year of history:

- dealers.grading: one grading run over every dealer of the brand for the last 12 months —
  figures from the orders (a year of orders walked through the services), inventory (a year of
  stock moves and sell-out) and finance (a year of invoices and payments) seeds, and yearly
  contracts with quarterly targets for every dealer (bulk-inserted: bench set-up, not
  business) — seconds per run, and the number of queries, which does not depend on the number
  of dealers (set-based SQL, one bulk insert of the results).

QUDAO_BENCH_ORDERS=0 leaves the year of orders out (the slowest part of the set-up); the
run then scores attainment on the targets against no purchases.
"""

import os
import random
import statistics
import time
from datetime import date
from decimal import Decimal
from typing import Any

from bench.util import db_name

RUNS = 3
SEED = 20261128


def _medium() -> dict[str, Any]:
    """The medium demo data and its year of history, each part seeded unless an earlier
    bench did it; the seconds each seed took."""
    from qudao.catalog.models import Sku
    from qudao.demo.catalog import seed_catalog
    from qudao.demo.finance import seed_finance
    from qudao.demo.inventory import seed_inventory
    from qudao.demo.pricing import seed_prices
    from qudao.finance.models import LedgerEntry
    from qudao.inventory.models import StockMove
    from qudao.network.models import Org
    from qudao.network.seed import seed_demo
    from qudao.orders.models import Order
    from qudao.pricing.models import PriceList

    took: dict[str, Any] = {}

    def step(name: str, needed: bool, fn: Any) -> None:
        if needed:
            start = time.perf_counter()
            fn()
            took[name] = round(time.perf_counter() - start, 1)

    step(
        "network_s",
        Org.objects.filter(kind="store").count() < 1000,
        lambda: seed_demo(scale="medium"),
    )
    step("catalog_s", Sku.objects.count() < 200, lambda: seed_catalog(scale="medium"))
    step(
        "prices_s",
        not PriceList.objects.filter(seller__kind="distributor").exists(),
        lambda: seed_prices(scale="medium"),
    )
    step("finance_s", not LedgerEntry.objects.exists(), lambda: seed_finance(scale="medium"))
    step(
        "inventory_s",
        not StockMove.objects.filter(doc_type__startswith="demo").exists(),
        lambda: seed_inventory(scale="medium"),
    )
    if os.environ.get("QUDAO_BENCH_ORDERS", "1") != "0":
        from qudao.demo.orders import seed_orders

        step("orders_s", not Order.objects.exists(), lambda: seed_orders(scale="medium"))
    _analyze()
    return took


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum would have done by now
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _contracts(brand: Any, years: tuple[int, ...]) -> int:
    """An active contract per dealer and year with its default seller and four quarterly
    targets (amount for everything, units for the first category), bulk-inserted once."""
    from qudao.catalog.models import Category
    from qudao.dealers.models import Contract, Target
    from qudao.network.constants import SELLING_KINDS
    from qudao.network.models import Org

    if Contract.objects.filter(number__startswith="BENCH-").exists():
        return Target.objects.filter(contract__number__startswith="BENCH-").count()
    rng = random.Random(SEED)
    kinds = dict(Org.objects.filter(path__startswith=brand.path).values_list("path", "kind"))
    ids = dict(Org.objects.filter(path__startswith=brand.path).values_list("path", "pk"))
    category = Category.objects.order_by("path").first()
    contracts = []
    for org_id, path in Org.objects.filter(kind="dealer", path__startswith=brand.path).values_list(
        "pk", "path"
    ):
        ancestors = [path[:i] for i in range(len(path) - 4, 0, -4)]
        seller = next((p for p in ancestors if kinds.get(p) in SELLING_KINDS), None)
        if seller is None:
            continue
        contracts.extend(
            Contract(
                org_id=org_id,
                seller_id=ids[seller],
                number=f"BENCH-{year}-{org_id:06d}",
                year=year,
                starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31),
                status="active",
                grade=rng.choice("ABCD"),
                deposit=Decimal(rng.choice([5000, 10000, 20000])),
            )
            for year in years
        )
    Contract.objects.bulk_create(contracts, batch_size=1000)
    targets = []
    for contract in Contract.objects.filter(number__startswith="BENCH-"):
        for quarter in (1, 2, 3, 4):
            targets.append(
                Target(
                    contract=contract,
                    quarter=quarter,
                    amount=Decimal(rng.randint(20, 200) * 1000),
                )
            )
            if category is not None and rng.random() < 0.5:
                targets.append(
                    Target(
                        contract=contract,
                        quarter=quarter,
                        category=category,
                        units=rng.randint(5, 60),
                    )
                )
    Target.objects.bulk_create(targets, batch_size=2000)
    _analyze()
    return len(targets)


def grading() -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from qudao.accounts.models import User
    from qudao.dealers.selectors.grading import graded_dealers
    from qudao.dealers.services.grading import default_period, grading_run_create
    from qudao.network.models import Org
    from qudao.orders.models import Order

    started = time.perf_counter()
    seeded = _medium()
    brand = Org.objects.get(depth=1)
    today = timezone.localdate()
    targets = _contracts(brand, (today.year - 1, today.year))
    setup_s = round(time.perf_counter() - started, 1)
    admin = User.objects.get(username="admin")
    start, end = default_period()

    def once() -> Any:
        return grading_run_create(actor=admin, brand=brand, period_start=start, period_end=end)

    once()  # warm: the year's run number counter, caches
    samples = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            run = once()
            samples.append(time.perf_counter() - began)
        queries = len(captured)
    results = run.results.count()
    scored = run.results.filter(attainment__gt=0).count()
    return {
        "value": round(statistics.median(samples), 3),
        "unit": "s",
        "queries": queries,
        "params": {
            "dealers": graded_dealers(brand).count(),
            "results": results,
            "with_attainment": scored,
            "queries": queries,
            "runs": RUNS,
            "min_s": round(min(samples), 3),
            "max_s": round(max(samples), 3),
            "period": f"{start} – {end}",
            "targets": targets,
            "orders": Order.objects.count(),
            "data": "medium",
            "setup_s": setup_s,
            **seeded,
            "db": db_name(),
        },
    }


BENCHES = [("dealers.grading", grading)]
