"""What every part of the seed shares: the scales, the one random seed, the error."""

from dataclasses import dataclass

RANDOM_SEED = 20261127


@dataclass(frozen=True)
class Scale:
    regions: int
    distributors: int
    dealers: int
    stores: int
    service_points: int
    # Medium and large give every distributor and dealer its own dealer_admin login.
    org_admins: bool


SCALES: dict[str, Scale] = {
    "small": Scale(2, 4, 12, 30, 3, org_admins=False),
    "medium": Scale(5, 30, 300, 2_000, 20, org_admins=True),
    "large": Scale(7, 300, 3_000, 20_000, 100, org_admins=True),
}


class SeedError(Exception):
    """The seed cannot run (unknown scale, division table not loaded)."""
