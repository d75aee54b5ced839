import pytest
from django.core.files.base import ContentFile

from qudao.catalog import services
from qudao.catalog.models import Category, Fitment, Product, Sku, SkuPack
from qudao.catalog.tests import factories as f
from qudao.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from qudao.core.models import AuditEvent, OutboxEvent

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def _counts():
    return (
        Category.objects.count(),
        Product.objects.count(),
        Sku.objects.count(),
        SkuPack.objects.count(),
        Fitment.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def _audits(instance):
    return list(
        AuditEvent.objects.filter(
            object_type=instance._meta.label_lower, object_id=str(instance.pk)
        )
        .order_by("id")
        .values_list("action", "changes")
    )


# --- categories ----------------------------------------------------------------------------


def test_category_create_builds_the_tree_with_audit_and_event(net):
    bikes = services.category_create(actor=net.admin, code="C-BIKE", name="整车")
    scooters = services.category_create(
        actor=net.admin, code="C-TBC", name=" 踏板车 ", parent=bikes
    )
    assert (bikes.depth, scooters.depth) == (1, 2)
    assert scooters.path.startswith(bikes.path)
    assert scooters.name == "踏板车"
    assert scooters.search_text == "踏板车 tabanche tbc c-tbc"
    assert Category.objects.get_parent(scooters) == bikes
    assert _audits(scooters) == [
        (
            "category.created",
            {"code": [None, "C-TBC"], "name": [None, "踏板车"], "parent": [None, "整车"]},
        )
    ]
    event = OutboxEvent.objects.get(topic="category.created", payload__category_id=scooters.pk)
    assert event.payload["actor_id"] == net.admin.pk


@pytest.mark.parametrize(
    ("code", "error", "error_code"),
    [
        ("C-BIKE", Conflict, "category_code_taken"),
        ("有 空格", ValidationFailed, "invalid_code"),
        ("", ValidationFailed, "required"),
    ],
)
def test_category_create_refusals_write_nothing(net, code, error, error_code):
    f.category("C-BIKE", "整车")
    before = _counts()
    with pytest.raises(error) as exc:
        services.category_create(actor=net.admin, code=code, name="电池")
    assert exc.value.code == error_code
    assert _counts() == before


def test_only_the_brand_writes_the_catalogue(net):
    before = _counts()
    for actor in (net.dealer1_admin, net.region_east):
        with pytest.raises(PermissionDenied) as exc:
            services.category_create(actor=actor, code="C-X", name="类目")
        assert exc.value.code == "permission_denied"
    assert _counts() == before


def test_category_rename_records_old_and_new(net):
    bikes = f.category("C-BIKE", "整车")
    services.category_rename(actor=net.admin, category=bikes, name="电动整车")
    bikes.refresh_from_db()
    assert bikes.name == "电动整车"
    assert bikes.search_text == "电动整车 diandongzhengche ddzc c-bike"
    assert _audits(bikes)[-1] == ("category.updated", {"name": ["整车", "电动整车"]})
    assert OutboxEvent.objects.filter(topic="category.renamed").count() == 1


def test_category_move_carries_the_subtree(net):
    bikes = f.category("C-BIKE", "整车")
    scooters = f.category("C-TBC", "踏板车", parent=bikes)
    small = f.category("C-TBC-S", "小踏板", parent=scooters)
    parts = f.category("C-PART", "配件")
    services.category_move(actor=net.admin, category=scooters, new_parent=parts)
    small.refresh_from_db()
    assert Category.objects.get_parent(Category.objects.get_parent(small)) == parts
    assert Category.objects.find_problems() == ([], [], [], [], [])
    assert _audits(scooters)[-1] == ("category.moved", {"parent": ["整车", "配件"]})
    services.category_move(actor=net.admin, category=scooters, new_parent=None)
    scooters.refresh_from_db()
    assert scooters.depth == 1
    assert _audits(scooters)[-1] == ("category.moved", {"parent": ["配件", None]})


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
def test_category_move_into_own_subtree_is_refused(net, target):
    bikes = f.category("C-BIKE", "整车")
    scooters = f.category("C-TBC", "踏板车", parent=bikes)
    small = f.category("C-TBC-S", "小踏板", parent=scooters)
    new_parent = {"self": bikes, "child": scooters, "grandchild": small}[target]
    paths = list(Category.objects.order_by("pk").values_list("path", flat=True))
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        services.category_move(actor=net.admin, category=bikes, new_parent=new_parent)
    assert exc.value.code == "category_move_into_descendant"
    assert list(Category.objects.order_by("pk").values_list("path", flat=True)) == paths
    assert _counts() == before


# --- products ------------------------------------------------------------------------------


def test_product_create_with_exact_values_audit_and_event(net):
    scooters = f.category("C-TBC", "踏板车")
    product = services.product_create(
        actor=net.admin,
        data={
            "code": "TB-S1",
            "name": "飞驰踏板车S1",
            "category": scooters,
            "specs": "电机=350W;续航=60km",
            "description": "城市通勤",
        },
    )
    product.refresh_from_db()
    assert (product.code, product.name, product.category, product.status) == (
        "TB-S1",
        "飞驰踏板车S1",
        scooters,
        "draft",
    )
    assert product.specs == {"电机": "350W", "续航": "60km"}
    assert product.is_spare_part is False
    assert product.search_text == "飞驰踏板车s1 feichitabanche fctbc tb-s1"
    assert _audits(product) == [
        (
            "product.created",
            {
                "code": [None, "TB-S1"],
                "name": [None, "飞驰踏板车S1"],
                "category": [None, "踏板车"],
                "status": [None, "draft"],
                "is_spare_part": [None, False],
                "description": [None, "城市通勤"],
                "specs": [None, "电机=350W;续航=60km"],
            },
        )
    ]
    assert OutboxEvent.objects.filter(topic="product.created", payload__product_id=product.pk)


@pytest.mark.parametrize(
    ("data", "error", "error_code"),
    [
        ({"code": "TB-S1"}, Conflict, "product_code_taken"),
        ({"code": "TB S2"}, ValidationFailed, "invalid_code"),
        ({"name": "  "}, ValidationFailed, "required"),
        ({"category": None}, ValidationFailed, "required"),
        ({"status": "sold_out"}, ValidationFailed, "invalid_status"),
        ({"specs": "电机350W"}, ValidationFailed, "invalid_attributes"),
        ({"specs": {"电机": "350=W"}}, ValidationFailed, "invalid_attributes"),
    ],
)
def test_product_create_refusals_write_nothing(net, cat, data, error, error_code):
    before = _counts()
    payload = {"code": "TB-S2", "name": "踏板车S2", "category": cat["scooters"], **data}
    with pytest.raises(error) as exc:
        services.product_create(actor=net.admin, data=payload)
    assert exc.value.code == error_code
    assert _counts() == before


def test_dealer_cannot_create_or_edit_products(net, cat):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.product_create(
            actor=net.dealer1_admin,
            data={"code": "X1", "name": "车", "category": cat["scooters"]},
        )
    with pytest.raises(PermissionDenied):
        services.product_update(actor=net.dealer1_admin, product=cat["scooter"], data={"name": "x"})
    assert _counts() == before
    assert Product.objects.get(code="TB-S1").name == "飞驰踏板车S1"


def test_product_update_records_only_what_changed(net, cat):
    services.product_update(
        actor=net.admin,
        product=cat["scooter"],
        data={"name": "飞驰踏板车S1 Pro", "category": cat["scooters"], "specs": {"电机": "500W"}},
    )
    product = Product.objects.get(code="TB-S1")
    assert product.name == "飞驰踏板车S1 Pro"
    assert product.search_text == "飞驰踏板车s1 pro feichitabanche fctbc tb-s1"
    assert _audits(product)[-1] == (
        "product.updated",
        {
            "name": ["飞驰踏板车S1", "飞驰踏板车S1 Pro"],
            "specs": ["电机=350W;续航=60km", "电机=500W"],
        },
    )
    before = _counts()
    services.product_update(actor=net.admin, product=product, data={"name": "飞驰踏板车S1 Pro"})
    assert _counts() == before  # no change, no audit


def test_product_status_follows_the_pipeline(net, cat):
    product = cat["scooter"]  # on sale
    services.product_update(actor=net.admin, product=product, data={"status": "discontinued"})
    services.product_update(actor=net.admin, product=product, data={"status": "on_sale"})
    before = _counts()
    with pytest.raises(InvalidTransition) as exc:
        services.product_update(actor=net.admin, product=product, data={"status": "draft"})
    assert exc.value.code == "invalid_transition"
    assert Product.objects.get(pk=product.pk).status == "on_sale"
    assert _counts() == before
    topics = OutboxEvent.objects.filter(topic="product.status_changed").order_by("id")
    assert [(e.payload["from"], e.payload["to"]) for e in topics] == [
        ("on_sale", "discontinued"),
        ("discontinued", "on_sale"),
    ]


def test_spare_part_flag_cannot_flip_under_fitment(net, cat):
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        services.product_update(
            actor=net.admin, product=cat["pad_product"], data={"is_spare_part": False}
        )
    assert exc.value.code == "product_has_fitments"
    with pytest.raises(ValidationFailed) as exc:
        services.product_update(
            actor=net.admin, product=cat["scooter"], data={"is_spare_part": True}
        )
    assert exc.value.code == "product_has_parts"
    assert _counts() == before
    assert Product.objects.get(code="BP-01").is_spare_part is True


# --- images --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [("a.png", PNG), ("b.JPG", JPEG), ("c.webp", WEBP)])
def test_product_image_is_stored_and_audited(net, cat, media, name, content):
    product = services.product_image_set(
        actor=net.admin, product=cat["scooter"], upload=ContentFile(content, name=name)
    )
    ext = name.rsplit(".", 1)[1].lower()
    assert product.image.name == f"catalog/products/TB-S1.{ext}"
    assert (media / "catalog" / "products" / f"TB-S1.{ext}").read_bytes() == content
    assert _audits(product)[-1] == (
        "product.updated",
        {"image": [None, f"catalog/products/TB-S1.{ext}"]},
    )
    assert OutboxEvent.objects.filter(topic="product.image_set").count() == 1


@pytest.mark.parametrize(
    ("upload", "error_code"),
    [
        (("virus.exe", PNG), "image_type"),  # extension not an image
        (("photo.png", b"MZ\x90\x00" + b"\x00" * 64), "image_type"),  # bytes not an image
        (("photo.jpg", PNG), "image_type"),  # extension and bytes disagree
        (("photo.webp", b"RIFF\x00\x00\x00\x00AVI " + b"\x00" * 8), "image_type"),
        (("noext", PNG), "image_type"),
        (("big.png", PNG + b"\x00" * (5 * 1024 * 1024)), "image_too_large"),
    ],
)
def test_product_image_refusals_write_nothing(net, cat, media, upload, error_code):
    name, content = upload
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        services.product_image_set(
            actor=net.admin, product=cat["scooter"], upload=ContentFile(content, name=name)
        )
    assert exc.value.code == error_code
    assert exc.value.fields.keys() == {"image"}
    assert _counts() == before
    assert Product.objects.get(code="TB-S1").image.name == ""
    assert list(media.iterdir()) == []


# --- SKUs ----------------------------------------------------------------------------------


def test_sku_create_with_exact_values(net, cat):
    sku = Sku.objects.get(code="TB-S1-GRY")
    assert sku.product == cat["scooter"]
    assert sku.attributes == {"颜色": "星空灰", "电池": "48V20Ah"}
    assert (sku.barcode, sku.base_unit, sku.serial_tracked, sku.warranty_months, sku.status) == (
        "6901234567892",
        "辆",
        True,
        24,
        "on_sale",
    )
    assert sku.search_text == (
        "飞驰踏板车s1 星空灰 48v20ah feichitabanchexingkonghui fctbcxkh "
        "tb-s1-gry 6901234567892 星空灰 xingkonghui xkh 48v20ah"
    )
    action, changes = _audits(sku)[0]
    assert action == "sku.created"
    assert changes["attributes"] == [None, "电池=48V20Ah;颜色=星空灰"]
    assert changes["warranty_months"] == [None, 24]
    assert OutboxEvent.objects.filter(topic="sku.created", payload__sku_id=sku.pk).count() == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"code": "TB-S1-GRY"}, (Conflict, "sku_code_taken", "code")),
        ({"barcode": "6901234567892"}, (Conflict, "barcode_taken", "barcode")),
        ({"barcode": "6901234567893"}, (ValidationFailed, "invalid_barcode", "barcode")),
        ({"barcode": "69 01"}, (ValidationFailed, "invalid_barcode", "barcode")),
        ({"base_unit": "吨"}, (ValidationFailed, "invalid_unit", "base_unit")),
        ({"warranty_months": -1}, (ValidationFailed, "invalid_warranty", "warranty_months")),
        ({"warranty_months": 121}, (ValidationFailed, "invalid_warranty", "warranty_months")),
        ({"warranty_months": "两年"}, (ValidationFailed, "invalid_warranty", "warranty_months")),
        ({"order_multiple": 0}, (ValidationFailed, "invalid_order_multiple", "order_multiple")),
        (
            {"order_multiple": "一箱"},
            (ValidationFailed, "invalid_order_multiple", "order_multiple"),
        ),
        (
            {"order_multiple": 10_001},
            (ValidationFailed, "invalid_order_multiple", "order_multiple"),
        ),
        ({"attributes": "颜色"}, (ValidationFailed, "invalid_attributes", "attributes")),
        ({"attributes": "颜色=红;颜色=蓝"}, (ValidationFailed, "invalid_attributes", "attributes")),
        ({"status": "gone"}, (ValidationFailed, "invalid_status", "status")),
    ],
)
def test_sku_create_refusals_write_nothing(net, cat, data, expected):
    error, error_code, field = expected
    before = _counts()
    with pytest.raises(error) as exc:
        services.sku_create(
            actor=net.admin,
            product=cat["scooter"],
            data={"code": "TB-S1-RED", "name": "飞驰踏板车S1 中国红", **data},
        )
    assert exc.value.code == error_code
    assert field in exc.value.fields
    assert _counts() == before


def test_sku_barcode_may_not_be_a_pack_barcode(net, cat):
    services.sku_pack_add(
        actor=net.admin, sku=cat["white"], unit="托", factor=10, barcode="6920152400012"
    )
    before = _counts()
    with pytest.raises(Conflict) as exc:
        services.sku_update(actor=net.admin, sku=cat["grey"], data={"barcode": "6920152400012"})
    assert exc.value.code == "barcode_taken"
    assert "TB-S1-WHT" in exc.value.message
    assert _counts() == before


def test_sku_update_audits_and_follows_the_pipeline(net, cat):
    sku = cat["white"]  # draft
    services.sku_update(
        actor=net.admin,
        sku=sku,
        data={"barcode": "4006381333931", "status": "on_sale", "warranty_months": 36},
    )
    sku.refresh_from_db()
    assert (sku.barcode, sku.status, sku.warranty_months) == ("4006381333931", "on_sale", 36)
    assert _audits(sku)[-1] == (
        "sku.updated",
        {
            "barcode": ["", "4006381333931"],
            "status": ["draft", "on_sale"],
            "warranty_months": [24, 36],
        },
    )
    assert "4006381333931" in sku.search_text
    before = _counts()
    with pytest.raises(InvalidTransition):
        services.sku_update(actor=net.admin, sku=sku, data={"status": "draft"})
    assert _counts() == before
    assert Sku.objects.get(pk=sku.pk).status == "on_sale"


# --- pack sizes ----------------------------------------------------------------------------


def test_pack_add_and_remove(net, cat):
    pad = cat["pad"]
    pack = services.sku_pack_add(
        actor=net.admin, sku=pad, unit="托", factor=480, barcode="5901234123457"
    )
    assert (pack.unit, pack.factor, pack.barcode, str(pack)) == (
        "托",
        480,
        "5901234123457",
        "1 托 = 480 套",
    )
    pad.refresh_from_db()
    assert pad.search_text.endswith("5901234123457")
    assert _audits(pad)[-1] == ("sku.updated", {"pack": [None, "1 托 = 480 套"]})
    services.sku_pack_remove(actor=net.admin, sku=pad, unit="托")
    pad.refresh_from_db()
    assert list(pad.packs.values_list("unit", "factor")) == [("箱", 12)]
    assert "5901234123457" not in pad.search_text
    assert _audits(pad)[-1] == ("sku.updated", {"pack": ["1 托 = 480 套", None]})
    topics = list(OutboxEvent.objects.filter(topic__startswith="sku.pack").values_list("topic"))
    assert topics == [("sku.pack_added",), ("sku.pack_added",), ("sku.pack_removed",)]


@pytest.mark.parametrize(
    ("pack", "expected"),
    [
        (("盒", 1, ""), (ValidationFailed, "invalid_pack_factor")),
        (("盒", "十二", ""), (ValidationFailed, "invalid_pack_factor")),
        (("套", 12, ""), (ValidationFailed, "invalid_pack_unit")),  # the base unit itself
        (("", 12, ""), (ValidationFailed, "invalid_pack_unit")),
        (("箱", 24, ""), (Conflict, "pack_exists")),
        (("盒", 6, "6901234567892"), (Conflict, "barcode_taken")),  # the grey scooter's
    ],
)
def test_pack_refusals_write_nothing(net, cat, pack, expected):
    (unit, factor, barcode), (error, error_code) = pack, expected
    before = _counts()
    with pytest.raises(error) as exc:
        services.sku_pack_add(
            actor=net.admin, sku=cat["pad"], unit=unit, factor=factor, barcode=barcode
        )
    assert exc.value.code == error_code
    assert _counts() == before


def test_pack_remove_unknown_unit_is_not_found(net, cat):
    before = _counts()
    with pytest.raises(NotFound):
        services.sku_pack_remove(actor=net.admin, sku=cat["pad"], unit="托")
    assert _counts() == before


def test_base_unit_cannot_become_a_pack_unit(net, cat):
    with pytest.raises(ValidationFailed) as exc:
        services.sku_update(actor=net.admin, sku=cat["pad"], data={"base_unit": "箱"})
    assert exc.value.code == "invalid_unit"


# --- fitment -------------------------------------------------------------------------------


def test_fitment_add_and_remove(net, cat):
    city = f.product(cat["scooters"], code="TB-C2", name="城市踏板车C2")
    fitment = services.fitment_add(actor=net.admin, part=cat["pad"], product=city)
    assert (fitment.part, fitment.product) == (cat["pad"], city)
    assert _audits(cat["pad"])[-1] == ("sku.updated", {"fits": [None, "城市踏板车C2 (TB-C2)"]})
    services.fitment_remove(actor=net.admin, part=cat["pad"], product=city)
    assert list(Fitment.objects.values_list("part__code", "product__code")) == [
        ("BP-01-STD", "TB-S1")
    ]
    assert _audits(cat["pad"])[-1] == ("sku.updated", {"fits": ["城市踏板车C2 (TB-C2)", None]})
    assert list(
        OutboxEvent.objects.filter(topic__startswith="fitment.").values_list("topic", flat=True)
    ) == ["fitment.added", "fitment.added", "fitment.removed"]


@pytest.mark.parametrize(
    ("part", "product", "expected"),
    [
        ("grey", "scooter", (ValidationFailed, "fitment_not_spare_part")),
        ("pad", "pad_product", (ValidationFailed, "fitment_target_is_part")),
        ("pad", "scooter", (Conflict, "fitment_exists")),
    ],
)
def test_fitment_refusals_write_nothing(net, cat, part, product, expected):
    error, error_code = expected
    before = _counts()
    with pytest.raises(error) as exc:
        services.fitment_add(actor=net.admin, part=cat[part], product=cat[product])
    assert exc.value.code == error_code
    assert _counts() == before


def test_fitment_remove_unknown_is_not_found_and_dealers_cannot(net, cat):
    before = _counts()
    with pytest.raises(NotFound):
        services.fitment_remove(actor=net.admin, part=cat["pad"], product=cat["pad_product"])
    with pytest.raises(PermissionDenied):
        services.fitment_remove(actor=net.dealer1_admin, part=cat["pad"], product=cat["scooter"])
    with pytest.raises(PermissionDenied):
        services.sku_pack_add(actor=net.dealer1_admin, sku=cat["pad"], unit="托", factor=10)
    assert _counts() == before
