"""Choices, pipeline and reason codes of promotions (docs/decisions/0010-promotions.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The promotion types of BUSINESS-RULES.md "Promotions"; each has a rules schema
    (rules.py) and an arithmetic in the engine."""

    SPECIAL_PRICE = "special_price", _("Special price")
    PERCENT_OFF = "percent_off", _("Percentage off")
    AMOUNT_OFF = "amount_off", _("Amount off per unit")
    TIER_PRICE = "tier_price", _("Quantity-tier price")
    BUNDLE = "bundle", _("Bundle price")
    FLASH_SALE = "flash_sale", _("Flash sale")
    GROUP_BUY = "group_buy", _("Group-buy")
    THRESHOLD_AMOUNT_OFF = "threshold_amount_off", _("Spend threshold amount off")
    THRESHOLD_PERCENT = "threshold_percent", _("Spend threshold percentage off")
    BUY_X_GET_Y = "buy_x_get_y", _("Buy X get Y free")
    THRESHOLD_GIFT = "threshold_gift", _("Spend threshold gift")
    COUPON = "coupon", _("Coupon")


class Stage(models.TextChoices):
    """When a kind applies: item prices first, then order thresholds, then one coupon."""

    ITEM = "item", _("Item price")
    ORDER = "order", _("Order threshold")
    COUPON = "coupon", _("Coupon")


STAGE: dict[str, str] = {
    Kind.SPECIAL_PRICE: Stage.ITEM,
    Kind.PERCENT_OFF: Stage.ITEM,
    Kind.AMOUNT_OFF: Stage.ITEM,
    Kind.TIER_PRICE: Stage.ITEM,
    Kind.BUNDLE: Stage.ITEM,
    Kind.FLASH_SALE: Stage.ITEM,
    Kind.GROUP_BUY: Stage.ITEM,
    Kind.THRESHOLD_AMOUNT_OFF: Stage.ORDER,
    Kind.THRESHOLD_PERCENT: Stage.ORDER,
    Kind.BUY_X_GET_Y: Stage.ORDER,
    Kind.THRESHOLD_GIFT: Stage.ORDER,
    Kind.COUPON: Stage.COUPON,
}

# Item-level ties on the buyer's price go to the kind listed first (BUSINESS-RULES.md:
# flash sale > special price > tier price), then the higher priority, then the lower id.
ITEM_RANK: dict[str, int] = {
    Kind.FLASH_SALE: 0,
    Kind.GROUP_BUY: 1,
    Kind.SPECIAL_PRICE: 2,
    Kind.BUNDLE: 3,
    Kind.TIER_PRICE: 4,
    Kind.PERCENT_OFF: 5,
    Kind.AMOUNT_OFF: 6,
}

# Kinds that always exclude other promotions on the lines they price.
ALWAYS_EXCLUSIVE = frozenset({Kind.FLASH_SALE, Kind.GROUP_BUY})
# Kinds that hand out free goods.
GIFT_KINDS = frozenset({Kind.BUY_X_GET_Y, Kind.THRESHOLD_GIFT})
# Kinds whose products come from their rules (prices per SKU, components, the group-buy SKU).
PRODUCTS_FROM_RULES = frozenset({Kind.SPECIAL_PRICE, Kind.FLASH_SALE, Kind.BUNDLE, Kind.GROUP_BUY})
# Kinds that need products: a price needs something to price.
NEEDS_PRODUCTS = frozenset(
    {Kind.SPECIAL_PRICE, Kind.PERCENT_OFF, Kind.AMOUNT_OFF, Kind.TIER_PRICE, Kind.BUY_X_GET_Y}
    | PRODUCTS_FROM_RULES
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    LIVE = "live", _("Live")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


# A live promotion is paused or ended, never edited: a copy makes the next version.
PIPELINE: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.APPROVED, Status.DRAFT},
    Status.APPROVED: {Status.LIVE, Status.DRAFT, Status.ENDED},
    Status.LIVE: {Status.PAUSED, Status.ENDED},
    Status.PAUSED: {Status.LIVE, Status.ENDED},
    Status.ENDED: set(),
}
# Promotions that are, or are about to be, in force: what conflicts and overlaps count.
SCHEDULED_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.LIVE, Status.PAUSED)


class TargetKind(models.TextChoices):
    """Whom a promotion is for. Rows of one kind are alternatives (grade A or B); rows of
    different kinds must all hold (grade A and in 华东). No rows: every buyer of the seller."""

    BUYER = "buyer", _("Named buyer")
    REGION = "region", _("Region subtree")
    DIVISION = "division", _("Administrative division")
    GRADE = "grade", _("Buyer grade")
    CHANNEL = "channel", _("Channel")
    LEVEL = "level", _("Network level")


class Basis(models.TextChoices):
    """What a threshold counts: the eligible lines' amount or their units."""

    AMOUNT = "amount", _("Amount")
    QTY = "qty", _("Quantity")


class UseKind(models.TextChoices):
    CONSUME = "consume", _("Consumed by an order")
    RELEASE = "release", _("Released by a cancellation")


class Reason(models.TextChoices):
    """Why a promotion did not apply (or applied only in part): stable codes for the API and
    the pages; the messages with numbers are built in explain.py."""

    NOT_STARTED = "not_started", _("Not started yet")
    ENDED = "ended", _("Ended")
    BUYER_NOT_TARGETED = "buyer_not_targeted", _("Only for named buyers")
    NOT_IN_REGION = "not_in_region", _("Not in your region")
    GRADE_NOT_TARGETED = "grade_not_targeted", _("Not for your grade")
    CHANNEL_NOT_TARGETED = "channel_not_targeted", _("Not for your channel")
    LEVEL_NOT_TARGETED = "level_not_targeted", _("Not for your level in the network")
    NO_MATCHING_ITEMS = "no_matching_items", _("No product of the promotion in the cart")
    BELOW_THRESHOLD = "below_threshold", _("Threshold not reached")
    BUDGET_EXHAUSTED = "budget_exhausted", _("Budget exhausted")
    QUANTITY_EXHAUSTED = "quantity_exhausted", _("Quantity cap reached")
    NO_BETTER_PRICE = "no_better_price", _("Your price is already lower")
    BETTER_OFFER = "better_offer", _("A better promotion applies")
    EXCLUDED = "excluded", _("Cannot be combined with another promotion")
    BELOW_FLOOR = "below_floor", _("The brand's floor price does not allow it")
    COUPON_UNKNOWN = "coupon_unknown", _("Unknown coupon code")
    COUPON_NOT_FOR_YOU = "coupon_not_for_you", _("The coupon is for another buyer")
    COUPON_USED_UP = "coupon_used_up", _("The coupon is used up")
    COUPON_LIMIT_REACHED = "coupon_limit_reached", _("You have used this coupon up")
    ONE_COUPON_PER_ORDER = "one_coupon_per_order", _("One coupon per order")
    NEXT_TIER = "next_tier", _("A higher tier is near")


# Reasons that reveal whom a promotion is for: shown to the seller's people (the simulator),
# never to a buyer, who must not learn of promotions that are not theirs.
TARGETING_REASONS = frozenset(
    {
        Reason.BUYER_NOT_TARGETED,
        Reason.NOT_IN_REGION,
        Reason.GRADE_NOT_TARGETED,
        Reason.CHANNEL_NOT_TARGETED,
        Reason.LEVEL_NOT_TARGETED,
    }
)


class SampleProblem(models.TextChoices):
    """Why the conflict check shows no sample order."""

    NO_BUYER = (
        "no_buyer",
        _("No active buyer of the seller in your network meets the promotion's targets."),
    )
    NO_PRICE = (
        "no_price",
        _("The seller's price lists give the sample buyer no price for the promotion's products."),
    )


class Limit(models.TextChoices):
    """Why an applied promotion gave less than its rules say."""

    FLOOR = "floor", _("Limited by the brand's floor price")
    BUDGET = "budget", _("Limited by the remaining budget")
    QUANTITY = "quantity", _("Limited by the remaining quantity")
    PER_ORDER = "per_order", _("Limited to the quantity allowed per order")


# Document type of consumption rows written for orders (orders.constants.DOC_ORDER).
DOC_ORDER = "order"
# Number prefix of promotions (core.numbering, gaps allowed).
NUMBER_PREFIX = "PM"
# Coupon codes: upper-case letters and digits without 0/O and 1/I/L.
COUPON_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
COUPON_CODE_LENGTH = 10
MAX_COUPONS_PER_ISSUE = 10_000
MAX_TIERS = 20
MAX_TARGETS = 5_000
MAX_PRODUCTS = 5_000
