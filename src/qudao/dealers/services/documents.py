"""A dealer's papers: business licence, brand authorisation (授权书) and others, each with its
number, issue and expiry dates and a scan kept in private storage. A renewed paper replaces
the one before it (the old one stays, for the record).

The daily sweep (tasks.dealers_sweep) reminds the dealer's admins and the channel managers
above it 30 and 7 days before a paper expires, once each (`reminded_days`), and puts the
`authorisation_expired` ordering hold on a dealer whose brand authorisation has expired with
no valid one beside it. Uploading a valid authorisation lifts that hold at once.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.core.errors import Conflict
from qudao.core.services import audit_record, event_record, notification_create
from qudao.dealers.constants import REMINDER_DAYS, DocumentKind, FileKind
from qudao.dealers.models import Dealer, DealerFile, Document
from qudao.dealers.services._common import DealerInvalid, field_error
from qudao.network import scope
from qudao.network.constants import Hold, OrgKind
from qudao.network.models import Membership, Org
from qudao.network.services import org_hold

MAX_FILE_BYTES = 5 * 1024 * 1024
# what `filetype` recognises from the first bytes → the content type we store and serve
ALLOWED_FILE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
DOCUMENT_FIELDS = ("kind", "title", "number", "issued_on", "expires_on")
# who hears of a paper about to expire: the dealer's own admins, the channel managers above
DEALER_ROLE = "dealer_admin"
MANAGER_ROLE = "channel_manager"


class DocumentReplaced(Conflict):
    code = "document_replaced"
    default_message = gettext_lazy("This document has been replaced already; renew the latest.")


# --- files ----------------------------------------------------------------------------------


def file_store(*, dealer: Dealer, upload: UploadedFile, kind: str) -> DealerFile:
    """Keep an uploaded scan in private storage after checking its size (≤ 5 MB) and its
    real type from its first bytes (JPEG, PNG or PDF — never the name or the browser's
    word). Refused: `file_too_large`, `file_type_not_allowed`; nothing stored."""
    size = upload.size or 0
    if size > MAX_FILE_BYTES:
        raise field_error(
            "file",
            gettext_lazy("The file is larger than %(mb)s MB."),
            "file_too_large",
            mb=MAX_FILE_BYTES // (1024 * 1024),
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    guess = filetype.guess(head) if head else None
    if guess is None or guess.extension not in ALLOWED_FILE_TYPES or size == 0:
        raise field_error(
            "file",
            gettext_lazy("Upload a JPG, PNG or PDF file."),
            "file_type_not_allowed",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    row = DealerFile(
        dealer=dealer,
        kind=kind,
        name=(upload.name or "file")[-120:],
        content_type=ALLOWED_FILE_TYPES[guess.extension],
        size=size,
        sha256=digest.hexdigest(),
    )
    # the stored name is random (models._upload_to) with the detected extension
    row.file.save(f"upload.{guess.extension}", upload, save=False)
    row.save()
    return row


def require_dealer(org: Org) -> None:
    if org.kind != OrgKind.DEALER:
        raise DealerInvalid(_("%(org)s is not a dealer.") % {"org": org.name}, code="not_a_dealer")


def dealer_record(org: Org) -> Dealer:
    """The lifecycle record a dealer org's files hang on (created for an org that predates
    the app: records.dealer_records_create)."""
    require_dealer(org)
    record = Dealer.objects.filter(org=org).first()
    if record is None:
        from qudao.dealers.services.records import dealer_records_create

        dealer_records_create([org])
        record = Dealer.objects.get(org=org)
    return record


# --- create and replace ---------------------------------------------------------------------


def _date(data: dict[str, Any], name: str) -> date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise field_error(name, gettext_lazy("Enter a valid date."), "invalid_date")
    return parsed


def _clean(data: dict[str, Any], *, kind: str | None = None) -> dict[str, Any]:
    """Kind, title (the kind's name when left blank), number and dates: the expiry after
    the issue date; a brand authorisation always has an expiry date."""
    kind = kind or str(data.get("kind") or "")
    if kind not in DocumentKind.values:
        raise field_error("kind", gettext_lazy("Choose a valid kind."), "invalid_kind")
    issued_on = _date(data, "issued_on")
    expires_on = _date(data, "expires_on")
    if issued_on and expires_on and expires_on <= issued_on:
        raise field_error(
            "expires_on",
            gettext_lazy("The expiry date must come after the issue date."),
            "document_dates_invalid",
        )
    if kind == DocumentKind.AUTHORISATION and expires_on is None:
        raise field_error(
            "expires_on",
            gettext_lazy("A brand authorisation needs its expiry date."),
            "expiry_required",
        )
    title = str(data.get("title") or "").strip() or str(DocumentKind(kind).label)
    return {
        "kind": kind,
        "title": title[:100],
        "number": str(data.get("number") or "").strip()[:60],
        "issued_on": issued_on,
        "expires_on": expires_on,
    }


def _valid_on(day: date) -> Q:
    return Q(expires_on__gte=day) & (Q(issued_on__isnull=True) | Q(issued_on__lte=day))


def _write(
    *, actor: Any, org: Org, clean: dict[str, Any], upload: UploadedFile | None, replaces: Any
) -> Document:
    stored = None
    if upload is not None:
        kind = FileKind.LICENCE if clean["kind"] == DocumentKind.LICENCE else FileKind.OTHER
        stored = file_store(dealer=dealer_record(org), upload=upload, kind=kind)
    document = Document.objects.create(org=org, file=stored, replaces=replaces, **clean)
    audit_record(
        actor=actor,
        action="document.replaced" if replaces else "document.created",
        instance=document,
        changes={
            **{k: [None, str(v) if v is not None else None] for k, v in clean.items()},
            **({"replaces": [None, replaces.pk]} if replaces else {}),
            **({"file": [None, stored.name]} if stored else {}),
        },
    )
    event_record(
        "dealer.document_saved",
        {
            "document_id": document.pk,
            "org_id": org.pk,
            "kind": document.kind,
            "expires_on": str(document.expires_on) if document.expires_on else None,
            "replaces_id": getattr(replaces, "pk", None),
        },
    )
    if document.kind == DocumentKind.AUTHORISATION:
        _lift_if_valid(actor=actor, org=org)
    return document


def _lift_if_valid(*, actor: Any, org: Org) -> None:
    """Ordering resumes as soon as a valid authorisation is on file."""
    org = Org.objects.get(pk=org.pk)
    if Hold.AUTHORISATION_EXPIRED not in org.holds:
        return
    today = timezone.localdate()
    valid = Document.objects.filter(org=org, kind=DocumentKind.AUTHORISATION).filter(
        _valid_on(today)
    )
    if valid.exists():
        org_hold(
            actor=actor,
            org=org,
            reason=Hold.AUTHORISATION_EXPIRED,
            on=False,
            note=str(_("A valid brand authorisation was uploaded.")),
        )


@transaction.atomic
def document_create(
    *, actor: Any, org: Org, data: dict[str, Any], upload: UploadedFile | None = None
) -> Document:
    """A dealer's paper, with its scan when given. The actor manages the dealer
    (MANAGE_DEALERS over it: 404 outside the scope, 403 inside without the right).
    Refused, nothing written: `not_a_dealer`, `invalid_kind`, `invalid_date`,
    `document_dates_invalid`, `expiry_required`, `file_too_large`, `file_type_not_allowed`."""
    scope.require(actor, MANAGE_DEALERS, org)
    require_dealer(org)
    clean = _clean(data)
    return _write(actor=actor, org=org, clean=clean, upload=upload, replaces=None)


@transaction.atomic
def document_replace(
    *, actor: Any, document: Document, data: dict[str, Any], upload: UploadedFile | None = None
) -> Document:
    """The renewed paper of the same kind: a new document that replaces this one, with its
    own dates and scan (reminders start over). Only the latest of a chain is replaced:
    `document_replaced` otherwise."""
    scope.require(actor, MANAGE_DEALERS, document.org)
    old = Document.objects.select_for_update().select_related("org").get(pk=document.pk)
    if Document.objects.filter(replaces=old).exists():
        raise DocumentReplaced
    clean = _clean(data, kind=old.kind)
    return _write(actor=actor, org=old.org, clean=clean, upload=upload, replaces=old)


# --- the daily sweep ------------------------------------------------------------------------


@dataclass
class SweepResult:
    reminders: int = 0
    notified: int = 0
    holds_set: int = 0
    holds_lifted: int = 0


def _recipients(docs: list[Document]) -> dict[int, list[Any]]:
    """Users to notify per org: its dealer admins and the channel managers at orgs above it
    (one query for every org of the sweep)."""
    paths = {d.org.path: d.org_id for d in docs}
    ancestors = {p[:i] for p in paths for i in range(Org.steplen, len(p), Org.steplen)}
    rows = (
        Membership.objects.filter(is_active=True, user__is_active=True)
        .filter(
            Q(org_id__in=set(paths.values()), role__code=DEALER_ROLE)
            | Q(org__path__in=ancestors, role__code=MANAGER_ROLE)
        )
        .select_related("user", "org", "role")
    )
    found: dict[int, dict[int, Any]] = {}
    for m in rows:
        for path, org_id in paths.items():
            mine = m.role.code == DEALER_ROLE and m.org_id == org_id
            above = m.role.code == MANAGER_ROLE and path.startswith(m.org.path)
            if mine or above:
                found.setdefault(org_id, {})[m.user_id] = m.user
    return {org_id: list(users.values()) for org_id, users in found.items()}


def reminders_send(*, today: date | None = None) -> tuple[int, int]:
    """Remind of papers expiring in 30 and 7 days, once each: a paper inside a window whose
    reminder has not gone out gets one (with the days actually left), and every window it is
    inside is marked as reminded. Returns (documents reminded, notifications)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    candidates = list(
        Document.objects.filter(
            expires_on__gte=today, expires_on__lte=horizon, replaced_by__isnull=True
        ).select_related("org")
    )
    due: list[tuple[Document, list[int]]] = []
    for doc in candidates:
        assert doc.expires_on is not None
        left = (doc.expires_on - today).days
        windows = [d for d in REMINDER_DAYS if left <= d and d not in (doc.reminded_days or [])]
        if windows:
            due.append((doc, windows))
    if not due:
        return 0, 0
    recipients = _recipients([doc for doc, _w in due])
    records = dict(
        Dealer.objects.filter(org_id__in={doc.org_id for doc, _w in due}).values_list(
            "org_id", "pk"
        )
    )
    notified = 0
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for doc, windows in due:
            assert doc.expires_on is not None
            left = (doc.expires_on - today).days
            notified += notification_create(
                users=recipients.get(doc.org_id, []),
                topic="dealer.document_expiring",
                title=_("%(title)s of %(org)s expires in %(days)s days")
                % {"title": doc.title, "org": doc.org.name, "days": left},
                body=_("%(title)s %(number)s expires on %(date)s. Upload the renewed one.")
                % {"title": doc.title, "number": doc.number, "date": doc.expires_on},
                url=reverse("dealers:dealer_documents", args=[records[doc.org_id]])
                if doc.org_id in records
                else reverse("dealers:document_list"),
            )
            doc.reminded_days = sorted({*(doc.reminded_days or []), *windows}, reverse=True)
        Document.objects.bulk_update([doc for doc, _w in due], ["reminded_days"])
    return len(due), notified


def authorisation_holds_sweep(*, today: date | None = None) -> tuple[int, int]:
    """Hold ordering of dealers whose brand authorisation has expired with no valid one on
    file; lift the hold of those that have a valid one again (one that was issued for a
    later start, say). Returns (holds set, holds lifted)."""
    today = today or timezone.localdate()
    rows = (
        Document.objects.filter(kind=DocumentKind.AUTHORISATION)
        .values("org_id")
        .annotate(
            expired=Count("pk", filter=Q(expires_on__lt=today)),
            valid=Count("pk", filter=_valid_on(today)),
        )
        .order_by("org_id")
    )
    wanted = {r["org_id"]: bool(r["expired"] and not r["valid"]) for r in rows}
    orgs = Org.objects.filter(pk__in=list(wanted)).order_by("pk")
    held = lifted = 0
    with translation.override(settings.LANGUAGE_CODE):
        for org in orgs:
            has = Hold.AUTHORISATION_EXPIRED in org.holds
            if wanted[org.pk] and not has:
                org_hold(
                    actor=None,
                    org=org,
                    reason=Hold.AUTHORISATION_EXPIRED,
                    on=True,
                    note=str(_("The brand authorisation has expired.")),
                )
                held += 1
            elif has and not wanted[org.pk]:
                org_hold(
                    actor=None,
                    org=org,
                    reason=Hold.AUTHORISATION_EXPIRED,
                    on=False,
                    note=str(_("A valid brand authorisation is on file.")),
                )
                lifted += 1
    return held, lifted


def documents_sweep(*, today: date | None = None) -> SweepResult:
    reminded, notified = reminders_send(today=today)
    held, lifted = authorisation_holds_sweep(today=today)
    return SweepResult(reminders=reminded, notified=notified, holds_set=held, holds_lifted=lifted)
