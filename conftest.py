"""Shared fixtures: a small network with one user per place, built through the services."""

import os
from dataclasses import dataclass

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls in Playwright tests


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Concurrency tests need PostgreSQL's row locks: skipped elsewhere, with the reason, unless
    QUDAO_REQUIRE_POSTGRES=1 (CI), where running them elsewhere is an error."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    if os.environ.get("QUDAO_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("QUDAO_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); SQLite has no row locks")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):  # type: ignore[no-untyped-def]
    """PBKDF2 is slow on purpose; tests only need hashing to work, not to be expensive."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):  # type: ignore[no-untyped-def]
    """Serve static files from the finders, so tests need no fresh collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _builtin_roles(request: pytest.FixtureRequest) -> None:
    """Roles come from a data migration; transactional tests flush them, so sync them back."""
    names = set(request.fixturenames)
    marked = any(m.name == "django_db" for m in request.node.iter_markers())
    if not marked and not names & {"db", "transactional_db"}:
        return
    if not marked:  # a test that asked for `db` directly: open it before touching it
        request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    from qudao.accounts.models import Role
    from qudao.accounts.services import roles_sync

    if not Role.objects.exists():
        roles_sync()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Load the divisions once per test database (tests roll back; flushes reload them)."""
    from qudao.network.divisions import divisions_load

    with django_db_blocker.unblock():
        divisions_load()


@pytest.fixture
def divisions(db: None) -> None:
    from qudao.network.divisions import divisions_load
    from qudao.network.models import Division

    if not Division.objects.exists():
        divisions_load()


@dataclass
class Net:
    hq: object
    east: object
    south: object
    dist1: object
    dist2: object
    dealer1: object
    dealer2: object
    dealer3: object
    store1: object
    admin: object
    region_east: object
    dealer1_admin: object
    dealer2_admin: object
    dealer3_admin: object


@pytest.fixture
def net(db: None, divisions: None) -> Net:
    """HQ → 华东 → 杭州一级 → {杭州迅达, 宁波飞跃 → 门店}; HQ → 华南 → 广州一级 → 广州迅力."""
    from qudao.network.tests import factories as f

    hq = f.root()
    east = f.org(hq, "region", code="R-EAST", name="华东大区")
    south = f.org(hq, "region", code="R-SOUTH", name="华南大区")
    dist1 = f.org(east, "distributor", code="D-HZ", name="杭州绿源车业有限公司")
    dist2 = f.org(south, "distributor", code="D-GZ", name="广州一级经销商有限公司")
    dealer1 = f.org(dist1, "dealer", code="DL-HZ1", name="杭州迅达电动车行")
    dealer2 = f.org(dist1, "dealer", code="DL-NB1", name="宁波飞跃电动车行")
    dealer3 = f.org(dist2, "dealer", code="DL-GZ1", name="广州迅力电动车")
    store1 = f.org(dealer1, "store", code="S-HZ1", name="杭州西湖门店")
    return Net(
        hq=hq,
        east=east,
        south=south,
        dist1=dist1,
        dist2=dist2,
        dealer1=dealer1,
        dealer2=dealer2,
        dealer3=dealer3,
        store1=store1,
        admin=f.member(hq, "brand_admin", username="admin"),
        region_east=f.member(east, "region_manager", username="east"),
        dealer1_admin=f.member(dealer1, "dealer_admin", username="dealer1", mobile="13800000001"),
        dealer2_admin=f.member(dealer2, "dealer_admin", username="dealer2"),
        dealer3_admin=f.member(dealer3, "dealer_admin", username="dealer3"),
    )
