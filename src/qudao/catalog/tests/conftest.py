import pytest
from django.utils import translation


@pytest.fixture
def en(client, settings):
    """Messages in English, in code and in pages (the language cookie): the zh-hans catalogue
    is filled in later, so tests that compare messages read them in the source language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()
