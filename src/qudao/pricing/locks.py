"""Row locks of pricing, always taken in this order: the seller org, then its price lists."""

from qudao.network.models import Org


def lock_seller(seller_id: int) -> Org:
    """Serialise a seller's price-list writes, so two saves cannot both pass the tie check."""
    return Org.objects.select_for_update().get(pk=seller_id)
