"""Drafts of promotions: create, change, copy. A draft is validated whole — its rules by the
kind's schema, window, budgets, targets, products (SKUs, categories, the seller's own product
sets), gifts — and refused with a stable code and a translated message before anything is
written; an exclusive promotion may not overlap another exclusive one of the same step on
products, targets and time (checked under the seller's lock, so two saves cannot both pass;
`product_set_changed` checks it again when a set a promotion names changes).

The audit rows read as the pages do: the rules as the detail page shows them (rules_text), in
the site's language whoever saved them, and product sets by name."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.catalog.constants import ProductStatus
from qudao.catalog.models import Category, ProductSet, Sku
from qudao.core.money import is_money
from qudao.core.numbering import next_number
from qudao.core.services import changes_between, snapshot
from qudao.network import scope
from qudao.network.constants import Channel, Grade, OrgKind
from qudao.network.models import Division, Org
from qudao.promotions.constants import (
    ALWAYS_EXCLUSIVE,
    MAX_PRODUCTS,
    MAX_TARGETS,
    NEEDS_PRODUCTS,
    NUMBER_PREFIX,
    PRODUCTS_FROM_RULES,
    SCHEDULED_STATUSES,
    Kind,
    Status,
    TargetKind,
)
from qudao.promotions.locks import lock_promotion, lock_seller
from qudao.promotions.models import Promotion, PromotionProduct, PromotionTarget
from qudao.promotions.rules import (
    TierPriceRules,
    ValidationError,
    gift_sku_ids,
    parse_rules,
    rule_sku_ids,
    rules_json,
    rules_with_codes,
)
from qudao.promotions.rules_text import rules_text
from qudao.promotions.selectors import promotion_conflicts, sku_codes_of
from qudao.promotions.selectors.conflicts import closes_lines
from qudao.promotions.services._common import (
    ExclusiveOverlap,
    PromotionInvalid,
    PromotionNotEditable,
    brand_root,
    field_error,
    record,
    require_manager,
)

EDIT_FIELDS = (
    "name",
    "description",
    "kind",
    "rules",
    "starts_at",
    "ends_at",
    "priority",
    "exclusive",
    "floor_exempt",
    "budget_amount",
    "budget_qty",
)
AUDIT_FIELDS = (*EDIT_FIELDS, "status")
MAX_PRIORITY = 1_000_000


@dataclass
class Draft:
    values: dict[str, Any]
    targets: list[PromotionTarget] = field(default_factory=list)
    sku_ids: set[int] = field(default_factory=set)
    category_ids: set[int] = field(default_factory=set)
    product_sets: dict[int, str] = field(default_factory=dict)  # id: name

    @property
    def all_products(self) -> bool:
        return not self.sku_ids and not self.category_ids and not self.product_sets


# --- rules, window, numbers -----------------------------------------------------------------


def _rules_error(exc: ValidationError) -> PromotionInvalid:
    errors = exc.errors()
    for error in errors:
        loc = [str(x) for x in error["loc"]]
        if loc and loc[-1] == "percent":
            text = _("A percentage must be more than 0 and at most 100.")
            return PromotionInvalid(
                text, code="promotion_percent_invalid", fields={"rules." + ".".join(loc): [text]}
            )
    fields = {".".join(["rules", *(str(x) for x in e["loc"])]): [str(e["msg"])] for e in errors}
    detail = "; ".join(f"{k}: {v[0]}" for k, v in fields.items())
    return PromotionInvalid(
        _("The rules are not valid: %(detail)s") % {"detail": detail},
        code="promotion_rules_invalid",
        fields=fields,
    )


def _aware(name: str, value: Any, required: bool) -> datetime | None:
    if value in (None, ""):
        if required:
            raise field_error(name, _("This field is required."), "promotion_window_invalid")
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise field_error(
            name, _("Give a date and time with its time zone."), "promotion_window_invalid"
        )
    return value


def _money_or_none(name: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal(-1)
    if not is_money(amount) or amount <= 0:
        raise field_error(
            name, _("Enter an amount above 0 with at most 2 decimals."), "promotion_budget_invalid"
        )
    return amount


def _int_or_none(name: str, value: Any, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if isinstance(value, bool) or not low <= number <= high:
        raise field_error(
            name,
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            "promotion_number_invalid",
        )
    return number


def _clean_values(data: Mapping[str, Any], actor: Any, current: Promotion | None) -> dict[str, Any]:
    values = {f: data[f] for f in EDIT_FIELDS if f in data}
    if current is not None:
        values = {**{f: getattr(current, f) for f in EDIT_FIELDS}, **values}
    values["name"] = str(values.get("name") or "").strip()[:100]
    if not values["name"]:
        raise field_error("name", _("This field is required."), "promotion_name_required")
    values["description"] = str(values.get("description") or "").strip()
    kind = values.get("kind")
    if kind not in Kind.values:
        raise field_error("kind", _("Choose a kind of promotion."), "promotion_kind_invalid")
    try:
        values["rules"] = rules_json(parse_rules(kind, values.get("rules")))
    except ValidationError as exc:
        raise _rules_error(exc) from exc
    start = _aware("starts_at", values.get("starts_at"), required=True)
    end = _aware("ends_at", values.get("ends_at"), required=kind == Kind.FLASH_SALE)
    if start is not None and end is not None and end <= start:
        raise field_error(
            "ends_at", _("The end must come after the start."), "promotion_window_invalid"
        )
    values["priority"] = _int_or_none("priority", values.get("priority"), 0, MAX_PRIORITY) or 0
    values["budget_amount"] = _money_or_none("budget_amount", values.get("budget_amount"))
    values["budget_qty"] = _int_or_none("budget_qty", values.get("budget_qty"), 1, 10**9)
    if kind == Kind.FLASH_SALE and values["budget_qty"] is None:
        raise field_error(
            "budget_qty",
            _("A flash sale needs a quantity cap."),
            "promotion_flash_sale_needs_cap",
        )
    values["exclusive"] = bool(values.get("exclusive")) or kind in ALWAYS_EXCLUSIVE
    values["floor_exempt"] = bool(values.get("floor_exempt"))
    if values["floor_exempt"] and (
        current is None or not current.floor_exempt or "floor_exempt" in data
    ):
        brand = brand_root()
        if brand is None or not scope.can(actor, MANAGE_PROMOTIONS, brand):
            raise field_error(
                "floor_exempt",
                _("Only the brand may run a promotion below its floor prices."),
                "promotion_floor_exempt_brand_only",
            )
    return values


# --- targets and products -------------------------------------------------------------------

_CHOICES: dict[str, list[str]] = {
    TargetKind.GRADE: Grade.values,
    TargetKind.CHANNEL: Channel.values,
    TargetKind.LEVEL: OrgKind.values,
}


def _target_error() -> PromotionInvalid:
    return field_error("targets", _("A target is not valid."), "promotion_target_invalid")


def _org_ref(item: Mapping[str, Any], kind: str) -> Any:
    ref = item.get(kind, item.get(f"{kind}_id", item.get("value")))
    return ref.pk if isinstance(ref, Org) else ref


def _clean_targets(raw: Iterable[Mapping[str, Any]], actor: Any) -> list[PromotionTarget]:
    """Target rows, each checked: orgs in the actor's network, known division codes, known
    grades / channels / levels. Repeats are dropped."""
    items = list(raw or [])
    if len(items) > MAX_TARGETS:
        raise _target_error()
    org_ids = {
        int(_org_ref(i, i.get("kind", "")))
        for i in items
        if i.get("kind") in (TargetKind.BUYER, TargetKind.REGION)
        and str(_org_ref(i, i["kind"])).isdigit()
    }
    orgs = Org.objects.in_bulk(org_ids)
    codes = {str(i.get("value", "")).strip() for i in items if i.get("kind") == TargetKind.DIVISION}
    divisions = set(Division.objects.filter(code__in=codes).values_list("code", flat=True))
    rows: dict[tuple[str, str], PromotionTarget] = {}
    for item in items:
        kind = str(item.get("kind", ""))
        if kind in (TargetKind.BUYER, TargetKind.REGION):
            ref = str(_org_ref(item, kind))
            org = orgs.get(int(ref)) if ref.isdigit() else None
            if org is None or not scope.in_scope(actor, org):
                raise _target_error()
            rows[(kind, ref)] = PromotionTarget(kind=kind, **{kind: org})
            continue
        value = str(item.get("value", "")).strip()
        known = (
            value in divisions if kind == TargetKind.DIVISION else value in _CHOICES.get(kind, ())
        )
        if not known:
            raise _target_error()
        rows[(kind, value)] = PromotionTarget(kind=kind, value=value)
    return list(rows.values())


def _ids(value: Any, field: str = "sku_ids") -> set[int]:
    try:
        return {int(v.pk if hasattr(v, "pk") else v) for v in (value or [])}
    except (TypeError, ValueError) as exc:
        raise field_error(
            field, _("Choose products from the catalogue."), "promotion_product_invalid"
        ) from exc


def _product_sets(ids: set[int], seller_id: int) -> dict[int, str]:
    """{id: name} of the seller's own product sets; a set of anyone else is refused without
    saying whether it exists."""
    found = dict(
        ProductSet.objects.filter(pk__in=ids, owner_id=seller_id).values_list("pk", "name")
    )
    if found.keys() != ids:
        raise field_error(
            "product_set_ids",
            _("Choose product sets of the promotion's seller."),
            "promotion_product_set_invalid",
        )
    return found


def _clean_products(draft: Draft, seller_id: int) -> None:
    kind = draft.values["kind"]
    rules = parse_rules(kind, draft.values["rules"])
    if kind in PRODUCTS_FROM_RULES:
        draft.sku_ids, draft.category_ids = rule_sku_ids(kind, rules), set()
        draft.product_sets = {}
    else:
        draft.product_sets = _product_sets(set(draft.product_sets), seller_id)
    if len(draft.sku_ids) + len(draft.category_ids) + len(draft.product_sets) > MAX_PRODUCTS:
        raise field_error(
            "sku_ids", _("Too many products; use categories."), "promotion_product_invalid"
        )
    gifts = gift_sku_ids(rules)
    skus = Sku.objects.select_related("product").in_bulk(draft.sku_ids | gifts)
    missing = (draft.sku_ids | gifts) - skus.keys()
    found_categories = Category.objects.filter(pk__in=draft.category_ids).count()
    if missing or found_categories != len(draft.category_ids):
        raise field_error(
            "sku_ids", _("Choose products from the catalogue."), "promotion_product_invalid"
        )
    if kind in NEEDS_PRODUCTS and draft.all_products:
        raise field_error(
            "sku_ids",
            _("Choose the products this promotion is for."),
            "promotion_products_required",
        )
    if (
        isinstance(rules, TierPriceRules)
        and rules.by_price
        and (len(draft.sku_ids) != 1 or draft.category_ids or draft.product_sets)
    ):
        raise field_error(
            "sku_ids",
            _("Tier prices are for one SKU; use percentages for several."),
            "promotion_tier_price_one_sku",
        )
    unsellable = sorted(
        skus[s].code
        for s in gifts
        if skus[s].status != ProductStatus.ON_SALE
        or skus[s].product.status != ProductStatus.ON_SALE
    )
    if unsellable:
        raise field_error(
            "rules",
            _("Gift SKU %(skus)s is not on sale.") % {"skus": "、".join(unsellable)},
            "promotion_gift_not_sellable",
        )


def _clean_rows_of(promotion: Promotion) -> Draft:
    """The promotion's targets and products as they are saved."""
    draft = Draft({})
    draft.targets = [
        PromotionTarget(kind=t.kind, buyer_id=t.buyer_id, region_id=t.region_id, value=t.value)
        for t in promotion.targets.all()
    ]
    rows = list(
        promotion.products.values_list(
            "sku_id", "category_id", "product_set_id", "product_set__name"
        )
    )
    draft.sku_ids = {s for s, _c, _p, _n in rows if s is not None}
    draft.category_ids = {c for _s, c, _p, _n in rows if c is not None}
    draft.product_sets = {p: n for _s, _c, p, n in rows if p is not None}
    return draft


def _clean(data: Mapping[str, Any], *, actor: Any, seller: Org, current: Promotion | None) -> Draft:
    draft = _clean_rows_of(current) if current is not None else Draft({})
    draft.values = _clean_values(data, actor, current)
    if "targets" in data:
        draft.targets = _clean_targets(data["targets"], actor)
    if "sku_ids" in data:
        draft.sku_ids = _ids(data["sku_ids"])
    if "category_ids" in data:
        draft.category_ids = _ids(data["category_ids"])
    if "product_set_ids" in data:
        draft.product_sets = dict.fromkeys(_ids(data["product_set_ids"], "product_set_ids"), "")
    _clean_products(draft, seller.pk)
    return draft


# --- writing --------------------------------------------------------------------------------


def _write_rows(promotion: Promotion, draft: Draft) -> None:
    PromotionTarget.objects.filter(promotion=promotion).delete()
    PromotionProduct.objects.filter(promotion=promotion).delete()
    live = promotion.status == Status.LIVE
    for target in draft.targets:
        target.pk, target.promotion = None, promotion
        target.seller_id, target.live = promotion.seller_id, live
    PromotionTarget.objects.bulk_create(draft.targets, batch_size=1000)
    common = {"promotion": promotion, "seller_id": promotion.seller_id, "live": live}
    PromotionProduct.objects.bulk_create(
        [PromotionProduct(sku_id=s, **common) for s in sorted(draft.sku_ids)]
        + [PromotionProduct(category_id=c, **common) for c in sorted(draft.category_ids)]
        + [PromotionProduct(product_set_id=p, **common) for p in sorted(draft.product_sets)],
        batch_size=1000,
    )


def _rows_summary(draft: Draft) -> dict[str, Any]:
    return {
        "targets": sorted(
            f"{t.kind}:{t.buyer_id or t.region_id or t.value}" for t in draft.targets
        ),
        "sku_ids": sorted(draft.sku_ids),
        "category_ids": sorted(draft.category_ids),
        "product_sets": sorted(draft.product_sets.values()),
    }


def _audit_values(promotion: Promotion) -> dict[str, Any]:
    """The audited fields as people read them: the rules as the detail page shows them, in
    the site's language (the history reads the same whoever saved the promotion)."""
    values = snapshot(promotion, AUDIT_FIELDS)
    try:
        rules = parse_rules(promotion.kind, promotion.rules)
    except ValidationError:  # stored before a schema change: shown as stored
        return values
    codes = sku_codes_of(rule_sku_ids(promotion.kind, rules) | gift_sku_ids(rules))
    with translation.override(settings.LANGUAGE_CODE):
        values["rules"] = rules_text(promotion.kind, rules_with_codes(promotion.rules, codes))
    return values


def check_exclusive(promotion: Promotion) -> None:
    """Refuse an exclusive promotion overlapping another exclusive one of the same step on
    products, targets and time (the buyer could not tell which one holds)."""
    blocking = [o for o in promotion_conflicts(promotion=promotion) if o.blocking]
    if blocking:
        names = "、".join(f"{o.promotion.number} {o.promotion.name}" for o in blocking[:5])
        raise ExclusiveOverlap(
            _(
                "Exclusive promotion %(others)s already covers these products and buyers at "
                "this time. Change the products, the targets or the window, or make one of "
                "them stackable."
            ),
            others=names,  # formatted once, so a "%" in a name stays as it is
            other_ids=[o.promotion.pk for o in blocking],
        )


def product_set_changed(product_set: ProductSet) -> None:
    """Registered with the catalogue: a product set changed (inside that change's
    transaction). Sets count by reference, so each submitted, approved, live or paused
    promotion naming it that closes its lines is checked again for exclusive overlaps; one
    found refuses the change (`promotion_exclusive_overlap`), which keeps the rule that a
    buyer never depends on a tie between exclusive promotions."""
    lock_seller(product_set.owner_id)
    users = (
        Promotion.objects.filter(products__product_set=product_set, status__in=SCHEDULED_STATUSES)
        .distinct()
        .select_related("seller")
        .order_by("pk")
    )
    for promotion in users:
        if not closes_lines(promotion):
            continue
        try:
            check_exclusive(promotion)
        except ExclusiveOverlap as exc:
            raise ExclusiveOverlap(
                _(
                    "Exclusive promotion %(promotion)s names this set; with this change it "
                    "would overlap exclusive promotion %(others)s. Change the set otherwise, "
                    "or change one of the promotions first."
                ),
                promotion=f"{promotion.number} {promotion.name}",
                others=exc.params["others"],
                other_ids=exc.params["other_ids"],
            ) from exc


@transaction.atomic
def promotion_create(*, actor: Any, seller: Org, data: Mapping[str, Any]) -> Promotion:
    """A new draft of `seller`'s promotion: kind, rules, window [starts_at, ends_at),
    priority, exclusive, budgets, `targets` (rows: {"kind", "value" | "buyer" | "region"}),
    `sku_ids`, `category_ids` and `product_set_ids` (the seller's own sets). Refusals write
    nothing."""
    require_manager(actor, seller)
    lock_seller(seller.pk)
    draft = _clean(data, actor=actor, seller=seller, current=None)
    promotion = Promotion.objects.create(
        seller=seller,
        number=next_number(NUMBER_PREFIX),
        created_by=actor if getattr(actor, "pk", None) else None,
        all_products=draft.all_products,
        all_buyers=not draft.targets,
        target_kinds=len({t.kind for t in draft.targets}),
        **draft.values,
    )
    _write_rows(promotion, draft)
    check_exclusive(promotion)
    record(
        actor=actor,
        action="promotion.created",
        promotion=promotion,
        changes={
            **changes_between({}, _audit_values(promotion)),
            # rows there are (an empty list would read "— → —")
            **{k: [None, v] for k, v in _rows_summary(draft).items() if v},
        },
    )
    return promotion


@transaction.atomic
def promotion_update(*, actor: Any, promotion: Promotion, data: Mapping[str, Any]) -> Promotion:
    """Change a draft (a partial update: fields not given keep their values). A submitted,
    approved, live or ended promotion is not edited: `promotion_not_editable`."""
    require_manager(actor, promotion.seller)
    lock_seller(promotion.seller_id)
    promotion = lock_promotion(promotion)
    if promotion.status != Status.DRAFT:
        raise PromotionNotEditable(status=Status(promotion.status).label)
    draft = _clean(data, actor=actor, seller=promotion.seller, current=promotion)
    before = {**_audit_values(promotion), **_rows_summary(_clean_rows_of(promotion))}
    for key, value in draft.values.items():
        setattr(promotion, key, value)
    promotion.all_products = draft.all_products
    promotion.all_buyers = not draft.targets
    promotion.target_kinds = len({t.kind for t in draft.targets})
    changes = changes_between(before, {**_audit_values(promotion), **_rows_summary(draft)})
    if changes:
        promotion.save(
            update_fields=[*EDIT_FIELDS, "all_products", "all_buyers", "target_kinds", "updated_at"]
        )
        _write_rows(promotion, draft)
        check_exclusive(promotion)
        record(actor=actor, action="promotion.updated", promotion=promotion, changes=changes)
    return promotion


@transaction.atomic
def promotion_copy(*, actor: Any, promotion: Promotion) -> Promotion:
    """A new draft version with the same settings, targets and products (not its coupons or
    consumption): how a live promotion is changed."""
    require_manager(actor, promotion.seller)
    lock_seller(promotion.seller_id)
    origin = promotion.origin or promotion
    version = Promotion.objects.filter(pk=origin.pk).values_list("version", flat=True).first() or 1
    latest = max(
        [version, *Promotion.objects.filter(origin=origin).values_list("version", flat=True)]
    )
    copy = Promotion.objects.create(
        seller=promotion.seller,
        number=next_number(NUMBER_PREFIX),
        created_by=actor if getattr(actor, "pk", None) else None,
        version=latest + 1,
        origin=origin,
        all_products=promotion.all_products,
        all_buyers=promotion.all_buyers,
        target_kinds=promotion.target_kinds,
        **{f: getattr(promotion, f) for f in EDIT_FIELDS},
    )
    PromotionTarget.objects.bulk_create(
        [
            PromotionTarget(
                promotion=copy,
                seller_id=copy.seller_id,
                kind=t.kind,
                buyer_id=t.buyer_id,
                region_id=t.region_id,
                value=t.value,
            )
            for t in promotion.targets.all()
        ]
    )
    PromotionProduct.objects.bulk_create(
        [
            PromotionProduct(
                promotion=copy,
                seller_id=copy.seller_id,
                sku_id=p.sku_id,
                category_id=p.category_id,
                product_set_id=p.product_set_id,
            )
            for p in promotion.products.all()
        ]
    )
    record(
        actor=actor,
        action="promotion.copied",
        promotion=copy,
        changes={"copied_from": [None, promotion.number], "version": [None, copy.version]},
        payload={"origin_id": origin.pk},
    )
    return copy
