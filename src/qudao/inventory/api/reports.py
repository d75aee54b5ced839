"""Stock counts, sell-out (JSON and Excel) and 进销存 with its Excel export."""

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from qudao.accounts.constants import VIEW_STOCK
from qudao.catalog.selectors import category_get, sku_map_by_codes
from qudao.core.errors import PermissionDenied, ValidationFailed
from qudao.core.pagination import PageNumberPagination
from qudao.core.spreadsheet import XLSX, workbook_bytes
from qudao.core.types import ApiRequest
from qudao.inventory import selectors, services
from qudao.inventory.api._common import (
    naming_serials,
    require_stock,
    skus_by_code,
)
from qudao.inventory.constants import JXC_IN, JXC_OUT, SellOutSource
from qudao.inventory.imports import COLUMNS, sellout_import
from qudao.inventory.models import StockCount
from qudao.inventory.schemas import (
    CountCreateIn,
    CountDetailOut,
    CountFilters,
    CountLinesIn,
    CountOut,
    JxcFilters,
    JxcOut,
    SellOutBatchOut,
    SellOutFilters,
    SellOutImportIn,
    SellOutImportOut,
    SellOutIn,
    SellOutOut,
)
from qudao.network import scope
from qudao.network.models import Org
from qudao.network.selectors import org_get

router = Router()

MAX_IMPORT_BYTES = 20 * 1024 * 1024
# the sell-out service's field names → the names of the JSON rows
ROW_FIELDS = {"sku": "sku_code"}
JXC_LABELS = {
    "purchases": gettext_lazy("Purchases"),
    "returns_in": gettext_lazy("Returns in"),
    "transfers_in": gettext_lazy("Transfers in"),
    "sales": gettext_lazy("Sales"),
    "retail": gettext_lazy("Retail and sell-out"),
    "returns_out": gettext_lazy("Returns out"),
    "transfers_out": gettext_lazy("Transfers out"),
    "consumption": gettext_lazy("Consumption"),
    "adjustments": gettext_lazy("Adjustments"),
}


def _count_detail(actor: Any, count_id: int) -> StockCount:
    count = selectors.count_get(actor=actor, count_id=count_id)
    count.line_rows = sorted(count.lines.all(), key=lambda line: line.sku.code)  # type: ignore[attr-defined]
    return count


# --- counts -------------------------------------------------------------------------------


@router.get("/counts", response=list[CountOut])
@paginate(PageNumberPagination)
def count_list(request: ApiRequest, filters: Query[CountFilters]):  # type: ignore[no-untyped-def]
    require_stock(request.auth)
    return selectors.count_list_for_actor(
        actor=request.auth, warehouse_id=filters.warehouse, status=filters.status or ""
    )


@router.post("/counts", response={201: CountDetailOut})
def count_create(request: ApiRequest, payload: CountCreateIn) -> Status[StockCount]:
    """A draft count of a warehouse: every SKU it holds or expects (of a category), or the
    SKUs listed."""
    actor = request.auth
    warehouse = selectors.warehouse_get(actor=actor, warehouse_id=payload.warehouse_id)
    category = (
        category_get(actor=actor, category_id=payload.category_id)
        if payload.category_id is not None
        else None
    )
    skus = None
    if payload.sku_codes is not None:
        found = skus_by_code(payload.sku_codes, where="sku_codes")
        skus = [found[code.strip()] for code in payload.sku_codes]
    count = services.count_create(
        actor=actor, warehouse=warehouse, category=category, skus=skus, note=payload.note
    )
    return Status(201, _count_detail(actor, count.pk))


@router.get("/counts/{count_id}", response=CountDetailOut)
def count_detail(request: ApiRequest, count_id: int) -> StockCount:
    return _count_detail(request.auth, count_id)


@router.post("/counts/{count_id}/start", response=CountDetailOut)
def count_start(request: ApiRequest, count_id: int) -> StockCount:
    """Counting begins: each line notes the on-hand of this moment."""
    count = selectors.count_get(actor=request.auth, count_id=count_id)
    services.count_start(actor=request.auth, count=count)
    return _count_detail(request.auth, count_id)


@router.post("/counts/{count_id}/lines", response=CountDetailOut)
def count_enter(request: ApiRequest, count_id: int, payload: CountLinesIn) -> StockCount:
    """Counted quantities and serials; a SKU entered again replaces its line."""
    count = selectors.count_get(actor=request.auth, count_id=count_id)
    skus = skus_by_code([line.sku_code for line in payload.lines], where="lines")
    lines = [
        (skus[line.sku_code.strip()], line.counted, selectors.parse_serials(line.serials))
        for line in payload.lines
    ]
    with naming_serials():
        services.count_enter(actor=request.auth, count=count, lines=lines)
    return _count_detail(request.auth, count_id)


@router.post("/counts/{count_id}/post", response=CountDetailOut)
def count_post(request: ApiRequest, count_id: int) -> StockCount:
    """Post every line's difference as a count move; once."""
    count = selectors.count_get(actor=request.auth, count_id=count_id)
    with naming_serials():
        services.count_post(actor=request.auth, count=count)
    return _count_detail(request.auth, count_id)


@router.post("/counts/{count_id}/cancel", response=CountDetailOut)
def count_cancel(request: ApiRequest, count_id: int) -> StockCount:
    count = selectors.count_get(actor=request.auth, count_id=count_id)
    services.count_cancel(actor=request.auth, count=count)
    return _count_detail(request.auth, count_id)


# --- sell-out -----------------------------------------------------------------------------


@router.get("/sellout", response=list[SellOutOut])
@paginate(PageNumberPagination)
def sellout_list(request: ApiRequest, filters: Query[SellOutFilters]):  # type: ignore[no-untyped-def]
    """Sell-out records of the actor's stock scope (a parent sees its subtree's)."""
    require_stock(request.auth)
    return selectors.sellout_list_for_actor(
        actor=request.auth,
        org_id=filters.org,
        sku_id=filters.sku,
        since=filters.since,
        until=filters.until,
        include_voided=filters.include_voided,
    )


def _sellout_place(actor: Any, org_id: int, warehouse_id: int | None) -> tuple[Org, Any]:
    org = org_get(actor=actor, org_id=org_id)
    warehouse = (
        None
        if warehouse_id is None
        else selectors.warehouse_get(actor=actor, warehouse_id=warehouse_id)
    )
    return org, warehouse


@router.post("/sellout", response={201: SellOutBatchOut})
def sellout_record(request: ApiRequest, payload: SellOutIn) -> Status[dict[str, Any]]:
    """Record an org's downstream sales (source: API). All rows or none: a refusal names
    every bad row in `fields` as `rows.<index>.<field>`."""
    org, warehouse = _sellout_place(request.auth, payload.org_id, payload.warehouse_id)
    skus = sku_map_by_codes(row.sku_code for row in payload.rows)
    rows = [
        services.SellOutRow(
            sold_on=row.sold_on,
            sku=skus.get(row.sku_code.strip()),
            qty=row.qty,
            serials=tuple(row.serials),
            buyer_division=row.buyer_division,
            row=number,
        )
        for number, row in enumerate(payload.rows)
    ]
    try:
        records = services.sellout_record(
            actor=request.auth, org=org, rows=rows, source=SellOutSource.API, warehouse=warehouse
        )
    except services.SellOutRejected as exc:
        fields: dict[str, list[str]] = {}
        for p in exc.problems:
            key = f"rows.{p.row}.{ROW_FIELDS.get(p.field, p.field)}"
            fields.setdefault(key, []).append(p.message)
        exc.fields = fields
        raise
    return Status(
        201,
        {
            "doc_number": records[0].doc_number,
            "rows": len(records),
            "units": sum(r.qty for r in records),
            "items": records,
        },
    )


@router.post("/sellout/import", response={201: SellOutImportOut})
def sellout_import_file(
    request: ApiRequest, payload: Form[SellOutImportIn], file: File[UploadedFile]
) -> Status[dict[str, int]]:
    """An Excel file (multipart/form-data) with the columns of the sell-out template: date
    sold, SKU code, quantity, serial numbers, buyer's region code. All rows or none: a
    refusal names every bad cell in `fields` as `rows.<Excel row>.<column>`."""
    org, warehouse = _sellout_place(request.auth, payload.org_id, payload.warehouse_id)
    if (file.size or 0) > MAX_IMPORT_BYTES:
        message = _("The file is larger than %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES >> 20}
        raise ValidationFailed(message, code="file_too_large", fields={"file": [message]})
    result = sellout_import(actor=request.auth, org=org, data=file.read(), warehouse=warehouse)
    if not result.ok:
        keys = {str(c.header): c.key for c in COLUMNS}
        fields: dict[str, list[str]] = {}
        for e in result.errors:
            key = f"rows.{e.row}.{keys.get(e.column, e.column)}" if e.row else "__all__"
            fields.setdefault(key, []).append(e.message)
        raise ValidationFailed(
            _("%(n)s problems in the file; nothing was recorded.") % {"n": len(result.errors)},
            code="sellout_rejected",
            fields=fields,
        )
    return Status(201, {"rows": result.counts["rows"], "units": result.counts["units"]})


# --- 进销存 --------------------------------------------------------------------------------


def _home_org(actor: Any) -> Org:
    """The highest org where the actor sees stock: the report's default."""
    paths = sorted(
        (g.path for g in scope.grants(actor) if VIEW_STOCK in g.permissions),
        key=lambda path: (len(path), path),
    )
    if getattr(actor, "is_superuser", False):
        paths = scope.root_paths(actor) + paths
    org = scope.visible_orgs(actor).filter(path__in=paths[:1]).first()
    if org is None:
        raise PermissionDenied
    return org


def _jxc(actor: Any, filters: JxcFilters) -> selectors.JxcReport:
    org = _home_org(actor) if filters.org is None else org_get(actor=actor, org_id=filters.org)
    today = timezone.localdate()
    until = filters.until or today
    since = filters.since or date(until.year, until.month, 1)
    if since > until:
        message = _("The period ends before it starts.")
        raise ValidationFailed(message, code="invalid_period", fields={"since": [message]})
    if filters.by == "branch":
        return selectors.jxc_by_branch(
            actor=actor, org=org, since=since, until=until, sku_id=filters.sku
        )
    return selectors.jxc(
        actor=actor, org=org, since=since, until=until, subtree=filters.subtree, sku_id=filters.sku
    )


def _jxc_row(row: selectors.JxcRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "code": row.code,
        "name": row.name,
        "opening": row.opening,
        "ins": row.ins,
        "in_total": row.in_total,
        "outs": row.outs,
        "out_total": row.out_total,
        "closing": row.closing,
        "sold_30d": row.sold_30d,
        "days_of_stock": row.days_of_stock,
    }


@router.get("/jxc", response=JxcOut)
def jxc(request: ApiRequest, filters: Query[JxcFilters]) -> dict[str, Any]:
    """进销存 per SKU (or per branch of the tree) for an org and period: opening + in − out =
    closing, with days of stock. Defaults: the actor's own org, this month to date."""
    report = _jxc(request.auth, filters)
    return {
        "org_id": report.org.pk,
        "org_code": report.org.code,
        "org_name": report.org.name,
        "since": report.since,
        "until": report.until,
        "subtree": report.subtree,
        "by": filters.by,
        "rows": [_jxc_row(row) for row in report.rows],
        "total": _jxc_row(report.total),
    }


@router.get("/jxc/export", response={200: None})
def jxc_export(request: ApiRequest, filters: Query[JxcFilters]) -> HttpResponse:
    """The same report as an Excel workbook, with a total row."""
    report = _jxc(request.auth, filters)
    ins = [name for name, _kinds in JXC_IN]
    outs = [name for name, _kinds in JXC_OUT]
    headers = [
        _("Code"),
        _("Name"),
        _("Opening"),
        *(JXC_LABELS[name] for name in ins),
        _("In total"),
        *(JXC_LABELS[name] for name in outs),
        _("Out total"),
        _("Closing"),
        _("Days of stock"),
    ]
    rows = [
        [
            row.code,
            row.name,
            row.opening,
            *(row.ins.get(name, 0) for name in ins),
            row.in_total,
            *(row.outs.get(name, 0) for name in outs),
            row.out_total,
            row.closing,
            row.days_of_stock,
        ]
        for row in [*report.rows, report.total]
    ]
    rows[-1][1] = _("Total")
    body = workbook_bytes(headers, rows, title=_("Purchases, sales and stock"))
    response = HttpResponse(body, content_type=XLSX)
    name = f"jxc-{report.org.code}-{report.since}-{report.until}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
