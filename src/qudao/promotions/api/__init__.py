"""The promotions JSON API: the list with filters, drafts (create, change, copy), the moves
along the pipeline, the conflict check and the usage of one promotion, its coupons, and the
seller's simulator.

Handlers find promotions through the scoped selectors (not seen: 404; seen by a targeted
buyer, who may not change it: 403) and call one service or selector with keyword arguments;
a refusal writes nothing and answers with the one error shape. SKUs, orgs in targets and
categories are named by code, as on the pages."""

from ninja import Router

from qudao.promotions.api import promotions, tools

router = Router(tags=["promotions"])
router.add_router("", tools.router)  # /promotions/simulate before /promotions/{id}
router.add_router("", promotions.router)
