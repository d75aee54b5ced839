"""PostgreSQL races: two orders cannot both pass a limit only one fits, and concurrent debits
never overdraw the prepaid balance."""

from decimal import Decimal

import pytest

from qudao.core.tests.races import tally
from qudao.finance import selectors, services
from qudao.finance.models import Position
from qudao.finance.services import Doc
from qudao.network.tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _world():
    hq = f.root()
    region = f.org(hq, "region", code="R-RACE")
    seller = f.org(region, "distributor", code="D-RACE")
    buyer = f.org(seller, "dealer", code="DL-RACE")
    fin = f.member(seller, "finance", username="race-fin")
    return seller, buyer, fin


def test_only_one_of_two_orders_fits_the_last_credit(divisions):
    seller, buyer, fin = _world()
    services.credit_profile_set(
        actor=fin, buyer=buyer, seller=seller, data={"credit_limit": "1000"}
    )
    counter = iter(range(100))

    def freeze() -> None:
        services.credit_freeze(
            actor=fin,
            buyer=buyer,
            seller=seller,
            amount="600",
            doc=Doc("order", str(next(counter)), "SO"),
        )

    for _round in range(5):  # several rounds: a lucky interleaving must not hide a race
        ok, refused = tally(freeze, threads=2)
        assert (ok, refused) == (1, 1)
        position = Position.objects.get(buyer=buyer, seller=seller)
        assert position.frozen_amount == Decimal("600.00")
        services.credit_release(
            actor=fin, buyer=buyer, seller=seller, amount="600", doc=Doc("order", "r", "SO")
        )
    assert selectors.ledger_mismatches() == []


def test_concurrent_debits_never_overdraw_prepaid(divisions):
    seller, buyer, fin = _world()
    position = services.credit_profile_set(actor=fin, buyer=buyer, seller=seller, data={})
    services.payment_record(
        actor=fin,
        position=position,
        amount="1000",
        method="cash",
        received_on=position.updated_at.date(),
        to_prepaid=True,
    )

    def debit() -> None:
        services.balance_debit(
            actor=fin,
            buyer=buyer,
            seller=seller,
            account="prepaid",
            amount="300",
            doc=Doc("order", "x", "SO"),
        )

    ok, refused = tally(debit, threads=6)
    assert (ok, refused) == (3, 3)
    position = Position.objects.get(buyer=buyer, seller=seller)
    assert position.prepaid_balance == Decimal("100.00")
    assert selectors.ledger_mismatches() == []
