"""Dealer lifecycle API: closing (闭户) — the live checklist, starting, the actions that settle
its items and completing. Every call answers the checklist as it stands afterwards."""

from decimal import Decimal
from typing import Any

from ninja import Router

from qudao.core.errors import NotFound
from qudao.core.types import ApiRequest
from qudao.dealers.schemas_closing import (
    ClosingOut,
    DepositIn,
    MemoIn,
    RebateIn,
    StartIn,
    StockIn,
)
from qudao.dealers.selectors.closing import Checklist, closing_checklist
from qudao.dealers.services import closing as services
from qudao.dealers.services._common import dealer_for
from qudao.inventory.models import Warehouse
from qudao.network.models import Org

router = Router()


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _out(checklist: Checklist) -> dict[str, Any]:
    dealer, org = checklist.dealer, checklist.org
    return {
        "dealer_id": dealer.pk,
        "number": dealer.number,
        "stage": dealer.stage,
        "org_id": dealer.org_id,
        "parent_id": checklist.parent.pk if checklist.parent else None,
        "can_complete": checklist.can_complete,
        "open_items": checklist.open_items,
        "items": [
            {
                "code": i.code,
                "label": i.label,
                "done": i.done,
                "numbers": {k: _plain(v) for k, v in i.numbers.items()},
                "who": i.who,
            }
            for i in checklist.items
        ],
        "orders": [
            {
                "id": o.pk,
                "number": o.number,
                "status": o.status,
                "side": "buyer" if org and o.buyer_id == org.pk else "seller",
                "counterpart": o.seller.name if org and o.buyer_id == org.pk else o.buyer.name,
            }
            for o in checklist.orders
        ],
        "positions": [
            {
                "seller_id": p.seller_id,
                "seller": p.seller.name,
                "receivable": p.receivable_balance,
                "prepaid": p.prepaid_balance,
                "rebate": p.rebate_balance,
                "deposit": p.deposit_balance,
            }
            for p in checklist.positions
        ],
        "parent_warehouses": [
            {"id": w.pk, "code": w.code, "name": w.name, "is_default": w.is_default}
            for w in checklist.parent_warehouses
        ],
    }


def _checklist(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    dealer = dealer_for(request.auth, dealer_id)
    return _out(closing_checklist(dealer=dealer))


@router.get("/dealers/{dealer_id}/closing", response=ClosingOut)
def closing_get(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    """The closing checklist, each item checked against the live data with its numbers and
    who resolves it. 404 outside the actor's dealers."""
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/start", response=ClosingOut)
def closing_start(request: ApiRequest, dealer_id: int, payload: StartIn) -> dict[str, Any]:
    """Onboarding, active or suspended → closing; the org may order no more
    (`buyer_on_hold`)."""
    dealer = dealer_for(request.auth, dealer_id)
    services.closing_start(actor=request.auth, dealer=dealer, reason=payload.reason)
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/receivables-offset", response=ClosingOut)
def closing_receivables_offset(
    request: ApiRequest, dealer_id: int, payload: MemoIn
) -> dict[str, Any]:
    """Offset open receivables from the prepaid balance with the same seller (the seller's
    finance right is required)."""
    dealer = dealer_for(request.auth, dealer_id)
    services.closing_receivables_offset(actor=request.auth, dealer=dealer, memo=payload.memo)
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/prepaid-refund", response=ClosingOut)
def closing_prepaid_refund(request: ApiRequest, dealer_id: int, payload: MemoIn) -> dict[str, Any]:
    """Refund every prepaid balance of the dealer (the sellers' finance right is required)."""
    dealer = dealer_for(request.auth, dealer_id)
    services.closing_prepaid_refund(actor=request.auth, dealer=dealer, memo=payload.memo)
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/rebate-settle", response=ClosingOut)
def closing_rebate_settle(request: ApiRequest, dealer_id: int, payload: RebateIn) -> dict[str, Any]:
    """Write off (`write_off`) or pay out (`pay_out`) every rebate balance of the dealer."""
    dealer = dealer_for(request.auth, dealer_id)
    services.closing_rebate_settle(
        actor=request.auth, dealer=dealer, mode=payload.mode, memo=payload.memo
    )
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/deposit-refund", response=ClosingOut)
def closing_deposit_refund(
    request: ApiRequest, dealer_id: int, payload: DepositIn
) -> dict[str, Any]:
    """Refund the deposit less `penalty` (kept by the seller): refund = balance − penalty."""
    dealer = dealer_for(request.auth, dealer_id)
    seller = None
    if payload.seller_id is not None:
        seller = Org.objects.filter(pk=payload.seller_id).first()
        if seller is None:
            raise NotFound
    services.closing_deposit_refund(
        actor=request.auth,
        dealer=dealer,
        penalty=payload.penalty,
        seller=seller,
        memo=payload.memo,
    )
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/stock-transfer", response=ClosingOut)
def closing_stock_transfer(request: ApiRequest, dealer_id: int, payload: StockIn) -> dict[str, Any]:
    """Take all stock (with its serials) back into the parent's warehouse: its default one,
    or `warehouse_id` (the stock right at the parent is required)."""
    dealer = dealer_for(request.auth, dealer_id)
    warehouse = None
    if payload.warehouse_id is not None:
        warehouse = Warehouse.objects.filter(pk=payload.warehouse_id).first()
        if warehouse is None:
            raise NotFound
    services.closing_stock_transfer(actor=request.auth, dealer=dealer, warehouse=warehouse)
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/users-deactivate", response=ClosingOut)
def closing_users_deactivate(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    """Deactivate every membership at the dealer's org."""
    dealer = dealer_for(request.auth, dealer_id)
    services.closing_users_deactivate(actor=request.auth, dealer=dealer)
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/territory-release", response=ClosingOut)
def closing_territory_release(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    """Release the dealer's territories."""
    dealer = dealer_for(request.auth, dealer_id)
    services.closing_territory_release(actor=request.auth, dealer=dealer)
    return _checklist(request, dealer_id)


@router.post("/dealers/{dealer_id}/closing/complete", response=ClosingOut)
def closing_complete(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    """Closing → closed (dealer and org) when every item is done; otherwise 409
    `closing_items_open` with the open items in `fields.items`, nothing written."""
    dealer = dealer_for(request.auth, dealer_id)
    services.closing_complete(actor=request.auth, dealer=dealer)
    return _checklist(request, dealer_id)
