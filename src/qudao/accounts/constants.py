"""Roles of DESIGN.md §1 and what each may do. Roles are rows (see migration 0002); this is
the definition they are created and kept in sync from."""

from django.utils.translation import gettext_lazy as _

VIEW_NETWORK = "network.view_org"
MANAGE_ORGS = "network.change_org"
MANAGE_MEMBERS = "network.change_membership"
MANAGE_SUPPLY = "network.change_supplylink"

ALL_PERMISSIONS = {
    VIEW_NETWORK: _("View the network"),
    MANAGE_ORGS: _("Create and edit orgs"),
    MANAGE_MEMBERS: _("Manage members"),
    MANAGE_SUPPLY: _("Manage supply links"),
}

# code: (label, org kinds the role belongs to, permissions, home order)
ROLES: dict[str, tuple[object, tuple[str, ...], tuple[str, ...]]] = {
    "brand_admin": (
        _("Brand admin"),
        ("hq",),
        (VIEW_NETWORK, MANAGE_ORGS, MANAGE_MEMBERS, MANAGE_SUPPLY),
    ),
    "region_manager": (
        _("Region manager"),
        ("region",),
        (VIEW_NETWORK, MANAGE_ORGS, MANAGE_MEMBERS, MANAGE_SUPPLY),
    ),
    "finance": (_("Finance"), ("hq", "distributor"), (VIEW_NETWORK,)),
    "warehouse_clerk": (_("Warehouse clerk"), ("hq", "distributor", "dealer"), (VIEW_NETWORK,)),
    "salesperson": (_("Salesperson"), ("region", "distributor"), (VIEW_NETWORK,)),
    "dealer_admin": (
        _("Dealer admin"),
        ("distributor", "dealer"),
        (VIEW_NETWORK, MANAGE_ORGS, MANAGE_MEMBERS, MANAGE_SUPPLY),
    ),
    "store_clerk": (_("Store clerk"), ("store",), (VIEW_NETWORK,)),
    "service_agent": (_("Service agent"), ("hq", "service_point"), (VIEW_NETWORK,)),
    "technician": (_("Technician"), ("service_point", "dealer"), (VIEW_NETWORK,)),
}

API_TOKEN_PREFIX = "qd_"  # noqa: S105  (a marker, not a secret)
