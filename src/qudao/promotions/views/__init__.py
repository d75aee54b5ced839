"""Promotion pages: the list, drafts and one promotion with its moves (`promotions`), the
simulator and coupons (`tools`)."""

from qudao.promotions.views.promotions import (
    promotion_copy,
    promotion_create,
    promotion_detail,
    promotion_edit,
    promotion_list,
    promotion_move,
)
from qudao.promotions.views.tools import coupon_issue, simulator

__all__ = [
    "coupon_issue",
    "promotion_copy",
    "promotion_create",
    "promotion_detail",
    "promotion_edit",
    "promotion_list",
    "promotion_move",
    "simulator",
]
