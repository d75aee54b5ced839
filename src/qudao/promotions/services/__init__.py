"""Writes of promotions, by sub-domain: `drafts` (create, update, copy, with every refusal
before anything is written), `lifecycle` (submit, approve, reject, publish, pause, resume,
end) and `budgets` (what orders consume and release of budgets, caps and coupons; issuing
coupons). Orders call `promotions_consume` at submit and `promotions_release` on cancel or
rejection, with the `Doc` of the order."""

from qudao.promotions.services._common import (
    BudgetExhausted,
    CouponRefused,
    Doc,
    ExclusiveOverlap,
    PromotionInvalid,
    PromotionNotEditable,
    PromotionNotLive,
)
from qudao.promotions.services.budgets import (
    coupon_issue,
    coupon_redeem,
    coupon_release,
    promotions_consume,
    promotions_release,
)
from qudao.promotions.services.drafts import (
    product_set_changed,
    promotion_copy,
    promotion_create,
    promotion_update,
)
from qudao.promotions.services.lifecycle import (
    group_buy_close,
    promotion_approve,
    promotion_end,
    promotion_pause,
    promotion_publish,
    promotion_reject,
    promotion_resume,
    promotion_submit,
)

__all__ = [
    "BudgetExhausted",
    "CouponRefused",
    "Doc",
    "ExclusiveOverlap",
    "PromotionInvalid",
    "PromotionNotEditable",
    "PromotionNotLive",
    "coupon_issue",
    "coupon_redeem",
    "coupon_release",
    "product_set_changed",
    "group_buy_close",
    "promotion_approve",
    "promotion_copy",
    "promotion_create",
    "promotion_end",
    "promotion_pause",
    "promotion_publish",
    "promotion_reject",
    "promotion_resume",
    "promotion_submit",
    "promotion_update",
    "promotions_consume",
    "promotions_release",
]
