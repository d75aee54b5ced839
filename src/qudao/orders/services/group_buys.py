"""Group-buy settlement (团购): while a group-buy's window is open, each order pays the tier
that the units ordered so far plus its own reach (a provisional price). When the window has
closed, the final tier — reached by all the units together — is every participant's price:
each buyer whose orders paid more is credited the difference on its rebate balance with the
seller, for the units it kept (ordered less returned) on orders that went ahead. Run by the
hourly `orders-sweep`; each group-buy is settled once (promotions.group_buy_close)."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.money import money
from qudao.finance import services as finance
from qudao.finance.services import Doc as FinanceDoc
from qudao.network.models import Org
from qudao.orders.constants import ACCEPTED_STATUSES, OrderStatus
from qudao.orders.models import LineAdjustment
from qudao.promotions import services as promotions
from qudao.promotions.constants import Kind, Status
from qudao.promotions.models import Promotion

# orders that went ahead: approved, shipped, delivered or completed (held ones that are
# approved after the close keep their provisional price)
WENT_AHEAD = (*ACCEPTED_STATUSES, OrderStatus.COMPLETED)


def _owed(promotion: Promotion, final: Decimal) -> dict[tuple[Org, Org], Decimal]:
    """What each (buyer, seller) paid above the final price on the lines the group-buy
    priced: (the line's amount at the group-buy's price − final × qty) × kept / qty."""
    owed: dict[tuple[Org, Org], Decimal] = defaultdict(Decimal)
    rows = LineAdjustment.objects.filter(
        source="promotion",
        source_id=str(promotion.pk),
        line__order__status__in=WENT_AHEAD,
    ).select_related("line__order__buyer", "line__order__seller")
    for adjustment in rows:
        line = adjustment.line
        kept = line.qty - line.qty_returned
        if kept <= 0:
            continue
        paid = line.gross_amount + adjustment.amount
        extra = money((paid - final * line.qty) * kept / line.qty)
        if extra > 0:
            owed[(line.order.buyer, line.order.seller)] += extra
    return owed


def group_buys_settle(*, now: datetime | None = None) -> int:
    """Settle every group-buy whose window has closed and that is not settled yet, each in
    its own transaction. Returns how many were settled."""
    now = now or timezone.now()
    due = Promotion.objects.filter(
        kind=Kind.GROUP_BUY,
        settled_at__isnull=True,
        ends_at__lte=now,
        status__in=(Status.APPROVED, Status.LIVE, Status.PAUSED, Status.ENDED),
    ).values_list("pk", flat=True)
    settled = 0
    for pk in list(due):
        with transaction.atomic():
            promotion = promotions.group_buy_close(promotion_id=pk, now=now)
            if promotion is None:
                continue
            settled += 1
            if promotion.settled_price is None:
                continue  # no tier reached: nobody got a group price
            doc = FinanceDoc("promotion", str(promotion.pk), promotion.number)
            memo = _("Group-buy %(number)s settled at %(price)s") % {
                "number": promotion.number,
                "price": promotion.settled_price,
            }
            for (buyer, seller), amount in sorted(
                _owed(promotion, promotion.settled_price).items(), key=lambda kv: kv[0][0].pk
            ):
                finance.rebate_settle(buyer=buyer, seller=seller, amount=amount, memo=memo, doc=doc)
    return settled
