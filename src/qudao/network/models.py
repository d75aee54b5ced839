from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from qudao.network.constants import (
    Channel,
    DivisionLevel,
    Grade,
    OrgKind,
    OrgStatus,
    SupplyKind,
)


class Division(models.Model):
    """China's administrative divisions (GB/T 2260): province 2, city 4, district 6 digits
    (9 for the towns of the few cities that have no districts, e.g. 东莞)."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.PositiveSmallIntegerField(_("level"), choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")

    def __str__(self) -> str:
        return self.name


class Org(MP_Node):
    """A node of the management tree: HQ, region, distributor, dealer, store, service point."""

    steplen = 4
    node_order_by = None

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.TRADITIONAL
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    province = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("province"),
    )
    city = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city"),
    )
    district = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("district"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    contact_name = models.CharField(_("contact"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # Hold reasons (network.constants.Hold) that stop this org ordering while it is active;
    # read with the org itself, so the order gate costs no query.
    holds = models.JSONField(_("ordering holds"), default=list, blank=True)
    # Lower-case name, code, full pinyin and initials: `gzxl` finds 广州迅力电动车.
    search_text = models.CharField(max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("org")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrgKind.values), name="org_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OrgStatus.values), name="org_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__in=["", *Grade.values]), name="org_grade_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="org_channel_valid"
            ),
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="org_uscc_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return self.name


class SupplyLink(models.Model):
    """Who may order from whom, separate from the management tree."""

    buyer = models.ForeignKey(
        Org, on_delete=models.CASCADE, related_name="supply_links_as_buyer", verbose_name=_("buyer")
    )
    seller = models.ForeignKey(
        Org,
        on_delete=models.CASCADE,
        related_name="supply_links_as_seller",
        verbose_name=_("seller"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=SupplyKind.choices, default=SupplyKind.GOODS
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supply link")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "seller", "kind"], name="supply_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(buyer=models.F("seller")), name="supply_link_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SupplyKind.values), name="supply_link_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} → {self.seller} ({self.get_kind_display()})"


class Membership(models.Model):
    """A user's role in an org. The union of these orgs' subtrees is what the user sees."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    org = models.ForeignKey(
        Org, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("org")
    )
    role = models.ForeignKey(
        "accounts.Role", on_delete=models.PROTECT, related_name="+", verbose_name=_("role")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.org} ({self.role})"
