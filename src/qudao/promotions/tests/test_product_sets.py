"""Promotions on a seller's saved product set: a set is used by reference (what it holds when
a cart is priced counts), in the candidate query at no extra query, in the conflict check
and the exclusive-overlap refusal — also when the set changes; only the seller's own sets;
the form, the detail page and the API."""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from qudao.catalog import services as catalog
from qudao.catalog.models import ProductSetItem
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.promotions import selectors, services
from qudao.promotions.models import Promotion, PromotionProduct, PromotionTarget
from qudao.promotions.selectors import CartItem, price_cart
from qudao.promotions.tests.factories import live, promo

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def batteries(world, cat):
    """dist1's set: the grey scooter and every part."""
    return catalog.product_set_create(
        actor=world.marketer,
        owner=world.dist1,
        data={"name": "整车与配件", "sku_codes": ["TB-S1-GRY"], "category_codes": ["C-PART"]},
    )


def _cart(cat):
    return [CartItem(cat["grey"].pk, 1, D("2199.00")), CartItem(cat["pad"].pk, 10, D("30.00"))]


def _discounts(result):
    return [[(a.label, a.amount) for a in line.adjustments] for line in result.lines]


def _state():
    return (
        list(Promotion.objects.order_by("pk").values_list("pk", "status", "name")),
        list(
            PromotionProduct.objects.order_by("pk").values_list(
                "promotion_id", "sku_id", "category_id", "product_set_id"
            )
        ),
        PromotionTarget.objects.count(),
        list(ProductSetItem.objects.order_by("pk").values_list("product_set_id", "sku_id")),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_a_promotion_on_a_set_follows_the_set(world, cat, batteries, django_assert_num_queries):
    p = live(
        world.dist1,
        "percent_off",
        {"percent": "10"},
        name="套装九折",
        product_set_ids=[batteries.pk],
    )
    assert p.all_products is False
    assert list(p.products.values_list("sku_id", "category_id", "product_set_id", "live")) == [
        (None, None, batteries.pk, True)
    ]
    # SKUs, categories, floors, candidates, their product rows (joined with the sets' items)
    with django_assert_num_queries(5):
        result = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    assert _discounts(result) == [[("套装九折", D("-219.90"))], [("套装九折", D("-30.00"))]]
    # the set changes: the scooter leaves it, the parts stay — the live promotion follows
    catalog.product_set_update(actor=world.marketer, product_set=batteries, data={"sku_codes": []})
    with django_assert_num_queries(5):
        result = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    assert _discounts(result) == [[], [("套装九折", D("-30.00"))]]
    assert selectors.offer_of(p).category_ids == frozenset({cat["parts"].pk})
    # a cart without anything of the set does not even load the promotion
    scooter = [CartItem(cat["grey"].pk, 1, D("2199.00"))]
    assert price_cart(seller=world.dist1, buyer=world.dealer1, items=scooter).applied == []


def test_only_the_sellers_own_sets_and_nothing_written_on_refusal(world, cat, batteries, en):
    theirs = catalog.product_set_create(
        actor=world.dealer3_admin,
        owner=world.dealer3,
        data={"name": "广州套装", "sku_codes": ["TB-S1-GRY"]},
    )
    before = _state()
    for ids in ([theirs.pk], [batteries.pk, 999_999]):
        with pytest.raises(services.PromotionInvalid) as exc:
            promo(world.dist1, "percent_off", {"percent": "10"}, product_set_ids=ids)
        assert (exc.value.code, exc.value.message, list(exc.value.fields)) == (
            "promotion_product_set_invalid",
            "Choose product sets of the promotion's seller.",
            ["product_set_ids"],
        )
    with pytest.raises(services.PromotionInvalid) as exc:  # a set holds several products
        promo(
            world.dist1,
            "tier_price",
            {"tiers": [{"min_qty": 5, "price": "1999"}]},
            sku_ids=[cat["grey"].pk],
            product_set_ids=[batteries.pk],
        )
    assert exc.value.code == "promotion_tier_price_one_sku"
    assert _state() == before
    # kinds that price the SKUs of their rules take those, not the set
    special = promo(
        world.dist1,
        "special_price",
        {"prices": {str(cat["pad"].pk): "25"}},
        product_set_ids=[batteries.pk],
    )
    assert list(special.products.values_list("sku_id", "product_set_id")) == [(cat["pad"].pk, None)]


def test_audit_names_the_set_and_a_copy_keeps_it(world, cat, batteries):
    tiers = {"tiers": [{"threshold": "1000", "amount": "50"}]}
    p = promo(world.dist1, "threshold_amount_off", tiers, product_set_ids=[batteries.pk])
    created = AuditEvent.objects.get(action="promotion.created", object_id=str(p.pk))
    assert created.changes["product_sets"] == [None, ["整车与配件"]]
    p = services.promotion_update(actor=world.marketer, promotion=p, data={"product_set_ids": []})
    assert p.all_products is True
    updated = AuditEvent.objects.get(action="promotion.updated", object_id=str(p.pk))
    assert updated.changes == {"product_sets": [["整车与配件"], []]}
    p = services.promotion_update(
        actor=world.marketer, promotion=p, data={"product_set_ids": [batteries.pk]}
    )
    copy = services.promotion_copy(actor=world.marketer, promotion=p)
    assert list(copy.products.values_list("product_set_id", flat=True)) == [batteries.pk]
    assert copy.all_products is False


def test_conflicts_see_through_sets(world, cat, batteries):
    full = live(
        world.dist1,
        "threshold_amount_off",
        {"tiers": [{"threshold": "5000", "amount": "100"}]},
        name="整车满减",
        category_ids=[cat["bikes"].pk],
    )
    p = promo(world.dist1, "percent_off", {"percent": "3"}, product_set_ids=[batteries.pk])
    (found,) = selectors.promotion_conflicts(promotion=p)
    assert (found.promotion.pk, found.sku_codes, found.all_products) == (
        full.pk,
        ("TB-S1-GRY",),
        False,
    )


def test_a_set_change_that_would_overlap_exclusive_promotions_is_refused(world, cat, batteries, en):
    parts = catalog.product_set_create(
        actor=world.marketer,
        owner=world.dist1,
        data={"name": "配件", "sku_codes": ["BP-01-STD"]},
    )
    mine = live(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        name="配件专享",
        exclusive=True,
        product_set_ids=[parts.pk],
    )
    other = live(
        world.dist1,
        "amount_off",
        {"amount": "50"},
        name="整车专享",
        exclusive=True,
        sku_ids=[cat["grey"].pk],
    )
    before = _state()
    with pytest.raises(services.ExclusiveOverlap) as exc:
        catalog.product_set_update(
            actor=world.marketer, product_set=parts, data={"sku_codes": ["BP-01-STD", "TB-S1-GRY"]}
        )
    assert exc.value.code == "promotion_exclusive_overlap"
    assert exc.value.message == (
        f"Exclusive promotion {mine.number} 配件专享 names this set; with this change it would "
        f"overlap exclusive promotion {other.number} 整车专享. Change the set otherwise, or "
        "change one of the promotions first."
    )
    assert _state() == before
    # once the other one has ended, the change goes through
    services.promotion_end(actor=world.marketer, promotion=other)
    catalog.product_set_update(
        actor=world.marketer, product_set=parts, data={"sku_codes": ["BP-01-STD", "TB-S1-GRY"]}
    )
    assert selectors.offer_of(mine).sku_ids == frozenset({cat["pad"].pk, cat["grey"].pk})


# --- form, page, API --------------------------------------------------------------------------


def test_form_offers_the_sellers_sets_and_the_page_shows_them(client, world, cat, batteries, en):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.marketer)
    url = reverse("promotions:promotion_create") + f"?seller={world.dist1.pk}"
    form = client.get(url).context["form"]
    assert form.fields["product_sets"].choices == [(str(batteries.pk), "整车与配件")]
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    data = {
        "name": "套装九折",
        "kind": "percent_off",
        "starts_at": when,
        "percent": "10",
        "basis": "amount",
        "product_sets": [str(batteries.pk)],
    }
    response = client.post(url, data)
    p = Promotion.objects.get()
    assert response.status_code == 302, response.context["form"].errors
    assert list(p.products.values_list("product_set_id", flat=True)) == [batteries.pk]
    page = client.get(reverse("promotions:promotion_detail", args=[p.pk]))
    (shown,) = page.context["d"].product_sets
    assert (shown.pk, [s.code for s in shown.member_skus()]) == (batteries.pk, ["TB-S1-GRY"])
    assert [c.code for c in shown.member_categories()] == ["C-PART"]
    edit = client.get(reverse("promotions:promotion_edit", args=[p.pk]))
    assert edit.context["form"].initial["product_sets"] == [str(batteries.pk)]
    # a set not offered (another seller's) is refused by the form, nothing written
    before = _state()
    refused = client.post(url, {**data, "product_sets": ["999999"]})
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["product_sets"]
    assert _state() == before


def test_api_names_sets_by_id(client, world, cat, batteries):
    client.force_login(world.marketer)
    body = {
        "seller_id": world.dist1.pk,
        "name": "套装九折",
        "kind": "threshold_amount_off",
        "rules": {"tiers": [{"threshold": "1000", "amount": "50"}]},
        "starts_at": timezone.localtime().isoformat(),
        "product_set_ids": [batteries.pk],
    }

    def send(method, url, payload):
        return getattr(client, method)(
            url,
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    created = send("post", "/api/v1/promotions", body)
    assert created.status_code == 201, created.content
    assert created.json()["product_sets"] == [
        {
            "id": batteries.pk,
            "name": "整车与配件",
            "sku_codes": ["TB-S1-GRY"],
            "category_codes": ["C-PART"],
        }
    ]
    before = _state()
    refused = send("post", "/api/v1/promotions", {**body, "product_set_ids": [999_999]})
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        400,
        "promotion_product_set_invalid",
    )
    assert _state() == before
    url = f"/api/v1/promotions/{created.json()['id']}"
    cleared = send("patch", url, {"product_set_ids": []})
    assert (cleared.json()["product_sets"], cleared.json()["sku_codes"]) == ([], [])
