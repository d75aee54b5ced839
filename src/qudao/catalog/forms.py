import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.catalog.constants import (
    BASE_UNITS,
    IMAGE_EXTENSIONS,
    MAX_ORDER_MULTIPLE,
    MAX_WARRANTY_MONTHS,
    PRODUCT_SET_NAME_LENGTH,
    PRODUCT_STATUS_PIPELINE,
    ProductStatus,
)
from qudao.catalog.models import Product, ProductSet, Sku
from qudao.catalog.rules import format_pairs
from qudao.core.forms import StyledForm

MAX_IMPORT_BYTES = 20 * 1024 * 1024
PAIRS_HELP = _("name=value pairs separated by semicolons, e.g. 颜色=星空灰;电池=48V20Ah")


def _pairs_input(example: str) -> forms.TextInput:
    return forms.TextInput(attrs={"placeholder": example})


def _status_choices(current: str | None) -> list[tuple[str, Any]]:
    """A new object starts as draft or on sale; an existing one offers its pipeline moves."""
    allowed: set[str]
    if current is None:
        allowed = {ProductStatus.DRAFT, ProductStatus.ON_SALE}
    else:
        allowed = {current, *PRODUCT_STATUS_PIPELINE.get(current, set())}
    return [c for c in ProductStatus.choices if c[0] in allowed]


class ChoicesForm(StyledForm):
    def _choices(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])


class ProductForm(ChoicesForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    status = forms.ChoiceField(label=_("Status"))
    is_spare_part = forms.BooleanField(label=_("Spare part"), required=False)
    specs = forms.CharField(
        label=_("Specifications"),
        max_length=2000,
        required=False,
        help_text=PAIRS_HELP,
        widget=_pairs_input("电机=350W;续航=60km"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[int, str]],
        instance: Product | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": instance.code,
                "name": instance.name,
                "category": instance.category_id,
                "status": instance.status,
                "is_spare_part": instance.is_spare_part,
                "specs": format_pairs(instance.specs),
                "description": instance.description,
            }
        super().__init__(*args, **kwargs)
        self._choices("category").choices = [("", "—"), *categories]
        self._choices("status").choices = _status_choices(instance.status if instance else None)


class SkuForm(ChoicesForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=160)
    attributes = forms.CharField(
        label=_("Attributes"),
        max_length=1000,
        required=False,
        help_text=PAIRS_HELP,
        widget=_pairs_input("颜色=星空灰;电池=48V20Ah"),
    )
    barcode = forms.CharField(label=_("Barcode"), max_length=32, required=False)
    base_unit = forms.ChoiceField(label=_("Base unit"), choices=[(u, u) for u in BASE_UNITS])
    status = forms.ChoiceField(label=_("Status"))
    serial_tracked = forms.BooleanField(label=_("Serial tracked"), required=False)
    warranty_months = forms.IntegerField(
        label=_("Warranty months"), min_value=0, max_value=MAX_WARRANTY_MONTHS, initial=0
    )
    order_multiple = forms.IntegerField(
        label=_("Order in multiples of"),
        min_value=1,
        max_value=MAX_ORDER_MULTIPLE,
        initial=1,
        required=False,
        help_text=_("Base units; 1 lets buyers order any quantity, 12 only whole cartons of 12."),
    )

    def __init__(self, *args: Any, instance: Sku | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": instance.code,
                "name": instance.name,
                "attributes": format_pairs(instance.attributes),
                "barcode": instance.barcode,
                "base_unit": instance.base_unit,
                "status": instance.status,
                "serial_tracked": instance.serial_tracked,
                "warranty_months": instance.warranty_months,
                "order_multiple": instance.order_multiple,
            }
        super().__init__(*args, **kwargs)
        self._choices("status").choices = _status_choices(instance.status if instance else None)

    def clean_order_multiple(self) -> int:
        return self.cleaned_data.get("order_multiple") or 1  # blank: any quantity


class PackForm(StyledForm):
    unit = forms.CharField(label=_("Pack unit"), max_length=8)
    factor = forms.IntegerField(label=_("Base units per pack"), min_value=2)
    barcode = forms.CharField(label=_("Pack barcode"), max_length=32, required=False)


class PackRemoveForm(StyledForm):
    unit = forms.CharField(max_length=8)


class FitmentForm(StyledForm):
    product_code = forms.CharField(label=_("Fits model (product code)"), max_length=40)


class ImageForm(StyledForm):
    image = forms.FileField(
        label=_("Picture"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in IMAGE_EXTENSIONS)}
        ),
    )


class CategoryForm(ChoicesForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=60)
    parent = forms.TypedChoiceField(label=_("Under"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("parent").choices = [("", _("(top level)")), *categories]


class CategoryRenameForm(StyledForm):
    name = forms.CharField(label=_("New name"), max_length=60)


class CategoryMoveForm(ChoicesForm):
    parent = forms.TypedChoiceField(
        label=_("Move under"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("parent").choices = [("", _("(top level)")), *categories]


class ImportForm(StyledForm):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": MAX_IMPORT_BYTES >> 20}
            )
        return upload


_CODE_SPLIT = re.compile(r"[\s,，;；、]+")


def codes_in(text: str) -> list[str]:
    """Codes separated by spaces, commas, semicolons or lines (as pasted from Excel)."""
    return list(dict.fromkeys(c for c in _CODE_SPLIT.split(text or "") if c))


class ProductSetForm(ChoicesForm):
    """A seller's product set: its name, SKUs by code and categories. A new set names its
    seller (one of the orgs whose promotions the actor manages); a set keeps its seller."""

    owner = forms.TypedChoiceField(label=_("Seller"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=PRODUCT_SET_NAME_LENGTH)
    sku_codes = forms.CharField(
        label=_("SKU codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("Separated by spaces, commas or lines, as pasted from Excel."),
    )
    category_codes = forms.MultipleChoiceField(
        label=_("Categories (with their subcategories)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        owners: list[Any] | None = None,
        instance: ProductSet | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "sku_codes": "\n".join(s.code for s in instance.member_skus()),
                "category_codes": [c.code for c in instance.member_categories()],
            }
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["owner"]
        else:
            self._choices("owner").choices = [(o.pk, f"{o.name} ({o.code})") for o in owners]
        self._choices("category_codes").choices = categories

    def payload(self) -> dict[str, Any]:
        """What product_set_create / product_set_update take."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "sku_codes": codes_in(data.get("sku_codes") or ""),
            "category_codes": list(data.get("category_codes") or []),
        }
