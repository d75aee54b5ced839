"""`orders.http`: orders submitted over HTTP through the API, with the app served the
production way — gunicorn with several worker processes on loopback — and driven by an HTTP
load generator (locust, headless, bench/locust_orders.py).

The data are orders.submit's (bench/bench_orders.py: the medium data set, the seller with the
most dealers, its dealers as clients with room on their credit, the 40-SKU pool); each client
gets an API token, and the seller's warehouse receives HTTP_STOCK more units of every pool SKU
(new serials for the e-bikes) so that the timed run never runs out. Each simulated dealer
loops without pause on POST /api/v1/orders (a 5-line draft) and POST /orders/{id}/submit
(with an Idempotency-Key), and every order must come back approved: one failure fails the
bench. One JSON line per client count: orders/s (completed draft + submit pairs per second
over the run), p50/p95 ms of the pair and of the submit request alone.

Workers: 2 × cores + 1 on PostgreSQL (gunicorn's advice), one on SQLite (one writer at a
time). The load generator runs on the same machine and takes CPU from the server: on a small
machine the figures are a floor. The outbox is delivered as the settings say (eager, in the
request, without CELERY_BROKER_URL — as in orders.submit); persistent database connections
(CONN_MAX_AGE=60), as a production deployment would set.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.bench_orders import LINES, SEED, World, _check, _world
from bench.util import db_name

RUN_SECONDS = 30
HTTP_STOCK = 300  # more units of every pool SKU, for the HTTP runs
ROOT = Path(__file__).resolve().parents[1]


def _clients() -> tuple[int, ...]:
    from django.db import connection

    return (4, 16) if connection.vendor == "postgresql" else (1,)


def _workers() -> int:
    from django.db import connection

    return 2 * (os.cpu_count() or 1) + 1 if connection.vendor == "postgresql" else 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _top_up(world: World) -> None:
    from qudao.inventory import services as inventory

    lines: list[tuple[Any, ...]] = []
    for sku in world.skus:
        if sku.serial_tracked:
            serials = [f"BH{sku.pk:05d}{i:06d}" for i in range(1, HTTP_STOCK + 1)]
            lines.append((sku, HTTP_STOCK, serials))
        else:
            lines.append((sku, HTTP_STOCK))
    inventory.stock_receive(actor=world.system, warehouse=world.warehouse, lines=lines)


def _plan(world: World, path: Path) -> None:
    from qudao.accounts.services import api_token_create

    tokens = [
        api_token_create(actor=buyer.user, name="bench orders.http")[1] for buyer in world.buyers
    ]
    plan = {
        "seed": SEED,
        "lines": LINES,
        "seller_id": world.seller.pk,
        "buyers": [{"token": token} for token in tokens],
        "skus": [[sku.code, 6 if sku.product.is_spare_part else 2] for sku in world.skus],
    }
    path.write_text(json.dumps(plan))


class Server:
    """gunicorn on a free loopback port with the bench database, until stopped."""

    def __init__(self, workers: int) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CONN_MAX_AGE": "60", "LOG_LEVEL": "ERROR"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "qudao.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2).read()  # noqa: S310
                return
            except (OSError, urllib.error.URLError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def _rows(prefix: Path) -> dict[tuple[str, str], dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}


def _locust(url: str, clients: int, plan: Path, prefix: Path) -> dict[tuple[str, str], Any]:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("locust")),
            "-f",
            str(ROOT / "bench" / "locust_orders.py"),
            "--headless",
            "--users",
            str(clients),
            "--spawn-rate",
            str(clients),
            "--run-time",
            f"{RUN_SECONDS}s",
            "--host",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--exit-code-on-error",
            "0",
        ],
        env={**os.environ, "QUDAO_BENCH_PLAN": str(plan)},
        capture_output=True,  # locust's own summary table: the JSON line says it
        check=False,  # its return code is checked below, with its stderr
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"locust failed: {done.stderr[-1000:]}")
    return _rows(prefix)


def http() -> list[dict[str, Any]]:
    world, _baseline = _world()
    _top_up(world)
    workers = _workers()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.json"
        _plan(world, plan)
        server = Server(workers)
        try:
            for clients in _clients():
                rows = _locust(server.url, clients, plan, Path(tmp) / f"c{clients}")
                lines.append(_line(rows, clients, workers))
        finally:
            server.stop()
    _check(world)
    return lines


def _line(rows: dict[tuple[str, str], dict[str, str]], clients: int, workers: int) -> dict:
    pair = rows[("ORDER", "draft + submit")]
    submit = rows[("POST", "POST /orders/{id}/submit")]
    failures = sum(int(row["Failure Count"]) for row in rows.values() if row["Type"])
    if failures:
        raise RuntimeError(f"orders.http: {failures} failed requests with {clients} clients")
    return {
        "value": round(float(pair["Requests/s"]), 1),
        "unit": "orders/s",
        "p50_ms": float(pair["50%"]),
        "p95_ms": float(pair["95%"]),
        "params": {
            "clients": clients,
            "workers": workers,
            "server": "gunicorn (sync workers)",
            "load": "locust headless, no pause between orders",
            "run_s": RUN_SECONDS,
            "orders": int(pair["Request Count"]),
            "lines": LINES,
            "timed": "POST /orders + POST /orders/{id}/submit",
            "submit_p50_ms": float(submit["50%"]),
            "submit_p95_ms": float(submit["95%"]),
            "failures": failures,
            "cpus": os.cpu_count(),
            "data": "medium",
            "db": db_name(),
        },
    }


BENCHES = [("orders.http", http)]
