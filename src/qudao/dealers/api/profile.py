"""Dealer lifecycle API: profile."""

from ninja import Router

router = Router()
