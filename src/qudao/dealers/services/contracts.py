"""A dealer's yearly contract with its seller (its parent distributor, or HQ): term, price
grade, deposit, policies and purchase targets by quarter. Drafted and edited, activated (one
active contract per dealer, seller and year — the partial unique index is the last word),
renewed (a draft for the next year with the same targets, pointing at the one it renews) and
ended (by hand, or by the daily sweep once its term is over)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.catalog.models import Category
from qudao.core.errors import Conflict, check_transition
from qudao.core.money import money
from qudao.core.numbering import next_number
from qudao.core.services import audit_record, event_record
from qudao.dealers.constants import CONTRACT_PIPELINE, ContractStatus, FileKind
from qudao.dealers.models import Contract, Target
from qudao.dealers.services._common import DealerInvalid, field_error
from qudao.dealers.services.documents import dealer_record, file_store, require_dealer
from qudao.network import scope
from qudao.network.constants import Grade
from qudao.network.models import Org
from qudao.network.selectors import default_seller, sells_to

DOC_CONTRACT = "CT"
MAX_TARGETS = 100
CONTRACT_FIELDS = ("seller", "year", "starts_on", "ends_on", "grade", "deposit", "policies")


class ContractNotDraft(Conflict):
    code = "contract_not_draft"
    default_message = gettext_lazy("Only a draft contract can be changed.")


class ContractAlreadyActive(Conflict):
    code = "contract_already_active"


class ContractAlreadyRenewed(Conflict):
    code = "contract_already_renewed"


@dataclass(frozen=True)
class TargetIn:
    quarter: Any
    category: Any = None  # a Category, its id, or None for everything
    amount: Any = None
    units: Any = None


# --- cleaning -------------------------------------------------------------------------------


def _target_error(n: int, message: Any, code: str, **params: Any) -> DealerInvalid:
    text = (_("Target %(n)s: ") % {"n": n}) + (str(message) % params if params else str(message))
    return DealerInvalid(text, code=code, fields={"targets": [text]})


def _number(value: Any, n: int, *, whole: bool) -> Any:
    if value in (None, ""):
        return None
    try:
        number = int(str(value)) if whole else money(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise _target_error(n, gettext_lazy("Enter a number."), "target_value_invalid") from exc
    if number <= 0:
        raise _target_error(
            n, gettext_lazy("Amounts and units must be above zero."), "target_value_invalid"
        )
    return number


def _category(value: Any, n: int, categories: dict[int, Category]) -> Category | None:
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        return value
    found = categories.get(int(value)) if str(value).isdigit() else None
    if found is None:
        raise _target_error(n, gettext_lazy("Unknown category."), "target_category_unknown")
    return found


def clean_targets(rows: list[Any]) -> list[TargetIn]:
    """Quarters 1–4, an amount and/or units above zero, a known category (or none: all),
    one target per quarter and category. Refused with the target's position."""
    if len(rows) > MAX_TARGETS:
        raise field_error(
            "targets",
            gettext_lazy("At most %(max)s targets."),
            "too_many_targets",
            max=MAX_TARGETS,
        )
    items = [r if isinstance(r, TargetIn) else TargetIn(**dict(r)) for r in rows]
    wanted = {int(i.category) for i in items if str(i.category or "").isdigit()}
    categories = Category.objects.in_bulk(list(wanted)) if wanted else {}
    clean: list[TargetIn] = []
    seen: set[tuple[int, int | None]] = set()
    for n, item in enumerate(items, start=1):
        quarter = int(item.quarter) if str(item.quarter).strip().isdigit() else 0
        if not 1 <= quarter <= 4:
            raise _target_error(
                n, gettext_lazy("The quarter must be 1 to 4."), "target_quarter_invalid"
            )
        amount = _number(item.amount, n, whole=False)
        units = _number(item.units, n, whole=True)
        if amount is None and units is None:
            raise _target_error(
                n, gettext_lazy("Give an amount, units or both."), "target_measure_missing"
            )
        category = _category(item.category, n, categories)
        key = (quarter, category.pk if category else None)
        if key in seen:
            raise _target_error(
                n,
                gettext_lazy("There is already a target for this quarter and category."),
                "target_duplicate",
            )
        seen.add(key)
        clean.append(TargetIn(quarter, category, amount, units))
    return clean


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise field_error(name, gettext_lazy("Enter a valid date."), "invalid_date")
    return parsed


def _year(value: Any) -> int:
    year = int(value) if str(value).strip().isdigit() else 0
    if not 2000 <= year <= 2100:
        raise field_error("year", gettext_lazy("Enter a year from 2000 to 2100."), "invalid_year")
    return year


def _seller(org: Org, value: Any) -> Org:
    if value in (None, ""):
        seller = default_seller(org=org)
    elif isinstance(value, Org):
        seller = value
    else:
        seller = Org.objects.filter(pk=value).first() if str(value).isdigit() else None
    if seller is None or not sells_to(seller=seller, buyer=org):
        raise field_error(
            "seller",
            gettext_lazy("%(org)s does not buy from this seller."),
            "seller_invalid",
            org=org.name,
        )
    return seller


def _clean(org: Org, data: dict[str, Any], current: Contract | None = None) -> dict[str, Any]:
    """The contract's fields from `data`, what is missing kept from `current` (or the
    defaults: the default seller, this year, 1 January to 31 December)."""

    def given(name: str) -> Any:
        if name in data:
            return data[name]
        return getattr(current, name, None) if current else None

    year_in = given("year")
    starts_on = _date(given("starts_on"), "starts_on")
    year = _year(year_in if year_in not in (None, "") else (starts_on or timezone.localdate()).year)
    starts_on = starts_on or date(year, 1, 1)
    ends_on = _date(given("ends_on"), "ends_on") or date(year, 12, 31)
    if ends_on <= starts_on:
        raise field_error(
            "ends_on",
            gettext_lazy("The contract must end after it starts."),
            "contract_term_invalid",
        )
    grade = str(given("grade") or "")
    if grade and grade not in Grade.values:
        raise field_error("grade", gettext_lazy("Choose a valid grade."), "invalid_grade")
    try:
        deposit = money(Decimal(str(given("deposit") or "0")))
    except InvalidOperation as exc:
        raise field_error("deposit", gettext_lazy("Enter a number."), "invalid_deposit") from exc
    if deposit < 0:
        raise field_error(
            "deposit", gettext_lazy("The deposit cannot be negative."), "invalid_deposit"
        )
    return {
        "seller": _seller(org, given("seller")),
        "year": year,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "grade": grade,
        "deposit": deposit,
        "policies": str(given("policies") or "").strip()[:5000],
    }


def _snapshot(contract: Contract) -> dict[str, Any]:
    return {
        "seller": contract.seller.name,
        "year": contract.year,
        "starts_on": str(contract.starts_on),
        "ends_on": str(contract.ends_on),
        "grade": contract.grade,
        "deposit": str(contract.deposit),
        "policies": contract.policies,
    }


def _target_text(quarter: int, code: str | None, amount: Any, units: Any) -> str:
    """A target as the timeline reads it: "Q2 C-BIKE ¥50000.00 ×40"."""
    parts = [f"Q{quarter}", code or "", f"¥{amount}" if amount is not None else ""]
    return " ".join(p for p in [*parts, f"×{units}" if units else ""] if p)


def _targets_summary(targets: list[TargetIn]) -> list[str]:
    return [
        _target_text(t.quarter, t.category.code if t.category else None, t.amount, t.units)
        for t in targets
    ]


def _write_targets(contract: Contract, targets: list[TargetIn]) -> None:
    contract.targets.all().delete()
    Target.objects.bulk_create(
        [
            Target(
                contract=contract,
                quarter=t.quarter,
                category=t.category,
                amount=t.amount,
                units=t.units,
            )
            for t in targets
        ]
    )


def _attach(contract: Contract, upload: UploadedFile | None) -> None:
    if upload is not None:
        contract.file = file_store(
            dealer=dealer_record(contract.org), upload=upload, kind=FileKind.OTHER
        )


def _event(topic: str, contract: Contract, **extra: Any) -> None:
    event_record(
        topic,
        {
            "contract_id": contract.pk,
            "number": contract.number,
            "org_id": contract.org_id,
            "seller_id": contract.seller_id,
            "year": contract.year,
            "status": contract.status,
            **extra,
        },
    )


def _lock(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("org", "seller")
        .get(pk=contract.pk)
    )


# --- services -------------------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    org: Org,
    data: dict[str, Any],
    targets: list[Any] | None = None,
    upload: UploadedFile | None = None,
) -> Contract:
    """A draft contract of a dealer the actor manages (MANAGE_DEALERS), with its targets and
    the signed scan when given. Refused, nothing written: `not_a_dealer`, `seller_invalid`,
    `invalid_year`, `invalid_date`, `contract_term_invalid`, `invalid_grade`,
    `invalid_deposit`, `target_quarter_invalid`, `target_measure_missing`,
    `target_value_invalid`, `target_category_unknown`, `target_duplicate`, and the file's."""
    scope.require(actor, MANAGE_DEALERS, org)
    require_dealer(org)
    clean = _clean(org, data)
    rows = clean_targets(list(targets or []))
    contract = Contract(org=org, number=next_number(DOC_CONTRACT), **clean)
    _attach(contract, upload)
    contract.save()
    _write_targets(contract, rows)
    audit_record(
        actor=actor,
        action="contract.created",
        instance=contract,
        changes={
            **{k: [None, v] for k, v in _snapshot(contract).items()},
            "targets": [None, _targets_summary(rows)],
        },
    )
    _event("contract.created", contract)
    return contract


@transaction.atomic
def contract_update(
    *,
    actor: Any,
    contract: Contract,
    data: dict[str, Any],
    targets: list[Any] | None = None,
    upload: UploadedFile | None = None,
) -> Contract:
    """Change a draft: the given fields, and its targets when `targets` is given (all of
    them: the list replaces the old one). Anything but a draft: `contract_not_draft`."""
    scope.require(actor, MANAGE_DEALERS, contract.org)
    contract = _lock(contract)
    if contract.status != ContractStatus.DRAFT:
        raise ContractNotDraft
    before = _snapshot(contract)
    clean = _clean(contract.org, data, current=contract)
    rows = clean_targets(list(targets)) if targets is not None else None
    for key, value in clean.items():
        setattr(contract, key, value)
    _attach(contract, upload)
    contract.save()
    after = _snapshot(contract)
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if rows is not None:
        old_text = [
            _target_text(t.quarter, t.category.code if t.category else None, t.amount, t.units)
            for t in contract.targets.select_related("category")
        ]
        new = _targets_summary(rows)
        _write_targets(contract, rows)
        if old_text != new:
            changes["targets"] = [old_text, new]
    if upload is not None:
        changes["file"] = [None, upload.name]
    audit_record(actor=actor, action="contract.updated", instance=contract, changes=changes)
    _event("contract.updated", contract, fields=sorted(changes))
    return contract


@transaction.atomic
def contract_activate(*, actor: Any, contract: Contract) -> Contract:
    """A draft takes effect. One active contract per dealer, seller and year:
    `contract_already_active` names the one in force."""
    scope.require(actor, MANAGE_DEALERS, contract.org)
    contract = _lock(contract)
    check_transition(CONTRACT_PIPELINE, contract.status, ContractStatus.ACTIVE)
    clash = (
        Contract.objects.filter(
            org=contract.org,
            seller=contract.seller,
            year=contract.year,
            status=ContractStatus.ACTIVE,
        )
        .exclude(pk=contract.pk)
        .first()
    )
    if clash is not None:
        raise ContractAlreadyActive(
            _("%(number)s is already in force for %(org)s with %(seller)s in %(year)s.")
            % {
                "number": clash.number,
                "org": contract.org.name,
                "seller": contract.seller.name,
                "year": contract.year,
            }
        )
    contract.status = ContractStatus.ACTIVE
    try:
        with transaction.atomic():
            contract.save(update_fields=["status"])
    except IntegrityError as exc:  # a concurrent activation won the race
        raise ContractAlreadyActive(
            _("Another contract is already in force for %(org)s in %(year)s.")
            % {"org": contract.org.name, "year": contract.year}
        ) from exc
    audit_record(
        actor=actor,
        action="contract.activated",
        instance=contract,
        changes={"status": [ContractStatus.DRAFT, ContractStatus.ACTIVE]},
    )
    _event("contract.activated", contract)
    return contract


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def contract_renew(*, actor: Any, contract: Contract) -> Contract:
    """The next year's draft: same seller, grade, deposit, policies and targets, the term a
    year on, pointing at this one. Only an active or ended contract is renewed, once:
    `invalid_transition`, `contract_already_renewed`."""
    scope.require(actor, MANAGE_DEALERS, contract.org)
    contract = _lock(contract)
    if contract.status == ContractStatus.DRAFT:
        raise DealerInvalid(
            _("Activate the contract before renewing it."), code="contract_not_active"
        )
    existing = Contract.objects.filter(renews=contract).first()
    if existing is not None:
        raise ContractAlreadyRenewed(
            _("%(number)s has been renewed already by %(renewal)s.")
            % {"number": contract.number, "renewal": existing.number}
        )
    renewal = Contract.objects.create(
        org=contract.org,
        seller=contract.seller,
        number=next_number(DOC_CONTRACT),
        year=contract.year + 1,
        starts_on=_next_year(contract.starts_on),
        ends_on=_next_year(contract.ends_on),
        grade=contract.grade,
        deposit=contract.deposit,
        policies=contract.policies,
        renews=contract,
    )
    Target.objects.bulk_create(
        [
            Target(
                contract=renewal,
                quarter=t.quarter,
                category_id=t.category_id,
                amount=t.amount,
                units=t.units,
            )
            for t in contract.targets.order_by("quarter", "id")
        ]
    )
    audit_record(
        actor=actor,
        action="contract.renewed",
        instance=renewal,
        changes={"renews": [None, contract.number], "year": [None, renewal.year]},
    )
    _event("contract.renewed", renewal, renews_id=contract.pk)
    return renewal


def _end(*, actor: Any, contract: Contract, reason: str) -> Contract:
    check_transition(CONTRACT_PIPELINE, contract.status, ContractStatus.ENDED)
    contract.status = ContractStatus.ENDED
    contract.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="contract.ended",
        instance=contract,
        changes={
            "status": [ContractStatus.ACTIVE, ContractStatus.ENDED],
            **({"reason": [None, reason]} if reason else {}),
        },
    )
    _event("contract.ended", contract, reason=reason)
    return contract


@transaction.atomic
def contract_end(*, actor: Any, contract: Contract, reason: str = "") -> Contract:
    """An active contract stops (before its term is over, or at its end)."""
    scope.require(actor, MANAGE_DEALERS, contract.org)
    return _end(actor=actor, contract=_lock(contract), reason=reason.strip()[:200])


def contracts_expire(*, today: date | None = None) -> int:
    """The daily sweep: active contracts whose term is over end (each in its own
    transaction, by the system)."""
    today = today or timezone.localdate()
    ended = 0
    for pk in Contract.objects.filter(status=ContractStatus.ACTIVE, ends_on__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            contract = Contract.objects.select_for_update(of=("self",)).get(pk=pk)
            if contract.status == ContractStatus.ACTIVE:
                _end(actor=None, contract=contract, reason=str(_("The term is over.")))
                ended += 1
    return ended
