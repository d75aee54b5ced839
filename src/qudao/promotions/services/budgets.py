"""Budgets, quantity caps and coupons consumed by orders (docs/decisions/0010).

An order's submit consumes, in its own transaction, what the engine applied
(`PriceResult.uses()`): each promotion's counters move by one conditional UPDATE that only
matches while the promotion is live and the cap still holds — so concurrent submits can
never overspend (the CHECK constraints back it) — and a PromotionUse row records it. A
refused promotion refuses the whole submit: the buyer prices the cart again. Cancel or
rejection releases exactly what the document still holds; a second release does nothing.
Coupons work the same way: a total counter and a per-buyer counter row."""

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.services import event_record
from qudao.network import scope
from qudao.network.models import Org
from qudao.promotions.constants import (
    COUPON_ALPHABET,
    COUPON_CODE_LENGTH,
    MAX_COUPONS_PER_ISSUE,
    Kind,
    Status,
    UseKind,
)
from qudao.promotions.engine import Use
from qudao.promotions.locks import lock_promotion
from qudao.promotions.models import (
    Coupon,
    CouponHolder,
    CouponRedemption,
    Promotion,
    PromotionUse,
)
from qudao.promotions.selectors import normalize_code
from qudao.promotions.services._common import (
    BudgetExhausted,
    CouponRefused,
    Doc,
    PromotionNotLive,
    field_error,
    record,
    require_manager,
)

ZERO = Decimal("0.00")


def _refusal(seller: Org, promotion_id: int) -> Exception:
    found = Promotion.objects.filter(pk=promotion_id).first()
    if found is None or found.status != Status.LIVE or found.seller_id != seller.pk:
        return PromotionNotLive(
            _("Promotion %(name)s is no longer running; price the order again.")
            % {"name": found.name if found else promotion_id},
            promotion_id=promotion_id,
        )
    return BudgetExhausted(
        _(
            "Promotion %(name)s has not enough budget left for this order (left: %(amount)s, "
            "%(qty)s units); price the order again."
        )
        % {
            "name": found.name,
            "amount": found.budget_amount_left if found.budget_amount is not None else "—",
            "qty": found.budget_qty_left if found.budget_qty is not None else "—",
        },
        promotion_id=promotion_id,
    )


def _take(seller: Org, use: Use) -> None:
    """One conditional UPDATE: the counters move only if the promotion is live, the seller's,
    and both caps still hold after the move (rounded to the cent on both sides, so SQLite's
    float arithmetic cannot trip the cap)."""
    amount = Round(F("consumed_amount") + use.amount, 2)
    taken = (
        Promotion.objects.filter(pk=use.promotion_id, seller_id=seller.pk, status=Status.LIVE)
        .filter(Q(budget_amount__isnull=True) | Q(budget_amount__gte=amount))
        .filter(Q(budget_qty__isnull=True) | Q(budget_qty__gte=F("consumed_qty") + use.qty))
        .update(
            consumed_amount=amount,
            consumed_qty=F("consumed_qty") + use.qty,
            updated_at=timezone.now(),
        )
    )
    if not taken:
        raise _refusal(seller, use.promotion_id)


@transaction.atomic
def promotions_consume(
    *, actor: Any, seller: Org, buyer: Org, uses: Sequence[Use], doc: Doc
) -> list[PromotionUse]:
    """Consume what an order got (`PriceResult.uses()`), all or nothing, in promotion id
    order. Called by the order's submit inside its transaction, which has checked the
    actor may place it. Refusals: `promotion_budget_exhausted`, `promotion_not_live`, and
    the coupon refusals of coupon_redeem."""
    rows = []
    for use in sorted(uses, key=lambda u: (u.promotion_id, u.coupon_id or 0)):
        if use.amount < 0 or use.qty < 0:
            raise field_error("uses", _("A use cannot be negative."), "promotion_use_invalid")
        _take(seller, use)
        rows.append(
            PromotionUse(
                promotion_id=use.promotion_id,
                kind=UseKind.CONSUME,
                buyer=buyer,
                doc_type=doc.type,
                doc_id=str(doc.id),
                doc_number=doc.number,
                amount=use.amount,
                qty=use.qty,
                actor=actor if getattr(actor, "pk", None) else None,
            )
        )
        if use.coupon_id is not None:
            coupon = Coupon.objects.filter(pk=use.coupon_id, promotion_id=use.promotion_id).first()
            if coupon is None:
                raise CouponRefused(_("Unknown coupon."), code="coupon_unknown")
            _redeem(actor=actor, coupon=coupon, buyer=buyer, doc=doc)
    PromotionUse.objects.bulk_create(rows)
    if rows:
        event_record(
            "promotion.consumed",
            {
                "doc_type": doc.type,
                "doc_id": str(doc.id),
                "buyer_id": buyer.pk,
                "uses": [
                    {"promotion_id": r.promotion_id, "amount": str(r.amount), "qty": r.qty}
                    for r in rows
                ],
            },
        )
    return rows


def _held(doc: Doc) -> dict[int, list[Any]]:
    """What the document still holds of each promotion (its rows locked)."""
    held: dict[int, list[Any]] = defaultdict(lambda: [ZERO, 0, None])
    for use in (
        PromotionUse.objects.select_for_update()
        .filter(doc_type=doc.type, doc_id=str(doc.id))
        .order_by("pk")
    ):
        sign = 1 if use.kind == UseKind.CONSUME else -1
        entry = held[use.promotion_id]
        entry[0] += sign * use.amount
        entry[1] += sign * use.qty
        entry[2] = use.buyer_id
    return held


@transaction.atomic
def promotions_release(*, actor: Any, doc: Doc) -> list[PromotionUse]:
    """Give back everything a cancelled or rejected document consumed (budgets, caps,
    coupons). Idempotent: what was released is not released again."""
    rows = []
    for promotion_id, (amount, qty, buyer_id) in sorted(_held(doc).items()):
        if amount <= 0 and qty <= 0:
            continue
        Promotion.objects.filter(pk=promotion_id).update(
            consumed_amount=Round(F("consumed_amount") - amount, 2),
            consumed_qty=F("consumed_qty") - qty,
            updated_at=timezone.now(),
        )
        rows.append(
            PromotionUse(
                promotion_id=promotion_id,
                kind=UseKind.RELEASE,
                buyer_id=buyer_id,
                doc_type=doc.type,
                doc_id=str(doc.id),
                doc_number=doc.number,
                amount=amount,
                qty=qty,
                actor=actor if getattr(actor, "pk", None) else None,
            )
        )
    PromotionUse.objects.bulk_create(rows)
    coupons = coupon_release(actor=actor, doc=doc)
    if rows or coupons:
        event_record(
            "promotion.released",
            {
                "doc_type": doc.type,
                "doc_id": str(doc.id),
                "promotion_ids": [r.promotion_id for r in rows],
                "coupons": coupons,
            },
        )
    return rows


# --- coupons --------------------------------------------------------------------------------


def _redeem(*, actor: Any, coupon: Coupon, buyer: Org, doc: Doc) -> CouponRedemption:
    if coupon.buyer_id is not None and coupon.buyer_id != buyer.pk:
        raise CouponRefused(
            _("Coupon %(code)s was issued to another buyer.") % {"code": coupon.code},
            code="coupon_wrong_buyer",
        )
    taken = (
        Coupon.objects.filter(pk=coupon.pk)
        .filter(Q(total_limit__isnull=True) | Q(total_limit__gt=F("used")))
        .update(used=F("used") + 1)
    )
    if not taken:
        raise CouponRefused(
            _("Coupon %(code)s has been used up.") % {"code": coupon.code}, code="coupon_used_up"
        )
    CouponHolder.objects.bulk_create(
        [CouponHolder(coupon=coupon, buyer=buyer, limit=coupon.per_buyer_limit)],
        ignore_conflicts=True,
    )
    mine = CouponHolder.objects.filter(coupon=coupon, buyer=buyer, used__lt=F("limit")).update(
        used=F("used") + 1
    )
    if not mine:
        raise CouponRefused(
            _("You have used coupon %(code)s %(limit)s times, the most allowed.")
            % {"code": coupon.code, "limit": coupon.per_buyer_limit},
            code="coupon_limit_reached",
        )
    return CouponRedemption.objects.create(
        coupon=coupon,
        buyer=buyer,
        kind=UseKind.CONSUME,
        doc_type=doc.type,
        doc_id=str(doc.id),
        doc_number=doc.number,
        actor=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def coupon_redeem(*, actor: Any, seller: Org, buyer: Org, code: str, doc: Doc) -> CouponRedemption:
    """Use a coupon code for a document: it must be the seller's, of a live promotion, for
    this buyer (or a batch code), within its total and per-buyer limits. Refusals:
    `coupon_unknown`, `coupon_wrong_buyer`, `coupon_used_up`, `coupon_limit_reached`."""
    coupon = (
        Coupon.objects.filter(seller=seller, code=normalize_code(code))
        .filter(promotion__status=Status.LIVE)
        .first()
    )
    if coupon is None:
        raise CouponRefused(
            _("No coupon has the code %(code)s.") % {"code": normalize_code(code)},
            code="coupon_unknown",
        )
    return _redeem(actor=actor, coupon=coupon, buyer=buyer, doc=doc)


@transaction.atomic
def coupon_release(*, actor: Any, doc: Doc) -> list[str]:
    """Give back the coupon uses of a cancelled document (idempotent). Returns the codes."""
    net: dict[tuple[int, int], int] = defaultdict(int)
    for r in (
        CouponRedemption.objects.select_for_update()
        .filter(doc_type=doc.type, doc_id=str(doc.id))
        .order_by("pk")
    ):
        net[(r.coupon_id, r.buyer_id)] += 1 if r.kind == UseKind.CONSUME else -1
    codes = []
    for (coupon_id, buyer_id), held in sorted(net.items()):
        if held <= 0:
            continue
        Coupon.objects.filter(pk=coupon_id).update(used=F("used") - held)
        CouponHolder.objects.filter(coupon_id=coupon_id, buyer_id=buyer_id).update(
            used=F("used") - held
        )
        CouponRedemption.objects.bulk_create(
            [
                CouponRedemption(
                    coupon_id=coupon_id,
                    buyer_id=buyer_id,
                    kind=UseKind.RELEASE,
                    doc_type=doc.type,
                    doc_id=str(doc.id),
                    doc_number=doc.number,
                    actor=actor if getattr(actor, "pk", None) else None,
                )
                for _n in range(held)
            ]
        )
        codes.append(str(Coupon.objects.get(pk=coupon_id).code))
    return codes


def _new_code() -> str:
    return "".join(secrets.choice(COUPON_ALPHABET) for _ in range(COUPON_CODE_LENGTH))


def _unique_codes(seller: Org, count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        batch = {_new_code() for _ in range(count - len(codes))}
        taken = set(
            Coupon.objects.filter(seller=seller, code__in=batch).values_list("code", flat=True)
        )
        codes |= batch - taken
    return sorted(codes)


def _issue_checks(promotion: Promotion, count: int, per_buyer_limit: int) -> None:
    if promotion.kind != Kind.COUPON:
        raise field_error("promotion", _("Only a coupon promotion has codes."), "not_a_coupon")
    if promotion.status == Status.ENDED:
        raise field_error("promotion", _("The promotion has ended."), "promotion_ended")
    if not 1 <= count <= MAX_COUPONS_PER_ISSUE or per_buyer_limit < 1:
        raise field_error(
            "count",
            _("Issue from 1 to %(n)s coupons at a time.") % {"n": MAX_COUPONS_PER_ISSUE},
            "coupon_count_invalid",
        )


@transaction.atomic
def coupon_issue(
    *,
    actor: Any,
    promotion: Promotion,
    buyers: Iterable[Org] = (),
    count: int = 0,
    code: str = "",
    total_limit: int | None = None,
    per_buyer_limit: int = 1,
) -> list[Coupon]:
    """Codes of a coupon promotion: one per buyer named (usable by that buyer only,
    `per_buyer_limit` times), or one shared `code` (a batch code, `total_limit` uses in all,
    `per_buyer_limit` per buyer), or `count` single-use random codes."""
    promotion = lock_promotion(promotion)
    require_manager(actor, promotion.seller)
    chosen = list(buyers)
    for buyer in chosen:
        if not scope.in_scope(actor, buyer):
            raise field_error("buyers", _("Choose buyers in your network."), "coupon_buyer_invalid")
    wanted = len(chosen) or (1 if code else count)
    _issue_checks(promotion, wanted, per_buyer_limit)
    if total_limit is not None and total_limit < 1:  # the column holds no 0 or less: a 500
        raise field_error(
            "total_limit", _("A shared code is good for 1 use or more."), "coupon_limit_invalid"
        )
    seller = promotion.seller
    if code:
        shared = normalize_code(code)
        if Coupon.objects.filter(seller=seller, code=shared).exists():
            raise field_error("code", _("This code is already used."), "coupon_code_taken")
        rows = [
            Coupon(
                promotion=promotion,
                seller=seller,
                code=shared,
                total_limit=total_limit,
                per_buyer_limit=per_buyer_limit,
            )
        ]
    else:
        codes = _unique_codes(seller, wanted)
        rows = [
            Coupon(
                promotion=promotion,
                seller=seller,
                code=c,
                buyer=chosen[n] if chosen else None,
                total_limit=per_buyer_limit if chosen else 1,
                per_buyer_limit=per_buyer_limit if chosen else 1,
            )
            for n, c in enumerate(codes)
        ]
    created = Coupon.objects.bulk_create(rows, batch_size=1000)
    record(
        actor=actor,
        action="coupon.issued",
        promotion=promotion,
        changes={"coupons": [None, len(created)]},
        payload={"count": len(created), "buyer_ids": [b.pk for b in chosen]},
    )
    return created
