"""Each service KPI on the hand-worked data set of conftest.desk (day 4 March 2026)."""

from decimal import Decimal as D

import pytest

from kpis.periods import run_memo, window_for
from kpis.registry import KpiUnavailable
from kpis.registry import get as registry_get
from servicedesk.models import Incident
from tests.kpis.conftest import DAY, NOW, at, extras, has_field, has_model, measure

pytestmark = pytest.mark.django_db


def test_mtta_is_the_mean_minutes_to_first_response_of_incidents_responded_to_that_day(desk):
    """Responded on the 4th: i1 10 min, i2 30 min, i3 140 min (22:00 → 00:20).

    global (10 + 30 + 140) / 3 = 60; service A (10 + 30) / 2 = 20, B 140;
    team T1 20, T2 140; all three are priority 3.
    """
    a, b, t1, t2 = desk["a"].pk, desk["b"].pk, desk["t1"].pk, desk["t2"].pk
    assert measure("mtta", "global") == {"global": D("60.00")}
    assert measure("mtta", "service") == {f"service:{a}": D("20.00"), f"service:{b}": D("140.00")}
    assert measure("mtta", "team") == {f"team:{t1}": D("20.00"), f"team:{t2}": D("140.00")}
    assert measure("mtta", "priority") == {"priority:3": D("60.00")}
    assert extras("mtta", "global")["global"] == {"incidents": 3}


def test_mttr_is_the_mean_minutes_to_resolution_of_incidents_resolved_that_day(desk):
    """Resolved on the 4th: i1 120 min, i2 240 min, i3 480 min (22:00 → 06:00).

    global (120 + 240 + 480) / 3 = 280; service A (120 + 240) / 2 = 180; B 480.
    """
    a, b = desk["a"].pk, desk["b"].pk
    assert measure("mttr", "global") == {"global": D("280.00")}
    assert measure("mttr", "service") == {f"service:{a}": D("180.00"), f"service:{b}": D("480.00")}


def test_mttr_over_a_week_and_a_month_counts_the_same_three(desk):
    """The ISO week 2–8 March and the month of March hold the same three resolutions: 280."""
    assert measure("mttr", "global", kind="week") == {"global": D("280.00")}
    assert measure("mttr", "global", kind="month") == {"global": D("280.00")}


def test_incident_volume_counts_incidents_opened_in_the_period_with_zero_for_quiet_services(desk):
    """Opened on the 4th: i1, i2 (A) and i4 (B) = 3; i3 opened on the 3rd, i5 in February.

    A third service with no incident reports 0, not nothing.
    """
    from tests.servicedesk.factories import ServiceFactory

    c = ServiceFactory(name="C")
    a, b = desk["a"].pk, desk["b"].pk
    assert measure("incident_volume", "global") == {"global": D(3)}
    assert measure("incident_volume", "service") == {
        f"service:{a}": D(2),
        f"service:{b}": D(1),
        f"service:{c.pk}": D(0),
    }


def test_incident_reduction_compares_with_the_previous_period_of_equal_length(desk):
    """The 4th: 3 opened; the 3rd: 1 (i3). Reduction = (1 − 3) ÷ 1 × 100 = −200 %.

    Service A: 2 vs 0 before → no value (nothing to reduce from); B: 1 vs 1 → 0 %.
    """
    a, b = desk["a"].pk, desk["b"].pk
    assert measure("incident_reduction", "global") == {"global": D("-200.00")}
    assert extras("incident_reduction", "global")["global"] == {"opened": 3, "previous_opened": 1}
    values = measure("incident_reduction", "service")
    assert values[f"service:{a}"] is None
    assert values[f"service:{b}"] == D("0.00")


def test_backlog_counts_incidents_open_at_the_end_of_the_period_by_age(desk):
    """At midnight after the 4th: i4 (12 h old, no team) and i5 (12 d 14 h old, T1) are open;
    i1–i3 were resolved. Global 2 (one under a day, one 7–30 days); T1 1; T2 0."""
    t1, t2 = desk["t1"].pk, desk["t2"].pk
    assert measure("backlog", "global") == {"global": D(2)}
    buckets = extras("backlog", "global")["global"]
    assert buckets == {"under_1d": 1, "1d_3d": 0, "3d_7d": 0, "7d_30d": 1, "over_30d": 0}
    assert measure("backlog", "team") == {f"team:{t1}": D(1), f"team:{t2}": D(0)}


def test_backlog_of_an_earlier_day_counts_what_was_open_then(desk):
    """At midnight after the 3rd: i3 (opened 22:00, resolved on the 4th) and i5 were open."""
    from datetime import date

    assert measure("backlog", "global", day=date(2026, 3, 3)) == {"global": D(2)}


def test_backlog_counts_incidents_resolved_or_cancelled_only_after_the_moment(desk):
    """Two more, opened on the 2nd: i6 resolved on the 5th and closed on the 6th, i7 cancelled
    (closed, never resolved) on the 4th at 11:00. At midnight after the 3rd both were open
    (with i3 and i5: 4); after the 4th i6 still was and i7 no longer (with i4, i5: 3). The
    records behind the number are the same incidents."""
    from datetime import date

    from kpis.definitions.incidents import backlog_at_end
    from kpis.periods import window_for
    from tests.servicedesk.factories import IncidentFactory

    i6 = IncidentFactory(
        requester=desk["requester"],
        opened_at=at(2, 9),
        resolved_at=at(5, 9),
        closed_at=at(6, 9),
        status="closed",
    )
    i7 = IncidentFactory(
        requester=desk["requester"], opened_at=at(2, 10), closed_at=at(4, 11), status="cancelled"
    )
    i = desk["i"]
    assert measure("backlog", "global", day=date(2026, 3, 3)) == {"global": D(4)}
    assert measure("backlog", "global") == {"global": D(3)}
    third = window_for("day", date(2026, 3, 3), now=NOW)
    fourth = window_for("day", date(2026, 3, 4), now=NOW)
    assert set(backlog_at_end(third, "global").values_list("pk", flat=True)) == {
        i[2].pk,
        i[4].pk,
        i6.pk,
        i7.pk,
    }
    assert set(backlog_at_end(fourth, "global").values_list("pk", flat=True)) == {
        i[3].pk,
        i[4].pk,
        i6.pk,
    }


def test_backlog_of_periods_ending_at_the_same_moment_is_counted_once(
    desk, django_assert_num_queries
):
    """While the 4th runs (now 09:30), its day, its week and March all end now: the hourly
    run counts the backlog once for the three (i1, i2 and i5 are open then, all T1), and for
    global and team alike. The 3rd ends at midnight, a different moment, and is counted
    afresh (i3 and i5), once for both kinds."""
    from datetime import date

    from kpis.periods import window_for

    t1, t2 = desk["t1"].pk, desk["t2"].pk
    now, memo, backlog = at(4, 9, 30), {}, registry_get("backlog")
    day = window_for("day", date(2026, 3, 4), now=now, memo=memo)
    first = backlog.compute(day, "team")
    assert {key: m.value for key, m in first.items()} == {f"team:{t1}": 3, f"team:{t2}": 0}
    with django_assert_num_queries(0):
        for kind in ("week", "month"):
            window = window_for(kind, date(2026, 3, 4), now=now, memo=memo)
            assert backlog.compute(window, "team") == first
        # The team rows (with those of no team) add up to global: nothing more is read.
        assert backlog.compute(day, "global")["global"].value == D(3)
    earlier = window_for("day", date(2026, 3, 3), now=now, memo=memo)
    with django_assert_num_queries(1):
        assert backlog.compute(earlier, "global")["global"].value == D(2)
        team = {key: m.value for key, m in backlog.compute(earlier, "team").items()}
    assert team == {f"team:{t1}": 1, f"team:{t2}": 1}


def test_first_contact_resolution_excludes_requester_replies_and_reopens(desk):
    """Resolved on the 4th: i1 (first contact: the requester's words at opening and an agent's
    reply do not count), i2 (the requester replied after opening), i3 (reopened).

    global 1 ÷ 3 × 100 = 33.33; T1 1 ÷ 2 = 50.00; T2 0 ÷ 1 = 0.00.
    """
    t1, t2 = desk["t1"].pk, desk["t2"].pk
    assert measure("first_contact_resolution", "global") == {"global": D("33.33")}
    assert measure("first_contact_resolution", "team") == {
        f"team:{t1}": D("50.00"),
        f"team:{t2}": D("0.00"),
    }


def test_drill_down_of_first_contact_resolution_lists_the_misses(desk):
    from kpis import registry
    from kpis.periods import window_for
    from tests.kpis.conftest import DAY, NOW

    window = window_for("day", DAY, now=NOW)
    found = registry.get("first_contact_resolution").records(window, "global")
    assert sorted(found.values_list("pk", flat=True)) == sorted(i.pk for i in desk["i"][1:3])


@pytest.mark.skipif(not has_model("Survey"), reason="servicedesk.Survey not there yet")
def test_csat_is_the_share_of_answers_rated_4_or_5_with_the_response_rate(desk):
    """Surveys: i1 rated 5 (sent 10:00, answered 11:00), i2 rated 3 (sent 13:00, answered
    14:00), i3 not answered (sent 06:00).

    global: 1 of 2 answered rated 4–5 = 50.00 %; response rate 2 of 3 sent = 66.67 %.
    service A: 50.00 % (rate 100 %); B: sent 1, answered 0 → no value.
    """
    from servicedesk.models import Survey

    i1, i2, i3 = desk["i"][:3]
    req = desk["requester"]
    Survey.objects.create(
        incident=i1, requester=req, rating=5, created_at=at(4, 10), answered_at=at(4, 11)
    )
    Survey.objects.create(
        incident=i2, requester=req, rating=3, created_at=at(4, 13), answered_at=at(4, 14)
    )
    Survey.objects.create(incident=i3, requester=req, created_at=at(4, 6))
    a, b = desk["a"].pk, desk["b"].pk
    assert measure("csat", "global") == {"global": D("50.00")}
    assert extras("csat", "global")["global"]["response_rate"] == D("66.67")
    assert measure("csat", "service") == {f"service:{a}": D("50.00"), f"service:{b}": None}
    assert extras("csat", "service")[f"service:{a}"]["response_rate"] == D("100.00")


@pytest.mark.skipif(
    not has_field(Incident, "resolution_breached"), reason="SLA fields not there yet"
)
def test_sla_compliance_counts_resolutions_within_their_target(desk):
    """Targets: i1 resolve by 12:00 (10:00 ✓), respond by 08:15 (08:10 ✓); i2 resolve by
    12:00 (13:00 ✗, flagged), respond by 09:15 (09:30 ✗); i3 resolve by 08:00 (06:00 ✓),
    respond by 23:00 on the 3rd (00:20 ✗).

    global: 2 of 3 = 66.67 %, response 1 of 3 = 33.33 %; A 1 of 2 = 50.00 %; B 1 of 1 = 100 %.
    The drill-down lists i2 only.
    """
    i1, i2, i3 = desk["i"][:3]
    Incident.objects.filter(pk=i1.pk).update(resolution_due=at(4, 12), response_due=at(4, 8, 15))
    Incident.objects.filter(pk=i2.pk).update(
        resolution_due=at(4, 12), response_due=at(4, 9, 15), resolution_breached=True
    )
    Incident.objects.filter(pk=i3.pk).update(resolution_due=at(4, 8), response_due=at(3, 23))
    a, b = desk["a"].pk, desk["b"].pk
    assert measure("sla_compliance", "global") == {"global": D("66.67")}
    assert extras("sla_compliance", "global")["global"]["response_pct"] == D("33.33")
    assert measure("sla_compliance", "service") == {
        f"service:{a}": D("50.00"),
        f"service:{b}": D("100.00"),
    }
    from kpis import registry
    from kpis.periods import window_for
    from tests.kpis.conftest import DAY, NOW

    found = registry.get("sla_compliance").records(window_for("day", DAY, now=NOW), "global")
    assert list(found.values_list("pk", flat=True)) == [i2.pk]


@pytest.mark.skipif(not has_model("Outage"), reason="servicedesk.Outage not there yet")
def test_availability_per_service_and_weighted_by_agreed_minutes(desk, django_assert_num_queries):
    """Both services run 24x7: 1440 agreed minutes on the 4th.

    A: planned 02:00–04:00 (120 min off agreed time) and unplanned 10:00–10:36 (36 min down):
       (1320 − 36) ÷ 1320 × 100 = 97.2727… → 97.273 %.
    B: no outage → 100.000 %.
    global: (1320 + 1440 − 36) ÷ (1320 + 1440) × 100 = 2724 ÷ 2760 × 100 = 98.6956… → 98.696 %.
    """
    from servicedesk.models import Outage

    a, b = desk["a"], desk["b"]
    Outage.objects.create(service=a, started_at=at(4, 2), ended_at=at(4, 4), kind="planned")
    Outage.objects.create(service=a, started_at=at(4, 10), ended_at=at(4, 10, 36))
    assert measure("availability", "service") == {
        f"service:{a.pk}": D("97.273"),
        f"service:{b.pk}": D("100.000"),
    }
    assert measure("availability", "global") == {"global": D("98.696")}
    # A run over the day and its week reads the services and the span's outages once; the
    # week (2nd–8th, 10,080 agreed minutes each) keeps the outages of the 4th as well.
    # A: (10080 − 120 − 36) ÷ (10080 − 120) × 100 = 99.6385… → 99.639 %.
    from kpis.registry import get

    windows = [window_for(kind, DAY, now=NOW) for kind in ("day", "week")]
    memo = run_memo(windows)
    run = [window_for(kind, DAY, now=NOW, memo=memo) for kind in ("day", "week")]
    get("availability").compute(run[0], "global")
    with django_assert_num_queries(0):
        week = {k: m.value for k, m in get("availability").compute(run[1], "service").items()}
    assert week == {f"service:{a.pk}": D("99.639"), f"service:{b.pk}": D("100.000")}
    assert get("availability").compute(run[0], "service") == get("availability").compute(
        window_for("day", DAY, now=NOW), "service"
    )


@pytest.mark.skipif(not has_model("Outage"), reason="servicedesk.Outage not there yet")
def test_availability_does_not_count_a_maintenance_window_cancelled_before_it_started(
    desk, monkeypatch
):
    """On the 3rd, 02:00–04:00 on the 4th is planned for A and for B, and A's is cancelled.
    A: 1440 agreed minutes on the 4th; B: 1440 − 120 = 1320. Both 100 %."""
    from django.utils import timezone

    from servicedesk import outage_actions

    monkeypatch.setattr(timezone, "now", lambda: at(3, 12))
    windows = {
        name: outage_actions.outage_record(
            actor=None, service=desk[name], kind="planned", started_at=at(4, 2), ended_at=at(4, 4)
        )
        for name in ("a", "b")
    }
    outage_actions.outage_cancel(outage=windows["a"], actor=None, expected_version=1)
    a, b = f"service:{desk['a'].pk}", f"service:{desk['b'].pk}"
    agreed = {k: e["agreed_minutes"] for k, e in extras("availability", "service").items()}
    assert agreed == {a: D("1440.000"), b: D("1320.000")}
    assert measure("availability", "service") == {a: D("100.000"), b: D("100.000")}


@pytest.mark.skipif(not has_model("ServiceCost"), reason="servicedesk.ServiceCost not there yet")
def test_tco_adds_up_the_months_cost_records_and_compares_with_the_previous_month(desk):
    """March: A run 1000 + licence 500 = 1500 (February 1200 → +25.00 %); B labour 300 (no
    February). Global 1800 vs 1200 → +50.00 %. Day and week periods have no TCO."""
    from datetime import date

    from servicedesk.models import ServiceCost

    a, b = desk["a"], desk["b"]
    march, february = date(2026, 3, 1), date(2026, 2, 1)
    for service, month, category, amount in [
        (a, march, "run", "1000"),
        (a, march, "licence", "500"),
        (a, february, "run", "1200"),
        (b, march, "labour", "300"),
    ]:
        ServiceCost.objects.create(
            service=service, period_month=month, category=category, amount=D(amount)
        )
    assert measure("tco", "service", kind="month") == {
        f"service:{a.pk}": D("1500.00"),
        f"service:{b.pk}": D("300.00"),
    }
    assert extras("tco", "service", kind="month")[f"service:{a.pk}"]["change_pct"] == D("25.00")
    assert measure("tco", "global", kind="month") == {"global": D("1800.00")}
    assert extras("tco", "global", kind="month")["global"]["change_pct"] == D("50.00")
    assert measure("tco", "global", kind="day") == {}


def test_business_minute_variants_wait_for_their_data_source(desk):
    from kpis import registry
    from kpis.periods import window_for
    from tests.kpis.conftest import DAY, NOW

    if has_field(Incident, "resolution_business_minutes"):
        pytest.skip("the SLA clock stores business minutes now")
    with pytest.raises(KpiUnavailable, match="resolution_business_minutes"):
        registry.get("mttr_business").compute(window_for("day", DAY, now=NOW), "global")


@pytest.mark.skipif(not has_model("Improvement"), reason="servicedesk.Improvement not there yet")
def test_improvements_implemented_over_the_improvements_planned_in_the_period(
    desk, django_assert_num_queries
):
    """Target dates: on the 4th A has one implemented and one in progress, B one approved (a
    proposed and a rejected one are not planned); on the 5th A has one more implemented.

    Day (the 4th): A 1 ÷ 2 = 50.00, B 0 ÷ 1 = 0.00, global 1 ÷ 3 = 33.33.
    Week (2nd–8th): A 2 ÷ 3 = 66.67, B 0.00, global 2 ÷ 4 = 50.00.
    A run reads the planned improvements of its span once; every window adds up its days.
    """
    from datetime import date

    from kpis import registry
    from servicedesk.models import Improvement
    from tests.kpis.conftest import DAY
    from tests.servicedesk.request_factories import ImprovementFactory

    a, b = desk["a"], desk["b"]
    for service, status, day in [
        (a, "implemented", 4),
        (a, "in_progress", 4),
        (b, "approved", 4),
        (b, "proposed", 4),
        (a, "rejected", 4),
        (a, "implemented", 5),
    ]:
        made = ImprovementFactory(service=service, status=status)
        Improvement.objects.filter(pk=made.pk).update(target_date=date(2026, 3, day))
    expected = {
        "day": ({f"service:{a.pk}": D("50.00"), f"service:{b.pk}": D("0.00")}, D("33.33")),
        "week": ({f"service:{a.pk}": D("66.67"), f"service:{b.pk}": D("0.00")}, D("50.00")),
    }
    for kind, (per_service, overall) in expected.items():
        assert measure("improvements_implemented", "service", kind=kind) == per_service
        assert measure("improvements_implemented", "global", kind=kind) == {"global": overall}
    assert extras("improvements_implemented", "global")["global"] == {
        "planned": 3,
        "implemented": 1,
    }
    # One run over both windows: one statement for the span, the same figures.
    definition = registry.get("improvements_implemented")
    windows = [window_for(kind, DAY, now=NOW) for kind in ("day", "week")]
    memo = run_memo(windows)
    with django_assert_num_queries(1):
        for kind, (per_service, overall) in expected.items():
            window = window_for(kind, DAY, now=NOW, memo=memo)
            figures = {k: m.value for k, m in definition.compute(window, "service").items()}
            assert figures == per_service
            assert definition.compute(window, "global")["global"].value == overall


@pytest.mark.skipif(has_model("Improvement"), reason="the CSI register exists")
def test_improvements_implemented_is_unavailable_until_the_csi_register_exists(desk):
    from kpis import registry
    from kpis.periods import window_for
    from tests.kpis.conftest import DAY, NOW

    with pytest.raises(KpiUnavailable, match="Improvement"):
        registry.get("improvements_implemented").compute(window_for("day", DAY, now=NOW), "global")
