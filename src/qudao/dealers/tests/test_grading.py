"""Grading: each dimension's arithmetic on a small history arranged through the orders,
inventory and finance services (then dated into last year), the proposed grade's thresholds,
the brand's weights, the confirmation that sets grades, and a run whose number of queries does
not grow with the number of dealers."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.dealers.models import GradeTerms, GradingResult, GradingRun, GradingWeight
from qudao.dealers.selectors.grading import Figures, TargetFigures, complete_quarters
from qudao.dealers.services import contracts as contract_services
from qudao.dealers.services import grading as services
from qudao.dealers.services._common import DealerInvalid
from qudao.finance import services as finance
from qudao.finance.models import Invoice, Position
from qudao.inventory import services as inventory
from qudao.inventory.models import StockMove
from qudao.inventory.tests import factories as inv
from qudao.network import services as network
from qudao.network.models import Org
from qudao.network.tests import factories as f
from qudao.orders import services as orders
from qudao.orders.models import Order
from qudao.orders.services import ShipLine
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
SH = ZoneInfo("Asia/Shanghai")
Y = timezone.localdate().year - 1  # last year: the graded period
START, END = date(Y, 1, 1), date(Y, 12, 31)
DAYS = (END - START).days + 1


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


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=SH)


def backdate_order(order: Order, day: date) -> None:
    Order.objects.filter(pk=order.pk).update(placed_at=at(day))


def backdate_new_moves(warehouse, day: date) -> None:
    """The warehouse's moves made just now (by the services) happened on `day`."""
    StockMove.objects.filter(
        warehouse=warehouse, created_at__gte=at(END) + timedelta(days=1)
    ).update(created_at=at(day))


def ship_pads(w, order, qty: int, day: date) -> Invoice:
    """Ship and receive `qty` pads of the order on `day`; its invoice is issued then."""
    line = order.lines.get(sku=w.pad)
    shipment = orders.shipment_post(actor=w.clerk, order=order, lines=[ShipLine(line.pk, qty)])
    orders.receipt_confirm(actor=w.buyer, shipment=shipment)
    backdate_new_moves(w.buyer_wh, day)
    invoice = shipment.invoice
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=day, due_on=day + timedelta(days=30))
    invoice.refresh_from_db()
    return invoice


def pay(w, amount: str, day: date) -> None:
    position = Position.objects.get(buyer=w.net.dealer1, seller=w.net.dist1)
    finance.payment_record(
        actor=w.fin, position=position, amount=amount, method="bank_transfer", received_on=day
    )


@pytest.fixture
def history(records, w, net, channel, cat):
    """Last year of 杭州迅达 (dealer1), 宁波飞跃 (dealer2) and 广州迅力 (dealer3):
    - dealer1's contract with dist1: Q1 ¥10,000; Q2 20 units; Q3 ¥2,000 and 10 units of parts;
    - dealer1 ordered 2 scooters and 12 pads (¥3,960) on 15 Feb and 24 pads (¥672) on 10 May;
      the pads arrived on 1 Mar and 1 Jun (36 units), invoiced ¥360 due 31 Mar and ¥672 due
      1 Jul, paid on 20 Mar (on time) and 15 Jul (late); it sold 30 pads on 1 Jul (6 left);
    - dealer2 (no contract, no warehouse) ordered 12 pads (¥360) on 1 Aug, not shipped;
    - dealer3 bought nothing."""
    contract = contract_services.contract_create(
        actor=channel,
        org=net.dealer1,
        data={"year": Y},
        targets=[
            {"quarter": 1, "amount": "10000"},
            {"quarter": 2, "units": 20},
            {"quarter": 3, "amount": "2000", "units": 10, "category": cat["parts"].pk},
        ],
    )
    contract_services.contract_activate(actor=channel, contract=contract)
    first = of.placed(w)
    backdate_order(first, date(Y, 2, 15))
    second = of.placed(w, [("BP-01-STD", 24)])
    backdate_order(second, date(Y, 5, 10))
    ship_pads(w, first, 12, date(Y, 3, 1))
    ship_pads(w, second, 24, date(Y, 6, 1))
    pay(w, "360", date(Y, 3, 20))
    pay(w, "672", date(Y, 7, 15))
    inventory.sellout_record(
        actor=net.dealer1_admin,
        org=net.dealer1,
        rows=[inventory.SellOutRow(date(Y, 7, 1), w.pad, 30)],
    )
    backdate_new_moves(w.buyer_wh, date(Y, 7, 1))
    finance.credit_profile_set(
        actor=w.fin, buyer=net.dealer2, seller=net.dist1, data={"credit_limit": "5000"}
    )
    third = of.placed(w, [("BP-01-STD", 12)], buyer=net.dealer2, actor=net.dealer2_admin)
    backdate_order(third, date(Y, 8, 1))
    return net


def run(actor, net):
    return services.grading_run_create(
        actor=actor, brand=net.hq, period_start=START, period_end=END
    )


def results(run_):
    return {r.org.code: r for r in run_.results.select_related("org")}


# --- the dimensions -------------------------------------------------------------------------


def test_each_dimension_on_a_year_of_history(history, channel):
    graded = run(channel, history)
    rows = results(graded)
    hz = rows["DL-HZ1"]
    # attainment: Q1 3960/10000 = 0.396, Q2 24 ≥ 20 units → 1, Q3 nothing → 0; mean 46.53
    # sell-through: 30 sold of 36 received; cover: 6 ÷ (30 × 30 / 365) = 2.4 months → 90
    # payment: ¥360 of ¥1,032 due settled by the due date
    assert (hz.attainment, hz.sell_through, hz.payment, hz.inventory, hz.service) == (
        D("46.53"),
        D("83.33"),
        D("34.88"),
        D("90.00"),
        D("80.00"),
    )
    # (35 × 46.53 + 20 × 83.33 + 25 × 34.88 + 20 × 90) / 100; service weighs 0 by default
    assert (hz.total, hz.proposed_grade, hz.previous_grade, hz.grade) == (D("59.67"), "C", "", "")
    assert hz.figures == {
        "targets": 3,
        "target_amount": "12000.00",
        "achieved_amount": "3960.00",
        "sell_in": "4632.00",
        "median_sell_in": "360.00",
        "received": 36,
        "sold_out": 30,
        "on_hand": 6,
        "months_of_cover": "2.4",
        "due": "1032.00",
        "on_time": "360.00",
    }
    nb, gz = rows["DL-NB1"], rows["DL-GZ1"]
    # no contract: sell-in against the median sell-in (¥360 of 4632, 360, 0); no stock and no
    # invoices due: those dimensions are left out and the total is the attainment alone
    assert (nb.attainment, nb.sell_through, nb.payment, nb.inventory, nb.total) == (
        D("100.00"),
        None,
        None,
        None,
        D("100.00"),
    )
    assert (gz.attainment, gz.total, gz.proposed_grade) == (D("0.00"), D("0.00"), "D")
    assert nb.proposed_grade == "A"
    assert (graded.status, graded.period_start, graded.period_end) == ("proposed", START, END)
    assert graded.weights == {
        "attainment": "35",
        "sell_through": "20",
        "payment": "25",
        "inventory": "20",
        "service": "0",
    }
    assert AuditEvent.objects.filter(action="grading.run_created").count() == 1
    assert OutboxEvent.objects.filter(topic="dealer.grading_proposed").count() == 1


def test_an_order_after_the_period_and_a_cancelled_one_do_not_count(history, w, channel):
    later = of.placed(w, [("BP-01-STD", 12)])  # this year
    cancelled = of.placed(w, [("BP-01-STD", 12)])
    orders.order_cancel(actor=w.buyer, order=cancelled)
    backdate_order(cancelled, date(Y, 2, 1))
    hz = results(run(channel, history))["DL-HZ1"]
    assert (hz.figures["sell_in"], hz.attainment) == ("4632.00", D("46.53"))
    assert later.status == "approved"


def test_brand_weights_change_the_total(history, channel):
    services.grading_weights_set(
        actor=channel,
        brand=history.hq,
        weights={"attainment": "50", "sell_through": "0", "payment": "50", "inventory": 0},
    )
    hz = results(run(channel, history))["DL-HZ1"]
    assert hz.total == D("40.71")  # (46.53 + 34.88) / 2, rounded half up
    assert GradingWeight.objects.filter(brand=history.hq).count() == 5


def test_scoring_rules_at_their_edges():
    figs = Figures(org_id=1, grade="")
    assert services.sell_through_score(figs) is None  # nothing moved
    figs.sold_out = 5
    assert services.sell_through_score(figs) == D("100.00")  # sold from older stock
    figs.received, figs.sold_out = 10, 25
    assert services.sell_through_score(figs) == D("100.00")  # capped
    figs.stock_known, figs.on_hand, figs.sold_out = True, 10, 0
    assert services.inventory_score(figs, 365) == D("0.00")  # stock and no sell-out
    figs.on_hand = 0
    assert services.inventory_score(figs, 365) == D("100.00")
    figs.on_hand, figs.sold_out = 60, 120  # 10 a month: 6 months of cover
    assert services.inventory_score(figs, 360) == D("0.00")
    figs.on_hand = 40  # 4 months
    assert services.inventory_score(figs, 360) == D("50.00")
    figs.targets = [TargetFigures(D("1000"), 10, D("1500"), 5)]  # 1 and 0.5 → 0.75
    assert services.attainment_score(figs, D("0")) == D("75.00")
    figs.targets = []
    figs.sell_in = D("500")
    assert services.attainment_score(figs, D("0")) == D("100.00")
    assert services.attainment_score(figs, D("2000")) == D("25.00")
    assert services.total_score(
        {"attainment": D("50"), "payment": None}, {"attainment": D("35"), "payment": D("65")}
    ) == D("50.00")
    assert complete_quarters(date(2025, 2, 1), date(2026, 1, 31)) == [
        (2025, 2),
        (2025, 3),
        (2025, 4),
    ]


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (D("100"), "A"),
        (D("85"), "A"),
        (D("84.99"), "B"),
        (D("70"), "B"),
        (D("55"), "C"),
        (D("54.99"), "D"),
        (D("0"), "D"),
    ],
)
def test_default_thresholds(total, grade):
    assert services.proposed_grade(total, []) == grade


def test_the_brands_grade_terms_set_the_thresholds(records, net, channel):
    for grade, score in (("A", 90), ("B", 75), ("C", 50)):
        GradeTerms.objects.create(brand=net.hq, grade=grade, min_score=score, credit_limit=0)
    from qudao.dealers.selectors.grading import thresholds_for

    table = thresholds_for(net.hq)
    assert table == [("A", D("90.00")), ("B", D("75.00")), ("C", D("50.00"))]
    assert [services.proposed_grade(D(t), table) for t in ("89.99", "75", "50", "49")] == [
        "B",
        "B",
        "C",
        "D",
    ]


def test_bad_weights_are_refused_and_nothing_is_written(records, net, channel):
    before = (GradingWeight.objects.count(), AuditEvent.objects.count())
    for weights, code in (
        ({"attainment": 50, "payment": 40}, "weights_sum_invalid"),
        ({"attainment": 120}, "weight_invalid"),
        ({"attainment": "x", "payment": 100}, "weight_invalid"),
    ):
        with pytest.raises(DealerInvalid) as refused:
            services.grading_weights_set(actor=channel, brand=net.hq, weights=weights)
        assert refused.value.code == code
    with pytest.raises(NotFound):  # grading is the brand's
        services.grading_weights_set(actor=net.region_east, brand=net.hq, weights={"payment": 100})
    assert (GradingWeight.objects.count(), AuditEvent.objects.count()) == before


# --- confirmation ---------------------------------------------------------------------------


def test_confirming_all_sets_every_dealers_grade(history, channel):
    graded = run(channel, history)
    confirmed = services.grading_confirm(actor=channel, run=graded)
    assert (confirmed.status, confirmed.confirmed_at is not None) == ("confirmed", True)
    grades = dict(Org.objects.filter(kind="dealer").values_list("code", "grade"))
    assert grades == {"DL-HZ1": "C", "DL-NB1": "A", "DL-GZ1": "D"}
    assert set(GradingResult.objects.values_list("grade", "confirmed_by")) == {
        ("C", channel.pk),
        ("A", channel.pk),
        ("D", channel.pk),
    }
    audit = AuditEvent.objects.get(action="grading.confirmed")
    assert audit.changes["grades"][1] == ["DL-GZ1: — → D", "DL-HZ1: — → C", "DL-NB1: — → A"]
    assert AuditEvent.objects.filter(
        action="org.updated", object_id=str(history.dealer1.pk)
    ).exists()
    before = (AuditEvent.objects.count(), list(GradingResult.objects.values_list("grade")))
    with pytest.raises(services.RunConfirmed) as refused:
        services.grading_confirm(actor=channel, run=graded)
    assert refused.value.code == "grading_run_confirmed"
    assert (AuditEvent.objects.count(), list(GradingResult.objects.values_list("grade"))) == before


def test_a_manager_confirms_some_dealers_with_another_grade(history, channel):
    network.org_update(actor=f.system_actor(), org=history.dealer3, data={"grade": "D"})
    graded = run(channel, history)
    hz, gz = history.dealer1.pk, history.dealer3.pk
    services.grading_confirm(actor=channel, run=graded, grades={hz: "B", gz: ""})
    graded.refresh_from_db()
    assert graded.status == "proposed"  # dealer2 is still open
    rows = results(graded)
    assert (rows["DL-HZ1"].grade, rows["DL-GZ1"].grade, rows["DL-NB1"].grade) == ("B", "D", "")
    assert Org.objects.get(pk=hz).grade == "B"
    audit = AuditEvent.objects.get(action="grading.confirmed")
    # dealer3 already was D: no change to its org
    assert audit.changes["grades"][1] == ["DL-HZ1: — → B"]
    assert audit.changes["overridden"][1] == ["DL-HZ1"]
    before = (AuditEvent.objects.count(), sorted(GradingResult.objects.values_list("pk", "grade")))
    for grades, code in (
        ({hz: "A"}, "grading_result_unknown"),
        ({history.dealer2.pk: "Z"}, "invalid_grade"),
    ):
        with pytest.raises(DealerInvalid) as refused:
            services.grading_confirm(actor=channel, run=graded, grades=grades)
        assert refused.value.code == code
    assert (
        AuditEvent.objects.count(),
        sorted(GradingResult.objects.values_list("pk", "grade")),
    ) == before
    services.grading_confirm(actor=channel, run=graded)
    graded.refresh_from_db()
    assert graded.status == "confirmed"
    assert Org.objects.get(pk=history.dealer2.pk).grade == "A"


def test_only_the_brands_dealer_managers_grade(records, net, channel):
    with pytest.raises(NotFound):
        services.grading_run_create(actor=net.dealer1_admin, brand=net.hq)
    hq_finance = f.member(net.hq, "finance", username="hq-fin")
    with pytest.raises(PermissionDenied):
        services.grading_run_create(actor=hq_finance, brand=net.hq)
    assert not GradingRun.objects.exists()


# --- a fixed number of queries --------------------------------------------------------------


def _arrange_dealer(channel, org, seller, n: int) -> None:
    """A contract with a target, stock received, an invoice and its payment."""
    contract = contract_services.contract_create(
        actor=channel, org=org, data={"year": Y}, targets=[{"quarter": 2, "amount": "1000"}]
    )
    contract_services.contract_activate(actor=channel, contract=contract)
    wh = inv.warehouse(org, f"G-WH{n}")
    from qudao.catalog.models import Sku

    inv.receive(wh, (Sku.objects.get(code="BP-01-STD"), 10 + n))
    fin = f.member(seller, "finance", username=f"g-fin{n}")
    finance.credit_profile_set(actor=fin, buyer=org, seller=seller, data={"credit_limit": "9000"})
    invoice = finance.invoice_post(actor=fin, buyer=org, seller=seller, amount="100")
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=date(Y, 5, 1), due_on=date(Y, 5, 31))
    finance.payment_record(
        actor=fin,
        position=Position.objects.get(buyer=org, seller=seller),
        amount="100",
        method="cash",
        received_on=date(Y, 5, 20),
    )


def test_the_run_issues_the_same_queries_for_2_and_5_dealers(records, net, channel, cat):
    network.org_status_set(actor=f.system_actor(), org=net.dealer3, status="closed")
    for n, org in enumerate((net.dealer1, net.dealer2)):
        _arrange_dealer(channel, org, net.dist1, n)
    run(channel, net)  # the year's first run number creates its counter row
    with CaptureQueriesContext(connection) as two:
        small = run(channel, net)
    assert small.results.count() == 2
    for n in range(3):
        org = f.org(net.dist1, "dealer", code=f"DL-G{n}", name=f"评级测试{n}")
        _arrange_dealer(channel, org, net.dist1, n + 10)
    with CaptureQueriesContext(connection) as five:
        big = run(channel, net)
    assert big.results.count() == 5
    assert len(five) == len(two), [q["sql"][:80] for q in five.captured_queries]
    scores = {r.org.code: (r.attainment, r.payment) for r in big.results.select_related("org")}
    assert scores["DL-G1"] == (D("0.00"), D("100.00"))


# --- pages and API --------------------------------------------------------------------------


def test_the_channel_manager_runs_reviews_and_confirms_on_the_pages(client, history, channel):
    client.force_login(channel)
    listing = client.get(reverse("dealers:grading_list"))
    assert listing.status_code == 200
    made = client.post(
        reverse("dealers:grading_list"),
        {"period_start": START.isoformat(), "period_end": END.isoformat()},
    )
    assert made.status_code == 302
    graded = GradingRun.objects.get()
    detail = reverse("dealers:grading_detail", args=[graded.pk])
    page = client.get(detail, {"sort": "attainment"})
    assert [r.org.code for r in page.context["page"].object_list] == ["DL-NB1", "DL-HZ1", "DL-GZ1"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail, {"sort": "change"}).status_code == 200
    assert len(queries) < 15
    hz = history.dealer1.pk
    client.post(
        reverse("dealers:grading_confirm", args=[graded.pk]), {"org": [hz], f"grade-{hz}": "B"}
    )
    assert Org.objects.get(pk=hz).grade == "B"
    client.post(reverse("dealers:grading_confirm", args=[graded.pk]), {"all": "1"})
    graded.refresh_from_db()
    assert graded.status == "confirmed"
    weights = client.post(
        reverse("dealers:grading_weights"),
        {
            "attainment": "40",
            "sell_through": "20",
            "payment": "20",
            "inventory": "10",
            "service": "5",
        },
    )
    assert weights.status_code == 400  # 95
    assert not GradingWeight.objects.exists()


def test_others_do_not_see_grading(client, history, channel):
    graded = run(channel, history)
    client.force_login(history.dealer1_admin)
    assert client.get(reverse("dealers:grading_list")).status_code == 403
    assert client.get(reverse("dealers:grading_detail", args=[graded.pk])).status_code == 404
    assert (
        client.post(reverse("dealers:grading_confirm", args=[graded.pk]), {"all": "1"}).status_code
        == 404
    )
    assert client.get(f"/api/v1/dealers/grading/runs/{graded.pk}").status_code == 404
    graded.refresh_from_db()
    assert graded.status == "proposed"


def test_api_runs_and_confirms(client, history, channel):
    client.force_login(channel)
    made = client.post(
        "/api/v1/dealers/grading/runs",
        {"period_start": START.isoformat(), "period_end": END.isoformat()},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    row = next(r for r in body["results"] if r["org"]["code"] == "DL-HZ1")
    assert (row["total"], row["proposed_grade"], body["dealers"]) == ("59.67", "C", 3)
    bad = client.post(
        "/api/v1/dealers/grading/runs",
        {"period_start": END.isoformat(), "period_end": START.isoformat()},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "grading_period_invalid")
    done = client.post(
        f"/api/v1/dealers/grading/runs/{body['id']}/confirm",
        {"grades": {str(history.dealer2.pk): "B"}},
        content_type="application/json",
    )
    assert done.json()["confirmed"] == 1
    assert Org.objects.get(pk=history.dealer2.pk).grade == "B"
    weights = client.put(
        "/api/v1/dealers/grading/weights",
        {"attainment": 40, "sell_through": 20, "payment": 20, "inventory": 20},
        content_type="application/json",
    )
    assert weights.json()["attainment"] in ("40.00", 40.0, "40")
    assert client.get("/api/v1/dealers/grading/runs").json()["count"] == 1


def test_the_menu_shows_grading_to_the_brands_dealer_managers(records, net, channel):
    from qudao.core.navigation import entries_for
    from qudao.dealers.views import grading as pages  # noqa: F401  (registers its entry)

    def shown(actor):
        return "dealers:grading_list" in [e.url_name for e in entries_for(actor)]

    assert (shown(channel), shown(net.admin)) == (True, True)
    assert (shown(net.region_east), shown(net.dealer1_admin)) == (False, False)
