"""Closing (闭户): a guided checklist (selectors.closing) and the actions that settle its
items, each through the services of the app that owns the data — finance for money, inventory
for stock and serials, network for users and the org, this app for territories. Open orders
are resolved by their buyers and sellers in orders, never from here.

Rules (BUSINESS-RULES.md "Dealer admission and grading"): closing starts from onboarding,
active or suspended and puts the `closing` ordering hold on the org at once; it completes only
when every item is done, and then the dealer and its org are closed.

Decisions where the issue is silent:
- A rebate balance is written off (the seller keeps it: rebates are a discount on later
  purchases, never owed as cash) or, when the contract says so, paid out: moved to the prepaid
  balance and refunded with it. The choice is the actor's, each time.
- Receivables may be offset from the prepaid balance of the same seller (an adjustment of the
  prepaid balance and an `offset` payment allocated to the open invoices, oldest first); what
  is left is paid by the dealer and recorded by the seller's finance.
- Stock goes back to the org's parent in the tree, into its default warehouse (or another
  active one of the parent's), as a return transit received at once: on-hand leaves the
  dealer's warehouses and the serial-tracked units change holder to the parent (status
  `returned`, sellable again). Its value is settled between them outside this step.
- Every action requires the dealer to be closing; each refusal writes nothing.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.errors import check_transition
from qudao.core.money import is_money
from qudao.core.services import audit_record, event_record
from qudao.dealers.constants import STAGE_PIPELINE, ClosingItem, Stage
from qudao.dealers.models import Dealer, Territory
from qudao.dealers.selectors.closing import closing_checklist, closing_parent
from qudao.dealers.services._common import DealerConflict, dealer_for, field_error, stage_move
from qudao.finance import services as finance
from qudao.finance.constants import Account, PaymentMethod
from qudao.finance.models import LedgerEntry, Position
from qudao.inventory import services as inventory
from qudao.inventory.constants import SHIPPABLE
from qudao.inventory.models import Serial, Stock, Transit, Warehouse
from qudao.inventory.selectors import warehouse_default_for
from qudao.network import services as network
from qudao.network.constants import Hold, OrgStatus
from qudao.network.models import Membership, Org

ZERO = Decimal("0.00")
DOC_CLOSING = "dealer_closing"
REBATE_MODES = ("write_off", "pay_out")


class ClosingItemsOpen(DealerConflict):
    """Closing cannot complete: `items` are the codes of the open checklist items."""

    code = "closing_items_open"

    def __init__(self, items: list[str]) -> None:
        self.items = items
        labels = "、".join(str(ClosingItem(code).label) for code in items)
        super().__init__(
            _("Closing cannot complete while items are open: %(items)s.") % {"items": labels},
            fields={"items": items},
        )


class NotClosing(DealerConflict):
    code = "not_closing"


class NothingToSettle(DealerConflict):
    code = "nothing_to_settle"


def _closing(actor: Any, dealer: Dealer) -> tuple[Dealer, Org]:
    """The dealer, locked, if the actor manages it and it is closing with an org."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    if dealer.stage != Stage.CLOSING:
        raise NotClosing(
            _("%(dealer)s is not closing (it is %(stage)s).")
            % {"dealer": dealer.company_name, "stage": Stage(dealer.stage).label}
        )
    if dealer.org is None:
        raise NothingToSettle(_("This dealer has no org: there is nothing to settle."))
    return dealer, dealer.org


def _record(actor: Any, dealer: Dealer, action: str, **changes: Any) -> None:
    audit_record(
        actor=actor,
        action=f"dealer.closing_{action}",
        instance=dealer,
        changes={k: [None, v] for k, v in changes.items()},
    )
    event_record(
        f"dealer.closing_{action}",
        {"dealer_id": dealer.pk, "org_id": dealer.org_id, **changes},
    )


def _memo(dealer: Dealer, memo: str) -> str:
    return (memo or "").strip() or _("Closing %(number)s") % {"number": dealer.number}


def _positions(org: Org, **balances: Any) -> list[Position]:
    return list(
        Position.objects.filter(buyer=org, **balances)
        .select_related("buyer", "seller")
        .order_by("seller__path")
    )


def _nothing(item: str) -> NothingToSettle:
    return NothingToSettle(
        _("%(item)s: nothing is left to settle.") % {"item": ClosingItem(item).label}
    )


# --- start and complete ---------------------------------------------------------------------


@transaction.atomic
def closing_start(*, actor: Any, dealer: Dealer, reason: str) -> Dealer:
    """Onboarding, active or suspended → closing, with the reason; the org gets the `closing`
    ordering hold at once, so it can place no more orders (the order gate refuses them with
    `buyer_on_hold`)."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    text = (reason or "").strip()
    if not text:
        raise field_error("reason", _("Give a reason."), "reason_required")
    stage_move(
        actor=actor, dealer=dealer, stage=Stage.CLOSING, action="closing_started", reason=text
    )
    if dealer.org is not None:
        network.org_hold(actor=actor, org=dealer.org, reason=Hold.CLOSING, on=True, note=text)
    return dealer


@transaction.atomic
def closing_complete(*, actor: Any, dealer: Dealer) -> Dealer:
    """Closing → closed, and the org closed in the network, only when every checklist item
    is done: refused with `closing_items_open` naming the open items otherwise."""
    dealer = dealer_for(actor, dealer.pk, lock=True)
    check_transition(STAGE_PIPELINE, dealer.stage, Stage.CLOSED)
    checklist = closing_checklist(dealer=dealer)
    if checklist.open_items:
        raise ClosingItemsOpen(checklist.open_items)
    stage_move(actor=actor, dealer=dealer, stage=Stage.CLOSED, action="closed")
    if dealer.org is not None:
        network.org_status_set(
            actor=actor, org=dealer.org, status=OrgStatus.CLOSED, reason=dealer.reason
        )
    return dealer


# --- money (finance checks the seller's finance right in each call) ------------------------


@transaction.atomic
def closing_receivables_offset(*, actor: Any, dealer: Dealer, memo: str = "") -> list[Any]:
    """Offset what the dealer owes each seller from its prepaid balance with that seller:
    the prepaid balance goes down by the smaller of the two (an adjustment) and an `offset`
    payment of the same amount settles the open invoices, oldest first."""
    dealer, org = _closing(actor, dealer)
    positions = _positions(org, receivable_balance__gt=0, prepaid_balance__gt=0)
    if not positions:
        raise NothingToSettle(
            _("No seller has both open receivables and a prepaid balance of this dealer.")
        )
    text, payments = _memo(dealer, memo), []
    for position in positions:
        amount = min(position.receivable_balance, position.prepaid_balance)
        finance.balance_adjust(
            actor=actor, position=position, account=Account.PREPAID, amount=-amount, reason=text
        )
        payments.append(
            finance.payment_record(
                actor=actor,
                position=position,
                amount=amount,
                method=PaymentMethod.OFFSET,
                received_on=timezone.localdate(),
                reference=dealer.number,
            )
        )
    _record(
        actor,
        dealer,
        "receivables_offset",
        amounts=[
            [p.seller.name, str(pay.amount)] for p, pay in zip(positions, payments, strict=True)
        ],
    )
    return payments


@transaction.atomic
def closing_prepaid_refund(*, actor: Any, dealer: Dealer, memo: str = "") -> list[LedgerEntry]:
    """Pay back every prepaid balance the dealer holds with its sellers (finance's refund)."""
    dealer, org = _closing(actor, dealer)
    positions = _positions(org, prepaid_balance__gt=0)
    if not positions:
        raise _nothing(ClosingItem.BALANCES)
    text = _memo(dealer, memo)
    entries = [
        finance.refund(actor=actor, position=p, amount=p.prepaid_balance, memo=text)
        for p in positions
    ]
    _record(
        actor,
        dealer,
        "prepaid_refunded",
        amounts=[[p.seller.name, str(-e.amount)] for p, e in zip(positions, entries, strict=True)],
    )
    return entries


@transaction.atomic
def closing_rebate_settle(
    *, actor: Any, dealer: Dealer, mode: str, memo: str = ""
) -> list[LedgerEntry]:
    """Settle every rebate balance: `write_off` (an adjustment to zero: the seller keeps it)
    or `pay_out` (moved to the prepaid balance and refunded with it)."""
    if mode not in REBATE_MODES:
        raise field_error("mode", _("Choose to write the rebate off or to pay it out."), "invalid")
    dealer, org = _closing(actor, dealer)
    positions = _positions(org, rebate_balance__gt=0)
    if not positions:
        raise _nothing(ClosingItem.BALANCES)
    text, entries = _memo(dealer, memo), []
    amounts = [[p.seller.name, str(p.rebate_balance)] for p in positions]
    for p in positions:
        amount = p.rebate_balance
        entries.append(
            finance.balance_adjust(
                actor=actor, position=p, account=Account.REBATE, amount=-amount, reason=text
            )
        )
        if mode == "pay_out":
            finance.balance_adjust(
                actor=actor, position=p, account=Account.PREPAID, amount=amount, reason=text
            )
            entries.append(finance.refund(actor=actor, position=p, amount=amount, memo=text))
    _record(
        actor,
        dealer,
        "rebate_settled",
        mode=mode,
        amounts=amounts,
    )
    return entries


def _penalty(value: Any) -> Decimal:
    try:
        penalty = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        penalty = Decimal("-1")
    if not is_money(penalty) or penalty < 0:
        raise field_error("penalty", _("Enter 0 or a positive amount."), "invalid_amount")
    return penalty


@transaction.atomic
def closing_deposit_refund(
    *,
    actor: Any,
    dealer: Dealer,
    penalty: Any = 0,
    seller: Org | None = None,
    memo: str = "",
) -> list[LedgerEntry]:
    """Refund the deposit net of the penalty the seller keeps: refund = balance − penalty
    (finance's deposit_refund posts both parts). A dealer with deposits at several sellers
    names the seller."""
    kept = _penalty(penalty)
    dealer, org = _closing(actor, dealer)
    positions = _positions(org, deposit_balance__gt=0)
    if seller is not None:
        positions = [p for p in positions if p.seller_id == seller.pk]
    if not positions:
        raise _nothing(ClosingItem.DEPOSIT)
    if len(positions) > 1:
        raise field_error(
            "seller",
            _("The dealer has deposits with several sellers: choose one."),
            "seller_required",
        )
    position = positions[0]
    if kept > position.deposit_balance:
        raise field_error(
            "penalty",
            _("The penalty is more than the deposit of %(balance)s."),
            "penalty_exceeds_deposit",
            balance=position.deposit_balance,
        )
    refunded = position.deposit_balance - kept
    entries = finance.deposit_refund(
        actor=actor, position=position, amount=refunded, penalty=kept, memo=_memo(dealer, memo)
    )
    _record(
        actor,
        dealer,
        "deposit_refunded",
        seller=position.seller.name,
        refund=str(refunded),
        penalty=str(kept),
    )
    return entries


# --- stock, users, territory ----------------------------------------------------------------


def _target(org: Org, warehouse: Warehouse | None) -> Warehouse:
    parent = closing_parent(org)
    if warehouse is not None:
        chosen = warehouse if parent is not None and warehouse.org_id == parent.pk else None
    else:
        chosen = warehouse_default_for(org=parent) if parent is not None else None
    if chosen is None or not chosen.is_active:
        raise field_error(
            "warehouse",
            _("Choose an active warehouse of %(parent)s to take the stock back."),
            "warehouse_required",
            parent=parent.name if parent else "—",
        )
    return chosen


@transaction.atomic
def closing_stock_transfer(
    *, actor: Any, dealer: Dealer, warehouse: Warehouse | None = None
) -> list[Transit]:
    """Take all the dealer's stock back into its parent's warehouse (default, or the one
    given): one return transit per dealer warehouse, received at once, so on-hand leaves the
    dealer and every serial-tracked unit changes holder to the parent. The stock right at
    the parent's warehouse is required; reserved stock (open orders) is refused."""
    dealer, org = _closing(actor, dealer)
    target = _target(org, warehouse)
    inventory.require_manage(actor, target)
    rows = list(
        Stock.objects.filter(warehouse__org=org, on_hand__gt=0)
        .select_related("warehouse", "sku")
        .order_by("warehouse_id", "sku_id")
    )
    if not rows:
        raise _nothing(ClosingItem.STOCK)
    reserved = sum(r.reserved for r in rows)
    if reserved:
        raise DealerConflict(
            _("%(units)s units are reserved for open orders: resolve the orders first.")
            % {"units": reserved},
            code="stock_reserved",
        )
    units: dict[tuple[int, int], list[str]] = {}
    for wh, sku, serial in (
        Serial.objects.filter(warehouse__org=org, status__in=SHIPPABLE)
        .order_by("serial")
        .values_list("warehouse_id", "sku_id", "serial")
    ):
        units.setdefault((wh, sku), []).append(serial)
    by_warehouse: dict[int, list[Stock]] = {}
    for row in rows:
        by_warehouse.setdefault(row.warehouse_id, []).append(row)
    doc = inventory.Doc(DOC_CLOSING, str(dealer.pk), dealer.number)
    transits = []
    for stocks in by_warehouse.values():
        lines = [
            inventory.Line(
                s.sku,
                s.on_hand,
                tuple(units.get((s.warehouse_id, s.sku_id), ())) if s.sku.serial_tracked else (),
            )
            for s in stocks
        ]
        transit = inventory.return_out_post(
            actor=actor, warehouse=stocks[0].warehouse, lines=lines, doc=doc, to_warehouse=target
        )
        inventory.receipt_post(actor=actor, transit=transit)
        transits.append(transit)
    _record(
        actor,
        dealer,
        "stock_transferred",
        to_warehouse=target.name,
        units=sum(r.on_hand for r in rows),
        transits=[t.number for t in transits],
    )
    return transits


@transaction.atomic
def closing_users_deactivate(*, actor: Any, dealer: Dealer) -> int:
    """Deactivate every active membership at the dealer's org (network checks the actor's
    right to manage its members); the users can no longer act for it."""
    dealer, org = _closing(actor, dealer)
    memberships = list(
        Membership.objects.filter(org=org, is_active=True).select_related("org").order_by("id")
    )
    if not memberships:
        raise _nothing(ClosingItem.USERS)
    for membership in memberships:
        network.membership_update(actor=actor, membership=membership, is_active=False)
    _record(actor, dealer, "users_deactivated", memberships=[m.pk for m in memberships])
    return len(memberships)


@transaction.atomic
def closing_territory_release(*, actor: Any, dealer: Dealer) -> int:
    """Release the dealer's territories: its exclusive rights become free for others."""
    dealer, org = _closing(actor, dealer)
    rows = list(
        Territory.objects.select_for_update()
        .filter(org=org, released_at__isnull=True)
        .order_by("pk")
    )
    if not rows:
        raise _nothing(ClosingItem.TERRITORY)
    Territory.objects.filter(pk__in=[t.pk for t in rows]).update(released_at=timezone.now())
    _record(
        actor,
        dealer,
        "territory_released",
        territories=[[t.district_id, t.category_id, t.exclusive] for t in rows],
    )
    return len(rows)
