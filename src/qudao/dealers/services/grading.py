"""Grading: the brand's weights per dimension, a run that scores every dealer of the brand
over a period (default: the last 12 months) and proposes a grade, and the channel manager's
confirmation, which sets the grades (docs/decisions/0012-dealer-targets-and-grading.md).

Scores, 0–100 each (two decimals, half up):
- target attainment: per target of the quarters wholly in the period, the share reached of
  its amount and of its units (each capped at 100 %, the two averaged when both are set);
  the dealer's score is the average over its targets. A dealer without targets in the
  period is scored on its sell-in against the median sell-in of the brand's graded dealers
  (100 at or above the median, in proportion below; with a median of 0, 100 for any sell-in);
- sell-through: units sold out ÷ units received in the period, capped at 100 (everything
  sold out of stock it had before also scores 100);
- payment behaviour: the share of the invoices that fell due in the period that was settled
  by the due date;
- inventory risk: months of cover = stock on hand at the end ÷ average monthly sell-out
  (30-day months): up to 2 months scores 100, 6 or more (or stock and no sell-out) 0, in a
  straight line between; no stock scores 100;
- service quality: no data yet (after-sales is a later wave): a neutral 80 for everyone,
  weight 0 by default.
A dimension without data for a dealer (no goods received nor sold: sell-through; nothing
fell due: payment; no stock records: inventory) is left out of its total, whose weights are
scaled up over the others. The proposed grade is the first whose minimum the total reaches:
the brand's GradeTerms.min_score, else A ≥ 85, B ≥ 70, C ≥ 55, D below.
"""

import statistics
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.errors import Conflict
from qudao.core.numbering import next_number
from qudao.core.services import audit_record, event_record
from qudao.dealers.constants import (
    COVER_BAD_MONTHS,
    COVER_GOOD_MONTHS,
    DEFAULT_GRADE_THRESHOLDS,
    SERVICE_NEUTRAL,
    Dimension,
    RunStatus,
)
from qudao.dealers.models import GradingResult, GradingRun, GradingWeight
from qudao.dealers.selectors.grading import (
    Figures,
    grading_figures,
    require_grading,
    thresholds_for,
    weights_for,
)
from qudao.dealers.services._common import DealerInvalid, field_error
from qudao.network.constants import Grade
from qudao.network.models import Org

DOC_RUN = "GR"
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
MAX_PERIOD_DAYS = 3 * 366


class RunConfirmed(Conflict):
    code = "grading_run_confirmed"
    default_message = gettext_lazy("This grading run has been confirmed already.")


def _score(value: Decimal) -> Decimal:
    return max(Decimal("0"), min(HUNDRED, value)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the dimensions -------------------------------------------------------------------------


def attainment_score(figs: Figures, median: Decimal) -> Decimal:
    if figs.targets:
        shares = []
        for t in figs.targets:
            parts = []
            if t.amount:
                parts.append(min(Decimal("1"), max(Decimal("0"), t.achieved_amount / t.amount)))
            if t.units:
                parts.append(min(Decimal("1"), Decimal(max(0, t.achieved_units)) / t.units))
            shares.append(sum(parts, Decimal("0")) / len(parts) if parts else Decimal("1"))
        return _score(HUNDRED * sum(shares, Decimal("0")) / len(shares))
    if median > 0:
        return _score(HUNDRED * figs.sell_in / median)
    return HUNDRED.quantize(CENT) if figs.sell_in > 0 else Decimal("0.00")


def sell_through_score(figs: Figures) -> Decimal | None:
    if figs.received <= 0:
        return None if figs.sold_out <= 0 else HUNDRED.quantize(CENT)
    return _score(HUNDRED * Decimal(max(0, figs.sold_out)) / figs.received)


def payment_score(figs: Figures) -> Decimal | None:
    if figs.due <= 0:
        return None
    return _score(HUNDRED * min(figs.on_time, figs.due) / figs.due)


def months_of_cover(figs: Figures, days: int) -> Decimal | None:
    if figs.on_hand <= 0:
        return Decimal("0")
    if figs.sold_out <= 0:
        return None  # stock and no sell-out: never covered
    monthly = Decimal(figs.sold_out) * 30 / days
    return (Decimal(figs.on_hand) / monthly).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def inventory_score(figs: Figures, days: int) -> Decimal | None:
    if not figs.stock_known:
        return None
    cover = months_of_cover(figs, days)
    if cover is None:
        return Decimal("0.00")
    good, bad = Decimal(COVER_GOOD_MONTHS), Decimal(COVER_BAD_MONTHS)
    if cover <= good:
        return HUNDRED.quantize(CENT)
    return _score(HUNDRED * (bad - cover) / (bad - good))


def total_score(scores: dict[str, Decimal | None], weights: dict[str, Decimal]) -> Decimal:
    """Σ weight × score ÷ Σ weight over the dimensions that have a score and a weight."""
    used = {d: w for d, w in weights.items() if w > 0 and scores.get(d) is not None}
    total_weight = sum(used.values(), Decimal("0"))
    if not total_weight:
        return Decimal("0.00")
    weighted = sum((w * (scores[d] or 0) for d, w in used.items()), Decimal("0"))
    return _score(weighted / total_weight)


def proposed_grade(total: Decimal, thresholds: list[tuple[str, Decimal]]) -> str:
    table = thresholds or [(g, Decimal(m)) for g, m in DEFAULT_GRADE_THRESHOLDS]
    for grade, minimum in table:
        if total >= minimum:
            return grade
    return Grade.D


def _money_text(value: Decimal) -> str:
    return str(value.quantize(CENT))


def score_dealer(
    figs: Figures, *, median: Decimal, days: int, weights: dict[str, Decimal]
) -> dict[str, Any]:
    """The scores of one dealer's figures, their total and what lies behind them."""
    scores: dict[str, Decimal | None] = {
        Dimension.ATTAINMENT: attainment_score(figs, median),
        Dimension.SELL_THROUGH: sell_through_score(figs),
        Dimension.PAYMENT: payment_score(figs),
        Dimension.INVENTORY: inventory_score(figs, days),
        Dimension.SERVICE: Decimal(SERVICE_NEUTRAL).quantize(CENT),
    }
    cover = months_of_cover(figs, days) if figs.stock_known else None
    figures = {
        "targets": len(figs.targets),
        "target_amount": _money_text(
            sum((t.amount or Decimal("0") for t in figs.targets), Decimal("0"))
        ),
        "achieved_amount": _money_text(
            sum((t.achieved_amount for t in figs.targets if t.amount), Decimal("0"))
        ),
        "sell_in": _money_text(figs.sell_in),
        "median_sell_in": _money_text(median),
        "received": figs.received,
        "sold_out": figs.sold_out,
        "on_hand": figs.on_hand,
        "months_of_cover": str(cover) if cover is not None else None,
        "due": _money_text(figs.due),
        "on_time": _money_text(figs.on_time),
    }
    return {"scores": scores, "total": total_score(scores, weights), "figures": figures}


# --- weights --------------------------------------------------------------------------------


@transaction.atomic
def grading_weights_set(*, actor: Any, brand: Org, weights: dict[str, Any]) -> dict[str, Decimal]:
    """The brand's weight (%) per dimension, each 0–100, together 100. Refused, nothing
    written: `weight_invalid`, `weights_sum_invalid`."""
    require_grading(actor, brand)
    clean: dict[str, Decimal] = {}
    for dim in Dimension.values:
        raw = weights.get(dim, 0)
        try:
            value = Decimal(str(raw if raw not in (None, "") else 0)).quantize(CENT)
        except InvalidOperation as exc:
            raise field_error(dim, gettext_lazy("Enter a number."), "weight_invalid") from exc
        if not 0 <= value <= HUNDRED:
            raise field_error(dim, gettext_lazy("A weight is between 0 and 100."), "weight_invalid")
        clean[dim] = value
    total = sum(clean.values(), Decimal("0"))
    if total != HUNDRED:
        raise DealerInvalid(
            _("The weights add up to %(total)s; they must add up to 100.")
            % {"total": total.normalize()},
            code="weights_sum_invalid",
            fields={"__all__": [_("The weights must add up to 100.")]},
        )
    before = {dim: str(w) for dim, w in weights_for(brand).items()}
    for dim, value in clean.items():
        GradingWeight.objects.update_or_create(
            brand=brand, dimension=dim, defaults={"weight": value}
        )
    after = {dim: str(w) for dim, w in clean.items()}
    changes = {dim: [before.get(dim), v] for dim, v in after.items() if before.get(dim) != v}
    audit_record(actor=actor, action="grading.weights_set", instance=brand, changes=changes)
    event_record("dealer.grading_weights_set", {"brand_id": brand.pk, "weights": after})
    return clean


# --- the run --------------------------------------------------------------------------------


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 12 months: a year back from yesterday's date, to yesterday."""
    end = (today or timezone.localdate()) - timedelta(days=1)
    try:
        start = end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - 1, day=28) + timedelta(days=1)
    return start, end


def _period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        default_start, default_end = default_period()
        start, end = start or default_start, end or default_end
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise field_error(
            "period_end",
            gettext_lazy("The period must end after it starts and last at most 3 years."),
            "grading_period_invalid",
        )
    return start, end


@transaction.atomic
def grading_run_create(
    *, actor: Any, brand: Org, period_start: date | None = None, period_end: date | None = None
) -> GradingRun:
    """Score every active or suspended dealer of the brand over the period and propose its
    grade: a fixed number of queries whatever the number of dealers (the figures in grouped
    queries, the results in one bulk insert). Needs MANAGE_DEALERS at the brand."""
    require_grading(actor, brand)
    start, end = _period(period_start, period_end)
    weights = weights_for(brand)
    thresholds = thresholds_for(brand)
    figures = grading_figures(brand=brand, start=start, end=end)
    days = (end - start).days + 1
    median = (
        Decimal(statistics.median([f.sell_in for f in figures.values()])).quantize(CENT)
        if figures
        else Decimal("0.00")
    )
    run = GradingRun.objects.create(
        brand=brand,
        number=next_number(DOC_RUN),
        period_start=start,
        period_end=end,
        weights={dim: str(w) for dim, w in weights.items()},
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    rows = []
    for figs in figures.values():
        scored = score_dealer(figs, median=median, days=days, weights=weights)
        scores = scored["scores"]
        rows.append(
            GradingResult(
                run=run,
                org_id=figs.org_id,
                attainment=scores[Dimension.ATTAINMENT],
                sell_through=scores[Dimension.SELL_THROUGH],
                payment=scores[Dimension.PAYMENT],
                inventory=scores[Dimension.INVENTORY],
                service=scores[Dimension.SERVICE],
                total=scored["total"],
                figures=scored["figures"],
                previous_grade=figs.grade,
                proposed_grade=proposed_grade(scored["total"], thresholds),
            )
        )
    GradingResult.objects.bulk_create(rows, batch_size=2000)
    audit_record(
        actor=actor,
        action="grading.run_created",
        instance=run,
        changes={
            "period": [None, f"{start} – {end}"],
            "dealers": [None, len(rows)],
            "weights": [None, [f"{dim} {w}%" for dim, w in run.weights.items()]],
        },
    )
    event_record(
        "dealer.grading_proposed",
        {"run_id": run.pk, "number": run.number, "brand_id": brand.pk, "dealers": len(rows)},
    )
    return run


def grade_apply(*, actor: Any, org: Org, grade: str) -> None:
    """Set a dealer's grade. Onboarding's `grade_apply` also applies the brand's grade
    terms (credit limit and payment term); until it exists, the network's org_update sets
    the grade alone (price lists follow the grade on their own)."""
    try:
        from qudao.dealers.services.onboarding import (  # type: ignore[attr-defined]
            grade_apply as onboarding_grade_apply,
        )
    except ImportError:
        from qudao.network.services import org_update

        org_update(actor=actor, org=org, data={"grade": grade})
    else:
        onboarding_grade_apply(actor=actor, org=org, grade=grade)


@transaction.atomic
def grading_confirm(
    *, actor: Any, run: GradingRun, grades: dict[int, str] | None = None
) -> GradingRun:
    """Confirm the run's proposals and set the dealers' grades, in one transaction: every
    open result as proposed (`grades` None), or the dealers of `grades` (org id → grade: the
    proposal, or the manager's override). When no result is left open the run is
    confirmed. Refused, nothing written: `grading_run_confirmed`, `grading_result_unknown`
    (not an open result of the run), `invalid_grade`."""
    require_grading(actor, run.brand)
    run = GradingRun.objects.select_for_update().select_related("brand").get(pk=run.pk)
    if run.status == RunStatus.CONFIRMED:
        raise RunConfirmed
    open_results = {
        r.org_id: r
        for r in GradingResult.objects.select_for_update(of=("self",))
        .filter(run=run, grade="")
        .select_related("org")
        .order_by("org_id")
    }
    wanted = (
        {org_id: r.proposed_grade for org_id, r in open_results.items()}
        if grades is None
        else {int(k): str(v or "") for k, v in grades.items()}
    )
    unknown = sorted(set(wanted) - set(open_results))
    if unknown:
        raise DealerInvalid(
            _("Not an open result of this run: %(orgs)s.") % {"orgs": unknown},
            code="grading_result_unknown",
        )
    for org_id, grade in wanted.items():
        wanted[org_id] = grade or open_results[org_id].proposed_grade
        if wanted[org_id] not in Grade.values:
            raise field_error("grade", gettext_lazy("Choose a valid grade."), "invalid_grade")
    now = timezone.now()
    changed: dict[str, list[Any]] = {}
    confirmed = []
    for org_id, grade in sorted(wanted.items()):
        result = open_results[org_id]
        result.grade = grade
        result.confirmed_by = actor if getattr(actor, "pk", None) else None
        result.confirmed_at = now
        confirmed.append(result)
        if result.org.grade != grade:
            grade_apply(actor=actor, org=result.org, grade=grade)
            changed[result.org.code] = [result.org.grade or None, grade]
    GradingResult.objects.bulk_update(confirmed, ["grade", "confirmed_by", "confirmed_at"])
    overridden = sorted(
        open_results[o].org.code for o, g in wanted.items() if g != open_results[o].proposed_grade
    )
    if len(confirmed) == len(open_results):
        run.status = RunStatus.CONFIRMED
        run.confirmed_at = now
        run.save(update_fields=["status", "confirmed_at"])
    audit_record(
        actor=actor,
        action="grading.confirmed",
        instance=run,
        changes={
            "confirmed": [None, len(confirmed)],
            "grades": [
                None,
                [f"{code}: {old or '—'} → {new}" for code, (old, new) in sorted(changed.items())],
            ],
            **({"overridden": [None, overridden]} if overridden else {}),
            **({"status": [RunStatus.PROPOSED, run.status]} if run.status == "confirmed" else {}),
        },
    )
    event_record(
        "dealer.grading_confirmed",
        {
            "run_id": run.pk,
            "confirmed": len(confirmed),
            "changed": {code: grade for code, (_old, grade) in changed.items()},
            "status": run.status,
        },
    )
    return run
