"""Main navigation entries, registered by each app (like dashboard widgets) and filtered by
what the user may do, so the menu is role-aware without the shell knowing the apps."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    label: Any
    url_name: str
    visible: Callable[[Any], bool]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_entries: list[NavEntry] = []


def register(entry: NavEntry) -> NavEntry:
    if entry not in _entries:
        _entries.append(entry)
    return entry


def entries_for(actor: Any) -> list[NavEntry]:
    return sorted((e for e in _entries if e.visible(actor)), key=lambda e: e.order)
