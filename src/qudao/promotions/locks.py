"""Row locks of promotions, always in this order: the seller org (serialises the checks for
overlapping exclusive promotions, like pricing's), then promotion rows in pk order. Budget
consumption takes promotion rows by conditional UPDATE in pk order and nothing else of ours,
so an order's submit (which holds its own rows first) and a pause can never wait in a
circle."""

from qudao.network.models import Org
from qudao.promotions.models import Promotion


def lock_seller(seller_id: int) -> Org:
    return Org.objects.select_for_update().get(pk=seller_id)


def lock_promotion(promotion: Promotion) -> Promotion:
    """The promotion row, read again under its lock (its status may have moved since)."""
    return (
        Promotion.objects.select_for_update(of=("self",))
        .select_related("seller")
        .get(pk=promotion.pk)
    )
