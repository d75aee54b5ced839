import pytest


@pytest.fixture
def channel(net):
    """The brand's channel manager (HQ)."""
    from qudao.network.tests import factories as f

    return f.member(net.hq, "channel_manager", username="channel")
