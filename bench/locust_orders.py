"""The locustfile of `orders.http` (bench/bench_orders_http.py starts it; not a benchmark
module of its own). Each simulated dealer, with its own API token, places orders as fast as
the server answers: POST /api/v1/orders (a draft of 5 lines from the pool) then
POST /api/v1/orders/{id}/submit with an Idempotency-Key; the order must come back approved.
The pair is reported as one request of type ORDER, beside the two HTTP requests.

The plan (tokens, seller, SKU pool, seed) comes as JSON in the file named by
QUDAO_BENCH_PLAN.
"""

import itertools
import json
import os
import random
import time
import uuid
from typing import Any

from locust import FastHttpUser, constant, task

PLAN: dict[str, Any] = json.loads(open(os.environ["QUDAO_BENCH_PLAN"]).read())  # noqa: SIM115
_next_buyer = itertools.count()  # users are spawned in one process: one buyer each


class Dealer(FastHttpUser):
    wait_time = constant(0)  # a closed loop: the next order as soon as one is done

    def on_start(self) -> None:
        index = next(_next_buyer)
        buyer = PLAN["buyers"][index % len(PLAN["buyers"])]
        self.headers = {"Authorization": f"Bearer {buyer['token']}"}
        self.rng = random.Random(f"{PLAN['seed']}-http-{index}")

    def _cart(self) -> list[dict[str, Any]]:
        chosen = self.rng.sample(PLAN["skus"], PLAN["lines"])
        return [{"sku_code": code, "qty": self.rng.randint(1, most)} for code, most in chosen]

    @task
    def order(self) -> None:
        start = time.perf_counter()
        error: Exception | None = None
        with self.client.post(
            "/api/v1/orders",
            json={"seller_id": PLAN["seller_id"], "lines": self._cart()},
            headers=self.headers,
            name="POST /orders",
            catch_response=True,
        ) as created:
            if created.status_code != 201:
                error = RuntimeError(f"draft {created.status_code}: {created.text[:200]}")
                created.failure(error)
        if error is None:
            order_id = created.json()["id"]
            with self.client.post(
                f"/api/v1/orders/{order_id}/submit",
                json={},
                headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())},
                name="POST /orders/{id}/submit",
                catch_response=True,
            ) as submitted:
                status = submitted.json().get("status") if submitted.status_code == 200 else None
                if status != "approved":
                    error = RuntimeError(
                        f"submit {submitted.status_code} {status}: {submitted.text[:200]}"
                    )
                    submitted.failure(error)
        self.environment.events.request.fire(
            request_type="ORDER",
            name="draft + submit",
            response_time=(time.perf_counter() - start) * 1000,
            response_length=0,
            exception=error,
            context={},
        )
