"""The service dashboard's table kept per worker (kpis/service_table.py): a KPI run's values
show as each KPI commits, stale rows go without a statement or a cache write per row, and a
table dropped by another thread is drawn again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import kept
from core.kept import shared_cache
from kpis import service_table
from kpis.actions import kpis_compute
from kpis.models import KpiSnapshot
from servicedesk.models import Service
from tests.kpis.conftest import DAY, NOW, at, pause_in
from tests.servicedesk.factories import IncidentFactory, ServiceFactory

pytestmark = pytest.mark.django_db
needs_shared_cache = pytest.mark.skipif(
    not shared_cache(), reason="tables are kept only with a shared cache (REDIS_URL)"
)
CODES = ["incident_volume", "mttr"]


def draw() -> str:
    """The day's table as the dashboard draws it (kept when the stamp allows)."""
    return service_table.service_table(
        codes=CODES,
        columns=[{"code": code} for code in CODES],
        kind="day",
        start=DAY,
        services=Service.objects.order_by("name"),
    )


def cell(html: str, code: str, service) -> str | None:
    """The value a service's cell of one KPI shows, None when it shows none."""
    link = f"kpi={code}&amp;scope=service%3A{service.pk}&amp;"
    for part in html.split('<a href="')[1:]:
        if part.startswith(f"/dashboards/records/?{link}"):
            return part.split(">", 1)[1].split("</a>", 1)[0]
    return None


@needs_shared_cache
def test_a_table_drawn_during_a_run_shows_each_kpi_once_its_values_are_committed(desk, monkeypatch):
    """Each KPI of a run writes its rows in bulk (no signal) and commits on its own: a table
    drawn after the first KPI must not be kept without the next ones' values until the run
    ends."""
    a = desk["a"]
    kpis_compute(as_of=DAY, codes=["backlog", "incident_volume", "mttr"], now=NOW)
    assert cell(draw(), "incident_volume", a) == "2"
    IncidentFactory(service=a, requester=desk["requester"], opened_at=at(4, 15), status="new")
    mid_run = {}
    # Runs go in code order: backlog, incident_volume, mttr.
    pause_in(monkeypatch, "incident_volume", lambda: mid_run.setdefault("before", draw()))
    pause_in(monkeypatch, "mttr", lambda: mid_run.setdefault("after", draw()))
    kpis_compute(as_of=DAY, codes=["backlog", "incident_volume", "mttr"], now=NOW)
    assert cell(mid_run["before"], "incident_volume", a) == "2"
    assert cell(mid_run["after"], "incident_volume", a) == "3"


class CountedSets:
    """The cache core.kept writes its stamps to, counting the writes."""

    def __init__(self, real):
        self.real, self.sets = real, 0

    def set(self, *args, **kwargs):
        self.sets += 1
        return self.real.set(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_stale_values_go_in_one_statement_and_one_stamp_whatever_their_number(desk, monkeypatch):
    """Rows of members that no longer have a value are deleted by one statement, without
    loading them or writing the stamp once per row (a run may drop hundreds of thousands),
    and the table stops showing them."""
    quiet = ServiceFactory(name="C")  # no incidents: no mean time to resolve
    kpis_compute(as_of=DAY, codes=["mttr"], now=NOW)

    def stale(n: int) -> None:
        """`n` stored values of the day that no member has any more: service C's (shown in
        the table) and those of services since deleted."""
        scopes = [f"service:{quiet.pk}"] + [f"service:{10_000 + i}" for i in range(n - 1)]
        KpiSnapshot.objects.bulk_create(
            KpiSnapshot(
                code="mttr",
                scope=scope,
                period_kind="day",
                period_start=DAY,
                period_end=DAY,
                value=999,
            )
            for scope in scopes
        )
        service_table.KEPT.bump()  # written in bulk: no signal

    def run() -> tuple[int, int]:
        counted = CountedSets(kept.cache)
        monkeypatch.setattr(kept, "cache", counted)
        with CaptureQueriesContext(connection) as seen:
            kpis_compute(as_of=DAY, codes=["mttr"], now=NOW)
        monkeypatch.setattr(kept, "cache", counted.real)
        return len(seen.captured_queries), counted.sets

    stale(1)
    assert cell(draw(), "mttr", quiet) == "16.6 h"  # 999 minutes
    few = run()
    assert cell(draw(), "mttr", quiet) is None
    stale(250)
    assert cell(draw(), "mttr", quiet) == "16.6 h"
    many = run()
    assert cell(draw(), "mttr", quiet) is None
    assert many == few
    assert not KpiSnapshot.objects.filter(code="mttr", value=999).exists()


@needs_shared_cache
def test_a_kept_table_another_thread_clears_meanwhile_is_still_shown(desk, monkeypatch):
    """Threads of a worker share its kept tables; one of them clearing the store between
    another's look-up and read must not fail that page."""
    kpis_compute(as_of=DAY, codes=["incident_volume"], now=NOW)
    html = draw()
    store = service_table.KEPT.store()
    assert html in store.values()

    class ClearedByAnotherThread(dict):
        def __contains__(self, key):
            found = super().__contains__(key)
            self.clear()  # another thread, between this one's two looks
            return found

    monkeypatch.setattr(service_table.KEPT, "store", lambda: ClearedByAnotherThread(store))
    assert draw() == html
