from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    HQ = "hq", _("Brand HQ")
    REGION = "region", _("Region")
    DISTRIBUTOR = "distributor", _("Distributor")
    DEALER = "dealer", _("Dealer")
    STORE = "store", _("Store")
    SERVICE_POINT = "service_point", _("Service point")


class OrgStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Hold(models.TextChoices):
    """Reasons an active org may not order (set by the services that own them: the dealers
    app for onboarding, an expired authorisation and closing). Suspension is a status."""

    ONBOARDING = "onboarding", _("onboarding is not complete")
    AUTHORISATION_EXPIRED = "authorisation_expired", _("its brand authorisation has expired")
    CLOSING = "closing", _("it is closing")


# Allowed status moves; the dealers app drives most of them in a later issue.
ORG_STATUS_PIPELINE: dict[str, set[str]] = {
    OrgStatus.PROSPECT: {OrgStatus.ACTIVE, OrgStatus.CLOSED},
    OrgStatus.ACTIVE: {OrgStatus.SUSPENDED, OrgStatus.CLOSED},
    OrgStatus.SUSPENDED: {OrgStatus.ACTIVE, OrgStatus.CLOSED},
    OrgStatus.CLOSED: set(),
}

# Which kinds may sit under which: the management tree's shape.
ALLOWED_CHILDREN: dict[str, set[str]] = {
    OrgKind.HQ: {OrgKind.REGION, OrgKind.DISTRIBUTOR, OrgKind.DEALER, OrgKind.SERVICE_POINT},
    OrgKind.REGION: {OrgKind.REGION, OrgKind.DISTRIBUTOR, OrgKind.DEALER, OrgKind.SERVICE_POINT},
    OrgKind.DISTRIBUTOR: {OrgKind.DEALER, OrgKind.STORE, OrgKind.SERVICE_POINT},
    OrgKind.DEALER: {OrgKind.STORE, OrgKind.SERVICE_POINT},
    OrgKind.STORE: set(),
    OrgKind.SERVICE_POINT: set(),
}

SELLING_KINDS = {OrgKind.HQ, OrgKind.DISTRIBUTOR, OrgKind.DEALER}


class Channel(models.TextChoices):
    """How a buyer reaches consumers; price lists and promotions can target it."""

    TRADITIONAL = "traditional", _("Traditional retail")
    KA = "ka", _("Key account")
    ONLINE = "online", _("Online")
    PROJECT = "project", _("Group purchase / project")


class SupplyKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    PARTS = "parts", _("Spare parts")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class DivisionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    DISTRICT = 3, _("District")
