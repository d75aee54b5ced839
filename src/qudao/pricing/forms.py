from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import StyledForm
from qudao.network.constants import Channel, Grade
from qudao.pricing.constants import Target

BLANK = [("", "—")]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PriceListForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    target = forms.ChoiceField(label=_("For"), choices=Target.choices)
    target_buyer = forms.CharField(label=_("Buyer (org code)"), max_length=32, required=False)
    target_grade = forms.ChoiceField(
        label=_("Grade"), choices=BLANK + list(Grade.choices), required=False
    )
    target_region = forms.CharField(
        label=_("Region subtree (org code)"), max_length=32, required=False
    )
    target_channel = forms.ChoiceField(
        label=_("Channel"), choices=BLANK + list(Channel.choices), required=False
    )
    priority = forms.IntegerField(label=_("Priority"), initial=0)
    valid_from = forms.DateTimeField(label=_("Valid from"), required=False, widget=DateTimeInput())
    valid_until = forms.DateTimeField(
        label=_("Valid until (not included)"), required=False, widget=DateTimeInput()
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ItemForm(StyledForm):
    sku_code = forms.CharField(label=_("SKU code"), max_length=40)
    min_qty = forms.IntegerField(label=_("From quantity"), min_value=1, initial=1)
    price = forms.DecimalField(label=_("Price"), min_value=0, max_digits=14, decimal_places=2)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    replace = forms.BooleanField(label=_("Remove prices that are not in the file"), required=False)


class PriceControlForm(StyledForm):
    floor_distributor = forms.DecimalField(
        label=_("Floor for distributors"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    floor_dealer = forms.DecimalField(
        label=_("Floor for dealers"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    floor_store = forms.DecimalField(
        label=_("Floor for stores"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    suggested_retail = forms.DecimalField(
        label=_("Suggested retail price"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    minimum_advertised = forms.DecimalField(
        label=_("Minimum advertised price"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )


class ExplainForm(StyledForm):
    seller = forms.CharField(label=_("Seller (org code)"), max_length=32)
    buyer = forms.CharField(label=_("Buyer (org code)"), max_length=32)
    sku = forms.CharField(label=_("SKU code"), max_length=40)
    qty = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
