from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from qudao.accounts.models import User
from qudao.accounts.selectors import user_for_login


class LockoutBackend(AxesStandaloneBackend):
    """First in line: refuses a username + address locked out by django-axes before any
    password is checked (qudao.accounts.lockout). Authenticates nobody itself.

    A call without a request is no web login (a script, the test client's `login`): there is
    no address to lock, so it passes on to the next backend instead of failing as axes' own
    backend does. Every login form (ours, the admin's) passes its request."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)  # type: ignore[no-any-return]


class UsernameOrMobileBackend(ModelBackend):
    """Log in with the username or the mobile number."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = user_for_login(login=username)
        if user is None:
            User().set_password(password)  # same time cost as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
