"""The deterministic demo network of DESIGN.md §7: `qudao seed --scale small|medium|large`.

A fictional e-bike brand (飞驰电动车) with regions, distributors, dealers, stores and service
points, their supply links, and one login per role. Seed data is setup, not a business action:
rows are bulk inserted without audit rows or outbox events, and the treebeard paths are
computed here, because `add_child` per node would take minutes at the medium scale.

Every value comes from one seeded `random.Random`, so a scale always yields the same names,
codes, numbers and coordinates. Only codes and usernames missing from the database are
created, which makes a second run a no-op.

The package by sub-domain: `base` (scales, random seed, error), `names` (the name
material), `places` (cities resolved to divisions), `plan` (the in-memory Planner),
`write` (the bulk inserts and `seed_demo`) and `logins` (the demo logins and their table).
"""

from qudao.network.seed.base import RANDOM_SEED, SCALES, Scale, SeedError
from qudao.network.seed.logins import DEMO_LOGINS, DemoLogin, demo_logins, login_table
from qudao.network.seed.places import PLACES_FILE, Places, load_places
from qudao.network.seed.plan import Plan, Planner
from qudao.network.seed.write import SeedReport, seed_demo

__all__ = [
    "DEMO_LOGINS",
    "PLACES_FILE",
    "RANDOM_SEED",
    "SCALES",
    "DemoLogin",
    "Plan",
    "Planner",
    "Places",
    "Scale",
    "SeedError",
    "SeedReport",
    "demo_logins",
    "load_places",
    "login_table",
    "seed_demo",
]
