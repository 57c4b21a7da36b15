"""The KPI API: definitions with targets and latest values, series (JSON or CSV), runs."""

import csv
import datetime
import io
import json
from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import role_required
from core.api.rows import current_timezone, iso_datetime
from core.exports import XLSX_TYPE, xlsx_cell
from core.roles import Role
from kpis import actions, queries, registry
from kpis.api.serializers import (
    ComputeRequestSerializer,
    KpiDefinitionSerializer,
    KpiRunSerializer,
    KpiSeriesSerializer,
    KpiTargetSerializer,
    KpiValueSerializer,
    SeriesQuerySerializer,
)
from kpis.choices import PeriodKind
from kpis.tasks import compute_kpis

KpiReaders = role_required(Role.ADMIN, read_roles=queries.KPI_READER_ROLES)
RunReaders = role_required(Role.ADMIN, read_roles=queries.RUN_READER_ROLES)
# How far back a series goes when no start is given.
DEFAULT_SPAN = {
    PeriodKind.DAY: datetime.timedelta(days=90),
    PeriodKind.WEEK: datetime.timedelta(weeks=26),
    PeriodKind.MONTH: datetime.timedelta(days=730),
}
MAX_POINTS = 2000
CSV_COLUMNS = [
    "code",
    "scope",
    "period_kind",
    "period_start",
    "period_end",
    "value",
    "target",
    "status",
    "extra",
]


def definition_or_404(code: str) -> registry.KpiDefinition:
    definition = registry.get(code)
    if definition is None:
        raise Http404
    return definition


class KpiListView(APIView):
    """Every KPI: its definition, its targets and the newest value of every scope."""

    permission_classes = [KpiReaders]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                enum=PeriodKind.values,
                default="month",
                description="Which kind of period the latest values are of.",
            ),
            OpenApiParameter("scope", str, description="Only this scope (e.g. global, service:3)."),
            OpenApiParameter(
                "scope_kind",
                enum=list(registry.SCOPE_KINDS),
                description="Only the scopes of this kind (e.g. global, or every project).",
            ),
        ],
        responses=KpiDefinitionSerializer(many=True),
    )
    def get(self, request):
        period = request.query_params.get("period", PeriodKind.MONTH)
        if period not in PeriodKind.values:
            period = PeriodKind.MONTH
        scope = request.query_params.get("scope")
        scope_kind = request.query_params.get("scope_kind")
        if scope_kind is not None and scope_kind not in registry.SCOPE_KINDS:
            raise ValidationError({"scope_kind": [f"One of: {', '.join(registry.SCOPE_KINDS)}."]})
        snapshots = queries.latest_snapshots(
            period_kind=period, scopes=[scope] if scope else None, scope_kind=scope_kind
        )
        latest = latest_values(snapshots)
        targets = queries.targets_by_code()
        definitions = registry.definitions()
        rows = [
            {
                "code": d.code,
                "name": d.name,
                "description": d.description,
                "unit": d.unit,
                "direction": d.direction,
                "group": d.group,
                "scopes": list(d.scopes),
                "default_target": d.default_target,
                "tolerance": d.tolerance,
                "targets": targets.get(d.code, []),
                "latest": [],
            }
            for d in definitions
        ]
        data = KpiDefinitionSerializer(rows, many=True).data
        for item, d in zip(data, definitions, strict=True):
            item["latest"] = latest.get(d.code, [])
        return Response(data)


def latest_values(snapshots) -> dict[str, list[dict]]:
    """{code: [KpiValueSerializer's output]} for many snapshots (every project's at scale:
    ~55,000): each declared field's own `to_representation` over plain rows, without DRF's
    walk per object (1.8 s of Python for the list at 1M). tests/kpis/test_api.py holds the
    two equal."""
    fields = KpiValueSerializer().fields
    zone = current_timezone()  # DRF looks the time zone up again for every value
    convert = [
        (
            name,
            (lambda value: iso_datetime(value, zone))
            if name == "computed_at"
            else field.to_representation,
        )
        for name, field in fields.items()
    ]
    out: dict[str, list[dict]] = {}
    for row in snapshots.values("code", *fields):
        out.setdefault(row["code"], []).append(
            {name: None if row[name] is None else to_repr(row[name]) for name, to_repr in convert}
        )
    return out


class CsvRenderer(BaseRenderer):
    """A series as CSV: one row per period."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Errors never get here: core.api.exceptions renders them as JSON.
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(series_rows(data))
        return out.getvalue().encode()


def series_rows(data: dict):
    for point in data["points"]:
        yield (
            [data["code"]]
            + [point[c] for c in CSV_COLUMNS[1:-1]]
            + [json.dumps(point["extra"], sort_keys=True)]
        )


class XlsxRenderer(BaseRenderer):
    """A series as a spreadsheet (`?format=xlsx`): values and targets are number cells shown
    to the KPI's decimals, period starts and ends date cells (what a spreadsheet sums and
    charts), the rest text as in the CSV."""

    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="series")
        sheet.append(CSV_COLUMNS)
        definition = registry.get(data["code"])
        decimals = definition.decimals if definition is not None else 4
        number_format = "0" if decimals == 0 else "0." + "0" * decimals
        for row in series_rows(data):
            cells = []
            for column, text in zip(CSV_COLUMNS, row, strict=True):
                if column in {"value", "target"}:
                    cell = WriteOnlyCell(sheet, xlsx_cell(_decimal(text)))
                    cell.number_format = number_format
                elif column in {"period_start", "period_end"}:
                    cell = xlsx_cell(_day(text))
                else:
                    cell = xlsx_cell(text)
                cells.append(cell)
            sheet.append(cells)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


def _decimal(text: str | None) -> Decimal | None:
    # The serializer gives Decimals as text ("60.0000"); a cell holds the number.
    return None if text in (None, "") else Decimal(text)


def _day(text: str | None) -> datetime.date | None:
    return None if text in (None, "") else datetime.date.fromisoformat(text)


class KpiSeriesView(APIView):
    """One KPI's values over time for one scope and kind of period (`?format=csv` for CSV)."""

    permission_classes = [KpiReaders]
    renderer_classes = [JSONRenderer, CsvRenderer, XlsxRenderer]

    @extend_schema(parameters=[SeriesQuerySerializer], responses=KpiSeriesSerializer)
    def get(self, request, code, format=None):
        definition = definition_or_404(code)
        params = SeriesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = params.validated_data["period"]
        end = params.validated_data.get("end") or timezone.localdate()
        start = params.validated_data.get("start") or end - DEFAULT_SPAN[period]
        scope = params.validated_data["scope"]
        points = list(
            queries.series(code=code, scope=scope, period_kind=period, start=start, end=end)[
                :MAX_POINTS
            ]
        )
        data = KpiSeriesSerializer(
            {
                "code": code,
                "name": definition.name,
                "unit": definition.unit,
                "scope": scope,
                "period": period,
                "start": start,
                "end": end,
                "points": points,
            }
        ).data
        return Response(data)

    def options(self, request, *args, **kwargs):
        # What the endpoint takes is described in JSON, whichever format its series is asked
        # in (`OPTIONS …?format=csv` handed the description to the CSV writer: a 500).
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
        return super().options(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if (
            renderer is not None
            and renderer.format in {"csv", "xlsx"}
            and response.status_code == 200
        ):
            scope = request.query_params.get("scope", "global").replace(":", "-")
            name = f"{kwargs.get('code', 'kpi')}-{scope}.{renderer.format}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@extend_schema(exclude=True)
class KpiSeriesCsvView(KpiSeriesView):
    """/kpis/{code}/series.csv: the same series, always as CSV."""


class KpiComputeView(APIView):
    """Start a KPI run (admins): 202 with the run; in the embedded mode it is done on return."""

    permission_classes = [role_required(Role.ADMIN, read_roles=(Role.ADMIN,))]

    @extend_schema(request=ComputeRequestSerializer, responses={202: KpiRunSerializer})
    def post(self, request):
        body = ComputeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = actions.run_create(
            as_of=data["as_of"],
            codes=data["codes"],
            scopes=data["scopes"],
            backfill_days=data["backfill_days"],
            requested_by=request.user,
            trigger="api",
        )
        # The view is outside ATOMIC_REQUESTS (see urls.py): the run row is committed before
        # a worker can look for it.
        compute_kpis.delay(run_id=run.pk, trigger="api")
        run.refresh_from_db()
        return Response(KpiRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class KpiTargetView(APIView):
    """Set a KPI's target for one scope (admins); stored values are re-judged against it."""

    permission_classes = [role_required(Role.ADMIN, read_roles=queries.KPI_READER_ROLES)]

    @extend_schema(responses=KpiTargetSerializer(many=True))
    def get(self, request, code):
        definition_or_404(code)
        targets = queries.targets_by_code().get(code, [])
        return Response(KpiTargetSerializer(targets, many=True).data)

    @extend_schema(request=KpiTargetSerializer, responses=KpiTargetSerializer)
    def put(self, request, code):
        definition_or_404(code)
        body = KpiTargetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = actions.kpi_target_set(code=code, actor=request.user, **body.validated_data)
        return Response(KpiTargetSerializer(target).data)


class KpiRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """KPI runs, newest first: when, how long, and how each KPI fared."""

    permission_classes = [RunReaders]
    serializer_class = KpiRunSerializer
    queryset = queries.runs_recent()
    filterset_fields = ["status", "trigger"]
    ordering_fields = ["id"]
