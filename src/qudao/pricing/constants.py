from django.db import models
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    """Whom a price list is for, from the most specific (BUSINESS-RULES.md "Pricing")."""

    BUYER = "buyer", _("Named buyer")
    GRADE = "grade", _("Buyer grade")
    REGION = "region", _("Region subtree")
    CHANNEL = "channel", _("Channel")
    DEFAULT = "default", _("Default")


# Higher wins. A region target nearer the buyer beats one further up (depth is added).
SPECIFICITY = {
    Target.BUYER: 5000,
    Target.GRADE: 4000,
    Target.REGION: 3000,
    Target.CHANNEL: 2000,
    Target.DEFAULT: 1000,
}

# Sellers whose prices the brand's floor binds. The brand (HQ) sets the floors itself.
FLOOR_LEVELS = ("distributor", "dealer", "store")


class Reason(models.TextChoices):
    """Why a candidate price did or did not win, for "why this price"."""

    WON = "won", _("Chosen")
    LESS_SPECIFIC = "less_specific", _("A more specific list applies")
    LOWER_PRIORITY = "lower_priority", _("A list of higher priority applies")
    NOT_YET_VALID = "not_yet_valid", _("Not valid yet")
    EXPIRED = "expired", _("No longer valid")
    INACTIVE = "inactive", _("List switched off")
    BELOW_BREAK = "below_break", _("Quantity below this break")
    SMALLER_BREAK = "smaller_break", _("A larger quantity break applies")
