"""Writes of products (SPUs): create, update (status pipeline, spare-part flag), picture."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from qudao.catalog.constants import (
    IMAGE_EXTENSION_TYPES,
    IMAGE_SIGNATURES,
    MAX_IMAGE_BYTES,
    PRODUCT_STATUS_PIPELINE,
    ProductStatus,
)
from qudao.catalog.models import Category, Fitment, Product
from qudao.catalog.rules import PRODUCT_CLEANERS, clean_values, field_error, product_search_text
from qudao.catalog.services._common import (
    PRODUCT_FIELDS,
    _actor_id,
    _code_taken,
    require_manager,
    snap,
)
from qudao.core.errors import check_transition
from qudao.core.services import audit_record, changes_between, event_record


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
