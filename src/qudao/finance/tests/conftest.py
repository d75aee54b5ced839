"""Fixtures of the statement tests: a seller's finance user and a month of ledger."""

from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage

from qudao.finance import services
from qudao.finance.models import LedgerEntry, Payment, Position
from qudao.finance.tests.helpers import at, backdate, last_month
from qudao.network.tests import factories as f


@pytest.fixture
def slip_dir(tmp_path, monkeypatch, settings):  # type: ignore[no-untyped-def]
    """Transfer slips go to a private folder of the test's own (public media elsewhere)."""
    root = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(
        Payment._meta.get_field("slip"), "storage", FileSystemStorage(location=root)
    )
    return root


@pytest.fixture
def fin(net):
    user = f.member(net.dist1, "finance", username="fin")
    for buyer in (net.dealer1, net.dealer2):
        services.credit_profile_set(
            actor=user,
            buyer=buyer,
            seller=net.dist1,
            data={"credit_limit": "100000", "payment_term_days": 30},
        )
    return user


@pytest.fixture
def month(net, fin):
    """dealer1 with dist1: before last month an invoice of 1000 (opening receivable 1000);
    in last month an invoice of 2500 and a payment of 1200 (1000 + 200 of the new one) and
    a rebate credit of 300; this month an invoice of 50 that last month's statement omits."""
    month = last_month()
    position = Position.objects.get(buyer=net.dealer1, seller=net.dist1)
    old = services.invoice_post(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        amount="1000",
        issued_on=month - timedelta(days=20),
    )
    backdate(LedgerEntry.objects.filter(doc_number=old.number), at(month - timedelta(days=20)))
    new = services.invoice_post(
        actor=fin, buyer=net.dealer1, seller=net.dist1, amount="2500", issued_on=month
    )
    backdate(LedgerEntry.objects.filter(doc_number=new.number), at(month))
    payment = services.payment_record(
        actor=fin,
        position=position,
        amount="1200",
        method="bank_transfer",
        received_on=month + timedelta(days=9),
    )
    backdate(LedgerEntry.objects.filter(doc_number=payment.number), at(month + timedelta(9)))
    rebate = services.rebate_credit(actor=fin, position=position, amount="300", memo="Q3 返利")
    backdate([rebate], at(month + timedelta(days=14)))
    services.invoice_post(actor=fin, buyer=net.dealer1, seller=net.dist1, amount="50")
    return month
