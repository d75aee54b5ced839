"""Suspension and reinstatement: a suspended dealer cannot order (tested through the orders
services: `buyer_not_active`), reinstated it can again; refusals write nothing; the page and
the API."""

from typing import Any

import pytest
from django.utils import translation

from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.dealers.constants import Stage
from qudao.dealers.models import Dealer
from qudao.dealers.services import suspension
from qudao.dealers.tests.factories import dealer_at
from qudao.network.models import Org
from qudao.orders import services as orders
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


@pytest.fixture
def w(net, cat) -> of.World:
    return of.world(net, cat)


@pytest.fixture
def dealer(w) -> Dealer:
    """dealer1's lifecycle record, active (it orders from dist1 in the orders world)."""
    found = Dealer.objects.filter(org=w.net.dealer1).first()
    if found is not None:
        Dealer.objects.filter(pk=found.pk).update(stage=Stage.ACTIVE)
        return Dealer.objects.get(pk=found.pk)
    return dealer_at(w.net.hq, Stage.ACTIVE, org=w.net.dealer1)


def _state() -> tuple[Any, ...]:
    return (
        list(Dealer.objects.order_by("pk").values_list("pk", "stage", "reason")),
        list(Org.objects.order_by("pk").values_list("pk", "status", "holds")),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def _fresh(dealer: Dealer) -> Dealer:
    return Dealer.objects.select_related("org").get(pk=dealer.pk)


def test_a_suspended_dealer_cannot_order_until_reinstated(w, dealer, channel):
    waiting = of.draft(w)  # drafted before the suspension
    suspension.dealer_suspend(actor=channel, dealer=dealer, reason="窜货，暂停供货")
    fresh = _fresh(dealer)
    assert (fresh.stage, fresh.reason, fresh.org.status) == (
        "suspended",
        "窜货，暂停供货",
        "suspended",
    )
    before = of.state()
    with pytest.raises(Conflict) as submit:
        orders.order_submit(actor=w.buyer, order=waiting)
    assert submit.value.code == "buyer_not_active"
    with pytest.raises(Conflict) as draft:
        of.draft(w)
    assert draft.value.code == "buyer_not_active"
    assert of.state() == before

    suspension.dealer_reinstate(actor=channel, dealer=dealer, reason="已整改")
    fresh = _fresh(dealer)
    assert (fresh.stage, fresh.org.status) == ("active", "active")
    order = orders.order_submit(actor=w.buyer, order=waiting)
    assert order.status == "approved"

    assert list(
        AuditEvent.objects.filter(action__in=("dealer.suspended", "dealer.reinstated"))
        .order_by("id")
        .values_list("action", "changes")
    ) == [
        (
            "dealer.suspended",
            {"stage": ["active", "suspended"], "reason": [None, "窜货，暂停供货"]},
        ),
        ("dealer.reinstated", {"stage": ["suspended", "active"], "reason": [None, "已整改"]}),
    ]
    assert list(
        OutboxEvent.objects.filter(topic__in=("dealer.suspended", "dealer.reinstated"))
        .order_by("id")
        .values_list("topic", "payload__to")
    ) == [("dealer.suspended", "suspended"), ("dealer.reinstated", "active")]
    assert list(
        AuditEvent.objects.filter(action="org.status_changed", object_id=str(w.net.dealer1.pk))
        .order_by("id")
        .values_list("changes__status", flat=True)
    ) == [["active", "suspended"], ["suspended", "active"]]


def test_a_dealer_on_the_onboarding_hold_cannot_order(w, dealer):
    from qudao.network.services import org_hold

    org_hold(actor=None, org=w.net.dealer1, reason="onboarding", on=True)
    before = of.state()
    with pytest.raises(Conflict) as exc:
        of.draft(w)
    assert exc.value.code == "buyer_on_hold"
    assert of.state() == before


def test_suspension_refusals_write_nothing(w, dealer, channel, net):
    onboarding = dealer_at(net.hq, Stage.ONBOARDING, org=net.dealer2)
    no_org = dealer_at(net.hq, Stage.APPROVED, parent=net.dist1)
    before = _state()
    with pytest.raises(ValidationFailed) as reason:
        suspension.dealer_suspend(actor=channel, dealer=dealer, reason="  ")
    assert reason.value.code == "reason_required"
    with pytest.raises(Conflict) as not_suspended:
        suspension.dealer_reinstate(actor=channel, dealer=dealer)
    assert not_suspended.value.code == "invalid_transition"
    with pytest.raises(PermissionDenied):  # the dealer's own admin does not suspend itself
        suspension.dealer_suspend(actor=net.dealer1_admin, dealer=dealer, reason="x")
    with pytest.raises(NotFound):  # another subtree's dealer does not see it
        suspension.dealer_suspend(actor=net.dealer3_admin, dealer=dealer, reason="x")
    with pytest.raises(Conflict) as not_active:
        suspension.dealer_suspend(actor=channel, dealer=onboarding, reason="x")
    assert not_active.value.code == "invalid_transition"
    with pytest.raises(Conflict) as without:
        suspension.dealer_suspend(actor=channel, dealer=no_org, reason="x")
    assert without.value.code == "dealer_no_org"
    assert _state() == before


def test_the_region_manager_suspends_its_regions_dealers(w, dealer, net):
    suspension.dealer_suspend(actor=net.region_east, dealer=dealer, reason="逾期严重")
    assert _fresh(dealer).stage == "suspended"


def test_the_status_page(client, w, dealer, channel):
    client.force_login(channel)
    url = f"/dealers/{dealer.pk}/status/"
    page = client.get(url).content.decode()
    assert 'data-testid="suspend-submit"' in page
    refused = client.post(f"/dealers/{dealer.pk}/suspend/", {"reason": ""})
    assert refused.status_code == 400
    assert _fresh(dealer).stage == "active"
    done = client.post(f"/dealers/{dealer.pk}/suspend/", {"reason": "窜货"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="reinstate-submit"' in page
    assert 'data-testid="reason">窜货<' in page
    assert client.post(f"/dealers/{dealer.pk}/reinstate/", {"reason": ""}).status_code == 302
    assert _fresh(dealer).stage == "active"


def test_the_api(client, w, dealer, channel, net):
    client.force_login(channel)
    body = client.post(
        f"/api/v1/dealers/{dealer.pk}/suspend", {"reason": "窜货"}, content_type="application/json"
    ).json()
    assert (body["stage"], body["reason"], body["org_status"]) == ("suspended", "窜货", "suspended")
    again = client.post(
        f"/api/v1/dealers/{dealer.pk}/suspend", {"reason": "窜货"}, content_type="application/json"
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
    body = client.post(
        f"/api/v1/dealers/{dealer.pk}/reinstate", {}, content_type="application/json"
    ).json()
    assert (body["stage"], body["org_status"]) == ("active", "active")
    client.force_login(net.dealer3_admin)
    hidden = client.post(
        f"/api/v1/dealers/{dealer.pk}/suspend", {"reason": "x"}, content_type="application/json"
    )
    assert hidden.status_code == 404
