"""Dealer lifecycle API: onboarding."""

from ninja import Router

router = Router()
