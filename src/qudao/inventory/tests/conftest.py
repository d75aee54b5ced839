from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from qudao.inventory.tests import factories as inv


@pytest.fixture(autouse=True)
def _english():
    """Messages in the source language (the zh-hans catalogue is filled in later)."""
    with translation.override("en"):
        yield


@dataclass
class World:
    """The `net` fixture with warehouses and clerks: HQ, dist1, dealer1 (+ a second one),
    dealer2 and dist2; a scooter in two colours (serial-tracked) and a brake pad."""

    net: Any
    grey: Any
    white: Any
    pad: Any
    scooters: Any
    parts: Any
    hq: Any
    dist1: Any
    dealer1: Any
    dealer1_back: Any
    dealer2: Any
    dist2: Any
    hq_clerk: Any
    dist1_clerk: Any


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


@pytest.fixture
def w(net, cat) -> World:
    from qudao.network.tests import factories as f

    return World(
        net=net,
        grey=cat["grey"],
        white=cat["white"],
        pad=cat["pad"],
        scooters=cat["scooters"],
        parts=cat["parts"],
        hq=inv.warehouse(net.hq, "HQ-MAIN", name="总仓"),
        dist1=inv.warehouse(net.dist1, "D1-MAIN", name="杭州仓"),
        dealer1=inv.warehouse(net.dealer1, "DL1-MAIN", name="迅达主仓"),
        dealer1_back=inv.warehouse(net.dealer1, "DL1-BACK", name="迅达后仓"),
        dealer2=inv.warehouse(net.dealer2, "DL2-MAIN", name="飞跃仓"),
        dist2=inv.warehouse(net.dist2, "D2-MAIN", name="广州仓"),
        hq_clerk=f.member(net.hq, "warehouse_clerk", username="hq-clerk"),
        dist1_clerk=f.member(net.dist1, "warehouse_clerk", username="d1-clerk"),
    )
