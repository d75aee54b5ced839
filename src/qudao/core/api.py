from ninja import Router
from ninja.pagination import paginate

from qudao.core import selectors, services
from qudao.core.models import Notification
from qudao.core.pagination import PageNumberPagination
from qudao.core.schemas import NotificationOut
from qudao.core.types import ApiRequest

router = Router(tags=["notifications"])


@router.get("/notifications", response=list[NotificationOut])
@paginate(PageNumberPagination)
def notification_list(request: ApiRequest, unread: bool = False):  # type: ignore[no-untyped-def]
    qs = selectors.notification_list_for_user(actor=request.auth)
    return qs.filter(read_at__isnull=True) if unread else qs


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request: ApiRequest, notification_id: int) -> Notification:
    return services.notification_mark_read(actor=request.auth, notification_id=notification_id)
