"""Money is Decimal with 2 places in CNY; rounding happens only where a rule says so."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"


def money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up. Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money() does not take float; pass Decimal, int or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# The largest single amount taken as input: a trillion yuan less a cent. Columns hold 16 digits,
# so balances still hold a hundred such amounts.
MAX_AMOUNT = Decimal("999999999999.99")


def is_money(value: Decimal) -> bool:
    """A finite amount of at most MAX_AMOUNT either way, with at most 2 decimals. The size is
    checked before rounding: `quantize` raises on very large numbers (a 500 found by fuzzing)."""
    return value.is_finite() and abs(value) <= MAX_AMOUNT and value == value.quantize(CENT)


class MoneyField(models.DecimalField):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("default", Decimal("0.00"))
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def format_cny(value: Decimal) -> str:
    return f"¥{money(value):,}"
