"""The inventory JSON API: warehouses, balances, the move ledger, receipts, adjustments,
transfers and their receipt, serial checks and journeys, stock counts, sell-out and 进销存.

Each handler finds its objects through the scoped selectors (outside the actor's scope: 404)
and calls one service; the services check the stock right (403) and write all or nothing.
SKUs are named by code, as on the pages and in every spreadsheet."""

from ninja import Router

from qudao.inventory.api import reports, stock

router = Router(tags=["inventory"])
router.add_router("", stock.router)
router.add_router("", reports.router)
