"""Admission: the public application (exact stored values, every refusal writing nothing — no
row, no file on disk —, the honeypot, the per-address rate limit), the tracking token, the
weighted scorecard with exact numbers, the approval chain in order and its refusals, the file
views' scope, the list's constant query count, the brand's settings and the API."""

import hashlib
import json
import re
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from qudao.catalog.tests import factories as cf
from qudao.core.errors import DomainError
from qudao.core.models import AuditEvent, Notification, OutboxEvent
from qudao.dealers.models import (
    ApprovalStep,
    Criterion,
    Dealer,
    DealerFile,
    Message,
    ReviewSettings,
    Score,
)
from qudao.dealers.selectors import admission as selectors
from qudao.dealers.services import admission as services
from qudao.dealers.tests.factories import valid_uscc
from qudao.network import services as network_services
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/v1"

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def private_dir(tmp_path, monkeypatch):
    """Application files go to a private folder of the test's own."""
    root = tmp_path / "private"
    monkeypatch.setattr(
        DealerFile._meta.get_field("file"), "storage", FileSystemStorage(location=root)
    )
    return root


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A cache of the test's own: rate-limit counters never leak between tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"admission-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def cats(db):
    return cf.category("BIKE", "整车"), cf.category("BATT", "电池")


@pytest.fixture
def routed(net):
    """华东大区 sits in 浙江 (33): applications from 浙江 go to it at intake."""
    network_services.org_update(actor=f.system_actor(), org=net.east, data={"province": "33"})
    net.east.refresh_from_db()
    return net


@pytest.fixture
def south_manager(net):
    return f.member(net.south, "region_manager", username="south")


def on_disk(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def form_data(cats, n=1, **over):
    data = {
        "company_name": "杭州新锐电动车商行",
        "uscc": valid_uscc(500 + n),
        "legal_rep": "李新锐",
        "contact_name": "李新锐",
        "contact_phone": "13900001111",
        "email": "li@example.com",
        "province": "33",
        "city": "3301",
        "district": "330105",
        "address": "莫干山路88号",
        "categories": [str(cats[0].pk)],
        "intended_territory": ["330105", "330106"],
        "registered_capital": "500000",
        "store_area": "200",
        "years_in_business": "6",
        "brands_carried": "雅迪, 爱玛",
        "note": "",
    }
    data.update(over)
    return data


def upload(name="licence.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def submit(cats, n=1, files=(), **over):
    return services.application_submit(
        actor=None, data=form_data(cats, n, **over), files=list(files), client_ip="10.0.0.1"
    )


def error_of(call):
    """The refusal of a service call, its message in English (as written in the code)."""
    with translation.override("en"), pytest.raises(DomainError) as info:
        call()
    return info.value


def written():
    return (
        Dealer.objects.count(),
        DealerFile.objects.count(),
        AuditEvent.objects.filter(action="dealer.submitted").count(),
        OutboxEvent.objects.filter(topic="dealer.submitted").count(),
    )


# --- the public form ------------------------------------------------------------------------


def test_the_public_form_takes_an_application_with_its_files(
    client, routed, cats, private_dir, django_capture_on_commit_callbacks
):
    page = client.get("/dealers/apply/")
    assert page.status_code == 200
    assert "飞驰电动车科技有限公司" in page.content.decode()
    data = form_data(cats)
    data["licence_files"] = [upload("营业执照.pdf", PDF)]
    data["photo_files"] = [upload("门头.jpg", JPEG), upload("店内.png", PNG)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dealers/apply/", data, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200, response.content.decode()
    dealer = Dealer.objects.get()
    year = timezone.localdate().year
    assert re.fullmatch(rf"DA-{year}-\d{{6}}", dealer.number)
    body = response.content.decode()
    assert dealer.number in body
    assert f"http://testserver/dealers/track/{dealer.token}/" in body
    assert len(dealer.token) == 43 and dealer.number not in dealer.token
    assert (
        dealer.brand_id,
        dealer.stage,
        dealer.parent_id,
        dealer.company_name,
        dealer.uscc,
        dealer.legal_rep,
        dealer.contact_name,
        dealer.contact_phone,
        dealer.email,
        dealer.province_id,
        dealer.city_id,
        dealer.district_id,
        dealer.address,
        dealer.intended_territory,
        dealer.registered_capital,
        dealer.store_area,
        dealer.years_in_business,
        dealer.brands_carried,
        dealer.score,
        dealer.submitted_ip,
        dealer.org_id,
    ) == (
        routed.hq.pk,
        "prospect",
        routed.east.pk,  # the region of 浙江
        "杭州新锐电动车商行",
        valid_uscc(501),
        "李新锐",
        "李新锐",
        "13900001111",
        "li@example.com",
        "33",
        "3301",
        "330105",
        "莫干山路88号",
        ["330105", "330106"],
        D("500000.00"),
        D("200.0"),
        6,
        ["雅迪", "爱玛"],
        None,
        "203.0.113.7",
        None,
    )
    assert list(dealer.categories.values_list("code", flat=True)) == ["BIKE"]
    assert "hzxrddcsh" in dealer.search_text  # initials find it
    files = list(dealer.files.order_by("id"))
    assert [(x.kind, x.name, x.content_type, x.size, x.sha256) for x in files] == [
        ("licence", "营业执照.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
        ("photo", "门头.jpg", "image/jpeg", len(JPEG), hashlib.sha256(JPEG).hexdigest()),
        ("photo", "店内.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest()),
    ]
    assert sorted(p.read_bytes() for p in on_disk(private_dir)) == sorted([PDF, JPEG, PNG])
    assert all(p.suffix in {".pdf", ".jpg", ".png"} for p in on_disk(private_dir))
    audit = AuditEvent.objects.get(action="dealer.submitted")
    assert audit.actor_id is None and audit.changes["files"] == [None, 3]
    event = OutboxEvent.objects.get(topic="dealer.submitted")
    assert event.payload == {
        "dealer_id": dealer.pk,
        "number": dealer.number,
        "parent_id": routed.east.pk,
    }
    assert [m.to for m in mail.outbox] == [["li@example.com"]]
    assert f"/dealers/track/{dealer.token}/" in mail.outbox[0].body
    # the brand's scorecard was set up with the defaults (100 % in all)
    assert sum(c.weight for c in Criterion.objects.filter(brand=routed.hq)) == D("100")
    assert ReviewSettings.objects.get(brand=routed.hq).approval_chain == [
        "region_manager",
        "channel_manager",
    ]


def test_without_a_region_in_the_province_the_application_stays_with_hq(net, cats):
    dealer = submit(cats)
    assert dealer.parent_id is None


@pytest.mark.parametrize(
    "case",
    [
        ({"uscc": "91330100MA2000001X"}, "invalid_uscc", "uscc"),
        ({"uscc": ""}, "required", "uscc"),
        ({"company_name": " "}, "required", "company_name"),
        ({"city": "4401"}, "invalid_division", "city"),
        ({"district": "330206"}, "invalid_division", "district"),
        ({"categories": ["999999"]}, "invalid_category", "categories"),
        ({"categories": []}, "required", "categories"),
        ({"intended_territory": ["3301"]}, "invalid_territory", "intended_territory"),
        ({"contact_phone": "call me"}, "invalid_phone", "contact_phone"),
        ({"email": "not-an-email"}, "invalid_email", "email"),
        ({"registered_capital": "-1"}, "invalid_number", "registered_capital"),
        ({"years_in_business": "2.5"}, "invalid_number", "years_in_business"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(net, cats, private_dir, case):
    over, code, field = case
    before = written()
    error = error_of(lambda: submit(cats, files=[("licence", upload())], **over))
    assert (error.code, list(error.fields)) == (code, [field])
    assert written() == before
    assert on_disk(private_dir) == []


@pytest.mark.parametrize(
    "case",
    [
        ([("photo", upload("shop.png", EXE))], "file_type_refused", "photo_files"),
        (
            [("licence", upload("licence.pdf", b"plain text, not a pdf"))],
            "file_type_refused",
            "licence_files",
        ),
        ([("licence", upload("empty.png", b""))], "file_type_refused", "licence_files"),
        (
            [
                ("licence", upload("ok.pdf", PDF)),
                ("photo", upload("big.png", PNG + b"\x00" * (5 * 1024 * 1024))),
            ],
            "file_too_large",
            "photo_files",
        ),
        ([("photo", upload(f"p{i}.png")) for i in range(11)], "too_many_files", "photo_files"),
    ],
)
def test_bad_files_are_refused_and_none_is_kept(net, cats, private_dir, case):
    files, code, field = case
    before = written()
    error = error_of(lambda: submit(cats, files=files))
    assert (error.code, list(error.fields)) == (code, [field])
    assert written() == before
    assert on_disk(private_dir) == []


def test_five_megabytes_exactly_are_taken(net, cats):
    exact = PNG + b"\x00" * (5 * 1024 * 1024 - len(PNG))
    dealer = submit(cats, files=[("photo", upload("exact.png", exact))])
    assert dealer.files.get().size == 5 * 1024 * 1024


def test_a_uscc_in_the_network_is_refused_naming_the_org(net, cats, private_dir):
    uscc = valid_uscc(777)
    network_services.org_update(actor=f.system_actor(), org=net.dealer3, data={"uscc": uscc})
    before = written()
    error = error_of(lambda: submit(cats, uscc=uscc, files=[("licence", upload())]))
    assert error.code == "duplicate_application"
    assert error.message == f"广州迅力电动车 ({uscc}) is already in the network as DL-GZ1."
    assert written() == before and on_disk(private_dir) == []


def test_an_open_application_is_refused_by_number_a_rejected_one_may_apply_again(
    net, cats, channel
):
    first = submit(cats)
    before = written()
    error = error_of(lambda: submit(cats, company_name="另一个名字"))
    assert error.code == "duplicate_application"
    assert error.message == (
        f"An application of 杭州新锐电动车商行 ({first.uscc}) is already open: {first.number}."
    )
    assert written() == before
    services.application_review_start(actor=channel, dealer=first)
    # no region in 浙江 here: the chain's region manager step falls to a superuser
    services.application_decide(
        actor=f.system_actor(), dealer=first, step=0, decision="reject", comment="资料不全"
    )
    again = submit(cats)
    assert again.uscc == first.uscc and again.pk != first.pk


def test_a_page_refusal_is_shown_on_its_field_and_writes_nothing(client, net, cats, private_dir):
    data = form_data(cats, uscc="91330100MA2000001X")
    data["photo_files"] = [upload()]
    response = client.post("/dealers/apply/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-uscc"' in body
    assert "91330100MA2000001X" in body
    assert Dealer.objects.count() == 0 and on_disk(private_dir) == []
    data = form_data(cats, n=2)
    data["photo_files"] = [upload("virus.png", EXE)]
    response = client.post("/dealers/apply/", data)
    assert response.status_code == 400
    assert "virus.png" in response.content.decode()
    assert 'data-testid="error-photo_files"' in response.content.decode()
    assert Dealer.objects.count() == 0 and on_disk(private_dir) == []


def test_the_honeypot_looks_accepted_and_writes_nothing(client, net, cats, private_dir):
    data = form_data(cats, website="http://spam.example")
    data["photo_files"] = [upload()]
    before = (written(), AuditEvent.objects.count(), OutboxEvent.objects.count())
    response = client.post("/dealers/apply/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="apply-done"' in body and 'data-testid="application-number"' in body
    assert (written(), AuditEvent.objects.count(), OutboxEvent.objects.count()) == before
    assert on_disk(private_dir) == []
    link = re.search(r"/dealers/track/([\w-]+)/", body).group(1)
    assert client.get(f"/dealers/track/{link}/").status_code == 404


def test_five_applications_an_hour_per_address_then_429(client, net, cats):
    for n in range(1, 6):
        response = client.post("/dealers/apply/", form_data(cats, n), REMOTE_ADDR="198.51.100.4")
        assert response.status_code == 200, n
    response = client.post("/dealers/apply/", form_data(cats, 6), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 429
    body = response.content.decode()
    assert 'data-testid="apply-limited"' in body
    assert Dealer.objects.count() == 5
    # another address is not held back
    response = client.post("/dealers/apply/", form_data(cats, 7), REMOTE_ADDR="198.51.100.5")
    assert response.status_code == 200
    assert Dealer.objects.count() == 6


def test_refused_attempts_count_against_their_own_limit(client, net, cats, settings):
    settings.DEALER_APPLY_ATTEMPT_RATE = "3/h"
    bad = form_data(cats, uscc="bad")
    assert [client.post("/dealers/apply/", bad).status_code for _ in range(3)] == [400] * 3
    assert client.post("/dealers/apply/", form_data(cats)).status_code == 429
    assert Dealer.objects.count() == 0


# --- the tracking page ----------------------------------------------------------------------


def test_the_token_is_the_only_key(client, net, cats):
    dealer = submit(cats)
    other = submit(cats, n=2)
    assert dealer.token != other.token
    page = client.get(f"/dealers/track/{dealer.token}/")
    assert page.status_code == 200
    assert dealer.number in page.content.decode()
    for guess in (
        str(dealer.pk),
        dealer.number,
        dealer.token[:-1] + ("A" if dealer.token[-1] != "A" else "B"),
        dealer.token[:31],
        dealer.token.upper() if dealer.token.upper() != dealer.token else dealer.token + "x",
    ):
        assert client.get(f"/dealers/track/{guess}/").status_code == 404, guess
    assert client.post(f"/dealers/track/{dealer.pk}/", {"text": "hi"}).status_code == 404
    assert Message.objects.count() == 0


def test_a_question_is_answered_on_the_tracking_page(client, routed, cats, channel):
    dealer = submit(cats)
    services.application_review_start(actor=channel, dealer=dealer)
    services.application_note_add(actor=channel, dealer=dealer, text="内部：注意核实门店")
    services.application_info_request(actor=channel, dealer=dealer, text="请补充门店租赁合同")
    dealer.refresh_from_db()
    assert (dealer.stage, dealer.awaiting_applicant) == ("under_review", True)
    page = client.get(f"/dealers/track/{dealer.token}/").content.decode()
    assert "请补充门店租赁合同" in page and 'data-testid="awaiting"' in page
    assert "内部" not in page  # internal notes never reach the applicant
    response = client.post(f"/dealers/track/{dealer.token}/", {"text": "已上传，见附件说明"})
    assert response.status_code == 302
    dealer.refresh_from_db()
    assert (dealer.stage, dealer.awaiting_applicant) == ("under_review", False)
    answer = Message.objects.get(from_applicant=True)
    assert (answer.text, answer.author_id, answer.internal) == ("已上传，见附件说明", None, False)
    note = Notification.objects.get(topic="dealer.applicant_answered")
    assert (note.user_id, note.url) == (channel.pk, f"/dealers/applications/{dealer.pk}/")
    assert AuditEvent.objects.filter(action="dealer.applicant_answered").count() == 1


def test_an_empty_answer_is_refused_and_a_decided_application_takes_none(
    client, routed, cats, channel
):
    dealer = submit(cats)
    response = client.post(f"/dealers/track/{dealer.token}/", {"text": ""})
    assert response.status_code == 400 and Message.objects.count() == 0
    services.application_review_start(actor=channel, dealer=dealer)
    services.application_decide(
        actor=routed.region_east, dealer=dealer, step=0, decision="reject", comment="区域已饱和"
    )
    error = error_of(lambda: services.application_answer(token=dealer.token, text="再考虑一下"))
    assert error.code == "application_closed"
    page = client.get(f"/dealers/track/{dealer.token}/").content.decode()
    assert "区域已饱和" in page and 'data-testid="answer-form"' not in page
    assert Message.objects.count() == 0


# --- the scorecard --------------------------------------------------------------------------


def test_bands_and_the_weighted_total():
    bands = [[3, 60], [0, 20], [5, 100]]
    assert [services.band_score(bands, D(y)) for y in (0, 2, 3, 4, 5, 30)] == [
        D("20.00"),
        D("20.00"),
        D("60.00"),
        D("60.00"),
        D("100.00"),
        D("100.00"),
    ]
    assert services.band_score([[1, 50]], D("0")) == D("0.00")
    assert services.weighted_total([(D("30"), D("80")), (D("20"), D("55"))]) == D("70.00")
    assert services.weighted_total([(D("1"), D("66.67")), (D("2"), D("0"))]) == D("22.22")
    assert services.weighted_total([(D("10"), D("1")), (D("10"), None)]) is None


def test_the_scorecard_adds_up_to_the_exact_total(routed, cats, channel):
    dealer = submit(cats)
    services.application_review_start(actor=channel, dealer=dealer)
    dealer.refresh_from_db()
    auto = dict(Score.objects.filter(dealer=dealer).values_list("criterion__code", "value"))
    # 6 years → 100, 2 brands → 100, ¥500,000 → 60, 200 m² → 80
    assert auto == {
        "years": D("100.00"),
        "brands": D("100.00"),
        "capital": D("60.00"),
        "store_area": D("80.00"),
    }
    assert dealer.score is None  # the reviewer's criteria are not scored yet
    services.application_scores_set(
        actor=channel,
        dealer=dealer,
        scores=[
            {"criterion": "coverage", "value": "66.67", "note": "覆盖两个区"},
            {"criterion": "after_sales", "value": 85},
            {"criterion": "credit", "value": "90", "note": "征信良好"},
        ],
    )
    dealer.refresh_from_db()
    # (4×100 + 20×100 + 10×66.67 + 15×60 + 15×80 + 16×85 + 20×90) / 100 = 83.267 → 83.27
    assert dealer.score == D("83.27")
    credit = Score.objects.get(dealer=dealer, criterion__code="credit")
    assert (credit.value, credit.note, credit.scored_by_id) == (D("90.00"), "征信良好", channel.pk)
    audit = AuditEvent.objects.filter(action="dealer.scored").get()
    assert audit.changes["score"] == [None, "83.27"]
    assert audit.changes["网络覆盖"] == [None, "66.67"]
    detail = selectors.application_detail(actor=channel, application_id=dealer.pk)
    assert (detail.total, detail.pass_mark, detail.passes) == (D("83.27"), D("60.00"), True)


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"criterion": "years", "value": 50}, "criterion_automatic"),
        ({"criterion": "nope", "value": 50}, "unknown_criterion"),
        ({"criterion": "credit", "value": "100.5"}, "invalid_score"),
        ({"criterion": "credit", "value": "-1"}, "invalid_score"),
        ({"criterion": "credit", "value": "abc"}, "invalid_score"),
    ],
)
def test_bad_scores_are_refused(routed, cats, channel, row, code):
    dealer = submit(cats)
    services.application_review_start(actor=channel, dealer=dealer)
    before = list(Score.objects.order_by("pk").values_list("pk", "value"))
    error = error_of(
        lambda: services.application_scores_set(actor=channel, dealer=dealer, scores=[row])
    )
    assert error.code == code
    assert list(Score.objects.order_by("pk").values_list("pk", "value")) == before


def test_scores_wait_for_the_review_to_start(routed, cats, channel):
    dealer = submit(cats)
    error = error_of(
        lambda: services.application_scores_set(
            actor=channel, dealer=dealer, scores=[{"criterion": "credit", "value": 80}]
        )
    )
    assert error.code == "not_under_review" and Score.objects.count() == 0


# --- the approval chain ---------------------------------------------------------------------


def reviewed(cats, channel, n=1, coverage=70, **over):
    dealer = submit(cats, n=n, **over)
    services.application_review_start(actor=channel, dealer=dealer)
    services.application_scores_set(
        actor=channel,
        dealer=dealer,
        scores=[
            {"criterion": "coverage", "value": coverage},
            {"criterion": "after_sales", "value": 85},
            {"criterion": "credit", "value": 90},
        ],
    )
    dealer.refresh_from_db()
    return dealer


def decide(actor, dealer, step, decision="approve", comment=""):
    return services.application_decide(
        actor=actor, dealer=dealer, step=step, decision=decision, comment=comment
    )


def test_the_chain_is_decided_in_order_by_the_right_roles(routed, cats, channel, south_manager):
    dealer = reviewed(cats, channel)
    assert (dealer.score, dealer.parent_id) == (D("83.60"), routed.east.pk)
    steps = lambda: list(ApprovalStep.objects.values_list("step", "role", "decision"))  # noqa: E731

    # the channel manager may not decide the region manager's step
    error = error_of(lambda: decide(channel, dealer, 0))
    assert (error.code, error.status) == ("wrong_approver", 403)
    # a region manager of another region does not even see it
    assert error_of(lambda: decide(south_manager, dealer, 0)).code == "not_found"
    # out of turn
    error = error_of(lambda: decide(routed.region_east, dealer, 1))
    assert error.code == "step_out_of_turn"
    assert error.message == (
        "Step 1 is not the one waiting for a decision: step 1 (Region manager) is."
    )
    assert steps() == []

    decide(routed.region_east, dealer, 0, comment="区域需要")
    dealer.refresh_from_db()
    assert (dealer.stage, dealer.approval_step) == ("under_review", 1)
    # the region manager cannot decide the channel manager's step, nor its own again
    assert error_of(lambda: decide(routed.region_east, dealer, 1)).code == "wrong_approver"
    assert error_of(lambda: decide(channel, dealer, 0)).code == "step_out_of_turn"
    # the scorecard and the parent are fixed once the chain started
    error = error_of(
        lambda: services.application_scores_set(
            actor=channel, dealer=dealer, scores=[{"criterion": "credit", "value": 10}]
        )
    )
    assert error.code == "approval_started"
    error = error_of(
        lambda: services.application_parent_set(
            actor=channel, dealer=dealer, parent_id=routed.dist1.pk
        )
    )
    assert error.code == "approval_started"

    decide(channel, dealer, 1)
    dealer.refresh_from_db()
    assert (dealer.stage, dealer.approval_step) == ("approved", 2)
    assert steps() == [(0, "region_manager", "approve"), (1, "channel_manager", "approve")]
    assert list(ApprovalStep.objects.values_list("decided_by", "comment")) == [
        (routed.region_east.pk, "区域需要"),
        (channel.pk, ""),
    ]
    assert list(
        AuditEvent.objects.filter(object_type="dealers.dealer", object_id=str(dealer.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "dealer.submitted",
        "dealer.review_started",
        "dealer.scored",
        "dealer.step_approved",
        "dealer.approved",
    ]
    event = OutboxEvent.objects.get(topic="dealer.approved")
    assert event.payload == {
        "dealer_id": dealer.pk,
        "org_id": None,
        "from": "under_review",
        "to": "approved",
    }
    # decided: no more decisions
    assert error_of(lambda: decide(channel, dealer, 2)).code == "not_under_review"


def test_approval_needs_a_complete_scorecard_at_the_pass_mark(routed, cats, channel):
    dealer = submit(cats)
    services.application_review_start(actor=channel, dealer=dealer)
    error = error_of(lambda: decide(routed.region_east, dealer, 0))
    assert error.code == "scorecard_incomplete"
    names = "、".join(
        Criterion.objects.filter(code__in=("coverage", "after_sales", "credit"))
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert error.message == f"Score every criterion of the scorecard first (missing: {names})."
    low = reviewed(
        cats,
        channel,
        n=2,
        coverage=0,
        years_in_business="0",
        brands_carried="",
        registered_capital="0",
        store_area="0",
    )
    # (4×20 + 20×30 + 10×0 + 15×20 + 15×20 + 16×85 + 20×90) / 100 = 44.40
    assert low.score == D("44.40")
    error = error_of(lambda: decide(routed.region_east, low, 0))
    assert (error.code, error.message) == (
        "score_below_pass_mark",
        "The score 44.40 is below the pass mark 60.00.",
    )
    assert ApprovalStep.objects.count() == 0


def test_approval_needs_a_parent(net, cats, channel):
    brand_settings = services.review_settings_defaults(brand=net.hq)
    brand_settings.approval_chain = ["channel_manager"]
    brand_settings.save()
    dealer = reviewed(cats, channel)
    assert dealer.parent_id is None
    assert error_of(lambda: decide(channel, dealer, 0)).code == "parent_required"
    services.application_parent_set(actor=channel, dealer=dealer, parent_id=net.dist1.pk)
    decide(channel, dealer, 0)
    dealer.refresh_from_db()
    assert (dealer.stage, dealer.parent_id) == ("approved", net.dist1.pk)


def test_a_rejection_needs_a_reason_and_shows_it_to_the_applicant(client, routed, cats, channel):
    dealer = reviewed(cats, channel)
    error = error_of(lambda: decide(routed.region_east, dealer, 0, "reject"))
    assert (error.code, list(error.fields)) == ("reason_required", ["comment"])
    assert ApprovalStep.objects.count() == 0
    decide(routed.region_east, dealer, 0, "reject", "该区域已有独家经销商")
    dealer.refresh_from_db()
    assert (dealer.stage, dealer.reason) == ("rejected", "该区域已有独家经销商")
    page = client.get(f"/dealers/track/{dealer.token}/").content.decode()
    assert 'data-testid="reason">该区域已有独家经销商<' in page


def test_the_parent_is_a_region_or_distributor_the_reviewer_manages(routed, cats, channel):
    dealer = submit(cats)
    for bad in (routed.dealer1.pk, routed.hq.pk, 999_999, "x"):
        error = error_of(
            lambda bad=bad: services.application_parent_set(
                actor=channel, dealer=dealer, parent_id=bad
            )
        )
        assert error.code == "invalid_parent"
    south = f.member(routed.south, "region_manager", username="south2")
    services.application_parent_set(actor=channel, dealer=dealer, parent_id=routed.south.pk)
    # the east region manager no longer sees it; a parent outside one's own part is refused
    assert (
        error_of(
            lambda: services.application_parent_set(
                actor=routed.region_east, dealer=dealer, parent_id=routed.east.pk
            )
        ).code
        == "not_found"
    )
    assert (
        error_of(
            lambda: services.application_parent_set(
                actor=south, dealer=dealer, parent_id=routed.dist1.pk
            )
        ).code
        == "invalid_parent"
    )
    dealer.refresh_from_db()
    assert dealer.parent_id == routed.south.pk


# --- files ----------------------------------------------------------------------------------


def test_files_are_served_only_within_scope(client, routed, cats, channel, south_manager):
    dealer = submit(cats, files=[("licence", upload("执照.pdf", PDF))])
    other = submit(cats, n=2, files=[("photo", upload("x.png", PNG))])
    licence = dealer.files.get()
    url = f"/dealers/files/{licence.pk}/"
    client.force_login(channel)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(routed.region_east)
    assert client.get(url).status_code == 200
    for outsider in (south_manager, routed.dealer1_admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    assert client.get("/dealers/files/999999/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    # the applicant reads its own files by its token, not another's
    own = client.get(f"/dealers/track/{dealer.token}/files/{licence.pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    theirs = other.files.get().pk
    assert client.get(f"/dealers/track/{dealer.token}/files/{theirs}/").status_code == 404


# --- pages of the reviewers -----------------------------------------------------------------


def test_the_list_filters_searches_and_runs_constant_queries(client, routed, cats, channel):
    submit(cats, n=1)
    client.force_login(channel)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/dealers/applications/").status_code == 200
    for n, name in ((2, "宁波飞鹰车行"), (3, "温州大众电动车"), (4, "嘉兴好运车行")):
        submit(cats, n=n, company_name=name)
    with CaptureQueriesContext(connection) as four:
        page = client.get("/dealers/applications/")
    assert page.content.decode().count('data-testid="application-row"') == 4
    assert len(four) == len(one)
    found = client.get("/dealers/applications/?q=nbfy").content.decode()
    assert "宁波飞鹰车行" in found and "温州大众电动车" not in found
    by_uscc = client.get(f"/dealers/applications/?q={valid_uscc(503)}").content.decode()
    assert by_uscc.count('data-testid="application-row"') == 1
    assert "温州大众电动车" in by_uscc
    assert (
        'data-testid="application-row"'
        not in client.get("/dealers/applications/?stage=under_review").content.decode()
    )


def test_the_list_selector_takes_two_queries(routed, cats, channel, django_assert_num_queries):
    for n in range(1, 4):
        submit(cats, n=n)
    f.system_actor()
    from qudao.network import scope

    scope.forget(channel)
    with django_assert_num_queries(2):  # the actor's grants, the rows
        rows = list(selectors.application_list(actor=channel))
    assert len(rows) == 3 and rows[0].parent.name == "华东大区"


def test_the_list_is_for_reviewers_only(client, net):
    client.force_login(net.dealer1_admin)
    assert client.get("/dealers/applications/").status_code == 403


def test_a_review_through_the_pages(client, routed, cats, channel):
    dealer = submit(cats, files=[("licence", upload("执照.pdf", PDF))])
    client.force_login(channel)
    page = client.get(f"/dealers/applications/{dealer.pk}/")
    assert page.status_code == 200
    assert 'data-testid="start-review"' in page.content.decode()
    assert client.post(f"/dealers/applications/{dealer.pk}/start/").status_code == 302
    response = client.post(
        f"/dealers/applications/{dealer.pk}/scores/",
        {
            "score_coverage": "70",
            "note_coverage": "两区",
            "score_after_sales": "85",
            "score_credit": "90",
        },
    )
    assert response.status_code == 302
    dealer.refresh_from_db()
    assert dealer.score == D("83.60")
    client.post(f"/dealers/applications/{dealer.pk}/ask/", {"ask-text": "门店是否自有？"})
    client.post(f"/dealers/applications/{dealer.pk}/note/", {"note-text": "电话已核实"})
    assert list(Message.objects.order_by("id").values_list("internal", "text")) == [
        (False, "门店是否自有？"),
        (True, "电话已核实"),
    ]
    client.post(f"/dealers/applications/{dealer.pk}/parent/", {"parent": routed.dist1.pk})
    dealer.refresh_from_db()
    assert dealer.parent_id == routed.dist1.pk
    # the channel manager is not the waiting step's role: no form, and a post is refused
    page = client.get(f"/dealers/applications/{dealer.pk}/").content.decode()
    assert 'data-testid="decide-form"' not in page and "83.60" in page
    response = client.post(
        f"/dealers/applications/{dealer.pk}/decide/",
        {"step": 0, "decision": "approve"},
        follow=True,
    )
    assert "Region manager" in response.content.decode()  # the message names the waiting role
    assert ApprovalStep.objects.count() == 0
    client.force_login(routed.region_east)
    page = client.get(f"/dealers/applications/{dealer.pk}/").content.decode()
    assert 'data-testid="decide-form"' in page
    client.post(f"/dealers/applications/{dealer.pk}/decide/", {"step": 0, "decision": "approve"})
    client.force_login(channel)
    client.post(f"/dealers/applications/{dealer.pk}/decide/", {"step": 1, "decision": "approve"})
    dealer.refresh_from_db()
    assert dealer.stage == "approved"


def test_the_review_page_of_an_outsider_is_404(client, routed, cats, south_manager):
    dealer = submit(cats)
    client.force_login(south_manager)
    assert client.get(f"/dealers/applications/{dealer.pk}/").status_code == 404
    assert client.post(f"/dealers/applications/{dealer.pk}/start/").status_code == 404
    dealer.refresh_from_db()
    assert dealer.stage == "prospect"


# --- the brand's settings -------------------------------------------------------------------


def rows_of(brand):
    services.review_settings_defaults(brand=brand)
    return [
        {
            "code": c.code,
            "name": c.name,
            "weight": c.weight,
            "source": c.source,
            "bands": c.bands,
            "active": c.is_active,
        }
        for c in Criterion.objects.filter(brand=brand, is_active=True).order_by("position")
    ]


def test_the_weights_must_add_up_to_100(net, channel):
    rows = rows_of(net.hq)
    rows[0]["weight"] = D("5")  # 101 in all
    before = list(Criterion.objects.order_by("pk").values_list("pk", "weight", "is_active"))
    error = error_of(
        lambda: services.review_settings_update(
            actor=channel,
            brand=net.hq,
            pass_mark="60",
            approval_chain=["channel_manager"],
            criteria=rows,
        )
    )
    assert (error.code, error.message) == (
        "weights_not_100",
        "The weights of the active criteria add up to 101, not 100.",
    )
    assert list(Criterion.objects.order_by("pk").values_list("pk", "weight", "is_active")) == before


def test_settings_change_criteria_pass_mark_and_chain(net, channel):
    rows = [r for r in rows_of(net.hq) if r["code"] != "coverage"]  # 90 %
    rows.append(
        {
            "name": "资金实力",
            "weight": "10",
            "source": "registered_capital",
            "bands": [["0", "10"], ["2000000", "100"]],
        }
    )
    services.review_settings_update(
        actor=channel,
        brand=net.hq,
        pass_mark="65.5",
        approval_chain=["channel_manager", "brand_admin"],
        criteria=rows,
    )
    review = ReviewSettings.objects.get(brand=net.hq)
    assert (review.pass_mark, review.approval_chain) == (
        D("65.50"),
        ["channel_manager", "brand_admin"],
    )
    assert Criterion.objects.get(brand=net.hq, code="coverage").is_active is False
    new = Criterion.objects.get(brand=net.hq, name="资金实力")
    assert (new.code, new.weight, new.bands, new.position) == (
        "c8",
        D("10.00"),
        [[0, 10], [2000000, 100]],
        7,
    )
    assert AuditEvent.objects.filter(action="dealer.review_settings_changed").count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"approval_chain": ["dealer_admin"]}, "invalid_chain"),
        ({"approval_chain": []}, "invalid_chain"),
        ({"pass_mark": "101"}, "invalid_pass_mark"),
        ({"bands": [[0, 120]]}, "invalid_bands"),
        ({"bands": []}, "invalid_bands"),
    ],
)
def test_bad_settings_are_refused(net, channel, change, code):
    rows = rows_of(net.hq)
    if "bands" in change:
        rows[0]["bands"] = change.pop("bands")
    args = {"pass_mark": "60", "approval_chain": ["region_manager"], "criteria": rows, **change}
    error = error_of(lambda: services.review_settings_update(actor=channel, brand=net.hq, **args))
    assert error.code == code
    assert ReviewSettings.objects.get(brand=net.hq).pass_mark == D("60.00")


def test_the_settings_page(client, net, channel):
    client.force_login(net.region_east)
    assert client.get("/dealers/settings/").status_code == 403
    client.force_login(channel)
    page = client.get("/dealers/settings/")
    assert page.status_code == 200 and "经营年限" in page.content.decode()
    data = {
        "pass_mark": "70",
        "step1": "region_manager",
        "step2": "",
        "step3": "",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "信用",
        "criteria-0-weight": "60",
        "criteria-0-source": "manual",
        "criteria-0-active": "on",
        "criteria-1-name": "年限",
        "criteria-1-weight": "30",
        "criteria-1-source": "years_in_business",
        "criteria-1-bands": "0:0, 5:100",
        "criteria-1-active": "on",
    }
    response = client.post("/dealers/settings/", data)
    assert response.status_code == 400
    assert 'data-testid="form-error"' in response.content.decode()
    data["criteria-1-weight"] = "40"
    assert client.post("/dealers/settings/", data).status_code == 302
    active = list(
        Criterion.objects.filter(brand=net.hq, is_active=True)
        .order_by("position")
        .values_list("name", "weight", "bands")
    )
    assert active == [("信用", D("60.00"), []), ("年限", D("40.00"), [[0, 0], [5, 100]])]
    assert ReviewSettings.objects.get(brand=net.hq).approval_chain == ["region_manager"]


# --- the API --------------------------------------------------------------------------------


@pytest.fixture
def api(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def send(client, method, url, body=None):
    if method == "get":
        return client.get(f"{API}{url}")
    return getattr(client, method)(
        f"{API}{url}", data=json.dumps(body or {}), content_type="application/json"
    )


def test_the_api_from_list_to_approval(api, routed, cats, channel):
    dealer = submit(cats, files=[("licence", upload("执照.pdf", PDF))])
    api.force_login(channel)
    listed = api.get(f"{API}/dealers/applications?q=hzxr").json()
    assert listed["count"] == 1
    assert listed["items"][0] == {
        "id": dealer.pk,
        "number": dealer.number,
        "stage": "prospect",
        "company_name": "杭州新锐电动车商行",
        "uscc": dealer.uscc,
        "contact_name": "李新锐",
        "contact_phone": "13900001111",
        "province": "33",
        "city": "3301",
        "district": "330105",
        "parent_id": routed.east.pk,
        "score": None,
        "awaiting_applicant": False,
        "created_at": listed["items"][0]["created_at"],
    }
    got = send(api, "post", f"/dealers/applications/{dealer.pk}/start-review").json()
    assert got["stage"] == "under_review" and got["actions"] == ["ask", "note", "parent", "score"]
    assert [r["score"] for r in got["scorecard"]] == [
        "100.00",
        "100.00",
        None,
        "60.00",
        "80.00",
        None,
        None,
    ]
    assert got["files"][0]["url"] == f"/dealers/files/{got['files'][0]['id']}/"
    response = send(
        api,
        "post",
        f"/dealers/applications/{dealer.pk}/scores",
        {
            "scores": [
                {"criterion": "coverage", "value": "70"},
                {"criterion": "after_sales", "value": "85"},
                {"criterion": "credit", "value": "90", "note": "良好"},
            ]
        },
    )
    assert response.status_code == 200 and response.json()["score"] == "83.60"
    message = send(
        api, "post", f"/dealers/applications/{dealer.pk}/messages", {"text": "请补充租赁合同"}
    )
    assert message.status_code == 201 and message.json()["internal"] is False
    assert api.get(f"{API}/dealers/applications/{dealer.pk}").json()["awaiting_applicant"] is True
    refused = send(
        api, "post", f"/dealers/applications/{dealer.pk}/decide", {"step": 0, "decision": "approve"}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_approver"
    api.force_login(routed.region_east)
    assert (
        send(
            api,
            "post",
            f"/dealers/applications/{dealer.pk}/decide",
            {"step": 0, "decision": "approve"},
        ).json()["approval_step"]
        == 1
    )
    api.force_login(channel)
    done = send(
        api,
        "post",
        f"/dealers/applications/{dealer.pk}/decide",
        {"step": 1, "decision": "approve", "comment": "同意"},
    ).json()
    assert done["stage"] == "approved"
    assert [(s["role"], s["decision"]) for s in done["chain"]] == [
        ("region_manager", "approve"),
        ("channel_manager", "approve"),
    ]


def test_the_api_hides_outsiders_and_refuses_with_codes(api, routed, cats, south_manager, channel):
    dealer = submit(cats)
    api.force_login(south_manager)
    assert api.get(f"{API}/dealers/applications").json()["count"] == 0
    for method, url in (
        ("get", f"/dealers/applications/{dealer.pk}"),
        ("post", f"/dealers/applications/{dealer.pk}/start-review"),
    ):
        response = send(api, method, url)
        assert response.status_code == 404, url
    api.force_login(channel)
    response = send(
        api,
        "post",
        f"/dealers/applications/{dealer.pk}/scores",
        {"scores": [{"criterion": "credit", "value": 50}]},
    )
    assert response.json()["error"]["code"] == "not_under_review"
    response = send(
        api, "post", f"/dealers/applications/{dealer.pk}/decide", {"step": 0, "decision": "maybe"}
    )
    assert response.status_code == 422


def test_the_api_review_settings(api, net, channel):
    api.force_login(net.region_east)
    assert api.get(f"{API}/dealers/review-settings").status_code == 403
    api.force_login(channel)
    current = api.get(f"{API}/dealers/review-settings").json()
    assert current["pass_mark"] == "60.00"
    assert [(c["code"], c["weight"]) for c in current["criteria"]] == [
        ("years", "4.00"),
        ("brands", "20.00"),
        ("coverage", "10.00"),
        ("capital", "15.00"),
        ("store_area", "15.00"),
        ("after_sales", "16.00"),
        ("credit", "20.00"),
    ]
    current["criteria"][0]["weight"] = "14"
    refused = send(api, "put", "/dealers/review-settings", current)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "weights_not_100"
    current["criteria"][1]["weight"] = "10"
    current["pass_mark"] = "70"
    saved = send(api, "put", "/dealers/review-settings", current)
    assert saved.status_code == 200, saved.content
    assert saved.json()["pass_mark"] == "70.00"
    assert saved.json()["criteria"][1]["weight"] == "10.00"


# --- races (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_company_submitting_twice_at_once_gets_one_application(net, cats):
    from qudao.core.tests.races import outcomes

    data = form_data(cats, n=42)
    found = outcomes(lambda: services.application_submit(actor=None, data=data), threads=4)
    assert sorted(found) == ["duplicate_application"] * 3 + ["ok"]
    assert Dealer.objects.filter(uscc=data["uscc"]).count() == 1
