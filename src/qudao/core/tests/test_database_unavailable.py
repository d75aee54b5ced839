"""The database out of reach: requests fail cleanly with 503 and a clear message, never a
500 page or a half-answer (issue 9, faults)."""

import json
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from qudao.core.views import server_error

DOWN = OperationalError('connection to server at "localhost" failed: Connection refused')


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def test_api_answers_503_in_the_error_shape_when_the_database_is_down(client):
    with mock.patch("qudao.accounts.middleware.api_token_authenticate", side_effect=DOWN):
        response = client.get(
            "/api/v1/orders", HTTP_AUTHORIZATION="Bearer qd_x", HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == {
        "error": {
            "code": "service_unavailable",
            "message": "The service is briefly unavailable: its database cannot be reached. "
            "Nothing was saved; please try again in a moment.",
            "fields": {},
        }
    }


def test_the_message_is_translated(client):
    with mock.patch("qudao.accounts.middleware.api_token_authenticate", side_effect=DOWN):
        response = client.get(
            "/api/v1/orders", HTTP_AUTHORIZATION="Bearer qd_x", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

    assert response.status_code == 503
    body = json.loads(response.content)["error"]
    assert body["code"] == "service_unavailable"
    assert body["message"] == "服务暂时不可用：无法连接数据库。本次操作未保存任何内容，请稍后重试。"


def test_a_page_answers_503_in_plain_text_when_the_connection_is_lost(rf):
    request = rf.get("/orders/")
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        response = server_error(request)

    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "database" in response.content.decode() or "数据库" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_stay_500(rf):
    request = rf.get("/orders/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
