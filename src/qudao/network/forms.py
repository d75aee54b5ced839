from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from qudao.accounts.constants import ROLES
from qudao.core.forms import StyledForm
from qudao.network.constants import ALLOWED_CHILDREN, Channel, Grade, OrgKind, OrgStatus, SupplyKind
from qudao.network.models import Division, Org

BLANK = [("", "—")]
RESET_DISTRICTS = "document.getElementById('id_district').innerHTML='<option value=\"\">—</option>'"


def _division_choices(parent: str | None, level: int) -> list[tuple[str, str]]:
    if level > 1 and not parent:
        return BLANK
    qs = Division.objects.filter(parent_id=parent) if parent else Division.objects.filter(level=1)
    return BLANK + [(d.code, d.name) for d in qs]


class ChoicesForm(StyledForm):
    def _choices(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])


class OrgForm(ChoicesForm):
    """Profile of an org. Kind is chosen only when creating; the service checks everything."""

    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=OrgStatus.choices)
    grade = forms.ChoiceField(label=_("Grade"), choices=BLANK + list(Grade.choices), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    def __init__(
        self, *args: Any, parent: Org | None = None, instance: Org | None = None, **kwargs: Any
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(instance, f"{name}_id", None) or getattr(instance, name, "")
                for name in self.base_fields
            }
        super().__init__(*args, **kwargs)
        if instance is not None:
            del self.fields["kind"]
        elif parent is not None:
            allowed = ALLOWED_CHILDREN.get(parent.kind, set())
            self._choices("kind").choices = [c for c in OrgKind.choices if c[0] in allowed]
            self._choices("status").choices = [
                c for c in OrgStatus.choices if c[0] in (OrgStatus.PROSPECT, OrgStatus.ACTIVE)
            ]
            self.fields["status"].initial = OrgStatus.ACTIVE
        values = self.data if self.is_bound else self.initial
        province, city = values.get("province") or None, values.get("city") or None
        self._choices("province").choices = _division_choices(None, 1)
        self._choices("city").choices = _division_choices(province, 2)
        self._choices("district").choices = _division_choices(city, 3)
        options = reverse_lazy("network:division_options")
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": options,
                "hx-target": "#id_city",
                "hx-trigger": "change",
                "hx-vals": '{"target": "city"}',
                # a new province empties the districts of the previous city
                "hx-on::after-request": RESET_DISTRICTS,
            }
        )
        self.fields["city"].widget.attrs.update(
            {
                "hx-get": options,
                "hx-target": "#id_district",
                "hx-trigger": "change",
                "hx-vals": '{"target": "district"}',
            }
        )


class MoveForm(StyledForm):
    parent_code = forms.CharField(label=_("New parent (org code)"), max_length=32)


class MemberForm(ChoicesForm):
    role = forms.ChoiceField(label=_("Role"))
    existing = forms.CharField(
        label=_("Existing user (username or mobile)"), max_length=150, required=False
    )
    username = forms.CharField(label=_("New user: username"), max_length=150, required=False)
    display_name = forms.CharField(label=_("New user: name"), max_length=60, required=False)
    mobile = forms.CharField(label=_("New user: mobile"), max_length=20, required=False)
    password = forms.CharField(
        label=_("New user: password"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput,
    )

    def __init__(self, *args: Any, org: Org, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("role").choices = [
            (code, label) for code, (label, kinds, _perms) in ROLES.items() if org.kind in kinds
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("existing") and not data.get("username"):
            raise forms.ValidationError(_("Name an existing user or fill in a new one."))
        return data


class SupplyLinkForm(StyledForm):
    seller_code = forms.CharField(label=_("Seller (org code)"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind"), choices=SupplyKind.choices)
