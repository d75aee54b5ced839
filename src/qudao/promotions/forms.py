"""Forms of the promotion pages. A promotion's rules are edited as a few fields per kind and,
for tier tables, price lists, bundle components and gift tiers, a text area with one row per
line ("5000 200": from ¥5,000, ¥200 off), pasted from Excel or typed on a phone. The form
turns them into the kind's rules (SKUs by code, schemas.rules_with_ids makes them ids), and
its targets and products into the services' rows; codes that are not in the actor's network
or the catalogue come back on their fields, before any service is called."""

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qudao.catalog.selectors import category_choices, product_set_choices
from qudao.core.errors import DomainError
from qudao.core.errors import PermissionDenied as DomainPermissionDenied
from qudao.core.forms import StyledForm
from qudao.core.spreadsheet import Column, SheetRejected, parse_text, read_sheet
from qudao.network.constants import Channel, Grade, OrgKind
from qudao.network.models import Org
from qudao.promotions.constants import Basis, Kind, Status, TargetKind
from qudao.promotions.rules_text import KIND_FIELDS, RULE_FIELDS, RULE_LABELS
from qudao.promotions.schemas import (
    rules_with_ids,
    sku_ids_by_codes,
    targets_from,
)

BLANK: list[tuple[str, Any]] = [("", "—")]
WINDOW_CHOICES = [
    ("", "—"),
    ("now", _("In force now")),
    ("upcoming", _("Starting later")),
    ("past", _("Over")),
]
_SPLIT = re.compile(r"[\s,，;；、]+")
_CODES_WIDGET = forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"})
_TABLE_WIDGET = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"})


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def codes_in(text: str) -> list[str]:
    """Codes separated by spaces, commas, semicolons or lines (as pasted from Excel)."""
    seen: dict[str, None] = {}
    for code in _SPLIT.split(text or ""):
        if code.strip():
            seen[code.strip()] = None
    return list(seen)


class PromotionFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + Status.choices)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=BLANK + Kind.choices)
    window = forms.ChoiceField(label=_("Window"), required=False, choices=WINDOW_CHOICES)
    q = forms.CharField(label=_("Search"), required=False, max_length=60)


# --- the rules of each kind -----------------------------------------------------------------

TABLE_HELP: dict[str, Any] = {
    Kind.SPECIAL_PRICE: _("One SKU per row: SKU code and its price, e.g. TB-S1-GRY 1999"),
    Kind.FLASH_SALE: _("One SKU per row: SKU code and its price, e.g. TB-S1-GRY 1999"),
    Kind.TIER_PRICE: _(
        "One tier per row: from quantity and the unit price (one SKU) or a percentage off, "
        "e.g. 10 1950 or 10 5%"
    ),
    Kind.GROUP_BUY: _(
        "One tier per row: from the quantity all buyers order together, the unit price, "
        "e.g. 100 1850"
    ),
    Kind.BUNDLE: _("One component per row: SKU code and quantity in a set, e.g. BP-01-STD 2"),
    Kind.THRESHOLD_AMOUNT_OFF: _(
        "One tier per row: the threshold and the amount off, e.g. 5000 200"
    ),
    Kind.THRESHOLD_PERCENT: _(
        "One tier per row: the threshold and the percentage off, e.g. 10000 5"
    ),
    Kind.THRESHOLD_GIFT: _(
        "One gift per row: the threshold, the gift's SKU code, its quantity and (optional) its "
        "value per unit, e.g. 5000 HM-01 2 45"
    ),
}


def _row_error(row: int, message: str) -> ValidationError:
    return ValidationError(gettext("Row %(row)s: %(message)s") % {"row": row, "message": message})


def _number(token: str, row: int, *, percent: bool = False) -> str:
    value = token.strip().removeprefix("¥").removeprefix("￥").removesuffix("元")
    if percent:
        value = value.removesuffix("%")
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _row_error(row, gettext("%(value)s is not a number.") % {"value": token})
    return str(number)


def _whole(token: str, row: int) -> int:
    if not token.strip().isdigit():
        raise _row_error(row, gettext("%(value)s is not a whole number.") % {"value": token})
    return int(token)


def table_rows(text: str, width: tuple[int, int]) -> list[tuple[int, list[str]]]:
    """(row number, cells) of each non-empty row, with `width` = (least, most) cells."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        cells = [c for c in _SPLIT.split(line.strip()) if c]
        if not cells:
            continue
        if not width[0] <= len(cells) <= width[1]:
            raise _row_error(
                number,
                gettext("%(n)s values expected.") % {"n": "–".join({str(w): None for w in width})},
            )
        rows.append((number, cells))
    if not rows:
        raise ValidationError(gettext("This field is required."))
    return rows


def _gift(cells: list[str], row: int) -> dict[str, Any]:
    gift: dict[str, Any] = {"sku_code": cells[0], "qty": _whole(cells[1], row)}
    if len(cells) > 2:
        gift["unit_value"] = _number(cells[2], row)
    return gift


def _prices(text: str) -> dict[str, Any]:
    return {c[0]: _number(c[1], n) for n, c in table_rows(text, (2, 2))}


def _tiers(kind: str, text: str) -> list[dict[str, Any]]:
    if kind == Kind.TIER_PRICE:
        return [
            {"min_qty": _whole(c[0], n), "percent": _number(c[1], n, percent=True)}
            if c[1].endswith("%")
            else {"min_qty": _whole(c[0], n), "price": _number(c[1], n)}
            for n, c in table_rows(text, (2, 2))
        ]
    if kind == Kind.GROUP_BUY:
        return [
            {"min_qty": _whole(c[0], n), "price": _number(c[1], n)}
            for n, c in table_rows(text, (2, 2))
        ]
    if kind == Kind.THRESHOLD_AMOUNT_OFF:
        return [
            {"threshold": _number(c[0], n), "amount": _number(c[1], n)}
            for n, c in table_rows(text, (2, 2))
        ]
    if kind == Kind.THRESHOLD_PERCENT:
        return [
            {"threshold": _number(c[0], n), "percent": _number(c[1], n, percent=True)}
            for n, c in table_rows(text, (2, 2))
        ]
    tiers: dict[str, list[dict[str, Any]]] = {}  # gifts: rows of one threshold make a tier
    for n, c in table_rows(text, (3, 4)):
        tiers.setdefault(_number(c[0], n), []).append(_gift(c[1:], n))
    return [{"threshold": t, "gifts": gifts} for t, gifts in tiers.items()]


def _table_rules(kind: str, table: str) -> dict[str, Any]:
    """The part of the rules the table holds: prices per SKU, components or tiers."""
    if kind in (Kind.SPECIAL_PRICE, Kind.FLASH_SALE):
        return {"prices": _prices(table)}
    if kind == Kind.BUNDLE:
        return {
            "components": [
                {"sku_code": c[0], "qty": _whole(c[1], n)} for n, c in table_rows(table, (2, 2))
            ]
        }
    if "table" in KIND_FIELDS[kind][0]:
        return {"tiers": _tiers(kind, table)}
    return {}


def _scalar_rules(used: set[str], data: Mapping[str, Any]) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    for name in ("percent", "amount", "price", "min_spend", "max_discount"):
        if name in used and data.get(name) is not None:
            rules[name] = str(data[name])
    for name in ("buy_qty", "max_times", "max_qty_per_order"):
        if name in used and data.get(name) is not None:
            rules[name] = data[name]
    if "basis" in used and data.get("basis"):
        rules["basis"] = data["basis"]
    if "repeat" in used:
        rules["repeat"] = bool(data.get("repeat"))
    return rules


def rules_from(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The kind's rules (wire shape: SKUs by code) from the form's rule fields; a table row
    that cannot be read raises a ValidationError naming the row."""
    required, optional = KIND_FIELDS[kind]
    rules = _table_rules(kind, data.get("table") or "")
    if kind == Kind.GROUP_BUY:
        rules["sku_code"] = data["sku"].strip()
    if kind == Kind.BUY_X_GET_Y:
        cells = [c for c in _SPLIT.split(data["gift"].strip()) if c]
        if not 2 <= len(cells) <= 3:
            raise ValidationError(
                gettext("Give the gift's SKU code, quantity and (optional) value.")
            )
        rules["gift"] = _gift(cells, 1)
    return {**rules, **_scalar_rules(set(required) | set(optional), data)}


# --- the promotion --------------------------------------------------------------------------

LEVELS = [(k, v) for k, v in OrgKind.choices if k not in (OrgKind.HQ, OrgKind.REGION)]
BUYER_COLUMNS = [Column("code", _("Org code"), parse_text)]


def _money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=14, decimal_places=2, **kwargs
    )


def _checks(label: Any, choices: Iterable[tuple[str, Any]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=list(choices),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )


class PromotionForm(StyledForm):
    """A draft: what it is, its rules (by kind), whom it is for, on which products, when and
    within which budget. `payload()` is what promotion_create / promotion_update take."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(
        label=_("Ends (not included)"), required=False, widget=DateTimeInput()
    )
    priority = forms.IntegerField(label=_("Priority"), required=False, initial=0)
    exclusive = forms.BooleanField(
        label=_("Exclusive: no other promotion of its step on the lines it takes"),
        required=False,
    )
    floor_exempt = forms.BooleanField(
        label=_("May go below the brand's floor prices"), required=False
    )
    budget_amount = _money_field(_("Budget (¥)"))
    budget_qty = forms.IntegerField(label=_("Quantity cap"), required=False)
    # rules, by kind (KIND_FIELDS)
    table = forms.CharField(label=RULE_LABELS["table"], required=False, widget=_TABLE_WIDGET)
    percent = forms.DecimalField(label=RULE_LABELS["percent"], required=False)
    amount = _money_field(RULE_LABELS["amount"])
    price = _money_field(RULE_LABELS["price"])
    sku = forms.CharField(label=RULE_LABELS["sku"], required=False, max_length=64)
    buy_qty = forms.IntegerField(label=RULE_LABELS["buy_qty"], required=False)
    gift = forms.CharField(label=RULE_LABELS["gift"], required=False, max_length=100)
    basis = forms.ChoiceField(label=RULE_LABELS["basis"], required=False, choices=Basis.choices)
    repeat = forms.BooleanField(label=RULE_LABELS["repeat"], required=False)
    max_times = forms.IntegerField(label=RULE_LABELS["max_times"], required=False)
    max_qty_per_order = forms.IntegerField(label=RULE_LABELS["max_qty_per_order"], required=False)
    min_spend = _money_field(RULE_LABELS["min_spend"])
    max_discount = _money_field(RULE_LABELS["max_discount"])
    # targets: rows of one kind are alternatives, different kinds must all hold
    channels = _checks(_("Channel"), Channel.choices)
    levels = _checks(_("Network level"), LEVELS)
    grades = _checks(_("Buyer grade"), Grade.choices)
    regions = forms.CharField(
        label=_("Region subtrees (org codes)"), required=False, max_length=2000
    )
    divisions = forms.CharField(
        label=_("Administrative divisions (codes, e.g. 33 or 3301)"),
        required=False,
        max_length=2000,
    )
    buyers = forms.CharField(
        label=_("Named buyers (org codes)"), required=False, widget=_CODES_WIDGET
    )
    buyers_file = forms.FileField(
        label=_("Or upload a list of buyers (Excel, column 'Org code')"),
        required=False,
    )
    # products (kinds that price named SKUs take them from their rules)
    skus = forms.CharField(label=_("SKU codes"), required=False, widget=_CODES_WIDGET)
    categories = forms.MultipleChoiceField(
        label=_("Categories (with their subcategories)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    product_sets = forms.MultipleChoiceField(
        label=_("Product sets of the seller"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_(
            "A set counts with the SKUs and categories it holds when an order is priced: "
            "a change to the set reaches this promotion, live or not."
        ),
    )

    def __init__(
        self, *args: Any, actor: Any, brand: bool, seller: Org | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if not brand:
            del self.fields["floor_exempt"]
        try:
            choices = category_choices(actor=actor)
        except DomainPermissionDenied:
            choices = []
        self.fields["categories"].choices = [(str(pk), label) for pk, label in choices]  # type: ignore[attr-defined]
        sets = product_set_choices(actor=actor, owner=seller) if seller is not None else []
        self.fields["product_sets"].choices = [(str(pk), name) for pk, name in sets]  # type: ignore[attr-defined]
        self.fields["repeat"].initial = False

    def rule_fields(self) -> list[tuple[Any, str]]:
        """(bound field, the kinds using it) for the template, which shows each field only
        for its kinds."""
        return [
            (
                self[name],
                " ".join(k for k, (req, opt) in KIND_FIELDS.items() if name in req + opt),
            )
            for name in RULE_FIELDS
        ]

    def _required(self, kind: str, data: dict[str, Any]) -> None:
        for name in KIND_FIELDS[kind][0]:
            if name != "table" and data.get(name) in (None, ""):
                self.add_error(name, gettext("This field is required."))

    def _buyer_codes(self, data: dict[str, Any]) -> list[str]:
        codes = codes_in(data.get("buyers") or "")
        upload = data.get("buyers_file")
        if upload:
            try:
                sheet = read_sheet(upload.read(), BUYER_COLUMNS)
            except SheetRejected as exc:
                self.add_error("buyers_file", exc.message)
                return codes
            if sheet.errors:
                self.add_error(
                    "buyers_file",
                    gettext("Row %(row)s: %(message)s")
                    % {"row": sheet.errors[0].row, "message": sheet.errors[0].message},
                )
            codes += [r["code"] for _n, r in sheet.rows if r.get("code")]
        return list(dict.fromkeys(codes))

    def _targets(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        rows: list[tuple[str, str]] = []
        for kind, name in (
            (TargetKind.CHANNEL, "channels"),
            (TargetKind.LEVEL, "levels"),
            (TargetKind.GRADE, "grades"),
        ):
            rows += [(kind, v) for v in data.get(name) or []]
        rows += [(TargetKind.DIVISION, c) for c in codes_in(data.get("divisions") or "")]
        found: list[dict[str, Any]] = []
        for kind, name, codes in (
            (TargetKind.REGION, "regions", codes_in(data.get("regions") or "")),
            (TargetKind.BUYER, "buyers", self._buyer_codes(data)),
        ):
            try:
                found += targets_from(self.actor, [(kind, c) for c in codes], field=name)
            except DomainError as exc:
                self.add_error(name, exc.message)
        return found + targets_from(self.actor, rows, field="targets")

    def _rules(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        try:
            rules = rules_from(kind, data)
            if kind == Kind.GROUP_BUY:  # its SKU has a field of its own
                sku_ids_by_codes([rules["sku_code"]], field="sku")
        except ValidationError as exc:
            self.add_error("gift" if kind == Kind.BUY_X_GET_Y else "table", exc)
            return {}
        except DomainError as exc:
            self.add_error("sku", exc.message)
            return {}
        try:
            return rules_with_ids(rules, field="rules")
        except DomainError as exc:
            self.add_error("gift" if kind == Kind.BUY_X_GET_Y else "table", exc.message)
            return {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind not in KIND_FIELDS:
            return data
        self._required(kind, data)
        if self.errors:
            return data
        rules = self._rules(kind, data)
        targets = self._targets(data)
        try:
            sku_ids = sorted(
                sku_ids_by_codes(codes_in(data.get("skus") or ""), field="skus").values()
            )
        except DomainError as exc:
            self.add_error("skus", exc.message)
            sku_ids = []
        data["payload"] = {
            **{
                f: data.get(f)
                for f in ("name", "description", "kind", "starts_at", "ends_at", "exclusive")
            },
            "rules": rules,
            "priority": data.get("priority") or 0,
            "budget_amount": data.get("budget_amount"),
            "budget_qty": data.get("budget_qty"),
            "targets": targets,
            "sku_ids": sku_ids,
            "category_ids": [int(c) for c in data.get("categories") or []],
            "product_set_ids": [int(c) for c in data.get("product_sets") or []],
        }
        if "floor_exempt" in self.fields:
            data["payload"]["floor_exempt"] = bool(data.get("floor_exempt"))
        return data


# where a service's refusal goes on the form: rules.<name> → the field of that name
RULE_ERROR_FIELDS = {
    "prices": "table",
    "tiers": "table",
    "components": "table",
    "sku_id": "sku",
    "gift": "gift",
    **{n: n for n in RULE_FIELDS},
}


WHOLE_RULES_FIELD = {Kind.BUY_X_GET_Y: "gift", Kind.THRESHOLD_GIFT: "table"}


def error_field(form: PromotionForm, key: str) -> str | None:
    """The form field a service's error key belongs to (None: the form as a whole)."""
    head, _dot, rest = key.partition(".")
    kind = form.cleaned_data.get("kind", "")
    if head == "rules":
        name = RULE_ERROR_FIELDS.get(rest.partition(".")[0]) if rest else None
        if name is None:  # the rules as a whole (a gift not on sale): the kind's main field
            required, optional = KIND_FIELDS.get(kind, ((), ()))
            name = WHOLE_RULES_FIELD.get(kind) or next(iter(required + optional), None)
        return name
    if head == "sku_ids":
        return "table" if kind in (Kind.SPECIAL_PRICE, Kind.FLASH_SALE, Kind.BUNDLE) else "skus"
    if head == "category_ids":
        return "categories"
    if head == "product_set_ids":
        return "product_sets"
    return head if head in form.fields else None


def place_error(form: PromotionForm, error: DomainError) -> None:
    """A refusal of the services on the bound form: on the field it names (the rules'
    own sentence with its detail for rule errors), else on the form."""
    placed: set[str | None] = set()
    for key, messages in error.fields.items():
        name = error_field(form, key)
        if name in placed:
            continue
        placed.add(name)
        if name is not None and key.startswith("rules") and error.code == "promotion_rules_invalid":
            form.add_error(name, error.message)
        else:
            for message in messages:
                form.add_error(name, str(message))
    if not error.fields:
        form.add_error(None, error.message)


# --- decisions, coupons, the simulator ------------------------------------------------------


class CommentForm(StyledForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)


class RejectForm(StyledForm):
    comment = forms.CharField(label=_("Why it goes back to draft"), max_length=500)


class CouponIssueForm(StyledForm):
    """Codes for named buyers (one each), one shared code, or a number of random codes."""

    buyers = forms.CharField(
        label=_("Issue to buyers (org codes)"), required=False, widget=_CODES_WIDGET
    )
    code = forms.CharField(label=_("Or one shared code"), required=False, max_length=32)
    count = forms.IntegerField(
        label=_("Or this many single-use codes"), required=False, min_value=0
    )
    total_limit = forms.IntegerField(
        label=_("Uses in all (shared code)"), required=False, min_value=1
    )
    per_buyer_limit = forms.IntegerField(
        label=_("Uses per buyer"), required=False, min_value=1, initial=1
    )


class SimulateForm(StyledForm):
    """A seller (of those whose promotions the actor manages), a buyer by org code, the
    cart as pasted rows "SKU code  quantity  [unit price]", coupon codes and a moment."""

    seller = forms.ChoiceField(label=_("Seller"))
    buyer = forms.CharField(label=_("Buyer (org code)"), max_length=32)
    lines = forms.CharField(
        label=_("Cart: SKU code, quantity, unit price (optional), one per row"),
        widget=_TABLE_WIDGET,
    )
    coupons = forms.CharField(label=_("Coupon codes"), required=False, max_length=200)
    at = forms.DateTimeField(label=_("At (now when empty)"), required=False, widget=DateTimeInput())

    def __init__(self, *args: Any, sellers: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seller"].choices = [  # type: ignore[attr-defined]
            (str(s.pk), f"{s.name} ({s.code})") for s in sellers
        ]

    def clean_lines(self) -> list[tuple[str, int, Decimal | None]]:
        found = []
        for n, cells in table_rows(self.cleaned_data["lines"], (2, 3)):
            price = Decimal(_number(cells[2], n)) if len(cells) > 2 else None
            found.append((cells[0], _whole(cells[1], n), price))
        return found
