"""Dealer lifecycle API: closing."""

from ninja import Router

router = Router()
