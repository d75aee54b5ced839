"""Stock counts, sell-out and 进销存 pages (their URL patterns are included by urls.py).

Counts: the list with a new-count form; one count with its steps (start, enter the counted
quantities and serials, review the differences, post them as count moves, or cancel).
Sell-out: the records of the actor's stock scope, a one-line form, an Excel import (all rows
or none, with the row-by-row report) and an Excel export. 进销存: per SKU for an org (its own
warehouses or its whole subtree) and a period, with the drill-down by branch and an export.
"""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_STOCK, VIEW_STOCK
from qudao.catalog.models import Category
from qudao.core.errors import DomainError, InvalidTransition
from qudao.core.selectors import audit_list_for_objects
from qudao.core.spreadsheet import XLSX, workbook_bytes
from qudao.core.types import AuthedRequest
from qudao.core.views import (
    call_or_404,
    domain_error_message,
    domain_error_to_form,
    keep_import_errors,
    paginate,
)
from qudao.inventory import selectors, services
from qudao.inventory.constants import JXC_IN, JXC_OUT, CountStatus, SellOutSource
from qudao.inventory.imports import COLUMNS, sellout_export, sellout_import
from qudao.inventory.models import SellOut, StockCount, StockCountLine, Warehouse
from qudao.inventory.report_forms import (
    OWN,
    SUBTREE,
    CountCreateForm,
    CountEnterForm,
    CountFilterForm,
    JxcForm,
    SellOutFilterForm,
    SellOutForm,
    SellOutImportForm,
)
from qudao.inventory.selectors import JxcReport, JxcRow
from qudao.inventory.services import SellOutRejected, SellOutRow
from qudao.network import scope
from qudao.network.models import Org
from qudao.network.selectors import org_ancestors

SHOWN_ERRORS = 200  # the import page lists the first ones; the report has them all
JXC_PER_PAGE = 100

# The 进销存 columns in the order of constants.JXC_IN / JXC_OUT.
JXC_LABELS = {
    "purchases": gettext_lazy("Purchases"),
    "returns_in": gettext_lazy("Returns in"),
    "transfers_in": gettext_lazy("Transfers in"),
    "sales": gettext_lazy("Shipments to buyers"),
    "retail": gettext_lazy("Retail and sell-out"),
    "returns_out": gettext_lazy("Returns out"),
    "transfers_out": gettext_lazy("Transfers out"),
    "consumption": gettext_lazy("Consumption"),
    "adjustments": gettext_lazy("Adjustments"),
}
# The steps of a count's history (its audit rows: stock_count.<step>).
COUNT_ACTIONS = {
    "created": gettext_lazy("Count created"),
    "started": gettext_lazy("Counting started"),
    "entered": gettext_lazy("Counted quantities entered"),
    "posted": gettext_lazy("Differences posted"),
    "cancelled": gettext_lazy("Count cancelled"),
}
IN_NAMES = [name for name, _kinds in JXC_IN]
OUT_NAMES = [name for name, _kinds in JXC_OUT]


def _require_stock(request: AuthedRequest) -> None:
    if not scope.has_any(request.user, VIEW_STOCK):
        raise PermissionDenied


def _manageable(user: Any, warehouses: Sequence[Warehouse]) -> list[Warehouse]:
    """The warehouses of a list the actor may move stock in (grants are cached: no query)."""
    return [w for w in warehouses if scope.can(user, MANAGE_STOCK, w.org)]


def _visible_warehouses(user: Any) -> list[Warehouse]:
    return list(selectors.warehouse_list_for_actor(actor=user))


# --- stock counts ---------------------------------------------------------------------------


def _categories() -> list[Category]:
    """The catalogue's categories in tree order: brand-wide reference data that every member
    of the network may count by (warehouse clerks hold no catalogue right)."""
    return list(Category.objects.order_by("path"))


def _count_list_page(
    request: AuthedRequest, *, status: int = 200, create_form: CountCreateForm | None = None
) -> HttpResponse:
    user = request.user
    warehouses = _visible_warehouses(user)
    manageable = _manageable(user, warehouses)
    filters = CountFilterForm(request.GET or None, warehouses=warehouses)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    warehouse = chosen.get("warehouse")
    counts = selectors.count_list_for_actor(
        actor=user,
        warehouse_id=warehouse.pk if warehouse else None,
        status=chosen.get("status") or "",
    ).annotate(
        n_lines=Count("lines"),
        n_counted=Count("lines", filter=Q(lines__counted_qty__isnull=False)),
    )
    if create_form is None and manageable:
        create_form = CountCreateForm(warehouses=manageable, categories=_categories())
    return render(
        request,
        "inventory/count_list.html",
        {
            "page": paginate(request, counts),
            "filters": filters,
            "create_form": create_form,
            "open_form": "create_form" if create_form is not None and create_form.is_bound else "",
        },
        status=status,
    )


@login_required
def count_list(request: AuthedRequest) -> HttpResponse:
    """Counts of the warehouses in the actor's stock scope, newest first; constant queries."""
    _require_stock(request)
    return _count_list_page(request)


@login_required
@require_POST
def count_create(request: AuthedRequest) -> HttpResponse:
    _require_stock(request)
    manageable = _manageable(request.user, _visible_warehouses(request.user))
    if not manageable:
        raise PermissionDenied
    form = CountCreateForm(request.POST, warehouses=manageable, categories=_categories())
    if form.is_valid():
        try:
            count = services.count_create(
                actor=request.user,
                warehouse=form.cleaned_data["warehouse"],
                category=form.chosen_category(),
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Count %(number)s created with %(n)s lines; start it when counting begins.")
                % {"number": count.number, "n": count.lines.count()},
            )
            return redirect("inventory:count_detail", count_id=count.pk)
    return _count_list_page(request, status=400, create_form=form)


def _count(request: AuthedRequest, count_id: int) -> StockCount:
    return call_or_404(selectors.count_get, actor=request.user, count_id=count_id)


def _count_to_manage(request: AuthedRequest, count_id: int) -> StockCount:
    """A count the actor may work on: out of scope → 404, seen without the right → 403."""
    count = _count(request, count_id)
    if not scope.can(request.user, MANAGE_STOCK, count.warehouse.org):
        raise PermissionDenied
    return count


def _difference(count: StockCount, line: StockCountLine) -> int | None:
    """Posted: the difference booked. Counting: counted − on hand when counting started."""
    if count.status == CountStatus.POSTED:
        return line.difference
    if line.counted_qty is None or line.expected_qty is None:
        return None
    return line.counted_qty - line.expected_qty


def _count_page(
    request: AuthedRequest,
    count: StockCount,
    *,
    status: int = 200,
    enter_form: CountEnterForm | None = None,
) -> HttpResponse:
    """The count with its lines; a refused entry comes back bound with its errors (400)."""
    can_manage = scope.can(request.user, MANAGE_STOCK, count.warehouse.org)
    lines = sorted(count.lines.all(), key=lambda line: line.sku.code)  # prefetched
    if enter_form is None and count.status == CountStatus.COUNTING and can_manage:
        enter_form = CountEnterForm(lines=lines)
    inputs = (
        {line.pk: (counted, serials) for line, counted, serials in enter_form.rows()}
        if enter_form
        else {}
    )
    # (line, difference, counted input, serials input): the inputs while counting
    rows = [(line, _difference(count, line), *inputs.get(line.pk, (None, None))) for line in lines]
    differences = [row[1] for row in rows if row[1]]
    context: dict[str, Any] = {
        "count": count,
        "rows": rows,
        "enter_form": enter_form,
        "can_manage": can_manage,
        "can_act": can_manage and count.status in (CountStatus.DRAFT, CountStatus.COUNTING),
        "counted": sum(1 for line in lines if line.counted_qty is not None),
        "differences": len(differences),
        "net_difference": sum(differences),
        "uncounted": [line.sku.code for line in lines if line.counted_qty is None],
    }
    if can_manage:
        events = audit_list_for_objects(objects={"inventory.stockcount": [count.pk]})
        context["history"] = [
            (COUNT_ACTIONS.get(e.action.rpartition(".")[2], e.action), e) for e in events
        ]
    return render(request, "inventory/count_detail.html", context, status=status)


@login_required
def count_detail(request: AuthedRequest, count_id: int) -> HttpResponse:
    return _count_page(request, _count(request, count_id))


@login_required
@require_POST
def count_enter(request: AuthedRequest, count_id: int) -> HttpResponse:
    """Save the counted quantities (and serials) that changed; blank lines stay uncounted."""
    count = _count_to_manage(request, count_id)
    lines = sorted(count.lines.all(), key=lambda line: line.sku.code)
    form = CountEnterForm(request.POST, lines=lines)
    if form.is_valid():
        entries = form.entries()
        if not entries:
            messages.info(request, _("Nothing changed."))
            return redirect("inventory:count_detail", count_id=count.pk)
        try:
            services.count_enter(actor=request.user, count=count, lines=entries)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(n)s lines saved. Review the differences, then post.") % {"n": len(entries)},
            )
            return redirect("inventory:count_detail", count_id=count.pk)
    return _count_page(request, count, status=400, enter_form=form)


def _transition(
    request: AuthedRequest,
    count_id: int,
    action: Callable[..., StockCount],
    done: str,
) -> HttpResponse:
    """Run one step of the count; a refusal (posting twice, lines not counted, serials not
    right) comes back as a message on the count's page, with nothing written."""
    count = _count_to_manage(request, count_id)
    try:
        action(actor=request.user, count=count)
    except InvalidTransition:
        count.refresh_from_db(fields=["status"])
        messages.error(
            request,
            _("Count %(number)s is already in status “%(status)s”; nothing was changed.")
            % {"number": count.number, "status": count.get_status_display()},
        )
    except DomainError as exc:
        domain_error_message(request, exc)
    else:
        messages.success(request, done % {"number": count.number})
    return redirect("inventory:count_detail", count_id=count.pk)


@login_required
@require_POST
def count_start(request: AuthedRequest, count_id: int) -> HttpResponse:
    return _transition(
        request,
        count_id,
        services.count_start,
        _("Counting of %(number)s started: the on-hand quantities of now are noted."),
    )


@login_required
@require_POST
def count_post(request: AuthedRequest, count_id: int) -> HttpResponse:
    return _transition(
        request,
        count_id,
        services.count_post,
        _("Count %(number)s posted: the differences are stock moves now."),
    )


@login_required
@require_POST
def count_cancel(request: AuthedRequest, count_id: int) -> HttpResponse:
    return _transition(request, count_id, services.count_cancel, _("Count %(number)s cancelled."))


# --- sell-out -------------------------------------------------------------------------------


def _sellout_records(request: AuthedRequest) -> tuple[SellOutFilterForm, QuerySet[SellOut]]:
    filters = SellOutFilterForm(request.GET or None, actor=request.user)
    if filters.is_bound and not filters.is_valid():
        return filters, SellOut.objects.none()
    chosen = filters.cleaned_data if filters.is_bound else {}
    org, sku = chosen.get("org"), chosen.get("sku")
    records = selectors.sellout_list_for_actor(
        actor=request.user,
        org_id=org.pk if org else None,
        sku_id=sku.pk if sku else None,
        since=chosen.get("since"),
        until=chosen.get("until"),
    )
    return filters, records


def _sellout_page(
    request: AuthedRequest, *, status: int = 200, record_form: SellOutForm | None = None
) -> HttpResponse:
    manageable = _manageable(request.user, _visible_warehouses(request.user))
    filters, records = _sellout_records(request)
    if record_form is None and manageable:
        record_form = SellOutForm(warehouses=manageable, initial={"sold_on": timezone.localdate()})
    return render(
        request,
        "inventory/sellout_list.html",
        {
            "page": paginate(request, records),
            "filters": filters,
            "record_form": record_form,
            "open_form": "record_form" if record_form is not None and record_form.is_bound else "",
        },
        status=status,
    )


@login_required
def sellout_list(request: AuthedRequest) -> HttpResponse:
    """Sell-out records of the actor's stock scope (a parent sees its subtree's), newest
    first; constant queries."""
    _require_stock(request)
    return _sellout_page(request)


def _rejected_to_form(form: SellOutForm, error: SellOutRejected) -> None:
    """Each row problem next to its field (the form is one row)."""
    for problem in error.problems:
        form.add_error(problem.field if problem.field in form.fields else None, problem.message)


@login_required
@require_POST
def sellout_record(request: AuthedRequest) -> HttpResponse:
    _require_stock(request)
    manageable = _manageable(request.user, _visible_warehouses(request.user))
    if not manageable:
        raise PermissionDenied
    form = SellOutForm(request.POST, warehouses=manageable)
    if form.is_valid():
        data = form.cleaned_data
        warehouse = data["warehouse"]
        row = SellOutRow(
            sold_on=data["sold_on"],
            sku=data["sku"],
            qty=data["qty"],
            serials=tuple(data["serial_list"]),
            buyer_division=data["buyer_division"],
            row=1,
        )
        try:
            [record] = services.sellout_record(
                actor=request.user,
                org=warehouse.org,
                rows=[row],
                source=SellOutSource.FORM,
                warehouse=warehouse,
            )
        except SellOutRejected as exc:
            _rejected_to_form(form, exc)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Sell-out %(number)s recorded: %(qty)s × %(sku)s.")
                % {"number": record.doc_number, "qty": record.qty, "sku": data["sku"].code},
            )
            return redirect("inventory:sellout_list")
    return _sellout_page(request, status=400, record_form=form)


@login_required
def sellout_import_page(request: AuthedRequest) -> HttpResponse:
    """An Excel file of sold lines: every row checked, all recorded or none, with the
    row-by-row report (also as /import-errors.xlsx)."""
    _require_stock(request)
    manageable = _manageable(request.user, _visible_warehouses(request.user))
    if not manageable:
        raise PermissionDenied
    form = SellOutImportForm(request.POST or None, request.FILES or None, warehouses=manageable)
    context: dict[str, Any] = {"form": form, "columns": COLUMNS}
    if request.method != "POST":
        return render(request, "inventory/sellout_import.html", context)
    if form.is_valid():
        warehouse = form.cleaned_data["warehouse"]
        try:
            result = call_or_404(
                sellout_import,
                actor=request.user,
                org=warehouse.org,
                data=form.cleaned_data["file"].read(),
                warehouse=warehouse,
            )
        except DomainError as exc:  # the file as a whole: not xlsx, columns missing
            domain_error_to_form(form, exc)
        else:
            if result.ok:
                messages.success(
                    request,
                    _("Imported %(rows)s sell-out rows, %(units)s units.") % result.counts,
                )
                return redirect("inventory:sellout_list")
            keep_import_errors(request, result.errors)
            context.update(result=result, shown_errors=result.errors[:SHOWN_ERRORS])
    return render(request, "inventory/sellout_import.html", context, status=400)


@login_required
def sellout_export_file(request: AuthedRequest) -> HttpResponse:
    """The list as filtered, in the import's columns (a ready-made import template)."""
    _require_stock(request)
    _filters, records = _sellout_records(request)
    response = HttpResponse(
        sellout_export(records=records.iterator(chunk_size=2000)), content_type=XLSX
    )
    response["Content-Disposition"] = 'attachment; filename="sellout.xlsx"'
    return response


# --- 进销存 ----------------------------------------------------------------------------------


def _home_org(user: Any) -> Org | None:
    """The highest org where the actor sees stock (the brand's root for a superuser)."""
    paths = [g.path for g in scope.grants(user) if VIEW_STOCK in g.permissions]
    orgs = scope.visible_orgs(user)
    if paths:
        orgs = orgs.filter(path=min(paths, key=lambda p: (len(p), p)))
    return orgs.order_by("path").first()


def _jxc_form(request: AuthedRequest) -> JxcForm:
    """The report's parameters: what the query string gives over the defaults (the actor's
    top org, this month to today, the whole subtree)."""
    today = timezone.localdate()
    given = {k: str(v) for k, v in request.GET.items() if str(v).strip()}
    home = None if given.get("org") else _home_org(request.user)
    defaults = {
        "org": home.code if home else "",
        "since": today.replace(day=1).isoformat(),
        "until": today.isoformat(),
        "subtree": SUBTREE,
    }
    return JxcForm({**defaults, **given}, actor=request.user)


def _jxc_query(code: str, since: date, until: date, subtree: bool, sku: Any) -> str:
    """The query string of a report (the drill-down links, the export)."""
    query = {
        "org": code,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "subtree": SUBTREE if subtree else OWN,
    }
    if sku is not None:
        query["sku"] = sku.code
    return urlencode(query)


def _columns(
    row: JxcRow, ins: Sequence[str] = IN_NAMES, outs: Sequence[str] = OUT_NAMES
) -> tuple[list[int], list[int]]:
    return [row.ins.get(n, 0) for n in ins], [row.outs.get(n, 0) for n in outs]


def _jxc_reports(request: AuthedRequest, form: JxcForm) -> tuple[JxcReport, JxcReport | None]:
    data = form.cleaned_data
    org, sku, subtree = data["org"], data["sku"], data["subtree"] == SUBTREE
    params = {
        "actor": request.user,
        "org": org,
        "since": data["since"],
        "until": data["until"],
        "sku_id": sku.pk if sku else None,
    }
    report = call_or_404(selectors.jxc, subtree=subtree, **params)
    branches = call_or_404(selectors.jxc_by_branch, **params) if subtree else None
    return report, branches


@login_required
def jxc(request: AuthedRequest) -> HttpResponse:
    """进销存 per SKU: opening + in − out = closing over the period, days of stock; with the
    org's branches (its own warehouses, each child's subtree) to drill down. Constant
    queries whatever the size of the tree or the period."""
    _require_stock(request)
    form = _jxc_form(request)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        org, since, until, sku = data["org"], data["since"], data["until"], data["sku"]
        report, branches = _jxc_reports(request, form)
        page = Paginator(report.rows, JXC_PER_PAGE).get_page(request.GET.get("page"))
        # the columns of the kinds of moves the report has (the export has them all)
        ins = [n for n in IN_NAMES if any(row.ins.get(n) for row in report.rows)]
        outs = [n for n in OUT_NAMES if any(row.outs.get(n) for row in report.rows)]
        context.update(
            org=org,
            report=report,
            page=page,
            in_labels=[JXC_LABELS[n] for n in ins],
            out_labels=[JXC_LABELS[n] for n in outs],
            rows=[(row, *_columns(row, ins, outs)) for row in page.object_list],
            total=(report.total, *_columns(report.total, ins, outs)),
            ancestors=org_ancestors(actor=request.user, org=org),
            query=_jxc_query(org.code, since, until, report.subtree, sku),
        )
        if branches is not None and any(row.key != org.pk for row in branches.rows):
            # the org's own warehouses open its own-only report; a child, its subtree's
            context["branches"] = [
                (
                    row,
                    _jxc_query(row.code, since, until, row.key != org.pk, sku),
                    row.key == org.pk,
                )
                for row in branches.rows
            ]
    return render(request, "inventory/jxc_report.html", context)


def _jxc_sheet(report: JxcReport) -> bytes:
    headers = [
        _("SKU code"),
        _("SKU"),
        _("Opening"),
        *(JXC_LABELS[n] for n in IN_NAMES),
        _("In total"),
        *(JXC_LABELS[n] for n in OUT_NAMES),
        _("Out total"),
        _("Closing"),
        _("Sold in the last 30 days"),
        _("Days of stock"),
    ]

    def line(row: JxcRow, code: str, name: str) -> list[Any]:
        ins, outs = _columns(row)
        return [
            code,
            name,
            row.opening,
            *ins,
            row.in_total,
            *outs,
            row.out_total,
            row.closing,
            row.sold_30d,
            row.days_of_stock if row.days_of_stock is not None else "",
        ]

    rows = [line(row, row.code, row.name) for row in report.rows]
    rows.append(line(report.total, _("Total"), ""))
    return workbook_bytes(headers, rows, title=report.org.code)


@login_required
def jxc_export(request: AuthedRequest) -> HttpResponse:
    """The same report as an Excel sheet (all SKUs, with the total row)."""
    _require_stock(request)
    form = _jxc_form(request)
    if not form.is_valid():  # the page shows what is wrong
        return redirect(f"{reverse('inventory:jxc')}?{request.GET.urlencode()}")
    report, _branches = _jxc_reports(request, form)
    name = f"jxc-{report.org.code}-{report.since:%Y%m%d}-{report.until:%Y%m%d}.xlsx"
    response = HttpResponse(_jxc_sheet(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("counts/", count_list, name="count_list"),
    path("counts/new/", count_create, name="count_create"),
    path("counts/<int:count_id>/", count_detail, name="count_detail"),
    path("counts/<int:count_id>/start/", count_start, name="count_start"),
    path("counts/<int:count_id>/enter/", count_enter, name="count_enter"),
    path("counts/<int:count_id>/post/", count_post, name="count_post"),
    path("counts/<int:count_id>/cancel/", count_cancel, name="count_cancel"),
    path("sellout/", sellout_list, name="sellout_list"),
    path("sellout/record/", sellout_record, name="sellout_record"),
    path("sellout/import/", sellout_import_page, name="sellout_import"),
    path("sellout/export.xlsx", sellout_export_file, name="sellout_export"),
    path("jxc/", jxc, name="jxc"),
    path("jxc/export.xlsx", jxc_export, name="jxc_export"),
]
