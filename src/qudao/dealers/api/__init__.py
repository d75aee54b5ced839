"""The dealer-lifecycle JSON API, one router per part of the lifecycle. Handlers find dealers
through the scoped services (not managed: 404) and call one service with keyword arguments."""

from ninja import Router

from qudao.dealers.api import admission, closing, contracts, grading, onboarding, profile

router = Router(tags=["dealers"])
for part in (admission, onboarding, closing, contracts, grading, profile):
    router.add_router("", part.router)
