"""Home-page widgets and menu entries of the network app."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import VIEW_NETWORK
from qudao.core.dashboard import Widget, register
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.network import scope
from qudao.network.constants import OrgKind, OrgStatus
from qudao.network.selectors import org_kind_counts_for_actor


@register
def network_counts(actor: Any) -> Widget | None:
    if not scope.has_any(actor, VIEW_NETWORK):
        return None
    counts = org_kind_counts_for_actor(actor=actor)
    kinds = [k for k in OrgKind.values if counts.get(k)]
    labels = [str(OrgKind(k).label) for k in kinds]
    below = [(label, counts[k]) for label, k in zip(labels, kinds, strict=True) if k != "hq"]
    chart = {  # an ECharts option: the network's make-up by kind, HQ left out
        "tooltip": {},
        "grid": {"left": 4, "right": 24, "top": 4, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "value", "show": False},
        "yAxis": {"type": "category", "inverse": True, "data": [b[0] for b in below]},
        "series": [
            {
                "type": "bar",
                "data": [b[1] for b in below],
                "label": {"show": True, "position": "right"},
            }
        ],
    }
    return Widget(
        title=_("Orgs in my network"),
        value=sum(counts.values()),
        hint=" · ".join(f"{label} {counts[k]}" for label, k in zip(labels, kinds, strict=True)),
        url=reverse("network:tree"),
        order=10,
        chart=chart,
    )


@register
def network_prospects(actor: Any) -> Widget | None:
    if not scope.has_any(actor, "network.change_org"):
        return None
    n = scope.visible_orgs(actor).filter(status=OrgStatus.PROSPECT).count()
    return Widget(
        title=_("Prospects to onboard"),
        value=n,
        url=reverse("network:org_list") + "?status=prospect",
        order=20,
    )


@register
def network_suspended(actor: Any) -> Widget | None:
    if not scope.has_any(actor, "network.change_org"):
        return None
    n = scope.visible_orgs(actor).filter(status=OrgStatus.SUSPENDED).count()
    return Widget(
        title=_("Suspended orgs"),
        value=n,
        url=reverse("network:org_list") + "?status=suspended",
        order=30,
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Network"),
        url_name="network:tree",
        visible=lambda actor: scope.has_any(actor, VIEW_NETWORK),
        order=10,
    )
)
register_nav(
    NavEntry(
        label=gettext_lazy("Orgs"),
        url_name="network:org_list",
        visible=lambda actor: scope.has_any(actor, VIEW_NETWORK),
        order=11,
    )
)
