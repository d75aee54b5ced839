"""Document numbers like SO-2026-000123, per type and year.

Gap-tolerant numbers (orders, shipments, tickets) come from a PostgreSQL sequence: nextval()
holds no lock until commit, so concurrent submits never queue behind one counter row.
Gap-free numbers (invoices, statements) use a counter row locked until commit.
"""

from datetime import datetime

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from qudao.core.models import DocumentCounter


def _format(doc_type: str, year: int, value: int) -> str:
    return f"{doc_type}-{year}-{value:06d}"


def _year(at: datetime | None) -> int:
    return timezone.localtime(at or timezone.now()).year


def _sequence_name(doc_type: str, year: int) -> str:
    safe = "".join(ch for ch in doc_type.lower() if ch.isalnum())
    return f"qudao_docseq_{safe}_{year}"


def next_number(doc_type: str, *, at: datetime | None = None) -> str:
    """Next number for a document type whose numbers may have gaps."""
    year = _year(at)
    if connection.vendor != "postgresql":
        return next_gapless_number(doc_type, at=at)
    name = _sequence_name(doc_type, year)
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SELECT nextval(%s)", [name])
                value = cursor.fetchone()[0]
        except DatabaseError:  # first number of this type and year: create the sequence
            try:
                with transaction.atomic():
                    cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}"')
            except DatabaseError:
                # a concurrent transaction created it first (PostgreSQL reports a unique
                # violation or "already exists", depending on timing); nextval below decides
                pass
            cursor.execute("SELECT nextval(%s)", [name])
            value = cursor.fetchone()[0]
    return _format(doc_type, year, value)


def next_gapless_number(doc_type: str, *, at: datetime | None = None) -> str:
    """Next number without gaps: the counter row stays locked until the caller commits."""
    return next_gapless_numbers(doc_type, 1, at=at)[0]


def next_gapless_numbers(doc_type: str, count: int, *, at: datetime | None = None) -> list[str]:
    """A block of `count` consecutive gap-free numbers in one counter update (bulk documents
    such as a month's statements)."""
    year = _year(at)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("gap-free numbers must be taken inside the document's transaction")
    try:
        with transaction.atomic():
            DocumentCounter.objects.get_or_create(doc_type=doc_type, year=year)
    except IntegrityError:
        pass  # created by a concurrent transaction
    DocumentCounter.objects.filter(doc_type=doc_type, year=year).update(
        last_value=F("last_value") + count
    )
    last = DocumentCounter.objects.get(doc_type=doc_type, year=year).last_value
    return [_format(doc_type, year, value) for value in range(last - count + 1, last + 1)]
