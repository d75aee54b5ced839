"""Stock counts (盘点): create for a warehouse (all its SKUs or a category's), start counting
(the on-hand is noted per line), enter counted quantities and serials, post the differences
as count moves. Draft → counting → posted (or cancelled); posting twice is an invalid
transition."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.catalog.models import Category, Sku
from qudao.core.errors import Conflict, ValidationFailed, check_transition
from qudao.core.numbering import next_number
from qudao.inventory.constants import (
    COUNT_PIPELINE,
    IN_WAREHOUSE,
    CountStatus,
    MoveKind,
    SerialStatus,
)
from qudao.inventory.locks import lock_stocks
from qudao.inventory.models import Serial, Stock, StockCount, StockCountLine, Warehouse
from qudao.inventory.selectors import Expect, SerialCheck, SerialRow, check_serials, parse_serials
from qudao.inventory.services._common import (
    Change,
    Doc,
    Posted,
    post,
    quantity,
    record,
    require_active,
    require_manage,
)
from qudao.inventory.services._serials import serials_move
from qudao.inventory.services.moves import create_serials


def _in_category(skus: Iterable[Sku], category: Category | None) -> list[Sku]:
    if category is None:
        return list(skus)
    return [s for s in skus if s.product.category.path.startswith(category.path)]


def _lock_count(count: StockCount, target: str) -> StockCount:
    locked = (
        StockCount.objects.select_for_update(of=("self",))
        .select_related("warehouse__org", "category")
        .get(pk=count.pk)
    )
    check_transition(COUNT_PIPELINE, locked.status, target)
    return locked


def _audit(actor: Any, count: StockCount, action: str, **changes: Any) -> None:
    record(
        actor=actor,
        action=f"stock_count.{action}",
        instance=count,
        changes=changes,
        topic=f"stock_count.{action}",
        payload={"count_id": count.pk, "warehouse_id": count.warehouse_id},
    )


@transaction.atomic
def count_create(
    *,
    actor: Any,
    warehouse: Warehouse,
    category: Category | None = None,
    skus: Sequence[Sku] | None = None,
    note: str = "",
) -> StockCount:
    """A draft count of the given SKUs, or of every SKU the warehouse holds or expects (of
    one category and its sub-categories, when given)."""
    require_manage(actor, warehouse)
    require_active(warehouse)
    if skus is None:
        held = Stock.objects.filter(warehouse=warehouse).exclude(on_hand=0, in_transit=0)
        chosen = Sku.objects.filter(pk__in=held.values("sku_id")).select_related(
            "product__category"
        )
    else:
        chosen = Sku.objects.filter(pk__in=[s.pk for s in skus]).select_related("product__category")
    lines = _in_category(chosen.order_by("code"), category)
    count = StockCount.objects.create(
        number=next_number("SC"),
        warehouse=warehouse,
        category=category,
        note=note.strip()[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    StockCountLine.objects.bulk_create([StockCountLine(count=count, sku=sku) for sku in lines])
    _audit(actor, count, "created", lines=[None, len(lines)])
    return count


@transaction.atomic
def count_start(*, actor: Any, count: StockCount) -> StockCount:
    """Counting begins: each line notes the on-hand of this moment (for the review)."""
    require_manage(actor, count.warehouse)
    locked = _lock_count(count, CountStatus.COUNTING)
    on_hand = dict(
        Stock.objects.filter(warehouse=locked.warehouse).values_list("sku_id", "on_hand")
    )
    lines = list(locked.lines.all())
    for line in lines:
        line.expected_qty = on_hand.get(line.sku_id, 0)
    StockCountLine.objects.bulk_update(lines, ["expected_qty"])
    locked.status, locked.started_at = CountStatus.COUNTING, timezone.now()
    locked.save(update_fields=["status", "started_at"])
    _audit(actor, locked, "started", status=[CountStatus.DRAFT, CountStatus.COUNTING])
    return locked


def _count_expect(warehouse: Warehouse) -> Expect:
    """Counted units: already here (any status of a unit in a warehouse), unknown (found),
    or scrapped ones of the same SKU (found again)."""
    return Expect(
        create=True,
        restore=True,
        statuses=IN_WAREHOUSE,
        warehouse_id=warehouse.pk,
        reserved_for="*",
    )


def _clean_counted(lines: Sequence[tuple[Any, ...]]) -> list[tuple[Sku, int, list[str]]]:
    clean = []
    for raw in lines:
        sku, counted, serials = (*raw, ())[:3]
        if not isinstance(sku, Sku):
            raise ValidationFailed(_("Choose a SKU."), code="invalid_sku")
        qty = 0 if counted in (0, "0") else quantity(counted, label=sku.code)
        units = parse_serials(serials or ())
        if sku.serial_tracked and len(units) != qty:
            raise ValidationFailed(
                _("%(sku)s: %(units)s counted, %(serials)s serials scanned.")
                % {"sku": sku.code, "units": qty, "serials": len(units)},
                code="serial_count_mismatch",
            )
        if units and not sku.serial_tracked:
            raise ValidationFailed(
                _("%(skus)s are not serial-tracked: remove their serials.") % {"skus": sku.code},
                code="serials_not_tracked",
            )
        clean.append((sku, qty, units))
    return clean


@transaction.atomic
def count_enter(*, actor: Any, count: StockCount, lines: Sequence[tuple[Any, ...]]) -> StockCount:
    """Counted quantities (sku, counted[, serials]); entering a line again replaces it. A SKU
    not on the count is added (if of the count's category). Serials are checked now and again
    when posting: a unit of another SKU or in another warehouse cannot be counted here."""
    require_manage(actor, count.warehouse)
    locked = (
        StockCount.objects.select_for_update(of=("self",))
        .select_related("warehouse__org", "category")
        .get(pk=count.pk)
    )
    if locked.status != CountStatus.COUNTING:
        raise Conflict(_("Start the count before entering quantities."), code="count_not_counting")
    clean = _clean_counted(lines)
    outside = [
        sku.code
        for sku, _qty, _units in clean
        if locked.category is not None
        and not sku.product.category.path.startswith(locked.category.path)
    ]
    if outside:
        raise ValidationFailed(
            _("Not of the count's category: %(skus)s.") % {"skus": "、".join(outside)},
            code="sku_outside_count",
        )
    check_serials(
        [(s, sku.pk) for sku, _qty, units in clean for s in units],
        expect=_count_expect(locked.warehouse),
    ).raise_if_problems()
    existing = {line.sku_id: line for line in locked.lines.all()}
    on_hand = dict(
        Stock.objects.filter(
            warehouse=locked.warehouse, sku_id__in=[sku.pk for sku, _q, _u in clean]
        ).values_list("sku_id", "on_hand")
    )
    for sku, qty, units in clean:
        line = existing.get(sku.pk) or StockCountLine(
            count=locked, sku=sku, expected_qty=on_hand.get(sku.pk, 0)
        )
        line.counted_qty, line.serials = qty, units
        line.save()
    _audit(actor, locked, "entered", lines=[None, [[sku.code, qty] for sku, qty, _u in clean]])
    return locked


@transaction.atomic
def count_cancel(*, actor: Any, count: StockCount) -> StockCount:
    require_manage(actor, count.warehouse)
    locked = _lock_count(count, CountStatus.CANCELLED)
    before = locked.status
    locked.status = CountStatus.CANCELLED
    locked.save(update_fields=["status"])
    _audit(actor, locked, "cancelled", status=[before, CountStatus.CANCELLED])
    return locked


def _units_here(warehouse: Warehouse, sku_ids: list[int]) -> dict[int, list[SerialRow]]:
    found: dict[int, list[SerialRow]] = {}
    for row in Serial.objects.filter(
        warehouse=warehouse, sku_id__in=sku_ids, status__in=IN_WAREHOUSE
    ).values_list(
        "id",
        "serial",
        "sku_id",
        "status",
        "warehouse_id",
        "transit_id",
        "holder_id",
        "reserved_for",
    ):
        found.setdefault(row[2], []).append(SerialRow(*row))
    return found


def _serial_differences(
    locked: StockCount, lines: list[StockCountLine]
) -> tuple[SerialCheck, list[SerialRow]]:
    """Units counted but not here (found: new or restored) and here but not counted (lost)."""
    tracked = [line for line in lines if line.sku.serial_tracked]
    check = check_serials(
        [(s, line.sku_id) for line in tracked for s in line.serials],
        expect=_count_expect(locked.warehouse),
    )
    check.raise_if_problems()
    here = _units_here(locked.warehouse, [line.sku_id for line in tracked])
    counted = {s for line in tracked for s in line.serials}
    lost = [row for rows in here.values() for row in rows if row.serial not in counted]
    held = [row.serial for row in lost if row.status == SerialStatus.RESERVED]
    if held:
        raise Conflict(
            _("Units reserved for orders were not counted: %(serials)s. Release them first.")
            % {"serials": "、".join(held[:20])},
            code="reserved_units_missing",
        )
    return check, lost


@transaction.atomic
def count_post(*, actor: Any, count: StockCount) -> StockCount:
    """Post every line's difference (counted − on hand now) as a count move; serial-tracked
    SKUs scrap the units not found and take in the ones found. Every line must be counted."""
    require_manage(actor, count.warehouse)
    locked = _lock_count(count, CountStatus.POSTED)
    lines = list(locked.lines.select_related("sku").order_by("sku__code"))
    missing = [line.sku.code for line in lines if line.counted_qty is None]
    if missing:
        raise ValidationFailed(
            _("Not counted yet: %(skus)s.") % {"skus": "、".join(missing[:50])},
            code="count_incomplete",
        )
    found, lost = _serial_differences(locked, lines)
    warehouse = locked.warehouse
    stocks = lock_stocks((warehouse.pk, line.sku_id) for line in lines)
    at = timezone.now()
    changes = []
    for line in lines:
        line.system_qty = stocks[(warehouse.pk, line.sku_id)].on_hand
        line.difference = (line.counted_qty or 0) - line.system_qty
        changes.append(Change(warehouse.pk, line.sku_id, MoveKind.COUNT, line.difference))
    doc = Doc("stock_count", str(locked.pk), locked.number)
    posted: Posted = post(
        stocks,
        changes,
        skus={line.sku_id: line.sku for line in lines},
        actor=actor,
        doc=doc,
        reason=_("Stock count %(number)s") % {"number": locked.number},
        at=at,
    )
    moves = posted.by_sku(warehouse.pk)
    create_serials(found.new, warehouse=warehouse, posted=posted, doc=doc, actor=actor, at=at)
    serials_move(
        found.restored,
        status=SerialStatus.IN_STOCK,
        warehouse_id=warehouse.pk,
        transit=None,
        holder_id=warehouse.org_id,
        moves=moves,
        doc=doc,
        actor=actor,
        at=at,
    )
    serials_move(
        lost,
        status=SerialStatus.SCRAPPED,
        warehouse_id=None,
        transit=None,
        moves=moves,
        doc=doc,
        actor=actor,
        at=at,
    )
    for line in lines:
        line.move = moves.get(line.sku_id)
    StockCountLine.objects.bulk_update(lines, ["system_qty", "difference", "move"])
    locked.status, locked.posted_at = CountStatus.POSTED, at
    locked.save(update_fields=["status", "posted_at"])
    _audit(
        actor,
        locked,
        "posted",
        status=[CountStatus.COUNTING, CountStatus.POSTED],
        differences=[None, [[line.sku.code, line.difference] for line in lines if line.difference]],
    )
    return locked
