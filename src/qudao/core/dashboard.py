"""Home-page widgets. Each app registers the few numbers that matter to a role today.

A widget is a function (actor) -> Widget | None; None means "not for this user".
Apps register theirs in AppConfig.ready(); the home page renders them in order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Widget:
    """A number that links to the list behind it; `chart` is an optional ECharts option."""

    title: str
    value: Any
    url: str = ""
    hint: str = ""
    order: int = 100
    chart: dict[str, Any] | None = None


WidgetFn = Callable[[Any], Widget | None]
_widgets: list[WidgetFn] = []


def register(fn: WidgetFn) -> WidgetFn:
    if fn not in _widgets:
        _widgets.append(fn)
    return fn


def widgets_for(actor: Any) -> list[Widget]:
    found = [w for fn in _widgets if (w := fn(actor)) is not None]
    return sorted(found, key=lambda w: w.order)
