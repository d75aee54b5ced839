"""Test data built the way users build it: through the services."""

import itertools
from typing import Any

from qudao.accounts.models import User
from qudao.accounts.tests.factories import UserFactory
from qudao.core.text import search_text
from qudao.network import services
from qudao.network.models import Org

_codes = itertools.count(1)


def system_actor() -> User:
    """A superuser standing in for the brand's set-up, for arranging test data."""
    user, _ = User.objects.get_or_create(
        username="system", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def root(code: str = "HQ", name: str = "飞驰电动车科技有限公司") -> Org:
    existing = Org.objects.filter(code=code).first()
    if existing:
        return existing
    return Org.objects.add_root(
        {
            "code": code,
            "name": name,
            "kind": "hq",
            "status": "active",
            "search_text": search_text(name, code),
        }
    )


def org(
    parent: Org, kind: str, *, code: str | None = None, name: str | None = None, **extra: Any
) -> Org:
    n = next(_codes)
    return services.org_create(
        actor=system_actor(),
        parent=parent,
        data={
            "code": code or f"{kind[:2].upper()}{n:04d}",
            "name": name or f"测试{kind}{n}",
            "kind": kind,
            **extra,
        },
    )


def member(org_: Org, role: str, user: User | None = None, **user_fields: Any) -> User:
    user = user or UserFactory(**user_fields)
    services.membership_add(actor=system_actor(), org=org_, role_code=role, user=user)
    return user
