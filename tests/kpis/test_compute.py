"""The job: periods, upserts (idempotent), one failing KPI does not stop the others, runs."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from kpis import registry
from kpis.actions import kpi_target_set, kpis_compute
from kpis.models import KpiRun, KpiSnapshot
from kpis.periods import period_bounds, periods_ending, run_memo, window_for
from kpis.registry import Measure, kpi, status_for
from tests.kpis.conftest import DAY, NOW

pytestmark = pytest.mark.django_db
d = datetime.date


def test_periods_are_the_day_the_iso_week_and_the_calendar_month():
    assert period_bounds("day", DAY) == (DAY, DAY)
    assert period_bounds("week", DAY) == (d(2026, 3, 2), d(2026, 3, 8))  # Monday to Sunday
    assert period_bounds("month", DAY) == (d(2026, 3, 1), d(2026, 3, 31))
    assert period_bounds("month", d(2028, 2, 10)) == (d(2028, 2, 1), d(2028, 2, 29))


def test_a_running_period_is_measured_up_to_now():
    now = NOW.replace(year=2026, month=3, day=4, hour=15)
    window = window_for("month", DAY, now=now)
    assert window.end == now and not window.closed
    assert window_for("month", DAY, now=NOW).closed


def test_a_backfill_computes_each_distinct_period_once():
    """10–4 March: 7 days, the weeks of 2 and 9 March... (2 weeks: 23 Feb–1 Mar and 2–8 Mar),
    and 2 months (February and March)."""
    periods = periods_ending(DAY, backfill_days=6)
    assert sum(1 for kind, _ in periods if kind == "day") == 7
    assert sorted(s for k, s in periods if k == "week") == [d(2026, 2, 23), d(2026, 3, 2)]
    assert sorted(s for k, s in periods if k == "month") == [d(2026, 2, 1), d(2026, 3, 1)]


@pytest.mark.parametrize(
    "value, direction, expected",
    [
        ("96", "higher", "on_target"),  # target 95
        ("95", "higher", "on_target"),
        ("91", "higher", "at_risk"),  # within 5 below
        ("89.9", "higher", "off_target"),
        ("95", "lower", "on_target"),
        ("100", "lower", "at_risk"),  # within 5 above
        ("100.1", "lower", "off_target"),
    ],
)
def test_status_comes_from_target_tolerance_and_direction(value, direction, expected):
    assert status_for(D(value), D("95"), D("5"), direction) == expected


def test_no_value_is_no_data_and_no_target_is_no_target():
    assert status_for(None, D("95"), D("5"), "higher") == "no_data"
    assert status_for(D("3"), None, D("0"), "lower") == "no_target"


def _rows():
    return sorted(
        KpiSnapshot.objects.values_list(
            "pk",
            "code",
            "scope",
            "period_kind",
            "period_start",
            "period_end",
            "value",
            "target",
            "status",
            "extra",
        )
    )


def test_running_twice_leaves_exactly_the_same_rows(desk):
    """Same as_of twice → same rows (same primary keys, values, statuses), no duplicates."""
    first = kpis_compute(as_of=DAY, backfill_days=3, now=NOW)
    rows = _rows()
    assert first.status == "ok", first.per_kpi
    assert rows and len(rows) == first.rows_written
    second = kpis_compute(as_of=DAY, backfill_days=3, now=NOW)
    assert _rows() == rows
    assert second.rows_written == first.rows_written
    # Nothing changed: every row still names the run that wrote it.
    assert KpiSnapshot.objects.filter(run=first).count() == len(rows)


def test_a_rerun_rewrites_what_changed_and_leaves_the_rest(desk):
    """An hour later one more incident was opened on the 4th in service A: its day, week and
    month counts (and the global ones) change, service B's do not. The changed rows carry the
    new run and time, the others still the run that wrote their figures; an identical rerun
    writes nothing at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.kpis.conftest import at
    from tests.servicedesk.factories import IncidentFactory

    first = kpis_compute(as_of=DAY, codes=["incident_volume"], now=NOW)
    IncidentFactory(service=desk["a"], requester=desk["requester"], opened_at=at(4, 15))
    later = NOW + datetime.timedelta(hours=1)
    second = kpis_compute(as_of=DAY, codes=["incident_volume"], now=later)
    day = {
        r.scope: r.value
        for r in KpiSnapshot.objects.filter(code="incident_volume", period_kind="day")
    }
    a, b = desk["a"].pk, desk["b"].pk
    assert day == {"global": D(4), f"service:{a}": D(3), f"service:{b}": D(1)}
    rows = KpiSnapshot.objects.filter(code="incident_volume")
    written = {r.scope: (r.run_id, r.computed_at) for r in rows}
    assert written[f"service:{a}"] == written["global"] == (second.pk, later)
    assert written[f"service:{b}"] == (first.pk, NOW)
    with CaptureQueriesContext(connection) as queries:
        third = kpis_compute(as_of=DAY, codes=["incident_volume"], now=later)
    writes = ('INSERT INTO "kpis_kpisnapshot"', 'UPDATE "kpis_kpisnapshot"')
    assert not [q for q in queries if q["sql"].startswith(writes)]
    assert {r.scope: (r.run_id, r.computed_at) for r in rows.all()} == written
    assert third.rows_written == 9


def test_a_rerun_removes_values_that_no_longer_exist(desk):
    kpis_compute(as_of=DAY, codes=["mttr"], now=NOW)
    team_rows = KpiSnapshot.objects.filter(code="mttr", scope__startswith="team:")
    assert team_rows.exists()
    from servicedesk.models import Incident

    Incident.objects.update(team=None)
    kpis_compute(as_of=DAY, codes=["mttr"], now=NOW)
    assert not team_rows.exists()
    assert KpiSnapshot.objects.filter(code="mttr", scope="global").count() == 3


def test_a_run_over_some_periods_leaves_the_rows_of_the_others(desk):
    """Stored rows are read by ranges of periods: a run over the 2nd and the 4th removes a
    value no longer computed on the 4th but keeps the one on the 3rd, between them."""
    from kpis.actions import _compute_one, run_create, targets_for

    first = kpis_compute(as_of=DAY, backfill_days=2, codes=["incident_volume"], now=NOW)
    rows = KpiSnapshot.objects.filter(code="incident_volume", period_kind="day")
    for day in (3, 4):  # a service that has gone since
        KpiSnapshot.objects.create(
            code="incident_volume", scope="service:999999", period_kind="day",
            period_start=d(2026, 3, day), period_end=d(2026, 3, day), value=D(1), run=first,
        )  # fmt: skip
    stored = set(rows.values_list("pk", "scope", "period_start", "value"))
    definition = registry.get("incident_volume")
    _compute_one(
        definition,
        list(definition.scopes),
        [("day", d(2026, 3, 2)), ("day", d(2026, 3, 4))],
        targets=targets_for(["incident_volume"]),
        run=run_create(as_of=DAY, codes=["incident_volume"]),
        now=NOW,
        memo={},
    )
    gone = stored - set(rows.values_list("pk", "scope", "period_start", "value"))
    assert [(scope, start) for _, scope, start, _ in gone] == [("service:999999", d(2026, 3, 4))]
    assert rows.filter(scope="service:999999", period_start=d(2026, 3, 3)).exists()


def test_a_failing_kpi_is_recorded_and_the_others_are_computed(desk):
    @kpi(code="test_broken", name="Broken", unit="count", direction="lower", scopes=("global",))
    def broken(w, scope_kind):
        raise ZeroDivisionError("division by zero in a test KPI")

    try:
        run = kpis_compute(as_of=DAY, codes=["mtta", "test_broken", "mttr"], now=NOW)
    finally:
        registry.REGISTRY.pop("test_broken")
    assert run.status == "partial"
    assert run.per_kpi["test_broken"].startswith("error: ZeroDivisionError")
    assert run.per_kpi["mtta"] == run.per_kpi["mttr"] == "ok"
    assert KpiSnapshot.objects.filter(code="mttr", scope="global", period_kind="day").get().value
    assert not KpiSnapshot.objects.filter(code="test_broken").exists()


def test_a_kpi_failing_half_way_writes_nothing(desk):
    calls = []

    @kpi(
        code="test_half", name="Half", unit="count", direction="lower", scopes=("global", "service")
    )
    def half(w, scope_kind):
        calls.append(scope_kind)
        if scope_kind == "service":
            raise RuntimeError("boom")
        return {"global": Measure(D(1))}

    try:
        run = kpis_compute(as_of=DAY, codes=["test_half"], now=NOW)
    finally:
        registry.REGISTRY.pop("test_half")
    assert run.status == "failed"
    assert not KpiSnapshot.objects.filter(code="test_half").exists()


def test_a_kpi_without_its_data_source_is_recorded_as_unavailable_not_as_a_number(desk):
    @kpi(code="test_missing", name="Missing", unit="%", direction="higher", scopes=("global",))
    def missing(w, scope_kind):
        raise registry.KpiUnavailable("no data source yet: the Widget model does not exist")

    try:
        run = kpis_compute(as_of=DAY, codes=["test_missing", "mtta"], now=NOW)
    finally:
        registry.REGISTRY.pop("test_missing")
    assert run.status == "ok"
    assert run.per_kpi["test_missing"] == (
        "unavailable: no data source yet: the Widget model does not exist"
    )
    assert not KpiSnapshot.objects.filter(code="test_missing").exists()


def test_each_run_is_recorded_with_its_timing(desk):
    run = kpis_compute(as_of=DAY, codes=["incident_volume"], now=NOW, trigger="command")
    run.refresh_from_db()
    assert run.started_at and run.finished_at and run.duration is not None
    assert run.per_kpi == {"incident_volume": "ok"}
    # day + week + month, global + services A and B
    assert run.rows_written == 3 * 3


def test_a_target_per_scope_overrides_the_default_and_rejudges_stored_values(desk):
    """MTTR of the 4th is 280 min: on target against the default 480; with a target of 200 ± 60
    for global it is off target (280 > 260); service A (180) keeps the default."""
    kpis_compute(as_of=DAY, codes=["mttr"], now=NOW)
    snap = KpiSnapshot.objects.get(code="mttr", scope="global", period_kind="day")
    assert (snap.target, snap.status) == (D("480"), "on_target")
    kpi_target_set(code="mttr", scope="global", target=D("200"), tolerance=D("60"))
    snap.refresh_from_db()
    assert (snap.target, snap.status) == (D("200"), "off_target")
    kpi_target_set(code="mttr", scope=f"service:{desk['a'].pk}", target=D("170"), tolerance=D("20"))
    a = KpiSnapshot.objects.get(code="mttr", scope=f"service:{desk['a'].pk}", period_kind="day")
    assert (a.target, a.status) == (D("170"), "at_risk")


@pytest.mark.parametrize("code", ["mttr", "csat"])  # lower is better; higher is better
def test_rejudging_in_the_database_agrees_with_status_for_on_every_edge(db, code):
    """The SQL that re-judges stored values after a target change gives what
    `registry.status_for` gives, value by value: below, on, inside and past the tolerance,
    and no value; a scope with a target of its own keeps it; rows already right are not
    written again."""
    from tests.servicedesk.factories import ServiceFactory

    definition = registry.get(code)
    own = f"service:{ServiceFactory().pk}"  # a target is set only for a service that exists
    values = [None, D("0"), D("89.9999"), D("90"), D("95"), D("100"), D("105"), D("110"), D("500")]
    for n, value in enumerate(values):
        for scope in ("global", own, "team:3"):
            KpiSnapshot.objects.create(
                code=code,
                scope=scope,
                period_kind="day",
                period_start=DAY - datetime.timedelta(days=n),
                period_end=DAY - datetime.timedelta(days=n),
                value=value,
            )
    kpi_target_set(code=code, scope="global", target=D("100"), tolerance=D("10"))
    kpi_target_set(code=code, scope=own, target=D("95"), tolerance=D("0"))
    for snap in KpiSnapshot.objects.filter(code=code):
        target, tolerance = (D("95"), D("0")) if snap.scope == own else (D("100"), D("10"))
        expected = status_for(snap.value, target, tolerance, definition.direction)
        assert (snap.target, snap.status) == (target, expected), (snap.scope, snap.value)
    from kpis.actions import snapshots_restatus

    assert snapshots_restatus(code=code) == 0  # nothing left to change


def test_the_command_runs_the_same_computation_with_a_backfill(desk, capsys):
    call_command("compute_kpis", "--as-of", "2026-03-04", "--backfill", "2", "--code", "mtta")
    out = capsys.readouterr().out
    assert "mtta" in out and "ok" in out
    run = KpiRun.objects.get()
    assert (run.as_of, run.backfill_days, run.trigger) == (DAY, 2, "command")
    assert KpiSnapshot.objects.filter(code="mtta", period_kind="day").count() >= 1


def test_the_celery_task_wraps_the_action_and_reuses_a_recorded_run(desk):
    from kpis.actions import run_create
    from kpis.tasks import compute_kpis

    run = run_create(as_of=DAY, codes=["backlog"], trigger="api")
    result = compute_kpis.delay(run_id=run.pk, as_of="2026-03-04").get()
    assert result["run"] == run.pk and result["status"] == "ok"
    assert KpiRun.objects.count() == 1
    assert compute_kpis.acks_late is True
    assert compute_kpis.soft_time_limit and compute_kpis.time_limit > compute_kpis.soft_time_limit


def test_the_beat_schedule_has_an_hourly_and_a_nightly_run():
    from core.celery import app

    tasks = {e["task"] for e in app.conf.beat_schedule.values()}
    assert {"kpis.tasks.compute_kpis_hourly", "kpis.tasks.compute_kpis_closed_periods"} <= tasks


def test_hourly_runs_the_service_kpis_and_nightly_adds_the_project_kpis_of_the_new_day():
    import datetime

    from django.utils import timezone

    from kpis import registry
    from kpis.tasks import compute_kpis_closed_periods, compute_kpis_hourly

    service = {d.code for d in registry.definitions(group="service")}
    project = {d.code for d in registry.definitions(group="project")}
    assert service and project
    today = timezone.localdate()

    compute_kpis_hourly.apply().get()
    hourly = KpiRun.objects.get()
    assert (hourly.as_of, set(hourly.codes), hourly.status) == (today, service, "ok")
    assert set(hourly.per_kpi) == service

    compute_kpis_closed_periods.apply().get()
    closed, new_day = KpiRun.objects.exclude(pk=hourly.pk).order_by("id")
    assert closed.as_of == today - datetime.timedelta(days=1)
    assert set(closed.per_kpi) == service | project
    assert (new_day.as_of, set(new_day.per_kpi)) == (today, project)


def test_the_demo_seed_computes_two_months_of_values_quickly(desk):
    import time

    from kpis import demo

    started = time.monotonic()
    result = demo.seed({})
    assert time.monotonic() - started < 15
    assert result["kpi_run"].status == "ok", result["kpi_run"].per_kpi
    assert (
        KpiSnapshot.objects.filter(period_kind="day").values("period_start").distinct().count()
        >= 60
    )


DAY_SUMMED = [
    "mtta",
    "mttr",
    "incident_volume",
    "first_contact_resolution",
    "csat",
    "sla_compliance",
    "mtta_business",
    "mttr_business",
]


def test_a_run_reading_its_span_once_stores_what_each_window_alone_computes(desk):
    """The incident and survey KPIs read the span of all the run's windows once (grouped by
    local day) and add up each window's days. Incidents and surveys every few hours across
    a month boundary, near midnight and in the running day: every stored row of a backfill,
    with the running periods ending "now", equals the window computed on its own."""
    import random

    from servicedesk.models import Survey
    from tests.kpis.conftest import at
    from tests.servicedesk.factories import IncidentFactory

    rng = random.Random(7)
    services, teams = [desk["a"], desk["b"]], [desk["t1"], desk["t2"], None]
    now = at(4, 17, 30)
    for n in range(60):
        opened = at(20, 23, 50, month=2) + datetime.timedelta(hours=5 * n + rng.randrange(4))
        if opened >= now:
            break
        responded = opened + datetime.timedelta(minutes=rng.randrange(1, 600))
        resolved = responded + datetime.timedelta(minutes=rng.randrange(1, 900))
        incident = IncidentFactory(
            requester=desk["requester"],
            service=rng.choice(services),
            team=rng.choice(teams),
            opened_at=opened,
            first_responded_at=responded if responded < now else None,
            resolved_at=resolved if resolved < now else None,
            status="resolved" if resolved < now else "in_progress",
            response_due=opened + datetime.timedelta(minutes=240),
            resolution_due=opened + datetime.timedelta(minutes=rng.choice([480, 960])),
            response_business_minutes=rng.randrange(0, 300) if responded < now else None,
            resolution_business_minutes=rng.randrange(0, 900) if resolved < now else None,
        )
        if resolved < now:
            answered = resolved + datetime.timedelta(hours=rng.randrange(1, 30))
            Survey.objects.create(
                incident=incident,
                requester=desk["requester"],
                created_at=resolved,
                answered_at=answered if answered < now and n % 3 else None,
                rating=rng.randrange(1, 6) if answered < now and n % 3 else None,
            )
    run = kpis_compute(as_of=DAY, codes=DAY_SUMMED, backfill_days=12, now=now)
    assert set(run.per_kpi.values()) == {"ok"}
    rows = KpiSnapshot.objects.filter(code__in=DAY_SUMMED)
    kinds = {row.period_kind for row in rows}
    assert kinds == {"day", "week", "month"} and rows.count() > 200
    for row in rows:
        window = window_for(row.period_kind, row.period_start, now=now)  # a memo of its own
        alone = registry.get(row.code).compute(window, row.scope.partition(":")[0])
        assert row.value == alone[row.scope].value, (row.code, row.scope, row.period_start)
        assert row.extra == {k: (str(v) if isinstance(v, D) else v) for k, v in
                             alone[row.scope].extra.items()}  # fmt: skip


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize(
    "now_at, backfill",
    [
        ((11, 13, 20), 30),  # a backfill: pieces are local days
        ((11, 13, 20), 0),  # hourly: month from the 1st, week from Monday 9th, the day
        ((2, 9, 5), 0),  # Monday 2nd: the week and the day start together
        ((1, 10, 0), 0),  # Sunday 1st: the week began in February, before the month
        ((8, 15, 0), 0),  # Sunday 8th: the clock change in New York, a 23-hour day there
    ],
)
def test_window_sums_from_shared_rows_equal_the_window_aggregated_alone(
    desk, settings, zone, now_at, backfill
):
    """`grouped_in_window` against `grouped` over the window: incidents every 97 minutes for
    six weeks across a clock change (8 March in New York) and a month end, every period of a
    backfill or of an hourly run (and the previous windows, outside the span) from one memo,
    in the site zone."""
    from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

    from kpis.definitions.common import INCIDENT_SCOPE_FIELD, _within, grouped, grouped_in_window
    from servicedesk.models import Incident
    from tests.kpis.conftest import at
    from tests.servicedesk.factories import IncidentFactory

    settings.TIME_ZONE = zone
    services, teams = [desk["a"], desk["b"]], [desk["t1"], desk["t2"], None]
    start = at(10, 0, 7, month=2)
    now = at(*now_at)
    for n in range(0, 600):
        opened = start + datetime.timedelta(minutes=97 * n)
        resolved = opened + datetime.timedelta(minutes=(n * 37) % 1500 + 1)
        IncidentFactory(
            requester=desk["requester"],
            service=services[n % 2],
            team=teams[n % 3],
            opened_at=opened,
            resolved_at=resolved if resolved < now else None,
            status="resolved" if resolved < now else "in_progress",
        )
    elapsed = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())
    sums = {"n": Count("id"), "total": Sum(elapsed), "p3": Count("id", filter=Q(priority=3))}
    periods = periods_ending(now.date(), backfill_days=backfill)
    windows = [window_for(kind, day, now=now) for kind, day in periods]
    memo = run_memo(windows)
    checked = 0
    for kind, day in periods:
        window = window_for(kind, day, now=now, memo=memo)
        for w in (window, window.previous()):
            # Global after a member kind: added up from that kind's rows (with no member too).
            for scope_kind in ("service", "global", "team"):
                shared = grouped_in_window(
                    w, "resolved", "resolved_at", Incident.objects.all(), scope_kind,
                    INCIDENT_SCOPE_FIELD, **sums,
                )  # fmt: skip
                alone = grouped(
                    Incident.objects.filter(_within("resolved_at", w)),
                    scope_kind,
                    INCIDENT_SCOPE_FIELD,
                    **sums,
                )
                assert shared == alone, (kind, day, scope_kind, w.start, w.end)
                checked += len(alone)
    assert checked > (150 if backfill else 15)


@pytest.mark.parametrize(
    "code, statements",
    [
        ("first_contact_resolution", 1),  # global and team: the team rows add up to global
        ("mttr", 3),  # service, team, priority; global from the first of them
        ("csat", 4),  # answered and sent, by service and by team
    ],
)
def test_the_running_day_week_and_month_read_the_data_once_per_member_kind(desk, code, statements):
    """The hourly shape (day, week and month containing today, all ending now): each member
    kind is one statement for the three windows, and global reuses a member kind's rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.kpis.conftest import at

    now = at(4, 17, 30)
    periods = periods_ending(DAY)
    windows = [window_for(kind, day, now=now) for kind, day in periods]
    memo = run_memo(windows)
    definition = registry.get(code)
    definition.compute(window_for("day", DAY, now=now, memo={}), "global")  # warm lookups
    with CaptureQueriesContext(connection) as queries:
        for kind, day in periods:
            window = window_for(kind, day, now=now, memo=memo)
            for scope_kind in sorted(definition.scopes, key=lambda k: k == "global"):
                definition.compute(window, scope_kind)
    reads = [q["sql"] for q in queries.captured_queries if '"piece"' in q["sql"]]
    assert len(reads) == statements
    # Grouped by the run's pieces of time (since the 1st, since Monday, today), not by day:
    # three groups per member instead of one per day of the month.
    assert all("CASE WHEN" in sql and "::date" not in sql for sql in reads), reads
