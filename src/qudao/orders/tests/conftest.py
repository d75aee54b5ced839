import pytest
from django.utils import translation

from qudao.orders.tests import factories as of


@pytest.fixture(autouse=True)
def _english():
    """Messages in the source language (the zh-hans catalogue is filled in later)."""
    with translation.override("en"):
        yield


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


@pytest.fixture
def w(net, cat) -> of.World:
    return of.world(net, cat)
