import json

import pytest

from qudao.accounts.services import api_token_create
from qudao.core.models import AuditEvent
from qudao.network.models import Membership, Org, SupplyLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, net):
    """An API client authenticated with dealer1's admin personal token."""
    _token, secret = api_token_create(actor=net.dealer1_admin, name="ERP")

    def call(method, url, body=None, **headers):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {secret}", **headers}
        if body is not None:
            kwargs.update(
                data=body if isinstance(body, str | bytes) else json.dumps(body),
                content_type="application/json",
            )
        return getattr(client, method)(f"/api/v1{url}", **kwargs)

    return call


def test_org_list_is_scoped_and_paginated(api, net):
    response = api("get", "/orgs?page_size=1")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [o["code"] for o in response.json()["items"]] == ["DL-HZ1"]
    page2 = api("get", "/orgs?page_size=1&page=2").json()
    assert [o["code"] for o in page2["items"]] == ["S-HZ1"]
    assert page2["items"][0]["parent_id"] == net.dealer1.pk


def test_org_list_filters(client, net):
    client.force_login(net.admin)
    codes = lambda q: [o["code"] for o in client.get(f"/api/v1/orgs?{q}").json()["items"]]  # noqa: E731
    assert codes("q=gzxl") == ["DL-GZ1"]
    assert codes("kind=region") == ["R-EAST", "R-SOUTH"]
    assert codes(f"parent={net.dist1.pk}") == ["DL-HZ1", "DL-NB1"]
    assert codes("q=杭州&kind=distributor") == ["D-HZ"]


def test_org_create_and_update_through_api(api, net):
    response = api(
        "post",
        "/orgs",
        {
            "parent_id": net.dealer1.pk,
            "code": "S-HZ2",
            "name": "杭州滨江门店",
            "kind": "store",
            "district": "330108",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["province"], body["city"], body["district"]) == ("33", "3301", "330108")
    assert body["parent_id"] == net.dealer1.pk
    patched = api("patch", f"/orgs/{body['id']}", {"grade": "A", "contact_phone": "0571-8888"})
    assert patched.status_code == 200
    assert (patched.json()["grade"], patched.json()["contact_phone"]) == ("A", "0571-8888")
    actions = list(
        AuditEvent.objects.filter(object_id=str(body["id"]), object_type="network.org")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["org.created", "org.updated"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "malformed_request"),
        (
            {"parent_id": 0, "code": "X", "name": "X", "kind": "store", "colour": "red"},
            422,
            "unknown_fields",
        ),
        ({"code": "X", "name": "X", "kind": "store"}, 422, "invalid"),
        (
            {
                "parent_id": "{dealer1}",
                "code": "X",
                "name": "X",
                "kind": "store",
                "uscc": "91330106MA2B0CDE0X",
            },
            400,
            "invalid_uscc",
        ),
        (
            {"parent_id": "{dealer1}", "code": "DL-NB1", "name": "X", "kind": "store"},
            409,
            "org_code_taken",
        ),
        ({"parent_id": "{dealer3}", "code": "X", "name": "X", "kind": "store"}, 404, "not_found"),
    ],
)
def test_bad_input_gets_stable_code_and_writes_nothing(api, net, body, status, code):
    if isinstance(body, dict):
        body = {
            k: (getattr(net, v[1:-1]).pk if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()
        }
    before = (Org.objects.count(), AuditEvent.objects.count())
    response = api("post", "/orgs", body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert (Org.objects.count(), AuditEvent.objects.count()) == before


def test_unknown_field_is_named(api, net):
    response = api(
        "post",
        "/orgs",
        {"parent_id": net.dealer1.pk, "code": "X", "name": "X", "kind": "store", "colour": "red"},
    )
    assert response.json()["error"]["fields"] == {"colour": ["未知字段。"]}


def test_oversize_payload_is_refused(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api("post", "/orgs", {"name": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_idempotency_key_replays_first_response(api, net):
    body = {"parent_id": net.dealer1.pk, "code": "S-IDEM", "name": "幂等门店", "kind": "store"}
    first = api("post", "/orgs", body, HTTP_IDEMPOTENCY_KEY="k-1")
    second = api("post", "/orgs", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Org.objects.filter(code="S-IDEM").count() == 1
    other = api("post", "/orgs", {**body, "name": "别的"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Org.objects.get(code="S-IDEM").name == "幂等门店"


def test_memberships_and_supply_links_api(api, net):
    created = api(
        "post",
        "/memberships",
        {
            "org_id": net.store1.pk,
            "role": "store_clerk",
            "new_user": {
                "username": "clerk9",
                "display_name": "李四",
                "mobile": "13700000009",
                "password": "pass-1234-word",
            },
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["role"] == "store_clerk"
    listed = api("get", f"/memberships?org={net.store1.pk}").json()
    assert [m["username"] for m in listed["items"]] == ["clerk9"]
    off = api("patch", f"/memberships/{created.json()['id']}", {"is_active": False})
    assert off.json()["is_active"] is False
    assert Membership.objects.get(pk=created.json()["id"]).is_active is False

    link = api("post", "/supply-links", {"buyer_id": net.store1.pk, "seller_id": net.dealer1.pk})
    assert link.status_code == 201, link.content
    assert link.json()["kind"] == "goods"
    cycle = api("post", "/supply-links", {"buyer_id": net.dealer1.pk, "seller_id": net.store1.pk})
    assert cycle.status_code == 400
    assert cycle.json()["error"]["code"] in {"seller_not_selling", "supply_link_cycle"}
    assert SupplyLink.objects.count() == 1


def test_revoked_or_bad_token_is_401(client, net):
    token, secret = api_token_create(actor=net.dealer1_admin, name="t")
    ok = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ok.json()["username"] == "dealer1"
    client.post(f"/accounts/tokens/{token.pk}/revoke/")  # anonymous: redirected, not revoked
    from qudao.accounts.services import api_token_revoke

    api_token_revoke(actor=net.dealer1_admin, token_id=token.pk)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_session_api_post_needs_csrf(net):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(net.dealer1_admin)
    response = client.post(
        "/api/v1/tokens", data=json.dumps({"name": "x"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_org_list_query_count_does_not_grow(client, net, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qudao.network.tests import factories as f

    client.force_login(net.admin)
    client.get("/api/v1/orgs")  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/orgs")
    few = len(ctx.captured_queries)
    assert few <= 6
    for i in range(15):
        f.org(net.dealer2, "store", code=f"S-X{i}")
    with django_assert_num_queries(few):
        client.get("/api/v1/orgs")


def test_openapi_docs_are_served_without_a_cdn(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/orgs", "/api/v1/memberships", "/api/v1/supply-links"} <= set(schema["paths"])
