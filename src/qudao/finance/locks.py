"""Row locks of finance. A write locks the position row first (one position at a time), so
two concurrent orders can never both pass a limit only one fits, and balances never race."""

from django.db import IntegrityError, transaction

from qudao.finance.models import Position
from qudao.network.models import Org


def lock_position(*, buyer: Org, seller: Org) -> Position:
    """The (buyer, seller) position, created on first use, locked until commit: one query
    when it exists (the common case, on every order)."""
    position = Position.objects.select_for_update().filter(buyer=buyer, seller=seller).first()
    if position is not None:
        return position
    try:
        with transaction.atomic():
            Position.objects.create(buyer=buyer, seller=seller)
    except IntegrityError:
        pass  # created by a concurrent transaction
    return Position.objects.select_for_update().get(buyer=buyer, seller=seller)
