"""PostgreSQL races: siblings created at once under one parent get distinct tree paths."""

import itertools

import pytest
from django.db import transaction

from qudao.core.tests.races import race
from qudao.network import services
from qudao.network.models import Org
from qudao.network.tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_children_of_one_parent_get_distinct_paths(divisions):
    hq = f.root()
    region = f.org(hq, "region", code="R-RACE")
    admin = f.member(hq, "brand_admin", username="racer")
    codes = itertools.count(1)

    def create() -> str:
        with transaction.atomic():
            org = services.org_create(
                actor=admin,
                parent=region,
                data={"code": f"D-R{next(codes):03d}", "name": "并发经销商", "kind": "distributor"},
            )
        return org.path

    paths = race(create, threads=6, per_thread=5)
    assert len(paths) == len(set(paths)) == 30
    region.refresh_from_db()
    assert region.numchild == 30
    assert Org.objects.filter(path__startswith=region.path, depth=region.depth + 1).count() == 30
    assert Org.objects.find_problems() == ([], [], [], [], [])
