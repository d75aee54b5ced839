"""Forms of admission: the public application (with its honeypot), the reviewer's forms and
the brand's scorecard settings. They parse input; the services check the rules."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from qudao.accounts.constants import MANAGE_DEALERS, ROLES
from qudao.core.forms import StyledForm
from qudao.dealers.constants import CriterionSource, Decision, Stage
from qudao.dealers.models import Criterion
from qudao.dealers.services.admission import ADMISSION_STAGES, MAX_FILE_BYTES, MAX_FILES
from qudao.network.models import Division

BLANK = [("", "—")]
HONEYPOT = "website"
# A new province empties the districts and the territory of the previous city; a new city's
# districts are offered for the intended territory too.
RESET_DISTRICTS = (
    "document.getElementById('id_district').innerHTML='<option value=\"\">—</option>';"
    "document.getElementById('id_intended_territory').innerHTML=''"
)
COPY_DISTRICTS = (
    "var t=document.getElementById('id_intended_territory');"
    "t.innerHTML=document.getElementById('id_district').innerHTML;"
    "if(t.options.length&&!t.options[0].value){t.remove(0)}"
)


def _division_choices(parent: str | None, level: int) -> list[tuple[str, str]]:
    if level > 1 and not parent:
        return []
    qs = Division.objects.filter(parent_id=parent) if parent else Division.objects.filter(level=1)
    return [(d.code, d.name) for d in qs]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their type, size and number."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ApplicationForm(StyledForm):
    company_name = forms.CharField(label=_("Company name"), max_length=100)
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        help_text=_("18 characters, as on the business licence."),
    )
    legal_rep = forms.CharField(label=_("Legal representative"), max_length=40)
    contact_name = forms.CharField(label=_("Contact"), max_length=40)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("We send your tracking link there."),
    )
    province = forms.ChoiceField(label=_("Province"))
    city = forms.ChoiceField(label=_("City"))
    district = forms.ChoiceField(label=_("District"))
    address = forms.CharField(label=_("Address"), max_length=200)
    categories = forms.MultipleChoiceField(
        label=_("Categories"), help_text=_("What you want to sell.")
    )
    intended_territory = forms.MultipleChoiceField(
        label=_("Intended territory"),
        required=False,
        help_text=_("The districts of your city you want to sell in (hold Ctrl to pick several)."),
    )
    registered_capital = forms.DecimalField(
        label=_("Registered capital (CNY)"), min_value=Decimal("0"), decimal_places=2
    )
    store_area = forms.DecimalField(
        label=_("Store area (m²)"), min_value=Decimal("0"), decimal_places=1
    )
    years_in_business = forms.IntegerField(label=_("Years in business"), min_value=0, max_value=200)
    brands_carried = forms.CharField(
        label=_("Brands carried"),
        required=False,
        max_length=400,
        help_text=_("Other brands you sell, separated by commas."),
    )
    note = forms.CharField(
        label=_("Anything else we should know"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    licence_files = MultipleFileField(
        label=_("Business licence"),
        help_text=_("JPEG, PNG or PDF."),
    )
    photo_files = MultipleFileField(
        label=_("Store photos"),
        help_text=_("JPEG, PNG or PDF; at most %(count)s files of %(mb)s MB in all.")
        % {"count": MAX_FILES, "mb": MAX_FILE_BYTES // (1024 * 1024)},
    )
    # The honeypot: hidden from people, filled by bots.
    website = forms.CharField(label=_("Website"), required=False, max_length=200)

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        values = self.data if self.is_bound else self.initial
        province, city = values.get("province") or None, values.get("city") or None
        self._choices("province").choices = BLANK + _division_choices(None, 1)
        self._choices("city").choices = BLANK + _division_choices(province, 2)
        self._choices("district").choices = BLANK + _division_choices(city, 3)
        self._choices("intended_territory").choices = _division_choices(city, 3)
        self._choices("categories").choices = categories
        options = reverse_lazy("network:division_options")
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": options,
                "hx-target": "#id_city",
                "hx-trigger": "change",
                "hx-vals": '{"target": "city"}',
                "hx-on::after-request": RESET_DISTRICTS,
            }
        )
        self.fields["city"].widget.attrs.update(
            {
                "hx-get": options,
                "hx-target": "#id_district",
                "hx-trigger": "change",
                "hx-vals": '{"target": "district"}',
                "hx-on::after-request": COPY_DISTRICTS,
            }
        )
        self.fields["intended_territory"].widget.attrs["size"] = 6
        self.fields[HONEYPOT].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def _choices(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def groups(self) -> list[tuple[Any, list[Any]]]:
        """The visible fields in the sections of the page (the honeypot is rendered apart)."""
        sections = (
            (_("Company"), ("company_name", "uscc", "legal_rep", "registered_capital")),
            (_("Contact"), ("contact_name", "contact_phone", "email")),
            (_("Address"), ("province", "city", "district", "address")),
            (
                _("Business"),
                (
                    "categories",
                    "intended_territory",
                    "store_area",
                    "years_in_business",
                    "brands_carried",
                    "note",
                ),
            ),
            (_("Files"), ("licence_files", "photo_files")),
        )
        return [(title, [self[name] for name in names]) for title, names in sections]


class AnswerForm(StyledForm):
    text = forms.CharField(
        label=_("Your answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ApplicationFilterForm(StyledForm):
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=BLANK + [(s, Stage(s).label) for s in ADMISSION_STAGES],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=60)


class MessageForm(StyledForm):
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ParentForm(StyledForm):
    parent = forms.TypedChoiceField(label=_("Parent"), coerce=int)

    def __init__(self, *args: Any, parents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["parent"]).choices = [
            (o.pk, f"{'　' * max(o.depth - 2, 0)}{o.name} ({o.get_kind_display()})")
            for o in parents
        ]


class DecideForm(StyledForm):
    step = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=200)


def scores_form(rows: list[Any], data: Any = None) -> StyledForm:
    """One score (0–100) and note per manual criterion, as `score_<code>`, `note_<code>`."""
    form = StyledForm(data)
    for row in rows:
        if row.automatic:
            continue
        code = row.criterion.code
        form.fields[f"score_{code}"] = forms.DecimalField(
            label=row.criterion.name,
            required=False,
            min_value=Decimal("0"),
            max_value=Decimal("100"),
            decimal_places=2,
            initial=row.score.value if row.score else None,
        )
        form.fields[f"note_{code}"] = forms.CharField(
            label=_("Note"),
            required=False,
            max_length=200,
            initial=row.score.note if row.score else "",
        )
    form.style_fields()
    return form


def _dealer_roles() -> list[tuple[str, str]]:
    return [
        (code, str(label)) for code, (label, _k, perms) in ROLES.items() if MANAGE_DEALERS in perms
    ]


class SettingsForm(StyledForm):
    pass_mark = forms.DecimalField(
        label=_("Pass mark"), min_value=Decimal("0"), max_value=Decimal("100"), decimal_places=2
    )
    step1 = forms.ChoiceField(label=_("Approval step 1"))
    step2 = forms.ChoiceField(label=_("Approval step 2"), required=False)
    step3 = forms.ChoiceField(label=_("Approval step 3"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("step1", "step2", "step3"):
            cast(forms.ChoiceField, self.fields[name]).choices = BLANK + _dealer_roles()

    def chain(self) -> list[str]:
        return [self.cleaned_data[n] for n in ("step1", "step2", "step3") if self.cleaned_data[n]]


def bands_text(bands: list[Any]) -> str:
    return ", ".join(f"{low}:{score}" for low, score in bands or [])


def parse_bands(text: str) -> list[list[str]]:
    """'0:20, 3:60, 5:100' → [['0', '20'], ['3', '60'], ['5', '100']] (the service checks)."""
    pairs = []
    for part in (text or "").replace("，", ",").split(","):
        if part.strip():
            low, _sep, score = part.partition(":")
            pairs.append([low.strip(), score.strip()])
    return pairs


class CriterionForm(StyledForm):
    code = forms.CharField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Criterion"), max_length=60, required=False)
    weight = forms.DecimalField(label=_("Weight (%)"), required=False, decimal_places=2)
    source = forms.ChoiceField(label=_("Source"), choices=CriterionSource.choices)
    bands = forms.CharField(
        label=_("Bands (minimum:score, …)"),
        required=False,
        max_length=300,
        help_text=_("For figures only, e.g. 0:20, 3:60, 5:100."),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


CriterionFormSet = forms.formset_factory(CriterionForm, extra=2)


def criterion_initial(criteria: list[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "weight": c.weight,
            "source": c.source,
            "bands": bands_text(c.bands),
            "active": c.is_active,
        }
        for c in criteria
    ]


def criterion_rows(formset: Any) -> list[dict[str, Any]]:
    """The service's rows from the filled forms (blank extra rows are skipped)."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or not (data.get("name") or data.get("code")):
            continue
        rows.append(
            {
                "code": data.get("code") or "",
                "name": data.get("name") or "",
                "weight": data.get("weight") if data.get("weight") is not None else "",
                "source": data.get("source"),
                "bands": parse_bands(data.get("bands") or ""),
                "active": bool(data.get("active")),
            }
        )
    return rows
