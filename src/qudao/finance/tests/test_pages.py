from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from qudao.core.dashboard import widgets_for
from qudao.core.navigation import entries_for
from qudao.finance import selectors, services
from qudao.finance.models import Invoice, LedgerEntry, Payment, Position, TemporaryLimit
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Seeded:
    fin: object
    position: Position
    old: Invoice  # 3000, due 45 days ago, 1000 paid
    mid: Invoice  # 2000, due 5 days ago
    new: Invoice  # 1500, not due yet


def seed(net) -> Seeded:  # type: ignore[no-untyped-def]
    """dealer1 buys from dist1 on 15 days with a 10,000 limit; built through the services."""
    fin = f.member(net.dist1, "finance", username="fin1")
    today, now = timezone.localdate(), timezone.now()
    profile = {"credit_limit": "10000", "payment_term_days": 15, "overdue_days": 30}
    position = services.credit_profile_set(
        actor=fin, buyer=net.dealer1, seller=net.dist1, data={**profile, "overdue_mode": "hold"}
    )
    pair = {"actor": fin, "buyer": net.dealer1, "seller": net.dist1}
    old = services.invoice_post(**pair, amount="3000", issued_on=today - timedelta(days=60))
    mid = services.invoice_post(**pair, amount="2000", issued_on=today - timedelta(days=20))
    new = services.invoice_post(**pair, amount="1500", issued_on=today)
    services.payment_record(
        actor=fin, position=position, amount="1000", method="bank_transfer", received_on=today
    )
    services.payment_record(
        actor=fin,
        position=position,
        amount="800",
        method="cash",
        received_on=today,
        to_prepaid=True,
    )
    services.rebate_credit(actor=fin, position=position, amount="300", memo="Q3 返利")
    services.temporary_limit_grant(
        actor=fin,
        position=position,
        amount="5000",
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=10),
        reason="旺季备货",
    )
    services.temporary_limit_grant(
        actor=fin,
        position=position,
        amount="9999",
        valid_from=now - timedelta(days=20),
        valid_until=now - timedelta(days=10),
        reason="已过期",
    )
    position.refresh_from_db()
    old.refresh_from_db()
    return Seeded(fin=fin, position=position, old=old, mid=mid, new=new)


@pytest.fixture
def seeded(net) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(net)


def _state(position: Position) -> tuple:
    position.refresh_from_db()
    return (
        position.prepaid_balance,
        position.rebate_balance,
        position.receivable_balance,
        position.credit_limit,
        position.payment_term_days,
        LedgerEntry.objects.count(),
        Payment.objects.count(),
        TemporaryLimit.objects.count(),
        list(Invoice.objects.order_by("pk").values_list("open_amount", flat=True)),
    )


def _open(*invoices: Invoice) -> list[Decimal]:
    return [Invoice.objects.get(pk=i.pk).open_amount for i in invoices]


def test_position_page_shows_the_numbers(client, net, seeded):
    client.force_login(seeded.fin)
    page = client.get(f"/finance/positions/{seeded.position.pk}/")
    assert page.status_code == 200
    n = page.context["numbers"]
    p = n.position
    assert (p.prepaid_balance, p.rebate_balance, p.credit_limit, p.receivable_balance) == (
        D("800.00"),
        D("300.00"),
        D("10000.00"),
        D("5500.00"),
    )
    assert (n.temporary, n.exposure, n.available) == (D("5000.00"), D("5500.00"), D("9500.00"))
    assert (n.overdue_amount, n.max_days_overdue, n.status) == (D("4000.00"), 45, "on_hold")
    assert [str(v) for _label, v in page.context["ageing"]] == [
        "1500.00",
        "2000.00",
        "2000.00",
        "0.00",
        "0.00",
    ]
    assert page.context["ageing_total"] == D("5500.00")
    assert [i.number for i in page.context["open_invoices"]] == [
        seeded.old.number,
        seeded.mid.number,
        seeded.new.number,
    ]
    assert [t.reason for t in page.context["temporary_limits"]] == ["旺季备货", "已过期"]
    html = page.content.decode()
    assert 'data-testid="available">¥9500.00' in html
    assert 'data-testid="payment-form"' in html
    assert 'data-testid="slip-form"' not in html


def test_ledger_filters_by_account_and_kind(client, net, seeded):
    client.force_login(seeded.fin)
    url = f"/finance/positions/{seeded.position.pk}/"
    prepaid = client.get(url, {"account": "prepaid"}).context["page"].object_list
    assert [(e.kind, e.amount) for e in prepaid] == [("topup", D("800.00"))]
    invoices = client.get(url, {"kind": "invoice"}).context["page"].object_list
    assert sorted(e.amount for e in invoices) == [D("1500.00"), D("2000.00"), D("3000.00")]
    today = timezone.localdate()
    later = client.get(url, {"since": str(today + timedelta(days=1))}).context["page"]
    assert list(later.object_list) == []
    everything = client.get(url, {"since": str(today), "until": str(today)}).context["page"]
    assert everything.paginator.count == 6


def test_recording_a_payment_pays_the_oldest_invoices_first(client, net, seeded):
    client.force_login(seeded.fin)
    url = f"/finance/positions/{seeded.position.pk}/payments/"
    today = str(timezone.localdate())
    response = client.post(
        url,
        {
            "amount": "2500",
            "method": "bank_transfer",
            "received_on": today,
            "reference": "BOC-001",
            "allocate": "oldest",
        },
    )
    assert response.status_code == 302
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("0.00"), D("1500.00"), D("1500.00")]
    seeded.position.refresh_from_db()
    assert (seeded.position.receivable_balance, seeded.position.prepaid_balance) == (
        D("3000.00"),
        D("800.00"),
    )
    topup = client.post(
        url, {"amount": "100", "method": "cash", "received_on": today, "allocate": "prepaid"}
    )
    assert topup.status_code == 302
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("0.00"), D("1500.00"), D("1500.00")]
    seeded.position.refresh_from_db()
    assert seeded.position.prepaid_balance == D("900.00")


def test_finance_allocates_a_payment_by_hand(client, net, seeded):
    """old: 2000 open, due 45 days ago; mid: 2000, due 5 days ago; new: 1500, not due."""
    client.force_login(seeded.fin)
    url = f"/finance/positions/{seeded.position.pk}/payments/"
    page = client.get(f"/finance/positions/{seeded.position.pk}/")
    assert f"invoice_{seeded.new.pk}" in page.context["payment_form"].fields
    base = {"amount": "1000", "method": "cash", "received_on": str(timezone.localdate())}
    none = client.post(url, {**base, "allocate": "manual"})
    assert none.status_code == 400
    assert none.context["payment_form"].errors["allocate"] == ["请至少为一张应收单填写金额。"]
    too_much = client.post(url, {**base, "allocate": "manual", f"invoice_{seeded.new.pk}": "1600"})
    assert too_much.status_code == 400
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("2000.00"), D("2000.00"), D("1500.00")]
    done = client.post(
        url,
        {
            **base,
            "allocate": "manual",
            f"invoice_{seeded.new.pk}": "600",
            f"invoice_{seeded.mid.pk}": "300",
        },
    )
    assert done.status_code == 302
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("2000.00"), D("1700.00"), D("900.00")]
    seeded.position.refresh_from_db()
    assert seeded.position.prepaid_balance == D("900.00")  # 800 before + the 100 not allocated


def test_a_refused_payment_comes_back_with_the_error_and_changes_nothing(client, net, seeded):
    client.force_login(seeded.fin)
    before = _state(seeded.position)
    url = f"/finance/positions/{seeded.position.pk}/payments/"
    today = timezone.localdate()
    zero = client.post(
        url,
        {"amount": "0", "method": "cash", "received_on": str(today), "allocate": "oldest"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert zero.status_code == 400
    assert zero.context["payment_form"].errors["amount"] == ["金额必须大于 0。"]
    assert zero.context["open_form"] == "payment_form"
    future = client.post(
        url,
        {
            "amount": "10",
            "method": "cash",
            "received_on": str(today + timedelta(days=1)),
            "allocate": "oldest",
        },
    )
    assert future.status_code == 400
    assert future.context["payment_form"].non_field_errors()
    assert _state(seeded.position) == before


def test_seller_sets_the_profile_grants_a_limit_and_adjusts(client, net, seeded):
    client.force_login(seeded.fin)
    base = f"/finance/positions/{seeded.position.pk}"
    saved = client.post(
        f"{base}/credit-profile/",
        {
            "credit_limit": "20000",
            "payment_term_days": "30",
            "overdue_days": "60",
            "overdue_amount": "",
            "overdue_mode": "warn",
        },
    )
    assert saved.status_code == 302
    page = client.get(f"{base}/")
    assert (page.context["numbers"].available, page.context["numbers"].status) == (
        D("19500.00"),
        "normal",
    )
    before = _state(seeded.position)
    now = timezone.localtime()
    backwards = client.post(
        f"{base}/temporary-limits/",
        {
            "amount": "1000",
            "valid_from": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "valid_until": now.strftime("%Y-%m-%dT%H:%M"),
            "reason": "展会",
        },
    )
    assert backwards.status_code == 400
    assert backwards.context["limit_form"].errors["valid_until"]
    no_reason = client.post(
        f"{base}/adjustments/", {"account": "prepaid", "amount": "-50", "reason": ""}
    )
    assert no_reason.status_code == 400
    assert _state(seeded.position) == before
    adjusted = client.post(
        f"{base}/adjustments/", {"account": "prepaid", "amount": "-50", "reason": "银行手续费"}
    )
    assert adjusted.status_code == 302
    entry = LedgerEntry.objects.filter(kind="adjustment").get()
    assert (entry.account, entry.amount, entry.balance_after, entry.memo) == (
        "prepaid",
        D("-50.00"),
        D("750.00"),
        "银行手续费",
    )


def test_dealer_sees_its_own_position_read_only(client, net, seeded):
    client.force_login(net.dealer1_admin)
    base = f"/finance/positions/{seeded.position.pk}"
    page = client.get(f"{base}/")
    assert page.status_code == 200
    assert page.context["numbers"].available == D("9500.00")
    assert (page.context["can_manage"], page.context["is_buyer"]) == (False, True)
    html = page.content.decode()
    assert 'data-testid="payment-form"' not in html
    assert 'data-testid="slip-form"' in html
    listed = client.get("/finance/")
    assert [n.position.pk for n in listed.context["own_rows"]] == [seeded.position.pk]
    assert list(listed.context["rows"]) == []
    before = _state(seeded.position)
    today = str(timezone.localdate())
    writes = {
        "payments/": {"amount": "10", "method": "cash", "received_on": today},
        "credit-profile/": {"credit_limit": "99999", "payment_term_days": "90"},
        "temporary-limits/": {"amount": "1"},
        "adjustments/": {"account": "prepaid", "amount": "100", "reason": "x"},
    }
    for path, data in writes.items():
        assert client.post(f"{base}/{path}", data).status_code == 403, path
    pending = services.payment_submit_slip(
        actor=net.dealer1_admin,
        position=seeded.position,
        amount="10",
        received_on=timezone.localdate(),
        reference="x",
    )
    before = _state(seeded.position)
    assert client.post(f"{base}/payments/{pending.pk}/confirm/").status_code == 403
    assert client.post(f"{base}/payments/{pending.pk}/reject/", {"reason": "x"}).status_code == (
        403
    )
    assert _state(seeded.position) == before
    assert Payment.objects.get(pk=pending.pk).status == "pending"


def test_region_manager_reads_its_regions_positions_only(client, net, seeded):
    client.force_login(net.region_east)
    page = client.get(f"/finance/positions/{seeded.position.pk}/")
    assert page.status_code == 200
    assert (page.context["can_manage"], page.context["is_buyer"]) == (False, False)
    html = page.content.decode()
    assert 'data-testid="payment-form"' not in html
    assert 'data-testid="slip-form"' not in html
    assert [n.position.buyer.code for n in client.get("/finance/").context["rows"]] == ["DL-HZ1"]
    before = _state(seeded.position)
    today = str(timezone.localdate())
    slip = {"amount": "1", "received_on": today, "slip": SimpleUploadedFile("s.png", PNG)}
    assert client.post(f"/finance/positions/{seeded.position.pk}/slips/", slip).status_code == 403
    assert client.post(f"/finance/positions/{seeded.position.pk}/payments/", {}).status_code == 403
    assert _state(seeded.position) == before


def test_dealer_does_not_see_another_dealers_position(client, net, seeded):
    other = services.invoice_post(
        actor=seeded.fin, buyer=net.dealer2, seller=net.dist1, amount="100"
    ).position
    client.force_login(net.dealer1_admin)
    assert client.get(f"/finance/positions/{other.pk}/").status_code == 404
    before = _state(other)
    assert client.post(f"/finance/positions/{other.pk}/slips/", {}).status_code == 404
    assert client.post(f"/finance/positions/{other.pk}/payments/", {}).status_code == 404
    assert _state(other) == before
    assert "宁波飞跃" not in client.get("/finance/").content.decode()


def test_buyer_uploads_a_slip_and_finance_confirms_it(client, net, seeded, slip_dir):
    client.force_login(net.dealer1_admin)
    url = f"/finance/positions/{seeded.position.pk}/slips/"
    today = str(timezone.localdate())
    form = {"amount": "2000", "received_on": today, "reference": "ICBC-778"}
    before = _state(seeded.position)
    renamed = client.post(
        url, {**form, "slip": SimpleUploadedFile("slip.png", b"MZ\x90\x00not an image")}
    )
    assert renamed.status_code == 400
    assert renamed.context["slip_form"].errors["slip"]
    big = SimpleUploadedFile("slip.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024))
    assert client.post(url, {**form, "slip": big}).status_code == 400
    assert _state(seeded.position) == before
    sent = client.post(url, {**form, "slip": SimpleUploadedFile("转账.png", PNG)})
    assert sent.status_code == 302
    payment = Payment.objects.get(status="pending")
    assert (payment.amount, payment.reference, payment.method) == (
        D("2000.00"),
        "ICBC-778",
        "bank_transfer",
    )
    assert _state(seeded.position)[2] == D("5500.00")  # nothing applied before finance confirms

    client.force_login(seeded.fin)
    slip = client.get(f"/finance/positions/{seeded.position.pk}/payments/{payment.pk}/slip/")
    assert slip.status_code == 200
    assert slip["Content-Type"] == "image/png"
    assert slip["Content-Disposition"] == f'inline; filename="{payment.number}.png"'
    assert b"".join(slip.streaming_content) == PNG
    confirmed = client.post(
        f"/finance/positions/{seeded.position.pk}/payments/{payment.pk}/confirm/"
    )
    assert confirmed.status_code == 302
    assert Payment.objects.get(pk=payment.pk).status == "confirmed"
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("0.00"), D("2000.00"), D("1500.00")]
    seeded.position.refresh_from_db()
    assert seeded.position.receivable_balance == D("3500.00")


def test_finance_rejects_a_slip_with_a_reason(client, net, seeded):
    pending = services.payment_submit_slip(
        actor=net.dealer1_admin,
        position=seeded.position,
        amount="500",
        received_on=timezone.localdate(),
        reference="x",
    )
    client.force_login(seeded.fin)
    base = f"/finance/positions/{seeded.position.pk}/payments/{pending.pk}"
    assert client.post(f"{base}/reject/", {"reason": ""}).status_code == 302
    assert Payment.objects.get(pk=pending.pk).status == "pending"
    assert client.post(f"{base}/reject/", {"reason": "未到账"}).status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.note) == ("rejected", "未到账")
    assert client.post(f"{base}/confirm/").status_code == 302  # refused with a message
    assert Payment.objects.get(pk=pending.pk).status == "rejected"


def test_new_credit_profile_opens_a_position(client, net, seeded):
    client.force_login(seeded.fin)
    form = {
        "seller": net.dist1.pk,
        "credit_limit": "3000",
        "payment_term_days": "0",
        "overdue_days": "30",
        "overdue_mode": "block",
    }
    foreign = client.post("/finance/profiles/new/", {**form, "buyer": "DL-GZ1"})
    assert foreign.status_code == 200
    assert foreign.context["form"].errors["buyer"]
    assert not Position.objects.filter(buyer=net.dealer3).exists()
    created = client.post("/finance/profiles/new/", {**form, "buyer": "DL-NB1"})
    position = Position.objects.get(buyer=net.dealer2, seller=net.dist1)
    assert created["Location"] == f"/finance/positions/{position.pk}/"
    assert (position.credit_limit, position.overdue_mode) == (D("3000.00"), "block")
    client.force_login(net.dealer1_admin)
    page = client.get("/finance/profiles/new/")  # a dealer manages its own buyers' credit
    assert [c[0] for c in page.context["form"].fields["seller"].choices] == [net.dealer1.pk]


def test_list_status_matches_the_credit_check(client, net, seeded):
    fin = seeded.fin
    blocked = services.invoice_post(actor=fin, buyer=net.dealer2, seller=net.dist1, amount="100")
    normal = services.credit_profile_set(
        actor=fin, buyer=net.store1, seller=net.dealer1, data={"credit_limit": "1000"}
    )
    client.force_login(fin)
    rows = client.get("/finance/").context["rows"]
    by_code = {n.position.buyer.code: n for n in rows}
    assert {code: n.status for code, n in by_code.items()} == {
        "DL-HZ1": "on_hold",
        "DL-NB1": "blocked",
        "S-HZ1": "normal",
    }
    for n in rows:
        decision = selectors.credit_check(position=n.position, amount=D("0"))
        assert (n.outcome, n.temporary, n.available, n.overdue_amount, n.max_days_overdue) == (
            decision.outcome,
            decision.temporary,
            decision.available,
            decision.overdue_amount,
            decision.max_days_overdue,
        )
    assert by_code["DL-NB1"].available == D("-100.00")
    assert normal.pk in {n.position.pk for n in rows}
    assert blocked.position_id in {n.position.pk for n in rows}


def test_position_list_runs_a_constant_number_of_queries(client, net):
    fin = f.member(net.dist1, "finance", username="fin1")
    now, today = timezone.now(), timezone.localdate()

    def open_position(buyer):  # type: ignore[no-untyped-def]
        position = services.credit_profile_set(
            actor=fin, buyer=buyer, seller=net.dist1, data={"credit_limit": "5000"}
        )
        services.invoice_post(
            actor=fin,
            buyer=buyer,
            seller=net.dist1,
            amount="100",
            issued_on=today - timedelta(days=40),
        )
        services.temporary_limit_grant(
            actor=fin,
            position=position,
            amount="10",
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=1),
            reason="r",
        )

    open_position(net.dealer1)
    open_position(net.dealer2)
    client.force_login(fin)
    client.get("/finance/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/finance/")
    assert len(page.context["rows"]) == 2
    for _ in range(10):
        open_position(f.org(net.dist1, "dealer"))
    with CaptureQueriesContext(connection) as many:
        page = client.get("/finance/")
    assert len(page.context["rows"]) == 12
    assert {n.status for n in page.context["rows"]} == {"on_hold"}
    assert {n.temporary for n in page.context["rows"]} == {D("10.00")}
    assert len(many.captured_queries) == len(few.captured_queries)


def test_ageing_page_totals_and_region_drill_down(client, net, seeded):
    services.invoice_post(
        actor=net.admin,
        buyer=net.dealer3,
        seller=net.dist2,
        amount="700",
        issued_on=timezone.localdate() - timedelta(days=100),
    )
    client.force_login(net.admin)
    page = client.get("/finance/ageing/")
    assert [str(v) for v in page.context["totals"]] == [
        "1500.00",
        "2000.00",
        "2000.00",
        "0.00",
        "700.00",
    ]
    assert page.context["total"] == D("6200.00")
    assert [o.code for o in page.context["children"]] == ["R-EAST", "R-SOUTH"]
    south = client.get("/finance/ageing/", {"org": "R-SOUTH"})
    assert [r["position__buyer__code"] for r, _v, _t in south.context["rows"]] == ["DL-GZ1"]
    assert south.context["total"] == D("700.00")
    assert [o.code for o in south.context["children"]] == ["D-GZ"]
    east = client.get("/finance/ageing/", {"org": "R-EAST"})
    assert east.context["total"] == D("5500.00")
    client.force_login(seeded.fin)  # dist1's finance: its own buyers only
    assert client.get("/finance/ageing/").context["total"] == D("5500.00")
    assert client.get("/finance/ageing/", {"org": "R-SOUTH"}).status_code == 404


def test_overdue_page_lists_days_overdue(client, net, seeded):
    client.force_login(seeded.fin)
    page = client.get("/finance/overdue/")
    assert [(i.number, days) for i, days in page.context["rows"]] == [
        (seeded.old.number, 45),
        (seeded.mid.number, 5),
    ]
    assert page.context["total"] == D("4000.00")


def test_menu_and_home_widget(client, net, seeded):
    clerk = f.member(net.store1, "store_clerk", username="clerk")
    keeper = f.member(net.dist1, "warehouse_clerk", username="keeper")
    assert "finance:position_list" in [e.url_name for e in entries_for(clerk)]
    assert "finance:position_list" not in [e.url_name for e in entries_for(keeper)]
    assert client.get("/finance/").status_code == 302
    client.force_login(keeper)
    assert client.get("/finance/").status_code == 403
    assert client.get("/finance/overdue/").status_code == 403
    with translation.override("en"):
        widgets = {w.title: w for w in widgets_for(seeded.fin)}
    overdue = widgets["Overdue receivables"]
    assert (overdue.value, overdue.hint, overdue.url) == (
        "¥4,000.00",
        "1 buyer overdue",
        "/finance/overdue/",
    )
    assert not [w for w in widgets_for(clerk) if w.url == "/finance/overdue/"]
