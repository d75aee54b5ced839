"""Writes of pricing: price lists, their items (quantity breaks), brand price control.

Every write is one transaction under the seller's row lock (locks.py), so the checks that
make resolution unambiguous — no two active lists with the same target and priority,
overlapping windows and a common SKU — and the brand's floors cannot be raced past.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_CATALOG, MANAGE_PRICES
from qudao.catalog.models import Sku
from qudao.core.errors import Conflict, NotFound, ValidationFailed
from qudao.core.money import is_money
from qudao.core.services import (
    audit_record,
    audit_record_bulk,
    changes_between,
    event_record,
    snapshot,
)
from qudao.network import scope
from qudao.network.constants import Channel, Grade
from qudao.network.models import Org
from qudao.pricing.constants import FLOOR_LEVELS, Target
from qudao.pricing.locks import lock_seller
from qudao.pricing.models import PriceControl, PriceList, PriceListItem

LIST_FIELDS = (
    "code",
    "name",
    "target",
    "target_buyer",
    "target_grade",
    "target_region",
    "target_channel",
    "priority",
    "valid_from",
    "valid_until",
    "is_active",
)
CONTROL_FIELDS = (
    "floor_distributor",
    "floor_dealer",
    "floor_store",
    "suggested_retail",
    "minimum_advertised",
)


@dataclass(frozen=True)
class ItemRow:
    sku_id: int
    min_qty: int
    price: Decimal


class PriceBelowFloor(ValidationFailed):
    code = "price_below_floor"


class PriceListAmbiguous(Conflict):
    code = "price_list_ambiguous"


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={name: [message]})


TARGET_FIELD = {
    Target.BUYER: "target_buyer",
    Target.GRADE: "target_grade",
    Target.REGION: "target_region",
    Target.CHANNEL: "target_channel",
}


def _target_value(name: str, value: Any, actor: Any) -> Any:
    if name in ("target_buyer", "target_region"):
        org = value if isinstance(value, Org) else Org.objects.filter(pk=value).first()
        if org is None or not scope.in_scope(actor, org):
            raise _field(name, _("Choose an org in your network."))
        return org
    allowed = Grade.values if name == "target_grade" else Channel.values
    if value not in allowed:
        raise _field(name, _("Choose one of the allowed values."))
    return value


def _clean_target(data: dict[str, Any], actor: Any) -> None:
    """Keep only the field of the chosen target kind; check it names something real."""
    target = data.get("target")
    if target not in Target.values:
        raise _field("target", _("Choose whom the list is for."))
    keep = TARGET_FIELD.get(target)
    for name in TARGET_FIELD.values():
        if name != keep:
            data[name] = None if name in ("target_buyer", "target_region") else ""
    if keep is not None:
        data[keep] = _target_value(keep, data.get(keep), actor)


def _clean_list(data: Mapping[str, Any], actor: Any, current: PriceList | None) -> dict[str, Any]:
    clean = {k: v for k, v in data.items() if k in LIST_FIELDS}
    if current is not None:  # a partial update: fill the rest from the row
        clean = {**{f: getattr(current, f) for f in LIST_FIELDS}, **clean}
    for key in ("code", "name"):
        clean[key] = (clean.get(key) or "").strip()
        if not clean[key]:
            raise _field(key, _("This field is required."))
    _clean_target(clean, actor)
    start, end = clean.get("valid_from"), clean.get("valid_until")
    for key in ("valid_from", "valid_until"):
        value = clean.get(key)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise _field(key, _("Give a date and time with its time zone."))
    if start and end and end <= start:
        raise _field("valid_until", _("The end must come after the start."))
    clean["priority"] = int(clean.get("priority") or 0)
    clean["is_active"] = bool(clean.get("is_active", True))
    return clean


def _same_slot(price_list: PriceList) -> Q:
    """Other active lists of the seller that would compete with this one on equal terms."""
    q = Q(
        seller_id=price_list.seller_id,
        target=price_list.target,
        is_active=True,
        target_buyer_id=price_list.target_buyer_id,
        target_grade=price_list.target_grade,
        target_region_id=price_list.target_region_id,
        target_channel=price_list.target_channel,
        priority=price_list.priority,
    )
    if price_list.valid_until is not None:
        q &= Q(valid_from__isnull=True) | Q(valid_from__lt=price_list.valid_until)
    if price_list.valid_from is not None:
        q &= Q(valid_until__isnull=True) | Q(valid_until__gt=price_list.valid_from)
    return q


def _check_ambiguity(price_list: PriceList, sku_ids: Iterable[int] | None = None) -> None:
    """Refuse, at save time, two lists that would tie for the same buyer and SKU."""
    if not price_list.is_active:
        return
    rivals = PriceList.objects.filter(_same_slot(price_list)).exclude(pk=price_list.pk)
    mine = (
        set(sku_ids)
        if sku_ids is not None
        else set(price_list.items.values_list("sku_id", flat=True))
    )
    clash = list(
        PriceListItem.objects.filter(price_list__in=rivals, sku_id__in=mine)
        .values_list("price_list__code", "sku__code")
        .distinct()[:5]
    )
    if clash:
        raise PriceListAmbiguous(
            _(
                "List %(other)s has the same target, priority and overlapping validity and also "
                "prices %(skus)s: a buyer would get two answers. Change the priority, the "
                "validity or the target."
            )
            % {"other": clash[0][0], "skus": "、".join(sorted({c[1] for c in clash}))},
        )


def _require_seller(actor: Any, seller: Org) -> None:
    scope.require(actor, MANAGE_PRICES, seller)


@transaction.atomic
def price_list_create(*, actor: Any, seller: Org, data: Mapping[str, Any]) -> PriceList:
    """A new list of `seller`. Code unique per seller; the target must be in the actor's
    network; the validity window is half-open [from, until) and timezone-aware."""
    _require_seller(actor, seller)
    lock_seller(seller.pk)
    clean = _clean_list(data, actor, None)
    if PriceList.objects.filter(seller=seller, code=clean["code"]).exists():
        raise Conflict(
            _("The list code %(code)s is already used.") % {"code": clean["code"]},
            code="price_list_code_taken",
        )
    price_list = PriceList.objects.create(seller=seller, **clean)
    audit_record(
        actor=actor,
        action="price_list.created",
        instance=price_list,
        changes=changes_between({}, snapshot(price_list, LIST_FIELDS)),
    )
    event_record("price_list.created", {"price_list_id": price_list.pk, "seller_id": seller.pk})
    return price_list


@transaction.atomic
def price_list_update(*, actor: Any, price_list: PriceList, data: Mapping[str, Any]) -> PriceList:
    _require_seller(actor, price_list.seller)
    lock_seller(price_list.seller_id)
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    before = snapshot(price_list, LIST_FIELDS)
    clean = _clean_list(data, actor, price_list)
    if (
        clean["code"] != price_list.code
        and PriceList.objects.filter(seller_id=price_list.seller_id, code=clean["code"]).exists()
    ):
        raise Conflict(
            _("The list code %(code)s is already used.") % {"code": clean["code"]},
            code="price_list_code_taken",
        )
    for key, value in clean.items():
        setattr(price_list, key, value)
    _check_ambiguity(price_list)
    changes = changes_between(before, snapshot(price_list, LIST_FIELDS))
    if changes:
        price_list.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, action="price_list.updated", instance=price_list, changes=changes)
        event_record("price_list.updated", {"price_list_id": price_list.pk})
    return price_list


def _check_floors(seller: Org, rows: Sequence[ItemRow], skus: Mapping[int, Sku]) -> None:
    """A distributor's, dealer's or store's price may not go under the brand's floor."""
    if seller.kind not in FLOOR_LEVELS:
        return
    controls = PriceControl.objects.filter(sku_id__in={r.sku_id for r in rows})
    floors: dict[int, Decimal | None] = {pc.sku_id: pc.floor_for(seller.kind) for pc in controls}
    errors = []
    for row in rows:
        floor = floors.get(row.sku_id)
        if floor is not None and row.price < floor:
            errors.append(
                _("%(sku)s: %(price)s is under the floor of %(floor)s.")
                % {"sku": skus[row.sku_id].code, "price": row.price, "floor": floor}
            )
    if errors:
        raise PriceBelowFloor(" ".join(errors[:10]), fields={"price": errors})


def _rows(rows: Iterable[ItemRow | Mapping[str, Any]]) -> list[ItemRow]:
    result = []
    for row in rows:
        item = (
            row
            if isinstance(row, ItemRow)
            else ItemRow(
                sku_id=int(row["sku_id"]),
                min_qty=int(row.get("min_qty") or 1),
                price=Decimal(str(row["price"])),
            )
        )
        if item.price.is_finite() and item.price < 0:
            raise _field("price", _("A price cannot be negative."))
        if not is_money(item.price):
            raise _field("price", _("At most 2 decimals."))
        if item.min_qty < 1:
            raise _field("min_qty", _("The quantity break starts at 1."))
        result.append(ItemRow(item.sku_id, item.min_qty, item.price.quantize(Decimal("0.01"))))
    keys = [(r.sku_id, r.min_qty) for r in result]
    if len(keys) != len(set(keys)):
        raise _field("items", _("The same SKU and quantity appear twice."))
    return result


@transaction.atomic
def price_list_set_items(
    *,
    actor: Any,
    price_list: PriceList,
    rows: Iterable[ItemRow | Mapping[str, Any]],
    replace: bool = False,
) -> dict[str, int]:
    """Add or change prices (upsert by SKU and quantity break); with `replace`, rows not given
    are removed. Floors and ties are checked first; nothing is written if any row fails.
    Every changed price is audited on its SKU (old → new), in bulk."""
    _require_seller(actor, price_list.seller)
    seller = lock_seller(price_list.seller_id)
    items = _rows(rows)
    skus = Sku.objects.in_bulk({r.sku_id for r in items})
    missing = {r.sku_id for r in items} - skus.keys()
    if missing:
        raise NotFound(_("Unknown SKU ids: %(ids)s.") % {"ids": sorted(missing)})
    _check_floors(seller, items, skus)
    _check_ambiguity(price_list, {r.sku_id for r in items})
    existing = {(i.sku_id, i.min_qty): i for i in price_list.items.all()}
    create, update, audits = [], [], []
    for row in items:
        old = existing.pop((row.sku_id, row.min_qty), None)
        if old is None:
            create.append(
                PriceListItem(
                    price_list=price_list, sku_id=row.sku_id, min_qty=row.min_qty, price=row.price
                )
            )
        elif old.price != row.price:
            audits.append((row, old.price))
            old.price = row.price
            update.append(old)
            continue
        else:
            continue
        audits.append((row, None))
    removed = list(existing.values()) if replace else []
    PriceListItem.objects.bulk_create(create, batch_size=1000)
    PriceListItem.objects.bulk_update(update, ["price"], batch_size=1000)
    if removed:
        PriceListItem.objects.filter(pk__in=[i.pk for i in removed]).delete()
        audits += [(ItemRow(i.sku_id, i.min_qty, i.price), "removed") for i in removed]
    _audit_prices(actor, price_list, audits, skus)
    counts = {"created": len(create), "updated": len(update), "removed": len(removed)}
    if any(counts.values()):
        event_record("price_list.items_changed", {"price_list_id": price_list.pk, **counts})
    return counts


def _audit_prices(
    actor: Any, price_list: PriceList, audits: list[tuple[ItemRow, Any]], skus: Mapping[int, Sku]
) -> None:
    """One audit row per changed price, on the SKU, so its page shows a price timeline."""
    where = f"{price_list.seller.name} · {price_list.code}"
    events = []
    for row, old in audits:
        if old == "removed":
            action, change = "price.removed", [str(row.price), None]
        elif old is None:
            action, change = "price.created", [None, str(row.price)]
        else:
            action, change = "price.changed", [str(old), str(row.price)]
        events.append(
            (
                action,
                "catalog.sku",
                row.sku_id,
                str(skus.get(row.sku_id, row.sku_id)),
                {"price": change, "price_list": [None, where], "min_qty": [None, row.min_qty]},
            )
        )
    # the seller's business: only its subtree's people see it on the (brand-wide) SKU page
    audit_record_bulk(actor=actor, events=events, org_path=price_list.seller.path)


@transaction.atomic
def price_list_remove_item(*, actor: Any, price_list: PriceList, item_id: int) -> None:
    _require_seller(actor, price_list.seller)
    lock_seller(price_list.seller_id)
    item = price_list.items.filter(pk=item_id).select_related("sku").first()
    if item is None:
        raise NotFound
    item.delete()
    _audit_prices(
        actor,
        price_list,
        [(ItemRow(item.sku_id, item.min_qty, item.price), "removed")],
        {item.sku_id: item.sku},
    )


def _hq() -> Org:
    return Org.objects.get(depth=1)


@transaction.atomic
def price_control_set(*, actor: Any, sku: Sku, data: Mapping[str, Any]) -> PriceControl:
    """The brand's floors per seller level and its suggested / minimum advertised retail."""
    hq = _hq()
    scope.require(actor, MANAGE_CATALOG, hq)
    control, _created = PriceControl.objects.select_for_update().get_or_create(sku=sku)
    before = snapshot(control, CONTROL_FIELDS)
    for key in CONTROL_FIELDS:
        if key in data:
            value = data[key]
            value = None if value in (None, "") else Decimal(str(value))
            if value is not None and (not is_money(value) or value < 0):
                raise _field(key, _("Enter an amount of 0 or more with at most 2 decimals."))
            setattr(control, key, value)
    changes = changes_between(before, snapshot(control, CONTROL_FIELDS))
    if changes:
        control.save(update_fields=[*changes, "updated_at"])
        # brand policy: on the SKU's timeline for the brand's people only
        audit_record(
            actor=actor,
            action="price_control.updated",
            instance=sku,
            changes=changes,
            org_path=hq.path,
        )
        event_record("price_control.updated", {"sku_id": sku.pk})
    return control
