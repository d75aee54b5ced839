"""Dealer lifecycle API: grading."""

from ninja import Router

router = Router()
