"""Writing the plan: bulk inserts of orgs (with their treebeard paths), supply links, users
and memberships, only for codes and usernames the database does not have yet."""

# ruff: noqa: S311  (demo data, not secrets: `random` is right here)

import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F

from qudao.accounts.constants import ROLES
from qudao.accounts.models import Role, User
from qudao.accounts.services import roles_sync
from qudao.core.text import search_text
from qudao.network.constants import OrgKind, SupplyKind
from qudao.network.models import Membership, Org, SupplyLink
from qudao.network.seed.base import RANDOM_SEED, SCALES, SeedError
from qudao.network.seed.logins import DemoLogin
from qudao.network.seed.names import HQ_CODE, make_mobile, make_uscc
from qudao.network.seed.places import load_places
from qudao.network.seed.plan import Plan, Planner

T = TypeVar("T")

BATCH = 500
# Filters on `__in` are chunked below the 999-variable limit of older SQLite builds.
IN_CHUNK = 900


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


@dataclass
class SeedReport:
    scale: str
    created: dict[str, int]
    totals: dict[str, int]
    logins: list[DemoLogin]
    password: str
    seconds: float


def _chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _step(number: int) -> str:
    """One treebeard path step: `number` in base 36 over Org.alphabet, `steplen` wide."""
    base = len(Org.alphabet)
    if number >= base**Org.steplen:
        raise SeedError("Too many children under one org for the path step length.")
    digits = ""
    for _ in range(Org.steplen):
        number, rest = divmod(number, base)
        digits = Org.alphabet[rest] + digits
    return digits


def _last_step(path: str) -> int:
    value = 0
    for char in path[-Org.steplen :]:
        value = value * len(Org.alphabet) + Org.alphabet.index(char)
    return value


def _taken(model: type[User] | type[Org], column: str, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(values):
        found.update(
            model.objects.filter(**{f"{column}__in": chunk}).values_list(column, flat=True)
        )
    return found


def _dedupe_usccs(orgs: list[Org]) -> None:
    """A planned USCC already used by an org outside this plan (made by hand, or by a seed
    of another scale) is replaced by one drawn from a stream of the org's own code."""
    taken = _taken(Org, "uscc", [o.uscc for o in orgs if o.uscc])
    for org in orgs:
        if org.uscc in taken:
            rng = random.Random(f"{RANDOM_SEED}:{org.code}")
            while org.uscc in taken or Org.objects.filter(uscc=org.uscc).exists():
                org.uscc = make_uscc(
                    rng, district_code=org.uscc[2:8], individual=org.uscc[1] == "2"
                )
            taken.add(org.uscc)


def _insert_orgs(plan: Plan) -> Counter[str]:
    """Insert the planned orgs whose code is new. Paths are built as treebeard's add_child
    would: each new child goes after its parent's current last child."""
    existing = dict(Org.objects.values_list("code", "path"))
    last_step: dict[str, int] = defaultdict(int)  # parent path -> highest child step in use
    for path in existing.values():
        parent_path = path[: -Org.steplen]
        last_step[parent_path] = max(last_step[parent_path], _last_step(path))
    paths = dict(existing)
    added: Counter[str] = Counter()
    new: list[Org] = []
    for org in plan.orgs:
        if org.code in existing:
            continue
        parent_code = plan.parent.get(org.code)
        parent_path = paths[parent_code] if parent_code else ""
        last_step[parent_path] += 1
        org.path = parent_path + _step(last_step[parent_path])
        org.depth = len(org.path) // Org.steplen
        org.search_text = search_text(org.name, org.short_name, org.code)
        paths[org.code] = org.path
        if parent_code:
            added[parent_code] += 1
        new.append(org)
    for org in new:
        org.numchild = added[org.code]
    _dedupe_usccs(new)
    Org.objects.bulk_create(new, batch_size=BATCH)
    for code, count in added.items():
        if code in existing:
            Org.objects.filter(code=code).update(numchild=F("numchild") + count)
    return Counter(org.kind for org in new)


def _wanted_links(plan: Plan) -> list[tuple[str, str, str]]:
    """(buyer, seller, kind): goods flow down the tree, spare parts come straight from HQ."""
    links: list[tuple[str, str, str]] = []
    for org in plan.orgs:
        parent = plan.parent.get(org.code, "")
        if org.kind == OrgKind.DISTRIBUTOR:
            links.append((org.code, HQ_CODE, SupplyKind.GOODS))
        elif org.kind == OrgKind.DEALER:
            links += [(org.code, parent, SupplyKind.GOODS), (org.code, HQ_CODE, SupplyKind.PARTS)]
        elif org.kind == OrgKind.STORE:
            links.append((org.code, parent, SupplyKind.GOODS))
        elif org.kind == OrgKind.SERVICE_POINT:
            links.append((org.code, HQ_CODE, SupplyKind.PARTS))
    return links


def _insert_links(plan: Plan, org_ids: dict[str, int]) -> int:
    existing = set(SupplyLink.objects.values_list("buyer_id", "seller_id", "kind"))
    new = []
    for buyer, seller, kind in _wanted_links(plan):
        key = (org_ids[buyer], org_ids[seller], str(kind))
        if key not in existing:
            existing.add(key)
            new.append(SupplyLink(buyer_id=key[0], seller_id=key[1], kind=key[2]))
    SupplyLink.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


def _insert_users(plan: Plan) -> int:
    """New logins, all with the demo password. It is hashed once: PBKDF2 per user would cost
    half a second each, minutes at the medium scale."""
    existing = _taken(User, "username", [u.username for u in plan.users])
    new = [u for u in plan.users if u.username not in existing]
    if not new:
        return 0
    taken = _taken(User, "mobile", [u.mobile for u in new])
    for user in new:
        if user.mobile in taken:  # held by someone outside this plan
            rng = random.Random(f"{RANDOM_SEED}:{user.username}")
            while user.mobile in taken or User.objects.filter(mobile=user.mobile).exists():
                user.mobile = make_mobile(rng)
            taken.add(user.mobile)
    password = make_password(str(settings.QUDAO["DEMO_PASSWORD"]))
    User.objects.bulk_create(
        [
            User(
                username=u.username, display_name=u.display_name, mobile=u.mobile, password=password
            )
            for u in new
        ],
        batch_size=BATCH,
    )
    return len(new)


def _insert_memberships(plan: Plan, org_ids: dict[str, int]) -> int:
    usernames = [u.username for u in plan.users]
    user_ids: dict[str, int] = {}
    for chunk in _chunks(usernames):
        user_ids.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
    if Role.objects.filter(code__in=ROLES).count() < len(ROLES):
        roles_sync()  # a flushed database has lost the roles migration 0002 created
    role_ids = dict(Role.objects.filter(code__in=ROLES).values_list("code", "pk"))
    existing: set[tuple[int, int, int]] = set()
    for ids in _chunks(list(user_ids.values())):
        existing.update(
            Membership.objects.filter(user_id__in=ids).values_list("user_id", "org_id", "role_id")
        )
    new = []
    for user in plan.users:
        for org_code, role in user.roles:
            key = (user_ids[user.username], org_ids[org_code], role_ids[role])
            if key not in existing:
                existing.add(key)
                new.append(Membership(user_id=key[0], org_id=key[1], role_id=key[2]))
    Membership.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


def _logins(plan: Plan) -> list[DemoLogin]:
    # Read back from the database: a login that existed before keeps its own name and mobile.
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[login.username for login in plan.logins])
    }
    return [
        DemoLogin(
            login.username,
            users[login.username].display_name,
            users[login.username].mobile or "",
            login.role,
            login.org_code,
            login.org_name,
        )
        for login in plan.logins
    ]


def seed_demo(*, scale: str, stdout: Writer | None = None) -> SeedReport:
    """Create the demo network of `scale`, or whatever part of it is missing, in one
    transaction. The same scale always plans the same rows; existing codes and usernames are
    left as they are, so a second run creates nothing."""
    if scale not in SCALES:
        raise SeedError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    started = time.monotonic()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    with transaction.atomic():
        plan = Planner(scale=SCALES[scale], places=load_places()).build()
        say(f"Planned {len(plan.orgs)} orgs and {len(plan.users)} logins ({scale}).")
        created: dict[str, int] = dict(_insert_orgs(plan))
        org_ids = dict(Org.objects.values_list("code", "pk"))
        created["supply_links"] = _insert_links(plan, org_ids)
        created["users"] = _insert_users(plan)
        created["memberships"] = _insert_memberships(plan, org_ids)
        logins = _logins(plan)
    totals = dict(Counter(Org.objects.values_list("kind", flat=True)))
    return SeedReport(
        scale=scale,
        created=created,
        totals=totals,
        logins=logins,
        password=str(settings.QUDAO["DEMO_PASSWORD"]),
        seconds=time.monotonic() - started,
    )
