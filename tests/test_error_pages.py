import pytest
from django.test import Client


@pytest.mark.django_db
def test_404_page_in_both_languages(client, net):
    client.force_login(net.dealer1_admin)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(f"/network/orgs/{net.dealer3.pk}/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_403_page_for_a_right_the_role_lacks(client, net):
    from qudao.network.tests import factories as f

    clerk = f.member(net.store1, "store_clerk", username="clerk")
    client.force_login(clerk)
    assert client.get(f"/network/orgs/{net.store1.pk}/").status_code == 200
    response = client.get(f"/network/orgs/{net.store1.pk}/edit/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.django_db
def test_500_page_is_translated_and_standalone(settings):
    from qudao.core.views import server_error

    request = Client().get("/").wsgi_request
    response = server_error(request)
    assert response.status_code == 500
    assert "系统出了点问题" in response.content.decode()
