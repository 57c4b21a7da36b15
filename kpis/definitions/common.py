"""Helpers shared by the KPI definitions: grouping by scope, rounding, scope members,
window filters, and the data sources a KPI needs (KpiUnavailable while they are missing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from kpis.periods import Window, midnight
from kpis.registry import KpiUnavailable
from servicedesk.models import Incident

HUNDRED = Decimal("100")
CENT = Decimal("0.01")

# The column each scope kind groups incidents by.
INCIDENT_SCOPE_FIELD = {"service": "service_id", "team": "team_id", "priority": "priority"}

INCIDENT_SCOPES = ("global", "service", "team", "priority")


def rounded(value: Decimal | None, places: Decimal = CENT) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole × 100, two decimals, or None when the whole is zero."""
    if not whole:
        return None
    return rounded(Decimal(part) * HUNDRED / Decimal(whole))


def minutes(duration: timedelta | None) -> Decimal | None:
    """A duration in minutes, two decimals (exact: from whole microseconds)."""
    if duration is None:
        return None
    micros = duration // timedelta(microseconds=1)
    return rounded(Decimal(micros) / Decimal(60_000_000))


def grouped(qs: QuerySet, scope_kind: str, fields: dict[str, str], **aggregates) -> dict[str, dict]:
    """Aggregate `qs` once per scope member in ONE query: {scope_key: {name: value}}.

    `fields` maps a scope kind to the column to group by; "global" aggregates everything.
    Rows without a member (e.g. no team) count only towards "global".
    """
    if scope_kind == "global":
        return {"global": qs.aggregate(**aggregates)}
    column = fields[scope_kind]
    rows = (
        qs.exclude(**{f"{column}__isnull": True})
        .values(column)
        .annotate(**aggregates)
        .order_by(column)
    )
    return {f"{scope_kind}:{row.pop(column)}": row for row in rows}


# A run whose windows start and end at no more than this many distinct moments (the hourly
# run: the running month, week and day all end now) reads its rows per piece between them,
# told apart by comparisons; a run with more (a backfill) reads them per local day.
FEW_PIECES = 6


def _pieces(w: Window, date_field: str):
    """How `grouped_in_window` reads for window `w`: (span start, span end, memo tag, the
    expression naming a row's piece, the pieces `w` covers)."""
    cuts = w.memo.get("cuts", ())
    if 2 <= len(cuts) <= FEW_PIECES + 1 and w.start in cuts and w.end in cuts:
        # Piece k is [cuts[k], cuts[k + 1]); a row's piece is the last cut at or before it.
        whens = [
            When(**{f"{date_field}__gte": cut}, then=Value(k))
            for k, cut in reversed(list(enumerate(cuts)))
            if 0 < k < len(cuts) - 1
        ]
        piece = Case(*whens, default=Value(0), output_field=IntegerField())
        covered = range(cuts.index(w.start), cuts.index(w.end))
        return cuts[0], cuts[-1], ("pieces", cuts), piece, covered
    start, end = w.memo.get("span", (w.start, w.end))
    whole_days = w.start == midnight(w.period_start) and (
        w.end == end or w.end == midnight(w.as_of_date + timedelta(days=1))
    )
    if not (whole_days and start <= w.start and w.end <= end):
        start, end = w.start, w.end  # read for this window alone (e.g. a previous window)
    day = TruncDate(date_field, tzinfo=timezone.get_default_timezone())
    days = (
        w.period_start + timedelta(days=n) for n in range((w.as_of_date - w.period_start).days + 1)
    )
    return start, end, ("days", start, end), day, days


def grouped_in_window(
    w: Window,
    name: str,
    date_field: str,
    qs: QuerySet,
    scope_kind: str,
    fields: dict[str, str],
    **sums,
) -> dict[str, dict]:
    """`grouped(qs.filter(_within(date_field, w)), …)` for additive aggregates (counts and
    sums): the rows of every window of a run come from ONE statement per scope kind.

    The statement groups `qs` by piece of time (and scope member) over the span of the run's
    windows, and is memoised for the run; each window adds up the pieces it covers. The
    pieces are those between the moments the run's windows start and end at (`memo["cuts"]`,
    set by the KPI job) when they are few — the running day, week and month of an hourly run
    are three pieces (or fewer), read once instead of three times — else local days over
    `memo["span"]`: a backfill reads its span once instead of once per period. A window on
    whole local days (from a midnight to a midnight or to the end of the span, the run's
    "now") adds up exactly its days; any other window (a previous window of a running
    period) is read on its own.
    `name` stands for `qs` and `sums` in the memo (one name per statement a KPI reads: the
    statement is not built again for each of the run's windows).
    """
    start, end, tag, piece, covered = _pieces(w, date_field)
    base = (name, date_field, tag)
    column = None if scope_kind == "global" else fields[scope_kind]
    if column is None:
        # Any member's rows (they keep the rows without a member) add up to global.
        key = w.memo.get(("any member", base), ("rows", base, None))
    else:
        key = ("rows", base, column)
        w.memo.setdefault(("any member", base), key)
    if key not in w.memo:
        rows = qs.filter(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
        group = ["piece"] if column is None else ["piece", column]
        by_piece: dict = {}  # each window reads only its own pieces' rows
        for row in rows.annotate(piece=piece).values(*group).annotate(**sums).order_by():
            by_piece.setdefault(row["piece"], []).append(row)
        w.memo[key] = by_piece
    by_piece = w.memo[key]
    zero = {sum_: 0 if isinstance(agg, Count) else None for sum_, agg in sums.items()}
    out: dict[str, dict] = {"global": dict(zero)} if column is None else {}
    for each in covered:
        for row in by_piece.get(each, ()):
            if column is not None and row[column] is None:
                continue  # counts towards global only
            member = "global" if column is None else f"{scope_kind}:{row[column]}"
            totals = out.setdefault(member, dict(zero))
            for sum_ in sums:
                if row[sum_] is not None:
                    totals[sum_] = row[sum_] if totals[sum_] is None else totals[sum_] + row[sum_]
    return out


def scope_filter(scope: str, fields: dict[str, str]) -> dict:
    """The filter kwargs selecting one scope member's rows ({} for global)."""
    kind, _, ident = scope.partition(":")
    if kind == "global":
        return {}
    return {fields[kind]: int(ident)}


def _incidents(scope: str = "global"):
    return Incident.objects.filter(**scope_filter(scope, INCIDENT_SCOPE_FIELD))


def _within(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.start, f"{field}__lt": w.end})


def members(scope_kind: str, memo: dict) -> list[str]:
    """Every scope key of a kind (to report zero where nothing happened); memoised per run."""
    key = ("members", scope_kind)
    if key not in memo:
        if scope_kind == "global":
            memo[key] = ["global"]
        elif scope_kind == "service":
            from servicedesk.models import Service

            ids = Service.objects.order_by("pk").values_list("pk", flat=True)
            memo[key] = [f"service:{pk}" for pk in ids]
        elif scope_kind == "team":
            from core.models import Team

            ids = Team.objects.order_by("pk").values_list("pk", flat=True)
            memo[key] = [f"team:{pk}" for pk in ids]
        elif scope_kind == "priority":
            from servicedesk.choices import Priority

            memo[key] = [f"priority:{p}" for p in Priority.values]
        elif scope_kind == "project":
            from projects.models import Project

            ids = Project.objects.order_by("pk").values_list("pk", flat=True)
            memo[key] = [f"project:{pk}" for pk in ids]
        else:
            raise ValueError(scope_kind)
    return memo[key]


def _require(module: str, name: str, what: str):
    """The model `name` from `module`, or KpiUnavailable naming what is missing."""
    from importlib import import_module

    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise KpiUnavailable(
            f"no data source yet: {module}.{name} ({what}) does not exist"
        ) from exc


def _model_field(model, name: str, what: str) -> None:
    if name not in {f.name for f in model._meta.get_fields()}:
        raise KpiUnavailable(f"no data source yet: {model.__name__}.{name} ({what}) does not exist")
