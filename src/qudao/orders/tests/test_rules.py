"""A seller's approval rule, and the payment split's invariants."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qudao.core.errors import NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent
from qudao.orders import selectors, services
from qudao.orders.engine import payment_split

D = Decimal


@pytest.mark.django_db
def test_an_unconfigured_seller_uses_the_defaults(net):
    rule = selectors.approval_rule_for(seller=net.dist2)
    assert rule.pk is None
    assert (rule.amount_enabled, rule.discount_enabled, rule.credit_hold_enabled) == (
        False,
        False,
        False,
    )
    assert (rule.overdue_enabled, rule.first_order_enabled) == (True, True)
    assert (rule.rebate_cap_pct, rule.auto_confirm_days, rule.complete_after_days) == (
        D("30.00"),
        7,
        30,
    )


@pytest.mark.django_db
def test_the_seller_sets_its_steps_and_only_the_fields_given_change(net):
    from qudao.network.tests import factories as f

    admin = f.member(net.dist1, "dealer_admin", username="d1-admin")
    rule = services.approval_rule_set(
        actor=admin,
        seller=net.dist1,
        data={"amount_enabled": True, "amount_threshold": "50000", "rebate_cap_pct": "20"},
    )
    rule = services.approval_rule_set(actor=admin, seller=net.dist1, data={"auto_confirm_days": 3})
    assert (rule.amount_enabled, rule.amount_threshold, rule.rebate_cap_pct) == (
        True,
        D("50000.00"),
        D("20.00"),
    )
    assert rule.auto_confirm_days == 3
    changes = list(
        AuditEvent.objects.filter(action="approval_rule.updated")
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert changes[-1] == {"auto_confirm_days": [7, 3]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"amount_enabled": True}, "threshold_required"),
        ({"discount_enabled": True, "discount_threshold_pct": ""}, "threshold_required"),
        ({"discount_threshold_pct": "120"}, "invalid_percent"),
        ({"rebate_cap_pct": "-1"}, "invalid_number"),
        ({"amount_threshold": "abc"}, "invalid_number"),
        ({"auto_confirm_days": 0}, "invalid_days"),
        ({"complete_after_days": "x"}, "invalid_days"),
    ],
)
def test_bad_rules_are_refused(net, data, code):
    with pytest.raises(ValidationFailed) as err:
        services.approval_rule_set(actor=net.admin, seller=net.dist1, data=data)
    assert err.value.code == code


@pytest.mark.django_db
def test_only_the_sellers_managers_set_its_rules(net):
    with pytest.raises(PermissionDenied):  # the region manager sees dist1 but sets no rules
        services.approval_rule_set(actor=net.region_east, seller=net.dist1, data={})
    with pytest.raises(NotFound):
        services.approval_rule_set(actor=net.dealer3_admin, seller=net.dist1, data={})


cents = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@given(
    amount=cents,
    prepaid=cents,
    rebate=cents,
    cap=st.decimals(min_value=0, max_value=100, places=2),
    use=st.booleans(),
)
def test_the_split_adds_up_and_respects_every_balance_and_the_cap(
    amount, prepaid, rebate, cap, use
):
    split = payment_split(
        amount=amount,
        prepaid_balance=prepaid,
        rebate_balance=rebate,
        use_rebate=use,
        rebate_cap_pct=cap,
    )
    assert split.prepaid + split.rebate + split.credit == amount
    assert D(0) <= split.prepaid <= min(prepaid, amount)
    assert D(0) <= split.rebate <= min(rebate, amount * cap / 100)
    assert split.credit >= 0
    assert use or split.rebate == 0
    # prepaid goes first: credit is used only when the prepaid balance is spent
    assert split.credit == 0 or split.prepaid == min(prepaid, amount)
