"""Helpers shared by the KPI definitions: grouping by scope, rounding, scope members,
window filters, and the data sources a KPI needs (KpiUnavailable while they are missing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet

from kpis.periods import Window
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
