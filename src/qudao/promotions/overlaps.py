"""Do two promotions reach the same buyers and products? Pure set logic for the conflict
check (selectors.promotion_conflicts) and the refusal of overlapping exclusive promotions.

Targets overlap unless some dimension both name has no value in common (a region and a
division overlap when one contains the other). Across dimensions the answer is "maybe",
counted as an overlap: a named buyer may well be of the grade the other one targets.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qudao.promotions.constants import TargetKind

NESTED = (TargetKind.REGION, TargetKind.DIVISION)


def _by_kind(targets: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for kind, value in targets:
        found.setdefault(kind, set()).add(value)
    return found


def targets_overlap(a: Iterable[tuple[str, str]], b: Iterable[tuple[str, str]]) -> bool:
    mine, theirs = _by_kind(a), _by_kind(b)
    for kind in mine.keys() & theirs.keys():
        if kind in NESTED:
            hit = any(x.startswith(y) or y.startswith(x) for x in mine[kind] for y in theirs[kind])
        else:
            hit = bool(mine[kind] & theirs[kind])
        if not hit:
            return False
    return True


@dataclass(frozen=True)
class Products:
    """A promotion's products: SKU ids and category tree paths (none of both: all)."""

    skus: frozenset[int]
    categories: frozenset[str]

    @property
    def everything(self) -> bool:
        return not self.skus and not self.categories


def common_skus(a: Products, b: Products, sku_paths: Mapping[int, str]) -> set[int]:
    """SKUs named by one and covered by the other (by SKU or category)."""

    def covers(p: Products, sku: int) -> bool:
        path = sku_paths.get(sku, "")
        return p.everything or sku in p.skus or any(path.startswith(c) for c in p.categories)

    return {s for s in a.skus if covers(b, s)} | {s for s in b.skus if covers(a, s)}


def products_overlap(a: Products, b: Products, sku_paths: Mapping[int, str]) -> bool:
    if a.everything or b.everything:
        return True
    if common_skus(a, b, sku_paths):
        return True
    return any(x.startswith(y) or y.startswith(x) for x in a.categories for y in b.categories)
