"""Dealer documents: papers with scans in private storage (type and size checked), renewals,
the daily sweep's reminders at 30 and 7 days (once each, with a frozen clock) and the
`authorisation_expired` ordering hold — set the day after the authorisation expires, seen by
the orders service, lifted at once by a valid new one."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from freezegun import freeze_time

from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.models import AuditEvent, Notification, OutboxEvent
from qudao.dealers.models import Dealer, DealerFile, Document
from qudao.dealers.selectors import contracts as selectors
from qudao.dealers.services import documents as services
from qudao.dealers.services._common import DealerInvalid
from qudao.network.constants import Hold
from qudao.network.models import Org
from qudao.network.tests import factories as f
from qudao.orders.services._common import OrgNotActive
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


def pdf(name="授权书.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def authorisation(actor, org, expires_on, **extra):
    data = {
        "kind": "authorisation",
        "number": extra.pop("number", "SQ-2026-001"),
        "issued_on": extra.pop("issued_on", None),
        "expires_on": expires_on,
        **extra,
    }
    return services.document_create(actor=actor, org=org, data=data)


def state():
    return (
        Document.objects.count(),
        DealerFile.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
        sorted(Org.objects.values_list("pk", "holds")),
    )


# --- create, renew, refuse ------------------------------------------------------------------


def test_a_manager_files_a_paper_with_its_scan_in_private_storage(records, net, channel):
    today = timezone.localdate()
    doc = services.document_create(
        actor=channel,
        org=net.dealer1,
        data={
            "kind": "authorisation",
            "number": "SQ-2026-001",
            "issued_on": today - timedelta(days=10),
            "expires_on": str(today + timedelta(days=355)),
        },
        upload=pdf(),
    )
    assert (doc.kind, doc.title, doc.number, doc.expires_on) == (
        "authorisation",
        "Brand authorisation",  # the kind's name when no title is given
        "SQ-2026-001",
        today + timedelta(days=355),
    )
    stored = doc.file
    assert (stored.dealer.org_id, stored.content_type, stored.size, stored.name) == (
        net.dealer1.pk,
        "application/pdf",
        len(PDF),
        "授权书.pdf",
    )
    assert stored.file.name.endswith(".pdf") and "授权书" not in stored.file.name  # random name
    assert stored.file.storage.location != "" and stored.file.read() == PDF
    event = AuditEvent.objects.get(action="document.created")
    assert event.changes["number"] == [None, "SQ-2026-001"]
    assert OutboxEvent.objects.filter(topic="dealer.document_saved").count() == 1


@pytest.mark.parametrize(
    ("data", "upload", "code"),
    [
        (
            {"kind": "licence"},
            SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"),
            "file_type_not_allowed",
        ),
        (
            {"kind": "licence"},
            SimpleUploadedFile("x.png", PNG + b"\x00" * (5 * 1024 * 1024)),
            "file_too_large",
        ),
        (
            {"kind": "licence", "issued_on": "2026-05-01", "expires_on": "2026-04-30"},
            None,
            "document_dates_invalid",
        ),
        ({"kind": "authorisation"}, None, "expiry_required"),
        ({"kind": "passport"}, None, "invalid_kind"),
        ({"kind": "licence", "expires_on": "31/12/2026"}, None, "invalid_date"),
    ],
)
def test_bad_papers_are_refused_and_nothing_is_written(records, channel, data, upload, code):
    before = state()
    with pytest.raises(DealerInvalid) as refused:
        services.document_create(actor=channel, org=records.dealer1, data=data, upload=upload)
    assert refused.value.code == code
    assert state() == before


def test_only_dealers_have_papers_and_only_their_managers_file_them(records, net, channel):
    before = state()
    with pytest.raises(DealerInvalid) as refused:
        services.document_create(actor=channel, org=net.dist1, data={"kind": "licence"})
    assert refused.value.code == "not_a_dealer"
    with pytest.raises(PermissionDenied):  # its own admin reads them only
        services.document_create(actor=net.dealer1_admin, org=net.dealer1, data={"kind": "licence"})
    with pytest.raises(NotFound):  # 华东's manager does not see 华南's dealer
        services.document_create(actor=net.region_east, org=net.dealer3, data={"kind": "licence"})
    assert state() == before


def test_a_renewal_replaces_the_latest_paper_only(records, net, channel):
    today = timezone.localdate()
    old = authorisation(channel, net.dealer1, today + timedelta(days=5))
    old.reminded_days = [30, 7]
    old.save(update_fields=["reminded_days"])
    new = services.document_replace(
        actor=channel,
        document=old,
        data={"number": "SQ-2027-001", "expires_on": today + timedelta(days=370)},
        upload=pdf(),
    )
    assert (new.kind, new.replaces_id, new.reminded_days, new.number) == (
        "authorisation",
        old.pk,
        [],
        "SQ-2027-001",
    )
    assert AuditEvent.objects.filter(action="document.replaced").count() == 1
    current = selectors.document_list_for_actor(actor=channel, org_id=net.dealer1.pk)
    assert [d.pk for d in current] == [new.pk]
    before = state()
    with pytest.raises(services.DocumentReplaced) as refused:
        services.document_replace(
            actor=channel, document=old, data={"expires_on": today + timedelta(days=400)}
        )
    assert refused.value.code == "document_replaced"
    assert state() == before


# --- the sweep: reminders -------------------------------------------------------------------


def _notified(topic="dealer.document_expiring"):
    return sorted(Notification.objects.filter(topic=topic).values_list("user__username", flat=True))


def test_reminders_go_out_at_30_and_7_days_once_each(records, net, channel):
    east_channel = f.member(net.east, "channel_manager", username="east-channel")
    today = timezone.localdate()
    expiry = today + timedelta(days=60)
    doc = authorisation(channel, net.dealer1, expiry)
    licence = services.document_create(
        actor=channel, org=net.dealer3, data={"kind": "licence", "expires_on": expiry}
    )

    def sweep(days_before):
        with freeze_time(expiry - timedelta(days=days_before)):
            return services.documents_sweep()

    assert sweep(31).reminders == 0
    first = sweep(30)
    assert (first.reminders, first.notified) == (2, 5)
    # dealer1's admin and the channel managers above it (HQ, 华东); dealer3's admin and HQ's
    assert _notified() == sorted(["dealer1", "channel", "east-channel", "dealer3", "channel"])
    mine = Notification.objects.filter(topic="dealer.document_expiring")
    note = mine.filter(user=net.dealer1_admin).get()
    # notifications are written in the site language, whoever's clock runs the sweep
    assert note.title == "杭州迅达电动车行 的Brand authorisation将在 30 天后到期"
    assert note.url == reverse(
        "dealers:dealer_documents", args=[Dealer.objects.get(org=net.dealer1).pk]
    )
    assert sweep(29).reminders == 0
    assert sweep(8).reminders == 0
    assert sweep(7).notified == 5
    assert sweep(6).reminders == 0
    assert sweep(1).reminders == 0
    doc.refresh_from_db()
    licence.refresh_from_db()
    assert doc.reminded_days == licence.reminded_days == [30, 7]
    assert mine.filter(user=east_channel).count() == 2
    assert mine.filter(user=net.dealer1_admin).count() == 2


def test_a_paper_filed_late_gets_one_reminder_and_a_replaced_one_none(records, net, channel):
    today = timezone.localdate()
    late = authorisation(channel, net.dealer1, today + timedelta(days=5))
    old = authorisation(channel, net.dealer2, today + timedelta(days=20), number="OLD")
    services.document_replace(
        actor=channel, document=old, data={"expires_on": today + timedelta(days=400)}
    )
    result = services.documents_sweep()
    assert (result.reminders, result.notified) == (1, 2)  # dealer1's admin and HQ's manager
    late.refresh_from_db()
    assert late.reminded_days == [30, 7]  # inside both windows: one message, both done
    assert services.documents_sweep().reminders == 0


# --- the sweep: the ordering hold -----------------------------------------------------------


def test_an_expired_authorisation_holds_ordering_until_a_valid_one_is_uploaded(
    records, net, channel, cat
):
    w = of.world(net, cat)
    today = timezone.localdate()
    expiry = today + timedelta(days=10)
    doc = authorisation(channel, net.dealer1, expiry)
    with freeze_time(expiry):  # its last day: still valid
        result = services.documents_sweep()
        assert (result.holds_set, result.holds_lifted) == (0, 0)
    net.dealer1.refresh_from_db()
    assert net.dealer1.holds == []
    with freeze_time(expiry + timedelta(days=1)):
        assert services.documents_sweep().holds_set == 1
        net.dealer1.refresh_from_db()
        assert net.dealer1.holds == [Hold.AUTHORISATION_EXPIRED]
        assert AuditEvent.objects.filter(action="org.hold_set", object_id=str(net.dealer1.pk))
        assert services.documents_sweep().holds_set == 0  # once
        with pytest.raises(OrgNotActive) as refused:
            of.draft(w)
        assert refused.value.code == "buyer_on_hold"
        assert "its brand authorisation has expired" in refused.value.message
        services.document_replace(
            actor=channel,
            document=doc,
            data={"expires_on": expiry + timedelta(days=366)},
            upload=pdf(),
        )
        net.dealer1.refresh_from_db()
        assert net.dealer1.holds == []
        assert of.draft(w).status == "draft"
        assert services.documents_sweep().holds_set == 0


def test_the_sweep_lifts_the_hold_when_a_later_authorisation_starts(records, net, channel):
    today = timezone.localdate()
    authorisation(channel, net.dealer2, today - timedelta(days=1), number="A1")
    later = today + timedelta(days=3)
    authorisation(channel, net.dealer2, later + timedelta(days=365), issued_on=later, number="A2")
    assert services.documents_sweep().holds_set == 1  # the next one is not valid yet
    with freeze_time(later):
        assert services.documents_sweep().holds_lifted == 1
    net.dealer2.refresh_from_db()
    assert net.dealer2.holds == []


def test_the_celery_task_runs_the_sweep(records, net, channel):
    from qudao.dealers.tasks import dealers_sweep

    authorisation(channel, net.dealer1, timezone.localdate() - timedelta(days=1))
    assert dealers_sweep() == {
        "documents_reminded": 0,
        "notifications": 0,
        "holds_set": 1,
        "holds_lifted": 0,
        "contracts_ended": 0,
    }


def test_the_sweep_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dealers-sweep"]
    assert (entry["task"], entry["schedule"]) == ("qudao.dealers.tasks.dealers_sweep", 86400.0)


# --- pages and API --------------------------------------------------------------------------


def test_the_list_shows_expiring_papers_first_with_constant_queries(client, records, net, channel):
    today = timezone.localdate()
    late = authorisation(channel, net.dealer1, today + timedelta(days=200))
    soon = authorisation(channel, net.dealer2, today + timedelta(days=3))
    services.document_create(actor=channel, org=net.dealer3, data={"kind": "licence"})
    client.force_login(channel)
    url = reverse("dealers:document_list")
    with CaptureQueriesContext(connection) as three:
        page = client.get(url)
    assert page.status_code == 200
    rows = [d.pk for d in page.context["page"].object_list]
    assert rows[:2] == [soon.pk, late.pk] and len(rows) == 3  # no expiry date last
    assert "3 days left" in page.content.decode()
    for n in range(3):
        authorisation(channel, net.dealer1, today + timedelta(days=40 + n), number=f"X{n}")
    with CaptureQueriesContext(connection) as six:
        page = client.get(url)
    assert len(page.context["page"].object_list) == 6
    assert len(six) == len(three)
    expiring = client.get(url, {"state": "expiring"}).context["page"].object_list
    assert [d.pk for d in expiring] == [soon.pk]


def test_a_dealer_admin_reads_its_papers_and_scans_only(client, records, net, channel):
    today = timezone.localdate()
    own = services.document_create(
        actor=channel,
        org=net.dealer1,
        data={"kind": "licence", "number": "LIC-1"},
        upload=pdf("licence.pdf"),
    )
    other = services.document_create(
        actor=channel,
        org=net.dealer3,
        data={"kind": "authorisation", "expires_on": today + timedelta(days=90)},
        upload=pdf("gz.pdf"),
    )
    client.force_login(net.dealer1_admin)
    listed = client.get(reverse("dealers:document_list")).context["page"].object_list
    assert [d.pk for d in listed] == [own.pk]
    record = Dealer.objects.get(org=net.dealer1)
    page = client.get(reverse("dealers:dealer_documents", args=[record.pk]))
    assert page.status_code == 200 and page.context["form"] is None
    assert 'data-testid="renew"' not in page.content.decode()
    scan = client.get(reverse("dealers:document_file", args=[own.pk]))
    assert (scan.status_code, scan["Content-Type"], b"".join(scan.streaming_content)) == (
        200,
        "application/pdf",
        PDF,
    )
    assert scan["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("dealers:document_file", args=[other.pk])).status_code == 404
    other_record = Dealer.objects.get(org=net.dealer3)
    assert (
        client.get(reverse("dealers:dealer_documents", args=[other_record.pk])).status_code == 404
    )
    before = state()
    posted = client.post(reverse("dealers:dealer_documents", args=[record.pk]), {"kind": "licence"})
    assert posted.status_code == 403
    assert client.get(reverse("dealers:document_replace", args=[own.pk])).status_code == 403
    assert state() == before


def test_a_manager_adds_and_renews_papers_on_the_pages(client, records, net, channel):
    record = Dealer.objects.get(org=net.dealer1)
    client.force_login(channel)
    url = reverse("dealers:dealer_documents", args=[record.pk])
    refused = client.post(url, {"kind": "licence", "file": SimpleUploadedFile("a.pdf", b"hello")})
    assert refused.status_code == 400
    assert 'data-testid="error-file"' in refused.content.decode()
    assert not Document.objects.exists()
    done = client.post(
        url,
        {"kind": "authorisation", "number": "SQ-1", "expires_on": "2027-12-31", "file": pdf()},
    )
    assert done.status_code == 302
    doc = Document.objects.get()
    renew = reverse("dealers:document_replace", args=[doc.pk])
    assert client.get(renew).status_code == 200
    assert client.post(renew, {"number": "SQ-2", "expires_on": "2028-12-31"}).status_code == 302
    assert Document.objects.get(replaces=doc).number == "SQ-2"


def test_api_files_and_lists_papers(client, records, net, channel):
    client.force_login(channel)
    created = client.post(
        "/api/v1/dealers/documents",
        {
            "org_id": net.dealer1.pk,
            "kind": "authorisation",
            "number": "SQ-9",
            "expires_on": "2027-06-30",
            "file": pdf(),
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["number"], body["has_file"], body["org"]["code"]) == (
        "authorisation",
        "SQ-9",
        True,
        "DL-HZ1",
    )
    bad = client.post(
        "/api/v1/dealers/documents",
        {"org_id": net.dealer1.pk, "kind": "authorisation"},
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "expiry_required")
    listed = client.get("/api/v1/dealers/documents").json()
    assert [d["number"] for d in listed["items"]] == ["SQ-9"]
    renewed = client.post(
        f"/api/v1/dealers/documents/{body['id']}/renew", {"expires_on": "2028-06-30"}
    )
    assert (renewed.status_code, renewed.json()["replaces_id"]) == (201, body["id"])
    client.force_login(net.dealer3_admin)
    assert client.get(f"/api/v1/dealers/documents/{body['id']}").status_code == 404
