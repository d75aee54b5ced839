"""Reads of the catalogue. The catalogue is the brand's reference data: anyone who may browse
or manage it reads all of it, except drafts, which only catalogue managers (the brand) see.
Shaped for the pages and the API: each list names its select_related / prefetch_related."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr

from qudao.accounts.constants import BROWSE_CATALOG, MANAGE_CATALOG, MANAGE_PROMOTIONS
from qudao.catalog.constants import ProductStatus
from qudao.catalog.models import (
    Category,
    Fitment,
    Product,
    ProductSet,
    ProductSetItem,
    Sku,
    SkuPack,
)
from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.models import AuditEvent
from qudao.core.selectors import audit_list_for_objects
from qudao.core.text import normalize_query
from qudao.network import scope
from qudao.network.models import Org

PRODUCT_LIST_RELATED = ("category",)


def brand_org() -> Org | None:
    """The brand: the root of the management tree, which owns the catalogue."""
    return Org.objects.get_root_nodes().first()


_MANAGER_CACHE_ATTR = "_qudao_catalog_manager"


def can_manage(actor: Any) -> bool:
    """Catalogue managers hold MANAGE_CATALOG at the brand HQ (or are superusers). Cached on
    the actor for as long as its grants are (scope.forget drops both)."""
    if getattr(actor, "is_superuser", False):
        return True
    if not scope.has_any(actor, MANAGE_CATALOG):  # cached grants: no query for most users
        return False
    key = tuple(scope.grants(actor))
    cached = getattr(actor, _MANAGER_CACHE_ATTR, None)
    if cached is not None and cached[0] == key:
        return bool(cached[1])
    hq = brand_org()
    result = hq is not None and scope.can(actor, MANAGE_CATALOG, hq)
    setattr(actor, _MANAGER_CACHE_ATTR, (key, result))
    return result


def can_read(actor: Any) -> bool:
    return scope.has_any(actor, BROWSE_CATALOG) or scope.has_any(actor, MANAGE_CATALOG)


def require_read(actor: Any) -> None:
    if not can_read(actor):
        raise PermissionDenied


def _visible_status(actor: Any) -> Q:
    """Drafts are the brand's work in progress: hidden from everyone but its managers."""
    return Q() if can_manage(actor) else ~Q(status=ProductStatus.DRAFT)


def _words(q: str) -> list[str]:
    return normalize_query(q).split()


# --- categories ---------------------------------------------------------------------------


@dataclass
class CategoryRow:
    """A category in tree order, with its depth for indentation and its product count
    (the products directly in it and in its subcategories)."""

    category: Category
    level: int
    products: int


def _with_parent_pk(qs: QuerySet[Category]) -> QuerySet[Category]:
    """Each category with its parent's id, in the same query (the parent's path is the
    category's path less one step)."""
    parent = Category.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Category.steplen)
    )
    return qs.annotate(parent_pk=Subquery(parent.values("pk")[:1]))


def category_list(*, actor: Any) -> QuerySet[Category]:
    """All categories, in tree order (path), each with `parent_pk`."""
    require_read(actor)
    return _with_parent_pk(Category.objects.order_by("path"))


def category_get(*, actor: Any, category_id: int) -> Category:
    require_read(actor)
    found = _with_parent_pk(Category.objects.filter(pk=category_id)).first()
    if found is None:
        raise NotFound
    return found


def category_get_by_code(*, actor: Any, code: str) -> Category:
    require_read(actor)
    found = Category.objects.filter(code=code.strip()).first()
    if found is None:
        raise NotFound
    return found


def category_tree(*, actor: Any) -> list[CategoryRow]:
    """The whole tree with product counts per subtree, in two queries."""
    categories = list(category_list(actor=actor))
    direct = dict(
        Product.objects.filter(_visible_status(actor))
        .order_by()
        .values_list("category__path")
        .annotate(n=Count("id"))
        .values_list("category__path", "n")
    )
    rows = []
    for category in categories:
        total = sum(n for path, n in direct.items() if path.startswith(category.path))
        rows.append(CategoryRow(category=category, level=category.depth - 1, products=total))
    return rows


def category_choices(*, actor: Any) -> list[tuple[int, str]]:
    """(id, indented name) in tree order, for selects."""
    return [
        (c.pk, f"{'　' * (c.depth - 1)}{c.name} ({c.code})") for c in category_list(actor=actor)
    ]


def category_code_choices(*, actor: Any) -> list[tuple[str, str]]:
    """(code, indented name) in tree order, for selects that name categories by code."""
    return [
        (c.code, f"{'　' * (c.depth - 1)}{c.name} ({c.code})") for c in category_list(actor=actor)
    ]


# --- products -----------------------------------------------------------------------------


def _sku_search(actor: Any, word: str) -> QuerySet[Sku, Any]:
    skus = Sku.objects.filter(_visible_status(actor), search_text__contains=word)
    return skus.values("product_id")


def product_list_for_actor(
    *,
    actor: Any,
    q: str = "",
    category_id: int | None = None,
    status: str = "",
    spare_part: bool | None = None,
) -> QuerySet[Product]:
    """Products with their category and SKU count. Each word of `q` must match the product's
    name, code or pinyin, or one of its SKUs' (name, code, barcode, pack barcodes, pinyin).
    A category filter includes its subcategories."""
    require_read(actor)
    visible_skus = Q() if can_manage(actor) else ~Q(skus__status=ProductStatus.DRAFT)
    qs = (
        Product.objects.filter(_visible_status(actor))
        .select_related(*PRODUCT_LIST_RELATED)
        .annotate(sku_count=Count("skus", filter=visible_skus))
    )
    for word in _words(q):
        qs = qs.filter(Q(search_text__contains=word) | Q(pk__in=_sku_search(actor, word)))
    if category_id is not None:
        category = category_get(actor=actor, category_id=category_id)
        qs = qs.filter(category__path__startswith=category.path)
    if status:
        qs = qs.filter(status=status)
    if spare_part is not None:
        qs = qs.filter(is_spare_part=spare_part)
    return qs.order_by("code")


def _skus_prefetch(actor: Any) -> "Prefetch[Any]":
    skus = (
        Sku.objects.filter(_visible_status(actor))
        .prefetch_related(
            Prefetch("packs", queryset=SkuPack.objects.order_by("factor", "unit")),
            Prefetch(
                "fitments",
                queryset=Fitment.objects.select_related("product").order_by("product__code"),
            ),
        )
        .order_by("code")
    )
    return Prefetch("skus", queryset=skus)


def product_get(*, actor: Any, product_id: int) -> Product:
    """One product with its SKUs (packs, fitments) and the parts that fit it."""
    require_read(actor)
    product = (
        Product.objects.filter(_visible_status(actor), pk=product_id)
        .select_related("category")
        .prefetch_related(
            _skus_prefetch(actor),
            Prefetch(
                "parts",
                queryset=Fitment.objects.filter(
                    part__status__in=_statuses(actor), part__product__status__in=_statuses(actor)
                )
                .select_related("part", "part__product")
                .prefetch_related(
                    Prefetch("part__packs", queryset=SkuPack.objects.order_by("factor", "unit"))
                )
                .order_by("part__code"),
            ),
        )
        .first()
    )
    if product is None:
        raise NotFound
    return product


def _statuses(actor: Any) -> list[str]:
    if can_manage(actor):
        return list(ProductStatus.values)
    return [ProductStatus.ON_SALE, ProductStatus.DISCONTINUED]


def product_get_by_code(*, actor: Any, code: str) -> Product:
    require_read(actor)
    found = Product.objects.filter(_visible_status(actor), code=code.strip()).first()
    if found is None:
        raise NotFound
    return found


def category_ancestors(*, category: Category) -> list[Category]:
    """Breadcrumb of a category: its ancestors, root first (the category not included)."""
    steps = [category.path[: i * Category.steplen] for i in range(1, category.depth)]
    return list(Category.objects.filter(path__in=steps).order_by("depth"))


# --- SKUs ---------------------------------------------------------------------------------


def sku_list_for_actor(
    *,
    actor: Any,
    q: str = "",
    category_id: int | None = None,
    status: str = "",
    product_id: int | None = None,
) -> QuerySet[Sku]:
    """SKUs with their product, category and packs; the product must be visible too."""
    require_read(actor)
    visible = _visible_status(actor)
    qs = (
        Sku.objects.filter(visible)
        .filter(product__status__in=_statuses(actor))
        .select_related("product", "product__category")
        .prefetch_related(Prefetch("packs", queryset=SkuPack.objects.order_by("factor", "unit")))
    )
    for word in _words(q):
        qs = qs.filter(Q(search_text__contains=word) | Q(product__search_text__contains=word))
    if category_id is not None:
        category = category_get(actor=actor, category_id=category_id)
        qs = qs.filter(product__category__path__startswith=category.path)
    if status:
        qs = qs.filter(status=status)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return qs.order_by("code")


def sku_get(*, actor: Any, sku_id: int) -> Sku:
    found = sku_list_for_actor(actor=actor).prefetch_related(
        Prefetch(
            "fitments",
            queryset=Fitment.objects.select_related("product").order_by("product__code"),
        )
    )
    sku = found.filter(pk=sku_id).first()
    if sku is None:
        raise NotFound
    return sku


def sku_map_by_codes(codes: Iterable[str]) -> dict[str, Sku]:
    """{code: SKU} for the codes that exist, in one query (for imports of other apps, which
    have checked their actor's rights already)."""
    wanted = {c.strip() for c in codes if c and c.strip()}
    if not wanted:
        return {}
    return {s.code: s for s in Sku.objects.filter(code__in=wanted).select_related("product")}


def sku_count_by_status(*, actor: Any) -> dict[str, int]:
    require_read(actor)
    rows = Sku.objects.filter(_visible_status(actor)).order_by().values("status")
    return {r["status"]: r["n"] for r in rows.annotate(n=Count("id"))}


def product_count_by_status(*, actor: Any) -> dict[str, int]:
    require_read(actor)
    rows = Product.objects.filter(_visible_status(actor)).order_by().values("status")
    return {r["status"]: r["n"] for r in rows.annotate(n=Count("id"))}


# --- product sets -------------------------------------------------------------------------
# A seller's named sets of SKUs and categories. Its side sees them — the seller's people and
# those above it (scope) who may read the catalogue or manage promotions; those who manage
# the seller's promotions (MANAGE_PROMOTIONS at it or above) write them.


def can_read_product_sets(actor: Any) -> bool:
    return can_read(actor) or scope.has_any(actor, MANAGE_PROMOTIONS)


def can_manage_product_sets(actor: Any, owner: Org) -> bool:
    return scope.can(actor, MANAGE_PROMOTIONS, owner)


def product_set_owners(*, actor: Any) -> list[Org]:
    """The orgs whose product sets the actor writes: those where it manages promotions."""
    paths = [g.path for g in scope.grants(actor) if MANAGE_PROMOTIONS in g.permissions]
    if getattr(actor, "is_superuser", False) and not paths:
        return list(Org.objects.filter(depth=1).order_by("path"))
    return list(scope.visible_orgs(actor).filter(path__in=paths).order_by("path"))


def _set_items_prefetch() -> "Prefetch[Any]":
    items = ProductSetItem.objects.select_related("sku", "category").order_by("id")
    return Prefetch("items", queryset=items)


def product_set_list_for_actor(
    *, actor: Any, owner_id: int | None = None, q: str = ""
) -> QuerySet[ProductSet]:
    """Sets of sellers in the actor's scope, with their seller and how many SKUs and
    categories each holds, by seller and name. 403 for those who may neither read the
    catalogue nor manage promotions."""
    if not can_read_product_sets(actor):
        raise PermissionDenied
    qs = (
        ProductSet.objects.filter(scope.scope_q(actor, "owner__path"))
        .select_related("owner")
        .annotate(
            sku_count=Count("items", filter=Q(items__sku__isnull=False)),
            category_count=Count("items", filter=Q(items__category__isnull=False)),
        )
    )
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    for word in _words(q):
        qs = qs.filter(name__icontains=word)
    return qs.order_by("owner__path", "name", "id")


def product_set_get(*, actor: Any, product_set_id: int) -> ProductSet:
    """One set with its SKUs (and their products) and categories; outside the scope: 404."""
    found = (
        product_set_list_for_actor(actor=actor)
        .filter(pk=product_set_id)
        .prefetch_related(_set_items_prefetch())
        .first()
    )
    if found is None:
        raise NotFound
    return found


def product_set_choices(*, actor: Any, owner: Org) -> list[tuple[int, str]]:
    """(id, name) of the owner's sets, for selects (none for those who may not read them)."""
    if not can_read_product_sets(actor) or not scope.in_scope(actor, owner):
        return []
    rows = ProductSet.objects.filter(owner=owner).order_by("name", "id")
    return list(rows.values_list("pk", "name"))


def product_set_members(*, product_set_ids: Iterable[int]) -> dict[int, ProductSet]:
    """{id: set} with their SKUs and categories, in two queries, for the pages of objects
    that name them (their own visibility checked by the caller)."""
    wanted = set(product_set_ids)
    if not wanted:
        return {}
    sets = ProductSet.objects.filter(pk__in=wanted).prefetch_related(_set_items_prefetch())
    return {s.pk: s for s in sets}


def product_set_timeline(
    *, actor: Any, product_set: ProductSet, limit: int = 50
) -> QuerySet[AuditEvent]:
    """Changes to the set, newest first (rows carry the seller's org path)."""
    if not can_read_product_sets(actor):
        raise PermissionDenied
    return _timeline(actor, {"catalog.productset": [product_set.pk]}, limit)


# --- timelines ----------------------------------------------------------------------------


def _timeline(actor: Any, objects: dict[str, Iterable[Any]], limit: int) -> QuerySet[AuditEvent]:
    """Rows about these objects that the actor may see: the catalogue's own (no org path) and
    rows other apps record for an org (a seller's price), only within the actor's scope."""
    visible = Q(org_path="") | scope.scope_q(actor, "org_path")
    return audit_list_for_objects(objects=objects, limit=limit, visible=visible)


def sku_timeline(*, actor: Any, sku: Sku, limit: int = 50) -> QuerySet[AuditEvent]:
    """Changes to the SKU: the catalogue's own, and the price changes of sellers in the
    actor's scope (pricing records them on catalog.sku with the seller's org path)."""
    require_read(actor)
    return _timeline(actor, {"catalog.sku": [sku.pk]}, limit)


def product_timeline(*, actor: Any, product: Product, limit: int = 50) -> QuerySet[AuditEvent]:
    """Changes to the product and to its SKUs, newest first."""
    require_read(actor)
    skus = Sku.objects.filter(_visible_status(actor), product=product)
    sku_ids = list(skus.values_list("pk", flat=True))
    return _timeline(actor, {"catalog.product": [product.pk], "catalog.sku": sku_ids}, limit)
