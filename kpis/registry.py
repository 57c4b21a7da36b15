"""The KPI registry: each KPI defined once, in code, with the function that computes it.

A compute function takes a `Window` and a scope kind ("global", "service", "team",
"priority", "project") and returns `{scope_key: Measure}` for every member of that kind
that has a value, from SQL aggregates grouped by the scope (one query per kind where the
database can do it). It raises `KpiUnavailable` when its data source does not exist yet:
such a KPI is recorded as unavailable, never given a made-up number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Value, When

from core.params import whole_number
from kpis.choices import Direction, KpiStatus
from kpis.periods import Window

SCOPE_KINDS = ("global", "service", "team", "priority", "project")

# What a value of each unit can be, and so what a target of it may be: (lowest, highest),
# None where there is no bound. A KPI whose values leave its unit's range (a variance, a
# reduction) says its own range at registration.
UNIT_RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "%": (Decimal(0), Decimal(100)),
    "min": (Decimal(0), None),
    "count": (Decimal(0), None),
    "money": (Decimal(0), None),
    "ratio": (Decimal(0), None),
}
UNIT_WORDS = {
    "%": "a percentage",
    "min": "in minutes",
    "count": "a count",
    "money": "an amount of money",
    "ratio": "a ratio",
}


class KpiUnavailable(Exception):
    """The KPI's data source is not there (yet); the reason is shown to admins."""


@dataclass(frozen=True)
class Measure:
    value: Decimal | None
    extra: dict = field(default_factory=dict)


Compute = Callable[[Window, str], dict[str, Measure]]
# records(window, scope_key) -> a queryset (or a URL) of the records behind the number
Records = Callable[[Window, str], object]
# outages(window, scope_key) -> a queryset of the outages behind the number (availability)


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    name: str
    unit: str  # "%", "min", "count", "money", "ratio"
    direction: str
    default_target: Decimal | None
    tolerance: Decimal
    scopes: tuple[str, ...]
    compute: Compute
    description: str = ""
    records: Records | None = None
    records_label: str = ""
    outages: Records | None = None
    group: str = "service"  # "service" or "project": which dashboard shows it
    decimals: int = 1
    # (lowest, highest) a value and so a target can be; None: no bound (UNIT_RANGES).
    target_range: tuple[Decimal | None, Decimal | None] = (None, None)

    def target_refusals(self, target: Decimal | None, tolerance: Decimal | None) -> dict:
        """{"target" | "tolerance": message} for a target or tolerance this KPI's values can
        never be measured against ({} when both fit): a target outside the range its values
        can take, a negative tolerance, or one wider than the whole range."""
        low, high = self.target_range
        refusals = {}
        if target is not None and (
            (low is not None and target < low) or (high is not None and target > high)
        ):
            if low is not None and high is not None:
                bounds = f"from {low} to {high}"
            elif low is not None:
                bounds = f"{low} or more"
            else:
                bounds = f"{high} at most"
            what = UNIT_WORDS.get(self.unit, self.unit)
            refusals["target"] = (
                f"{self.name} is {what}: give a target {bounds} (not {target.normalize():f})."
            )
        if tolerance is not None:
            if tolerance < 0:
                refusals["tolerance"] = "The tolerance cannot be negative."
            elif low is not None and high is not None and tolerance > high - low:
                refusals["tolerance"] = (
                    f"The tolerance is at most {high - low}, the whole range of {self.name}."
                )
        return refusals

    def status_for(self, value: Decimal | None, target: Decimal | None, tolerance: Decimal):
        return status_for(value, target, tolerance, self.direction)


REGISTRY: dict[str, KpiDefinition] = {}


def kpi(
    *,
    code: str,
    name: str,
    unit: str,
    direction: str,
    scopes: tuple[str, ...],
    default_target: str | Decimal | None = None,
    tolerance: str | Decimal = "0",
    description: str = "",
    records: Records | None = None,
    records_label: str = "",
    outages: Records | None = None,
    group: str = "service",
    decimals: int = 1,
    target_range: tuple[str | None, str | None] | None = None,
):
    """Register the decorated function as the computation of KPI `code`. `target_range`
    (lowest, highest; None for no bound) is where its values can lie when its unit's range
    does not say it (a variance can be negative)."""
    unknown = set(scopes) - set(SCOPE_KINDS)
    if unknown:
        raise ValueError(f"{code}: unknown scope kinds {sorted(unknown)}")
    if unit not in UNIT_RANGES:
        raise ValueError(f"{code}: unknown unit {unit!r}")
    bounds = (
        UNIT_RANGES[unit]
        if target_range is None
        else tuple(None if b is None else Decimal(b) for b in target_range)
    )

    def register(func: Compute) -> Compute:
        REGISTRY[code] = KpiDefinition(
            code=code,
            name=name,
            unit=unit,
            direction=Direction(direction),
            default_target=None if default_target is None else Decimal(default_target),
            tolerance=Decimal(tolerance),
            scopes=tuple(scopes),
            compute=func,
            description=description or (func.__doc__ or "").strip().split("\n\n")[0],
            records=records,
            records_label=records_label,
            outages=outages,
            group=group,
            decimals=decimals,
            target_range=bounds,
        )
        if REGISTRY[code].target_refusals(REGISTRY[code].default_target, REGISTRY[code].tolerance):
            raise ValueError(f"{code}: default target or tolerance outside its range")
        return func

    return register


def definitions(group: str | None = None) -> list[KpiDefinition]:
    return [d for d in REGISTRY.values() if group is None or d.group == group]


def get(code: str) -> KpiDefinition | None:
    return REGISTRY.get(code)


def status_for(
    value: Decimal | None, target: Decimal | None, tolerance: Decimal, direction: str
) -> str:
    """on target if the value meets the target; at risk if within tolerance of it; else off."""
    if value is None:
        return KpiStatus.NO_DATA
    if target is None:
        return KpiStatus.NO_TARGET
    if direction == Direction.HIGHER:
        if value >= target:
            return KpiStatus.ON_TARGET
        return KpiStatus.AT_RISK if value >= target - tolerance else KpiStatus.OFF_TARGET
    if value <= target:
        return KpiStatus.ON_TARGET
    return KpiStatus.AT_RISK if value <= target + tolerance else KpiStatus.OFF_TARGET


def status_expression(direction: str, target: Decimal | None, tolerance: Decimal):
    """`status_for` over a snapshot's `value` column, as SQL (one CASE), for a given target."""
    if target is None:
        return Case(
            When(value__isnull=True, then=Value(KpiStatus.NO_DATA.value)),
            default=Value(KpiStatus.NO_TARGET.value),
        )
    lookup, risk_bound = (
        ("value__gte", target - tolerance)
        if direction == Direction.HIGHER
        else ("value__lte", target + tolerance)
    )
    return Case(
        When(value__isnull=True, then=Value(KpiStatus.NO_DATA.value)),
        When(**{lookup: target}, then=Value(KpiStatus.ON_TARGET.value)),
        When(**{lookup: risk_bound}, then=Value(KpiStatus.AT_RISK.value)),
        default=Value(KpiStatus.OFF_TARGET.value),
    )


def scope_kind(scope: str) -> str:
    return scope.split(":", 1)[0]


def parse_scope(scope: str) -> tuple[str, int | None]:
    """("service", 3) from "service:3"; ("global", None) from "global". ValueError if bad."""
    kind, _, ident = scope.partition(":")
    if kind == "global" and not ident:
        return kind, None
    number = whole_number(ident, max_digits=11)
    if kind in SCOPE_KINDS and kind != "global" and number is not None:
        return kind, number
    raise ValueError(f"not a scope: {scope!r}")
