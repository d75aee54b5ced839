"""Writes of the sellers' product sets: a named set of SKUs and categories (each with its
subcategories) that a seller targets promotions — and later rebates — at in one step.

A set belongs to a seller (the brand, a distributor, a dealer). Those who manage the seller's
promotions (MANAGE_PROMOTIONS at it or above) write it; others in scope get 403, those out of
scope 404. A set holds at least one SKU or category and at most MAX_PRODUCT_SET_ITEMS; its
SKUs come from the seller's catalogue (the brand's drafts are the brand's alone); its name is
unique for the seller. Every refusal comes before anything is written. Each write is one
transaction under the seller's row lock (the lock promotions take to check their overlaps),
with its audit row on the set, for the seller's subtree, and an outbox event.

Sets are used by reference: a change reaches every promotion that names the set, live ones
included. The users of sets register checks (`register_product_set_check`, from their
AppConfig.ready: the catalogue does not know them) that run inside the change's transaction,
after the new items are written, and refuse the change by raising a DomainError.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.catalog.constants import (
    MAX_PRODUCT_SET_ITEMS,
    PRODUCT_SET_NAME_LENGTH,
    ProductStatus,
)
from qudao.catalog.models import Category, ProductSet, ProductSetItem, Sku
from qudao.catalog.rules import clean_name, field_error
from qudao.catalog.services._common import _actor_id
from qudao.core.errors import Conflict
from qudao.core.services import audit_record, changes_between, event_record
from qudao.network import scope
from qudao.network.models import Org

ProductSetCheck = Callable[[ProductSet], None]
_CHECKS: list[ProductSetCheck] = []


def register_product_set_check(check: ProductSetCheck) -> None:
    """Run `check(product_set)` inside every change of a set, after its new items are
    written; a DomainError it raises refuses the change (nothing is kept)."""
    if check not in _CHECKS:
        _CHECKS.append(check)


# --- checks -----------------------------------------------------------------------------------


def _codes(values: Iterable[Any] | None) -> list[str]:
    """Codes as given, trimmed, each once, in order."""
    found: dict[str, None] = {}
    for value in values or []:
        code = str(value).strip()
        if code:
            found[code] = None
    return list(found)


def _in_catalogue(sku: Sku, owner: Org) -> bool:
    """The brand (the root of the tree, which owns the catalogue) sells from all of it; any
    other seller only from what the brand has published."""
    if owner.depth == 1:
        return True
    return ProductStatus.DRAFT not in (sku.status, sku.product.status)


def _skus(codes: list[str], owner: Org) -> list[Sku]:
    found = {s.code: s for s in Sku.objects.filter(code__in=codes).select_related("product")}
    outside = [c for c in codes if c not in found or not _in_catalogue(found[c], owner)]
    if outside:
        raise field_error(
            "sku_codes",
            _("Not in the catalogue %(seller)s sells from: %(codes)s."),
            "product_set_sku_unknown",
            seller=owner.name,
            codes="、".join(outside),
        )
    return sorted((found[c] for c in codes), key=lambda s: s.code)


def _categories(codes: list[str]) -> list[Category]:
    found = {c.code: c for c in Category.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise field_error(
            "category_codes",
            _("Unknown category code: %(codes)s."),
            "product_set_category_unknown",
            codes="、".join(unknown),
        )
    return sorted((found[c] for c in codes), key=lambda c: c.path)


def _name_free(name: str, owner: Org, *, exclude: int | None = None) -> None:
    taken = ProductSet.objects.filter(owner=owner, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _name_taken(name, owner)


def _name_taken(name: str, owner: Org) -> Conflict:
    return Conflict(
        _("%(seller)s already has a product set named %(name)s."),
        code="product_set_name_taken",
        fields={"name": [str(_("Already used."))]},
        seller=owner.name,
        name=name,
    )


def _members(
    data: Mapping[str, Any], owner: Org, current: tuple[list[Sku], list[Category]]
) -> tuple[list[Sku], list[Category]]:
    """The set's SKUs and categories: each list given replaces the current one."""
    sku_codes = _codes(data["sku_codes"]) if "sku_codes" in data else None
    category_codes = _codes(data["category_codes"]) if "category_codes" in data else None
    count = len(sku_codes if sku_codes is not None else current[0]) + len(
        category_codes if category_codes is not None else current[1]
    )
    if count > MAX_PRODUCT_SET_ITEMS:
        raise field_error(
            "sku_codes",
            _("At most %(n)s SKUs and categories in a set; name categories instead."),
            "product_set_too_large",
            n=MAX_PRODUCT_SET_ITEMS,
        )
    skus = _skus(sku_codes, owner) if sku_codes is not None else current[0]
    categories = _categories(category_codes) if category_codes is not None else current[1]
    if not skus and not categories:
        raise field_error(
            "sku_codes",
            _("A product set holds at least one SKU or category."),
            "product_set_empty",
        )
    return skus, categories


# --- writing ----------------------------------------------------------------------------------


def _write_items(product_set: ProductSet, skus: list[Sku], categories: list[Category]) -> None:
    ProductSetItem.objects.filter(product_set=product_set).delete()
    ProductSetItem.objects.bulk_create(
        [ProductSetItem(product_set=product_set, sku=s) for s in skus]
        + [ProductSetItem(product_set=product_set, category=c) for c in categories],
        batch_size=1000,
    )


def _snap(name: str, skus: list[Sku], categories: list[Category]) -> dict[str, Any]:
    """Audit values as people read them: SKU codes and category names."""
    return {
        "name": name,
        "skus": [s.code for s in skus],
        "categories": [c.name for c in categories],
    }


def _lock_owner(owner: Org) -> Org:
    return Org.objects.select_for_update().get(pk=owner.pk)


@transaction.atomic
def product_set_create(*, actor: Any, owner: Org, data: Mapping[str, Any]) -> ProductSet:
    """A new set of `owner`: `name`, `sku_codes` and `category_codes` (refusals:
    required / too_long on the name, product_set_name_taken, product_set_empty,
    product_set_sku_unknown, product_set_category_unknown, product_set_too_large)."""
    scope.require(actor, MANAGE_PROMOTIONS, owner)
    owner = _lock_owner(owner)
    name = clean_name(data.get("name"), "name", PRODUCT_SET_NAME_LENGTH)
    skus, categories = _members({"sku_codes": [], "category_codes": [], **data}, owner, ([], []))
    _name_free(name, owner)
    try:
        with transaction.atomic():
            product_set = ProductSet.objects.create(
                owner=owner,
                name=name,
                created_by=actor if _actor_id(actor) else None,
            )
    except IntegrityError as exc:  # the owner's lock makes this a safety net
        raise _name_taken(name, owner) from exc
    _write_items(product_set, skus, categories)
    audit_record(
        actor=actor,
        action="product_set.created",
        instance=product_set,
        changes=changes_between({}, _snap(name, skus, categories)),
        org_path=owner.path,
    )
    event_record(
        "product_set.created",
        {"product_set_id": product_set.pk, "owner_id": owner.pk, "actor_id": _actor_id(actor)},
    )
    return product_set


@transaction.atomic
def product_set_update(
    *, actor: Any, product_set: ProductSet, data: Mapping[str, Any]
) -> ProductSet:
    """Rename a set or replace its SKUs (`sku_codes`) or categories (`category_codes`); keys
    left out keep their value. Every promotion naming the set follows the change, live ones
    included; a registered check (an exclusive promotion that would then overlap another)
    refuses it. Refusals as product_set_create's."""
    owner = product_set.owner
    scope.require(actor, MANAGE_PROMOTIONS, owner)
    owner = _lock_owner(owner)
    product_set = (
        ProductSet.objects.select_for_update()
        .prefetch_related("items__sku", "items__category")
        .get(pk=product_set.pk)
    )
    current = (product_set.member_skus(), product_set.member_categories())
    before = _snap(product_set.name, *current)
    name = product_set.name
    if "name" in data:
        name = clean_name(data.get("name"), "name", PRODUCT_SET_NAME_LENGTH)
    skus, categories = _members(data, owner, current)
    changes = changes_between(before, _snap(name, skus, categories))
    if not changes:
        return product_set
    if "name" in changes:
        _name_free(name, owner, exclude=product_set.pk)
    product_set.name = name
    try:
        with transaction.atomic():
            product_set.save(update_fields=["name", "updated_at"])
    except IntegrityError as exc:
        raise _name_taken(name, owner) from exc
    if "skus" in changes or "categories" in changes:
        _write_items(product_set, skus, categories)
    for check in _CHECKS:
        check(product_set)
    audit_record(
        actor=actor,
        action="product_set.updated",
        instance=product_set,
        changes=changes,
        org_path=owner.path,
    )
    event_record(
        "product_set.updated",
        {
            "product_set_id": product_set.pk,
            "owner_id": owner.pk,
            "fields": sorted(changes),
            "actor_id": _actor_id(actor),
        },
    )
    return product_set
