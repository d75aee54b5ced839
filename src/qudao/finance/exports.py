"""A statement as a document: PDF (WeasyPrint, Noto Sans CJK embedded — reportlab cannot use
CFF-outlined CJK fonts) and Excel (openpyxl). Both are drawn from `statement_view`, so they
show exactly what the page shows."""

from decimal import Decimal
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from qudao.core.spreadsheet import XLSX
from qudao.finance.selectors import StatementView


def statement_pdf(view: StatementView) -> bytes:
    from weasyprint import HTML  # imported here: pango loads only when a PDF is asked for

    html = render_to_string(
        "finance/statement_pdf.html",
        {"view": view, "statement": view.statement, "printed_at": timezone.now()},
    )
    return HTML(string=html).write_pdf()


def _line_row(line: Any) -> list[Any]:
    entry = line.entry
    return [
        timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
        str(entry.get_account_display()),
        str(entry.get_kind_display()),
        entry.doc_number,
        entry.memo,
        entry.amount,
        entry.balance_after,
        str(line.get_dispute_display()) if line.dispute else "",
        " / ".join(f"{c.get_side_display()}: {c.text}" for c in line.thread),
    ]


def statement_xlsx(view: StatementView) -> bytes:
    s = view.statement
    book = Workbook()
    sheet = book.active
    sheet.title = _("Statement")[:31]
    bold = Font(bold=True)
    sheet.append([_("Statement %(number)s") % {"number": s.number}])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (_("Seller"), s.position.seller.name),
        (_("Buyer"), s.position.buyer.name),
        (_("Month"), s.period.strftime("%Y-%m")),
        (_("Status"), str(s.get_status_display())),
    ):
        sheet.append([label, value])
    sheet.append([])
    sheet.append([_("Balance"), _("Opening"), _("Increases"), _("Decreases"), _("Closing")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in view.accounts:
        sheet.append(
            [str(row["label"]), row["opening"], row["debits"], row["credits"], row["closing"]]
        )
    sheet.append([])
    sheet.append(
        [
            _("Posted at"),
            _("Balance"),
            _("Kind"),
            _("Document"),
            _("Memo"),
            _("Amount"),
            _("Balance after"),
            _("Dispute"),
            _("Comments"),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for line in view.lines:
        sheet.append(_line_row(line))
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    for column, width in zip("ABCDEFGHI", (18, 14, 16, 18, 24, 14, 14, 10, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def statement_download(view: StatementView, kind: str) -> HttpResponse:
    """The PDF (`kind="pdf"`) or Excel (`"xlsx"`) file as an attachment."""
    body, content_type = (
        (statement_pdf(view), "application/pdf") if kind == "pdf" else (statement_xlsx(view), XLSX)
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{view.statement.number}.{kind}"'
    return response
