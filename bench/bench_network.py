"""Benchmarks of the network: seeding the medium network, and the scoped org list and tree
pages of a region manager on it."""

import time
from typing import Any

from bench.util import count_queries, db_name, timed


def seed_medium() -> dict[str, Any]:
    from qudao.network.models import Org
    from qudao.network.seed import seed_demo

    start = time.perf_counter()
    report = seed_demo(scale="medium")
    seconds = time.perf_counter() - start
    return {
        "value": round(seconds, 2),
        "unit": "s",
        "params": {
            "orgs": Org.objects.count(),
            "users": report.created["users"],
            "supply_links": report.created["supply_links"],
            "db": db_name(),
        },
    }


def org_list() -> dict[str, Any]:
    from django.test import Client

    from qudao.accounts.models import User
    from qudao.network import scope
    from qudao.network.models import Org
    from qudao.network.seed import seed_demo

    if not Org.objects.filter(kind="store").count() > 1000:
        seed_demo(scale="medium")
    user = User.objects.get(username="region")
    visible = scope.visible_orgs(user).count()
    client = Client()
    client.force_login(user)
    last_page = (visible + 49) // 50

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    list_first = count_queries(lambda: get("/network/orgs/"))
    list_last = count_queries(lambda: get(f"/network/orgs/?page={last_page}"))
    search = count_queries(lambda: get("/network/orgs/?q=hz&kind=store"))
    tree = count_queries(lambda: get("/network/"))
    api = count_queries(lambda: get("/api/v1/orgs?page_size=200"))
    page = timed(lambda: get("/network/orgs/?page=3"), repeat=40)
    tree_t = timed(lambda: get("/network/"), repeat=40)
    api_t = timed(lambda: get("/api/v1/orgs?page_size=200"), repeat=20)
    return {
        "value": page["p50_ms"],
        "unit": "ms/page",
        **page,
        "queries": list_first,
        "params": {
            "user": "region_manager",
            "visible_orgs": visible,
            "page_size": 50,
            "queries_first_page": list_first,
            "queries_last_page": list_last,
            "queries_search": search,
            "tree_queries": tree,
            "tree_p50_ms": tree_t["p50_ms"],
            "tree_p95_ms": tree_t["p95_ms"],
            "api_200_queries": api,
            "api_200_p50_ms": api_t["p50_ms"],
            "db": db_name(),
        },
    }


BENCHES = [("seed.medium", seed_medium), ("network.org_list", org_list)]
