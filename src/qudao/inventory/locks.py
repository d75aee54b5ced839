"""Row locks of inventory, always in one order so two writers never wait on each other in a
circle: first the document row a write belongs to (a transit, a count), then the `Stock` rows
it changes in primary-key order (one `SELECT … FOR UPDATE … ORDER BY id`), reservation rows
after them, serial rows last (their conditional UPDATE). A service takes its stock locks once,
for every (warehouse, SKU) it touches; callers that post several inventory writes in one
transaction should pass all their lines to one call."""

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from qudao.inventory.models import Stock

Key = tuple[int, int]  # (warehouse id, SKU id)


def _locked(keys: list[Key]) -> dict[Key, Stock]:
    match = Q()
    for w, s in keys:
        match |= Q(warehouse_id=w, sku_id=s)
    rows = Stock.objects.select_for_update().filter(match).order_by("pk")
    return {(row.warehouse_id, row.sku_id): row for row in rows}


def lock_stocks(keys: Iterable[Key]) -> dict[Key, Stock]:
    """The balance rows of these (warehouse, SKU) pairs, created at zero when missing, locked
    until commit in primary-key order.

    Existing rows are locked first, in one query. Rows still missing are then created (in
    (warehouse, SKU) order, ON CONFLICT DO NOTHING) and locked: they get higher keys than every
    existing row, so the pk order holds; a concurrent creator of the same row makes this wait
    for its commit, and that writer, having locked its existing rows before creating, never
    waits for ours — no circle."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = _locked(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        now = timezone.now()
        Stock.objects.bulk_create(
            [Stock(warehouse_id=w, sku_id=s, updated_at=now) for w, s in missing],
            ignore_conflicts=True,
        )
        found |= _locked(missing)
    return found
