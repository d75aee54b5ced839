from django.db.models import Q, QuerySet

from qudao.accounts.models import ApiToken, Role, User


def api_token_list_for_user(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor)


def role_list() -> QuerySet[Role]:
    return Role.objects.all()


def role_get(*, code: str) -> Role | None:
    return Role.objects.filter(code=code).first()


def user_for_login(*, login: str) -> User | None:
    """The user a login form's "username or mobile" names (the oldest, should both match)."""
    login = login.strip()
    if not login:
        return None
    return User.objects.filter(Q(username=login) | Q(mobile=login)).order_by("id").first()
