"""`make faults`: the fault drill. The stack of `make load` (bench/load.py: PostgreSQL,
gunicorn, Redis, a Celery worker) under a shorter load (FAULT_SECONDS, 30; FAULT_USERS, 30),
during which:

1. one gunicorn worker is killed (SIGKILL) — its master must respawn it; the requests it had
   in hand may fail (counted) but none may be half-written;
2. the Celery worker is killed (SIGKILL, with its pool) and restarted — outbox tasks it held
   are lost with it, and must still be delivered exactly once (the restarted worker takes
   what stayed queued in Redis, `outbox_sweep` what was in the dead worker's hands).

Then, the load over, PostgreSQL is stopped (`pg_ctlcluster <ver> <cluster> stop -m fast`,
run as root) for a few seconds while requests are sent: each must fail cleanly (503,
`service_unavailable`); and once it is started again, the app must answer 200 by itself
(persistent connections health-checked, CONN_HEALTH_CHECKS).

The database is then checked as after `make load` (bench/load.py `invariants`): every order
fully written or not at all (lines sum to the amount, no order without lines), no event
pending or failed, no notification twice for one event, `check-ledgers` clean. One JSON line
per operation, one summary line; exit code 1 when anything did not hold.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench import load

KILL_GUNICORN_AT = 8  # seconds into the load
KILL_CELERY_AT = 14
CELERY_DOWN_S = 3
OUTAGE_S = 4
PG_CLUSTER = os.environ.get("PG_CLUSTER", "15 main").split()


def _probe(url: str, token: str, method: str = "GET") -> tuple[int, str]:
    """One API request: its status and its error code (empty when none)."""
    if method == "GET":
        request = urllib.request.Request(f"{url}/api/v1/orders?page_size=1")  # noqa: S310
    else:  # a write: a draft without lines is refused 400 when the database is up
        request = urllib.request.Request(  # noqa: S310
            f"{url}/api/v1/orders", data=b'{"lines": []}', method="POST"
        )
        request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept-Language", "en")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read())["error"]
            return exc.code, f"{error['code']}: {error['message']}"
        except (ValueError, KeyError):
            return exc.code, "(not the API error shape)"
    except OSError as exc:
        return 0, repr(exc)


def _kill_gunicorn_worker(stack: load.Stack, log: dict[str, Any]) -> None:
    master = stack.server.process.pid
    before = load.gunicorn_workers(master)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    after = load.gunicorn_workers(master)
    while (len(after) < len(before) or victim in after) and time.monotonic() < deadline:
        time.sleep(0.2)
        after = load.gunicorn_workers(master)
    log["gunicorn"] = {
        "killed_pid": victim,
        "workers_before": len(before),
        "workers_after": len(after),
        "respawned": len(after) == len(before) and victim not in after,
    }


def _kill_celery(stack: load.Stack, log: dict[str, Any]) -> None:
    from qudao.core.constants import OutboxStatus
    from qudao.core.models import OutboxEvent

    killed = stack.celery.kill()
    pending = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count()
    time.sleep(CELERY_DOWN_S)
    stack.celery.start()
    log["celery"] = {
        "killed_pid": killed,
        "pending_events_when_killed": pending,
        "down_s": CELERY_DOWN_S,
        "restarted_pid": stack.celery.process.pid if stack.celery.process else None,
    }


def _faults_during_load(stack: load.Stack, log: dict[str, Any]) -> None:
    from django.db import connections

    try:
        time.sleep(KILL_GUNICORN_AT)
        _kill_gunicorn_worker(stack, log)
        time.sleep(max(0, KILL_CELERY_AT - KILL_GUNICORN_AT))
        _kill_celery(stack, log)
    except Exception as exc:  # reported in the summary, not raised in a thread
        log["error"] = repr(exc)
    finally:
        connections.close_all()


def _pg(action: str) -> None:
    subprocess.run(  # noqa: S603
        ["pg_ctlcluster", *PG_CLUSTER, action, *(["-m", "fast"] if action == "stop" else [])],
        check=True,
        capture_output=True,
    )


def database_outage(url: str, token: str) -> dict[str, Any]:
    """Stop PostgreSQL, send requests, start it, wait for the first 200."""
    before = _probe(url, token)
    _pg("stop")
    down: list[tuple[int, str]] = []
    try:
        started = time.monotonic()
        while time.monotonic() - started < OUTAGE_S:
            down.append(_probe(url, token))
            down.append(_probe(url, token, "POST"))
            time.sleep(0.3)
    finally:
        _pg("start")
    back = time.monotonic()
    after: list[tuple[int, str]] = []
    while time.monotonic() - back < 30:
        after.append(_probe(url, token))
        if after[-1][0] == 200:
            break
        time.sleep(0.2)
    recovered_s = round(time.monotonic() - back, 2)
    # every worker answers again: more requests than workers, all must be 200
    then = [_probe(url, token)[0] for _ in range(4 * (2 * (os.cpu_count() or 1) + 1))]
    clean = all(status == 503 and code.startswith("service_unavailable") for status, code in down)
    return {
        "before": before[0],
        "requests_during_outage": len(down),
        "statuses_during_outage": sorted({status for status, _code in down}),
        "all_503_service_unavailable": clean,
        "message": next((code for _s, code in down if code), ""),
        "requests_until_first_200": len(after),
        "recovered": bool(after) and after[-1][0] == 200,
        "recovered_after_s": recovered_s,
        "then_non_200": sum(status != 200 for status in then),
    }


def main() -> None:
    load._refuse_sqlite()
    seconds = load._env_int("FAULT_SECONDS", 30)
    users = load._env_int("FAULT_USERS", 30)
    load._setup_django()
    prepared = load.prepare(users)
    stack = load.Stack(load._env_int("LOAD_REDIS_DB", 12))
    log: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plan = Path(tmp) / "plan.json"
            plan.write_text(json.dumps(prepared.plan))
            prefix = Path(tmp) / "faults"
            runner = load.locust_start(stack.server.url, users, seconds, plan, prefix)
            faults = threading.Thread(target=_faults_during_load, args=(stack, log))
            faults.start()
            load.locust_wait(runner)
            faults.join()
            outbox = load.outbox_drain(30)
            for line in load.operation_lines(prefix, seconds):
                load.emit({"bench": "faults", **line})
            refused, failed = load.refusals(prefix), load.failures(prefix)
            outage = database_outage(stack.server.url, prepared.plan["buyers"][0]["token"])
    finally:
        stack.stop()
    from django.db import connections

    connections.close_all()  # the orchestrator's connection died with the restart
    checks = load.invariants(prepared)
    broken = load.verdict(checks, outbox, failed)
    if not log.get("gunicorn", {}).get("respawned"):
        broken.append("gunicorn_respawn")
    if "celery" not in log:
        broken.append("celery_kill")
    if not (outage["all_503_service_unavailable"] and outage["recovered"]):
        broken.append("database_outage")
    if outage["then_non_200"]:
        broken.append("recovery")
    load.emit(
        {
            "bench": "faults",
            "summary": "nothing lost or duplicated" if not broken else "FAULT DRILL FAILED",
            "failed": broken,
            "users": users,
            "run_s": seconds,
            "gunicorn_workers": stack.workers,
            "failed_requests": failed,
            "refused": refused,
            **log,
            "outbox": outbox,
            "database_outage": outage,
            **checks,
        }
    )
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
