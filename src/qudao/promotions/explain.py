"""The sentences a buyer or a seller reads about a promotion: from a stable reason code and
its parameters (numbers as strings, so results serialise as they are), translated at the
moment they are read."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qudao.core.money import format_cny
from qudao.promotions.constants import Reason


def _money(value: Any) -> str:
    return format_cny(Decimal(str(value)))


def _percent(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}%"


def benefit_text(params: dict[str, Any]) -> str:
    value = params.get("value")
    benefit = params.get("benefit")
    if benefit == "percent":
        return _("%(percent)s off") % {"percent": _percent(value)}
    if benefit == "amount":
        return _("%(amount)s off") % {"amount": _money(value)}
    if benefit == "price":
        return _("the price of %(price)s") % {"price": _money(value)}
    if benefit == "gift":
        n = int(value or 0)
        return ngettext("%(n)s free unit", "%(n)s free units", n) % {"n": n}
    if benefit == "bundle":
        return _("the set at %(price)s") % {"price": _money(value)}
    return _("the promotion")


def _missing(params: dict[str, Any]) -> str:
    basis = params.get("basis")
    missing = params.get("missing", 0)
    benefit = benefit_text(params)
    if basis == "amount":
        return _("Add %(missing)s more to get %(benefit)s.") % {
            "missing": _money(missing),
            "benefit": benefit,
        }
    if basis == "group_qty":
        return _("%(missing)s more units ordered by all participants reach %(benefit)s.") % {
            "missing": missing,
            "benefit": benefit,
        }
    return _("Add %(missing)s more to get %(benefit)s.") % {"missing": missing, "benefit": benefit}


def _starts(params: dict[str, Any]) -> str:
    when = datetime.fromisoformat(str(params.get("starts_at")))
    return _("Not started yet: starts %(when)s.") % {
        "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    }


def _other(template: str) -> Any:
    return lambda p: template % {"other": p.get("other", "")}


def _code(template: str) -> Any:
    return lambda p: template % {"code": p.get("code", "")}


def _floor(params: dict[str, Any]) -> str:
    return _("The brand's floor price of %(floor)s does not allow it.") % {
        "floor": _money(params.get("floor", "0"))
    }


def _limit(params: dict[str, Any]) -> str:
    return _("You have used coupon %(code)s %(limit)s times, the most allowed.") % {
        "code": params.get("code", ""),
        "limit": params.get("limit", 0),
    }


def message(code: str, params: dict[str, Any]) -> str:
    """The translated sentence of a reason code (or its label when it needs no numbers)."""
    builders: dict[str, Any] = {
        Reason.NOT_STARTED: _starts,
        Reason.ENDED: lambda p: _("This promotion has ended."),
        Reason.BUYER_NOT_TARGETED: lambda p: _("Only for named buyers."),
        Reason.NOT_IN_REGION: lambda p: _("Not in your region."),
        Reason.GRADE_NOT_TARGETED: lambda p: _("Not for your grade."),
        Reason.CHANNEL_NOT_TARGETED: lambda p: _("Not for your channel."),
        Reason.LEVEL_NOT_TARGETED: lambda p: _("Not for your level in the network."),
        Reason.NO_MATCHING_ITEMS: lambda p: _("No product of this promotion is in the cart."),
        Reason.BELOW_THRESHOLD: _missing,
        Reason.NEXT_TIER: _missing,
        Reason.BUDGET_EXHAUSTED: lambda p: _("The promotion's budget is exhausted."),
        Reason.QUANTITY_EXHAUSTED: lambda p: _("Sold out: the promotion's quantity is used up."),
        Reason.NO_BETTER_PRICE: lambda p: _("Your price is already as low."),
        Reason.BETTER_OFFER: _other(_("%(other)s gives a better price.")),
        Reason.EXCLUDED: _other(_("Cannot be combined with %(other)s.")),
        Reason.BELOW_FLOOR: _floor,
        Reason.COUPON_UNKNOWN: _code(_("No coupon has the code %(code)s.")),
        Reason.COUPON_NOT_FOR_YOU: _code(_("Coupon %(code)s was issued to another buyer.")),
        Reason.COUPON_USED_UP: _code(_("Coupon %(code)s has been used up.")),
        Reason.COUPON_LIMIT_REACHED: _limit,
        Reason.ONE_COUPON_PER_ORDER: _other(_("One coupon per order: %(other)s gives more.")),
    }
    build = builders.get(code)
    if build is None:
        return str(Reason(code).label) if code in Reason.values else code
    return str(build(params))
