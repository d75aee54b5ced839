from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from qudao.core.errors import NotFound
from qudao.core.models import Notification, OutboxEvent
from qudao.core.money import MAX_AMOUNT, format_cny, is_money, money
from qudao.core.services import notification_create, notification_mark_read


def test_money_rounds_half_up_to_cents():
    assert money("2.345") == Decimal("2.35")
    assert money("2.344") == Decimal("2.34")
    assert money("-2.345") == Decimal("-2.35")
    assert money(7) == Decimal("7.00")
    assert format_cny(Decimal("1234567.5")) == "¥1,234,567.50"


def test_money_refuses_float():
    with pytest.raises(TypeError):
        money(0.1)  # type: ignore[arg-type]


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4))
def test_money_is_within_half_a_cent(value):
    rounded = money(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= Decimal("0.005")


def _user(username: str, email: str = ""):  # type: ignore[no-untyped-def]
    # core sits below accounts: reach the user model through Django, not an import
    return get_user_model().objects.create_user(username=username, email=email)


@pytest.mark.django_db
def test_notification_once_per_event_and_by_email():
    user = _user("li", email="li@example.cn")
    other = _user("wang")
    event = OutboxEvent.objects.create(topic="x", payload={})
    assert notification_create(users=[user, other], topic="x", title="新消息", event=event) == 2
    assert notification_create(users=[user, other], topic="x", title="新消息", event=event) == 0
    assert Notification.objects.count() == 2
    assert [m.to for m in mail.outbox] == [["li@example.cn"]]
    assert mail.outbox[0].subject == "新消息"


@pytest.mark.django_db
def test_only_the_owner_marks_a_notification_read():
    owner, stranger = _user("owner"), _user("stranger")
    notification_create(users=[owner], topic="x", title="t")
    notification = Notification.objects.get()
    with pytest.raises(NotFound):
        notification_mark_read(actor=stranger, notification_id=notification.pk)
    assert Notification.objects.get().read_at is None
    notification_mark_read(actor=owner, notification_id=notification.pk)
    assert Notification.objects.get().read_at is not None


def test_is_money_never_raises_on_huge_numbers():
    """Rounding 1.8e291 to cents raised InvalidOperation in several services (500s, found by
    tests/test_api_fuzz.py): the size is checked first."""
    assert is_money(Decimal("0.01"))
    assert is_money(MAX_AMOUNT)
    assert is_money(-MAX_AMOUNT)
    assert not is_money(MAX_AMOUNT + Decimal("0.01"))
    assert not is_money(Decimal("1.8453050614640122E+291"))
    assert not is_money(Decimal("1.005"))
    assert not is_money(Decimal("Infinity"))
    assert not is_money(Decimal("NaN"))
