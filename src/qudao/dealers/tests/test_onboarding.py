"""Onboarding: the checklist the system drives from approval to the first order — each item
in order and refused out of order (nothing written), the deposit posted to finance, the
territory conflict naming the dealer, the ordering hold lifted exactly when the required
items are done, the first approved order completing onboarding through the outbox, the
brand's grade terms; the pages and the API."""

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from qudao.accounts.models import User
from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.core.outbox import outbox_sweep
from qudao.dealers.constants import ITEMS_BEFORE_ORDERING, ItemCode, Stage
from qudao.dealers.models import Dealer, DealerFile, GradeTerms, OnboardingItem, Territory
from qudao.dealers.selectors.onboarding import onboarding_view
from qudao.dealers.services import onboarding as services
from qudao.dealers.tests.factories import dealer_at
from qudao.finance import selectors as finance_selectors
from qudao.finance.models import LedgerEntry, Position
from qudao.network.models import Membership, Org, SupplyLink
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
ORDER = [c.value for c in ItemCode]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def pdf(name: str = "经销合同.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def fin(net):
    """The finance of 杭州绿源 (dist1), the seller of the new dealer."""
    return f.member(net.dist1, "finance", username="d1-finance")


@pytest.fixture
def applicant(net):
    """An approved application placed under dist1 at review."""
    return dealer_at(
        net.hq,
        Stage.APPROVED,
        parent=net.dist1,
        company_name="杭州新锐电动车行",
        contact_name="李新锐",
        contact_phone="13900000077",
        email="xr@example.com",
        intended_territory=["330105", "330106"],
    )


@pytest.fixture
def started(applicant, channel):
    services.onboarding_start(actor=channel, dealer=applicant)
    return applicant


def _fresh(dealer: Dealer) -> Dealer:
    return Dealer.objects.select_related("org", "parent", "brand").get(pk=dealer.pk)


def _done(dealer: Dealer) -> dict[str, bool]:
    return {i.code: i.done_at is not None for i in OnboardingItem.objects.filter(dealer=dealer)}


def _holds(dealer: Dealer) -> list[str]:
    return list(Org.objects.get(pk=_fresh(dealer).org_id).holds)


def _state() -> tuple[Any, ...]:
    return (
        list(Dealer.objects.order_by("pk").values_list("pk", "stage", "org_id")),
        list(OnboardingItem.objects.order_by("pk").values_list("pk", "done_at", "note")),
        list(Org.objects.order_by("pk").values_list("pk", "status", "holds", "grade")),
        SupplyLink.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
        list(
            Position.objects.order_by("pk").values_list(
                "pk", "deposit_balance", "credit_limit", "payment_term_days"
            )
        ),
        LedgerEntry.objects.count(),
        list(Territory.objects.order_by("pk").values_list("pk", "org_id", "district_id")),
        DealerFile.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def do(item: str, dealer: Dealer, actor: Any) -> Any:
    """Run one item's service with plausible input."""
    call = {
        "contract": lambda: services.onboarding_contract(actor=actor, dealer=dealer, upload=pdf()),
        "org": lambda: services.onboarding_org(actor=actor, dealer=dealer),
        "deposit": lambda: services.onboarding_deposit(actor=actor, dealer=dealer, amount="20000"),
        "users": lambda: services.onboarding_users(actor=actor, dealer=dealer, username="xinrui"),
        "price_grade": lambda: services.onboarding_price_grade(
            actor=actor, dealer=dealer, grade="B"
        ),
        "credit": lambda: services.onboarding_credit(
            actor=actor,
            dealer=dealer,
            data={"credit_limit": "50000", "payment_term_days": 30, "overdue_mode": "hold"},
        ),
        "territory": lambda: services.onboarding_territory(
            actor=actor, dealer=dealer, districts=["330105", "330106"]
        ),
    }[item]
    return call()


def onboard(dealer: Dealer, channel: Any, fin: Any, items: list[str] | None = None) -> None:
    for item in items or list(ITEMS_BEFORE_ORDERING):
        do(item, dealer, fin if item in ("deposit", "credit") else channel)


# --- start ------------------------------------------------------------------------------------


def test_start_opens_the_checklist(applicant, channel):
    services.onboarding_start(actor=channel, dealer=applicant)
    assert _fresh(applicant).stage == "onboarding"
    assert list(
        OnboardingItem.objects.filter(dealer=applicant)
        .order_by("id")
        .values_list("code", "required", "done_at")
    ) == [(c, c != "first_order", None) for c in ORDER]
    audit = AuditEvent.objects.filter(action="dealer.onboarding_started").get()
    assert audit.changes == {"stage": ["approved", "onboarding"]}
    assert OutboxEvent.objects.filter(topic="dealer.onboarding_started").count() == 1


def test_start_refused_unless_approved(net, channel):
    prospect = dealer_at(net.hq, Stage.UNDER_REVIEW, parent=net.dist1)
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.onboarding_start(actor=channel, dealer=prospect)
    assert exc.value.code == "invalid_transition"
    assert _state() == before


# --- the items in order -------------------------------------------------------------------------


def test_each_item_in_order_does_what_it_says(net, started, channel, fin):
    dealer = started
    GradeTerms.objects.create(
        brand=net.hq, grade="B", min_score="70", credit_limit="30000", payment_term_days=45
    )

    item = do("contract", dealer, channel)
    stored = DealerFile.objects.get(dealer=dealer)
    assert (stored.kind, stored.name, stored.content_type, stored.file.read()) == (
        "other",
        "经销合同.pdf",
        "application/pdf",
        PDF,
    )
    assert (item.done_by, item.note) == (channel, "经销合同.pdf")

    org = do("org", dealer, channel)
    assert (org.code, org.name, org.kind, org.status, org.holds) == (
        f"DL-{dealer.number.split('-', 1)[1]}",
        "杭州新锐电动车行",
        "dealer",
        "active",
        ["onboarding"],
    )
    assert (org.uscc, org.district_id, org.contact_phone) == (
        dealer.uscc,
        "330105",
        "13900000077",
    )
    assert Org.objects.get_parent(Org.objects.get(pk=org.pk)) == net.dist1
    assert _fresh(dealer).org == org
    assert sorted(SupplyLink.objects.filter(buyer=org).values_list("seller__code", "kind")) == [
        ("D-HZ", "goods"),
        ("HQ", "parts"),
    ]
    outbox_sweep()  # org.created's handler finds the record linked: no second record
    assert Dealer.objects.filter(org=org).count() == 1

    entry = do("deposit", dealer, fin)
    position = Position.objects.get(buyer=org, seller=net.dist1)
    assert (entry.account, entry.kind, entry.amount, entry.balance_after, entry.actor) == (
        "deposit",
        "deposit_received",
        D("20000.00"),
        D("20000.00"),
        fin,
    )
    assert list(position.entries.values_list("account", "amount")) == [("deposit", D("20000.00"))]
    assert (position.deposit_balance, position.prepaid_balance) == (D("20000.00"), D("0.00"))
    assert finance_selectors.ledger_mismatches() == []

    invitation = do("users", dealer, channel)
    user = User.objects.get(username="xinrui")
    assert invitation.user == user and len(invitation.password) >= 12
    assert user.check_password(invitation.password)
    assert (user.display_name, user.mobile, user.email) == ("李新锐", None, "xr@example.com")
    assert list(Membership.objects.filter(org=org).values_list("user__username", "role__code")) == [
        ("xinrui", "dealer_admin")
    ]
    assert invitation.password not in json.dumps(
        list(AuditEvent.objects.values_list("changes", flat=True))
        + list(OutboxEvent.objects.values_list("payload", flat=True)),
        ensure_ascii=False,
    )

    do("price_grade", dealer, channel)
    position.refresh_from_db()
    assert Org.objects.get(pk=org.pk).grade == "B"
    assert (position.credit_limit, position.payment_term_days) == (D("30000.00"), 45)

    do("credit", dealer, fin)
    position.refresh_from_db()
    assert (position.credit_limit, position.payment_term_days, position.overdue_mode) == (
        D("50000.00"),
        30,
        "hold",
    )
    assert _holds(dealer) == ["onboarding"]

    rows = do("territory", dealer, channel)
    assert [(t.org_id, t.district_id, t.category_id, t.exclusive) for t in rows] == [
        (org.pk, "330105", None, True),
        (org.pk, "330106", None, True),
    ]
    assert _holds(dealer) == []
    assert _done(dealer) == {c: c != "first_order" for c in ORDER}
    assert _fresh(dealer).stage == "onboarding"
    who = dict(OnboardingItem.objects.filter(dealer=dealer).values_list("code", "done_by"))
    assert who == {
        "contract": channel.pk,
        "org": channel.pk,
        "deposit": fin.pk,
        "users": channel.pk,
        "price_grade": channel.pk,
        "credit": fin.pk,
        "territory": channel.pk,
        "first_order": None,
    }
    assert list(
        AuditEvent.objects.filter(action="dealer.onboarding_item_done")
        .order_by("id")
        .values_list("changes__item", flat=True)
    ) == [[None, c] for c in ORDER[:-1]]
    assert AuditEvent.objects.filter(action="org.hold_lifted", object_id=str(org.pk)).count() == 1


@pytest.mark.parametrize(
    ("item", "missing"),
    [
        ("org", "contract"),
        ("deposit", "org"),
        ("users", "org"),
        ("price_grade", "org"),
        ("credit", "org"),
        ("territory", "org"),
    ],
)
def test_out_of_order_is_refused_naming_the_missing_item(started, channel, fin, item, missing):
    before = _state()
    with pytest.raises(Conflict) as exc:
        do(item, started, fin if item in ("deposit", "credit") else channel)
    assert exc.value.code == "onboarding_out_of_order"
    assert exc.value.params["missing"][0] == missing
    assert f"“{ItemCode(missing).label}” must be done before" in exc.value.message
    assert _state() == before


def test_org_before_contract_names_the_contract(started, channel):
    with pytest.raises(Conflict) as exc:
        services.onboarding_org(actor=channel, dealer=started)
    assert (
        exc.value.message
        == "“Contract signed” must be done before “Org created with its supply link”."
    )


def test_an_item_is_done_once(started, channel):
    do("contract", started, channel)
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.onboarding_contract(actor=channel, dealer=started, upload=pdf())
    assert exc.value.code == "onboarding_item_done"
    assert _state() == before


def test_items_only_while_onboarding(applicant, channel):
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.onboarding_contract(actor=channel, dealer=applicant, upload=pdf())
    assert exc.value.code == "dealer_not_onboarding"
    assert _state() == before


def test_a_contract_that_is_not_a_pdf_or_image_is_refused(started, channel):
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        services.onboarding_contract(
            actor=channel, dealer=started, upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00 exe")
        )
    assert exc.value.code == "file_type_not_allowed"
    with pytest.raises(ValidationFailed) as missing:
        services.onboarding_contract(actor=channel, dealer=started, upload=None)
    assert missing.value.code == "file_required"
    assert _state() == before


def test_finance_items_are_the_sellers_finances(net, started, channel, fin):
    onboard(started, channel, fin, ["contract", "org"])
    gz_fin = f.member(net.dist2, "finance", username="gz-fin")
    before = _state()
    with pytest.raises(PermissionDenied):  # the channel manager does not post money
        do("deposit", started, channel)
    with pytest.raises(PermissionDenied):
        do("credit", started, channel)
    with pytest.raises(PermissionDenied):  # finance does not invite users
        do("users", started, fin)
    with pytest.raises(NotFound):  # another distributor's finance does not see it
        do("deposit", started, gz_fin)
    with pytest.raises(NotFound):  # nor does a dealer of another subtree
        do("contract", started, net.dealer3_admin)
    assert _state() == before


def test_a_refused_deposit_writes_nothing(started, channel, fin):
    onboard(started, channel, fin, ["contract", "org"])
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        services.onboarding_deposit(actor=fin, dealer=started, amount="0")
    assert exc.value.code == "amount_not_positive"
    assert _state() == before


def test_a_taken_username_or_org_code_writes_nothing(net, started, channel, fin):
    before = _state()
    do("contract", started, channel)
    mid = _state()
    with pytest.raises(Conflict) as code:
        services.onboarding_org(actor=channel, dealer=started, code="DL-HZ1")  # dealer1's
    assert code.value.code == "org_code_taken"
    assert _state() == mid
    do("org", started, channel)
    mid = _state()
    with pytest.raises(Conflict) as user:
        services.onboarding_users(actor=channel, dealer=started, username="dealer1")
    assert user.value.code == "username_taken"
    assert _state() == mid
    assert before != mid


# --- the hold ------------------------------------------------------------------------------------


def test_the_hold_is_lifted_exactly_when_the_required_items_are_done(started, channel, fin):
    order = ["contract", "org", "territory", "credit", "users", "deposit", "price_grade"]
    onboard(started, channel, fin, order[:2])
    for item in order[2:]:
        assert _holds(started) == ["onboarding"], item
        do(item, started, fin if item in ("deposit", "credit") else channel)
    assert _holds(started) == []
    assert _fresh(started).stage == "onboarding"  # the first order completes it


# --- territory -----------------------------------------------------------------------------------


def test_an_exclusive_territory_held_by_another_dealer_is_refused_naming_it(
    net, started, channel, fin
):
    Territory.objects.create(org=net.dealer2, district_id="330106", exclusive=True)
    onboard(started, channel, fin, ["contract", "org"])
    before = _state()
    with pytest.raises(Conflict) as exc:
        do("territory", started, channel)
    assert exc.value.code == "territory_conflict"
    assert exc.value.params["dealer"] == "宁波飞跃电动车行"
    assert exc.value.message == (
        "西湖区 is already an exclusive territory of 宁波飞跃电动车行 (all categories)."
    )
    assert _state() == before
    # a right that is not exclusive may share the district
    rows = services.onboarding_territory(
        actor=channel, dealer=started, districts=["330106"], exclusive=False
    )
    assert [(t.district_id, t.exclusive) for t in rows] == [("330106", False)]


def test_a_category_right_clashes_with_an_all_categories_right(net, started, channel, fin, cat):
    bikes = cat["grey"].product.category
    Territory.objects.create(org=net.dealer2, district_id="330105", category=bikes)
    onboard(started, channel, fin, ["contract", "org"])
    with pytest.raises(Conflict) as exc:  # all categories on 330105 takes 踏板车 too
        services.onboarding_territory(actor=channel, dealer=started, districts=["330105"])
    assert exc.value.code == "territory_conflict"
    assert "宁波飞跃电动车行 (踏板车)" in exc.value.message
    # another category of the same district is free
    parts = cat["pad"].product.category
    rows = services.onboarding_territory(
        actor=channel, dealer=started, districts=["330105"], category=parts.pk
    )
    assert [(t.district_id, t.category_id) for t in rows] == [("330105", parts.pk)]


def test_a_race_the_check_missed_is_caught_by_the_index(net, started, channel, fin, monkeypatch):
    onboard(started, channel, fin, ["contract", "org"])
    Territory.objects.create(org=net.dealer2, district_id="330105", exclusive=True)
    real = services.territory_conflicts
    calls = []

    def blind_first(**kwargs: Any) -> list[Territory]:
        calls.append(1)
        return [] if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(services, "territory_conflicts", blind_first)
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.onboarding_territory(actor=channel, dealer=started, districts=["330105"])
    assert exc.value.code == "territory_conflict"
    assert exc.value.params["dealer"] == "宁波飞跃电动车行"
    assert _state() == before


def test_territory_input_is_checked(started, channel, fin):
    onboard(started, channel, fin, ["contract", "org"])
    before = _state()
    for districts, code in (([], "districts_required"), (["3301", "999999"], "invalid_division")):
        with pytest.raises(ValidationFailed) as exc:
            services.onboarding_territory(actor=channel, dealer=started, districts=districts)
        assert exc.value.code == code
    with pytest.raises(ValidationFailed) as bad:
        services.onboarding_territory(
            actor=channel, dealer=started, districts=["330105"], category=999_999
        )
    assert bad.value.code == "invalid_category"
    assert _state() == before


# --- the first order --------------------------------------------------------------------------


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


def test_the_first_approved_order_completes_onboarding(net, cat, started, channel, fin):
    from qudao.orders import services as orders
    from qudao.orders.tests import factories as of

    of.world(net, cat)  # dist1 prices, stock and approval rules
    onboard(started, channel, fin, ["contract", "org", "deposit"])
    invitation = do("users", started, channel)
    buyer = _fresh(started).org
    with pytest.raises(Conflict) as held:  # the onboarding hold stops a draft
        orders.order_draft_create(
            actor=invitation.user, buyer=buyer, seller=net.dist1, lines=of.CART
        )
    assert held.value.code == "buyer_on_hold"
    onboard(started, channel, fin, ["price_grade", "credit", "territory"])
    order = orders.order_draft_create(
        actor=invitation.user, buyer=buyer, seller=net.dist1, lines=of.CART
    )
    order = orders.order_submit(actor=invitation.user, order=order)
    assert order.status == "approved"
    assert _fresh(started).stage == "onboarding"  # until the outbox delivers
    outbox_sweep()
    dealer = _fresh(started)
    assert dealer.stage == "active"
    item = OnboardingItem.objects.get(dealer=dealer, code="first_order")
    assert (item.done_by, item.note) == (None, order.number)
    activated = AuditEvent.objects.get(action="dealer.activated")
    assert (activated.actor, activated.changes) == (None, {"stage": ["onboarding", "active"]})
    # delivered again (a retry), nothing changes
    services.onboarding_first_order(org_id=buyer.pk, order_number="SO-OTHER")
    assert OnboardingItem.objects.get(dealer=dealer, code="first_order").note == order.number


def test_an_order_of_a_dealer_not_onboarding_changes_nothing(net, records):
    before = _state()
    assert services.onboarding_first_order(org_id=net.dealer1.pk, order_number="SO-1") is None
    assert _state() == before


# --- grade terms and grade_apply ---------------------------------------------------------------


def test_grade_apply_sets_the_grade_and_the_terms_with_the_seller(net, channel):
    services.grade_terms_set(
        actor=channel,
        brand=net.hq,
        rows={
            "A": {"min_score": "85", "credit_limit": "80000", "payment_term_days": 60},
            "B": {"min_score": "70", "credit_limit": "30000", "payment_term_days": 45},
        },
    )
    services.grade_apply(actor=channel, org=net.dealer1, grade="A")
    position = Position.objects.get(buyer=net.dealer1, seller=net.dist1)
    assert (Org.objects.get(pk=net.dealer1.pk).grade, position.credit_limit) == ("A", D("80000.00"))
    assert position.payment_term_days == 60
    audit = AuditEvent.objects.filter(action="credit_profile.updated").get()
    assert audit.changes["rule"] == [None, "Terms of grade A"]
    assert audit.actor == channel
    # a grade without terms sets the grade alone
    services.grade_apply(actor=channel, org=net.dealer1, grade="C")
    position.refresh_from_db()
    assert (Org.objects.get(pk=net.dealer1.pk).grade, position.credit_limit) == ("C", D("80000.00"))


def test_grade_apply_refusals(net, channel):
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        services.grade_apply(actor=channel, org=net.dealer1, grade="Z")
    assert exc.value.code == "invalid_grade"
    with pytest.raises(NotFound):
        services.grade_apply(actor=net.dealer3_admin, org=net.dealer1, grade="A")
    with pytest.raises(PermissionDenied):
        services.grade_apply(actor=net.dealer1_admin, org=net.dealer1, grade="A")
    assert _state() == before


def test_grade_terms_set_keeps_the_grades_in_order(net, channel):
    services.grade_terms_set(
        actor=channel,
        brand=net.hq,
        rows={"A": {"min_score": "85", "credit_limit": "80000", "payment_term_days": 60}},
    )
    before = list(GradeTerms.objects.values_list("grade", "min_score", "credit_limit"))
    with pytest.raises(ValidationFailed) as exc:
        services.grade_terms_set(
            actor=channel,
            brand=net.hq,
            rows={"B": {"min_score": "90", "credit_limit": "1", "payment_term_days": 1}},
        )
    assert exc.value.code == "grade_terms_order"
    for row, code in (
        ({"min_score": "101"}, "invalid_min_score"),
        ({"min_score": "50", "credit_limit": "-1"}, "invalid_limit"),
        ({"min_score": "50", "payment_term_days": 400}, "invalid_days"),
    ):
        with pytest.raises(ValidationFailed) as bad:
            services.grade_terms_set(actor=channel, brand=net.hq, rows={"D": row})
        assert bad.value.code == code
    with pytest.raises(NotFound):  # the brand is outside a region's scope
        services.grade_terms_set(actor=net.region_east, brand=net.hq, rows={"A": None})
    assert list(GradeTerms.objects.values_list("grade", "min_score", "credit_limit")) == before
    services.grade_terms_set(actor=channel, brand=net.hq, rows={"A": None})
    assert GradeTerms.objects.count() == 0
    assert AuditEvent.objects.filter(action="grade_terms.updated").count() == 2


# --- the pages -----------------------------------------------------------------------------------


def test_the_checklist_page_walks_the_items(client, net, started, channel, fin):
    client.force_login(channel)
    url = f"/dealers/{started.pk}/onboarding/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="form-contract"' in html
    assert 'data-testid="grade-terms-link"' in html  # the brand's channel manager sets them
    assert 'data-testid="form-org"' not in html  # waiting for the contract
    refused = client.post(f"{url}org/", {"code": ""})
    assert refused.status_code == 400
    with translation.override("en"):  # the page speaks the reader's language (en here)
        missing = str(ItemCode.CONTRACT.label)
    assert 'data-testid="refusal"' in refused.content.decode()
    assert f"“{missing}”" in refused.content.decode()
    done = client.post(f"{url}contract/", {"file": pdf(), "note": "双方盖章"})
    assert done.status_code == 302
    assert OnboardingItem.objects.get(dealer=started, code="contract").note == (
        "经销合同.pdf · 双方盖章"
    )
    assert client.post(f"{url}org/", {"code": "DL-XR"}).status_code == 302
    page = client.get(url).content.decode()
    assert f'data-testid="who-contract">{channel} · ' in page
    assert 'data-testid="not-yours-deposit"' in page  # the deposit is the seller's finance's
    assert 'data-testid="form-deposit"' not in page
    assert 'data-testid="form-users"' in page
    invited = client.post(
        f"{url}users/", {"username": "xr-admin", "display_name": "李新锐", "mobile": ""}
    )
    assert invited.status_code == 200
    password = invited.context["invitation"].password
    assert f'data-testid="password">{password}<' in invited.content.decode()
    assert password not in client.get(url).content.decode()  # shown once
    client.force_login(fin)
    assert client.get(url).status_code == 200  # the seller's finance works its items
    assert client.post(f"{url}deposit/", {"amount": "8000", "memo": ""}).status_code == 302
    assert Position.objects.get(buyer__code="DL-XR").deposit_balance == D("8000.00")
    assert client.post(f"{url}territory/", {"districts": "330105"}).status_code == 403


def test_the_territory_form_names_the_conflicting_dealer(client, net, started, channel, fin):
    Territory.objects.create(org=net.dealer2, district_id="330105", exclusive=True)
    onboard(started, channel, fin, ["contract", "org"])
    client.force_login(channel)
    response = client.post(
        f"/dealers/{started.pk}/onboarding/territory/",
        {"districts": "330105, 330106", "category": "", "exclusive": "on"},
    )
    assert response.status_code == 400
    assert "宁波飞跃电动车行" in response.content.decode()
    assert Territory.objects.count() == 1


def test_the_start_button(client, applicant, channel):
    client.force_login(channel)
    assert (
        'data-testid="start-submit"'
        in client.get(f"/dealers/{applicant.pk}/onboarding/").content.decode()
    )
    assert client.post(f"/dealers/{applicant.pk}/onboarding/start/").status_code == 302
    assert _fresh(applicant).stage == "onboarding"


def test_the_checklist_reads_in_a_constant_number_of_queries(net, started, channel, fin):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            onboarding_view(actor=channel, dealer_id=started.pk)
        return len(ctx.captured_queries)

    do("contract", started, channel)
    do("org", started, channel)
    few = count()
    onboard(started, channel, fin, ["deposit", "users", "price_grade", "credit", "territory"])
    f.member(_fresh(started).org, "warehouse_clerk", username="xr-clerk")
    assert count() == few


def test_grade_terms_page(client, net, channel):
    client.force_login(channel)
    assert client.get("/dealers/grade-terms/").status_code == 200
    response = client.post(
        "/dealers/grade-terms/",
        {
            "min_score_A": "85",
            "credit_limit_A": "80000",
            "payment_term_days_A": "60",
            "min_score_B": "90",
            "credit_limit_B": "1",
            "payment_term_days_B": "1",
        },
    )
    assert response.status_code == 400
    assert "A better grade needs a higher minimum score" in response.content.decode()
    assert GradeTerms.objects.count() == 0
    response = client.post(
        "/dealers/grade-terms/",
        {"min_score_A": "85", "credit_limit_A": "80000", "payment_term_days_A": "60"},
    )
    assert response.status_code == 302
    assert list(
        GradeTerms.objects.values_list("grade", "min_score", "credit_limit", "payment_term_days")
    ) == [("A", D("85.00"), D("80000.00"), 60)]
    client.force_login(net.region_east)
    assert client.get("/dealers/grade-terms/").status_code == 403


# --- the API -----------------------------------------------------------------------------------


def test_the_api_walks_the_checklist(client, net, started, channel, fin):
    client.force_login(channel)
    base = f"/api/v1/dealers/{started.pk}/onboarding"
    body = client.get(base).json()
    assert [(i["code"], i["done"], i["waiting_for"], i["may"]) for i in body["items"][:3]] == [
        ("contract", False, [], True),
        ("org", False, ["contract"], False),
        ("deposit", False, ["org"], False),
    ]
    refused = client.post(f"{base}/org", {"code": ""}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "onboarding_out_of_order"
    assert client.post(f"{base}/contract", {"file": pdf(), "note": ""}).status_code == 200
    body = client.post(f"{base}/org", {"code": "DL-API"}, content_type="application/json").json()
    assert (body["org_code"], body["holds"], body["ordering_open"]) == (
        "DL-API",
        ["onboarding"],
        False,
    )
    invited = client.post(
        f"{base}/users", {"username": "api-admin"}, content_type="application/json"
    ).json()
    assert invited["username"] == "api-admin"
    assert User.objects.get(username="api-admin").check_password(invited["password"])
    client.post(f"{base}/price-grade", {"grade": "C"}, content_type="application/json")
    conflict_owner = Territory.objects.create(org=net.dealer2, district_id="330106")
    clash = client.post(
        f"{base}/territory", {"districts": ["330106"]}, content_type="application/json"
    )
    assert (clash.status_code, clash.json()["error"]["code"]) == (409, "territory_conflict")
    assert "宁波飞跃电动车行" in clash.json()["error"]["message"]
    conflict_owner.delete()
    client.post(f"{base}/territory", {"districts": ["330106"]}, content_type="application/json")
    client.force_login(fin)
    client.post(f"{base}/deposit", {"amount": "5000.00"}, content_type="application/json")
    body = client.post(
        f"{base}/credit",
        {"credit_limit": "20000", "payment_term_days": 15},
        content_type="application/json",
    ).json()
    assert (body["deposit_balance"], body["credit_limit"], body["payment_term_days"]) == (
        "5000.00",
        "20000.00",
        15,
    )
    assert (body["holds"], body["ordering_open"]) == ([], True)
    assert [i["code"] for i in body["items"] if not i["done"]] == ["first_order"]
    assert [i["done_by"] for i in body["items"]][:2] == [str(channel), str(channel)]


def test_the_api_grade_terms(client, net, channel):
    client.force_login(channel)
    rows = [
        {"grade": "A", "min_score": "85", "credit_limit": "80000", "payment_term_days": 60},
        {"grade": "B", "min_score": "70", "credit_limit": "30000", "payment_term_days": 45},
    ]
    put = client.put("/api/v1/dealers/grade-terms", {"rows": rows}, content_type="application/json")
    assert put.status_code == 200
    assert [(r["grade"], r["credit_limit"]) for r in put.json()["rows"]] == [
        ("A", "80000.00"),
        ("B", "30000.00"),
    ]
    put = client.put(
        "/api/v1/dealers/grade-terms", {"rows": rows[1:]}, content_type="application/json"
    )
    assert [r["grade"] for r in put.json()["rows"]] == ["B"]
    assert [r["grade"] for r in client.get("/api/v1/dealers/grade-terms").json()["rows"]] == ["B"]
