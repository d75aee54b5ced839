"""PostgreSQL races: concurrent submits never overspend a promotion's budget or quantity cap,
nor a coupon's limits."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from qudao.core.tests.races import tally
from qudao.network.tests.factories import system_actor
from qudao.promotions import selectors, services
from qudao.promotions.engine import Use
from qudao.promotions.models import Coupon, Promotion
from qudao.promotions.tests.factories import live

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_orders_never_overspend_the_budget(world, cat):
    flash = live(
        world.dist1,
        "flash_sale",
        {"prices": {str(cat["grey"].pk): "1799"}},
        ends_at=timezone.now() + timedelta(days=1),
        budget_qty=5,
        budget_amount="1000.00",
    )
    docs = count(1)

    def submit() -> None:
        services.promotions_consume(
            actor=system_actor(),
            seller=world.dist1,
            buyer=world.dealer1,
            uses=[Use(flash.pk, Decimal("300.00"), 1)],
            doc=services.Doc("order", str(next(docs))),
        )

    for _round in range(3):  # several rounds: a lucky interleaving must not hide a race
        ok, refused = tally(submit, threads=6)
        assert (ok, refused) == (3, 3)  # 3 × 300 fits 1000, a 4th does not
        flash.refresh_from_db()
        assert (flash.consumed_amount, flash.consumed_qty) == (Decimal("900.00"), 3)
        for doc_id in {u.doc_id for u in flash.uses.filter(kind="consume")}:
            services.promotions_release(actor=system_actor(), doc=services.Doc("order", doc_id))
        flash.refresh_from_db()
        assert (flash.consumed_amount, flash.consumed_qty) == (Decimal("0.00"), 0)
    assert selectors.use_mismatches() == []


def test_concurrent_orders_never_pass_the_quantity_cap(world, cat):
    flash = live(
        world.dist1,
        "flash_sale",
        {"prices": {str(cat["grey"].pk): "1799"}},
        ends_at=timezone.now() + timedelta(days=1),
        budget_qty=4,
    )
    docs = count(1)

    def submit() -> None:
        services.promotions_consume(
            actor=system_actor(),
            seller=world.dist1,
            buyer=world.dealer1,
            uses=[Use(flash.pk, Decimal("200.00"), 1)],
            doc=services.Doc("order", str(next(docs))),
        )

    ok, refused = tally(submit, threads=8)
    assert (ok, refused) == (4, 4)
    assert Promotion.objects.get(pk=flash.pk).consumed_qty == 4
    assert selectors.use_mismatches() == []


def test_a_buyer_cannot_use_a_coupon_twice_at_once(world):
    promo = live(world.dist1, "coupon", {"amount": "50"})
    (coupon,) = services.coupon_issue(
        actor=world.marketer, promotion=promo, code="RACE", total_limit=10, per_buyer_limit=1
    )
    docs = count(1)

    def submit() -> None:
        services.promotions_consume(
            actor=system_actor(),
            seller=world.dist1,
            buyer=world.dealer1,
            uses=[Use(promo.pk, Decimal("50.00"), 1, coupon.pk)],
            doc=services.Doc("order", str(next(docs))),
        )

    ok, refused = tally(submit, threads=4)
    assert (ok, refused) == (1, 3)
    assert Coupon.objects.get(pk=coupon.pk).used == 1
    assert selectors.use_mismatches() == []
