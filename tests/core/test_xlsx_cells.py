"""Every XLSX export writes numbers as numbers and days and times as dates, so a spreadsheet
can sum, chart and sort them; text that a spreadsheet would run as a formula stays inert."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kpis.models import KpiSnapshot
from tests.conftest import client_for
from tests.projects.factories import ProjectFactory
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def sheet(response) -> list[dict]:
    """The rows of the first sheet as {header: cell}, cells with their types and formats."""
    assert response.status_code == 200, response.content
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows())
    header = [cell.value for cell in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def test_the_kpi_series_spreadsheet_has_numbers_and_dates(people):
    for week, value in ((datetime.date(2026, 9, 21), None), (datetime.date(2026, 9, 28), "60")):
        KpiSnapshot.objects.create(
            code="csat",
            scope="global",
            period_kind="week",
            period_start=week,
            period_end=week + datetime.timedelta(days=6),
            value=None if value is None else D(value),
            target=D("85"),
            status="no_data" if value is None else "off_target",
            extra={"answered": 5},
        )
    url = "/api/v1/kpis/csat/series/?scope=global&period=week&start=2026-09-01&end=2026-10-01"
    empty, full = sheet(client_for(people["manager"]).get(f"{url}&format=xlsx"))

    assert full["value"].data_type == "n" and full["value"].value == 60
    assert full["target"].data_type == "n" and full["target"].value == 85
    assert full["value"].number_format == "0.0"  # CSAT is shown to one decimal
    assert full["period_start"].is_date and full["period_start"].value.date() == datetime.date(
        2026, 9, 28
    )
    assert full["period_end"].value.date() == datetime.date(2026, 10, 4)
    assert full["status"].value == "off_target" and full["code"].value == "csat"
    assert full["extra"].value == '{"answered": 5}'
    assert empty["value"].value is None  # no value is an empty cell, not the text "None"


def test_the_incident_spreadsheet_has_numbers_and_times_and_inert_text(people):
    opened = timezone.make_aware(datetime.datetime(2026, 3, 4, 9, 30))
    incident = IncidentFactory(title="=HYPERLINK(1)", opened_at=opened)
    (row,) = sheet(client_for(people["agent"]).get("/api/v1/incidents/export/?type=xlsx"))
    assert row["Priority"].data_type == "n" and row["Priority"].value == incident.priority
    assert row["Opened"].is_date
    # Local time (a worksheet holds no time zone), as the CSV's local ISO time says it.
    assert row["Opened"].value == timezone.localtime(opened).replace(tzinfo=None)
    assert row["Title"].data_type == "s" and row["Title"].value == "'=HYPERLINK(1)"
    assert row["Resolved"].value is None


def test_the_project_spreadsheet_has_the_budget_as_a_number_and_dates_as_dates(people):
    ProjectFactory(
        code="XLS-1",
        manager=people["project_manager"],
        budget=D("125000.50"),
        planned_start=datetime.date(2026, 4, 1),
        planned_finish=datetime.date(2026, 9, 30),
    )
    (row,) = sheet(client_for(people["manager"]).get("/api/v1/projects/export/?type=xlsx"))
    assert row["Budget"].data_type == "n" and row["Budget"].value == 125000.5
    assert row["Planned start"].is_date
    assert row["Planned start"].value.date() == datetime.date(2026, 4, 1)
    assert row["Planned finish"].value.date() == datetime.date(2026, 9, 30)
