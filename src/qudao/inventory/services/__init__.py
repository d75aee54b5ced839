"""Writes of inventory. Stock changes only by appending `StockMove` rows and writing the
cached balances in the same transaction under the balance rows' locks (locks.py: documents
first, then balances in pk order, serials last); moves are never edited — a mistake is
reversed. Every write checks all its lines and serials first and writes nothing on any error.

Called by other apps (orders): `stock_reserve` / `stock_release` for order lines,
`shipment_post` (from the seller's warehouse, serials scanned; to the buyer's warehouse in
transit), `receipt_post` (into the buyer's warehouse; serials change holder),
`return_out_post` + `receipt_post` for returns, `transit_close` for shortfalls. These trust
the calling app's access check on its document; the others check the actor's stock right.

The package by sub-domain: `_common` (document and line shapes, errors, checks, `post`),
`_serials` (set-based serial writes), `warehouses`, `moves` (receipts from outside,
adjustments, consumption, customer returns, reversal), `reservations`, `transit` (transfers,
shipments, receipts, returns), `counts` and `sellout`."""

from qudao.inventory.selectors import SerialsRejected
from qudao.inventory.services._common import (
    Doc,
    InsufficientStock,
    Line,
    require_manage,
)
from qudao.inventory.services.counts import (
    count_cancel,
    count_create,
    count_enter,
    count_post,
    count_start,
)
from qudao.inventory.services.moves import (
    consumption_post,
    move_reverse,
    return_in_post,
    stock_adjust,
    stock_receive,
)
from qudao.inventory.services.reservations import stock_release, stock_reserve
from qudao.inventory.services.sellout import (
    RowProblem,
    SellOutRejected,
    SellOutRow,
    retail_sale_post,
    sellout_record,
)
from qudao.inventory.services.transit import (
    Sent,
    receipt_post,
    return_out_post,
    shipment_post,
    transfer_receive,
    transfer_send,
    transit_close,
)
from qudao.inventory.services.warehouses import (
    safety_stock_set,
    warehouse_create,
    warehouse_set_default,
    warehouse_update,
)

__all__ = [
    "Doc",
    "InsufficientStock",
    "Line",
    "RowProblem",
    "SellOutRejected",
    "SellOutRow",
    "SerialsRejected",
    "Sent",
    "consumption_post",
    "count_cancel",
    "count_create",
    "count_enter",
    "count_post",
    "count_start",
    "move_reverse",
    "receipt_post",
    "require_manage",
    "retail_sale_post",
    "return_in_post",
    "return_out_post",
    "safety_stock_set",
    "sellout_record",
    "shipment_post",
    "stock_adjust",
    "stock_receive",
    "stock_release",
    "stock_reserve",
    "transfer_receive",
    "transfer_send",
    "transit_close",
    "warehouse_create",
    "warehouse_set_default",
    "warehouse_update",
]
