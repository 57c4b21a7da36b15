"""Streamed CSV and XLSX exports of any filtered list, in constant memory.

Rows come from a `.iterator()` over the same visibility-filtered queryset the list uses;
cells that a spreadsheet would run as formulas are neutralised (CSV injection).
"""

import csv
import datetime
import decimal
import tempfile
from collections.abc import Iterable, Sequence

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat(timespec="seconds")
            if timezone.is_aware(value)
            else value.isoformat()
        )
    if isinstance(value, datetime.date | decimal.Decimal | int | float | bool):
        return value if not isinstance(value, datetime.date) else value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def xlsx_cell(value):
    """A value as a worksheet cell holds it, typed: a number (Decimal, int) stays a number
    and a day or time a date, so a spreadsheet can sum, chart and sort them (a time in the
    current time zone: a worksheet holds none); text is neutralised as in CSV and loses the
    control characters other than tab and line breaks a worksheet cannot store (openpyxl
    refuses the row); nothing is an empty cell; a yes/no is text (a cell's TRUE reads as
    the spreadsheet's language's word)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | decimal.Decimal | int | float):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", _cell(value))


class _Echo:
    def write(self, value):
        return value


def _csv_lines(header: Sequence[str], rows: Iterable[Sequence]):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # BOM: spreadsheets then read UTF-8 correctly
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def export_response(*, header: Sequence[str], rows: Iterable[Sequence], filename: str, fmt: str):
    """A download of `rows`: CSV streamed line by line, XLSX written row by row to disk."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=filename[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([xlsx_cell(v) for v in row])
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        workbook.save(handle)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type=XLSX_TYPE,
        )
    response = StreamingHttpResponse(
        _csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class ListExportView(APIView):
    """`GET …/export/?type=csv|xlsx&<the list's filters>`: the caller's visible, filtered
    rows as a file. Subclasses name the filterset, the visible queryset and the columns."""

    permission_classes = [IsAuthenticated]
    filterset_class = None
    filename = "export"
    ordering: tuple[str, ...] = ("-id",)
    columns: list[tuple[str, str]] = []  # (field path for values_list, header)

    def visible(self, request):
        raise NotImplementedError

    @extend_schema(
        parameters=[OpenApiParameter("type", str, enum=list(FORMATS), default="csv")],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        fmt = request.query_params.get("type") or "csv"
        if fmt not in FORMATS:
            raise ValidationError({"type": [f"Choose one of: {', '.join(FORMATS)}."]})
        filterset = self.filterset_class(
            request.query_params, queryset=self.visible(request), request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        rows = (
            filterset.qs.order_by(*self.ordering)
            .values_list(*[name for name, _ in self.columns])
            .iterator(chunk_size=2000)
        )
        return export_response(
            header=[label for _, label in self.columns], rows=rows, filename=self.filename, fmt=fmt
        )
