"""The demo logins: one per role, and the table `qudao seed` and `qudao demo_logins` print."""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from qudao.network.models import Membership

# (username, role, which org): one login per role, two for dealer_admin (distributor, dealer).
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("admin", "brand_admin", "hq"),
    ("channel", "channel_manager", "hq"),
    ("region", "region_manager", "region"),
    ("finance", "finance", "hq"),
    ("warehouse", "warehouse_clerk", "distributor"),
    ("sales", "salesperson", "region"),
    ("distributor", "dealer_admin", "distributor"),
    ("dealer", "dealer_admin", "dealer"),
    ("store", "store_clerk", "store"),
    ("service", "service_agent", "hq"),
    ("tech", "technician", "service_point"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    mobile: str
    role: str
    org_code: str
    org_name: str


def demo_logins() -> list[DemoLogin]:
    """The demo logins as the database has them now (for `qudao demo_logins` and `serve`)."""
    wanted = {username: role for username, role, _where in DEMO_LOGINS}
    rows = (
        Membership.objects.filter(user__username__in=wanted, is_active=True)
        .select_related("user", "org", "role")
        .order_by("pk")
    )
    found: dict[str, DemoLogin] = {}
    for m in rows:
        if m.role.code == wanted[m.user.username] and m.user.username not in found:
            found[m.user.username] = DemoLogin(
                m.user.username,
                m.user.display_name,
                m.user.mobile or "",
                m.role.code,
                m.org.code,
                m.org.name,
            )
    return [found[name] for name in wanted if name in found]


def _width(text: str) -> int:
    # CJK characters take two terminal columns; pad by what the eye sees, not by len().
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def login_table(logins: Sequence[DemoLogin]) -> list[str]:
    """The demo logins as aligned text lines, ending with the shared password."""
    if not logins:
        return ["No demo logins yet: run `qudao seed`."]
    rows = [["username", "mobile", "name", "role", "org"]]
    rows += [
        [lg.username, lg.mobile, lg.display_name, lg.role, f"{lg.org_code} {lg.org_name}"]
        for lg in logins
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["Demo logins (username or mobile):"]
    lines += [
        "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.append(f"Password for every demo login: {settings.QUDAO['DEMO_PASSWORD']}")
    return lines
