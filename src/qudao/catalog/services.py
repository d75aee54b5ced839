"""Writes of the catalogue: categories, products, SKUs, pack sizes, fitment, images.

Only the brand writes the catalogue (MANAGE_CATALOG held at HQ); everyone else who may read it
gets PermissionDenied — the catalogue is in their view, so 403, not 404. Each write is one
transaction with its audit row (on the category, product or SKU) and an outbox event.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from qudao.catalog import selectors
from qudao.catalog.constants import (
    IMAGE_EXTENSION_TYPES,
    IMAGE_SIGNATURES,
    MAX_IMAGE_BYTES,
    MIN_PACK_FACTOR,
    PRODUCT_STATUS_PIPELINE,
    ProductStatus,
)
from qudao.catalog.models import Category, Fitment, Product, Sku, SkuPack
from qudao.catalog.rules import (
    PRODUCT_CLEANERS,
    SKU_CLEANERS,
    barcode_owner,
    clean_barcode,
    clean_code,
    clean_name,
    clean_values,
    field_error,
    format_pairs,
    product_search_text,
    sku_search_text,
)
from qudao.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    check_transition,
)
from qudao.core.services import audit_record, changes_between, event_record, snapshot
from qudao.core.text import search_text

PRODUCT_FIELDS = ("code", "name", "category", "status", "is_spare_part", "description", "specs")
SKU_FIELDS = (
    "code",
    "name",
    "attributes",
    "barcode",
    "base_unit",
    "status",
    "serial_tracked",
    "warranty_months",
)
PAIR_FIELDS = {"specs", "attributes"}  # JSON {name: value}, written as 颜色=星空灰;电池=48V20Ah


# --- helpers ---------------------------------------------------------------------------------


def require_manager(actor: Any) -> None:
    if not selectors.can_manage(actor):
        raise PermissionDenied


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


def _code_taken(error_code: str, value: str) -> Conflict:
    return Conflict(
        _("The code %(value)s is already used."),
        code=error_code,
        fields={"code": [str(_("Already used."))]},
        value=value,
    )


def snap(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Audit values as people read them; attribute dicts in their 颜色=星空灰 form."""
    plain = [f for f in fields if f not in PAIR_FIELDS]
    result = snapshot(instance, plain)
    for name in fields:
        if name in PAIR_FIELDS:
            result[name] = format_pairs(getattr(instance, name))
    return result


def _actor_id(actor: Any) -> Any:
    return getattr(actor, "pk", None)


def _refresh_sku_search(sku: Sku) -> None:
    packs = SkuPack.objects.filter(sku=sku).exclude(barcode="").values_list("barcode", flat=True)
    sku.search_text = sku_search_text(sku, packs)


# --- categories ----------------------------------------------------------------------------


@transaction.atomic
def category_create(
    *, actor: Any, code: str, name: str, parent: Category | None = None
) -> Category:
    """A category at the top or under a parent; codes are unique in the whole tree."""
    require_manager(actor)
    code = clean_code(code, "code", 32)
    name = clean_name(name, "name", 60)
    if Category.objects.filter(code=code).exists():
        raise _code_taken("category_code_taken", code)
    instance = Category(code=code, name=name, search_text=search_text(name, code)[:300])
    try:
        with transaction.atomic():
            if parent is None:
                category = Category.objects.add_root(instance=instance)
            else:
                category = Category.objects.add_child(parent, instance=instance)
    except IntegrityError as exc:  # a concurrent create took the code (or the tree slot)
        raise _code_taken("category_code_taken", code) from exc
    audit_record(
        actor=actor,
        action="category.created",
        instance=category,
        changes={
            "code": [None, code],
            "name": [None, name],
            "parent": [None, parent.name if parent else None],
        },
    )
    event_record("category.created", {"category_id": category.pk, "actor_id": _actor_id(actor)})
    return category


@transaction.atomic
def category_rename(*, actor: Any, category: Category, name: str) -> Category:
    require_manager(actor)
    name = clean_name(name, "name", 60)
    category = Category.objects.select_for_update().get(pk=category.pk)
    old = category.name
    if old == name:
        return category
    category.name = name
    category.search_text = search_text(name, category.code)[:300]
    category.save(update_fields=["name", "search_text"])
    audit_record(
        actor=actor, action="category.updated", instance=category, changes={"name": [old, name]}
    )
    event_record("category.renamed", {"category_id": category.pk, "actor_id": _actor_id(actor)})
    return category


@transaction.atomic
def category_move(*, actor: Any, category: Category, new_parent: Category | None) -> Category:
    """Move a category with its subtree under another one (or to the top). Never under itself
    or its own descendant: that would cut the subtree off the tree."""
    require_manager(actor)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if new_parent is not None:
        new_parent = Category.objects.select_for_update().get(pk=new_parent.pk)
        if new_parent.path.startswith(category.path):
            raise ValidationFailed(
                _("A category cannot move under itself or its own subcategory."),
                code="category_move_into_descendant",
                fields={"parent": [str(_("Choose another parent."))]},
            )
    old_parent = Category.objects.get_parent(category)
    if (old_parent.pk if old_parent else None) == (new_parent.pk if new_parent else None):
        return category
    if new_parent is not None:
        Category.objects.move(category, new_parent, pos="last-child")
    else:
        last_root = Category.objects.get_root_nodes().last()
        Category.objects.move(category, last_root, pos="last-sibling")
    category.refresh_from_db()
    audit_record(
        actor=actor,
        action="category.moved",
        instance=category,
        changes={
            "parent": [
                old_parent.name if old_parent else None,
                new_parent.name if new_parent else None,
            ]
        },
    )
    event_record(
        "category.moved",
        {
            "category_id": category.pk,
            "new_parent_id": new_parent.pk if new_parent else None,
            "actor_id": _actor_id(actor),
        },
    )
    return category


# --- products ------------------------------------------------------------------------------


def _clean_product(data: Mapping[str, Any], *, instance: Product | None) -> dict[str, Any]:
    clean = clean_values(PRODUCT_CLEANERS, data)
    if "code" in clean:
        taken = Product.objects.filter(code=clean["code"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise _code_taken("product_code_taken", clean["code"])
    if "category" in data:
        if not isinstance(data["category"], Category):
            raise field_error("category", _("Choose a category."), "required")
        clean["category"] = data["category"]
    return clean


def _check_spare_part_switch(product: Product, is_spare_part: bool) -> None:
    """A part that fits models stays a part; a model that parts fit stays a model."""
    if is_spare_part == product.is_spare_part:
        return
    if not is_spare_part and Fitment.objects.filter(part__product=product).exists():
        raise field_error(
            "is_spare_part",
            _("Its SKUs fit other models: remove the fitment first."),
            "product_has_fitments",
        )
    if is_spare_part and Fitment.objects.filter(product=product).exists():
        raise field_error(
            "is_spare_part",
            _("Spare parts fit this model: it cannot become a part itself."),
            "product_has_parts",
        )


@transaction.atomic
def product_create(*, actor: Any, data: Mapping[str, Any]) -> Product:
    """A product (SPU) in a category; a new product starts as a draft unless told otherwise."""
    require_manager(actor)
    clean = _clean_product({"code": "", "name": "", "category": None, **data}, instance=None)
    clean.setdefault("status", ProductStatus.DRAFT)
    product = Product(**clean)
    product.search_text = product_search_text(product)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        raise _code_taken("product_code_taken", clean["code"]) from exc
    audit_record(
        actor=actor,
        action="product.created",
        instance=product,
        changes=changes_between({}, snap(product, PRODUCT_FIELDS)),
    )
    event_record("product.created", {"product_id": product.pk, "actor_id": _actor_id(actor)})
    return product


@transaction.atomic
def product_update(*, actor: Any, product: Product, data: Mapping[str, Any]) -> Product:
    """Edit a product. Status moves follow PRODUCT_STATUS_PIPELINE (draft → on sale →
    discontinued ⇄ on sale); the spare-part flag cannot flip while fitment depends on it."""
    require_manager(actor)
    product = Product.objects.select_for_update().select_related("category").get(pk=product.pk)
    before = snap(product, PRODUCT_FIELDS)
    clean = _clean_product(data, instance=product)
    old_status = product.status
    if clean.get("status", old_status) != old_status:
        check_transition(PRODUCT_STATUS_PIPELINE, old_status, clean["status"])
    if "is_spare_part" in clean:
        _check_spare_part_switch(product, clean["is_spare_part"])
    for key, value in clean.items():
        setattr(product, key, value)
    changes = changes_between(before, snap(product, PRODUCT_FIELDS))
    if not changes:
        return product
    product.search_text = product_search_text(product)
    product.save(update_fields=[*clean.keys(), "search_text", "updated_at"])
    audit_record(actor=actor, action="product.updated", instance=product, changes=changes)
    event_record(
        "product.updated",
        {"product_id": product.pk, "fields": sorted(changes), "actor_id": _actor_id(actor)},
    )
    if product.status != old_status:
        event_record(
            "product.status_changed",
            {"product_id": product.pk, "from": old_status, "to": product.status},
        )
    return product


def _image_kind(name: str, head: bytes) -> str | None:
    """The image type named by the extension, if the first bytes agree with it."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = IMAGE_EXTENSION_TYPES.get(ext)
    if kind is None or not head.startswith(IMAGE_SIGNATURES[kind]):
        return None
    if kind == "webp" and head[8:12] != b"WEBP":
        return None
    return kind


@transaction.atomic
def product_image_set(*, actor: Any, product: Product, upload: File) -> Product:  # type: ignore[type-arg]
    """Set the product's picture: a JPEG, PNG or WebP by extension *and* by its first bytes
    (a renamed .exe is refused), at most MAX_IMAGE_BYTES."""
    require_manager(actor)
    name = str(upload.name or "")
    size = upload.size if upload.size is not None else len(upload.read())
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = _image_kind(name, head)
    if kind is None:
        raise field_error("image", _("Upload a JPEG, PNG or WebP picture."), "image_type")
    if size > MAX_IMAGE_BYTES:
        raise field_error(
            "image",
            _("The picture is larger than %(mb)s MB."),
            "image_too_large",
            mb=MAX_IMAGE_BYTES // (1024 * 1024),
        )
    product = Product.objects.select_for_update().get(pk=product.pk)
    old = product.image.name or None
    ext = name.rsplit(".", 1)[-1].lower()
    safe_code = re.sub(r"[^A-Za-z0-9._-]", "_", product.code)
    product.image.save(f"{safe_code}.{ext}", upload, save=False)
    product.save(update_fields=["image", "updated_at"])
    audit_record(
        actor=actor,
        action="product.updated",
        instance=product,
        changes={"image": [old, product.image.name]},
    )
    event_record("product.image_set", {"product_id": product.pk, "actor_id": _actor_id(actor)})
    return product


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
