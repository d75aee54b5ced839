"""Dealer contracts: drafts with quarterly targets, activation (one active per dealer, seller
and year), renewal, ending, the sweep that ends contracts past their term, and target
attainment to date computed from orders in SQL (accepted orders of the quarter, net of
returns, by category subtree)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from qudao.core.errors import InvalidTransition, NotFound, PermissionDenied
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.dealers.models import Contract, Dealer, Target
from qudao.dealers.selectors import contracts as selectors
from qudao.dealers.services import contracts as services
from qudao.dealers.services._common import DealerInvalid
from qudao.orders import services as orders
from qudao.orders.models import Order
from qudao.orders.services import ReturnLineIn, ShipLine
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


@pytest.fixture
def w(net, cat):
    return of.world(net, cat)


def year() -> int:
    return timezone.localdate().year


def quarter() -> int:
    return (timezone.localdate().month - 1) // 3 + 1


def draft(actor, org, targets=None, **data):
    return services.contract_create(
        actor=actor, org=org, data={"year": data.pop("year", year()), **data}, targets=targets
    )


def state():
    return (
        sorted(Contract.objects.values_list("pk", "status", "year", "grade", "deposit")),
        sorted(Target.objects.values_list("contract_id", "quarter", "amount", "units")),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


# --- drafts ---------------------------------------------------------------------------------


def test_a_draft_has_its_terms_and_targets(records, net, channel, cat):
    contract = draft(
        channel,
        net.dealer1,
        targets=[
            {"quarter": 1, "amount": "100000"},
            {"quarter": 2, "units": 40, "category": cat["bikes"].pk},
            services.TargetIn(quarter=2, amount="50000", units=60),
        ],
        grade="B",
        deposit="20000",
        policies="年度返利 2%",
    )
    assert (contract.status, contract.seller, contract.number[:3]) == ("draft", net.dist1, "CT-")
    assert (contract.starts_on, contract.ends_on) == (date(year(), 1, 1), date(year(), 12, 31))
    assert (contract.grade, contract.deposit, contract.policies) == (
        "B",
        D("20000.00"),
        "年度返利 2%",
    )
    assert list(contract.targets.values_list("quarter", "category__code", "amount", "units")) == [
        (1, None, D("100000.00"), None),
        (2, "C-BIKE", None, 40),
        (2, None, D("50000.00"), 60),
    ]
    audit = AuditEvent.objects.get(action="contract.created")
    assert audit.changes["targets"][1] == ["Q1 ¥100000.00", "Q2 C-BIKE ×40", "Q2 ¥50000.00 ×60"]
    assert OutboxEvent.objects.filter(topic="contract.created").count() == 1


@pytest.mark.parametrize(
    ("targets", "data", "code"),
    [
        ([{"quarter": 5, "amount": "1000"}], {}, "target_quarter_invalid"),
        ([{"quarter": 0, "units": 3}], {}, "target_quarter_invalid"),
        ([{"quarter": 1}], {}, "target_measure_missing"),
        ([{"quarter": 1, "amount": "-5"}], {}, "target_value_invalid"),
        ([{"quarter": 1, "units": 0}], {}, "target_value_invalid"),
        ([{"quarter": 1, "amount": "abc"}], {}, "target_value_invalid"),
        ([{"quarter": 1, "units": 2, "category": 999999}], {}, "target_category_unknown"),
        ([{"quarter": 3, "units": 2}, {"quarter": 3, "amount": "9"}], {}, "target_duplicate"),
        ([], {"starts_on": "2026-06-30", "ends_on": "2026-06-01"}, "contract_term_invalid"),
        ([], {"starts_on": "2026-06-30", "ends_on": "2026-06-30"}, "contract_term_invalid"),
        ([], {"grade": "Z"}, "invalid_grade"),
        ([], {"deposit": "-1"}, "invalid_deposit"),
        ([], {"year": 1999}, "invalid_year"),
    ],
)
def test_bad_contracts_are_refused_and_nothing_is_written(records, channel, targets, data, code):
    before = state()
    with pytest.raises(DealerInvalid) as refused:
        draft(channel, records.dealer1, targets=targets, **data)
    assert refused.value.code == code
    assert state() == before


def test_the_seller_must_sell_to_the_dealer_and_the_actor_manage_it(records, net, channel):
    before = state()
    with pytest.raises(DealerInvalid) as refused:
        draft(channel, net.dealer1, seller=net.dist2.pk)  # 广州一级 does not sell to 杭州迅达
    assert (refused.value.code, refused.value.fields["seller"]) == (
        "seller_invalid",
        ["杭州迅达电动车行 does not buy from this seller."],
    )
    with pytest.raises(PermissionDenied):
        draft(net.dealer1_admin, net.dealer1)
    with pytest.raises(NotFound):
        draft(net.region_east, net.dealer3)
    with pytest.raises(DealerInvalid) as refused:
        draft(channel, net.dist1)
    assert refused.value.code == "not_a_dealer"
    assert state() == before
    # a seller of another kind of goods through a supply link is fine
    from qudao.network.services import supply_link_create

    supply_link_create(actor=net.admin, buyer=net.dealer1, seller=net.hq, kind="parts")
    assert draft(channel, net.dealer1, seller=net.hq.pk).seller == net.hq


def test_a_draft_is_edited_its_targets_replaced(records, net, channel):
    contract = draft(channel, net.dealer1, targets=[{"quarter": 1, "amount": "1000"}])
    services.contract_update(
        actor=channel,
        contract=contract,
        data={"deposit": "5000"},
        targets=[{"quarter": 4, "units": 9}],
    )
    contract.refresh_from_db()
    assert contract.deposit == D("5000.00")
    assert list(contract.targets.values_list("quarter", "units")) == [(4, 9)]
    changes = AuditEvent.objects.get(action="contract.updated").changes
    assert changes["deposit"] == ["0.00", "5000.00"]
    assert changes["targets"] == [["Q1 ¥1000.00"], ["Q4 ×9"]]
    services.contract_update(actor=channel, contract=contract, data={"policies": "新政策"})
    assert contract.targets.count() == 1  # targets kept when not given


# --- activate, renew, end -------------------------------------------------------------------


def test_one_active_contract_per_dealer_seller_and_year(records, net, channel):
    first = draft(channel, net.dealer1, targets=[{"quarter": 1, "amount": "1000"}])
    second = draft(channel, net.dealer1)
    first = services.contract_activate(actor=channel, contract=first)
    assert first.status == "active"
    assert AuditEvent.objects.filter(action="contract.activated").count() == 1
    before = state()
    with pytest.raises(services.ContractAlreadyActive) as refused:
        services.contract_activate(actor=channel, contract=second)
    assert refused.value.code == "contract_already_active"
    assert first.number in refused.value.message
    with pytest.raises(services.ContractNotDraft):
        services.contract_update(actor=channel, contract=first, data={"deposit": "1"})
    with pytest.raises(InvalidTransition):
        services.contract_activate(actor=channel, contract=first)
    assert state() == before
    # another year, or another seller, may have its own; an ended one makes room
    services.contract_activate(actor=channel, contract=draft(channel, net.dealer1, year=year() + 1))
    services.contract_end(actor=channel, contract=first, reason="重签")
    assert services.contract_activate(actor=channel, contract=second).status == "active"


def test_the_database_keeps_one_active_contract_per_year(records, net, channel):
    from django.db import IntegrityError, transaction

    first = services.contract_activate(actor=channel, contract=draft(channel, net.dealer1))
    second = draft(channel, net.dealer1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=second.pk).update(status="active")
    assert Contract.objects.get(pk=first.pk).status == "active"


def test_a_renewal_is_next_years_draft_with_the_same_targets(records, net, channel, cat):
    contract = draft(
        channel,
        net.dealer1,
        targets=[
            {"quarter": 1, "amount": "1000"},
            {"quarter": 3, "units": 5, "category": cat["parts"].pk},
        ],
        grade="A",
        deposit="8000",
        starts_on=date(year(), 3, 1),
        ends_on=date(year() + 1, 2, 28),
    )
    before = state()
    with pytest.raises(DealerInvalid) as refused:
        services.contract_renew(actor=channel, contract=contract)
    assert (refused.value.code, state()) == ("contract_not_active", before)
    services.contract_activate(actor=channel, contract=contract)
    renewal = services.contract_renew(actor=channel, contract=contract)
    assert (renewal.status, renewal.year, renewal.renews_id, renewal.grade, renewal.deposit) == (
        "draft",
        year() + 1,
        contract.pk,
        "A",
        D("8000.00"),
    )
    assert (renewal.starts_on, renewal.ends_on) == (date(year() + 1, 3, 1), date(year() + 2, 2, 28))
    assert list(renewal.targets.values_list("quarter", "category__code", "amount", "units")) == [
        (1, None, D("1000.00"), None),
        (3, "C-PART", None, 5),
    ]
    before = state()
    with pytest.raises(services.ContractAlreadyRenewed) as refused:
        services.contract_renew(actor=channel, contract=contract)
    assert renewal.number in refused.value.message
    assert state() == before


def test_the_sweep_ends_contracts_whose_term_is_over(records, net, channel):
    from qudao.dealers.tasks import dealers_sweep

    old = draft(channel, net.dealer1, year=year() - 1)
    services.contract_activate(actor=channel, contract=old)
    current = services.contract_activate(actor=channel, contract=draft(channel, net.dealer2))
    assert dealers_sweep()["contracts_ended"] == 1
    old.refresh_from_db()
    current.refresh_from_db()
    assert (old.status, current.status) == ("ended", "active")
    assert AuditEvent.objects.get(action="contract.ended").actor is None
    assert services.contracts_expire() == 0


# --- attainment -----------------------------------------------------------------------------


def _ship_pads(w, order, qty):
    line = order.lines.get(sku=w.pad)
    shipment = orders.shipment_post(actor=w.clerk, order=order, lines=[ShipLine(line.pk, qty)])
    orders.receipt_confirm(actor=w.buyer, shipment=shipment)
    return line


def test_attainment_counts_accepted_orders_of_the_quarter_net_of_returns(
    records, w, net, channel, cat
):
    q = quarter()
    contract = draft(
        channel,
        net.dealer1,
        targets=[
            {"quarter": q, "amount": "10000", "units": 20},  # everything
            {"quarter": q, "units": 4, "category": cat["scooters"].pk},
            {"quarter": q, "amount": "5000", "category": cat["bikes"].pk},  # scooters' parent
            {"quarter": q % 4 + 1, "amount": "1000"},  # another quarter
        ],
    )
    counted = of.placed(w)  # approved: 2 grey (3600) + 12 pads (360)
    assert counted.status == "approved"
    of.draft(w, [("TB-S1-GRY", 1)])  # a draft does not count
    cancelled = of.placed(w, [("BP-01-STD", 12)])
    orders.order_cancel(actor=w.buyer, order=cancelled)
    # an order of last year's same quarter does not count either
    old = of.placed(w, [("BP-01-STD", 24)])
    Order.objects.filter(pk=old.pk).update(placed_at=old.placed_at.replace(year=year() - 1))

    def achieved():
        targets = selectors.targets_with_attainment(contract.targets.all()).order_by("id")
        return [(t.achieved_amount, t.achieved_units, t.amount_pct, t.units_pct) for t in targets]

    assert achieved() == [
        (D("3960.00"), 14, D("39.6"), D("70.0")),
        (D("3600.00"), 2, None, D("50.0")),
        (D("3600.00"), 2, D("72.0"), None),
        (D("0.00"), 0, D("0.0"), None),
    ]
    # 2 of the 12 pads come back for credit (2 × 30 = 60)
    pad_line = _ship_pads(w, counted, 12)
    ret = orders.return_request(
        actor=w.buyer,
        order=counted,
        lines=[ReturnLineIn(pad_line.pk, 2)],
        reason_code="surplus",
        reason="多订了",
    )
    ret = orders.return_approve(actor=w.seller_admin, ret=ret)
    ret = orders.return_send(actor=w.buyer, ret=ret)
    orders.return_receive(actor=w.clerk, ret=ret)
    assert achieved()[0] == (D("3900.00"), 12, D("39.0"), D("60.0"))


def test_the_list_reads_attainment_in_two_queries(records, w, net, channel):
    q = quarter()
    for org in (net.dealer1, net.dealer2, net.dealer3):
        draft(
            channel,
            org,
            targets=[{"quarter": q, "amount": "1000"}, {"quarter": q % 4 + 1, "units": 1}],
        )
    of.placed(w, [("BP-01-STD", 12)])
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.contract_list_for_actor(actor=channel))
        targets = {
            c.org.code: {t.quarter: t.achieved_amount for t in c.targets.all()} for c in rows
        }
    assert len(queries) == 2
    assert (targets["DL-HZ1"][q], targets["DL-NB1"][q]) == (D("360.00"), D("0.00"))
    # dealer1's admin sees its own contract only
    own = selectors.contract_list_for_actor(actor=net.dealer1_admin)
    assert [c.org.code for c in own] == ["DL-HZ1"]


# --- pages and API --------------------------------------------------------------------------


def test_a_manager_drafts_and_activates_on_the_pages(client, records, net, channel, cat):
    record = Dealer.objects.get(org=net.dealer1)
    client.force_login(channel)
    new = reverse("dealers:contract_create", args=[record.pk])
    assert client.get(new).status_code == 200
    form = {
        "seller": net.dist1.pk,
        "year": year(),
        "grade": "B",
        "deposit": "10000",
        "targets-TOTAL_FORMS": 4,
        "targets-INITIAL_FORMS": 0,
        "targets-0-quarter": 1,
        "targets-0-amount": "50000",
        "targets-1-quarter": 2,
        "targets-1-category": cat["bikes"].pk,
        "targets-1-units": "30",
    }
    refused = client.post(new, {**form, "targets-2-quarter": 3})  # neither amount nor units
    assert refused.status_code == 400
    assert "Target 3: Give an amount, units or both." in refused.content.decode()
    assert not Contract.objects.exists()
    done = client.post(new, form)
    assert done.status_code == 302
    contract = Contract.objects.get()
    assert list(contract.targets.values_list("quarter", "amount", "units")) == [
        (1, D("50000.00"), None),
        (2, None, 30),
    ]
    detail = client.get(reverse("dealers:contract_detail", args=[contract.pk]))
    assert detail.status_code == 200 and 'data-testid="activate"' in detail.content.decode()
    client.post(reverse("dealers:contract_activate", args=[contract.pk]))
    contract.refresh_from_db()
    assert contract.status == "active"
    client.post(reverse("dealers:contract_renew", args=[contract.pk]))
    assert Contract.objects.get(renews=contract).year == year() + 1
    edit = client.get(reverse("dealers:contract_edit", args=[contract.pk]))
    assert edit.status_code == 302  # an active contract is not edited


def test_a_dealer_admin_reads_its_contract_with_attainment(client, records, w, net, channel):
    contract = draft(channel, net.dealer1, targets=[{"quarter": quarter(), "amount": "7920"}])
    services.contract_activate(actor=channel, contract=contract)
    of.placed(w)
    client.force_login(net.dealer1_admin)
    page = client.get(reverse("dealers:contract_detail", args=[contract.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "¥3960.00 / ¥7920.00" in body and "50.0%" in body
    assert 'data-testid="end"' not in body and 'data-testid="renew"' not in body
    assert client.post(reverse("dealers:contract_end", args=[contract.pk])).status_code == 403
    listed = client.get(reverse("dealers:contract_list"))
    assert [c.pk for c in listed.context["page"].object_list] == [contract.pk]
    record = Dealer.objects.get(org=net.dealer1)
    assert client.get(reverse("dealers:dealer_contracts", args=[record.pk])).status_code == 200
    other = draft(channel, net.dealer3)
    assert client.get(reverse("dealers:contract_detail", args=[other.pk])).status_code == 404
    contract.refresh_from_db()
    assert contract.status == "active"


def test_api_drafts_activates_and_reads_attainment(client, records, w, net, channel):
    client.force_login(channel)
    created = client.post(
        "/api/v1/dealers/contracts",
        {
            "org_id": net.dealer1.pk,
            "deposit": "3000",
            "targets": [{"quarter": quarter(), "amount": "9900", "units": 28}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["seller"]["code"], body["actions"]) == (
        "draft",
        "D-HZ",
        ["activate", "edit"],
    )
    cid = body["id"]
    bad = client.patch(
        f"/api/v1/dealers/contracts/{cid}",
        {"targets": [{"quarter": 7, "units": 1}]},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "target_quarter_invalid")
    active = client.post(f"/api/v1/dealers/contracts/{cid}/activate")
    assert active.json()["status"] == "active"
    of.placed(w)
    target = client.get(f"/api/v1/dealers/contracts/{cid}").json()["targets"][0]
    assert (target["achieved_amount"], target["achieved_units"], target["amount_pct"]) == (
        "3960.00",
        14,
        "40.0",
    )
    again = client.post(
        "/api/v1/dealers/contracts",
        {"org_id": net.dealer1.pk},
        content_type="application/json",
    )
    conflict = client.post(f"/api/v1/dealers/contracts/{again.json()['id']}/activate")
    assert (conflict.status_code, conflict.json()["error"]["code"]) == (
        409,
        "contract_already_active",
    )
    client.force_login(net.dealer3_admin)
    assert client.get(f"/api/v1/dealers/contracts/{cid}").status_code == 404
    assert (
        client.post(
            f"/api/v1/dealers/contracts/{cid}/end", {}, content_type="application/json"
        ).status_code
        == 404
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=SH)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_activations_leave_one_contract_in_force(net, channel):
    """Four drafts of the same dealer, seller and year activated at once: one wins, the
    others are refused with the code (the check, or the unique index behind it)."""
    import queue

    from qudao.core.tests.races import attempt, race

    drafts: queue.Queue[Contract] = queue.Queue()
    for _ in range(4):
        drafts.put(draft(channel, net.dealer1))

    def activate() -> str:
        contract = drafts.get()
        return attempt(lambda: services.contract_activate(actor=channel, contract=contract))

    codes = race(activate, threads=4, per_thread=1)
    assert sorted(codes) == ["contract_already_active"] * 3 + ["ok"]
    assert Contract.objects.filter(status="active").count() == 1


def test_the_menu_shows_contracts_to_managers_and_dealer_admins(records, net, channel):
    from qudao.core.navigation import entries_for
    from qudao.dealers.views import contracts as pages  # noqa: F401  (registers its entry)
    from qudao.network.tests import factories as f

    def shown(actor):
        return "dealers:contract_list" in [e.url_name for e in entries_for(actor)]

    clerk = f.member(net.store1, "store_clerk", username="clerk")
    assert (shown(channel), shown(net.region_east), shown(net.dealer1_admin)) == (True, True, True)
    assert shown(clerk) is False
