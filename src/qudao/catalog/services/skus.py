"""Writes of SKUs: create, update, pack sizes (1 箱 = 12 件) and spare-part fitment."""

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from qudao.catalog.constants import MIN_PACK_FACTOR, PRODUCT_STATUS_PIPELINE, ProductStatus
from qudao.catalog.models import Fitment, Product, Sku, SkuPack
from qudao.catalog.rules import (
    SKU_CLEANERS,
    barcode_owner,
    clean_barcode,
    clean_values,
    field_error,
    sku_search_text,
)
from qudao.catalog.services._common import (
    SKU_FIELDS,
    _actor_id,
    _code_taken,
    require_manager,
    snap,
)
from qudao.core.errors import Conflict, NotFound, ValidationFailed, check_transition
from qudao.core.services import audit_record, changes_between, event_record

# --- helpers ---------------------------------------------------------------------------------


def _barcode_free(barcode: str, *, exclude_sku: int | None = None, field: str = "barcode") -> None:
    owner = barcode_owner(barcode, exclude_sku=exclude_sku) if barcode else None
    if owner is not None:
        raise Conflict(
            _("The barcode %(barcode)s is already used by %(sku)s."),
            code="barcode_taken",
            fields={field: [str(_("Already used."))]},
            barcode=barcode,
            sku=owner,
        )


def _refresh_sku_search(sku: Sku) -> None:
    packs = SkuPack.objects.filter(sku=sku).exclude(barcode="").values_list("barcode", flat=True)
    sku.search_text = sku_search_text(sku, packs)


# --- SKUs ----------------------------------------------------------------------------------


def _clean_sku(data: Mapping[str, Any], *, instance: Sku | None) -> dict[str, Any]:
    clean = clean_values(SKU_CLEANERS, data)
    own = instance.pk if instance is not None else None
    if "code" in clean:
        taken = Sku.objects.filter(code=clean["code"])
        if own is not None:
            taken = taken.exclude(pk=own)
        if taken.exists():
            raise _code_taken("sku_code_taken", clean["code"])
    if "barcode" in clean:
        _barcode_free(clean["barcode"], exclude_sku=own)
    unit = clean.get("base_unit")
    if own is not None and unit and SkuPack.objects.filter(sku_id=own, unit=unit).exists():
        raise field_error("base_unit", _("A pack size already uses this unit."), "invalid_unit")
    return clean


@transaction.atomic
def sku_create(*, actor: Any, product: Product, data: Mapping[str, Any]) -> Sku:
    """A variant of a product: unique code, unique barcode when it has one, counted in one of
    the base units; a new SKU starts as a draft unless told otherwise."""
    require_manager(actor)
    clean = _clean_sku({"code": "", "name": "", **data}, instance=None)
    clean.setdefault("status", ProductStatus.DRAFT)
    sku = Sku(product=product, **clean)
    sku.search_text = sku_search_text(sku)
    try:
        with transaction.atomic():
            sku.save()
    except IntegrityError as exc:
        raise _code_taken("sku_code_taken", clean["code"]) from exc
    audit_record(
        actor=actor,
        action="sku.created",
        instance=sku,
        changes=changes_between({}, snap(sku, SKU_FIELDS)),
    )
    event_record(
        "sku.created",
        {"sku_id": sku.pk, "product_id": product.pk, "actor_id": _actor_id(actor)},
    )
    return sku


@transaction.atomic
def sku_update(*, actor: Any, sku: Sku, data: Mapping[str, Any]) -> Sku:
    """Edit a SKU; its status follows the same pipeline as products'."""
    require_manager(actor)
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    before = snap(sku, SKU_FIELDS)
    clean = _clean_sku(data, instance=sku)
    old_status = sku.status
    if clean.get("status", old_status) != old_status:
        check_transition(PRODUCT_STATUS_PIPELINE, old_status, clean["status"])
    for key, value in clean.items():
        setattr(sku, key, value)
    changes = changes_between(before, snap(sku, SKU_FIELDS))
    if not changes:
        return sku
    _refresh_sku_search(sku)
    sku.save(update_fields=[*clean.keys(), "search_text", "updated_at"])
    audit_record(actor=actor, action="sku.updated", instance=sku, changes=changes)
    event_record(
        "sku.updated", {"sku_id": sku.pk, "fields": sorted(changes), "actor_id": _actor_id(actor)}
    )
    if sku.status != old_status:
        event_record("sku.status_changed", {"sku_id": sku.pk, "from": old_status, "to": sku.status})
    return sku


def pack_label(pack: SkuPack, base_unit: str) -> str:
    return f"1 {pack.unit} = {pack.factor} {base_unit}"


@transaction.atomic
def sku_pack_add(*, actor: Any, sku: Sku, unit: str, factor: Any, barcode: str = "") -> SkuPack:
    """A pack size (1 箱 = 12 件): a unit other than the base unit, a whole factor ≥ 2, one
    pack per unit, and a barcode no other SKU or pack carries."""
    require_manager(actor)
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    unit = " ".join(str(unit or "").split())
    if not unit or len(unit) > 8 or unit == sku.base_unit:
        raise field_error(
            "unit",
            _("Name a pack unit other than the base unit, at most 8 characters."),
            "invalid_pack_unit",
        )
    try:
        factor = int(factor)
    except (TypeError, ValueError):
        factor = 0
    if factor < MIN_PACK_FACTOR:
        raise field_error(
            "factor",
            _("A pack holds at least %(min)s base units."),
            "invalid_pack_factor",
            min=MIN_PACK_FACTOR,
        )
    barcode = clean_barcode(barcode)
    _barcode_free(barcode)
    if SkuPack.objects.filter(sku=sku, unit=unit).exists():
        raise Conflict(
            _("This SKU already has a pack size in %(unit)s."),
            code="pack_exists",
            fields={"unit": [str(_("Already used."))]},
            unit=unit,
        )
    pack = SkuPack.objects.create(sku=sku, unit=unit, factor=factor, barcode=barcode)
    _refresh_sku_search(sku)
    sku.save(update_fields=["search_text", "updated_at"])
    audit_record(
        actor=actor,
        action="sku.updated",
        instance=sku,
        changes={"pack": [None, pack_label(pack, sku.base_unit)]},
    )
    event_record(
        "sku.pack_added",
        {"sku_id": sku.pk, "unit": unit, "factor": factor, "actor_id": _actor_id(actor)},
    )
    return pack


@transaction.atomic
def sku_pack_remove(*, actor: Any, sku: Sku, unit: str) -> None:
    require_manager(actor)
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    pack = SkuPack.objects.filter(sku=sku, unit=str(unit).strip()).first()
    if pack is None:
        raise NotFound
    label = pack_label(pack, sku.base_unit)
    pack.delete()
    _refresh_sku_search(sku)
    sku.save(update_fields=["search_text", "updated_at"])
    audit_record(actor=actor, action="sku.updated", instance=sku, changes={"pack": [label, None]})
    event_record(
        "sku.pack_removed", {"sku_id": sku.pk, "unit": pack.unit, "actor_id": _actor_id(actor)}
    )


# --- fitment -------------------------------------------------------------------------------


def _fits_label(product: Product) -> str:
    return f"{product.name} ({product.code})"


@transaction.atomic
def fitment_add(*, actor: Any, part: Sku, product: Product) -> Fitment:
    """Record that a spare part SKU fits a model. Only parts fit, and only models are fitted."""
    require_manager(actor)
    part = Sku.objects.select_related("product").get(pk=part.pk)
    if not part.product.is_spare_part:
        raise ValidationFailed(
            _("Only SKUs of spare parts fit other products."), code="fitment_not_spare_part"
        )
    if product.is_spare_part:
        raise field_error(
            "product", _("A part fits a model, not another part."), "fitment_target_is_part"
        )
    if Fitment.objects.filter(part=part, product=product).exists():
        raise Conflict(
            _("%(part)s already fits %(product)s."),
            code="fitment_exists",
            part=part.code,
            product=product.code,
        )
    fitment = Fitment.objects.create(part=part, product=product)
    audit_record(
        actor=actor,
        action="sku.updated",
        instance=part,
        changes={"fits": [None, _fits_label(product)]},
    )
    event_record(
        "fitment.added",
        {"sku_id": part.pk, "product_id": product.pk, "actor_id": _actor_id(actor)},
    )
    return fitment


@transaction.atomic
def fitment_remove(*, actor: Any, part: Sku, product: Product) -> None:
    require_manager(actor)
    fitment = Fitment.objects.filter(part=part, product=product).first()
    if fitment is None:
        raise NotFound
    fitment.delete()
    audit_record(
        actor=actor,
        action="sku.updated",
        instance=part,
        changes={"fits": [_fits_label(product), None]},
    )
    event_record(
        "fitment.removed",
        {"sku_id": part.pk, "product_id": product.pk, "actor_id": _actor_id(actor)},
    )
