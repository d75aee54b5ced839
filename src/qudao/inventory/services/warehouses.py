"""Warehouses of an org (several allowed, one default) and safety stock per (warehouse, SKU)."""

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_STOCK
from qudao.catalog.models import Sku
from qudao.core.errors import Conflict, ValidationFailed
from qudao.core.services import audit_record, changes_between, event_record, snapshot
from qudao.inventory.constants import GOODS_HOLDING_KINDS, WarehouseKind
from qudao.inventory.locks import lock_stocks
from qudao.inventory.models import Stock, Warehouse
from qudao.inventory.services._common import quantity, require_manage
from qudao.network import scope
from qudao.network.models import Org

FIELDS = ("code", "name", "kind", "is_active", "is_default", "address")


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key in ("code", "name", "address"):
        if key in data:
            clean[key] = str(data[key] or "").strip()
    if "code" in clean and not clean["code"]:
        raise ValidationFailed(
            _("Give a code."), code="code_required", fields={"code": [_("Give a code.")]}
        )
    if "name" in clean and not clean["name"]:
        raise ValidationFailed(
            _("Give a name."), code="name_required", fields={"name": [_("Give a name.")]}
        )
    if "kind" in data:
        if data["kind"] not in WarehouseKind.values:
            raise ValidationFailed(_("Choose a kind of warehouse."), code="invalid_kind")
        clean["kind"] = data["kind"]
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    return clean


def _require_org(actor: Any, org: Org) -> None:
    scope.require(actor, MANAGE_STOCK, org)
    if org.kind not in GOODS_HOLDING_KINDS:
        raise ValidationFailed(
            _("A %(kind)s does not hold goods.") % {"kind": org.get_kind_display()},
            code="org_holds_no_goods",
        )


@transaction.atomic
def warehouse_create(*, actor: Any, org: Org, data: Mapping[str, Any]) -> Warehouse:
    """A new warehouse of the org; the org's first one becomes its default."""
    _require_org(actor, org)
    clean = _clean({"kind": WarehouseKind.MAIN, **data})
    for key in ("code", "name"):
        if key not in clean:
            raise ValidationFailed(_("Give a code and a name."), code=f"{key}_required")
    first = not Warehouse.objects.filter(org=org).exists()
    try:
        with transaction.atomic():
            warehouse = Warehouse.objects.create(org=org, is_default=first, **clean)
    except IntegrityError as exc:
        raise Conflict(
            _("The code %(code)s is already used by another warehouse of this org.")
            % {"code": clean["code"]},
            code="warehouse_code_taken",
            fields={"code": [_("Already used.")]},
        ) from exc
    audit_record(
        actor=actor,
        action="warehouse.created",
        instance=warehouse,
        changes={k: [None, v] for k, v in snapshot(warehouse, FIELDS).items()},
    )
    event_record("warehouse.created", {"warehouse_id": warehouse.pk, "org_id": org.pk})
    return warehouse


@transaction.atomic
def warehouse_update(*, actor: Any, warehouse: Warehouse, data: Mapping[str, Any]) -> Warehouse:
    """Name, kind, address, open or closed. A closed warehouse holds nothing and is not the
    default."""
    require_manage(actor, warehouse)
    warehouse = (
        Warehouse.objects.select_for_update(of=("self",)).select_related("org").get(pk=warehouse.pk)
    )
    before = snapshot(warehouse, FIELDS)
    clean = _clean({k: v for k, v in data.items() if k != "code"})
    if clean.get("is_active") is False and warehouse.is_active:
        if warehouse.is_default:
            raise Conflict(
                _("Make another warehouse the default before closing this one."),
                code="warehouse_is_default",
            )
        holds = Stock.objects.filter(warehouse=warehouse).exclude(on_hand=0, in_transit=0)
        if holds.exists():
            raise Conflict(
                _("The warehouse still holds or expects goods."), code="warehouse_not_empty"
            )
    for key, value in clean.items():
        setattr(warehouse, key, value)
    changes = changes_between(before, snapshot(warehouse, FIELDS))
    if changes:
        warehouse.save(update_fields=list(clean))
        audit_record(actor=actor, action="warehouse.updated", instance=warehouse, changes=changes)
        event_record("warehouse.updated", {"warehouse_id": warehouse.pk})
    return warehouse


@transaction.atomic
def warehouse_set_default(*, actor: Any, warehouse: Warehouse) -> Warehouse:
    """The warehouse orders ship from and receive into unless they name another."""
    require_manage(actor, warehouse)
    if not warehouse.is_active:
        raise Conflict(_("A closed warehouse cannot be the default."), code="warehouse_inactive")
    # lock the org's warehouses (pk order) so two switches cannot leave two defaults
    others = list(
        Warehouse.objects.select_for_update().filter(org_id=warehouse.org_id).order_by("pk")
    )
    old = next((w for w in others if w.is_default), None)
    if old is not None and old.pk == warehouse.pk:
        return warehouse
    Warehouse.objects.filter(org_id=warehouse.org_id, is_default=True).update(is_default=False)
    Warehouse.objects.filter(pk=warehouse.pk).update(is_default=True)
    warehouse.is_default = True
    audit_record(
        actor=actor,
        action="warehouse.default_set",
        instance=warehouse,
        changes={"is_default": [old.name if old else None, warehouse.name]},
    )
    event_record("warehouse.default_set", {"warehouse_id": warehouse.pk})
    return warehouse


@transaction.atomic
def safety_stock_set(*, actor: Any, warehouse: Warehouse, sku: Sku, qty: Any) -> Stock:
    """The level under which the balance is flagged and a replenishment is suggested."""
    require_manage(actor, warehouse)
    value = 0 if qty in (0, "0") else quantity(qty, label=sku.code)
    stock = lock_stocks([(warehouse.pk, sku.pk)])[(warehouse.pk, sku.pk)]
    if stock.safety_stock == value:
        return stock
    old, stock.safety_stock = stock.safety_stock, value
    Stock.objects.filter(pk=stock.pk).update(safety_stock=value, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="safety_stock.set",
        instance=warehouse,
        changes={"safety_stock": [f"{sku.code} {old}", f"{sku.code} {value}"]},
    )
    event_record("safety_stock.set", {"warehouse_id": warehouse.pk, "sku_id": sku.pk, "qty": value})
    return stock
