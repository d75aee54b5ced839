from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.core.money import MoneyField
from qudao.dealers.constants import (
    ContractStatus,
    CriterionSource,
    Decision,
    Dimension,
    DocumentKind,
    FileKind,
    ItemCode,
    RunStatus,
    Stage,
)
from qudao.network.constants import Grade


class Dealer(models.Model):
    """A dealer's lifecycle record, from its application to its closing. Holds what the
    applicant told us; once approved, onboarding creates its `org` in the network. Dealers
    that predate the app (seeded or imported orgs) have a record with `org` set and the
    application fields they have."""

    brand = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("brand")
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    # The applicant's tracking link (secrets.token_urlsafe): unguessable, never the id.
    token = models.CharField(max_length=64, unique=True, editable=False)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.PROSPECT
    )
    org = models.OneToOneField(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dealer",
        verbose_name=_("org"),
    )
    # Where the org goes in the tree (a region or a distributor), chosen at review.
    parent = models.ForeignKey(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("parent"),
    )
    company_name = models.CharField(_("company name"), max_length=100)
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    legal_rep = models.CharField(_("legal representative"), max_length=40)
    contact_name = models.CharField(_("contact"), max_length=40)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    province = models.ForeignKey(
        "network.Division",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("province"),
    )
    city = models.ForeignKey(
        "network.Division",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city"),
    )
    district = models.ForeignKey(
        "network.Division",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("district"),
    )
    address = models.CharField(_("address"), max_length=200)
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="+", verbose_name=_("categories")
    )
    # District codes the applicant wants to sell in.
    intended_territory = models.JSONField(_("intended territory"), default=list, blank=True)
    registered_capital = MoneyField(_("registered capital"))
    store_area = models.DecimalField(
        _("store area (m²)"), max_digits=9, decimal_places=1, default=Decimal("0")
    )
    years_in_business = models.PositiveSmallIntegerField(_("years in business"), default=0)
    brands_carried = models.JSONField(_("brands carried"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Review: the weighted score (0–100) and the approval chain's position.
    score = models.DecimalField(_("score"), null=True, blank=True, max_digits=5, decimal_places=2)
    approval_step = models.PositiveSmallIntegerField(_("approval step"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    submitted_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    # A reviewer asked the applicant something; cleared when the applicant answers.
    awaiting_applicant = models.BooleanField(_("waiting for the applicant"), default=False)
    # Lower-case company name, its pinyin and initials, USCC and number: `hzxd` finds 杭州迅达.
    search_text = models.CharField(max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dealer")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="dealer_stage_valid"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="dealer_score_range",
            ),
            # One open application or dealer per company and brand (a rejected or closed one
            # may apply again): the last word when two submissions race.
            models.UniqueConstraint(
                fields=["brand", "uscc"],
                condition=~Q(uscc="") & ~Q(stage__in=["rejected", "closed"]),
                name="dealer_uscc_open_unique",
            ),
        ]
        indexes = [models.Index(fields=["brand", "stage"])]

    def __str__(self) -> str:
        return f"{self.number} {self.company_name}"


def _upload_to(instance: "DealerFile", filename: str) -> str:
    # Outside the web root (MEDIA_ROOT is never served directly); a random name.
    import secrets

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"dealers/{instance.dealer_id or 0}/{secrets.token_hex(12)}.{suffix}"


def private_storage() -> Storage:
    return storages["private"]


class DealerFile(models.Model):
    """A photo or licence file of an application, or a document's scan. Served only through
    a view that checks the reader's scope."""

    dealer = models.ForeignKey(
        Dealer, on_delete=models.CASCADE, related_name="files", verbose_name=_("dealer")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FileKind.choices)
    file = models.FileField(_("file"), upload_to=_upload_to, storage=private_storage)
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("file")

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """A question from the reviewers or an answer from the applicant (on the tracking page)."""

    dealer = models.ForeignKey(
        Dealer, on_delete=models.CASCADE, related_name="messages", verbose_name=_("dealer")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_applicant = models.BooleanField(default=False)
    # A reviewers' note: never shown to the applicant.
    internal = models.BooleanField(_("internal note"), default=False)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class ReviewSettings(models.Model):
    """The brand's admission settings: pass mark and approval chain (role codes in order)."""

    brand = models.OneToOneField(
        "network.Org", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand")
    )
    pass_mark = models.DecimalField(
        _("pass mark"), default=Decimal("60"), max_digits=5, decimal_places=2
    )
    approval_chain = models.JSONField(
        _("approval chain"), default=list, help_text=_("Role codes, in order.")
    )

    def __str__(self) -> str:
        return str(self.brand)


class Criterion(models.Model):
    """A scorecard criterion with its weight (%). A figure-based criterion scores by bands:
    [[minimum, score], …] — the highest minimum the figure reaches gives the score."""

    brand = models.ForeignKey(
        "network.Org", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand")
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=60)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    source = models.CharField(
        _("source"),
        max_length=24,
        choices=CriterionSource.choices,
        default=CriterionSource.MANUAL,
    )
    bands = models.JSONField(_("bands"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="criterion_code_unique"),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100), name="criterion_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    """A criterion's score (0–100) on one application, by one reviewer."""

    dealer = models.ForeignKey(Dealer, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dealer", "criterion"], name="score_unique"),
            models.CheckConstraint(
                condition=Q(value__gte=0, value__lte=100), name="score_value_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


class ApprovalStep(models.Model):
    """One decision of the approval chain."""

    dealer = models.ForeignKey(Dealer, on_delete=models.CASCADE, related_name="approvals")
    step = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=32)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "step"], name="approval_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dealer_id}#{self.step} {self.decision}"


class OnboardingItem(models.Model):
    """One item of a dealer's onboarding checklist; who did it and when."""

    dealer = models.ForeignKey(Dealer, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("item"), max_length=16, choices=ItemCode.choices)
    required = models.BooleanField(default=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dealer", "code"], name="onboarding_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dealer_id} {self.code}"


class Document(models.Model):
    """A dealer's licence, brand authorisation or other paper, with its expiry date and the
    reminders already sent (30 and 7 days before)."""

    org = models.ForeignKey(
        "network.Org", on_delete=models.CASCADE, related_name="+", verbose_name=_("dealer")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=100)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    file = models.ForeignKey(
        DealerFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A renewed paper replaces the one before it; only the latest of a chain is current.
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    reminded_days = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dealer document")
        ordering = ["expires_on", "id"]
        indexes = [models.Index(fields=["kind", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(expires_on__gt=models.F("issued_on")),
                name="document_dates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def days_left(self) -> int | None:
        """Days until it expires (negative once expired; None: no expiry date)."""
        if self.expires_on is None:
            return None
        return (self.expires_on - timezone.localdate()).days


class Contract(models.Model):
    """A dealer's yearly contract with its seller: term, price grade, deposit, policies and
    purchase targets by quarter. A renewal is a new contract pointing at the one it renews."""

    org = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer")
    )
    seller = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=8, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    grade = models.CharField(_("price grade"), max_length=2, choices=Grade.choices, blank=True)
    deposit = MoneyField(_("deposit"))
    policies = models.TextField(_("policies"), blank=True)
    renews = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )
    file = models.ForeignKey(
        DealerFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="contract_term_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values), name="contract_status_valid"
            ),
            models.CheckConstraint(condition=Q(deposit__gte=0), name="contract_deposit_valid"),
            # one active contract per dealer, seller and year (an ended one may be followed
            # by another for the rest of the year)
            models.UniqueConstraint(
                fields=["org", "seller", "year"],
                condition=Q(status="active"),
                name="contract_one_per_year",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Target(models.Model):
    """A purchase target of a contract for one quarter: amount and/or units, for a category
    (with its subcategories) or for everything."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="targets")
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    amount = MoneyField(_("amount"), null=True, blank=True, default=None)
    units = models.PositiveIntegerField(_("units"), null=True, blank=True)

    class Meta:
        ordering = ["quarter", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="target_quarter_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(units__isnull=False),
                name="target_has_measure",
            ),
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) | Q(amount__gt=0))
                & (Q(units__isnull=True) | Q(units__gt=0)),
                name="target_measure_positive",
            ),
            models.UniqueConstraint(
                fields=["contract", "quarter", "category"],
                condition=Q(category__isnull=False),
                name="target_unique",
            ),
            models.UniqueConstraint(
                fields=["contract", "quarter"],
                condition=Q(category__isnull=True),
                name="target_all_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.quarter}"

    # What was bought against the target, when the selector annotated it
    # (selectors.contracts.targets_with_attainment): the share reached, in per cent.
    @property
    def amount_pct(self) -> Decimal | None:
        return _pct(getattr(self, "achieved_amount", None), self.amount)

    @property
    def units_pct(self) -> Decimal | None:
        return _pct(getattr(self, "achieved_units", None), self.units)


def _pct(achieved: Any, target: Any) -> Decimal | None:
    if achieved is None or not target:
        return None
    value = Decimal(str(achieved)) * 100 / Decimal(str(target))
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Territory(models.Model):
    """A district a dealer sells in, for a category (null: all), exclusive or not. Released at
    closing. Two active exclusive rights on one district and category cannot coexist (the
    services name the dealer holding it; the partial unique index is the last word)."""

    org = models.ForeignKey(
        "network.Org", on_delete=models.CASCADE, related_name="+", verbose_name=_("dealer")
    )
    district = models.ForeignKey(
        "network.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("district"),
    )
    category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    exclusive = models.BooleanField(_("exclusive"), default=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("territory")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "category"],
                condition=Q(exclusive=True, released_at__isnull=True, category__isnull=False),
                name="territory_exclusive_unique",
            ),
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(exclusive=True, released_at__isnull=True, category__isnull=True),
                name="territory_exclusive_all_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.district_id}"


class GradingWeight(models.Model):
    """The brand's weight (%) for one grading dimension."""

    brand = models.ForeignKey("network.Org", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "dimension"], name="grading_weight_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=100), name="grading_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.weight}"


class GradingRun(models.Model):
    """One grading of a brand's dealers over a period: proposed, then confirmed."""

    brand = models.ForeignKey("network.Org", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=32, unique=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.PROPOSED
    )
    weights = models.JSONField(_("weights"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("grading run")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="grading_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="grading_run_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class GradingResult(models.Model):
    """A dealer's scores in a run (0–100 per dimension), the proposed grade and the grade
    the channel manager confirmed."""

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="results")
    org = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer")
    )
    # null: no data for the dimension in the period (it is left out of the total, whose
    # weights are scaled up over the dimensions that have data)
    attainment = models.DecimalField(
        _("target attainment"), max_digits=5, decimal_places=2, null=True
    )
    sell_through = models.DecimalField(_("sell-through"), max_digits=5, decimal_places=2, null=True)
    payment = models.DecimalField(_("payment"), max_digits=5, decimal_places=2, null=True)
    inventory = models.DecimalField(_("inventory"), max_digits=5, decimal_places=2, null=True)
    service = models.DecimalField(_("service"), max_digits=5, decimal_places=2, null=True)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2)
    # the numbers behind the scores (amounts as strings), for the reviewer
    figures = models.JSONField(default=dict, blank=True)
    previous_grade = models.CharField(_("current grade"), max_length=2, blank=True)
    proposed_grade = models.CharField(_("proposed grade"), max_length=2, choices=Grade.choices)
    grade = models.CharField(_("confirmed grade"), max_length=2, choices=Grade.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("grading result")
        ordering = ["-total", "org_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "org"], name="grading_result_unique"),
            models.CheckConstraint(
                condition=Q(total__gte=0, total__lte=100), name="grading_result_total_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.proposed_grade}"


class GradeTerms(models.Model):
    """The brand's rule of what a grade gives: the credit limit and payment term a dealer of
    that grade gets with its seller when its grade is set (price lists follow the grade on
    their own: pricing resolves lists by the buyer's grade)."""

    brand = models.ForeignKey("network.Org", on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices)
    min_score = models.DecimalField(_("minimum score"), max_digits=5, decimal_places=2)
    credit_limit = MoneyField(_("credit limit"))
    payment_term_days = models.PositiveSmallIntegerField(_("payment term (days)"), default=0)

    class Meta:
        ordering = ["grade"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "grade"], name="grade_terms_unique")
        ]

    def __str__(self) -> str:
        return self.grade
