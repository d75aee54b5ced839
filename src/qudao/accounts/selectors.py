from django.db.models import QuerySet

from qudao.accounts.models import ApiToken, Role, User


def api_token_list_for_user(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor)


def role_list() -> QuerySet[Role]:
    return Role.objects.all()


def role_get(*, code: str) -> Role | None:
    return Role.objects.filter(code=code).first()
