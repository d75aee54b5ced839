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


@pytest.fixture(autouse=True)
def _pages_in_english(request, settings):
    """Pages in the source language for tests that compare their text (the language cookie);
    a test that reads the zh-hans page sets the cookie back."""
    if "client" in request.fixturenames:
        client = request.getfixturevalue("client")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
