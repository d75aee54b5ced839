"""Dealer lifecycle API: contracts."""

from ninja import Router

router = Router()
