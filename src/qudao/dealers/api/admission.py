"""Dealer lifecycle API: admission."""

from ninja import Router

router = Router()
