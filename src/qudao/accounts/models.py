from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from qudao.accounts.constants import ROLES, AuthEventKind


class User(AbstractUser):
    """A person. Where they work and what they may do comes from network memberships."""

    mobile = models.CharField(_("mobile"), max_length=20, null=True, blank=True, unique=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    org_kinds = models.JSONField(_("org kinds"), default=list)
    permissions = models.JSONField(_("permissions"), default=list)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        known = ROLES.get(self.code)
        return str(known[0]) if known else self.name


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuthEvent(models.Model):
    """A login, logout, failed or refused login, or an expired session: the security log.

    Kept apart from core.AuditEvent, the trail of business changes: these rows are many, need
    no object, and are read by who and from where rather than on an object's timeline."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=16, choices=AuthEventKind.choices)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    # what was typed (a username or a mobile number), also when it matches nobody
    login = models.CharField(_("login"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("login event")
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AuthEventKind.values), name="auth_event_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.login}"
