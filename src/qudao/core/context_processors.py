from typing import Any

from django.http import HttpRequest

from qudao.core.navigation import entries_for
from qudao.core.selectors import notification_unread_count


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page: the menu and the unread notification count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "nav_entries": []}
    return {
        "unread_notifications": notification_unread_count(actor=user),
        "nav_entries": [(e.label, e.url) for e in entries_for(user)],
    }
