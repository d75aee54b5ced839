"""Benchmarks of finance on the medium demo data (network, catalogue, prices and the finance
seed): credit check + freeze per second — one client, and on PostgreSQL 8 concurrent clients
on 8 positions and on one — and the ageing report over 300 dealers with 100,000 open invoices.
"""

import random
import statistics
import threading
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.util import count_queries, db_name, timed

SINGLE_OPS = 300
THREADS = 8
OPS_PER_THREAD = 60
OPEN_INVOICES = 100_000
FREEZE_AMOUNT = Decimal("100.00")


def _medium() -> float | None:
    """The medium demo data; the seconds the finance seed took when it had to run."""
    from qudao.catalog.models import Sku
    from qudao.demo.catalog import seed_catalog
    from qudao.demo.finance import seed_finance
    from qudao.demo.pricing import seed_prices
    from qudao.finance.models import LedgerEntry
    from qudao.network.models import Org
    from qudao.network.seed import seed_demo

    if Org.objects.filter(kind="store").count() < 1000:
        seed_demo(scale="medium")
    if Sku.objects.count() < 200:
        seed_catalog(scale="medium")
        seed_prices(scale="medium")
    if LedgerEntry.objects.exists():
        return None
    start = time.perf_counter()
    seed_finance(scale="medium")
    return round(time.perf_counter() - start, 2)


def _stats(samples: list[float], wall_s: float) -> dict[str, Any]:
    samples.sort()
    return {
        "ops_per_s": round(len(samples) / wall_s, 1),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
    }


class Freezer:
    """Credit check + freeze with a fresh order document per call, on dealer positions of
    the seed whose limit is raised so that every freeze fits (their invoices stay, so the
    overdue look-up reads real rows); frozen amounts are released after each run."""

    def __init__(self) -> None:
        from qudao.accounts.models import User
        from qudao.finance.constants import OverdueMode
        from qudao.finance.models import Position

        self.actor = User.objects.get(username="admin")
        targets = Position.objects.filter(buyer__kind="dealer", credit_limit__gt=0).order_by(
            "buyer__path"
        )[:THREADS]
        ids = [p.pk for p in targets]
        Position.objects.filter(pk__in=ids).update(
            credit_limit=Decimal("100000000.00"), overdue_mode=OverdueMode.WARN
        )
        self.positions = list(Position.objects.filter(pk__in=ids).select_related("buyer", "seller"))
        self.count = 0
        self.lock = threading.Lock()

    def freeze(self, index: int) -> float:
        from qudao.finance.services import Doc, credit_freeze

        with self.lock:
            self.count += 1
            number = self.count
        position = self.positions[index]
        start = time.perf_counter()
        _entry, decision = credit_freeze(
            actor=self.actor,
            buyer=position.buyer,
            seller=position.seller,
            amount=FREEZE_AMOUNT,
            doc=Doc("order", str(number), f"BENCH-SO-{number:07d}"),
        )
        elapsed = (time.perf_counter() - start) * 1000
        assert decision.ok, decision
        return elapsed

    def release_all(self) -> None:
        from qudao.finance.models import Position
        from qudao.finance.services import Doc, credit_release

        for position in Position.objects.filter(
            pk__in=[p.pk for p in self.positions], frozen_amount__gt=0
        ).select_related("buyer", "seller"):
            credit_release(
                actor=self.actor,
                buyer=position.buyer,
                seller=position.seller,
                amount=position.frozen_amount,
                doc=Doc("order", "bench", "BENCH-RELEASE"),
            )

    def single(self, ops: int) -> dict[str, Any]:
        for _ in range(10):  # warm-up
            self.freeze(0)
        start = time.perf_counter()
        samples = [self.freeze(i % len(self.positions)) for i in range(ops)]
        result = _stats(samples, time.perf_counter() - start)
        self.release_all()
        return result

    def concurrent(self, *, one_position: bool) -> dict[str, Any]:
        """8 threads, each with its own connection (closed when it ends), started together."""
        from django.db import connections

        barrier = threading.Barrier(THREADS)
        samples: list[float] = []
        errors: list[str] = []

        def work(thread: int) -> None:
            mine: list[float] = []
            try:
                barrier.wait()
                target = 0 if one_position else thread
                mine.extend(self.freeze(target) for _ in range(OPS_PER_THREAD))
            except Exception as exc:  # reported, not raised, in a thread
                errors.append(repr(exc))
            finally:
                with self.lock:
                    samples.extend(mine)
                connections.close_all()

        pool = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
        start = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        wall = time.perf_counter() - start
        result = {**_stats(samples, wall), "ops": len(samples), "errors": len(errors)}
        if errors:
            result["first_error"] = errors[0][:200]
        self.release_all()
        return result


def credit_freeze() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from qudao.finance.models import LedgerEntry, Position
    from qudao.finance.selectors import ledger_mismatches

    seed_s = _medium()
    seeded = {"positions": Position.objects.count(), "entries": LedgerEntry.objects.count()}
    freezer = Freezer()
    queries = count_queries(lambda: freezer.freeze(0))
    freezer.release_all()
    single = freezer.single(SINGLE_OPS)
    params: dict[str, Any] = {
        "ops": SINGLE_OPS,
        "amount": str(FREEZE_AMOUNT),
        "positions": len(freezer.positions),
        "open_invoices_per_position": round(
            sum(p.invoices.filter(open_amount__gt=0).count() for p in freezer.positions)
            / len(freezer.positions),
            1,
        ),
        "outbox": "eager (delivered in the request)"
        if settings.CELERY_TASK_ALWAYS_EAGER
        else "queued",
        "finance_seed_s": seed_s,
        "seed_positions": seeded["positions"],
        "seed_entries": seeded["entries"],
        "db": db_name(),
    }
    if connection.vendor == "postgresql":
        spread = freezer.concurrent(one_position=False)
        contended = freezer.concurrent(one_position=True)
        params |= {
            "threads": THREADS,
            "ops_per_thread": OPS_PER_THREAD,
            "concurrent_8_positions": spread,
            "concurrent_1_position": contended,
        }
    else:
        params["concurrent"] = "skipped: needs PostgreSQL (SQLite has no row locks)"
    mismatches = ledger_mismatches()
    assert not mismatches, mismatches[:3]
    frozen = Position.objects.filter(frozen_amount__gt=0).count()
    assert frozen == 0, frozen
    return {
        "value": single["ops_per_s"],
        "unit": "ops/s",
        "p50_ms": single["p50_ms"],
        "p95_ms": single["p95_ms"],
        "queries": queries,
        "params": params,
    }


def _open_invoices(target: int) -> dict[str, Any]:
    """Bring the open (unpaid or partly paid) invoices of the 300 dealer positions up to
    `target` with bench invoices (deterministic); no ledger entries: the report reads only
    invoices, and the bench database is thrown away."""
    from django.db import connection
    from django.utils import timezone

    from qudao.finance.models import Invoice, Position

    positions = list(
        Position.objects.filter(buyer__kind="dealer", seller__kind="distributor").order_by(
            "buyer__path"
        )
    )
    have = Invoice.objects.filter(open_amount__gt=0).count()
    rng = random.Random(11)
    today = timezone.localdate()
    start = time.perf_counter()
    rows = []
    for i in range(max(0, target - have)):
        position = positions[i % len(positions)]
        amount = Decimal(rng.randint(100_000, 6_000_000)) / 100
        partly = rng.random() < 0.3
        open_amount = (amount * Decimal(rng.randint(10, 90)) / 100).quantize(Decimal("0.01"))
        issued = today - timedelta(days=rng.randint(0, 240))
        rows.append(
            Invoice(
                position=position,
                number=f"BENCH-INV-{i + 1:07d}",
                amount=amount,
                open_amount=open_amount if partly else amount,
                issued_on=issued,
                due_on=issued + timedelta(days=position.payment_term_days or 30),
            )
        )
    Invoice.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":  # what autovacuum would have done by now
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE finance_invoice")
    return {
        "dealers": len(positions),
        "seeded_open": have,
        "bench_created": len(rows),
        "setup_s": round(time.perf_counter() - start, 2),
    }


def ageing() -> dict[str, Any]:
    from qudao.accounts.models import User
    from qudao.finance.models import Invoice
    from qudao.finance.selectors import ageing_by_buyer
    from qudao.network.models import Org

    _medium()
    setup = _open_invoices(OPEN_INVOICES)
    admin = User.objects.get(username="admin")
    region = Org.objects.filter(kind="region").order_by("path").first()
    assert region is not None
    rows: list[dict[str, Any]] = []
    # a fresh user, as in a request: its scope is read once, then cached on it
    queries = count_queries(lambda: rows.extend(ageing_by_buyer(actor=admin)))
    whole = timed(lambda: ageing_by_buyer(actor=admin), repeat=20)
    drill = timed(lambda: ageing_by_buyer(actor=admin, under_org_path=region.path), repeat=20)
    return {
        "value": whole["p95_ms"],
        "unit": "ms (p95)",
        **whole,
        "queries": queries,
        "params": {
            "user": "brand_admin",
            "open_invoices": Invoice.objects.filter(open_amount__gt=0).count(),
            "rows": len(rows),
            **setup,
            "region_drill_p50_ms": drill["p50_ms"],
            "region_drill_p95_ms": drill["p95_ms"],
            "db": db_name(),
        },
    }


def statements() -> dict[str, Any]:
    """Last month's statements of every seller's buyers at medium scale (30 distributors'
    dealers and HQ's distributors): drawn from scratch, then redrawn as drafts."""
    from django.utils import timezone

    from qudao.finance.models import Position, Statement, StatementLine
    from qudao.finance.services import statements_draw
    from qudao.network.models import Org

    _medium()
    period = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    Statement.objects.filter(period=period).delete()
    sellers = list(
        Org.objects.filter(
            pk__in=Position.objects.values_list("seller_id", flat=True).distinct().order_by()
        ).order_by("path")
    )

    def draw_all() -> None:
        for seller in sellers:
            statements_draw(seller=seller, period=period)

    start = time.perf_counter()
    queries = count_queries(draw_all)
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    draw_all()  # every statement is still a draft: all redrawn
    redraw_s = time.perf_counter() - start
    return {
        "value": round(first_s, 3),
        "unit": "s",
        "queries": queries,
        "params": {
            "sellers": len(sellers),
            "statements": Statement.objects.filter(period=period).count(),
            "lines": StatementLine.objects.filter(statement__period=period).count(),
            "redraw_s": round(redraw_s, 3),
            "db": db_name(),
        },
    }


BENCHES = [
    ("finance.credit_freeze", credit_freeze),
    ("finance.ageing", ageing),
    ("finance.statements", statements),
]
