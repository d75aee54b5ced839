"""Warehouses: several per org, one default, only orgs that hold goods, closing rules."""

import pytest

from qudao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent
from qudao.inventory import services
from qudao.inventory.models import Warehouse
from qudao.inventory.tests.factories import receive

pytestmark = pytest.mark.django_db


def test_first_warehouse_is_the_default_and_the_default_can_move(w):
    admin = w.net.dealer1_admin
    assert Warehouse.objects.get(pk=w.dealer1.pk).is_default
    assert not Warehouse.objects.get(pk=w.dealer1_back.pk).is_default
    services.warehouse_set_default(actor=admin, warehouse=w.dealer1_back)
    assert list(
        Warehouse.objects.filter(org=w.net.dealer1, is_default=True).values_list("code", flat=True)
    ) == ["DL1-BACK"]
    assert AuditEvent.objects.filter(action="warehouse.default_set").count() == 1


def test_codes_are_unique_per_org_and_regions_hold_no_goods(w):
    with pytest.raises(Conflict) as exc:
        services.warehouse_create(
            actor=w.net.dealer1_admin, org=w.net.dealer1, data={"code": "DL1-MAIN", "name": "x"}
        )
    assert exc.value.code == "warehouse_code_taken"
    with pytest.raises(ValidationFailed) as exc2:
        services.warehouse_create(
            actor=w.net.admin, org=w.net.east, data={"code": "R1", "name": "区域仓"}
        )
    assert exc2.value.code == "org_holds_no_goods"
    with pytest.raises(NotFound):
        services.warehouse_create(
            actor=w.net.dealer2_admin, org=w.net.dealer1, data={"code": "X", "name": "x"}
        )
    with pytest.raises(PermissionDenied):
        services.warehouse_create(
            actor=w.net.region_east, org=w.net.dealer1, data={"code": "X", "name": "x"}
        )


def test_closing_a_warehouse(w):
    admin = w.net.dealer1_admin
    receive(w.dealer1_back, (w.pad, 1))
    with pytest.raises(Conflict) as exc:
        services.warehouse_update(actor=admin, warehouse=w.dealer1, data={"is_active": False})
    assert exc.value.code == "warehouse_is_default"
    with pytest.raises(Conflict) as exc:
        services.warehouse_update(actor=admin, warehouse=w.dealer1_back, data={"is_active": False})
    assert exc.value.code == "warehouse_not_empty"
    services.stock_adjust(actor=admin, warehouse=w.dealer1_back, lines=[(w.pad, -1)], reason="报废")
    closed = services.warehouse_update(
        actor=admin, warehouse=w.dealer1_back, data={"is_active": False, "name": "旧后仓"}
    )
    assert (closed.is_active, closed.name) == (False, "旧后仓")
    audit = AuditEvent.objects.filter(action="warehouse.updated").get()
    assert audit.changes == {"is_active": [True, False], "name": ["迅达后仓", "旧后仓"]}
