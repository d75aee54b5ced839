"""Serial numbers: parsing what people paste or scan, checking a whole paste in one
set-based query per batch, and a unit's journey."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from qudao.catalog.models import Sku
from qudao.core.errors import NotFound, ValidationFailed
from qudao.inventory.constants import (
    IN_WAREHOUSE,
    MAX_SERIALS_PER_DOCUMENT,
    SERIAL_BATCH,
    SerialStatus,
)
from qudao.inventory.models import Serial, SerialEvent, Warehouse
from qudao.inventory.selectors._scope import require_view, stock_q

# NUL too: a scanner may send it, and PostgreSQL refuses it in any query (a 500 in the fuzz)
_SPLIT = re.compile(r"[\s\x00,;，；、]+")
_VALID = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")


def parse_serials(value: str | Iterable[Any]) -> list[str]:
    """Serials from a textarea, a scanner that types lines, or a list: split on white space,
    commas and semicolons (also the Chinese ones and 、), upper-cased, in order, repeats kept
    so they can be reported."""
    parts = [value] if isinstance(value, str) else [str(v) for v in value]
    return [s.upper() for part in parts for s in _SPLIT.split(part) if s]


@dataclass(frozen=True)
class SerialRow:
    """A serial as the check found it: what a bulk move needs to update it and record its
    history, without loading model instances."""

    id: int
    serial: str
    sku_id: int
    status: str
    warehouse_id: int | None
    transit_id: int | None
    holder_id: int
    reserved_for: str


@dataclass(frozen=True)
class SerialProblem:
    serial: str
    code: str
    message: str


@dataclass(frozen=True)
class Expect:
    """What a write expects of its serials.

    `create`: unknown serials are new units (receipts from outside, found units); `restore`
    lets a scrapped unit of the same SKU come back; other known ones are refused
    (`serial_exists`) unless `statuses` is given too (a count: units already here are fine).
    Otherwise every serial must exist, be of its line's SKU, have one of `statuses` (a
    reserved one only for the document `reserved_for`, any with "*"), and sit in
    `warehouse_id` / `transit_id` when those are given."""

    create: bool = False
    restore: bool = False
    statuses: tuple[str, ...] = ()
    warehouse_id: int | None = None
    transit_id: int | None = None
    reserved_for: str = ""


@dataclass
class SerialCheck:
    found: list[SerialRow] = field(default_factory=list)
    new: list[tuple[str, int]] = field(default_factory=list)  # (serial, SKU id) to create
    restored: list[SerialRow] = field(default_factory=list)
    problems: list[SerialProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def codes(self) -> dict[str, list[str]]:
        """{problem code: [serials]} — what a page or the API shows next to the paste."""
        found: dict[str, list[str]] = {}
        for p in self.problems:
            found.setdefault(p.code, []).append(p.serial)
        return found

    def raise_if_problems(self) -> None:
        if self.problems:
            raise SerialsRejected(self.problems)


class SerialsRejected(ValidationFailed):
    """Some serials of a write are wrong; `problems` names each with its code. Nothing was
    written."""

    code = "serials_rejected"

    def __init__(self, problems: Sequence[SerialProblem]) -> None:
        self.problems = list(problems)
        shown = [p.message for p in self.problems[:50]]
        more = len(self.problems) - len(shown)
        summary = "；".join(shown) + (_("; and %(n)s more") % {"n": more} if more > 0 else "")
        super().__init__(
            _("%(n)s serial numbers cannot be used: %(detail)s")
            % {"n": len(self.problems), "detail": summary},
            fields={"serials": [p.message for p in self.problems]},
        )

    def codes(self) -> dict[str, list[str]]:
        return SerialCheck(problems=self.problems).codes()


def _message(code: str, serial: str, **extra: Any) -> str:
    texts = {
        "serial_invalid": _("%(serial)s is not a serial number"),
        "serial_duplicated": _("%(serial)s is listed more than once"),
        "serial_unknown": _("%(serial)s is not known"),
        "serial_exists": _("%(serial)s already exists elsewhere"),
        "serial_wrong_sku": _("%(serial)s belongs to another SKU (%(sku)s)"),
        "serial_wrong_warehouse": _("%(serial)s is not in this warehouse"),
        "serial_not_in_transit": _("%(serial)s is not in this shipment"),
        "serial_wrong_status": _("%(serial)s is %(status)s"),
        "serial_reserved": _("%(serial)s is reserved for another document"),
    }
    return texts[code] % {"serial": serial, **extra}


def _problem(code: str, serial: str, **extra: Any) -> SerialProblem:
    return SerialProblem(serial, code, _message(code, serial, **extra))


def _fetch(serials: Sequence[str]) -> dict[str, SerialRow]:
    """The known serials among these: one query per batch of SERIAL_BATCH."""
    found: dict[str, SerialRow] = {}
    for start in range(0, len(serials), SERIAL_BATCH):
        batch = serials[start : start + SERIAL_BATCH]
        for row in Serial.objects.filter(serial__in=batch).values_list(
            "id",
            "serial",
            "sku_id",
            "status",
            "warehouse_id",
            "transit_id",
            "holder_id",
            "reserved_for",
        ):
            found[row[1]] = SerialRow(*row)
    return found


def _existing_problem(row: SerialRow, sku_id: int, expect: Expect, skus: dict[int, str]) -> Any:
    if row.sku_id != sku_id:
        return _problem("serial_wrong_sku", row.serial, sku=skus.get(row.sku_id, row.sku_id))
    if row.status not in expect.statuses:
        return _problem(
            "serial_wrong_status", row.serial, status=SerialStatus(row.status).label.lower()
        )
    held_elsewhere = expect.reserved_for not in ("*", row.reserved_for)
    if row.status == SerialStatus.RESERVED and held_elsewhere:
        return _problem("serial_reserved", row.serial)
    if expect.warehouse_id is not None and row.warehouse_id != expect.warehouse_id:
        return _problem("serial_wrong_warehouse", row.serial)
    if expect.transit_id is not None and row.transit_id != expect.transit_id:
        return _problem("serial_not_in_transit", row.serial)
    return None


def _screen(wanted: Sequence[tuple[str, int]], check: SerialCheck) -> list[tuple[str, int]]:
    """Format and repeats within the paste, before any query; the rest, once each."""
    seen: set[str] = set()
    unique: list[tuple[str, int]] = []
    for serial, sku_id in wanted:
        if not _VALID.match(serial):
            check.problems.append(_problem("serial_invalid", serial))
        elif serial in seen:
            check.problems.append(_problem("serial_duplicated", serial))
        else:
            seen.add(serial)
            unique.append((serial, sku_id))
    return unique


def _classify(
    check: SerialCheck,
    *,
    serial: str,
    sku_id: int,
    row: SerialRow | None,
    expect: Expect,
    codes: dict[int, str],
) -> None:
    if row is None:
        if expect.create:
            check.new.append((serial, sku_id))
        else:
            check.problems.append(_problem("serial_unknown", serial))
        return
    scrapped_here = row.status == SerialStatus.SCRAPPED and row.sku_id == sku_id
    if expect.create and expect.restore and scrapped_here:
        check.restored.append(row)
    elif expect.create and not expect.statuses:
        check.problems.append(_problem("serial_exists", serial))
    else:
        problem = _existing_problem(row, sku_id, expect, codes)
        if problem is None:
            check.found.append(row)
        else:
            check.problems.append(problem)


def check_serials(wanted: Sequence[tuple[str, int]], *, expect: Expect) -> SerialCheck:
    """Check every (serial, SKU id) of a write at once: format, repeats within the paste,
    then one query per batch for the known ones against `expect`. Reads only."""
    if len(wanted) > MAX_SERIALS_PER_DOCUMENT:
        raise ValidationFailed(
            _("At most %(n)s serials per document.") % {"n": MAX_SERIALS_PER_DOCUMENT},
            code="too_many_serials",
        )
    check = SerialCheck()
    unique = _screen(wanted, check)
    known = _fetch([s for s, _sku in unique])
    other_skus = {r.sku_id for r in known.values()} - {sku for _s, sku in unique}
    codes = dict(Sku.objects.filter(pk__in=other_skus).values_list("pk", "code"))
    for serial, sku_id in unique:
        _classify(
            check, serial=serial, sku_id=sku_id, row=known.get(serial), expect=expect, codes=codes
        )
    return check


def serials_check(
    *,
    actor: Any,
    warehouse: Warehouse,
    sku: Sku,
    serials: str | Iterable[Any],
    purpose: str = "out",
) -> SerialCheck:
    """Check a paste before it is posted (the same check the write runs again): `out` —
    the units must be in this warehouse and free to leave; `in` — new units for a receipt
    from outside the system."""
    require_view(actor, warehouse.org)
    parsed = parse_serials(serials)
    if purpose == "in":
        expect = Expect(create=True)
    else:
        expect = Expect(statuses=tuple(IN_WAREHOUSE), warehouse_id=warehouse.pk)
    return check_serials([(s, sku.pk) for s in parsed], expect=expect)


def serial_list_for_actor(
    *,
    actor: Any,
    warehouse_id: int | None = None,
    sku_id: int | None = None,
    status: str = "",
    q: str = "",
) -> QuerySet[Serial]:
    """Units whose holder is in the actor's stock scope."""
    qs = Serial.objects.filter(stock_q(actor, "holder__path")).select_related(
        "sku", "warehouse", "holder"
    )
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if sku_id is not None:
        qs = qs.filter(sku_id=sku_id)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(serial__startswith=q.strip().upper())
    return qs.order_by("serial")


@dataclass
class SerialJourney:
    serial: Serial
    events: list[SerialEvent]
    place_visible: bool  # False: the unit has left the actor's scope; don't show where it is


def serial_journey(*, actor: Any, serial: str) -> SerialJourney:
    """A unit and its history, oldest first. The brand (a stock right at the root) sees every
    step; others see the unit when it passed through their scope, and only the steps in it
    (a later holder elsewhere is not their business). Two queries."""
    text = (parse_serials(serial) or [""])[0]
    q = stock_q(actor, "from_holder__path") | stock_q(actor, "to_holder__path")
    events = list(
        SerialEvent.objects.filter(serial__serial=text)
        .filter(q)
        .select_related(
            "serial__sku",
            "serial__holder",
            "serial__warehouse",
            "from_warehouse",
            "to_warehouse",
            "from_holder",
            "to_holder",
            "actor",
            "move",
        )
        .order_by("at", "id")
    )
    if not events:
        raise NotFound
    unit = events[0].serial
    visible = Serial.objects.filter(pk=unit.pk).filter(stock_q(actor, "holder__path")).exists()
    return SerialJourney(unit, events, visible)


def serials_in(*, warehouse_id: int, sku_id: int) -> QuerySet[Serial]:
    """Units a warehouse holds of a SKU (in stock, reserved or returned), for counts."""
    return Serial.objects.filter(
        Q(warehouse_id=warehouse_id, sku_id=sku_id, status__in=IN_WAREHOUSE)
    )
