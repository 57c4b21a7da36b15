"""The project KPIs' rows written by PostgreSQL itself (the nightly run and full recomputes).

A run measures ~10,000 projects on every day it covers: 350,000 rows per KPI over a month.
In Python that is 350,000 measures built, compared with the stored rows and written back.
Here the earned-value figures of every project and date are computed once per run into a
temporary table (the three statements of projects/evm_aggregates.py, their settled and
moving parts added up per date), and each KPI is one statement: it hashes what each row
derives from, and only for rows whose hash differs from the stored one (new, changed, or
gone) derives the values, judges them against the targets and deletes, updates or inserts.
The Python definitions (kpis/definitions/projects.py) stay the reference and run on SQLite;
tests/kpis/test_project_rows.py holds the two equal.
"""

from __future__ import annotations

from django.db import connection

from kpis.choices import Direction, KpiStatus

# The run's scratch tables: each project's figures per date, and the portfolio's sums.
TABLE = "kpi_evm_totals"
PORTFOLIO = "kpi_evm_portfolio"


def _money_text(x: str) -> str:
    """An amount as the supporting figures show it (cents, as text)."""
    return f"ROUND({x}, 2)::text"


# A quotient to 30 decimals before it is rounded: PostgreSQL divides to the scale of its
# operands (20 here), Python to 28 digits, and 1.19249999999999999999610 must round as
# Python's reference does (to 1.192, not via 1.1925000… to 1.193).
PRECISE = "0." + "0" * 30


def _ratio(a: str, b: str) -> str:
    return f"CASE WHEN {b} = 0 THEN NULL ELSE ROUND(({a} + {PRECISE}) / {b}, 3) END"


def _pct(part: str, whole: str) -> str:
    return (
        f"CASE WHEN {whole} = 0 THEN NULL ELSE ROUND((({part}) * 100 + {PRECISE}) / {whole}, 2) END"
    )


# Per KPI, over a row `{p}` of figures (pv, ev, ac, budget, due, missed: one project's, or the
# portfolio's sums): the value, the supporting figures of a project and the portfolio's own
# additions. `money`: the project rows carry their currency, and the portfolio's amounts are
# added up only when every project has the same one (as kpis/definitions/projects.py).
EXPRESSIONS: dict[str, dict] = {
    "schedule_variance": {
        "value": "ROUND({p}.ev - {p}.pv, 2)",
        "extra": ["'ev', " + _money_text("{p}.ev"), "'pv', " + _money_text("{p}.pv")],
        "portfolio_extra": ["'projects', {p}.projects"],
        "money": True,
    },
    "cost_variance": {
        "value": "ROUND({p}.ev - {p}.ac, 2)",
        "extra": ["'ev', " + _money_text("{p}.ev"), "'ac', " + _money_text("{p}.ac")],
        "portfolio_extra": ["'projects', {p}.projects"],
        "money": True,
    },
    "spi": {
        "value": _ratio("{p}.ev", "{p}.pv"),
        "extra": [],
        "portfolio_extra": ["'projects', {p}.projects"],
        "money": True,
    },
    "cpi": {
        "value": _ratio("{p}.ev", "{p}.ac"),
        "extra": [],
        "portfolio_extra": ["'projects', {p}.projects"],
        "money": True,
    },
    # (EAC − BAC) ÷ BAC with EAC = BAC ÷ CPI, i.e. (AC − EV) ÷ EV; none without AC (no CPI).
    "budget_deviation": {
        "value": f"CASE WHEN {{p}}.ac = 0 THEN NULL ELSE {_pct('{p}.ac - {p}.ev', '{p}.ev')} END",
        "extra": ["'ev', " + _money_text("{p}.ev"), "'ac', " + _money_text("{p}.ac")],
        "portfolio_extra": [],
        "money": True,
    },
    "milestones_missed": {
        "value": _pct("{p}.missed", "{p}.due"),
        "extra": ["'due', {p}.due", "'missed', {p}.missed"],
        "portfolio_extra": [],
        "money": False,
    },
}


def writes(code: str) -> bool:
    """Whether `code`'s rows are written here (on PostgreSQL) rather than in Python."""
    return code in EXPRESSIONS and connection.vendor == "postgresql"


def _totals_sql(dates: list) -> tuple[str, list]:
    """SELECT (d, pid, currency, budget, pv, ev, ac, due, missed) for every date and every
    project measured (past initiation, not cancelled, with a plan), as evm_totals_many gives
    them."""
    from projects.choices import Phase
    from projects.evm_aggregates import MILESTONES_SQL, SPEND_SQL, WORK_SQL, statement
    from projects.models import Project

    parts, params = [], []
    for name, columns, sql in (
        ("w", "pv, ev", WORK_SQL),
        ("s", "ac", SPEND_SQL),
        ("m", "due, missed", MILESTONES_SQL),
    ):
        text, args = statement(sql, dates)
        parts.append(f"{name}_rows(d, pid, {columns}) AS ({text})")
        params += args
    as_of = " UNION ALL ".join(["SELECT CAST(%s AS date)"] * len(dates))
    params += list(dates) + [Phase.CANCELLED, Phase.INITIATION]
    project = connection.ops.quote_name(Project._meta.db_table)
    # Each statement gives one row per project for what was settled before the first date
    # (date NULL) and one per date and project for what moves inside the span: a date's
    # figures are the two added (joined, not grouped: both are unique). Every project with a
    # plan has a settled row of work.
    sql = f"""WITH {", ".join(parts)}, as_of(d) AS ({as_of})
SELECT a.d, ws.pid, p.currency, p.budget,
       COALESCE(ws.pv, 0) + COALESCE(wm.pv, 0) AS pv,
       COALESCE(ws.ev, 0) + COALESCE(wm.ev, 0) AS ev,
       COALESCE(ss.ac, 0) + COALESCE(sm.ac, 0) AS ac,
       (COALESCE(ms.due, 0) + COALESCE(mm.due, 0))::integer AS due,
       (COALESCE(ms.missed, 0) + COALESCE(mm.missed, 0))::integer AS missed
FROM w_rows ws CROSS JOIN as_of a
JOIN {project} p ON p.id = ws.pid AND p.phase NOT IN (%s, %s)
LEFT JOIN w_rows wm ON wm.d = a.d AND wm.pid = ws.pid
LEFT JOIN s_rows ss ON ss.d IS NULL AND ss.pid = ws.pid
LEFT JOIN s_rows sm ON sm.d = a.d AND sm.pid = ws.pid
LEFT JOIN m_rows ms ON ms.d IS NULL AND ms.pid = ws.pid
LEFT JOIN m_rows mm ON mm.d = a.d AND mm.pid = ws.pid
WHERE ws.d IS NULL"""
    return sql, params


def _ensure_totals(memo: dict, dates: list) -> None:
    """The run's EVM totals table: built by the first project KPI of the run (again if that
    KPI's transaction rolled it back), dropped when the run ends (kpis_compute)."""
    with connection.cursor() as cursor:
        if memo.get(TABLE) == dates:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"pg_temp.{TABLE}"])
            if cursor.fetchone()[0]:
                return
        sql, params = _totals_sql(dates)
        # The planner cannot know how many rows the statements' parts give (it guesses a few
        # dozen and would loop over them): hash joins; the sums in memory, not in batches on
        # disk; and no compiling of a statement that runs once (JIT costs ~0.3 s).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {TABLE} AS {sql}", params)
        cursor.execute("RESET enable_nestloop")
        cursor.execute(f"CREATE INDEX ON {TABLE} (d, pid)")
        cursor.execute(f"ANALYZE {TABLE}")
        # The portfolio's sums per date, shared by the six KPIs.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{PORTFOLIO}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {PORTFOLIO} AS
            SELECT d, SUM(pv) AS pv, SUM(ev) AS ev, SUM(ac) AS ac, SUM(budget) AS budget,
                   SUM(due) AS due, SUM(missed) AS missed, COUNT(*) AS projects,
                   COUNT(DISTINCT currency) AS currencies, MIN(currency) AS currency
            FROM {TABLE} GROUP BY d"""
        )
    memo[TABLE] = dates
    memo.setdefault("cleanup", set()).add(drop_totals)  # once, however often it is rebuilt


def drop_totals() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{TABLE}, pg_temp.{PORTFOLIO}")


def store(definition, kinds, windows, *, targets: dict, run, now, memo) -> tuple[int, list]:
    """Compute and store `definition`'s rows for the windows and scope kinds in one statement;
    returns (rows computed, rows of running periods that went off target with this run)."""
    from django.db.models import Q
    from django.utils import timezone

    from kpis.models import KpiSnapshot

    _ensure_totals(memo, sorted({*memo.get("as_of_dates", ()), *(w.as_of_date for w in windows)}))
    today = timezone.localdate(now)
    in_running = Q(pk__in=[])
    for w in windows:
        if w.period_end >= today:
            in_running |= Q(period_kind=w.kind, period_start=w.period_start)
    # Off target before this run (no alarm for those).
    was_off = set(
        KpiSnapshot.objects.filter(
            in_running, code=definition.code, status=KpiStatus.OFF_TARGET
        ).values_list("scope", "period_kind", "period_start")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # The stored rows' estimate is a few thousand (a materialised CTE has no statistics;
        # there are ~350,000 at bench scale): the planner sorted both sides of the FULL JOIN
        # on text keys for a merge (0.8 s of 1.7). Hashed instead: 0.93 s a KPI, and faster
        # on a first pass and when every row changed too (docs/performance.md, twelfth round).
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(*statement(definition, kinds, windows, targets=targets, run=run, now=now))
        rows = cursor.fetchall()
        # SET LOCAL lasts to the end of the outermost transaction (a run inside one, eager
        # Celery under ATOMIC_REQUESTS, would plan everything after it without merge joins).
        cursor.execute("RESET enable_mergejoin")
    newly_off = [
        KpiSnapshot(
            code=definition.code,
            scope=scope,
            period_kind=kind,
            period_start=start,
            period_end=end,
            value=value,
            target=target,
            status=KpiStatus.OFF_TARGET,
        )
        for _, scope, kind, start, end, value, target in rows
        if scope is not None and (scope, kind, start) not in was_off
    ]
    return rows[0][0], newly_off


def _status(direction: str) -> str:
    """status_for (kpis/registry.py) over the columns value, target and tolerance of `c`."""
    better = ">=" if direction == Direction.HIGHER else "<="
    edge = "c.target - c.tolerance" if direction == Direction.HIGHER else "c.target + c.tolerance"
    return f"""CASE WHEN c.value IS NULL THEN '{KpiStatus.NO_DATA}'
        WHEN c.target IS NULL THEN '{KpiStatus.NO_TARGET}'
        WHEN c.value {better} c.target THEN '{KpiStatus.ON_TARGET}'
        WHEN c.value {better} {edge} THEN '{KpiStatus.AT_RISK}'
        ELSE '{KpiStatus.OFF_TARGET}' END"""


# What a row's figures derive from, hashed (64 bits, PostgreSQL's own hash functions over the
# values, no text conversion): the totals' columns, the period's last day, the target and
# tolerance, and a seed naming the KPI and the text of its expressions (a release that
# changes how a KPI is computed recomputes every row once).
NULL_NUMBER = "-1e30"  # stands for NULL in the hash (a target, say); no figure reaches it
PROJECT_INPUTS = [
    ("hash_numeric_extended", "t.pv"),
    ("hash_numeric_extended", "t.ev"),
    ("hash_numeric_extended", "t.ac"),
    ("hash_numeric_extended", "t.budget"),
    ("hashint4extended", "t.due"),
    ("hashint4extended", "t.missed"),
    ("hashtextextended", "t.currency"),
]
PORTFOLIO_INPUTS = [
    ("hash_numeric_extended", "s.pv"),
    ("hash_numeric_extended", "s.ev"),
    ("hash_numeric_extended", "s.ac"),
    ("hash_numeric_extended", "s.budget"),
    ("hashint8extended", "s.due"),
    ("hashint8extended", "s.missed"),
    ("hashint8extended", "s.projects"),
    ("hashint8extended", "s.currencies"),
    ("hashtextextended", "s.currency"),
]
# A scope's target and tolerance: its own row (tg), else the KPI's fallback (fb: its global
# target, else the default).
TARGET = "CASE WHEN tg.scope IS NULL THEN fb.target ELSE tg.target END"
TOLERANCE = "CASE WHEN tg.scope IS NULL THEN fb.tolerance ELSE tg.tolerance END"
COMMON_INPUTS = [
    ("hashint4extended", "pr.last - DATE '2000-01-01'"),
    ("hash_numeric_extended", f"COALESCE({TARGET}, {NULL_NUMBER})"),
    ("hash_numeric_extended", f"COALESCE({TOLERANCE}, {NULL_NUMBER})"),
]


def _inputs_hash(parts: list[tuple[str, str]]) -> str:
    """Nested hash functions, each seeded with the hash so far; %s is the KPI's seed."""
    expr = "%s::bigint"
    for function, value in parts:
        expr = f"{function}({value}, {expr})"
    return expr


def _seed(definition) -> int:
    import hashlib

    text = repr((definition.code, _figures(EXPRESSIONS[definition.code]),
                 _status(definition.direction), PROJECT_INPUTS, PORTFOLIO_INPUTS,
                 COMMON_INPUTS))  # fmt: skip
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def _figures(spec: dict) -> str:
    """SELECTs of the figures (value, extra) of the differing rows `d`, per project and for
    the portfolio."""
    extra = ", ".join((["'currency', t.currency"] if spec["money"] else []) + spec["extra"])
    project = f"""SELECT d.*, {spec["value"].format(p="t")} AS value,
       jsonb_build_object({extra.format(p="t")}) AS extra
    FROM diff d JOIN {TABLE} t ON t.d = d.d AND t.pid = d.pid"""
    value = spec["value"].format(p="s")
    extra = ", ".join(spec["extra"] + spec["portfolio_extra"]).format(p="s")
    if spec["money"]:
        value = f"CASE WHEN s.currencies = 1 THEN {value} END"
        extra = (
            "CASE WHEN s.currencies = 1 THEN jsonb_build_object('currency', s.currency"
            + (f", {extra}" if extra else "")
            + ") ELSE jsonb_build_object('reason', 'projects in more than one currency') END"
        )
    else:
        extra = f"jsonb_build_object({extra})"
    portfolio = f"""SELECT d.*, {value} AS value, {extra} AS extra
    FROM diff d JOIN {PORTFOLIO} s ON s.d = d.d AND d.pid IS NULL"""
    return f"{project}\n    UNION ALL\n    {portfolio}"


def _keyed(kinds) -> tuple[str, int]:
    """SELECTs of (scope, kind, start, last, d, pid, target, tolerance, inputs) of every row
    the run measures, and how many seed parameters they take."""
    selects = []
    if "project" in kinds:
        selects.append(
            f"""SELECT 'project:' || t.pid AS scope, pr.kind, pr.start, pr.last, pr.d, t.pid,
           {TARGET} AS target, {TOLERANCE} AS tolerance,
           {_inputs_hash(PROJECT_INPUTS + COMMON_INPUTS)} AS inputs
    FROM periods pr JOIN {TABLE} t ON t.d = pr.d CROSS JOIN fallback fb
    LEFT JOIN targets tg ON tg.scope = 'project:' || t.pid"""
        )
    if "global" in kinds:
        # No projects on a date: no portfolio row (no sums for the date).
        selects.append(
            f"""SELECT 'global', pr.kind, pr.start, pr.last, pr.d, NULL::integer,
           {TARGET}, {TOLERANCE}, {_inputs_hash(PORTFOLIO_INPUTS + COMMON_INPUTS)}
    FROM periods pr JOIN {PORTFOLIO} s ON s.d = pr.d CROSS JOIN fallback fb
    LEFT JOIN targets tg ON tg.scope = 'global'"""
        )
    return " UNION ALL ".join(selects), len(selects)


def statement(definition, kinds, windows, *, targets: dict, run, now) -> tuple[str, list]:
    """The statement of `store` (the run's totals tables must exist): its one row per written
    row that is off target in a running period, each with the number of rows measured (one
    row of NULLs and that number when there is none).

    Every row the run measures is keyed and hashed with its inputs; only the rows whose hash
    differs from the stored one (or that are new, or gone) get their figures built, compared
    and written. A row whose inputs changed but whose figures did not (a cost that moves EV
    below a cent) takes the new hash and keeps its `computed_at` and `run`."""
    from django.utils import timezone

    from kpis.actions import target_of
    from kpis.models import KpiSnapshot

    params: list = []
    periods = []
    for w in windows:
        periods.append("(%s, CAST(%s AS date), CAST(%s AS date), CAST(%s AS date))")
        params += [w.kind, w.period_start, w.period_end, w.as_of_date]
    own = [(s, t.target, t.tolerance) for (c, s), t in targets.items() if c == definition.code]
    if own:
        target_rows = "VALUES " + ", ".join(["(%s, %s::numeric, %s::numeric)"] * len(own))
        params += [x for row in own for x in row]
    else:
        target_rows = "SELECT NULL::text, NULL::numeric, NULL::numeric WHERE false"
    params += list(target_of(definition, "global", targets))  # the fallback
    keyed, seeds = _keyed(kinds)
    params += [_seed(definition)] * seeds
    in_kinds = " OR ".join(
        "k.scope = 'global'" if kind == "global" else f"k.scope LIKE '{kind}:%%'" for kind in kinds
    )
    params += [definition.code]  # the stored rows
    params += [now, run.pk]  # the update
    params += [definition.code, now, run.pk]  # the insert
    params += [timezone.localdate(now)]  # running periods
    table = connection.ops.quote_name(KpiSnapshot._meta.db_table)
    figures = ["period_end", "value", "target", "status", "extra"]
    old = ", ".join(f"k.{f}" for f in figures)
    new = "c.last, c.value, c.target, c.status, c.extra"
    returned = "k.scope, k.period_kind, k.period_start, k.period_end, k.value, k.target, k.status"
    sql = f"""WITH periods(kind, start, last, d) AS (VALUES {", ".join(periods)}),
targets(scope, target, tolerance) AS ({target_rows}),
fallback(target, tolerance) AS (SELECT %s::numeric, %s::numeric),
keyed AS MATERIALIZED ({keyed}),
stored AS MATERIALIZED (
    SELECT k.id, k.scope, k.period_kind, k.period_start, k.inputs FROM {table} k
    JOIN periods pr ON k.period_kind = pr.kind AND k.period_start = pr.start
    WHERE k.code = %s AND ({in_kinds})
),
diff AS MATERIALIZED (
    SELECT k.id, c.scope, c.kind, c.start, c.last, c.d, c.pid, c.target, c.tolerance, c.inputs
    FROM keyed c FULL JOIN stored k
      ON k.scope = c.scope AND k.period_kind = c.kind AND k.period_start = c.start
    WHERE k.id IS NULL OR c.scope IS NULL OR k.inputs IS DISTINCT FROM c.inputs
),
measured AS ({_figures(EXPRESSIONS[definition.code])}),
computed AS (SELECT c.*, {_status(definition.direction)} AS status FROM measured c),
removed AS (DELETE FROM {table} k USING diff d WHERE k.id = d.id AND d.scope IS NULL),
changed AS (
    UPDATE {table} k SET period_end = c.last, value = c.value, target = c.target,
        status = c.status, extra = c.extra, inputs = c.inputs,
        computed_at = CASE WHEN ({old}) IS DISTINCT FROM ({new}) THEN %s ELSE k.computed_at END,
        run_id = CASE WHEN ({old}) IS DISTINCT FROM ({new}) THEN %s ELSE k.run_id END
    FROM computed c WHERE k.id = c.id
    RETURNING {returned}
),
added AS (
    -- A run of the same KPI at the same time may have added the row since: upserted.
    INSERT INTO {table} AS k (code, scope, period_kind, period_start, {", ".join(figures)},
                             inputs, computed_at, run_id)
    SELECT %s, c.scope, c.kind, c.start, c.last, c.value, c.target, c.status, c.extra,
           c.inputs, %s, %s
    FROM computed c WHERE c.id IS NULL
    ON CONFLICT (code, scope, period_kind, period_start) DO UPDATE
    SET {", ".join(f"{f} = EXCLUDED.{f}" for f in [*figures, "inputs", "computed_at", "run_id"])}
    RETURNING {returned}
)
SELECT (SELECT COUNT(*) FROM keyed), w.scope, w.period_kind, w.period_start, w.period_end,
       w.value, w.target
FROM (SELECT 1) one LEFT JOIN (SELECT * FROM changed UNION ALL SELECT * FROM added) w
  ON w.status = '{KpiStatus.OFF_TARGET}' AND w.period_end >= %s"""
    return sql, params
