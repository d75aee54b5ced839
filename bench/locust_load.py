"""The locustfile of `make load` and `make faults` (bench/load.py starts it; not a benchmark
module of its own). Month-end peak through the API, each role with its own API token:

- Dealer (most users): drafts an order of 5 lines (POST /orders) and submits it
  (POST /orders/{id}/submit, with an Idempotency-Key); approved or held for approval. One
  time in four instead it looks at its pages, signed in with a session: the home page, its
  order list and its last order (a page that is not 200 HTML, or sends to the login, fails).
- Approver (one user): takes the seller's approval inbox (GET /approvals) and approves.
- Shipper (one user): ships approved orders in full (POST /orders/{id}/shipments), picking
  the frame numbers of the e-bike lines from the units in stock (GET /serials).
- Finance (one user): records bank transfers against the dealers' positions (POST
  /positions/{id}/payments), which frees their credit.

A business refusal (4xx with a known code: over the credit limit, stock gone, already
approved…) is the server answering correctly under contention: it is counted under its own
name ("refused: <code>") and is not a failure. Failures are 5xx, other 4xx, and connection
errors; a 5xx is marked "HTTP 5xx" so bench/load.py can count them from the failures CSV.

The plan (tokens, seller, SKU pool, positions) comes as JSON in the file named by
QUDAO_LOAD_PLAN.
"""

import itertools
import json
import os
import random
import time
import uuid
from datetime import date
from typing import Any

from locust import FastHttpUser, between, constant, task

PLAN: dict[str, Any] = json.loads(open(os.environ["QUDAO_LOAD_PLAN"]).read())  # noqa: SIM115
_next_buyer = itertools.count()
# Codes a correct server answers under contention; anything else 4xx is a failure.
REFUSALS = {
    "insufficient_stock",
    "over_limit",
    "credit_refused",
    "credit_over_limit",
    "credit_hold",
    "order_not_draft",
    "invalid_transition",
    "already_submitted",
    "conflict",
    "ship_exceeds_open",
    "price_changed",
    "prices_changed",
    "not_sellable",
    "idempotency_in_progress",
}


def _code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:  # not our error shape
        return ""


class Role(FastHttpUser):
    abstract = True

    headers: dict[str, str]

    def _call(
        self, method: str, path: str, name: str, ok: int, *, key: bool = False, **kwargs: Any
    ) -> Any:
        """One request; returns the JSON body when the status is `ok`, None otherwise (a
        refusal counted under its code, or a failure). `key`: with a fresh Idempotency-Key."""
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())} if key else self.headers
        with self.client.request(
            method, path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            if response.status_code == ok:
                return response.json() if response.text else {}
            code = _code(response)
            if response.status_code >= 500:
                response.failure(f"HTTP 5xx {response.status_code}: {response.text[:200]}")
            elif response.status_code == 0:
                response.failure(f"connection: {response.error}")
            elif 400 <= response.status_code < 500 and (
                code in REFUSALS or code.endswith(("_refused", "_exceeded", "_mismatch"))
            ):
                response.success()
                self._refused(code)
            else:
                response.failure(f"HTTP {response.status_code} {code}: {response.text[:200]}")
            return None

    def _refused(self, code: str) -> None:
        self.environment.events.request.fire(
            request_type="REFUSED",
            name=code,
            response_time=0,
            response_length=0,
            exception=None,
            context={},
        )


class Dealer(Role):
    weight = 100
    wait_time = between(1, 3)  # a dealer's clerk between two orders

    def on_start(self) -> None:
        index = next(_next_buyer)
        buyer = PLAN["buyers"][index % len(PLAN["buyers"])]
        self.headers = {"Authorization": f"Bearer {buyer['token']}"}
        self.rng = random.Random(f"{PLAN['seed']}-load-{index}")
        self.cookie = {"Cookie": f"{PLAN['session_cookie']}={buyer['session']}"}
        self.last_order: int | None = None

    def _page(self, path: str, name: str) -> None:
        with self.client.request(
            "GET", path, name=name, headers=self.cookie, catch_response=True
        ) as response:
            html = "text/html" in (response.headers.get("content-type") or "")
            if response.status_code == 200 and html and "/accounts/login/" not in response.url:
                response.success()
            elif response.status_code == 0:
                response.failure(f"connection: {response.error}")
            else:
                response.failure(f"HTTP {response.status_code} {path}: not the page")

    @task(1)
    def browse(self) -> None:
        self._page("/", "page /")
        self._page("/orders/", "page /orders/")
        if self.last_order is not None:
            self._page(f"/orders/{self.last_order}/", "page /orders/{id}/")

    @task(3)
    def order(self) -> None:
        chosen = self.rng.sample(PLAN["skus"], PLAN["lines"])
        lines = [{"sku_code": s["code"], "qty": self.rng.randint(1, s["most"])} for s in chosen]
        start = time.perf_counter()
        draft = self._call(
            "POST",
            "/api/v1/orders",
            "POST /orders",
            201,
            json={"seller_id": PLAN["seller_id"], "lines": lines},
        )
        if draft is None:
            return
        self.last_order = draft["id"]
        submitted = self._call(
            "POST",
            f"/api/v1/orders/{draft['id']}/submit",
            "POST /orders/{id}/submit",
            200,
            json={},
            key=True,
        )
        if submitted is not None:
            self.environment.events.request.fire(
                request_type="ORDER",
                name=f"draft + submit ({submitted['status']})",
                response_time=(time.perf_counter() - start) * 1000,
                response_length=0,
                exception=None,
                context={},
            )


def _items(body: Any) -> list[dict[str, Any]]:
    return body.get("items", []) if isinstance(body, dict) else list(body or [])


class Approver(Role):
    fixed_count = 1
    wait_time = constant(1)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PLAN['approver']}"}

    @task
    def approve(self) -> None:
        inbox = self._call("GET", "/api/v1/approvals?page_size=10", "GET /approvals", 200)
        for order in _items(inbox)[:10]:
            self._call(
                "POST",
                f"/api/v1/orders/{order['id']}/approve",
                "POST /orders/{id}/approve",
                200,
                json={"comment": "load"},
            )


class Shipper(Role):
    fixed_count = 1
    wait_time = constant(1)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PLAN['shipper']}"}
        self.tracked = {s["code"]: s["id"] for s in PLAN["skus"] if s["serial"]}
        self.done: set[int] = set()

    def _serials(self, sku_code: str, qty: int) -> list[str]:
        """`qty` frame numbers of the SKU in stock in the seller's warehouse (one shipper:
        what it picked has left stock before it asks again)."""
        found = self._call(
            "GET",
            f"/api/v1/serials?warehouse={PLAN['warehouse_id']}&sku={self.tracked[sku_code]}"
            f"&status=in_stock&page_size={qty}",
            "GET /serials?status=in_stock",
            200,
        )
        return [unit["serial"] for unit in _items(found)][:qty]

    @task
    def ship(self) -> None:
        listed = self._call(
            "GET",
            f"/api/v1/orders?side=seller&status=approved&seller={PLAN['seller_id']}",
            "GET /orders?status=approved",
            200,
        )
        for order in [o for o in _items(listed) if o["id"] not in self.done][:5]:
            self.done.add(order["id"])
            detail = self._call("GET", f"/api/v1/orders/{order['id']}", "GET /orders/{id}", 200)
            lines = []
            for line in (detail or {}).get("lines", []):
                qty = line["qty"] - line["qty_shipped"]
                if qty <= 0:
                    continue
                shipped = {"sku_code": line["sku_code"], "qty": qty}
                if line["sku_code"] in self.tracked:
                    shipped["serials"] = self._serials(line["sku_code"], qty)
                lines.append(shipped)
            if lines:
                self._call(
                    "POST",
                    f"/api/v1/orders/{order['id']}/shipments",
                    "POST /orders/{id}/shipments",
                    201,
                    json={"lines": lines, "carrier": "load"},
                )


class Finance(Role):
    fixed_count = 1
    wait_time = constant(0.5)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PLAN['finance']}"}
        self.rng = random.Random(f"{PLAN['seed']}-finance")

    @task
    def pay(self) -> None:
        position = self.rng.choice(PLAN["positions"])
        self._call(
            "POST",
            f"/api/v1/positions/{position}/payments",
            "POST /positions/{id}/payments",
            201,
            json={
                "amount": PLAN["payment"],
                "method": "bank_transfer",
                "received_on": date.today().isoformat(),  # noqa: DTZ011 (the server's day)
                "reference": f"load-{uuid.uuid4().hex[:12]}",
            },
        )
