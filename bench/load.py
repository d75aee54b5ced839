"""`make load`: the order-to-cash backbone under month-end load, served the production way.

On loopback: PostgreSQL (DATABASE_URL; SQLite is refused — one writer at a time is not the
production path), gunicorn with 2 × cores + 1 sync workers, Redis at 127.0.0.1:6379 (started
with `redis-server --daemonize yes` when it does not answer) and a Celery worker
(`celery -A qudao worker`) delivering the outbox through it. locust (headless,
bench/locust_load.py) drives the API for LOAD_SECONDS (60) with LOAD_USERS (200) simulated
users: dealers drafting and submitting orders, one approver, one shipper, one finance clerk.

Data: the medium demo data in `<name>_bench` next to DATABASE_URL's database, recreated each
run (bench/__main__.py), and on top orders.submit's world (bench/bench_orders.py): the
distributor with the most dealers sells to up to LOAD_USERS of its dealers a pool of 40 SKUs.
To make the run contend on what matters, each dealer's credit limit is set to its exposure
plus a few orders' worth (so the credit check refuses some orders until finance's payments
free room), orders above the 75th percentile of a cart's value are held for approval, and the
seller's stock is the planned margin plus HTTP_STOCK per SKU (bench/bench_orders_http.py).

At the end: the outbox is drained (the worker, then `outbox_sweep` for what a killed worker
left), and the invariants are checked against the database — no oversell, no overdrawn
credit, ledgers = balances (`qudao check-ledgers`), every order in a valid status and fully
written, the outbox delivered, no 5xx. Output: one JSON line per operation (throughput,
p50/p95/p99 ms from locust's CSV stats), then one summary line; the exit code is 1 when an
invariant fails.

The load generator runs on the same machine as the server, the database, Redis and the
worker: on a small machine the figures are a floor.
"""

import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REDIS_URL_BASE = "redis://127.0.0.1:6379"
CREDIT_ORDERS = 6  # credit room per dealer, in average orders
PAYMENT_ORDERS = 3  # one payment, in average orders


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _refuse_sqlite() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "make load / make faults need PostgreSQL: set DATABASE_URL=postgres://… "
            "(SQLite serves one writer at a time; it is not the production path)."
        )


def _setup_django() -> None:
    """The bench database `<name>_bench`, recreated, migrated, with the divisions."""
    from bench.__main__ import _bench_database

    _bench_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_divisions", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


# --- the data -------------------------------------------------------------------------------


@dataclass
class Prepared:
    world: Any
    plan: dict[str, Any]
    started: Any  # timezone-aware datetime: orders placed after it are the run's
    positions: list[int] = field(default_factory=list)


def _staff(world: Any, username: str, role: str) -> Any:
    from qudao.accounts.models import User
    from qudao.network import services as network

    user = User.objects.create_user(username=username, password=None)
    network.membership_add(actor=world.system, org=world.seller, role_code=role, user=user)
    return user


def _session(user: Any) -> str:
    """A signed-in session for the pages, as after the login form (the form's password check
    is not what the load measures)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="qudao.accounts.backends.UsernameOrMobileBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _cart_values(world: Any) -> list[Decimal]:
    rng = random.Random("load-values")
    prices = world.prices[0]
    return [
        sum((prices[code] * qty for code, qty in world._cart(rng)), Decimal(0)) for _ in range(400)
    ]


def prepare(users: int) -> Prepared:
    """orders.submit's world for `users` dealers, with tight credit, a hold threshold, more
    stock, and API tokens for the dealers and the seller's approver, shipper and finance."""
    from django.conf import settings
    from django.utils import timezone

    from bench import bench_orders
    from bench.bench_orders_http import _top_up
    from qudao.accounts.services import api_token_create
    from qudao.finance import services as finance
    from qudao.finance.models import Position
    from qudao.orders import services as orders

    buyers = min(users, 200)
    bench_orders.ORDERS_PER_CLIENT.setdefault(buyers, 0)  # warm-up carts only: stock margin
    world = bench_orders.World((buyers,))
    _top_up(world)
    values = sorted(_cart_values(world))
    average = statistics.mean(values)
    orders.approval_rule_set(
        actor=world.system,
        seller=world.seller,
        data={"amount_enabled": True, "amount_threshold": values[int(len(values) * 0.75)]},
    )
    for buyer in world.buyers:
        position = Position.objects.get(pk=buyer.position_id)
        exposure = position.receivable_balance + position.frozen_amount
        finance.credit_profile_set(
            actor=world.system,
            buyer=buyer.org,
            seller=world.seller,
            data={"credit_limit": str(round(exposure + CREDIT_ORDERS * average, 2))},
        )
    approver = _staff(world, "load-approver", "dealer_admin")
    shipper = _staff(world, "load-shipper", "warehouse_clerk")
    clerk = _staff(world, "load-finance", "finance")
    token = lambda user: api_token_create(actor=user, name="load")[1]  # noqa: E731
    plan = {
        "seed": bench_orders.SEED,
        "lines": bench_orders.LINES,
        "seller_id": world.seller.pk,
        "warehouse_id": world.warehouse.pk,  # the seller's, which ships
        "buyers": [{"token": token(b.user), "session": _session(b.user)} for b in world.buyers],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "positions": [b.position_id for b in world.buyers],
        "skus": [
            {
                "code": sku.code,
                "id": sku.pk,
                "most": 6 if sku.product.is_spare_part else 2,
                "serial": bool(sku.serial_tracked),
            }
            for sku in world.skus
        ],
        "approver": token(approver),
        "shipper": token(shipper),
        "finance": token(clerk),
        "payment": str(round(PAYMENT_ORDERS * average, 2)),
        "average_order": str(round(average, 2)),
    }
    return Prepared(world, plan, timezone.now(), plan["positions"])


# --- the stack ------------------------------------------------------------------------------


def redis_ensure() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL_BASE, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        subprocess.run(["redis-server", "--daemonize", "yes"], check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.2)


class CeleryWorker:
    """`celery -A qudao worker` in its own process group (the pool children die with it)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "celery"), "-A", "qudao", "worker", "-l", "warning", "-c", "2"],
            cwd=ROOT,
            env={**os.environ, "CONN_MAX_AGE": "60"},
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )

    def kill(self) -> int:
        """SIGKILL the worker and its pool: no warm shutdown, tasks in hand are lost."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def gunicorn_workers(master_pid: int) -> list[int]:
    import psutil

    return sorted(child.pid for child in psutil.Process(master_pid).children())


def locust_start(url: str, users: int, seconds: int, plan: Path, prefix: Path) -> Any:
    return subprocess.Popen(  # noqa: S603
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locust_load.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),  # all users within ~5 s
            "--run-time",
            f"{seconds}s",
            "--host",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--exit-code-on-error",
            "0",
            "--stop-timeout",
            "10",
        ],
        env={**os.environ, "QUDAO_LOAD_PLAN": str(plan)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def locust_wait(process: Any) -> None:
    _out, err = process.communicate()
    if process.returncode:
        raise RuntimeError(f"locust failed: {err[-1000:]}")


# --- the figures ----------------------------------------------------------------------------


def operation_lines(prefix: Path, seconds: int) -> list[dict[str, Any]]:
    """One line per operation of locust's stats (refusals summed under `refused`)."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Type"]]
    lines = []
    for row in rows:
        count = int(row["Request Count"])
        if row["Type"] == "REFUSED":
            continue
        lines.append(
            {
                "op": f"{row['Type']} {row['Name']}" if row["Type"] == "ORDER" else row["Name"],
                "count": count,
                "failures": int(row["Failure Count"]),
                "per_s": round(count / seconds, 2),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
        )
    return lines


def refusals(prefix: Path) -> dict[str, int]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return {
            row["Name"]: int(row["Request Count"])
            for row in csv.DictReader(handle)
            if row["Type"] == "REFUSED"
        }


def failures(prefix: Path) -> dict[str, int]:
    """Failed requests by kind: 5xx, connection errors, other."""
    found = {"5xx": 0, "connection": 0, "other": 0}
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return found
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            error, n = row["Error"], int(row["Occurrences"])
            if "HTTP 5xx" in error:
                found["5xx"] += n
            elif "connection" in error.lower() or "HTTP 0" in error:
                found["connection"] += n
            else:
                found["other"] += n
    return found


# --- the invariants -------------------------------------------------------------------------


def outbox_drain(seconds: float = 20) -> dict[str, int]:
    """Let the worker finish, then sweep what no task will deliver (a killed worker's)."""
    from qudao.core.constants import OutboxStatus
    from qudao.core.models import OutboxEvent
    from qudao.core.outbox import outbox_sweep

    deadline = time.monotonic() + seconds
    while OutboxEvent.objects.filter(status=OutboxStatus.PENDING).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    left = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count()
    swept = outbox_sweep(limit=100_000) if left else 0
    return {
        "pending_after_worker": left,
        "swept": swept,
        "pending": OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count(),
        "failed": OutboxEvent.objects.filter(status=OutboxStatus.FAILED).count(),
    }


def _check_ledgers() -> bool:
    from django.core.management import CommandError, call_command

    try:
        call_command("check_ledgers", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except CommandError:
        return False
    return True


def invariants(prepared: Prepared) -> dict[str, Any]:
    """Counts of violations (0 everywhere = held), read from the database."""
    from django.db.models import Count, F, Q, Sum

    from qudao.core.models import Notification
    from qudao.finance.models import Position
    from qudao.finance.selectors import credit_check
    from qudao.inventory.models import Stock
    from qudao.inventory.selectors.checks import stock_mismatches
    from qudao.orders.constants import OrderStatus
    from qudao.orders.models import Order
    from qudao.orders.selectors import order_mismatches

    run = Order.objects.filter(created_at__gte=prepared.started)
    by_status = dict(
        run.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "orders": by_status,
        "oversold_stock_rows": Stock.objects.filter(
            Q(on_hand__lt=0) | Q(reserved__lt=0) | Q(reserved__gt=F("on_hand"))
        ).count(),
        "stock_ledger_mismatches": len(stock_mismatches()),
        "overdrawn_positions": sum(
            credit_check(position=p, amount=Decimal(0)).available < 0
            for p in Position.objects.filter(pk__in=prepared.positions)
        ),
        "check_ledgers_ok": _check_ledgers(),
        "orders_invalid_status": Order.objects.exclude(status__in=OrderStatus.values).count()
        + by_status.get(OrderStatus.SUBMITTED, 0),
        "orders_without_lines": run.filter(lines__isnull=True).count(),
        "orders_amount_not_lines": run.annotate(s=Sum("lines__amount"))
        .exclude(amount=F("s"))
        .count(),
        "order_line_mismatches": len(order_mismatches()),
        "duplicate_notifications": Notification.objects.values("event_id", "user_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


VIOLATIONS = (
    "oversold_stock_rows",
    "stock_ledger_mismatches",
    "overdrawn_positions",
    "orders_invalid_status",
    "orders_without_lines",
    "orders_amount_not_lines",
    "order_line_mismatches",
    "duplicate_notifications",
)


def verdict(checks: dict[str, Any], outbox: dict[str, int], failed: dict[str, int]) -> list[str]:
    """The names of the invariants that failed."""
    broken = [name for name in VIOLATIONS if checks[name]]
    if not checks["check_ledgers_ok"]:
        broken.append("check_ledgers")
    if outbox["pending"] or outbox["failed"]:
        broken.append("outbox")
    if failed["5xx"]:
        broken.append("5xx")
    return broken


def emit(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False, default=str), flush=True)


# --- make load ------------------------------------------------------------------------------


class Stack:
    """Redis + a Celery worker + gunicorn on loopback, until stopped."""

    def __init__(self, redis_db: int) -> None:
        from bench.bench_orders_http import Server

        redis_ensure()
        broker = f"{REDIS_URL_BASE}/{redis_db}"
        subprocess.run(  # noqa: S603
            ["redis-cli", "-n", str(redis_db), "flushdb"], check=True, capture_output=True
        )
        os.environ["CELERY_BROKER_URL"] = broker  # gunicorn and the worker inherit it
        self.workers = 2 * (os.cpu_count() or 1) + 1
        self.celery = CeleryWorker()
        self.server = Server(self.workers)

    def stop(self) -> None:
        self.server.stop()
        self.celery.stop()


def main() -> None:
    _refuse_sqlite()
    seconds = _env_int("LOAD_SECONDS", 60)
    users = _env_int("LOAD_USERS", 200)
    _setup_django()
    prepared = prepare(users)
    stack = Stack(_env_int("LOAD_REDIS_DB", 12))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plan = Path(tmp) / "plan.json"
            plan.write_text(json.dumps(prepared.plan))
            prefix = Path(tmp) / "load"
            locust_wait(locust_start(stack.server.url, users, seconds, plan, prefix))
            outbox = outbox_drain()
            for line in operation_lines(prefix, seconds):
                emit({"bench": "load", **line})
            refused, failed = refusals(prefix), failures(prefix)
    finally:
        stack.stop()
    checks = invariants(prepared)
    broken = verdict(checks, outbox, failed)
    emit(
        {
            "bench": "load",
            "summary": "invariants held" if not broken else "INVARIANTS FAILED",
            "failed": broken,
            "users": users,
            "run_s": seconds,
            "gunicorn_workers": stack.workers,
            "cpus": os.cpu_count(),
            "failures": failed,
            "refused": refused,
            "outbox": outbox,
            **checks,
            "average_order": prepared.plan["average_order"],
        }
    )
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
