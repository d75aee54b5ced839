"""The orders JSON API: drafts, the preview, submit and approval, cancelling and reordering,
the approvers' inbox, shipments and receipts, returns and exchanges, the sellers' approval
rules.

Each handler finds its objects through the scoped selectors (outside the actor's scope: 404;
in scope without an order right: 403) and calls one service with keyword arguments; the
services check the right on the right side and write all or nothing. SKUs are named by code
in every body, as on the pages and in every spreadsheet."""

from ninja import Router

from qudao.orders.api import fulfilment, orders

router = Router(tags=["orders"])
router.add_router("", orders.router)
router.add_router("", fulfilment.router)
