"""Admission: the public application, the review with its weighted scorecard, questions to the
applicant and the approval chain, up to `approved` (onboarding takes over from there) or
`rejected`; and the brand's scorecard settings.

Rules enforced here (BUSINESS-RULES.md, "Dealer admission and grading"):
- an application is complete and valid before anything is written: USCC checksum, divisions
  that nest, categories and districts that exist, files that are JPEG, PNG or PDF by their
  content, at most MAX_FILE_BYTES each and MAX_FILES in all;
- one open application or dealer per company (USCC): a USCC of a network org or of an open
  application is refused, naming it;
- total score = Σ(weight × score) / Σ(weight) over the brand's active criteria, to 2 places
  (half up); figure-based criteria score themselves from their bands;
- each step of the approval chain is decided in turn by a holder of its role at an org
  covering the dealer's anchor; approving needs a complete scorecard at or above the pass mark
  and a parent chosen; the last approval moves the dealer to `approved`, a rejection to
  `rejected` with its reason.
"""

import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qudao.accounts.constants import MANAGE_DEALERS, ROLES
from qudao.accounts.models import User
from qudao.catalog.models import Category
from qudao.catalog.selectors import brand_org
from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.money import money
from qudao.core.numbering import next_number
from qudao.core.services import audit_record, event_record, notification_create
from qudao.core.text import search_text
from qudao.dealers.constants import CriterionSource, Decision, FileKind, Stage
from qudao.dealers.models import (
    ApprovalStep,
    Criterion,
    Dealer,
    DealerFile,
    Message,
    ReviewSettings,
    Score,
)
from qudao.dealers.services._common import (
    DealerConflict,
    DealerInvalid,
    anchor,
    dealer_for,
    field_error,
    stage_move,
)
from qudao.network import scope
from qudao.network.constants import DivisionLevel, OrgKind, OrgStatus
from qudao.network.models import Division, Membership, Org
from qudao.network.services import clean_uscc

DOC_APPLICATION = "DA"
# The stages of an application (after `approved`, onboarding has the dealer).
ADMISSION_STAGES = (Stage.PROSPECT, Stage.UNDER_REVIEW, Stage.APPROVED, Stage.REJECTED)
# While these, the applicant may still write on the tracking page.
OPEN_STAGES = (Stage.PROSPECT, Stage.UNDER_REVIEW)
MAX_FILES = 10
MAX_FILE_BYTES = 5 * 1024 * 1024
# Detected by content (filetype), never by the name the applicant gave.
FILE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
# The form field each kind of file comes from (errors land there).
FILE_FIELDS: dict[str, str] = {FileKind.LICENCE: "licence_files", FileKind.PHOTO: "photo_files"}
MAX_TEXT = 2000
MAX_BRANDS = 20
MAX_TERRITORY = 50
DEFAULT_CHAIN = ("region_manager", "channel_manager")
DEFAULT_PASS_MARK = Decimal("60.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

# The scorecard a brand starts with (BUSINESS-RULES.md's example weights; 100 % in all):
# (code, name, weight %, source, bands [[minimum, score], …]).
DEFAULT_CRITERIA: tuple[tuple[str, Any, int, str, list[list[int]]], ...] = (
    ("years", _("Years in business"), 4, CriterionSource.YEARS, [[0, 20], [3, 60], [5, 100]]),
    ("brands", _("Brands carried"), 20, CriterionSource.BRANDS, [[0, 30], [1, 70], [2, 100]]),
    ("coverage", _("Network coverage"), 10, CriterionSource.MANUAL, []),
    (
        "capital",
        _("Registered capital"),
        15,
        CriterionSource.CAPITAL,
        [[0, 20], [500_000, 60], [1_000_000, 80], [3_000_000, 100]],
    ),
    (
        "store_area",
        _("Store area"),
        15,
        CriterionSource.STORE_AREA,
        [[0, 20], [100, 60], [200, 80], [400, 100]],
    ),
    ("after_sales", _("After-sales capability"), 16, CriterionSource.MANUAL, []),
    ("credit", _("Credit standing"), 20, CriterionSource.MANUAL, []),
)


# --- errors ---------------------------------------------------------------------------------


class DuplicateApplication(DealerConflict):
    code = "duplicate_application"


class ApplicationClosed(DealerConflict):
    code = "application_closed"
    default_message = _("This application has been decided; it takes no more messages.")


class NotUnderReview(DealerConflict):
    code = "not_under_review"
    default_message = _("Application %(number)s is not under review.")


class ApprovalStarted(DealerConflict):
    code = "approval_started"
    default_message = _(
        "The approval chain of %(number)s has started: its scorecard and parent are fixed."
    )


class StepOutOfTurn(DealerConflict):
    code = "step_out_of_turn"
    default_message = _(
        "Step %(step)s is not the one waiting for a decision: step %(current)s (%(role)s) is."
    )


class WrongApprover(PermissionDenied):
    code = "wrong_approver"
    default_message = _(
        "Step %(step)s is decided by a %(role)s responsible for this dealer's part of the network."
    )


class ScorecardIncomplete(DealerConflict):
    code = "scorecard_incomplete"
    default_message = _("Score every criterion of the scorecard first (missing: %(missing)s).")


class ScoreBelowPassMark(DealerConflict):
    code = "score_below_pass_mark"
    default_message = _("The score %(score)s is below the pass mark %(pass_mark)s.")


class ParentRequired(DealerConflict):
    code = "parent_required"
    default_message = _("Choose the region or distributor the dealer will sit under first.")


class NoBrand(DealerConflict):
    code = "no_brand"
    default_message = _("Applications open once the brand's network is set up.")


# --- the application ------------------------------------------------------------------------


def _field(name: str) -> Any:
    return Dealer._meta.get_field(name)


def _label(name: str) -> str:
    return str(_field(name).verbose_name)


def _required() -> Any:
    return _("This field is required.")


def _text(data: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise field_error(name, _required(), "required")
    limit = _field(name).max_length
    if limit and len(value) > limit:
        raise field_error(name, _("At most %(limit)s characters."), "too_long", limit=limit)
    return value


def _decimal(data: Mapping[str, Any], name: str, *, maximum: Decimal) -> Decimal:
    raw = data.get(name)
    if raw in (None, ""):
        return Decimal("0")
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        value = Decimal("-1")
    if not value.is_finite() or not Decimal("0") <= value <= maximum:
        raise field_error(
            name,
            _("%(field)s must be a number from 0 to %(maximum)s."),
            "invalid_number",
            field=_label(name),
            maximum=maximum,
        )
    return value


def _division(code: Any, level: int, parent: Division | None, name: str) -> Division:
    code = str(getattr(code, "code", code) or "").strip()
    if not code:
        raise field_error(name, _required(), "required")
    found = Division.objects.filter(code=code, level=level).first()
    if found is None or (parent is not None and found.parent_id != parent.code):
        raise field_error(
            name,
            _("%(value)s is not a valid %(field)s here."),
            "invalid_division",
            value=code,
            field=_label(name),
        )
    return found


def _phone(value: str) -> str:
    if not re.fullmatch(r"[0-9+\-() ]{6,20}", value):
        raise field_error(
            "contact_phone", _("Enter a phone number (digits, 6 to 20)."), "invalid_phone"
        )
    return value


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise field_error("email", _("Enter a valid email address."), "invalid_email") from exc
    return value


def _brands(raw: Any) -> list[str]:
    items = re.split(r"[,，、;；\n]", raw) if isinstance(raw, str) else list(raw or [])
    names: list[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_BRANDS or any(len(n) > 40 for n in names):
        raise field_error(
            "brands_carried",
            _("Name at most %(count)s brands, each in at most 40 characters."),
            "invalid_brands",
            count=MAX_BRANDS,
        )
    return names


def _categories(raw: Any) -> list[Category]:
    wanted = {str(v).strip() for v in (raw or []) if str(v).strip()}
    if not wanted:
        raise field_error("categories", _("Choose at least one category."), "required")
    bad = sorted(v for v in wanted if not v.isdigit())
    found = list(Category.objects.filter(pk__in=[int(v) for v in wanted if v.isdigit()]))
    bad += sorted(wanted - {str(c.pk) for c in found} - set(bad))
    if bad:
        raise field_error(
            "categories",
            _("%(value)s is not a category of the brand."),
            "invalid_category",
            value=bad[0],
        )
    return sorted(found, key=lambda c: c.path)


def _territory(raw: Any) -> list[str]:
    items = raw.split() if isinstance(raw, str) else list(raw or [])
    codes = list(dict.fromkeys(str(c).strip() for c in items if str(c).strip()))
    if len(codes) > MAX_TERRITORY:
        raise field_error(
            "intended_territory",
            _("Name at most %(count)s districts."),
            "invalid_territory",
            count=MAX_TERRITORY,
        )
    known = set(
        Division.objects.filter(code__in=codes, level=DivisionLevel.DISTRICT).values_list(
            "code", flat=True
        )
    )
    for code in codes:
        if code not in known:
            raise field_error(
                "intended_territory",
                _("%(value)s is not a district code."),
                "invalid_territory",
                value=code,
            )
    return codes


def application_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The application's fields, checked and normalised; the first fault is refused with the
    field it concerns. Nothing is written."""
    clean: dict[str, Any] = {
        "company_name": _text(data, "company_name"),
        "uscc": clean_uscc(str(data.get("uscc") or "")),
        "legal_rep": _text(data, "legal_rep"),
        "contact_name": _text(data, "contact_name"),
        "contact_phone": _phone(_text(data, "contact_phone")),
        "email": _email(_text(data, "email", required=False)),
    }
    if not clean["uscc"]:
        raise field_error("uscc", _required(), "required")
    province = _division(data.get("province"), DivisionLevel.PROVINCE, None, "province")
    city = _division(data.get("city"), DivisionLevel.CITY, province, "city")
    district = _division(data.get("district"), DivisionLevel.DISTRICT, city, "district")
    clean.update(
        province=province,
        city=city,
        district=district,
        address=_text(data, "address"),
        categories=_categories(data.get("categories")),
        intended_territory=_territory(data.get("intended_territory")),
        registered_capital=money(
            _decimal(data, "registered_capital", maximum=Decimal("99999999999999"))
        ),
        store_area=_decimal(data, "store_area", maximum=Decimal("9999999")).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        ),
        brands_carried=_brands(data.get("brands_carried")),
        note=str(data.get("note") or "").strip()[:MAX_TEXT],
    )
    years = _decimal(data, "years_in_business", maximum=Decimal("200"))
    if years != years.to_integral_value():
        raise field_error(
            "years_in_business", _("Enter a whole number of years."), "invalid_number"
        )
    clean["years_in_business"] = int(years)
    return clean


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    upload: UploadedFile
    name: str
    ext: str
    size: int


def files_check(files: Sequence[tuple[str, UploadedFile]]) -> list[CheckedFile]:
    """Every file is a JPEG, PNG or PDF by its content and at most MAX_FILE_BYTES; at most
    MAX_FILES. Refused with the form field of the first bad one; nothing is written."""
    if len(files) > MAX_FILES:
        raise field_error(
            "photo_files", _("Attach at most %(count)s files."), "too_many_files", count=MAX_FILES
        )
    checked = []
    for kind, upload in files:
        field = FILE_FIELDS.get(kind, "photo_files")
        if kind not in FileKind.values:
            raise field_error(field, _("Unknown kind of file."), "file_type_refused")
        name = os.path.basename(str(upload.name or "file"))[:120]
        size = int(upload.size or 0)
        if size > MAX_FILE_BYTES:
            raise field_error(
                field,
                _("%(file)s is larger than %(mb)s MB."),
                "file_too_large",
                file=name,
                mb=MAX_FILE_BYTES // (1024 * 1024),
            )
        upload.seek(0)
        head = upload.read(512)
        upload.seek(0)
        ext = filetype.guess_extension(head) if head else None
        if ext not in FILE_TYPES:
            raise field_error(
                field,
                _("%(file)s is not a JPEG, PNG or PDF file."),
                "file_type_refused",
                file=name,
            )
        checked.append(CheckedFile(kind, upload, name, str(ext), size))
    return checked


def _duplicate(brand: Org, uscc: str) -> DuplicateApplication | None:
    """The refusal for a USCC already in the network or in an open application, naming it."""
    org = Org.objects.filter(uscc=uscc).first()
    if org is not None:
        text = _("%(name)s (%(uscc)s) is already in the network as %(org_code)s.")
        params = {"name": org.name, "uscc": uscc, "org_code": org.code}
    else:
        dealer = (
            Dealer.objects.filter(brand=brand, uscc=uscc)
            .exclude(stage__in=(Stage.REJECTED, Stage.CLOSED))
            .first()
        )
        if dealer is None:
            return None
        text = _("An application of %(name)s (%(uscc)s) is already open: %(number)s.")
        params = {"name": dealer.company_name, "uscc": uscc, "number": dealer.number}
    message = str(text) % params
    return DuplicateApplication(message, fields={"uscc": [message]})


def _intake_parent(brand: Org, province: Division) -> Org | None:
    """The region covering the applicant's province: the region of the brand's first region
    or distributor located in it (its reviewers see the application); none → the brand's."""
    found = (
        Org.objects.filter(
            path__startswith=brand.path,
            kind__in=(OrgKind.REGION, OrgKind.DISTRIBUTOR),
            province=province,
        )
        .exclude(status=OrgStatus.CLOSED)
        .order_by("depth", "path")
        .first()
    )
    if found is None or found.kind == OrgKind.REGION:
        return found
    above = [found.path[: i * Org.steplen] for i in range(2, found.depth)]
    return Org.objects.filter(path__in=above, kind=OrgKind.REGION).order_by("-depth").first()


def _store(dealer: Dealer, item: CheckedFile) -> DealerFile:
    digest = hashlib.sha256()
    for chunk in item.upload.chunks():
        digest.update(chunk)
    item.upload.seek(0)
    row = DealerFile(
        dealer=dealer,
        kind=item.kind,
        name=item.name,
        content_type=FILE_TYPES[item.ext],
        size=item.size,
        sha256=digest.hexdigest(),
    )
    row.file.save(f"upload.{item.ext}", item.upload, save=False)
    try:
        row.save()
    except BaseException:
        row.file.delete(save=False)
        raise
    return row


def _dealer_search_text(dealer: Dealer) -> str:
    return search_text(dealer.company_name, dealer.uscc, dealer.number, dealer.contact_name)


def _mail_applicant(dealer: Dealer, url: str) -> None:
    subject = str(_("Your dealer application %(number)s") % {"number": dealer.number})
    body = str(
        _(
            "Thank you, %(name)s. Your application number is %(number)s. Follow it, and answer "
            "our questions, at %(url)s"
        )
        % {"name": dealer.company_name, "number": dealer.number, "url": url}
    )
    send_mail(subject, body, None, [dealer.email], fail_silently=True)


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    data: Mapping[str, Any],
    files: Sequence[tuple[str, UploadedFile]] = (),
    client_ip: str | None = None,
    track_url: Callable[[str], str] | None = None,
) -> Dealer:
    """A prospect's application to the brand (the root HQ), from the public form. Checked
    whole first (fields, files, duplicates): a refusal writes nothing, not even a file. The
    applicant gets a number and an unguessable tracking token; with an email address and a
    `track_url(token)`, the link is mailed after commit."""
    brand = brand_org()
    if brand is None:
        raise NoBrand
    clean = application_clean(data)
    uploads = files_check(files)
    refusal = _duplicate(brand, clean["uscc"])
    if refusal is not None:
        raise refusal
    review_settings_defaults(brand=brand)
    categories = clean.pop("categories")
    dealer = Dealer(
        brand=brand,
        number=next_number(DOC_APPLICATION),
        token=secrets.token_urlsafe(32),
        stage=Stage.PROSPECT,
        parent=_intake_parent(brand, clean["province"]),
        submitted_ip=client_ip or None,
        **clean,
    )
    dealer.search_text = _dealer_search_text(dealer)
    try:
        with transaction.atomic():
            dealer.save()
    except IntegrityError as exc:  # an application of the same company committed meanwhile
        raise _duplicate(brand, dealer.uscc) or DuplicateApplication() from exc
    dealer.categories.set(categories)
    stored: list[DealerFile] = []
    try:  # files are not transactional: a failure from here on removes those written
        for item in uploads:
            stored.append(_store(dealer, item))  # noqa: PERF401  (one by one, for the cleanup)
    except BaseException:
        for row in stored:
            row.file.delete(save=False)
        raise
    audit_record(
        actor=actor,
        action="dealer.submitted",
        instance=dealer,
        changes={
            "stage": [None, Stage.PROSPECT],
            "company_name": [None, dealer.company_name],
            "uscc": [None, dealer.uscc],
            "files": [None, len(stored)],
        },
    )
    event_record(
        "dealer.submitted",
        {"dealer_id": dealer.pk, "number": dealer.number, "parent_id": dealer.parent_id},
    )
    if dealer.email and track_url is not None:
        url = track_url(dealer.token)
        transaction.on_commit(lambda: _mail_applicant(dealer, url))
    return dealer


# --- the applicant's side (by token) --------------------------------------------------------


def application_for_token(token: str, *, lock: bool = False) -> Dealer:
    """The application behind a tracking token; any other string → NotFound."""
    token = str(token or "")
    if len(token) < 32:  # tokens are ≥ 32 characters: nothing shorter is looked up
        raise NotFound
    rows = Dealer.objects.select_related("brand", "parent")
    if lock:
        rows = rows.select_for_update(of=("self",))
    dealer = rows.filter(token=token).first()
    if dealer is None or not secrets.compare_digest(dealer.token, token):
        raise NotFound
    return dealer


def _message_text(text: Any) -> str:
    value = str(text or "").strip()
    if not value:
        raise field_error("text", _required(), "required")
    if len(value) > MAX_TEXT:
        raise field_error("text", _("At most %(limit)s characters."), "too_long", limit=MAX_TEXT)
    return value


def _reviewers_of(dealer: Dealer) -> list[Any]:
    """Who hears of the applicant's answer: the reviewers who asked it something, else the
    managers of the dealer's anchor org."""
    asked = {
        m.author_id
        for m in dealer.messages.filter(from_applicant=False, internal=False)
        if m.author_id
    }
    if asked:
        return list(User.objects.filter(pk__in=asked, is_active=True))
    members = Membership.objects.select_related("user", "role").filter(
        org=anchor(dealer), is_active=True, user__is_active=True
    )
    return [m.user for m in members if MANAGE_DEALERS in (m.role.permissions or [])]


@transaction.atomic
def application_answer(*, token: str, text: str) -> Message:
    """The applicant writes to the reviewers (on the tracking page); an open request for more
    information is answered and the application is back with the reviewers."""
    dealer = application_for_token(token, lock=True)
    if dealer.stage not in OPEN_STAGES:
        raise ApplicationClosed
    message = Message.objects.create(dealer=dealer, from_applicant=True, text=_message_text(text))
    was_waiting = dealer.awaiting_applicant
    if was_waiting:
        dealer.awaiting_applicant = False
        dealer.save(update_fields=["awaiting_applicant", "updated_at"])
    audit_record(
        actor=None,
        action="dealer.applicant_answered",
        instance=dealer,
        changes={"awaiting_applicant": [was_waiting, False]},
    )
    event = event_record(
        "dealer.applicant_answered", {"dealer_id": dealer.pk, "message_id": message.pk}
    )
    notification_create(
        users=_reviewers_of(dealer),
        topic="dealer.applicant_answered",
        event=event,
        title=str(
            _("%(name)s answered on application %(number)s")
            % {"name": dealer.company_name, "number": dealer.number}
        ),
        body=message.text[:200],
        url=f"/dealers/applications/{dealer.pk}/",
    )
    return message


# --- the review -----------------------------------------------------------------------------


def _require_stage(dealer: Dealer, *stages: str) -> None:
    if dealer.stage not in stages:
        raise NotUnderReview(number=dealer.number)


def _require_open_scorecard(dealer: Dealer) -> None:
    _require_stage(dealer, Stage.UNDER_REVIEW)
    if dealer.approval_step:
        raise ApprovalStarted(number=dealer.number)


def review_settings_defaults(*, brand: Org) -> ReviewSettings:
    """The brand's review settings, created with the default scorecard (DEFAULT_CRITERIA,
    pass mark 60, chain region manager → channel manager) the first time; idempotent."""
    found = ReviewSettings.objects.filter(brand=brand).first()
    if found is not None:
        return found
    with transaction.atomic():
        settings_row, created = ReviewSettings.objects.get_or_create(
            brand=brand,
            defaults={"pass_mark": DEFAULT_PASS_MARK, "approval_chain": list(DEFAULT_CHAIN)},
        )
        if created and not Criterion.objects.filter(brand=brand).exists():
            with translation.override(settings.LANGUAGE_CODE):
                Criterion.objects.bulk_create(
                    Criterion(
                        brand=brand,
                        code=code,
                        name=str(name),
                        weight=Decimal(weight),
                        source=source,
                        bands=bands,
                        position=position,
                    )
                    for position, (code, name, weight, source, bands) in enumerate(
                        DEFAULT_CRITERIA, 1
                    )
                )
            audit_record(
                actor=None,
                action="dealer.review_settings_created",
                instance=settings_row,
                changes={"criteria": [None, [c[0] for c in DEFAULT_CRITERIA]]},
            )
    return settings_row


def criteria_active(*, brand: Org) -> list[Criterion]:
    review_settings_defaults(brand=brand)
    return list(Criterion.objects.filter(brand=brand, is_active=True).order_by("position", "id"))


def figure_of(dealer: Dealer, source: str) -> Decimal | None:
    """The application's figure a criterion scores by bands (None: a reviewer's score)."""
    if source == CriterionSource.YEARS:
        return Decimal(dealer.years_in_business)
    if source == CriterionSource.CAPITAL:
        return Decimal(dealer.registered_capital)
    if source == CriterionSource.STORE_AREA:
        return Decimal(dealer.store_area)
    if source == CriterionSource.BRANDS:
        return Decimal(len(dealer.brands_carried or []))
    return None


def band_score(bands: Iterable[Sequence[Any]], figure: Decimal) -> Decimal:
    """The score of the highest band minimum the figure reaches (0 below every band)."""
    reached = Decimal("0")
    for minimum, score in sorted(bands, key=lambda band: Decimal(str(band[0]))):
        if figure >= Decimal(str(minimum)):
            reached = Decimal(str(score))
    return reached.quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_total(rows: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """Σ(weight × score) / Σ(weight), to 2 places half up; None while a score is missing."""
    rows = list(rows)
    if not rows or any(score is None for _weight, score in rows):
        return None
    weights = sum((Decimal(w) for w, _s in rows), Decimal("0"))
    if not weights:
        return None
    total = sum((Decimal(w) * Decimal(s or 0) for w, s in rows), Decimal("0"))
    return (total / weights).quantize(CENT, rounding=ROUND_HALF_UP)


def _scorecard_refresh(dealer: Dealer, criteria: list[Criterion]) -> Decimal | None:
    """Score the figure-based criteria from their bands and store the weighted total."""
    have = {s.criterion_id: s for s in Score.objects.filter(dealer=dealer)}
    for criterion in criteria:
        figure = figure_of(dealer, criterion.source)
        if figure is None:
            continue
        value = band_score(criterion.bands or [], figure)
        row = have.get(criterion.pk)
        if row is None:
            have[criterion.pk] = Score.objects.create(
                dealer=dealer, criterion=criterion, value=value, note=""
            )
        elif row.value != value:
            row.value = value
            row.save(update_fields=["value", "scored_at"])
    total = weighted_total((c.weight, have[c.pk].value if c.pk in have else None) for c in criteria)
    if total != dealer.score:
        dealer.score = total
        dealer.save(update_fields=["score", "updated_at"])
    return total


@transaction.atomic
def application_review_start(*, actor: Any, dealer: Dealer) -> Dealer:
    """prospect → under_review; the figure-based criteria are scored at once."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    stage_move(actor=actor, dealer=dealer, stage=Stage.UNDER_REVIEW, action="review_started")
    _scorecard_refresh(dealer, criteria_active(brand=dealer.brand))
    return dealer


def _score_value(code: str, raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        value = Decimal("-1")
    if not value.is_finite() or not Decimal("0") <= value <= HUNDRED:
        raise field_error(f"score_{code}", _("A score is a number from 0 to 100."), "invalid_score")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def application_scores_set(
    *, actor: Any, dealer: Dealer, scores: Sequence[Mapping[str, Any]]
) -> Dealer:
    """The reviewer's scores (0–100, with a note) of manual criteria, named by code; the
    figure-based ones score themselves. The total is stored once every criterion has one."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    _require_open_scorecard(dealer)
    criteria = criteria_active(brand=dealer.brand)
    by_code = {c.code: c for c in criteria}
    have = {s.criterion_id: s for s in Score.objects.filter(dealer=dealer)}
    changes: dict[str, list[Any]] = {}
    for row in scores:
        code = str(row.get("criterion") or "")
        criterion = by_code.get(code)
        if criterion is None:
            raise field_error(
                "scores",
                _("%(value)s is not a criterion of the scorecard."),
                "unknown_criterion",
                value=code,
            )
        if criterion.source != CriterionSource.MANUAL:
            raise field_error(
                f"score_{code}",
                _("%(criterion)s is scored from the application's figures."),
                "criterion_automatic",
                criterion=criterion.name,
            )
        value = _score_value(code, row.get("value"))
        note = str(row.get("note") or "").strip()[:200]
        old = have.get(criterion.pk)
        if old is not None and old.value == value and old.note == note:
            continue
        Score.objects.update_or_create(
            dealer=dealer,
            criterion=criterion,
            defaults={"value": value, "note": note, "scored_by": actor},
        )
        # keyed by the criterion's name: the timeline shows it as people read it
        changes[criterion.name] = [str(old.value) if old else None, str(value)]
    before = dealer.score
    total = _scorecard_refresh(dealer, criteria)
    if changes or before != total:
        changes["score"] = [str(before) if before is not None else None, str(total)]
        audit_record(actor=actor, action="dealer.scored", instance=dealer, changes=changes)
        event_record(
            "dealer.scored",
            {"dealer_id": dealer.pk, "score": str(total) if total is not None else None},
        )
    return dealer


@transaction.atomic
def application_parent_set(*, actor: Any, dealer: Dealer, parent_id: Any) -> Dealer:
    """Where the dealer will sit: a region or distributor of the brand that the actor
    manages dealers in. Fixed once the approval chain has started."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    _require_stage(dealer, *OPEN_STAGES)
    if dealer.approval_step:
        raise ApprovalStarted(number=dealer.number)
    parent = (
        Org.objects.filter(
            pk=parent_id,
            path__startswith=dealer.brand.path,
            kind__in=(OrgKind.REGION, OrgKind.DISTRIBUTOR),
        )
        .exclude(status=OrgStatus.CLOSED)
        .first()
        if str(parent_id).isdigit()
        else None
    )
    if parent is None or not scope.can(actor, MANAGE_DEALERS, parent):
        raise field_error(
            "parent",
            _("Choose a region or distributor of the brand in your part of the network."),
            "invalid_parent",
        )
    before = dealer.parent
    if before is not None and before.pk == parent.pk:
        return dealer
    dealer.parent = parent
    dealer.save(update_fields=["parent", "updated_at"])
    audit_record(
        actor=actor,
        action="dealer.parent_set",
        instance=dealer,
        changes={"parent": [str(before) if before else None, str(parent)]},
    )
    event_record("dealer.parent_set", {"dealer_id": dealer.pk, "parent_id": parent.pk})
    return dealer


@transaction.atomic
def application_info_request(*, actor: Any, dealer: Dealer, text: str) -> Message:
    """A question to the applicant, shown on its tracking page; the application stays under
    review, waiting for the answer."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    _require_stage(dealer, Stage.UNDER_REVIEW)
    message = Message.objects.create(dealer=dealer, author=actor, text=_message_text(text))
    if not dealer.awaiting_applicant:
        dealer.awaiting_applicant = True
        dealer.save(update_fields=["awaiting_applicant", "updated_at"])
    audit_record(
        actor=actor,
        action="dealer.info_requested",
        instance=dealer,
        changes={"question": [None, message.text[:200]]},
    )
    event_record("dealer.info_requested", {"dealer_id": dealer.pk, "message_id": message.pk})
    return message


@transaction.atomic
def application_note_add(*, actor: Any, dealer: Dealer, text: str) -> Message:
    """A reviewers' note on the application (never shown to the applicant)."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    _require_stage(dealer, *ADMISSION_STAGES)
    message = Message.objects.create(
        dealer=dealer, author=actor, internal=True, text=_message_text(text)
    )
    audit_record(
        actor=actor,
        action="dealer.note_added",
        instance=dealer,
        changes={"note": [None, message.text[:200]]},
    )
    return message


def role_label(code: str) -> str:
    return str(ROLES[code][0]) if code in ROLES else code


def holds_role(actor: Any, role: str, org: Org) -> bool:
    """Does the actor hold `role` at the org or one above it?"""
    if getattr(actor, "is_superuser", False):
        return True
    return any(g.role == role and org.path.startswith(g.path) for g in scope.grants(actor))


def _check_approvable(dealer: Dealer, pass_mark: Decimal) -> None:
    if dealer.parent_id is None and dealer.org_id is None:
        raise ParentRequired
    if dealer.score is None:
        criteria = criteria_active(brand=dealer.brand)
        scored = set(Score.objects.filter(dealer=dealer).values_list("criterion_id", flat=True))
        missing = "、".join(c.name for c in criteria if c.pk not in scored)
        raise ScorecardIncomplete(missing=missing or "—")
    if dealer.score < pass_mark:
        raise ScoreBelowPassMark(score=dealer.score, pass_mark=pass_mark)


@transaction.atomic
def application_decide(
    *, actor: Any, dealer: Dealer, step: int, decision: str, comment: str = ""
) -> Dealer:
    """Decide step `step` of the approval chain (it must be the one waiting), as a holder of
    its role at an org covering the dealer's anchor. Approve: complete scorecard at or above
    the pass mark and a parent chosen; the last approval → approved. Reject (a reason is
    required) → rejected, the reason shown to the applicant."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    _require_stage(dealer, Stage.UNDER_REVIEW)
    review = review_settings_defaults(brand=dealer.brand)
    chain = list(review.approval_chain or DEFAULT_CHAIN)
    current = dealer.approval_step
    if current >= len(chain):  # the chain was shortened after this one started: re-check
        current = len(chain) - 1
    role = chain[current]
    if str(step) != str(dealer.approval_step):
        raise StepOutOfTurn(step=step, current=dealer.approval_step + 1, role=role_label(role))
    if decision not in Decision.values:
        raise field_error("decision", _("Choose approve or reject."), "invalid_decision")
    if not holds_role(actor, role, anchor(dealer)):
        raise WrongApprover(step=current + 1, role=role_label(role))
    comment = str(comment or "").strip()[:200]
    if decision == Decision.REJECT and not comment:
        raise field_error("comment", _("Give the reason for the rejection."), "reason_required")
    if decision == Decision.APPROVE:
        _check_approvable(dealer, review.pass_mark)
    ApprovalStep.objects.create(
        dealer=dealer,
        step=dealer.approval_step,
        role=role,
        decision=decision,
        comment=comment,
        decided_by=actor,
    )
    dealer.approval_step += 1
    dealer.awaiting_applicant = False
    dealer.save(update_fields=["approval_step", "awaiting_applicant", "updated_at"])
    if decision == Decision.REJECT:
        reason = comment
        return stage_move(
            actor=actor, dealer=dealer, stage=Stage.REJECTED, action="rejected", reason=reason
        )
    if dealer.approval_step >= len(chain):
        return stage_move(
            actor=actor,
            dealer=dealer,
            stage=Stage.APPROVED,
            action="approved",
            score=str(dealer.score),
        )
    audit_record(
        actor=actor,
        action="dealer.step_approved",
        instance=dealer,
        changes={
            "approval_step": [current, dealer.approval_step],
            "role": [None, role_label(role)],
        },
    )
    event_record(
        "dealer.step_approved",
        {"dealer_id": dealer.pk, "step": current, "next_role": chain[dealer.approval_step]},
    )
    return dealer


# --- the brand's settings -------------------------------------------------------------------


class WeightsNot100(DealerInvalid):
    code = "weights_not_100"
    default_message = _("The weights of the active criteria add up to %(total)s, not 100.")


def require_settings_manager(actor: Any, brand: Org) -> None:
    """The brand's channel team at HQ (brand admin, channel manager) sets the scorecard."""
    if not scope.can(actor, MANAGE_DEALERS, brand):
        raise PermissionDenied


def _bands(raw: Any, name: str) -> list[list[Any]]:
    bands: list[list[Any]] = []
    try:
        for minimum, score in raw or []:
            low, value = Decimal(str(minimum)), Decimal(str(score))
            if not (low >= 0 and Decimal("0") <= value <= HUNDRED):
                raise InvalidOperation
            bands.append([_plain(low), _plain(value)])
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise field_error(
            "criteria",
            _("The bands of %(criterion)s are pairs of a minimum (0 or more) and a score (0–100)."),
            "invalid_bands",
            criterion=name,
        ) from exc
    if not bands or len({b[0] for b in bands}) != len(bands):
        raise field_error(
            "criteria",
            _("%(criterion)s needs at least one band, each with its own minimum."),
            "invalid_bands",
            criterion=name,
        )
    return sorted(bands, key=lambda b: Decimal(str(b[0])))


def _plain(value: Decimal) -> int | str:
    """A band number as JSON keeps it: an int when whole, else a decimal string."""
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def _criterion_row(row: Mapping[str, Any]) -> dict[str, Any]:
    name = str(row.get("name") or "").strip()
    if not name or len(name) > 60:
        raise field_error(
            "criteria", _("Each criterion needs a name of at most 60 characters."), "required"
        )
    source = str(row.get("source") or CriterionSource.MANUAL)
    if source not in CriterionSource.values:
        raise field_error(
            "criteria", _("%(value)s is not a source of scores."), "invalid_source", value=source
        )
    try:
        weight = Decimal(str(row.get("weight"))).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        weight = Decimal("-1")
    if not Decimal("0") < weight <= HUNDRED:
        raise field_error(
            "criteria",
            _("The weight of %(criterion)s must be more than 0 and at most 100."),
            "invalid_weight",
            criterion=name,
        )
    bands = [] if source == CriterionSource.MANUAL else _bands(row.get("bands"), name)
    active = row.get("active", True) not in (False, "false", "0", "", None)
    return {
        "code": str(row.get("code") or "").strip()[:32],
        "name": name,
        "weight": weight,
        "source": source,
        "bands": bands,
        "is_active": active,
    }


def _chain(raw: Sequence[Any]) -> list[str]:
    chain = [str(r).strip() for r in raw if str(r).strip()]
    allowed = {code for code, (_l, _k, perms) in ROLES.items() if MANAGE_DEALERS in perms}
    if not chain or len(set(chain)) != len(chain) or not set(chain) <= allowed:
        raise field_error(
            "approval_chain",
            _("The approval chain is one or more different roles that manage dealers (%(roles)s)."),
            "invalid_chain",
            roles=", ".join(sorted(allowed)),
        )
    return chain


def _settings_snapshot(review: ReviewSettings, criteria: Iterable[Criterion]) -> dict[str, Any]:
    return {
        "pass_mark": str(review.pass_mark),
        "approval_chain": list(review.approval_chain),
        "criteria": [f"{c.code}:{c.weight}:{c.source}" for c in criteria if c.is_active],
    }


@transaction.atomic
def review_settings_update(
    *,
    actor: Any,
    brand: Org,
    pass_mark: Any,
    approval_chain: Sequence[Any],
    criteria: Sequence[Mapping[str, Any]],
) -> ReviewSettings:
    """The brand's scorecard: criteria (by code: new codes are made for new rows; criteria
    left out are deactivated, never deleted, as scores refer to them), the pass mark and the
    approval chain. The active weights must add up to exactly 100."""
    require_settings_manager(actor, brand)
    review_settings_defaults(brand=brand)
    review = ReviewSettings.objects.select_for_update().get(brand=brand)
    try:
        mark = Decimal(str(pass_mark)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        mark = Decimal("-1")
    if not Decimal("0") <= mark <= HUNDRED:
        raise field_error(
            "pass_mark", _("The pass mark is a number from 0 to 100."), "invalid_pass_mark"
        )
    chain = _chain(approval_chain)
    rows = [_criterion_row(r) for r in criteria]
    active_total = sum((r["weight"] for r in rows if r["is_active"]), Decimal("0"))
    if active_total != HUNDRED:
        raise WeightsNot100(
            fields={"criteria": [str(_("The weights must add up to 100."))]},
            total=_plain(active_total),
        )
    existing = {c.code: c for c in Criterion.objects.select_for_update().filter(brand=brand)}
    before = _settings_snapshot(review, existing.values())
    kept: set[str] = set()
    for position, row in enumerate(rows, 1):
        code = row.pop("code") or _new_code(existing, kept)
        if code in kept:
            raise field_error(
                "criteria",
                _("The criterion %(value)s is listed twice."),
                "invalid_criteria",
                value=code,
            )
        kept.add(code)
        criterion = existing.get(code) or Criterion(brand=brand, code=code)
        for key, value in row.items():
            setattr(criterion, key, value)
        criterion.position = position
        criterion.save()
        existing[code] = criterion
    for code, criterion in existing.items():
        if code not in kept and criterion.is_active:
            criterion.is_active = False
            criterion.save(update_fields=["is_active"])
    review.pass_mark = mark
    review.approval_chain = chain
    review.save(update_fields=["pass_mark", "approval_chain"])
    after = _settings_snapshot(review, existing.values())
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changes:
        audit_record(
            actor=actor, action="dealer.review_settings_changed", instance=review, changes=changes
        )
        event_record("dealer.review_settings_changed", {"brand_id": brand.pk})
    return review


def _new_code(existing: Mapping[str, Criterion], taken: set[str]) -> str:
    n = len(existing) + 1
    while f"c{n}" in existing or f"c{n}" in taken:
        n += 1
    return f"c{n}"
