"""Every write of the KPI app: computing snapshots (one transaction per KPI) and targets."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.audit import audit_record
from core.webhooks import publish
from kpis import project_rows, registry
from kpis.choices import KpiStatus, RunStatus
from kpis.models import KpiRun, KpiSnapshot, KpiTarget
from kpis.periods import periods_ending, run_memo, window_for
from kpis.registry import KpiDefinition, KpiUnavailable
from kpis.service_table import KEPT

logger = logging.getLogger(__name__)

UPDATE_FIELDS = ["period_end", "value", "target", "status", "extra", "computed_at", "run", "inputs"]


def targets_for(codes) -> dict[tuple[str, str], KpiTarget]:
    return {(t.code, t.scope): t for t in KpiTarget.objects.filter(code__in=list(codes))}


def _targets_locked(code: str) -> dict[tuple[str, str], KpiTarget]:
    """One KPI's targets, read under a lock its writers of stored values hold until they
    commit: a KPI's transaction, and the re-judging after a target is set or deleted. Either
    one waits for the other, so a target set while its KPI computes judges the rows the KPI
    then writes, and a KPI computed after a target change reads the new target. (SQLite runs
    one writer at a time.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"kpi-targets:{code}"])
    return targets_for([code])


def target_of(
    definition: KpiDefinition, scope: str, targets: dict
) -> tuple[Decimal | None, Decimal]:
    """The target for one scope: its own, else the KPI's global one, else the default."""
    row = targets.get((definition.code, scope)) or targets.get((definition.code, "global"))
    if row is not None:
        return row.target, row.tolerance
    return definition.default_target, definition.tolerance


def run_create(
    *,
    as_of: datetime.date | None = None,
    codes: list[str] | None = None,
    scopes: list[str] | None = None,
    backfill_days: int = 0,
    requested_by=None,
    trigger: str = "manual",
) -> KpiRun:
    """Record a queued run (the API returns its id before a worker picks it up)."""
    unknown = set(codes or []) - set(registry.REGISTRY)
    if unknown:
        raise ValueError(f"unknown KPI codes: {', '.join(sorted(unknown))}")
    bad_scopes = set(scopes or []) - set(registry.SCOPE_KINDS)
    if bad_scopes:
        raise ValueError(f"unknown scope kinds: {', '.join(sorted(bad_scopes))}")
    return KpiRun.objects.create(
        as_of=as_of or timezone.localdate(),
        codes=sorted(codes or []),
        scopes=sorted(scopes or []),
        backfill_days=backfill_days,
        requested_by=requested_by if requested_by and requested_by.is_authenticated else None,
        trigger=trigger,
    )


def kpis_compute(
    *,
    as_of: datetime.date | None = None,
    codes: list[str] | None = None,
    scopes: list[str] | None = None,
    backfill_days: int = 0,
    run: KpiRun | None = None,
    now: datetime.datetime | None = None,
    trigger: str = "manual",
) -> KpiRun:
    """Compute and upsert the snapshots of the day, week and month periods ending at `as_of`.

    Every distinct period touching [as_of − backfill_days, as_of] is computed. Each KPI runs
    in its own transaction and writes rows keyed by (code, scope, period kind, period start),
    so a second run — or a rerun after a worker died — leaves exactly the same rows. A KPI
    that fails is recorded on the run and the others go on; one whose data source does not
    exist yet is recorded as unavailable and writes nothing.
    """
    if run is None:
        run = run_create(
            as_of=as_of, codes=codes, scopes=scopes, backfill_days=backfill_days, trigger=trigger
        )
    now = now or timezone.now()
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.finished_at = run.duration = None
    run.per_kpi, run.rows_written = {}, 0
    run.save(update_fields=["status", "started_at", "finished_at", "duration", "per_kpi",
                            "rows_written"])  # fmt: skip
    wanted_codes = run.codes or list(registry.REGISTRY)
    wanted_scopes = set(run.scopes or registry.SCOPE_KINDS)
    periods = periods_ending(run.as_of, backfill_days=run.backfill_days)
    # Shared by the KPIs of the run; a KPI measured "as of" a day may compute all the run's
    # days at once (the project KPIs do).
    memo = run_memo([window_for(k, s, now=now) for k, s in periods])
    try:
        for code in wanted_codes:
            definition = registry.get(code)
            if definition is None:
                run.per_kpi[code] = "error: no such KPI"
                continue
            kinds = [k for k in definition.scopes if k in wanted_scopes]
            try:
                run.rows_written += snapshots_compute(
                    definition=definition, kinds=kinds, periods=periods, run=run, now=now, memo=memo
                )
                run.per_kpi[code] = "ok"
            except KpiUnavailable as exc:
                run.per_kpi[code] = f"unavailable: {exc}"
            except SoftTimeLimitExceeded:
                run.per_kpi[code] = "error: time limit reached"
                raise
            except Exception as exc:  # one KPI failing must not stop the others
                logger.exception("KPI %s failed in run %s", code, run.pk)
                run.per_kpi[code] = f"error: {type(exc).__name__}: {exc}"[:500]
    finally:
        for cleanup in memo.pop("cleanup", set()):
            try:  # scratch tables; a lost connection must not keep the run from being recorded
                cleanup()
            except Exception:
                logger.exception("KPI run %s: cleanup %s failed", run.pk, cleanup.__name__)
        errors = [v for v in run.per_kpi.values() if v.startswith("error")]
        run.status = (
            RunStatus.OK
            if not errors and len(run.per_kpi) == len(wanted_codes)
            else RunStatus.FAILED
            if len(errors) == len(run.per_kpi)
            else RunStatus.PARTIAL
        )
        run.finished_at = timezone.now()
        run.duration = run.finished_at - run.started_at
        run.save(update_fields=["status", "per_kpi", "rows_written", "finished_at", "duration"])
    return run


@transaction.atomic
def snapshots_compute(
    *,
    definition: KpiDefinition,
    kinds: list[str],
    periods: list[tuple[str, datetime.date]],
    run: KpiRun,
    now: datetime.datetime,
    memo: dict,
) -> int:
    """One KPI of a run, in its own transaction: its rows computed, judged against its targets
    as they are now (not as the run found them: a target set during a run stays set) and
    stored; returns the count. The dashboard's service table is marked as changed when the
    transaction commits (bulk writes send no signal; the run's own saves come only at its
    start and end)."""
    targets = _targets_locked(definition.code)
    count = _compute_one(definition, kinds, periods, targets=targets, run=run, now=now, memo=memo)
    KEPT.bump()
    return count


def _compute_one(definition, kinds, periods, *, targets, run, now, memo) -> int:
    """Compute one KPI over every period and scope kind and store its rows; returns the count.

    Rows whose figures did not change are left as they are (an hourly run mostly confirms
    what the last one found): a row's `computed_at` and `run` say when its figures were last
    written, the runs say when each KPI was last computed. Rows of members that no longer
    have a value go, so a rerun equals a fresh run. On PostgreSQL the project KPIs are
    computed and stored by one statement each (kpis/project_rows.py)."""
    windows = [window_for(kind, start, now=now, memo=memo) for kind, start in periods]
    if project_rows.writes(definition.code):
        count, newly_off = project_rows.store(
            definition, kinds, windows, targets=targets, run=run, now=now, memo=memo
        )
        _announce(newly_off)
        return count
    # (scope, period kind, period start) → [period end, value, target, status, extra]
    computed: dict[tuple, list] = {}
    for window in windows:
        kind = window.kind
        # Members before global: a KPI may add global up from its members' rows.
        for scope_kind_ in sorted(kinds, key=lambda kind: kind == "global"):
            for scope, measure in definition.compute(window, scope_kind_).items():
                target, tolerance = target_of(definition, scope, targets)
                computed[(scope, kind, window.period_start)] = [
                    window.period_end,
                    measure.value,
                    target,
                    definition.status_for(measure.value, target, tolerance),
                    _plain(measure.extra),
                ]
    in_kinds = Q()
    for scope_kind_ in kinds:
        in_kinds |= (
            Q(scope="global") if scope_kind_ == "global" else Q(scope__startswith=f"{scope_kind_}:")
        )
    # The run's periods of each kind, as ranges (a few terms instead of one per period: the
    # statement is cheaper to build); rows of periods in a range but not in the run are kept.
    starts: dict[str, list] = {}
    for window in windows:
        starts.setdefault(window.kind, []).append(window.period_start)
    in_periods = Q()
    for kind, days in starts.items():
        in_periods |= Q(period_kind=kind, period_start__range=(min(days), max(days)))
    run_periods = {(window.kind, window.period_start) for window in windows}
    stored = KpiSnapshot.objects.filter(in_kinds, in_periods, code=definition.code)
    before, stale = {}, []
    for pk, scope, kind, start, *figures in stored.values_list(
        "pk", "scope", "period_kind", "period_start", "period_end", "value", "target", "status",
        "extra",
    ):  # fmt: skip
        if (scope, kind, start) in computed:
            before[(scope, kind, start)] = figures
        elif (kind, start) in run_periods:
            stale.append(pk)
    if stale:
        # One statement, no per-row signals (the table's stamp is set once, by the caller):
        # with a post_delete receiver connected, QuerySet.delete() loads every row first.
        stale_rows = KpiSnapshot.objects.filter(pk__in=stale)
        stale_rows._raw_delete(stale_rows.db)
    changed = [
        KpiSnapshot(
            code=definition.code,
            scope=scope,
            period_kind=kind,
            period_start=start,
            period_end=end,
            value=value,
            target=target,
            status=status,
            extra=extra,
            computed_at=now,
            run_id=run.pk,
        )
        for (scope, kind, start), figures in computed.items()
        if before.get((scope, kind, start)) != figures
        for end, value, target, status, extra in [figures]
    ]
    newly_off = _newly_off_target(definition.code, changed, now=now)
    KpiSnapshot.objects.bulk_create(
        changed,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code", "scope", "period_kind", "period_start"],
        update_fields=UPDATE_FIELDS,
    )
    _announce(newly_off)
    return len(computed)


def _announce(newly_off: list[KpiSnapshot]) -> None:
    """The `kpi.off_target` webhook of each row that went off target with this run."""
    for row in newly_off:
        publish(
            event="kpi.off_target",
            data={
                "kpi": row.code,
                "scope": row.scope,
                "period": row.period_kind,
                "period_start": row.period_start.isoformat(),
                "value": str(row.value),
                "target": str(row.target),
            },
        )


def _newly_off_target(code: str, rows: list[KpiSnapshot], *, now) -> list[KpiSnapshot]:
    """Current-period rows that go off target now (were not off target before this run);
    closed periods recomputed in a backfill raise no alarms."""
    current = [
        r for r in rows if r.status == "off_target" and r.period_end >= timezone.localdate(now)
    ]
    if not current:
        return []
    before = set(
        KpiSnapshot.objects.filter(
            code=code, status="off_target", period_start__in={r.period_start for r in current}
        ).values_list("scope", "period_kind", "period_start")
    )
    return [r for r in current if (r.scope, r.period_kind, r.period_start) not in before]


def _plain(extra: dict) -> dict:
    """JSON-safe supporting figures (Decimals as strings)."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in extra.items()}


def kpi_target_refusals(
    *, code: str, scope: str, target: Decimal | None, tolerance: Decimal | None
) -> dict[str, list[str]]:
    """{field: [message]} for a target that would mean nothing, {} for one that may be set: a
    KPI no one defined, a scope the KPI is not measured for or a member that does not exist,
    a target or tolerance outside what the KPI's values can be (registry target ranges). The
    one rule of the API, the Django admin and the action itself."""
    definition = registry.get(code)
    if definition is None:
        return {"code": ["No KPI has this code."]}
    refusals = {field: [message] for field, message in
                definition.target_refusals(target, tolerance).items()}  # fmt: skip
    try:
        kind, ident = registry.parse_scope(scope)
    except ValueError:
        return {"scope": ["A scope is global, or a kind and a number (service:3)."], **refusals}
    if kind not in definition.scopes:
        measured = ", ".join(definition.scopes)
        refusals["scope"] = [
            f"{definition.name} is not measured per {kind}: its scopes are {measured}."
        ]
    elif kind != "global" and not _scope_member_exists(kind, ident):
        refusals["scope"] = [
            f"No {kind} has the id {ident}."
            if kind != "priority"
            else f"There is no priority {ident}: priorities are 1 to 5."
        ]
    return refusals


def _scope_member_exists(kind: str, ident: int) -> bool:
    if kind == "priority":
        from servicedesk.choices import Priority

        return ident in Priority.values
    if kind == "service":
        from servicedesk.models import Service as model
    elif kind == "team":
        from core.models import Team as model
    else:
        from projects.models import Project as model
    return model.objects.filter(pk=ident).exists()


@transaction.atomic
def kpi_target_set(
    *, code: str, scope: str, target: Decimal, tolerance: Decimal = Decimal(0), actor=None
) -> KpiTarget:
    """Set the target of a KPI for a scope and re-judge the stored snapshots it applies to;
    the values of running periods it puts off target are announced (`kpi.off_target`, as a
    run announces them) and the change is audited. A target that would mean nothing
    (kpi_target_refusals) is a ValidationError naming the field, and nothing is written."""
    refusals = kpi_target_refusals(code=code, scope=scope, target=target, tolerance=tolerance)
    if refusals:
        raise ValidationError(refusals)
    now = timezone.now()
    before = KpiTarget.objects.select_for_update().filter(code=code, scope=scope).first()
    row, created = KpiTarget.objects.update_or_create(
        code=code,
        scope=scope,
        defaults={
            "target": target,
            "tolerance": tolerance,
            "updated_at": now,
            "updated_by": actor if actor is not None and actor.is_authenticated else None,
        },
    )
    row.refresh_from_db(fields=["target", "tolerance"])
    _, newly_off = _restatus(code=code, now=now)
    changes = {
        "target": [None if created else before.target, row.target],
        "tolerance": [None if created else before.tolerance, row.tolerance],
    }
    changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
    if changes or newly_off:  # the same target sent again changes nothing
        _audit_target(actor, "created" if created else "updated", row, changes, newly_off)
    _announce(newly_off)
    return row


@transaction.atomic
def kpi_targets_delete(*, targets: QuerySet[KpiTarget], actor=None) -> int:
    """Delete targets and re-judge the stored values of their KPIs against what applies then
    (the KPI's global target, else its default); returns how many went. Each deletion is
    audited; values of running periods that go off target are announced as a run would."""
    # Locked by id: the admin's selection may come ordered or distinct (FOR UPDATE refuses).
    gone = list(
        KpiTarget.objects.select_for_update()
        .filter(pk__in=list(targets.values_list("pk", flat=True)))
        .order_by("code", "scope")
    )
    now = timezone.now()
    deleted, _ = KpiTarget.objects.filter(pk__in=[t.pk for t in gone]).delete()
    newly_off_of = {}
    for code in sorted({t.code for t in gone}):
        if registry.get(code) is not None:  # a KPI since removed has no values to judge
            _, newly_off_of[code] = _restatus(code=code, now=now)
    untold = dict(newly_off_of)
    for target in gone:  # the objects keep their ids: the audit rows name the targets
        changes = {"target": [target.target, None], "tolerance": [target.tolerance, None]}
        # What a KPI's deletions put off target is told once, on its first deleted target.
        _audit_target(actor, "deleted", target, changes, untold.pop(target.code, []))
    for newly_off in newly_off_of.values():
        _announce(newly_off)
    return deleted


def _audit_target(actor, verb: str, target: KpiTarget, changes: dict, newly_off) -> None:
    """The audit row of a target change, naming the values it put off target (announced)."""
    if newly_off:
        changes["announced_off_target"] = [
            None,
            [f"{r.scope} {r.period_kind} {r.period_start.isoformat()}" for r in newly_off],
        ]
    audit_record(actor=actor, action=f"kpi_target.{verb}", obj=target, changes=changes)


def snapshots_restatus(*, code: str) -> int:
    """Re-judge every stored value of one KPI against its current targets (after a change)
    and announce the running periods' values that went off target; returns how many rows
    changed (kpi_target_set and kpi_targets_delete call `_restatus` to audit what they
    announce)."""
    changed, newly_off = _restatus(code=code, now=timezone.now())
    _announce(newly_off)
    return changed


def _restatus(*, code: str, now: datetime.datetime) -> tuple[int, list[KpiSnapshot]]:
    """Re-judge every stored value of one KPI against its current targets, in the database:
    one UPDATE for each scope with a target of its own and one for all the others (the KPI's
    global target, else its default), each writing only the rows whose target or status
    changes. Row by row in Python this took 100 s for a project KPI's 350,000 rows at bench
    scale; the judging is `registry.status_for`'s, as SQL. Called in the transaction that
    changed the targets (it holds their lock until it commits).

    Returns (rows changed, values of running periods that went off target with it): the same
    "newly off" a run finds (_newly_off_target, project_rows.store), so a target change
    announces them once and the next run, finding them off already, does not again."""
    definition = registry.get(code)
    targets = _targets_locked(code)
    was_off = set(_off_in_running_periods(code, now).values_list("pk", flat=True))
    own = {scope: row for (_, scope), row in targets.items() if scope != "global"}
    stored = KpiSnapshot.objects.filter(code=code)
    changed = 0
    for scope, row in own.items():
        changed += _judge(stored.filter(scope=scope), definition, row.target, row.tolerance)
    target, tolerance = target_of(definition, "global", targets)
    changed += _judge(stored.exclude(scope__in=own), definition, target, tolerance)
    if not changed:
        return 0, []
    newly_off = list(
        _off_in_running_periods(code, now)
        .exclude(pk__in=was_off)
        .order_by("scope", "period_kind", "period_start")
    )
    return changed, newly_off


def _off_in_running_periods(code: str, now: datetime.datetime) -> QuerySet[KpiSnapshot]:
    """A KPI's values that are off target in periods not over yet (closed periods raise no
    alarms: a run's backfill or a target change does not page anyone for last month)."""
    today = timezone.localdate(now)
    return KpiSnapshot.objects.filter(
        code=code,
        status=KpiStatus.OFF_TARGET,
        # No period is longer than a month: this bounds the rows read at scale.
        period_start__gt=today - datetime.timedelta(days=31),
        period_end__gte=today,
    )


def _judge(snapshots, definition: KpiDefinition, target, tolerance) -> int:
    """Set `target` and the status it gives on `snapshots` where either differs."""
    status = registry.status_expression(definition.direction, target, tolerance)
    same_target = Q(target__isnull=True) if target is None else Q(target=target)
    return (
        snapshots.alias(judged=status)
        .exclude(same_target & Q(status=F("judged")))
        .update(target=target, status=status)
    )
