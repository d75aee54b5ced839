import pytest
from django.urls import reverse

from qudao.accounts.models import ApiToken
from qudao.accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("login", ["dealer1", "13800000001"])
def test_login_with_username_or_mobile(client, net, login):
    response = client.post(
        reverse("accounts:login"), {"username": login, "password": "pass-1234-word"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    titles = [w.title for w in home.context["widgets"]]
    assert titles == [
        "我的网络中的组织",
        "待开户的意向客户",
        "待我审批的订单",
        "待收货的发货单",
        "已暂停的组织",
        "生效的价目表",
        "待审批的促销",
        "逾期应收",
        "低于安全库存",
    ]
    network = home.context["widgets"][0]
    assert network.value == 2  # the dealer and its store
    assert network.chart["yAxis"]["data"] == ["经销商", "门店"]
    assert network.chart["series"][0]["data"] == [1, 1]


def test_wrong_password_is_refused_in_chinese(client, net):
    response = client.post(
        reverse("accounts:login"), {"username": "dealer1", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_token_is_stored_hashed_and_revocable(net):
    token, secret = api_token_create(actor=net.dealer1_admin, name="ERP 同步")
    assert secret.startswith("qd_")
    assert len(secret) > 40
    row = ApiToken.objects.get(pk=token.pk)
    assert secret not in (row.token_hash, row.prefix)
    assert row.prefix == secret[:10]
    api_token_revoke(actor=net.dealer1_admin, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_profile_page_creates_and_revokes_tokens(client, net):
    client.force_login(net.dealer1_admin)
    page = client.post(reverse("accounts:profile"), {"name": "对账接口"})
    assert page.status_code == 200
    secret = page.context["new_secret"]
    assert secret.startswith("qd_")
    token = ApiToken.objects.get(user=net.dealer1_admin)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_language_switch_to_english(client, net):
    client.force_login(net.dealer1_admin)
    assert "退出" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()
