"""Promotion pages: the list with filters in a fixed number of queries, a draft's form (kind
by kind, refusals back on the bound form with nothing written), the detail page with its
moves, conflicts, usage and coupons, the simulator, and who may open what (403 without the
right, 404 out of scope, a targeted buyer reads the offer only). Asserts data, context and
status codes, not translated labels."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qudao.core.dashboard import widgets_for
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.core.navigation import entries_for
from qudao.core.spreadsheet import workbook_bytes
from qudao.network.tests import factories as f
from qudao.pricing.tests import factories as pf
from qudao.promotions import services
from qudao.promotions.engine import Use
from qudao.promotions.models import Coupon, Promotion, PromotionProduct, PromotionTarget
from qudao.promotions.services import Doc
from qudao.promotions.tests.factories import live, promo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("en")]
D = Decimal
LIST = reverse("promotions:promotion_list")
SIM = reverse("promotions:simulator")


@pytest.fixture(autouse=True)
def _english_pages(client):
    """Pages in the source language (the user's choice, a cookie), as messages are written."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _state():
    return (
        list(Promotion.objects.order_by("pk").values_list("pk", "status", "name", "rules")),
        PromotionTarget.objects.count(),
        PromotionProduct.objects.count(),
        Coupon.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def _when(days=0, hours=0):
    return (timezone.localtime() + timedelta(days=days, hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _form(**over):
    """A 满减 of dist1 (from ¥5,000, ¥200 off; from ¥10,000, ¥500 off) on bikes, for grade-B
    buyers, from an hour ago for a week."""
    data = {
        "name": "整车满减",
        "kind": "threshold_amount_off",
        "starts_at": _when(hours=-1),
        "ends_at": _when(days=7),
        "priority": "5",
        "table": "5000 200\n10000，500",
        "basis": "amount",
        "grades": ["B"],
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _url(name, p):
    return reverse(f"promotions:{name}", args=[p.pk])


# --- the list -------------------------------------------------------------------------------


def test_list_filters_and_a_fixed_number_of_queries(client, world, cat):
    full = live(
        world.dist1, "threshold_amount_off", {"tiers": [{"threshold": 5000, "amount": 200}]}
    )
    later = promo(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        name="五月九五折",
        sku_ids=[cat["pad"].pk],
        starts_at=timezone.now() + timedelta(days=30),
    )
    client.force_login(world.marketer)
    with CaptureQueriesContext(connection) as two:
        page = client.get(LIST)
    assert page.status_code == 200
    assert [p.pk for p in page.context["page"].object_list] == [later.pk, full.pk]
    assert [s.pk for s in page.context["own_sellers"]] == [world.dist1.pk]
    assert page.context["can_simulate"] is True

    def numbers(**query):
        return [p.pk for p in client.get(LIST, query).context["page"].object_list]

    assert numbers(status="live") == [full.pk]
    assert numbers(kind="percent_off") == [later.pk]
    assert numbers(window="upcoming") == [later.pk]
    assert numbers(window="now") == [full.pk]
    assert numbers(window="past") == []
    assert numbers(q="九五") == [later.pk]
    for n in range(3):
        promo(
            world.dist1, "percent_off", {"percent": "1"}, name=f"多余 {n}", sku_ids=[cat["pad"].pk]
        )
    with CaptureQueriesContext(connection) as five:
        page = client.get(LIST)
    assert len(page.context["page"].object_list) == 5
    assert len(five) == len(two)


def test_nav_entry_and_the_approval_widget(world, cat):
    p = promo(world.dist1, "percent_off", {"percent": "5"}, sku_ids=[cat["pad"].pk])
    services.promotion_submit(actor=world.marketer, promotion=p)
    assert "/promotions/" in [e.url for e in entries_for(world.marketer)]
    assert "/promotions/" in [e.url for e in entries_for(world.dealer1_admin)]  # a buyer
    widget = next(w for w in widgets_for(world.marketer) if w.url.startswith("/promotions/"))
    assert (widget.value, widget.url) == (1, "/promotions/?status=submitted")
    clerk = f.member(world.dist1, "warehouse_clerk", username="dist1-clerk")
    assert "/promotions/" not in [e.url for e in entries_for(clerk)]


# --- drafts ---------------------------------------------------------------------------------


def test_create_a_threshold_promotion_from_the_form(client, world, cat):
    client.force_login(world.marketer)
    url = reverse("promotions:promotion_create") + f"?seller={world.dist1.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert "floor_exempt" not in page.context["form"].fields  # a distributor's promotion
    response = client.post(
        url,
        _form(
            categories=[str(cat["bikes"].pk)],
            buyers="DL-HZ1\nDL-NB1",
            regions="D-HZ",
            divisions="3301",
            channels=["traditional"],
            budget_amount="10000",
            budget_qty="50",
            exclusive="on",
        ),
    )
    p = Promotion.objects.get()
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == _url("promotion_detail", p)
    assert (p.seller, p.status, p.kind, p.name, p.priority) == (
        world.dist1,
        "draft",
        "threshold_amount_off",
        "整车满减",
        5,
    )
    assert p.rules == {
        "basis": "amount",
        "repeat": False,
        "max_times": None,
        "tiers": [
            {"threshold": "5000", "amount": "200"},
            {"threshold": "10000", "amount": "500"},
        ],
    }
    assert (p.budget_amount, p.budget_qty, p.exclusive, p.floor_exempt) == (
        D("10000.00"),
        50,
        True,
        False,
    )
    assert sorted(p.targets.values_list("kind", "value", "buyer__code", "region__code")) == [
        ("buyer", "", "DL-HZ1", None),
        ("buyer", "", "DL-NB1", None),
        ("channel", "traditional", None, None),
        ("division", "3301", None, None),
        ("grade", "B", None, None),
        ("region", "", None, "D-HZ"),
    ]
    assert list(p.products.values_list("sku_id", "category_id")) == [(None, cat["bikes"].pk)]
    assert AuditEvent.objects.filter(object_id=str(p.pk), action="promotion.created").count() == 1


@pytest.mark.parametrize(
    "case",
    [
        (
            "special_price",
            {"table": "TB-S1-GRY 1999\nBP-01-STD ¥25.5"},
            lambda c: {"prices": {str(c["grey"].pk): "1999", str(c["pad"].pk): "25.5"}},
        ),
        (
            "tier_price",
            {"table": "10 5%\n20 8%", "skus": "BP-01-STD TB-S1-GRY"},
            lambda c: {
                "tiers": [
                    {"min_qty": 10, "price": None, "percent": "5"},
                    {"min_qty": 20, "price": None, "percent": "8"},
                ]
            },
        ),
        (
            "bundle",
            {"table": "TB-S1-GRY 1\nBP-01-STD 2", "price": "2200"},
            lambda c: {
                "components": [
                    {"sku_id": c["grey"].pk, "qty": 1},
                    {"sku_id": c["pad"].pk, "qty": 2},
                ],
                "price": "2200",
            },
        ),
        (
            "buy_x_get_y",
            {"buy_qty": "10", "gift": "BP-01-STD 1 30", "skus": "BP-01-STD", "max_times": "3"},
            lambda c: {
                "buy_qty": 10,
                "gift": {"sku_id": c["pad"].pk, "qty": 1, "unit_value": "30"},
                "repeat": False,
                "max_times": 3,
            },
        ),
        (
            "threshold_gift",
            {"table": "3000 BP-01-STD 1 30\n3000 TB-S1-GRY 1\n8000 BP-01-STD 4", "basis": "amount"},
            lambda c: {
                "basis": "amount",
                "repeat": False,
                "max_times": None,
                "tiers": [
                    {
                        "threshold": "3000",
                        "gifts": [
                            {"sku_id": c["pad"].pk, "qty": 1, "unit_value": "30"},
                            {"sku_id": c["grey"].pk, "qty": 1, "unit_value": "0"},
                        ],
                    },
                    {
                        "threshold": "8000",
                        "gifts": [{"sku_id": c["pad"].pk, "qty": 4, "unit_value": "0"}],
                    },
                ],
            },
        ),
        (
            "group_buy",
            {"sku": "TB-S1-GRY", "table": "50 1900\n100 1850"},
            lambda c: {
                "sku_id": c["grey"].pk,
                "tiers": [{"min_qty": 50, "price": "1900"}, {"min_qty": 100, "price": "1850"}],
            },
        ),
        (
            "coupon",
            {"percent": "10", "min_spend": "1000", "max_discount": "300"},
            lambda c: {
                "amount": None,
                "percent": "10",
                "min_spend": "1000",
                "max_discount": "300",
            },
        ),
    ],
)
def test_each_kind_from_its_rule_fields_and_back(client, world, cat, case):
    kind, fields, rules = case
    client.force_login(world.marketer)
    url = reverse("promotions:promotion_create") + f"?seller={world.dist1.pk}"
    data = _form(kind=kind, **{"table": None, "basis": None, "grades": None, **fields})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    p = Promotion.objects.get()
    assert p.rules == rules(cat)
    edit = client.get(_url("promotion_edit", p))
    initial = edit.context["form"].initial
    for name, value in fields.items():
        shown = str(initial.get(name, "")).replace("¥", "")
        assert sorted(shown.split()) == sorted(value.replace("¥", "").split()), name


def test_refusals_come_back_on_the_bound_form_and_write_nothing(client, world, cat):
    live(
        world.dist1,
        "threshold_amount_off",
        {"tiers": [{"threshold": "1000", "amount": "50"}]},
        name="独享满减",
        exclusive=True,
    )
    client.force_login(world.marketer)
    url = reverse("promotions:promotion_create") + f"?seller={world.dist1.pk}"
    before = _state()

    def refused(**over):
        response = client.post(url, _form(**over))
        assert response.status_code == 400
        assert _state() == before
        form = response.context["form"]
        return {k: [str(e) for e in v] for k, v in form.errors.items()}

    # the services' refusals, translated, on the field they name
    assert refused(ends_at=_when(hours=-2)) == {"ends_at": ["The end must come after the start."]}
    assert refused(kind="percent_off", table=None, percent="150") == {
        "percent": ["A percentage must be more than 0 and at most 100."]
    }
    assert refused(
        kind="buy_x_get_y", table=None, buy_qty="5", gift="TB-S1-WHT 1", skus="BP-01-STD"
    ) == {"gift": ["Gift SKU TB-S1-WHT is not on sale."]}
    assert refused(exclusive="on")["__all__"][0].startswith("Exclusive promotion PM-")
    assert refused(kind="flash_sale", table="TB-S1-GRY 1800") == {
        "budget_qty": ["A flash sale needs a quantity cap."]
    }
    # what the form itself reads: rows, codes in the network and the catalogue
    assert refused(table="5000 200\n10000 abc") == {"table": ["Row 2: abc is not a number."]}
    assert refused(table="") == {"table": ["This field is required."]}
    assert refused(buyers="DL-HZ1 DL-GZ1 NOPE") == {
        "buyers": ["Not an org code in your network: DL-GZ1、NOPE."]
    }
    assert refused(kind="special_price", table="TB-S1-GRY 1999\nXX-1 5") == {
        "table": ["Unknown SKU code: XX-1."]
    }
    assert refused(kind="percent_off", table=None) == {"percent": ["This field is required."]}
    # a distributor cannot take a line below the brand's floor: the field is not even read
    assert "floor_exempt" not in client.get(url).context["form"].fields


def test_edit_a_draft_and_not_a_live_promotion(client, world, cat):
    draft = promo(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        name="配件",
        category_ids=[cat["parts"].pk],
        targets=[{"kind": "buyer", "buyer": world.dealer1.pk}, {"kind": "grade", "value": "B"}],
    )
    client.force_login(world.marketer)
    page = client.get(_url("promotion_edit", draft))
    initial = page.context["form"].initial
    assert (initial["percent"], initial["buyers"], initial["grades"]) == ("5", "DL-HZ1", ["B"])
    assert initial["categories"] == [str(cat["parts"].pk)]
    data = {**_form(kind="percent_off", table=None, percent="8", name="配件九二折")}
    data.update(buyers="DL-NB1", categories=[str(cat["parts"].pk)])
    response = client.post(_url("promotion_edit", draft), data)
    assert response.status_code == 302, response.context["form"].errors
    draft.refresh_from_db()
    assert (draft.name, draft.rules) == ("配件九二折", {"percent": "8"})
    assert list(draft.targets.order_by("kind").values_list("kind", "buyer__code", "value")) == [
        ("buyer", "DL-NB1", ""),
        ("grade", None, "B"),
    ]
    running = live(world.dist1, "percent_off", {"percent": "3"}, sku_ids=[cat["pad"].pk])
    before = _state()
    response = client.post(_url("promotion_edit", running), data)
    assert response.status_code == 302
    assert response["Location"] == _url("promotion_detail", running)
    assert _state() == before


# --- one promotion and its moves ------------------------------------------------------------


def test_lifecycle_from_the_page(client, world, cat):
    p = promo(world.dist1, "percent_off", {"percent": "5"}, sku_ids=[cat["pad"].pk])
    client.force_login(world.marketer)

    def actions():
        return client.get(_url("promotion_detail", p)).context["actions"]

    assert actions() == {"edit", "submit", "copy"}
    assert client.post(_url("promotion_submit", p)).status_code == 302
    assert actions() == {"approve", "reject", "copy"}
    # sending back needs a reason: the bound form again, nothing changed
    before = _state()
    refused = client.post(_url("promotion_reject", p), {"comment": ""})
    assert refused.status_code == 400
    assert refused.context["open_form"] == "reject_form"
    assert refused.context["reject_form"].errors == {"comment": ["This field is required."]}
    assert _state() == before
    # a move the status does not allow (a stale page): refused with a message, no change
    assert client.post(_url("promotion_pause", p)).status_code == 302
    assert _state() == before
    assert client.post(_url("promotion_approve", p), {"comment": "同意"}).status_code == 302
    p.refresh_from_db()
    assert (p.status, p.decision_comment, p.decided_by) == ("approved", "同意", world.marketer)
    assert actions() == {"publish", "reject", "end", "copy"}
    assert client.post(_url("promotion_publish", p)).status_code == 302
    assert actions() == {"pause", "end", "copy"}
    assert client.post(_url("promotion_pause", p)).status_code == 302
    assert actions() == {"resume", "end", "copy"}
    assert client.post(_url("promotion_resume", p)).status_code == 302
    assert client.post(_url("promotion_end", p)).status_code == 302
    assert actions() == {"copy"}
    p.refresh_from_db()
    assert p.status == "ended"
    timeline = [e.action for e in client.get(_url("promotion_detail", p)).context["audit"]]
    assert timeline == [
        "promotion.ended",
        "promotion.resumed",
        "promotion.paused",
        "promotion.published",
        "promotion.approved",
        "promotion.submitted",
        "promotion.created",
    ]
    copied = client.post(_url("promotion_copy", p))
    copy = Promotion.objects.get(origin=p)
    assert copied["Location"] == _url("promotion_edit", copy)
    assert (copy.status, copy.version, copy.rules) == ("draft", 2, {"percent": "5"})


def test_who_may_open_what(client, world, cat):
    p = live(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        sku_ids=[cat["pad"].pk],
        targets=[{"kind": "grade", "value": "B"}],
        budget_amount="1000",
    )
    draft = promo(world.dist1, "percent_off", {"percent": "9"}, sku_ids=[cat["pad"].pk])
    clerk = f.member(world.dist1, "warehouse_clerk", username="dist1-clerk")
    before = _state()
    # a targeted buyer reads the live offer only: no targets, budget, usage or moves
    client.force_login(world.dealer1_admin)
    assert [x.pk for x in client.get(LIST).context["page"].object_list] == [p.pk]
    page = client.get(_url("promotion_detail", p))
    assert page.status_code == 200
    assert (page.context["d"].seller_side, page.context["actions"]) == (False, set())
    assert "usage" not in page.context and page.context["d"].targets == []
    assert client.get(_url("promotion_detail", draft)).status_code == 404
    assert client.post(_url("promotion_pause", p)).status_code == 403
    assert client.get(_url("promotion_edit", p)).status_code == 403
    # dealer2 (grade A) is not targeted: the live one does not exist for it
    client.force_login(world.dealer2_admin)
    assert client.get(_url("promotion_detail", p)).status_code == 404
    # outside the seller's subtree: 404 for everything
    client.force_login(world.dealer3_admin)
    for name in ("promotion_detail", "promotion_edit"):
        assert client.get(_url(name, draft)).status_code == 404
    for name in ("promotion_submit", "promotion_copy", "coupon_issue"):
        assert client.post(_url(name, draft)).status_code == 404
    # the region manager sees its distributor's promotions, changes nothing
    client.force_login(world.region_east)
    page = client.get(_url("promotion_detail", draft))
    assert (page.status_code, page.context["actions"]) == (200, set())
    assert client.post(_url("promotion_submit", draft)).status_code == 403
    assert client.get(SIM).status_code == 403
    # a warehouse clerk has no business here
    client.force_login(clerk)
    assert client.get(LIST).status_code == 403
    assert _state() == before


def test_detail_shows_conflicts_usage_and_coupons(client, world, cat):
    pad = cat["pad"].pk
    first = live(world.dist1, "percent_off", {"percent": "5"}, name="配件九五折", sku_ids=[pad])
    second = promo(
        world.dist1, "amount_off", {"amount": "2"}, name="刹车片立减", sku_ids=[pad], exclusive=True
    )
    services.promotions_consume(
        actor=world.marketer,
        seller=world.dist1,
        buyer=world.dealer1,
        uses=[Use(first.pk, D("18.00"), 12)],
        doc=Doc("order", "1", "SO-2026-000001"),
    )
    client.force_login(world.marketer)
    page = client.get(_url("promotion_detail", first))
    usage = page.context["usage"]
    assert (usage.orders, usage.buyers, usage.amount, usage.qty) == (1, 1, D("18.00"), 12)
    assert (usage.budget_left, usage.qty_left) == (None, None)
    assert [u.doc_number for u in page.context["uses"]] == ["SO-2026-000001"]
    conflicts = client.get(_url("promotion_detail", second)).context["conflicts"]
    assert [(o.promotion.pk, o.sku_codes, o.blocking) for o in conflicts] == [
        (first.pk, ("BP-01-STD",), False)
    ]
    assert "coupons" not in page.context

    coupon = live(world.dist1, "coupon", {"amount": "50", "min_spend": "500"}, name="新店券")
    url = _url("coupon_issue", coupon)
    before = _state()
    refused = client.post(url, {"buyers": "DL-HZ1 DL-GZ1", "per_buyer_limit": "1"})
    assert refused.status_code == 400
    assert refused.context["coupon_form"].errors == {
        "buyers": ["Not an org code in your network: DL-GZ1."]
    }
    assert _state() == before
    issued = client.post(url, {"buyers": "DL-HZ1\nDL-NB1", "per_buyer_limit": "2"})
    assert issued.status_code == 302
    shared = client.post(url, {"code": "spring50", "total_limit": "100", "per_buyer_limit": "1"})
    assert shared.status_code == 302
    page = client.get(_url("promotion_detail", coupon))
    rows = [
        (c.buyer.code if c.buyer else "", c.total_limit, c.per_buyer_limit, c.used)
        for c in page.context["coupons"].object_list
    ]
    assert sorted(rows) == [("", 100, 1, 0), ("DL-HZ1", 2, 2, 0), ("DL-NB1", 2, 2, 0)]
    assert "SPRING50" in {c.code for c in page.context["coupons"].object_list}
    assert "issue_coupons" in page.context["actions"]


# --- the simulator --------------------------------------------------------------------------


@pytest.fixture
def priced(world, cat):
    pf.price_list(world.dist1, code="STD", items={cat["grey"]: "2199", cat["pad"]: "30"})
    return {
        "full": live(
            world.dist1,
            "threshold_amount_off",
            {"tiers": [{"threshold": "5000", "amount": "200"}]},
            name="整车满减",
            category_ids=[cat["bikes"].pk],
        ),
        "grade_a": live(
            world.dist1,
            "percent_off",
            {"percent": "8"},
            name="A级八折",
            sku_ids=[cat["pad"].pk],
            targets=[{"kind": "grade", "value": "A"}],
        ),
    }


def test_simulator_prices_the_cart_and_explains(client, world, cat, priced):
    client.force_login(world.marketer)
    page = client.get(SIM)
    assert page.status_code == 200 and page.context["sim"] is None
    response = client.get(
        SIM,
        {"seller": world.dist1.pk, "buyer": "DL-HZ1", "lines": "TB-S1-GRY 3\nBP-01-STD 12 28"},
    )
    assert response.status_code == 200, response.context["form"].errors
    r = response.context["sim"].result
    # 3 × 2199 = 6597 reaches ¥5,000: ¥200 off the bikes; pads at the price given, 12 × 28
    assert (r.gross_total, r.discount_total, r.net_total) == (
        D("6933.00"),
        D("200.00"),
        D("6733.00"),
    )
    assert [(a.label, a.amount) for a in r.lines[0].adjustments] == [("整车满减", D("-200.00"))]
    assert [src for _l, _s, src in response.context["rows"]] == ["STD", ""]
    assert [(n.promotion_id, n.code) for n in r.skipped] == [
        (priced["grade_a"].pk, "grade_not_targeted")
    ]
    below = client.get(SIM, {"seller": world.dist1.pk, "buyer": "DL-HZ1", "lines": "TB-S1-GRY 2"})
    hint = below.context["sim"].result.skipped[0]
    assert (hint.code, hint.message) == ("below_threshold", "Add ¥602.00 more to get ¥200.00 off.")


def test_simulator_refusals(client, world, cat, priced):
    client.force_login(world.marketer)

    def errors(**query):
        response = client.get(SIM, {"seller": world.dist1.pk, **query})
        assert response.status_code == 400
        return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}

    assert errors(buyer="DL-GZ1", lines="TB-S1-GRY 1") == {
        "buyer": ["Not an org code in your network: DL-GZ1."]
    }
    assert errors(buyer="DL-HZ1", lines="TB-S1-GRY 1\nNOPE 2") == {
        "lines": ["Unknown SKU code NOPE."]
    }
    assert errors(buyer="DL-HZ1", lines="TB-S1-WHT 1") == {
        "lines": ["TB-S1-WHT has no price for this buyer; give a unit price after the quantity."]
    }
    assert errors(buyer="DL-HZ1", lines="TB-S1-GRY x") == {
        "lines": ["Row 1: x is not a whole number."]
    }
    # a seller whose promotions the actor does not manage is not offered
    assert "seller" in errors(buyer="DL-HZ1", lines="TB-S1-GRY 1", seller=world.dist2.pk)


def test_named_buyers_from_an_uploaded_list(client, world, cat):
    client.force_login(world.marketer)
    url = reverse("promotions:promotion_create") + f"?seller={world.dist1.pk}"

    def upload(*codes):
        sheet = workbook_bytes(["Org code"], [[c] for c in codes], title="buyers")
        return SimpleUploadedFile("buyers.xlsx", sheet)

    before = _state()
    refused = client.post(url, {**_form(grades=None), "buyers_file": upload("DL-HZ1", "DL-GZ1")})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "buyers": ["Not an org code in your network: DL-GZ1."]
    }
    assert _state() == before
    done = client.post(
        url, {**_form(grades=None), "buyers": "DL-HZ1", "buyers_file": upload("DL-NB1", "DL-HZ1")}
    )
    assert done.status_code == 302, done.context["form"].errors
    p = Promotion.objects.get()
    assert sorted(p.targets.values_list("kind", "buyer__code")) == [
        ("buyer", "DL-HZ1"),
        ("buyer", "DL-NB1"),
    ]
