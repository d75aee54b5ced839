"""Session expiry, the password policy and the audit of access changes."""

import secrets
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.test import Client
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time

from qudao.accounts import services
from qudao.accounts.lockout import SESSION_SEEN_AT
from qudao.accounts.models import AuthEvent, Role, User
from qudao.core.errors import ValidationFailed
from qudao.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
START = "2026-11-27 09:00:00+08:00"


@pytest.fixture(autouse=True)
def _urls_loaded_before_freezegun() -> None:
    """The URLconf imports the API's pydantic schemas, which must see the real datetime."""
    reverse("accounts:login")


def _audit(**filters):  # type: ignore[no-untyped-def]
    return [
        (e.action, e.actor.username if e.actor else None, e.changes)
        for e in AuditEvent.objects.filter(**filters).order_by("id")
    ]


# --- session expiry ---------------------------------------------------------------------------


def test_a_session_ends_after_two_idle_hours(client, net):
    with freeze_time(START) as clock:
        client.force_login(net.dealer1_admin)
        clock.tick(timedelta(minutes=30))
        assert client.get(PROFILE).status_code == 200  # activity moves the idle clock
        clock.tick(timedelta(hours=2) - timedelta(seconds=1))
        assert client.get(PROFILE).status_code == 200
        clock.tick(timedelta(hours=2, seconds=1))
        expired = client.get(PROFILE)
    assert (expired.status_code, expired["Location"]) == (302, f"/accounts/login/?next={PROFILE}")
    assert "_auth_user_id" not in client.session
    assert list(AuthEvent.objects.order_by("id").values_list("kind", "user__username")) == [
        ("login", "dealer1"),
        ("session_expired", "dealer1"),
    ]


def test_a_session_ends_after_12_hours_however_busy(client, net):
    with freeze_time(START) as clock:
        client.force_login(net.dealer1_admin)
        for _ in range(11):
            clock.tick(timedelta(hours=1))
            assert client.get(PROFILE).status_code == 200
        clock.tick(timedelta(minutes=59))
        assert client.get(PROFILE).status_code == 200
        clock.tick(timedelta(minutes=2))
        assert client.get(PROFILE).status_code == 302


def test_no_idle_limit_when_set_to_zero(client, net, settings):
    settings.SESSION_IDLE_SECONDS = 0
    with freeze_time(START) as clock:
        client.force_login(net.dealer1_admin)
        clock.tick(timedelta(hours=11))
        assert client.get(PROFILE).status_code == 200


def test_activity_is_written_at_most_once_a_minute(client, net):
    with freeze_time(START) as clock:
        client.force_login(net.dealer1_admin)
        login_at = client.session[SESSION_SEEN_AT]
        clock.tick(timedelta(seconds=59))
        client.get(PROFILE)
        assert client.session[SESSION_SEEN_AT] == login_at
        clock.tick(timedelta(seconds=1))
        client.get(PROFILE)
        assert client.session[SESSION_SEEN_AT] == login_at + 60


# --- password policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("short-pw1", ["This password is too short. It must contain at least 10 characters."]),
        ("12345678901", ["This password is too common.", "This password is entirely numeric."]),
        ("wangxiaoming", ["The password is too similar to the username."]),
    ],
)
def test_user_create_refuses_a_weak_password(net, password, messages):
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=net.admin, username="wangxiaoming", password=password)
    assert exc.value.code == "password_too_weak"
    assert exc.value.fields == {"password": messages}
    assert not User.objects.filter(username="wangxiaoming").exists()


def test_the_demo_and_one_time_passwords_pass_the_policy():
    validate_password(str(django_settings.QUDAO["DEMO_PASSWORD"]), User(username="admin"))
    # the dealers' onboarding invitation: 12 random URL-safe characters
    for _ in range(200):
        validate_password(secrets.token_urlsafe(9), User(username="dl-hz-admin"))


# --- password change page ---------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(client, net):
    other = Client()
    other.force_login(net.dealer1_admin)
    client.force_login(net.dealer1_admin)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("accounts:password_change")
    page = client.get(url)
    assert "Your password must contain at least 10 characters." in page.content.decode()
    assert 'data-testid="password-change"' in client.get(PROFILE).content.decode()

    wrong = client.post(url, {"old_password": "nope", "new_password1": "x", "new_password2": "x"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["old_password"] == [
        "Your old password was entered incorrectly. Please enter it again."
    ]
    weak = client.post(
        url,
        {
            "old_password": "pass-1234-word",
            "new_password1": "bike-7781",
            "new_password2": "bike-7781",
        },
    )
    assert weak.context["form"].errors["new_password2"] == [
        "This password is too short. It must contain at least 10 characters."
    ]
    assert _audit(action="user.password_changed") == []

    new = "green-bike-7781"
    done = client.post(
        url, {"old_password": "pass-1234-word", "new_password1": new, "new_password2": new}
    )
    assert (done.status_code, done["Location"]) == (302, PROFILE)
    assert User.objects.get(pk=net.dealer1_admin.pk).check_password(new)
    assert client.get(PROFILE).status_code == 200  # still logged in here
    assert other.get(PROFILE).status_code == 302  # the other session has ended
    assert _audit(action="user.password_changed") == [("user.password_changed", "dealer1", {})]


# --- audit of access changes ------------------------------------------------------------------


def test_api_tokens_are_audited_when_created_and_revoked(net):
    token, _secret = services.api_token_create(actor=net.dealer1_admin, name="ERP 同步")
    services.api_token_revoke(actor=net.dealer1_admin, token_id=token.pk)
    services.api_token_revoke(actor=net.dealer1_admin, token_id=token.pk)  # once is enough
    assert _audit(object_type="accounts.apitoken", object_id=str(token.pk)) == [
        ("api_token.created", "dealer1", {"name": [None, "ERP 同步"]}),
        ("api_token.revoked", "dealer1", {}),
    ]


@pytest.fixture
def root(client):  # type: ignore[no-untyped-def]
    user = User.objects.create_superuser(username="root", password="root-pass-2026")
    client.force_login(user)
    return user


def test_admin_grants_of_user_flags_are_audited(client, net, root):
    user = net.dealer1_admin
    url = f"/admin/accounts/user/{user.pk}/change/"
    form = {
        "username": "dealer1",
        "display_name": user.display_name,
        "mobile": "13800000001",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "_save": "Save",
    }
    saved = client.post(url, form)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    del form["is_superuser"]
    client.post(url, form)
    assert _audit(object_type="accounts.user", object_id=str(user.pk)) == [
        ("user.updated", "root", {"is_staff": [False, True], "is_superuser": [False, True]}),
        ("user.updated", "root", {"is_superuser": [True, False]}),
    ]


def test_admin_changes_of_roles_are_audited(client, root):
    clerk = Role.objects.get(code="store_clerk")
    before = list(clerk.permissions)
    role_form = {
        "code": clerk.code,
        "name": clerk.name,
        "org_kinds": '["store"]',
        "permissions": '["network.view_org"]',
    }
    assert client.post(f"/admin/accounts/role/{clerk.pk}/change/", role_form).status_code == 302
    assert _audit(object_type="accounts.role") == [  # org kinds unchanged: not in the row
        ("role.updated", "root", {"permissions": [before, ["network.view_org"]]})
    ]
