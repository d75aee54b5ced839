"""Onboarding (issue 8): once approved, a dealer is onboarded through a checklist the system
drives, one service per item, each refused out of order (ITEM_NEEDS) with the missing item
named and nothing written:

- contract — the signed contract (a scan, type- and size-checked, kept in private storage);
- org — the dealer's org under the parent chosen at review, active but with the `onboarding`
  ordering hold, and its supply links (goods from its seller, spare parts from the brand);
- deposit (保证金) — posted to finance on the position with its seller (MANAGE_FINANCE there);
- users — the applicant's contact invited as the dealer's admin, with a one-time password;
- price grade — the org's grade, and the brand's grade terms with its seller when set;
- credit — the credit profile with its seller (MANAGE_FINANCE there);
- territory — district rights, exclusive or not; an exclusive right another dealer holds on
  the same district and category is refused with that dealer named;
- first order — the first approved order of the dealer (outbox handler), which makes it
  active.

Ordering opens (the hold is lifted) the moment every item of ITEMS_BEFORE_ORDERING is done.
The seller of a dealer is its nearest selling ancestor (its distributor, else the brand).
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.accounts.models import User
from qudao.catalog.models import Category
from qudao.core.errors import Conflict, NotFound, PermissionDenied
from qudao.core.money import is_money
from qudao.core.services import audit_record, event_record
from qudao.dealers.constants import (
    ITEM_NEEDS,
    ITEMS_BEFORE_ORDERING,
    FileKind,
    ItemCode,
    Stage,
)
from qudao.dealers.models import Dealer, GradeTerms, OnboardingItem, Territory
from qudao.dealers.selectors.onboarding import (
    brand_of,
    may_do,
    onboarding_dealer_for,
    seller_of,
)
from qudao.dealers.services._common import DealerConflict, dealer_for, field_error, stage_move
from qudao.finance import services as finance
from qudao.finance.models import LedgerEntry, Position
from qudao.network import scope
from qudao.network import services as network
from qudao.network.constants import DivisionLevel, Grade, Hold, OrgKind, SupplyKind
from qudao.network.models import Division, Membership, Org
from qudao.network.selectors import default_seller

DEALER_ADMIN_ROLE = "dealer_admin"


class OnboardingOutOfOrder(Conflict):
    code = "onboarding_out_of_order"


class OnboardingItemDone(Conflict):
    code = "onboarding_item_done"


class NotOnboarding(DealerConflict):
    code = "dealer_not_onboarding"


class TerritoryConflict(Conflict):
    code = "territory_conflict"


@dataclass(frozen=True)
class Invitation:
    """The dealer admin invited at the users item; the password is shown once, never kept."""

    user: User
    membership: Membership
    password: str


def _open_item(actor: Any, dealer: Dealer, code: str) -> tuple[Dealer, dict[str, OnboardingItem]]:
    """Lock the dealer and its checklist; refuse unless the item is open and its
    prerequisites are done (the first missing one named)."""
    locked = onboarding_dealer_for(actor, dealer.pk, lock=True)
    if not may_do(actor, locked, code):
        raise PermissionDenied
    if locked.stage != Stage.ONBOARDING:
        raise NotOnboarding(
            _("%(dealer)s is not being onboarded (%(stage)s).")
            % {"dealer": locked.company_name, "stage": Stage(locked.stage).label}
        )
    items = {
        i.code: i
        for i in OnboardingItem.objects.select_for_update().filter(dealer=locked).order_by("id")
    }
    item = items.get(code)
    if item is None:
        raise NotOnboarding(_("This dealer has no onboarding checklist."))
    if item.done_at is not None:
        raise OnboardingItemDone(
            _("“%(item)s” is already done.") % {"item": ItemCode(code).label}, item=code
        )
    missing = [c for c in ITEM_NEEDS[code] if c in items and items[c].done_at is None]
    if missing:
        raise OnboardingOutOfOrder(
            _("“%(item)s” must be done before “%(this)s”.")
            % {"item": ItemCode(missing[0]).label, "this": ItemCode(code).label},
            missing=[str(c) for c in missing],
        )
    return locked, items


def _org(dealer: Dealer) -> Org:
    """The dealer's org (every item after the org item has one)."""
    if dealer.org is None:
        raise OnboardingOutOfOrder(
            _("“%(item)s” must be done first.") % {"item": ItemCode.ORG.label},
            missing=[str(ItemCode.ORG)],
        )
    return dealer.org


def _done(
    *,
    actor: Any,
    dealer: Dealer,
    items: dict[str, OnboardingItem],
    code: str,
    note: str,
    **changes: Any,
) -> OnboardingItem:
    """Tick the item (who, when, a note), with its audit row and event; open ordering when
    it was the last item needed for that."""
    item = items[code]
    item.done_at = timezone.now()
    item.done_by = actor if getattr(actor, "pk", None) else None
    item.note = note[:200]
    item.save(update_fields=["done_at", "done_by", "note"])
    audit_record(
        actor=actor,
        action="dealer.onboarding_item_done",
        instance=dealer,
        changes={"item": [None, str(code)], "note": [None, item.note], **changes},
    )
    event_record(
        "dealer.onboarding_item_done",
        {"dealer_id": dealer.pk, "org_id": dealer.org_id, "item": str(code)},
    )
    if code in ITEMS_BEFORE_ORDERING and dealer.org is not None:
        waiting = [c for c in ITEMS_BEFORE_ORDERING if c in items and items[c].done_at is None]
        if not waiting:
            network.org_hold(actor=actor, org=dealer.org, reason=Hold.ONBOARDING, on=False)
    return item


# --- start --------------------------------------------------------------------------------


@transaction.atomic
def onboarding_start(*, actor: Any, dealer: Dealer) -> Dealer:
    """An approved dealer moves to onboarding with its checklist: every item, the items
    before ordering required; the first order is the item that completes onboarding."""
    locked = dealer_for(actor, dealer.pk, lock=True)
    stage_move(actor=actor, dealer=locked, stage=Stage.ONBOARDING, action="onboarding_started")
    OnboardingItem.objects.bulk_create(
        [
            OnboardingItem(dealer=locked, code=code, required=code in ITEMS_BEFORE_ORDERING)
            for code in ItemCode
        ]
    )
    dealer.stage = locked.stage
    return locked


# --- the items ----------------------------------------------------------------------------


@transaction.atomic
def onboarding_contract(
    *, actor: Any, dealer: Dealer, upload: UploadedFile | None, note: str = ""
) -> OnboardingItem:
    """The signed contract's scan (JPG, PNG or PDF, ≤ 5 MB), kept with the dealer's files.
    The yearly Contract row (term, targets) is drawn up on the contracts pages once the org
    exists."""
    from qudao.dealers.services.documents import file_store

    locked, items = _open_item(actor, dealer, ItemCode.CONTRACT)
    if upload is None:
        raise field_error("file", gettext_lazy("Upload the signed contract."), "file_required")
    stored = file_store(dealer=locked, upload=upload, kind=FileKind.OTHER)
    text = " · ".join(x for x in (stored.name, note.strip()) if x)
    return _done(
        actor=actor,
        dealer=locked,
        items=items,
        code=ItemCode.CONTRACT,
        note=text,
        file=[None, stored.pk],
    )


def _org_code(dealer: Dealer, code: str) -> str:
    code = (code or "").strip()
    if code:
        return code
    number = dealer.number.split("-", 1)[-1] if "-" in dealer.number else dealer.number
    return f"DL-{number}"[:32]


@transaction.atomic
def onboarding_org(*, actor: Any, dealer: Dealer, code: str = "") -> Org:
    """Create the dealer's org under its parent (the region or distributor chosen at review,
    else the brand) from the application, active but on the `onboarding` hold until the items
    before ordering are done; link it to its seller for goods and to the brand for spare
    parts (as the network's seed links dealers). `code` defaults to DL-<dealer number>."""
    locked, items = _open_item(actor, dealer, ItemCode.ORG)
    parent = locked.parent or locked.brand
    org = network.org_create(
        actor=actor,
        parent=parent,
        data={
            "code": _org_code(locked, code),
            "name": locked.company_name,
            "kind": OrgKind.DEALER,
            "status": "active",
            "uscc": locked.uscc,
            "province": locked.province_id,
            "city": locked.city_id,
            "district": locked.district_id,
            "address": locked.address,
            "contact_name": locked.contact_name,
            "contact_phone": locked.contact_phone,
        },
    )
    org = network.org_hold(actor=actor, org=org, reason=Hold.ONBOARDING, on=True)
    # linked before the outbox's `org.created` runs, so no second record is made for it
    locked.org = org
    locked.save(update_fields=["org", "updated_at"])
    seller = default_seller(org=org)
    brand = brand_of(org)
    if seller is not None:
        network.supply_link_create(actor=actor, buyer=org, seller=seller, kind=SupplyKind.GOODS)
    network.supply_link_create(actor=actor, buyer=org, seller=brand, kind=SupplyKind.PARTS)
    _done(
        actor=actor,
        dealer=locked,
        items=items,
        code=ItemCode.ORG,
        note=f"{org.code} {org.name}",
        org=[None, org.code],
    )
    dealer.org = org
    return org


def _seller_required(dealer: Dealer) -> Org:
    seller = seller_of(dealer)
    if seller is None:  # a dealer always has the brand above it; kept for the type checker
        raise NotFound
    return seller


@transaction.atomic
def onboarding_deposit(*, actor: Any, dealer: Dealer, amount: Any, memo: str = "") -> LedgerEntry:
    """The deposit (保证金) received: posted by finance to the dealer's deposit balance with
    its seller (the actor is the seller's finance)."""
    locked, items = _open_item(actor, dealer, ItemCode.DEPOSIT)
    org, seller = _org(locked), _seller_required(locked)
    # finance creates the position on first use (deposit_receive locks it)
    position = Position.objects.filter(buyer=org, seller=seller).first() or Position(
        buyer=org, seller=seller
    )
    entry = finance.deposit_receive(
        actor=actor,
        position=position,
        amount=amount,
        memo=(memo.strip() or _("Deposit of %(number)s") % {"number": locked.number})[:200],
    )
    _done(
        actor=actor,
        dealer=locked,
        items=items,
        code=ItemCode.DEPOSIT,
        note=f"¥{entry.amount} → {seller.name}",
        amount=[None, str(entry.amount)],
    )
    return entry


@transaction.atomic
def onboarding_users(
    *,
    actor: Any,
    dealer: Dealer,
    username: str,
    display_name: str = "",
    mobile: str = "",
    email: str = "",
) -> Invitation:
    """Invite the dealer's admin (by default the applicant's contact): a login with a
    one-time password, returned once and never stored in clear, and the dealer_admin role in
    the dealer's org."""
    locked, items = _open_item(actor, dealer, ItemCode.USERS)
    password = secrets.token_urlsafe(9)
    membership = network.membership_add(
        actor=actor,
        org=_org(locked),
        role_code=DEALER_ADMIN_ROLE,
        new_user={
            "username": username,
            "password": password,
            "display_name": (display_name or locked.contact_name).strip(),
            "mobile": (mobile or "").strip() or None,
            "email": (email or locked.email or "").strip(),
        },
    )
    _done(
        actor=actor,
        dealer=locked,
        items=items,
        code=ItemCode.USERS,
        note=str(membership.user.username),
        user=[None, membership.user.username],
    )
    return Invitation(user=membership.user, membership=membership, password=password)


def grade_terms_of(org: Org, grade: str) -> GradeTerms | None:
    return GradeTerms.objects.filter(brand=brand_of(org), grade=grade).first()


@transaction.atomic
def grade_apply(*, actor: Any, org: Org, grade: str) -> Org:
    """Set a dealer's grade (price lists follow it on their own) and, when the brand has
    terms for that grade, apply them with the dealer's seller: credit limit and payment term.
    Used by onboarding's price-grade item and by grading when a grade is confirmed."""
    scope.require(actor, MANAGE_DEALERS, org)
    if grade not in Grade.values:
        raise field_error("grade", gettext_lazy("Choose a valid grade."), "invalid_grade")
    org = network.org_update(actor=actor, org=org, data={"grade": grade})
    terms = grade_terms_of(org, grade)
    seller = default_seller(org=org)
    if terms is not None and seller is not None:
        finance.credit_terms_apply(
            actor=actor,
            buyer=org,
            seller=seller,
            credit_limit=terms.credit_limit,
            payment_term_days=terms.payment_term_days,
            rule=_("Terms of grade %(grade)s") % {"grade": grade},
        )
    return org


@transaction.atomic
def onboarding_price_grade(*, actor: Any, dealer: Dealer, grade: str) -> Org:
    """The dealer's price grade, with the brand's terms of that grade (grade_apply)."""
    locked, items = _open_item(actor, dealer, ItemCode.PRICE_GRADE)
    org = grade_apply(actor=actor, org=_org(locked), grade=grade)
    terms = grade_terms_of(org, grade)
    note = (
        _("grade %(grade)s, terms: limit ¥%(limit)s, %(days)s days")
        % {"grade": grade, "limit": terms.credit_limit, "days": terms.payment_term_days}
        if terms
        else _("grade %(grade)s") % {"grade": grade}
    )
    _done(
        actor=actor,
        dealer=locked,
        items=items,
        code=ItemCode.PRICE_GRADE,
        note=note,
        grade=[None, grade],
    )
    return org


@transaction.atomic
def onboarding_credit(*, actor: Any, dealer: Dealer, data: Mapping[str, Any]) -> Position:
    """The credit profile with the seller (limit, payment term, overdue policy), set by the
    seller's finance through finance's own service."""
    locked, items = _open_item(actor, dealer, ItemCode.CREDIT)
    position = finance.credit_profile_set(
        actor=actor, buyer=_org(locked), seller=_seller_required(locked), data=data
    )
    _done(
        actor=actor,
        dealer=locked,
        items=items,
        code=ItemCode.CREDIT,
        note=_("limit ¥%(limit)s, %(days)s days")
        % {"limit": position.credit_limit, "days": position.payment_term_days},
        credit_limit=[None, str(position.credit_limit)],
        payment_term_days=[None, position.payment_term_days],
    )
    return position


def _districts(codes: Sequence[Any]) -> list[Division]:
    """District divisions by code, locked (in code order) so two assignments of the same
    district run one after the other and the conflict check sees the first one's rows."""
    wanted = sorted({str(c).strip() for c in codes if str(c).strip()})
    if not wanted:
        raise field_error(
            "districts", gettext_lazy("Give at least one district code."), "districts_required"
        )
    found = list(
        Division.objects.select_for_update()
        .filter(code__in=wanted, level=DivisionLevel.DISTRICT)
        .order_by("code")
    )
    unknown = sorted(set(wanted) - {d.code for d in found})
    if unknown:
        raise field_error(
            "districts",
            gettext_lazy("Not district codes: %(codes)s."),
            "invalid_division",
            codes=", ".join(unknown),
        )
    return found


def _category(category: Any) -> Category | None:
    if category in (None, ""):
        return None
    if isinstance(category, Category):
        return category
    found = Category.objects.filter(pk=category).first() if str(category).isdigit() else None
    if found is None:
        raise field_error("category", gettext_lazy("Choose a valid category."), "invalid_category")
    return found


def territory_conflicts(
    *, org: Org, districts: Sequence[Division], category: Category | None
) -> list[Territory]:
    """Active exclusive rights of other dealers that an exclusive right of `org` on these
    districts for `category` would clash with: the same category, or either for all."""
    rows = Territory.objects.filter(
        district__in=districts, exclusive=True, released_at__isnull=True
    ).exclude(org=org)
    if category is not None:
        rows = rows.filter(Q(category=category) | Q(category__isnull=True))
    return list(rows.select_related("org", "district", "category").order_by("district_id", "id"))


def _conflict_error(clash: Territory) -> TerritoryConflict:
    return TerritoryConflict(
        _("%(district)s is already an exclusive territory of %(dealer)s (%(category)s).")
        % {
            "district": clash.district.name,
            "dealer": clash.org.name,
            "category": clash.category.name if clash.category else _("all categories"),
        },
        fields={"districts": [clash.org.name]},
        dealer=clash.org.name,
        dealer_id=clash.org_id,
        district=clash.district_id,
    )


@transaction.atomic
def onboarding_territory(
    *,
    actor: Any,
    dealer: Dealer,
    districts: Sequence[Any],
    category: Any = None,
    exclusive: bool = True,
) -> list[Territory]:
    """The districts the dealer sells in, for one category or all, exclusive or not. An
    exclusive right clashing with another dealer's active exclusive right on the same
    district (same category, or either for all) is refused with `territory_conflict` naming
    that dealer; the partial unique indexes are the last word in a race."""
    locked, items = _open_item(actor, dealer, ItemCode.TERRITORY)
    org = _org(locked)
    found = _districts(districts)
    chosen = _category(category)
    if exclusive:
        clashes = territory_conflicts(org=org, districts=found, category=chosen)
        if clashes:
            raise _conflict_error(clashes[0])
    try:
        with transaction.atomic():
            rows = Territory.objects.bulk_create(
                [
                    Territory(org=org, district=d, category=chosen, exclusive=exclusive)
                    for d in found
                ]
            )
    except IntegrityError as exc:
        clashes = territory_conflicts(org=org, districts=found, category=chosen)
        if clashes:
            raise _conflict_error(clashes[0]) from exc
        raise
    names = "、".join(d.name for d in found)
    kind = _("exclusive right") if exclusive else _("not exclusive")
    _done(
        actor=actor,
        dealer=locked,
        items=items,
        code=ItemCode.TERRITORY,
        note=f"{names} · {chosen.name if chosen else _('all categories')} · {kind}",
        districts=[None, [d.code for d in found]],
        category=[None, chosen.name if chosen else None],
        exclusive=[None, exclusive],
    )
    return rows


# --- the first order (outbox handler) ------------------------------------------------------


@transaction.atomic
def onboarding_first_order(*, org_id: int, order_number: str) -> Dealer | None:
    """The dealer's first approved order completes onboarding: the item is ticked (by no one:
    the system) and the dealer becomes active. Idempotent; a dealer not being onboarded with
    a checklist, or whose items before ordering are not all done, is left alone."""
    dealer = (
        Dealer.objects.select_for_update(of=("self",))
        .select_related("org")
        .filter(org_id=org_id, stage=Stage.ONBOARDING)
        .first()
    )
    if dealer is None:
        return None
    items = {i.code: i for i in OnboardingItem.objects.select_for_update().filter(dealer=dealer)}
    item = items.get(ItemCode.FIRST_ORDER)
    if item is None or item.done_at is not None:
        return None
    if any(items[c].done_at is None for c in ITEMS_BEFORE_ORDERING if c in items):
        return None
    _done(
        actor=None,
        dealer=dealer,
        items=items,
        code=ItemCode.FIRST_ORDER,
        note=order_number,
        order=[None, order_number],
    )
    return stage_move(actor=None, dealer=dealer, stage=Stage.ACTIVE, action="activated")


# --- grade terms (settings) ----------------------------------------------------------------


def _decimal(value: Any, field: str, grade: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise field_error(
            f"{field}_{grade}", gettext_lazy("Enter a number."), "invalid_number"
        ) from exc
    if not number.is_finite():
        raise field_error(f"{field}_{grade}", gettext_lazy("Enter a number."), "invalid_number")
    return number


def _clean_terms(grade: str, row: Mapping[str, Any]) -> dict[str, Any]:
    score = _decimal(row.get("min_score"), "min_score", grade)
    if not 0 <= score <= 100:  # noqa: PLR2004
        raise field_error(
            f"min_score_{grade}", gettext_lazy("Between 0 and 100."), "invalid_min_score"
        )
    limit = _decimal(row.get("credit_limit") or 0, "credit_limit", grade)
    if not is_money(limit) or limit < 0:
        raise field_error(
            f"credit_limit_{grade}",
            gettext_lazy("0 or more, at most 2 decimals."),
            "invalid_limit",
        )
    try:
        days = int(row.get("payment_term_days") or 0)
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= 365:  # noqa: PLR2004
        raise field_error(
            f"payment_term_days_{grade}", gettext_lazy("Between 0 and 365 days."), "invalid_days"
        )
    return {"min_score": score, "credit_limit": limit, "payment_term_days": days}


@transaction.atomic
def grade_terms_set(
    *, actor: Any, brand: Org, rows: Mapping[str, Mapping[str, Any] | None]
) -> list[GradeTerms]:
    """The brand's terms per grade (grade → min score, credit limit, payment term; None
    removes a grade's terms). A better grade needs a higher minimum score
    (`grade_terms_order`). Needs MANAGE_DEALERS at the brand."""
    scope.require(actor, MANAGE_DEALERS, brand)
    unknown = sorted(set(rows) - set(Grade.values))
    if unknown:
        raise field_error("grade", gettext_lazy("Choose a valid grade."), "invalid_grade")
    clean = {g: _clean_terms(g, row) for g, row in rows.items() if row is not None}
    current = {t.grade: t for t in GradeTerms.objects.select_for_update().filter(brand=brand)}
    merged = {
        **{g: t.min_score for g, t in current.items() if g not in rows},
        **{g: c["min_score"] for g, c in clean.items()},
    }
    scores = [merged[g] for g in Grade.values if g in merged]
    if any(a <= b for a, b in zip(scores, scores[1:], strict=False)):
        raise field_error(
            "min_score",
            gettext_lazy("A better grade needs a higher minimum score (A > B > C > D)."),
            "grade_terms_order",
        )
    before = {g: _terms_text(t) for g, t in current.items()}
    for grade, row in rows.items():
        if row is None:
            GradeTerms.objects.filter(brand=brand, grade=grade).delete()
        else:
            GradeTerms.objects.update_or_create(brand=brand, grade=grade, defaults=clean[grade])
    result = list(GradeTerms.objects.filter(brand=brand).order_by("grade"))
    after = {t.grade: _terms_text(t) for t in result}
    changes = {
        f"grade_{g}": [before.get(g), after.get(g)]
        for g in Grade.values
        if before.get(g) != after.get(g)
    }
    if changes:
        audit_record(actor=actor, action="grade_terms.updated", instance=brand, changes=changes)
        event_record("dealer.grade_terms_updated", {"brand_id": brand.pk, "grades": sorted(rows)})
    return result


def _terms_text(terms: GradeTerms) -> str:
    return f"≥{terms.min_score} · ¥{terms.credit_limit} · {terms.payment_term_days}d"
