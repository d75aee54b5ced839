"""Drafts and the pipeline: every refusal with its code and nothing written; audit rows and
events; pause, end, copy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qudao.core.errors import InvalidTransition, NotFound, PermissionDenied
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.promotions import services
from qudao.promotions.models import Promotion, PromotionProduct, PromotionTarget
from qudao.promotions.tests.factories import live, promo

pytestmark = pytest.mark.django_db


def _state():
    return (
        Promotion.objects.count(),
        PromotionTarget.objects.count(),
        PromotionProduct.objects.count(),
        AuditEvent.objects.filter(object_type="promotions.promotion").count(),
        OutboxEvent.objects.filter(topic__startswith="promotion.").count(),
        list(Promotion.objects.values_list("status", "name").order_by("pk")),
    )


def _data(cat, **extra):
    return {
        "name": "春季特价",
        "kind": "special_price",
        "rules": {"prices": {str(cat["grey"].pk): "1999.00"}},
        "starts_at": timezone.now(),
        **extra,
    }


def test_create_writes_the_draft_its_rows_audit_and_event(world, cat):
    p = services.promotion_create(
        actor=world.marketer,
        seller=world.dist1,
        data=_data(
            cat,
            targets=[
                {"kind": "grade", "value": "A"},
                {"kind": "grade", "value": "B"},
                {"kind": "region", "region": world.dealer1.pk},  # a subtree in its network
                {"kind": "division", "value": "33"},
                {"kind": "buyer", "buyer": world.dealer1},
            ],
            sku_ids=[cat["pad"].pk],  # ignored: a special price's SKUs are its prices'
        ),
    )
    assert p.status == "draft"
    assert p.number.startswith("PM-")
    assert p.exclusive is False and p.all_buyers is False and p.all_products is False
    assert list(p.products.values_list("sku_id", flat=True)) == [cat["grey"].pk]
    assert sorted(p.targets.values_list("kind", "value")) == [
        ("buyer", ""),
        ("division", "33"),
        ("grade", "A"),
        ("grade", "B"),
        ("region", ""),
    ]
    audit = AuditEvent.objects.get(action="promotion.created")
    assert audit.object_id == str(p.pk)
    assert audit.changes["status"] == [None, "draft"]
    assert audit.changes["sku_ids"] == [None, [cat["grey"].pk]]
    assert OutboxEvent.objects.filter(
        topic="promotion.created", payload__promotion_id=p.pk
    ).exists()


@pytest.mark.parametrize(
    "case",
    [
        (
            {"kind": "percent_off", "rules": {"percent": "120"}, "sku_ids": "grey"},
            "promotion_percent_invalid",
            "A percentage must be more than 0 and at most 100.",
        ),
        (
            {"ends_at": "-1d"},
            "promotion_window_invalid",
            "The end must come after the start.",
        ),
        (
            {
                "kind": "buy_x_get_y",
                "rules": {"buy_qty": 5, "gift": {"sku_id": "white", "qty": 1}},
                "sku_ids": "grey",
            },
            "promotion_gift_not_sellable",
            "Gift SKU TB-S1-WHT is not on sale.",
        ),
        (
            {"kind": "percent_off", "rules": {"percent": "10"}},
            "promotion_products_required",
            "Choose the products this promotion is for.",
        ),
        (
            {
                "kind": "tier_price",
                "rules": {"tiers": [{"min_qty": 5, "price": "1"}]},
                "sku_ids": "both",
            },
            "promotion_tier_price_one_sku",
            "Tier prices are for one SKU; use percentages for several.",
        ),
        (
            {"kind": "flash_sale", "ends_at": "+1d"},
            "promotion_flash_sale_needs_cap",
            "A flash sale needs a quantity cap.",
        ),
        (
            {"floor_exempt": True},
            "promotion_floor_exempt_brand_only",
            "Only the brand may run a promotion below its floor prices.",
        ),
        (
            {"targets": [{"kind": "buyer", "buyer": "dealer3"}]},
            "promotion_target_invalid",
            "A target is not valid.",
        ),
        (
            {"targets": [{"kind": "division", "value": "99"}]},
            "promotion_target_invalid",
            "A target is not valid.",
        ),
        (
            {"kind": "threshold_amount_off", "rules": {"tiers": [{"threshold": "100"}]}},
            "promotion_rules_invalid",
            "The rules are not valid: rules.tiers.0.amount: Field required",
        ),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_written(world, cat, en, case):
    change, code, message = case
    data = _data(cat, **change)
    if data.get("ends_at") == "-1d":
        data["ends_at"] = data["starts_at"] - timedelta(days=1)
    elif data.get("ends_at") == "+1d":
        data["ends_at"] = data["starts_at"] + timedelta(days=1)
    sku_ids = {"grey": [cat["grey"].pk], "both": [cat["grey"].pk, cat["pad"].pk]}
    if "sku_ids" in data:
        data["sku_ids"] = sku_ids[data["sku_ids"]]
    gift = data["rules"].get("gift")
    if gift:
        gift["sku_id"] = cat[gift["sku_id"]].pk
    for target in data.get("targets", []):
        if target.get("buyer") == "dealer3":
            target["buyer"] = world.dealer3.pk
    before = _state()
    with pytest.raises(services.PromotionInvalid) as exc:
        services.promotion_create(actor=world.marketer, seller=world.dist1, data=data)
    assert exc.value.code == code
    assert exc.value.message == message
    assert _state() == before


def test_overlapping_exclusive_promotions_are_refused(world, cat, en):
    first = live(
        world.dist1,
        "special_price",
        {"prices": {str(cat["grey"].pk): "1999"}},
        exclusive=True,
        name="整车特价",
        targets=[{"kind": "grade", "value": "B"}],
    )
    before = _state()
    with pytest.raises(services.ExclusiveOverlap) as exc:
        services.promotion_create(
            actor=world.marketer,
            seller=world.dist1,
            data=_data(cat, exclusive=True, targets=[{"kind": "region", "region": world.dist1.pk}]),
        )
    assert exc.value.code == "promotion_exclusive_overlap"
    assert first.number in exc.value.message
    assert _state() == before
    # other buyers, another step or stackable: fine
    services.promotion_create(
        actor=world.marketer,
        seller=world.dist1,
        data=_data(cat, exclusive=True, targets=[{"kind": "grade", "value": "A"}]),
    )
    services.promotion_create(actor=world.marketer, seller=world.dist1, data=_data(cat))
    assert Promotion.objects.count() == 3


def test_only_managers_of_the_seller_may_write(world, cat):
    before = _state()
    with pytest.raises(NotFound):  # dist1 is outside a dealer's network
        services.promotion_create(actor=world.dealer1_admin, seller=world.dist1, data=_data(cat))
    with pytest.raises(PermissionDenied):  # in scope, without the permission
        services.promotion_create(actor=world.region_east, seller=world.dist1, data=_data(cat))
    assert _state() == before


def test_the_pipeline_with_its_audit_trail(world, cat):
    actor = world.marketer
    p = promo(world.dist1, "special_price", {"prices": {str(cat["grey"].pk): "1999"}}, actor=actor)
    p = services.promotion_update(
        actor=actor, promotion=p, data={"name": "春季特价 2", "priority": 3}
    )
    p = services.promotion_submit(actor=actor, promotion=p)
    with pytest.raises(services.PromotionNotEditable) as exc:
        services.promotion_update(actor=actor, promotion=p, data={"name": "x"})
    assert exc.value.code == "promotion_not_editable"
    p = services.promotion_reject(actor=world.admin, promotion=p, comment="价格太低")
    assert p.status == "draft" and p.decision_comment == "价格太低"
    p = services.promotion_submit(actor=actor, promotion=p)
    p = services.promotion_approve(actor=world.admin, promotion=p, comment="ok")
    p = services.promotion_publish(actor=actor, promotion=p)
    assert p.status == "live" and p.published_at is not None
    with pytest.raises(InvalidTransition):
        services.promotion_submit(actor=actor, promotion=p)
    p = services.promotion_pause(actor=actor, promotion=p)
    p = services.promotion_resume(actor=actor, promotion=p)
    p = services.promotion_end(actor=actor, promotion=p)
    with pytest.raises(InvalidTransition):
        services.promotion_resume(actor=actor, promotion=p)
    actions = list(
        AuditEvent.objects.filter(object_type="promotions.promotion", object_id=str(p.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "promotion.created",
        "promotion.updated",
        "promotion.submitted",
        "promotion.rejected",
        "promotion.submitted",
        "promotion.approved",
        "promotion.published",
        "promotion.paused",
        "promotion.resumed",
        "promotion.ended",
    ]
    updated = AuditEvent.objects.get(action="promotion.updated")
    assert updated.changes == {
        "name": ["special_price promotion", "春季特价 2"],
        "priority": [0, 3],
    }
    assert OutboxEvent.objects.filter(topic="promotion.ended").count() == 1


def test_a_rejection_needs_a_reason(world, cat):
    p = services.promotion_submit(
        actor=world.marketer,
        promotion=promo(world.dist1, "special_price", {"prices": {str(cat["grey"].pk): "1"}}),
    )
    with pytest.raises(services.PromotionInvalid) as exc:
        services.promotion_reject(actor=world.admin, promotion=p, comment=" ")
    assert exc.value.code == "comment_required"
    p.refresh_from_db()
    assert p.status == "submitted"


def test_a_passed_window_cannot_go_live(world, cat):
    p = promo(
        world.dist1,
        "special_price",
        {"prices": {str(cat["grey"].pk): "1"}},
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=1),
    )
    p = services.promotion_approve(
        actor=world.admin, promotion=services.promotion_submit(actor=world.admin, promotion=p)
    )
    with pytest.raises(services.PromotionInvalid) as exc:
        services.promotion_publish(actor=world.admin, promotion=p)
    assert exc.value.code == "promotion_window_passed"
    p.refresh_from_db()
    assert p.status == "approved"


def test_copy_makes_the_next_version_as_a_draft(world, cat):
    p = live(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        sku_ids=[cat["grey"].pk],
        category_ids=[cat["parts"].pk],
        targets=[{"kind": "grade", "value": "A"}],
    )
    copy = services.promotion_copy(actor=world.marketer, promotion=p)
    again = services.promotion_copy(actor=world.marketer, promotion=copy)
    assert (copy.status, copy.version, copy.origin_id) == ("draft", 2, p.pk)
    assert (again.version, again.origin_id) == (3, p.pk)
    assert copy.number != p.number
    assert set(copy.products.values_list("sku_id", "category_id")) == {
        (cat["grey"].pk, None),
        (None, cat["parts"].pk),
    }
    assert list(copy.targets.values_list("kind", "value")) == [("grade", "A")]
    p.refresh_from_db()
    assert p.status == "live"


def test_brand_may_exempt_a_promotion_from_floors(world, cat):
    p = services.promotion_create(
        actor=world.admin, seller=world.dist1, data=_data(cat, floor_exempt=True)
    )
    assert p.floor_exempt is True
    # the seller's people may edit the brand's draft; the exemption stays
    assert services.promotion_update(
        actor=world.marketer, promotion=p, data={"name": "x"}
    ).floor_exempt


def test_audit_shows_the_rules_as_the_detail_page_reads_them(client, world, cat, en):
    """In the site's language whoever saves (here an English session): the same text as the
    detail page's rules, table rows one after the other."""
    tiers = [{"threshold": "5000", "amount": "200"}, {"threshold": "10000", "amount": "500"}]
    p = promo(
        world.dist1,
        "threshold_amount_off",
        {"tiers": tiers},
        actor=world.marketer,
        category_ids=[cat["bikes"].pk],
    )
    created = AuditEvent.objects.get(action="promotion.created", object_id=str(p.pk))
    assert "product_sets" not in created.changes  # none named: no empty row on the timeline
    assert created.changes["rules"] == [
        None,
        "阶梯：5000 200，10000 500 · 门槛计算依据：金额 · 每满一次门槛即享一次（仅限单档）：否",
    ]
    services.promotion_update(
        actor=world.marketer,
        promotion=p,
        data={"rules": {"tiers": tiers[:1], "repeat": True, "max_times": 3}},
    )
    updated = AuditEvent.objects.get(action="promotion.updated", object_id=str(p.pk))
    assert updated.changes == {
        "rules": [
            "阶梯：5000 200，10000 500 · 门槛计算依据：金额 · 每满一次门槛即享一次（仅限单档）：否",
            "阶梯：5000 200 · 门槛计算依据：金额 · 每满一次门槛即享一次（仅限单档）：是"
            " · 每单最多次数：3",
        ]
    }
    # the detail page (in Chinese) reads the same, and its timeline shows it
    client.force_login(world.marketer)
    page = client.get(f"/promotions/{p.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    shown = " · ".join(
        f"{label}：{value.replace(chr(10), '，')}" for label, value in page.context["rules_shown"]
    )
    assert shown == updated.changes["rules"][1]
    assert shown in page.content.decode()


def test_audit_of_special_prices_names_skus_by_code(world, cat):
    p = promo(world.dist1, "special_price", {"prices": {str(cat["grey"].pk): "1999.00"}})
    created = AuditEvent.objects.get(action="promotion.created", object_id=str(p.pk))
    assert created.changes["rules"] == [None, "价格：TB-S1-GRY 1999"]
