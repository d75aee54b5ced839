"""Roles of DESIGN.md §1 and what each may do. Roles are rows (see migration 0002); this is
the definition they are created and kept in sync from."""

from django.db import models
from django.utils.translation import gettext_lazy as _

VIEW_NETWORK = "network.view_org"
MANAGE_ORGS = "network.change_org"
MANAGE_MEMBERS = "network.change_membership"
MANAGE_SUPPLY = "network.change_supplylink"
MANAGE_CATALOG = "catalog.change_product"
MANAGE_PRICES = "pricing.change_pricelist"
BROWSE_CATALOG = "catalog.view_product"
MANAGE_FINANCE = "finance.change_position"
VIEW_FINANCE = "finance.view_position"
VIEW_STOCK = "inventory.view_stock"
MANAGE_STOCK = "inventory.change_stock"
PLACE_ORDERS = "orders.add_order"
APPROVE_ORDERS = "orders.approve_order"
SHIP_ORDERS = "orders.change_shipment"
MANAGE_ORDER_RULES = "orders.change_approvalrule"
MANAGE_PROMOTIONS = "promotions.change_promotion"
MANAGE_DEALERS = "dealers.change_dealer"

ALL_PERMISSIONS = {
    VIEW_NETWORK: _("View the network"),
    MANAGE_ORGS: _("Create and edit orgs"),
    MANAGE_MEMBERS: _("Manage members"),
    MANAGE_SUPPLY: _("Manage supply links"),
    MANAGE_CATALOG: _("Manage the catalogue and price control"),
    MANAGE_PRICES: _("Manage the price lists of the org"),
    BROWSE_CATALOG: _("Browse sellers' catalogues at own prices"),
    MANAGE_FINANCE: _("Manage credit, receivables and payments of the org's buyers"),
    VIEW_FINANCE: _("See the org's account positions"),
    VIEW_STOCK: _("See stock, serials and sell-out"),
    MANAGE_STOCK: _("Move stock: receipts, shipments, transfers, counts, sell-out"),
    PLACE_ORDERS: _("Place orders for the org, or on behalf of buyers in scope; request returns"),
    APPROVE_ORDERS: _("Approve, reject and cancel orders and returns to the org"),
    SHIP_ORDERS: _("Ship orders, confirm receipts, send and receive returns"),
    MANAGE_ORDER_RULES: _("Set the org's order approval rules"),
    MANAGE_PROMOTIONS: _("Create, approve, publish and end the org's promotions and coupons"),
    MANAGE_DEALERS: _(
        "Review dealer applications, onboard, grade, suspend and close dealers in scope"
    ),
}

# code: (label, org kinds the role belongs to, permissions, home order)
ROLES: dict[str, tuple[object, tuple[str, ...], tuple[str, ...]]] = {
    "brand_admin": (
        _("Brand admin"),
        ("hq",),
        (
            VIEW_NETWORK,
            MANAGE_ORGS,
            MANAGE_MEMBERS,
            MANAGE_SUPPLY,
            MANAGE_CATALOG,
            MANAGE_PRICES,
            BROWSE_CATALOG,
            MANAGE_FINANCE,
            VIEW_FINANCE,
            VIEW_STOCK,
            MANAGE_STOCK,
            PLACE_ORDERS,
            APPROVE_ORDERS,
            SHIP_ORDERS,
            MANAGE_ORDER_RULES,
            MANAGE_PROMOTIONS,
            MANAGE_DEALERS,
        ),
    ),
    "channel_manager": (
        _("Channel manager"),
        ("hq", "region"),
        (
            VIEW_NETWORK,
            MANAGE_ORGS,
            MANAGE_MEMBERS,
            MANAGE_SUPPLY,
            BROWSE_CATALOG,
            VIEW_FINANCE,
            VIEW_STOCK,
            MANAGE_DEALERS,
        ),
    ),
    "region_manager": (
        _("Region manager"),
        ("region",),
        (
            VIEW_NETWORK,
            MANAGE_ORGS,
            MANAGE_MEMBERS,
            MANAGE_SUPPLY,
            BROWSE_CATALOG,
            VIEW_FINANCE,
            VIEW_STOCK,
            APPROVE_ORDERS,
            MANAGE_DEALERS,
        ),
    ),
    "finance": (
        _("Finance"),
        ("hq", "distributor"),
        (VIEW_NETWORK, BROWSE_CATALOG, MANAGE_FINANCE, VIEW_FINANCE, APPROVE_ORDERS),
    ),
    "warehouse_clerk": (
        _("Warehouse clerk"),
        ("hq", "distributor", "dealer"),
        (VIEW_NETWORK, VIEW_STOCK, MANAGE_STOCK, SHIP_ORDERS),
    ),
    "salesperson": (
        _("Salesperson"),
        ("region", "distributor"),
        (VIEW_NETWORK, BROWSE_CATALOG, VIEW_STOCK, PLACE_ORDERS),
    ),
    "dealer_admin": (
        _("Dealer admin"),
        ("distributor", "dealer"),
        (
            VIEW_NETWORK,
            MANAGE_ORGS,
            MANAGE_MEMBERS,
            MANAGE_SUPPLY,
            MANAGE_PRICES,
            BROWSE_CATALOG,
            MANAGE_FINANCE,
            VIEW_FINANCE,
            VIEW_STOCK,
            MANAGE_STOCK,
            PLACE_ORDERS,
            APPROVE_ORDERS,
            SHIP_ORDERS,
            MANAGE_ORDER_RULES,
            MANAGE_PROMOTIONS,
        ),
    ),
    "store_clerk": (
        _("Store clerk"),
        ("store",),
        (
            VIEW_NETWORK,
            BROWSE_CATALOG,
            VIEW_FINANCE,
            VIEW_STOCK,
            MANAGE_STOCK,
            PLACE_ORDERS,
            SHIP_ORDERS,
        ),
    ),
    "service_agent": (_("Service agent"), ("hq", "service_point"), (VIEW_NETWORK,)),
    "technician": (
        _("Technician"),
        ("service_point", "dealer"),
        (VIEW_NETWORK, VIEW_STOCK, MANAGE_STOCK),
    ),
}

API_TOKEN_PREFIX = "qd_"  # noqa: S105  (a marker, not a secret)


class AuthEventKind(models.TextChoices):
    """What happened at the door (accounts.AuthEvent)."""

    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")
    FAILED = "login_failed", _("login failed")
    LOCKED_OUT = "locked_out", _("login failed, locked out")  # the failure that locked
    REFUSED = "login_refused", _("login refused while locked out")  # password not checked
    SESSION_EXPIRED = "session_expired", _("session expired")
