"""Login lockout (django-axes behind LockoutBackend) and the login log (AuthEvent)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.urls import reverse
from freezegun import freeze_time

from qudao.accounts.models import AuthEvent, User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "pass-1234-word"  # the factories' password
START = "2026-11-27 09:00:00+08:00"


@pytest.fixture(autouse=True)
def _urls_loaded_before_freezegun() -> None:
    """The URLconf imports the API's pydantic schemas, which must see the real datetime."""
    reverse("accounts:login")


@pytest.fixture
def english(client, settings):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _post(client, login, password, ip="10.0.0.1", url=LOGIN):  # type: ignore[no-untyped-def]
    return client.post(url, {"username": login, "password": password}, REMOTE_ADDR=ip)


def _log() -> list[tuple[str, str | None, str, str | None]]:
    return [
        (e.kind, e.user.username if e.user else None, e.login, e.ip_address)
        for e in AuthEvent.objects.order_by("id")
    ]


def _locked(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response.context["locked_out"] in response.content.decode()
    assert 'data-testid="login-locked"' in response.content.decode()
    return str(response.context["locked_out"])


def test_five_failures_lock_the_username_at_that_address_for_15_minutes(client, net, english):
    with freeze_time(START) as clock:
        for _ in range(4):
            refused = _post(client, "dealer1", "wrong-password")
            assert refused.status_code == 200
            assert 'data-testid="login-error"' in refused.content.decode()
        fifth = _post(client, "dealer1", "wrong-password")
        assert _locked(fifth) == "Too many failed attempts. Try again in 15 minutes."
        assert fifth.context["form"]["username"].value() == "dealer1"

        clock.tick(timedelta(minutes=6))  # the right password does not help while locked
        right = _post(client, "dealer1", PASSWORD)
        assert _locked(right) == "Too many failed attempts. Try again in 9 minutes."
        assert "_auth_user_id" not in client.session

        elsewhere = _post(client, "dealer1", PASSWORD, ip="10.0.0.2")  # another address
        assert (elsewhere.status_code, elsewhere["Location"]) == (302, "/")
        client.post(reverse("accounts:logout"), REMOTE_ADDR="10.0.0.2")

        clock.tick(timedelta(minutes=9, seconds=1))  # 15 minutes after the fifth failure
        back = _post(client, "dealer1", PASSWORD)
        assert (back.status_code, back["Location"]) == (302, "/")
    assert not AccessAttempt.objects.exists()  # a success clears the count
    assert _log() == [
        *[("login_failed", "dealer1", "dealer1", "10.0.0.1")] * 4,
        ("locked_out", "dealer1", "dealer1", "10.0.0.1"),
        ("login_refused", "dealer1", "dealer1", "10.0.0.1"),
        ("login", "dealer1", "dealer1", "10.0.0.2"),
        ("logout", "dealer1", "dealer1", "10.0.0.2"),
        ("login", "dealer1", "dealer1", "10.0.0.1"),
    ]


def test_the_lockout_message_is_chinese_by_default(client, net, settings):
    settings.AXES_FAILURE_LIMIT = 1
    assert (
        _locked(_post(client, "dealer1", "wrong-password"))
        == "登录失败次数过多，请 15 分钟后再试。"
    )


def test_mobile_number_and_username_count_as_one(client, net, english):
    for login in ["dealer1", "13800000001", "dealer1", "13800000001"]:
        assert _post(client, login, "wrong-password").status_code == 200
    _locked(_post(client, "13800000001", "wrong-password"))
    _locked(_post(client, "dealer1", PASSWORD))
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        ("dealer1", "10.0.0.1")
    ]
    assert [kind for kind, *_ in _log()] == [*["login_failed"] * 4, "locked_out", "login_refused"]
    assert {login for _, _, login, _ in _log()} == {"dealer1", "13800000001"}


def test_unknown_names_are_logged_and_locked_too(client, net, english, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    assert _post(client, "nobody", "x-password-1").status_code == 200
    assert _locked(_post(client, "nobody", "x-password-2")) == (
        "Too many failed attempts. Try again in 1 minute."
    )
    assert _post(client, "dealer1", PASSWORD).status_code == 302  # other names are not locked
    assert _log() == [
        ("login_failed", None, "nobody", "10.0.0.1"),
        ("locked_out", None, "nobody", "10.0.0.1"),
        ("login", "dealer1", "dealer1", "10.0.0.1"),
    ]


def test_the_admin_login_is_behind_the_same_lock(client, net, english):
    User.objects.create_superuser(username="root", password="root-pass-2026")
    for _ in range(4):
        assert _post(client, "root", "wrong-password", url="/admin/login/").status_code == 200
    _locked(_post(client, "root", "wrong-password", url="/admin/login/"))
    _locked(_post(client, "root", "root-pass-2026", url="/admin/login/"))
    _locked(_post(client, "root", "root-pass-2026"))  # and on our page
    assert "_auth_user_id" not in client.session


def test_a_success_resets_the_count(client, net):
    for _ in range(4):
        _post(client, "dealer1", "wrong-password")
    assert _post(client, "dealer1", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.0.0.1")
    for _ in range(4):
        assert _post(client, "dealer1", "wrong-password").status_code == 200


def test_authenticate_without_a_request_is_no_web_login(net):
    """Scripts and the test client's login() pass no request: there is no address to lock,
    so the lock does not apply; a failure is still logged, without an address."""
    AccessAttempt.objects.create(
        username="dealer1",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=99,
        get_data="",
        post_data="",
        http_accept="",
        path_info=LOGIN,
    )
    assert authenticate(username="dealer1", password=PASSWORD) == net.dealer1_admin
    assert authenticate(username="dealer1", password="wrong-password") is None
    assert _log() == [("login_failed", "dealer1", "dealer1", None)]
