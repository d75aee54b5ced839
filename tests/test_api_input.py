"""Hostile input every endpoint shares: page numbers, ids, days, NUL characters, URLs no route
matches, and the schema that documents the answers. Each was a 500 or a schema violation found
by tests/test_api_fuzz.py; the input types themselves: src/qudao/core/tests/test_input_types.py."""

import json

import pytest
from ninja import Schema

from qudao.accounts.services import api_token_create
from qudao.core.models import AuditEvent
from qudao.core.pagination import MAX_PAGE
from qudao.core.schemas import MAX_ID
from qudao.network.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, net):
    """dealer1's admin, with a personal token."""
    _token, secret = api_token_create(actor=net.dealer1_admin, name="ERP")

    def call(method, url, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        if body is not None:
            raw = body if isinstance(body, str) else json.dumps(body)
            kwargs.update(data=raw, content_type="application/json")
        return getattr(client, method)(f"/api/v1{url}", **kwargs)

    return call


def _fields(response):
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    return error["fields"]


@pytest.mark.parametrize(
    "url", ["/orgs", "/supply-links", "/orders", "/warehouses", "/dealers/documents", "/positions"]
)
def test_a_page_far_past_the_end_is_invalid_input(api, url):
    """It overflowed the database's OFFSET: SQLite's 'datatype mismatch', a 500."""
    assert list(_fields(api("get", f"{url}?page=96433204834261808"))) == ["page"]


def test_the_last_allowed_page_is_simply_empty(api):
    response = api("get", f"/orgs?page={MAX_PAGE}")
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["count"] == 2


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/dealers/documents?org=1914425969102799763406848", "org"),
        ("/warehouses?org=-1214562597923220094976", "org"),
        ("/counts?warehouse=56398658306909436038211707250956828672", "warehouse"),
        ("/orders?seller=57781225012767472549363712", "seller"),
        ("/orgs?parent=-9223372036854775809", "parent"),
    ],
)
def test_an_id_filter_out_of_range_is_invalid_input(api, url, field):
    """Past 64 bits SQLite cannot compare it with a key: OverflowError, a 500."""
    assert list(_fields(api("get", url))) == [field]


def test_the_largest_id_finds_nothing(api):
    response = api("get", f"/warehouses?org={MAX_ID}")
    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_nul_characters_are_refused_in_query_and_body(api, net):
    """PostgreSQL refuses NUL in any text, even in a WHERE clause: DataError, a 500."""
    assert list(_fields(api("get", "/orgs?q=%00DL"))) == ["q"]
    before = (list(Org.objects.values_list("pk", "name")), AuditEvent.objects.count())
    body = {"name": "迅达\x00", "address": "x"}
    assert list(_fields(api("patch", f"/orgs/{net.dealer1.pk}", body))) == ["name"]
    quote = {"seller_id": net.dist1.pk, "buyer_id": net.dealer1.pk, "lines": [{"sku_code": "\x00"}]}
    assert list(_fields(api("post", "/pricing/quote", quote))) == ["lines.0.sku_code"]
    assert (list(Org.objects.values_list("pk", "name")), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("url", ["/serials/OP%0A%2B/journey", "/no-such-route"])
def test_an_api_url_no_route_matches_answers_in_the_error_shape(api, url):
    """A line break in a serial made no route match: Django's HTML 404, not the API's JSON."""
    response = api("get", url)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_malformed_json_is_still_a_400(api, net):
    response = api("patch", f"/orgs/{net.dealer1.pk}", "{not json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_request")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/orders?since=0001-01-01", "since"),
        ("/moves?until=9999-12-31", "until"),
        ("/sellout?since=1899-12-31", "since"),
    ],
)
def test_a_day_outside_1900_to_2999_is_invalid_input(api, url, field):
    """0001-01-01 compared with a moment overflowed on its way to UTC (SQLite): a 500."""
    assert list(_fields(api("get", url))) == [field]


def test_days_inside_the_range_filter(api):
    assert api("get", "/orders?since=1900-01-01&until=2999-12-31").status_code == 200


def test_every_operation_documents_the_error_shape(client):
    schema = client.get("/api/v1/openapi.json").json()
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    for methods in schema["paths"].values():
        for operation in methods.values():
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


def test_api_schema_names_are_unique():
    """Schemas share one namespace in the OpenAPI document: a second `TargetOut` silently
    replaced the first, and promotions and dealer closing answered against the wrong one."""
    import qudao.api  # noqa: F401  (every router and its schemas loaded)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(Schema) if c.__module__.startswith("qudao.")]
    ours = [c for c in ours if ".tests." not in c.__module__]
    seen: dict[str, str] = {}
    for cls in ours:
        where = f"{cls.__module__}.{cls.__qualname__}"
        assert seen.setdefault(cls.__name__, where) == where, f"{where} and {seen[cls.__name__]}"
