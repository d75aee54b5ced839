"""Template helpers of the catalogue pages."""

from typing import Any

from django import template

from qudao.catalog.rules import format_pairs

register = template.Library()


@register.filter
def pairs(value: dict[str, Any] | None) -> str:
    return format_pairs(value).replace(";", "；")
