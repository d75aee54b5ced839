from typing import Any

from django.utils.translation import get_language
from ninja import Router, Status

from qudao.accounts import selectors, services
from qudao.accounts.models import ApiToken
from qudao.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut
from qudao.core.types import ApiRequest

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut)
def me(request: ApiRequest) -> dict[str, Any]:
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": str(user),
        "mobile": user.mobile,
        "language": get_language(),
    }


@router.get("/tokens", response=list[TokenOut])
def token_list(request: ApiRequest):  # type: ignore[no-untyped-def]
    return selectors.api_token_list_for_user(actor=request.auth)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: ApiRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, secret = services.api_token_create(actor=request.auth, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": secret})


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def token_revoke(request: ApiRequest, token_id: int) -> ApiToken:
    return services.api_token_revoke(actor=request.auth, token_id=token_id)
