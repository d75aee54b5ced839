import pytest


@pytest.fixture
def channel(net):
    """The brand's channel manager (HQ)."""
    from qudao.network.tests import factories as f

    return f.member(net.hq, "channel_manager", username="channel")


@pytest.fixture
def records(net):
    """The lifecycle records of `net`'s dealers: the outbox handler of `org.created` makes
    them after commit, which a test transaction never reaches, so deliver what is pending."""
    from qudao.core.outbox import outbox_sweep

    outbox_sweep()
    return net
