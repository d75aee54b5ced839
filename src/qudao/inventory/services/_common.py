"""What every inventory write shares: the business document and line shapes other apps pass
in, the errors, quantity and line checking, the access check, and `post` — moves plus cached
balances on locked rows, refused as a whole when any balance would break its rule."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_STOCK
from qudao.catalog.models import Sku
from qudao.core.errors import Conflict, ValidationFailed
from qudao.core.services import audit_record, event_record
from qudao.inventory.locks import Key
from qudao.inventory.models import Stock, StockMove, Transit, Warehouse
from qudao.inventory.selectors import parse_serials
from qudao.network import scope


@dataclass(frozen=True)
class Doc:
    """The business document a write belongs to (an order, a shipment note, a repair)."""

    type: str = ""
    id: str = ""
    number: str = ""

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}" if self.type else ""


@dataclass(frozen=True)
class Line:
    """One line of a write: a SKU, a quantity in its base unit, the serials of the units
    (serial-tracked SKUs: exactly one per unit) and the caller's line key (an order line id,
    for reservations)."""

    sku: Sku
    qty: int
    serials: tuple[str, ...] = ()
    line: str = ""


LineInput = Line | tuple[Any, ...]


class InsufficientStock(Conflict):
    """The stock cannot cover the write; `shortages` says which SKU lacks how much."""

    code = "insufficient_stock"

    def __init__(self, shortages: list[dict[str, Any]]) -> None:
        self.shortages = shortages
        text = "; ".join(
            _("%(sku)s: %(available)s available, %(needed)s needed")
            % {"sku": s["sku"], "available": s["available"], "needed": s["needed"]}
            for s in shortages
        )
        super().__init__(
            _("Not enough stock. %(detail)s") % {"detail": text},
            fields={"lines": [text]},
        )


@dataclass
class Change:
    """What one write does to one (warehouse, SKU) balance; qty ≠ 0 appends a move."""

    warehouse_id: int
    sku_id: int
    kind: str = ""
    qty: int = 0
    reserved: int = 0
    in_transit: int = 0


@dataclass
class Posted:
    """The moves a write appended: by (warehouse id, SKU id) (the last, when a key has
    several) and in the order of the changes that had a quantity."""

    moves: dict[Key, StockMove] = field(default_factory=dict)
    rows: list[StockMove] = field(default_factory=list)

    def by_sku(self, warehouse_id: int) -> dict[int, StockMove]:
        return {sku: move for (w, sku), move in self.moves.items() if w == warehouse_id}


def quantity(value: Any, *, signed: bool = False, label: str = "") -> int:
    """A whole number of base units: more than 0, or (signed) anything but 0."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str | Decimal) and str(value).strip().lstrip("+-").isdigit():
        number = int(str(value).strip())
    if number is None:
        raise ValidationFailed(
            _("%(what)s: enter a whole number.") % {"what": label or _("Quantity")},
            code="invalid_qty",
            fields={"qty": [_("Enter a whole number.")]},
        )
    if (signed and number == 0) or (not signed and number <= 0):
        message = (
            _("%(what)s: the quantity cannot be 0.")
            if signed
            else _("%(what)s: the quantity must be more than 0.")
        ) % {"what": label or _("Quantity")}
        raise ValidationFailed(message, code="qty_not_positive", fields={"qty": [message]})
    return number


def clean_lines(lines: Iterable[LineInput], *, signed: bool = False) -> list[Line]:
    """Lines as `Line`s: tuples (sku, qty[, serials[, line key]]) are accepted; quantities
    checked; serials parsed (pasted text or a list) and upper-cased."""
    result: list[Line] = []
    for raw in lines:
        if isinstance(raw, Line):
            sku, qty, serials, key = raw.sku, raw.qty, raw.serials, raw.line
        else:  # (sku, qty), (sku, qty, serials) or (sku, qty, serials, line key)
            padded = (*raw, (), "")
            sku, qty, serials, key = padded[0], padded[1], padded[2], padded[3]
        if not isinstance(sku, Sku):
            raise ValidationFailed(_("Choose a SKU."), code="invalid_sku")
        number = quantity(qty, signed=signed, label=sku.code)
        result.append(Line(sku, number, tuple(parse_serials(serials or ())), str(key or "")))
    if not result:
        raise ValidationFailed(_("Add at least one line."), code="no_lines")
    return result


def merge_by_sku(lines: Sequence[Line]) -> list[Line]:
    """One line per SKU (quantities added, serials joined: duplicates are caught later)."""
    merged: dict[int, Line] = {}
    for line in lines:
        found = merged.get(line.sku.pk)
        merged[line.sku.pk] = (
            line
            if found is None
            else Line(line.sku, found.qty + line.qty, found.serials + line.serials, found.line)
        )
    return list(merged.values())


def check_serial_counts(lines: Sequence[Line], *, signed: bool = False) -> None:
    """Serial-tracked SKUs carry exactly one serial per unit; other SKUs carry none."""
    wrong: list[str] = []
    untracked: list[str] = []
    for line in lines:
        units = abs(line.qty) if signed else line.qty
        if line.sku.serial_tracked and len(line.serials) != units:
            wrong.append(
                _("%(sku)s: %(units)s units, %(serials)s serials")
                % {"sku": line.sku.code, "units": units, "serials": len(line.serials)}
            )
        elif not line.sku.serial_tracked and line.serials:
            untracked.append(line.sku.code)
    if wrong:
        raise ValidationFailed(
            _("Scan one serial per unit. %(detail)s") % {"detail": "; ".join(wrong)},
            code="serial_count_mismatch",
            fields={"serials": wrong},
        )
    if untracked:
        raise ValidationFailed(
            _("%(skus)s are not serial-tracked: remove their serials.")
            % {"skus": "、".join(untracked)},
            code="serials_not_tracked",
        )


def require_manage(actor: Any, warehouse: Warehouse) -> None:
    """Out of the actor's scope → 404; in scope without the stock right → 403."""
    scope.require(actor, MANAGE_STOCK, warehouse.org)


def require_active(*warehouses: Warehouse) -> None:
    for warehouse in warehouses:
        if not warehouse.is_active:
            raise Conflict(
                _("The warehouse %(name)s is closed.") % {"name": warehouse.name},
                code="warehouse_inactive",
            )


def require_doc(doc: Doc) -> None:
    if not doc.type or not str(doc.id):
        raise ValidationFailed(_("The document is missing."), code="doc_required")


def require_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            _("Give a reason."), code="reason_required", fields={"reason": [_("Give a reason.")]}
        )
    return text[:200]


def actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _apply(stock: Stock, change: Change) -> None:
    stock.on_hand += change.qty
    stock.reserved += change.reserved
    stock.in_transit += change.in_transit


def _broken(stock: Stock) -> bool:
    return (
        stock.on_hand < 0
        or stock.reserved < 0
        or stock.reserved > stock.on_hand
        or stock.in_transit < 0
    )


def post(
    stocks: Mapping[Key, Stock],
    changes: Sequence[Change],
    *,
    skus: Mapping[int, Sku],
    actor: Any,
    doc: Doc = Doc(),  # noqa: B008 — a frozen dataclass
    reason: str = "",
    transit: Transit | None = None,
    reversal_of: StockMove | None = None,
    at: datetime | None = None,
) -> Posted:
    """Apply the changes to the locked balance rows (inventory.locks.lock_stocks), refuse the
    whole write with every shortage when a balance would go below zero or below what is
    reserved, else append the moves and write the exact new balances."""
    before = {key: (s.on_hand, s.reserved, s.in_transit) for key, s in stocks.items()}
    for change in changes:
        _apply(stocks[(change.warehouse_id, change.sku_id)], change)
    broken = [key for key, s in stocks.items() if _broken(s)]
    if broken:
        shortages = []
        for key in broken:
            stock = stocks[key]
            on_hand, reserved, _transit = before[key]
            needed = on_hand - stock.on_hand + max(0, stock.reserved - reserved)
            shortages.append(
                {
                    "sku": skus[key[1]].code,
                    "sku_id": key[1],
                    "warehouse_id": key[0],
                    "available": on_hand - reserved,
                    "needed": needed,
                }
            )
        for key, values in before.items():  # leave the rows as they were read
            stocks[key].on_hand, stocks[key].reserved, stocks[key].in_transit = values
        raise InsufficientStock(shortages)
    at = at or timezone.now()
    posted = Posted()
    running = {key: before[key][0] for key in stocks}
    rows: list[StockMove] = []
    for change in changes:
        if not change.qty:
            continue
        key = (change.warehouse_id, change.sku_id)
        running[key] += change.qty
        rows.append(
            StockMove(
                warehouse_id=change.warehouse_id,
                sku_id=change.sku_id,
                kind=change.kind,
                qty=change.qty,
                on_hand_after=running[key],
                transit=transit,
                doc_type=doc.type,
                doc_id=str(doc.id),
                doc_number=doc.number,
                reason=reason[:200],
                reversal_of=reversal_of,
                actor=actor_or_none(actor),
                created_at=at,
            )
        )
    StockMove.objects.bulk_create(rows)
    for row in rows:
        posted.moves[(row.warehouse_id, row.sku_id)] = row
    posted.rows = rows
    changed = [
        stocks[key]
        for key in sorted({(c.warehouse_id, c.sku_id) for c in changes}, key=lambda k: stocks[k].pk)
        if (stocks[key].on_hand, stocks[key].reserved, stocks[key].in_transit) != before[key]
    ]
    for stock in changed:
        stock.updated_at = at
    # the rows are locked: their exact values are written (no read-modify-write race), in one
    # UPDATE … CASE for all of them
    Stock.objects.bulk_update(changed, ["on_hand", "reserved", "in_transit", "updated_at"])
    return posted


def lines_summary(lines: Sequence[Line]) -> list[list[Any]]:
    """[[SKU code, qty], …] for audit rows and events (serial lists stay in the history)."""
    return [[line.sku.code, line.qty] for line in lines][:200]


def record(
    *,
    actor: Any,
    action: str,
    instance: Any,
    changes: dict[str, Any],
    topic: str,
    payload: dict[str, Any],
) -> None:
    """The audit row and the outbox event of one write."""
    audit_record(actor=actor, action=action, instance=instance, changes=changes)
    event_record(topic, payload)


def doc_payload(doc: Doc) -> dict[str, str]:
    return {"doc_type": doc.type, "doc_id": str(doc.id), "doc_number": doc.number}
