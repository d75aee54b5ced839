"""The three steps of the engine (engine.py's docstring has the rules): `items` (item
prices), `orders` (order thresholds, then one coupon), on the `State` of `_state`. They never
read the database. Work grows with the lines each promotion covers, not with promotions ×
lines: the lines an offer covers are found once (engine.Coverage)."""

from qudao.promotions.stages._state import State
from qudao.promotions.stages.items import item_stage
from qudao.promotions.stages.orders import coupon_stage, order_stage

__all__ = ["State", "coupon_stage", "item_stage", "order_stage"]
