from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where a dealer is in its lifecycle (one pipeline; a service per move)."""

    PROSPECT = "prospect", _("Prospect")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


STAGE_PIPELINE: dict[str, set[str]] = {
    Stage.PROSPECT: {Stage.UNDER_REVIEW, Stage.REJECTED},
    Stage.UNDER_REVIEW: {Stage.APPROVED, Stage.REJECTED},
    Stage.APPROVED: {Stage.ONBOARDING},
    Stage.ONBOARDING: {Stage.ACTIVE, Stage.CLOSING},
    Stage.ACTIVE: {Stage.SUSPENDED, Stage.CLOSING},
    Stage.SUSPENDED: {Stage.ACTIVE, Stage.CLOSING},
    Stage.CLOSING: {Stage.CLOSED},
    Stage.CLOSED: set(),
    Stage.REJECTED: set(),
}


class FileKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class CriterionSource(models.TextChoices):
    """Where a scorecard criterion's score comes from: the reviewer, or a figure of the
    application scored by bands."""

    MANUAL = "manual", _("Reviewer's score")
    YEARS = "years_in_business", _("Years in business")
    CAPITAL = "registered_capital", _("Registered capital")
    STORE_AREA = "store_area", _("Store area")
    BRANDS = "brands_carried", _("Brands carried")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class ItemCode(models.TextChoices):
    """The onboarding checklist, in the order it is done."""

    CONTRACT = "contract", _("Contract signed")
    ORG = "org", _("Org created with its supply link")
    DEPOSIT = "deposit", _("Deposit received")
    USERS = "users", _("Users invited")
    PRICE_GRADE = "price_grade", _("Price grade set")
    CREDIT = "credit", _("Credit profile set")
    TERRITORY = "territory", _("Territory assigned")
    FIRST_ORDER = "first_order", _("First order")


# Each item and the items that must be done before it.
ITEM_NEEDS: dict[str, tuple[str, ...]] = {
    ItemCode.CONTRACT: (),
    ItemCode.ORG: (ItemCode.CONTRACT,),
    ItemCode.DEPOSIT: (ItemCode.ORG,),
    ItemCode.USERS: (ItemCode.ORG,),
    ItemCode.PRICE_GRADE: (ItemCode.ORG,),
    ItemCode.CREDIT: (ItemCode.ORG,),
    ItemCode.TERRITORY: (ItemCode.ORG,),
    ItemCode.FIRST_ORDER: (
        ItemCode.CONTRACT,
        ItemCode.ORG,
        ItemCode.DEPOSIT,
        ItemCode.USERS,
        ItemCode.PRICE_GRADE,
        ItemCode.CREDIT,
        ItemCode.TERRITORY,
    ),
}
# Ordering opens when these are done; the first order then completes onboarding.
ITEMS_BEFORE_ORDERING = ITEM_NEEDS[ItemCode.FIRST_ORDER]


class DocumentKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    AUTHORISATION = "authorisation", _("Brand authorisation")
    OTHER = "other", _("Other")


REMINDER_DAYS = (30, 7)


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


# A draft is edited, then activated (one active per dealer, seller and year), then ended — by
# hand or by the daily sweep once its term is over.
CONTRACT_PIPELINE: dict[str, set[str]] = {
    ContractStatus.DRAFT: {ContractStatus.ACTIVE},
    ContractStatus.ACTIVE: {ContractStatus.ENDED},
    ContractStatus.ENDED: set(),
}


class Dimension(models.TextChoices):
    """What a grading run scores each dealer on (0–100 each), weighted by the brand."""

    ATTAINMENT = "attainment", _("Target attainment")
    SELL_THROUGH = "sell_through", _("Sell-through vs sell-in")
    PAYMENT = "payment", _("Payment behaviour")
    INVENTORY = "inventory", _("Inventory risk")
    SERVICE = "service", _("Service quality")


# Weights (%) of a brand that has not set its own. Service quality has no data yet (after-sales
# is a later wave): every dealer scores SERVICE_NEUTRAL there, with no weight by default.
DEFAULT_WEIGHTS: dict[str, int] = {
    Dimension.ATTAINMENT: 35,
    Dimension.SELL_THROUGH: 20,
    Dimension.PAYMENT: 25,
    Dimension.INVENTORY: 20,
    Dimension.SERVICE: 0,
}
SERVICE_NEUTRAL = 80
# The proposed grade when the brand set no GradeTerms.min_score: the first grade reached.
DEFAULT_GRADE_THRESHOLDS = (("A", 85), ("B", 70), ("C", 55), ("D", 0))
# Months of cover (stock on hand ÷ average monthly sell-out) that score 100, and 0.
COVER_GOOD_MONTHS = 2
COVER_BAD_MONTHS = 6


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")


class ClosingItem(models.TextChoices):
    """The closing (闭户) checklist; each is checked against the live data."""

    ORDERS = "orders", _("Open orders resolved")
    RECEIVABLES = "receivables", _("Receivables settled")
    BALANCES = "balances", _("Prepaid and rebate balances settled or refunded")
    DEPOSIT = "deposit", _("Deposit refunded net of penalties")
    STOCK = "stock", _("Stock bought back or transferred")
    SERIALS = "serials", _("Serials reassigned")
    USERS = "users", _("Users deactivated")
    TERRITORY = "territory", _("Territory released")
