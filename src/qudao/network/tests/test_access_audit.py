"""Changes of who may do what: memberships (the grants of this system) and the password
policy of the users they create, through the API and the admin."""

import pytest

from qudao.accounts.models import Role, User
from qudao.core.models import AuditEvent
from qudao.network.models import Membership

pytestmark = pytest.mark.django_db


def _audit(**filters):  # type: ignore[no-untyped-def]
    return [
        (e.action, e.actor.username if e.actor else None, e.changes)
        for e in AuditEvent.objects.filter(**filters).order_by("id")
    ]


@pytest.fixture
def root(client):  # type: ignore[no-untyped-def]
    user = User.objects.create_superuser(username="root", password="root-pass-2026")
    client.force_login(user)
    return user


def test_a_new_member_with_a_weak_password_is_refused_by_the_api(client, net):
    client.force_login(net.dealer1_admin)
    before = (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    body = {
        "org_id": net.store1.pk,
        "role": "store_clerk",
        "new_user": {"username": "clerk9", "display_name": "李四", "password": "123456789"},
    }
    response = client.post(
        "/api/v1/memberships", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "password_too_weak"
    assert error["fields"] == {
        "password": [
            "This password is too short. It must contain at least 10 characters.",
            "This password is too common.",
            "This password is entirely numeric.",
        ]
    }
    assert (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count()) == before


def test_admin_changes_of_memberships_are_audited(client, net, root):
    clerk = Role.objects.get(code="store_clerk")
    added = client.post(
        "/admin/network/membership/add/",
        {"user": net.dealer2_admin.pk, "org": net.store1.pk, "role": clerk.pk, "is_active": "on"},
    )
    assert added.status_code == 302
    membership = Membership.objects.get(user=net.dealer2_admin, org=net.store1)
    change = f"/admin/network/membership/{membership.pk}/change/"
    client.post(change, {"user": net.dealer2_admin.pk, "org": net.store1.pk, "role": clerk.pk})
    client.post(f"/admin/network/membership/{membership.pk}/delete/", {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _audit(object_type="network.membership", object_id=str(membership.pk)) == [
        (
            "membership.created",
            "root",
            {
                "user": [None, str(net.dealer2_admin)],
                "org": [None, "杭州西湖门店"],
                "role": [None, str(clerk)],
                "is_active": [None, True],
            },
        ),
        ("membership.updated", "root", {"is_active": [True, False]}),
        ("membership.deleted", "root", {}),
    ]
