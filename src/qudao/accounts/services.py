"""Writes of accounts: users, passwords, API tokens and the login log."""

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.accounts.constants import API_TOKEN_PREFIX, AuthEventKind
from qudao.accounts.models import ApiToken, AuthEvent, Role, User
from qudao.core.context import request_id_var
from qudao.core.errors import Conflict, NotFound, ValidationFailed
from qudao.core.services import audit_record


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    display_name: str = "",
    mobile: str | None = None,
    email: str = "",
) -> User:
    """Create a login. Username and mobile are unique; a password must pass the policy
    (AUTH_PASSWORD_VALIDATORS: `password_too_weak`); a missing one means unusable."""
    username = username.strip()
    if not username:
        raise ValidationFailed(fields={"username": [str(_("This field is required."))]})
    if User.objects.filter(username=username).exists():
        raise Conflict(
            _("The username %(username)s is taken."), code="username_taken", username=username
        )
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise Conflict(
            _("The mobile number %(mobile)s is taken."), code="mobile_taken", mobile=mobile
        )
    user = User(username=username, display_name=display_name, mobile=mobile or None, email=email)
    if password:
        password_policy_check(password=password, user=user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor, action="user.created", instance=user, changes={"username": [None, username]}
    )
    return user


def password_policy_check(*, password: str, user: User) -> None:
    """The password policy (settings.AUTH_PASSWORD_VALIDATORS: at least 10 characters by
    default, not like the user's name, not a common password, not all digits). Refused with
    `password_too_weak` and the validators' messages on the password field."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages), code="password_too_weak", fields={"password": exc.messages}
        ) from exc


@transaction.atomic
def user_password_change(*, actor: User, password: str) -> User:
    """Set the actor's own new password, which must pass the policy (the caller has checked
    the old one). The audit row records that it changed, never a value. The user's other
    sessions end: Django ties each to the password hash."""
    password_policy_check(password=password, user=actor)
    actor.set_password(password)
    actor.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password_changed", instance=actor)
    return actor


def auth_event_record(
    *,
    kind: str,
    user: User | None,
    login: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
) -> AuthEvent:
    """One row of the login log (logins, logouts, failures, lockouts, expired sessions)."""
    return AuthEvent.objects.create(
        kind=AuthEventKind(kind),
        user=user,
        login=(login or (user.username if user else ""))[:150],
        ip_address=ip_address or None,
        user_agent=user_agent[:255],
        request_id=request_id_var.get(),
    )


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; returns the row and the secret, which is never stored."""
    name = name.strip()[:60]
    if not name:
        raise ValidationFailed(fields={"name": [str(_("This field is required."))]})
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=secret[:10], token_hash=token_hash(secret)
    )
    audit_record(
        actor=actor, action="api_token.created", instance=token, changes={"name": [None, name]}
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", instance=token)
    return token


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user behind a token secret, or None. Records when it was last used."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def roles_sync(*, role_model: Any = None) -> int:
    """Create or update the built-in roles from ROLES (names stored in Chinese, the default)."""
    from django.utils import translation

    from qudao.accounts.constants import ROLES

    model = role_model or Role
    with translation.override("zh-hans"):
        for code, (label, kinds, permissions) in ROLES.items():
            model.objects.update_or_create(
                code=code,
                defaults={
                    "name": str(label),
                    "org_kinds": list(kinds),
                    "permissions": list(permissions),
                },
            )
    return len(ROLES)
