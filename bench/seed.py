"""`bench seed`: a deterministic, realistic data set loaded with COPY into the migrated tables.

At scale 1.0: 20,000 users in 300 organisations, 300 services with outages, 1,000,000
incidents over three years, ~2,000,000 comments, 100,000 surveys, 10,000 projects with
500,000 tasks, milestones, baselines and cost entries (50,000 service requests once that
table exists). Every count scales with --scale.

Same seed and scale → same rows relative to the anchor time (the hour the load began,
stored in `bench_meta`). A second run at the same scale does nothing; another scale
truncates and reloads. Big loads drop the non-unique indexes first and rebuild them after
(from their pg_indexes definitions), skip foreign-key triggers, then VACUUM ANALYZE.
Tables that do not exist yet (being built in other branches) are skipped with a note.
"""

from __future__ import annotations

import io
import json
import math
import random
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

GENERATOR_VERSION = 3
SPAN_DAYS = 3 * 365
# Below this many incidents the load keeps indexes and FK checks (the smoke test's size):
# slower per row, but it proves the generated rows satisfy every constraint.
FAST_LOAD_FROM = 20_000
PASSWORD = "bench-password"

# What the load/kpis steps truncate and refill; CASCADE takes whatever refers to them.
OWNED_TABLES = [
    "core_organisation",
    "core_team",
    "core_user",
    "core_user_teams",
    "core_apitoken",
    "core_auditevent",
    "core_numbercounter",
    "django_session",
    "servicedesk_slapolicy",
    "servicedesk_slatarget",
    "servicedesk_service",
    "servicedesk_outage",
    "servicedesk_incident",
    "servicedesk_incidentcomment",
    "servicedesk_incidentpause",
    "servicedesk_survey",
    "servicedesk_catalogitem",
    "servicedesk_servicerequest",
    "projects_project",
    "projects_projectmember",
    "projects_task",
    "projects_milestone",
    "projects_baseline",
    "projects_baselinetask",
    "projects_baselinemilestone",
    "projects_costentry",
    "kpis_kpisnapshot",
    "kpis_kpirun",
]

# Words of titles and descriptions: the search scenario looks for some of them.
SUBJECTS = [
    "VPN", "Outlook", "printer", "laptop", "Wi-Fi", "password", "SAP", "Teams", "payroll",
    "SharePoint", "badge", "monitor", "keyboard", "Citrix", "database", "invoice", "Jira",
    "firewall", "mailbox", "phone", "backup", "webcam", "docking", "license", "CRM",
]  # fmt: skip
PROBLEMS = [
    "does not start", "is very slow", "keeps disconnecting", "shows an error",
    "cannot log in", "stopped syncing", "crashes on open", "is locked", "freezes",
    "gives access denied", "prints blank pages", "lost my settings", "times out",
]  # fmt: skip
DETAILS = [
    "Since this morning", "After the last update", "Only when working from home",
    "On the third floor", "For the whole team", "Intermittently", "Every few minutes",
    "When opening large files", "Since the password change", "After a restart",
]  # fmt: skip
FILLER = [
    "error", "code", "0x80070005", "urgent", "meeting", "tomorrow", "customer", "waiting",
    "please", "help", "colleague", "same", "problem", "yesterday", "restarted", "twice",
    "cleared", "cache", "reinstalled", "driver", "screenshot", "attached", "building", "north",
    "office", "remote", "branch", "warehouse", "finance", "sales", "marketing",
]  # fmt: skip
COMMENT_BODIES = [
    "Could you try restarting the device and tell us if it helps?",
    "Restarted, still the same.",
    "Checked the logs: the sync agent fails after the update.",
    "Escalating to second line.",
    "Thanks, it works now.",
    "Waiting for the vendor to answer.",
    "Remote session booked for tomorrow morning.",
    "Same issue reported by two colleagues.",
    "Replaced the cable, monitoring.",
    "Internal: known problem, see the change from last week.",
]
RESOLUTION_CODES = ["fixed", "workaround", "config_change", "user_error", "no_fault"]
CATEGORIES = ["hardware", "software", "network", "access", "email", "other"]
# SLA targets (24x7 calendar, minutes) per priority: response, resolution.
SLA_TARGETS = {1: (15, 240), 2: (30, 480), 3: (60, 1440), 4: (240, 4320), 5: (480, 10080)}
STATUS_CODES = ["new", "assigned", "in_progress", "on_hold", "resolved", "closed", "cancelled"]
NEW, ASSIGNED, IN_PROGRESS, ON_HOLD, RESOLVED, CLOSED, CANCELLED = range(7)
# Status mix by age of the incident (days): recent ones are open, old ones closed.
STATUS_BY_AGE = [
    (1, [30, 25, 30, 5, 10, 0, 0]),
    (7, [4, 8, 25, 10, 40, 8, 5]),
    (30, [0.5, 1, 4, 3, 7, 80, 4.5]),
    (10**9, [0.05, 0.1, 0.5, 0.3, 1.0, 93.05, 5]),
]
HOUR_WEIGHTS = [0.2] * 7 + [0.6, 1.5, 2.0, 2.0, 1.8, 1.2, 1.6, 1.9, 1.7, 1.3, 0.8] + [0.4] * 6
WEEKDAY_WEIGHTS = [1.0, 1.0, 1.0, 0.95, 0.85, 0.25, 0.2]


@dataclass
class Counts:
    organisations: int
    teams: int
    users: int
    services: int
    incidents: int
    surveys: int
    service_requests: int
    projects: int
    tasks_per_project: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        def n(full: int, least: int) -> int:
            return max(least, round(full * scale))

        return cls(
            organisations=n(300, 3),
            teams=max(3, min(24, round(240 * scale))),
            users=n(20_000, 40),
            services=n(300, 6),
            incidents=n(1_000_000, 100),
            surveys=n(100_000, 10),
            service_requests=n(50_000, 10),
            projects=n(10_000, 4),
            tasks_per_project=50,
        )


# --- COPY plumbing --------------------------------------------------------------------------


class _Stream(io.RawIOBase):
    """A readable byte stream over an iterator of text lines, for cursor.copy_expert."""

    def __init__(self, lines):
        self._lines = iter(lines)
        self._buf = b""

    def readable(self):
        return True

    def readinto(self, b):
        while len(self._buf) < len(b):
            chunk = []
            for _ in range(2000):
                line = next(self._lines, None)
                if line is None:
                    break
                chunk.append(line)
            if not chunk:
                break
            self._buf += ("\n".join(chunk) + "\n").encode()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


_DAY_CACHE: dict[int, str] = {}


def ts(seconds: int | None) -> str:
    """Epoch seconds as a PostgreSQL timestamptz literal (fast: days are cached); \\N for None."""
    if seconds is None:
        return r"\N"
    day, rest = divmod(int(seconds), 86400)
    text = _DAY_CACHE.get(day)
    if text is None:
        text = _DAY_CACHE[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return f"{text} {h:02d}:{m:02d}:{s:02d}+00"


def ds(seconds: int | None) -> str:
    return r"\N" if seconds is None else ts(seconds)[:10]


def nn(value) -> str:
    return r"\N" if value is None else str(value)


@dataclass
class Loader:
    cursor: object
    fast: bool
    notes: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    columns: dict[str, dict[str, tuple[str, bool, bool]]] = field(default_factory=dict)

    def table_columns(self, table: str) -> dict[str, tuple[str, bool, bool]]:
        """{column: (data type, nullable, has default)} of an existing table; {} if missing."""
        if table not in self.columns:
            self.cursor.execute(
                "SELECT column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL "
                "FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s",
                [table],
            )
            self.columns[table] = {r[0]: (r[1], r[2], r[3]) for r in self.cursor.fetchall()}
        return self.columns[table]

    def exists(self, table: str) -> bool:
        return bool(self.table_columns(table))

    def copy(self, table: str, columns: list[str], lines) -> int:
        """COPY rows (tab-joined values of `columns`) into `table`; NOT NULL columns the
        generator does not know (added by a later migration) get a neutral value."""
        existing = self.table_columns(table)
        if not existing:
            self.notes.append(f"{table}: table does not exist (not migrated yet), skipped")
            return 0
        missing = [c for c in columns if c not in existing]
        if missing:
            raise RuntimeError(f"{table}: columns {missing} no longer exist; update bench/seed.py")
        extra_cols, extra_vals = [], []
        for name, (dtype, nullable, has_default) in existing.items():
            if name in columns or nullable or name == "id" and has_default:
                continue
            extra_cols.append(name)
            extra_vals.append(_neutral(dtype))
        if extra_cols:
            self.notes.append(f"{table}: filled unknown columns {extra_cols} with neutral values")
        suffix = "".join("\t" + v for v in extra_vals)
        count = 0

        def counted():
            nonlocal count
            for line in lines:
                count += 1
                yield line + suffix

        cols = ", ".join(f'"{c}"' for c in [*columns, *extra_cols])
        started = time.monotonic()
        self.cursor.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN', _Stream(counted()))
        self.rows[table] = self.rows.get(table, 0) + count
        print(f"  {table}: {count:,} rows in {time.monotonic() - started:.1f}s", flush=True)
        return count


def _neutral(dtype: str) -> str:
    if dtype in {"boolean"}:
        return "f"
    if dtype in {"smallint", "integer", "bigint", "numeric", "double precision", "real"}:
        return "0"
    if dtype.startswith("timestamp"):
        return ts(int(time.time()))
    if dtype == "date":
        return date.today().isoformat()
    if dtype == "jsonb":
        return "{}"
    return ""


# --- generation -----------------------------------------------------------------------------


@dataclass
class People:
    agents: list[int]
    requesters: list[int]
    requester_org: dict[int, int | None]
    service_owners: list[int]
    project_managers: list[int]
    managers: list[int]
    team_agents: dict[int, list[int]]


def _weighted_cum(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def gen_people(ld: Loader, rng: random.Random, c: Counts, password_hash: str, now: int) -> People:
    orgs = range(1, c.organisations + 1)
    ld.copy(
        "core_organisation",
        ["id", "name", "shared", "email_domain"],
        (f"{i}\tOrganisation {i:04d}\t{'t' if i % 5 == 0 else 'f'}\torg{i}.example" for i in orgs),
    )
    ld.copy(
        "core_team",
        ["id", "name", "email"],
        (f"{t}\tTeam {t:02d}\tteam{t}@example.com" for t in range(1, c.teams + 1)),
    )
    # Roles: ~2.5 % agents, a few admins, owners, project managers and managers; rest requesters.
    n_agents = max(6, c.users // 40)
    n_owners = max(2, c.users // 200)
    n_pms = max(2, c.users // 40)
    n_managers = max(2, c.users // 1000)
    roles: list[tuple[str, str]] = [("admin", "admin")]
    roles += [("agent", f"agent{i:05d}") for i in range(1, n_agents + 1)]
    roles += [("service_owner", f"owner{i:04d}") for i in range(1, n_owners + 1)]
    roles += [("project_manager", f"pm{i:05d}") for i in range(1, n_pms + 1)]
    roles += [("manager", f"manager{i:04d}") for i in range(1, n_managers + 1)]
    n_req = c.users - len(roles)
    roles += [("requester", f"req{i:06d}") for i in range(1, n_req + 1)]
    people = People([], [], {}, [], [], [], {t: [] for t in range(1, c.teams + 1)})
    lines = []
    joined = ts(now - SPAN_DAYS * 86400 - 86400)
    team_links = []
    for uid, (role, username) in enumerate(roles, start=1):
        org = None
        if role == "requester":
            org = rng.randint(1, c.organisations)
            people.requesters.append(uid)
            people.requester_org[uid] = org
        elif role == "agent":
            people.agents.append(uid)
            teams = {1 + (len(people.agents) - 1) % c.teams}
            if rng.random() < 0.3:
                teams.add(rng.randint(1, c.teams))
            for t in sorted(teams):
                people.team_agents[t].append(uid)
                team_links.append((uid, t))
        elif role == "service_owner":
            people.service_owners.append(uid)
        elif role == "project_manager":
            people.project_managers.append(uid)
        elif role == "manager":
            people.managers.append(uid)
        first, last = username.rstrip("0123456789").capitalize(), username[-5:]
        lines.append(
            f"{uid}\t{password_hash}\t\\N\t{'t' if role == 'admin' else 'f'}\t{username}\t{first}\t"
            f"{last}\t{username}@example.com\t{'t' if role == 'admin' else 'f'}\tt\t{joined}\t"
            f"{role}\t\\N\t{nn(org)}"
        )
    ld.copy(
        "core_user",
        [
            "id",
            "password",
            "last_login",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "role",
            "manager_id",
            "organisation_id",
        ],  # fmt: skip
        lines,
    )
    ld.copy(
        "core_user_teams",
        ["id", "user_id", "team_id"],
        (f"{i}\t{u}\t{t}" for i, (u, t) in enumerate(team_links, start=1)),
    )
    return people


def gen_services(ld: Loader, rng: random.Random, c: Counts, people: People, now: int):
    ld.cursor.execute("SELECT id FROM servicedesk_businesscalendar WHERE is_builtin LIMIT 1")
    row = ld.cursor.fetchone()
    if row is None:
        ld.cursor.execute(
            "INSERT INTO servicedesk_businesscalendar (name, time_zone, is_builtin, updated_at) "
            "VALUES ('24x7', 'UTC', true, now()) RETURNING id"
        )
        row = ld.cursor.fetchone()
    calendar_id = row[0]
    ld.copy(
        "servicedesk_slapolicy",
        ["id", "name", "is_default", "updated_at", "calendar_id"],
        [f"1\tBench standard (24x7)\tt\t{ts(now)}\t{calendar_id}"],
    )
    ld.copy(
        "servicedesk_slatarget",
        ["id", "priority", "response_minutes", "resolution_minutes", "policy_id"],
        (f"{p}\t{p}\t{r}\t{s}\t1" for p, (r, s) in SLA_TARGETS.items()),
    )
    service_team = {}
    lines = []
    for sid in range(1, c.services + 1):
        team = 1 + (sid - 1) % c.teams
        service_team[sid] = team
        status = "live" if sid % 20 else ("retired" if sid % 40 == 0 else "planned")
        owner = people.service_owners[(sid - 1) % len(people.service_owners)]
        lines.append(
            f"{sid}\tService {sid:03d} {SUBJECTS[sid % len(SUBJECTS)]}\tBench service {sid}\t"
            f"{status}\t{1 + sid % 3}\t1\t{ts(now - SPAN_DAYS * 86400 - 7 * 86400)}\t{owner}\t"
            f"{team}\t\\N\t\\N"
        )
    ld.copy(
        "servicedesk_service",
        [
            "id",
            "name",
            "description",
            "status",
            "criticality",
            "version",
            "created_at",
            "owner_id",
            "support_team_id",
            "sla_policy_id",
            "service_hours_id",
        ],  # fmt: skip
        lines,
    )
    # Outages: ~20 per service over three years, mostly short and unplanned.
    lines = []
    oid = 0
    for sid in range(1, c.services + 1):
        for _ in range(rng.randint(10, 30)):
            oid += 1
            start = now - rng.randint(3600, SPAN_DAYS * 86400)
            length = int(rng.lognormvariate(math.log(45 * 60), 1.0)) + 60
            end = start + length if start + length < now else None
            kind = "planned" if rng.random() < 0.3 else "unplanned"
            lines.append(
                f"{oid}\t{ts(start)}\t{ts(end)}\t{kind}\tOutage {oid}\t{ts(start)}\t1\t\\N\t\\N"
                f"\t{sid}"
            )
    ld.copy(
        "servicedesk_outage",
        [
            "id",
            "started_at",
            "ended_at",
            "kind",
            "description",
            "created_at",
            "version",
            "created_by_id",
            "incident_id",
            "service_id",
        ],  # fmt: skip
        lines,
    )
    return service_team


@dataclass
class IncidentFacts:
    """What later tables need about each incident (compact arrays, index = id − 1)."""

    opened: array
    status: array
    responded: array
    resolved: array
    closed: array
    requester: array
    assignee: array


def gen_incidents(
    ld: Loader, rng: random.Random, c: Counts, people: People, service_team, now: int
) -> IncidentFacts:
    n = c.incidents
    start = now - SPAN_DAYS * 86400
    start_day = start // 86400
    # Busier over time (+60 % over three years), weekdays and office hours.
    day_weights = [
        (1 + 0.6 * d / SPAN_DAYS) * WEEKDAY_WEIGHTS[(start_day + d + 3) % 7]
        for d in range(SPAN_DAYS)
    ]
    days = rng.choices(range(SPAN_DAYS), cum_weights=_weighted_cum(day_weights), k=n)
    hours = rng.choices(range(24), cum_weights=_weighted_cum(HOUR_WEIGHTS), k=n)
    opened = sorted(
        min(now - 60, (start_day + d) * 86400 + h * 3600 + rng.randrange(3600))
        for d, h in zip(days, hours, strict=True)
    )
    del days, hours
    services = list(service_team)
    service_cum = _weighted_cum(1 / (i + 1) ** 0.8 for i in range(len(services)))
    req_cum = _weighted_cum(1 / (i + 1) ** 0.35 for i in range(len(people.requesters)))
    requesters = people.requesters
    status_cums = [(limit, _weighted_cum(w)) for limit, w in STATUS_BY_AGE]
    impact_cum = _weighted_cum([0.08, 0.3, 0.62])
    teams = list(people.team_agents)
    facts = IncidentFacts(*(array("q") for _ in range(7)))
    choices, rnd, lognorm = rng.choices, rng.random, rng.lognormvariate

    def lines():
        for i, op in enumerate(opened):
            iid = i + 1
            age_days = (now - op) / 86400
            cum = next(cu for limit, cu in status_cums if age_days < limit)
            st = choices(range(7), cum_weights=cum)[0]
            impact = choices((1, 2, 3), cum_weights=impact_cum)[0]
            urgency = choices((1, 2, 3), cum_weights=impact_cum)[0]
            priority = impact + urgency - 1
            service = choices(services, cum_weights=service_cum)[0] if rnd() > 0.05 else None
            team = (
                service_team[service]
                if service and rnd() < 0.85
                else teams[int(rnd() * len(teams))]
            )
            requester = choices(requesters, cum_weights=req_cum)[0]
            org = people.requester_org[requester]
            assignee = None
            if st != NEW and not (st == ASSIGNED and rnd() < 0.6) and people.team_agents[team]:
                pool = people.team_agents[team]
                assignee = pool[int(rnd() * len(pool))]
            resp_t, res_t = SLA_TARGETS[priority]
            responded = resolved = closed = paused = None
            if st != NEW:
                responded = min(now - 1, op + int(lognorm(math.log(20 * 60), 1.0)) + 30)
            if st in (RESOLVED, CLOSED):
                resolved = min(now - 1, op + int(lognorm(math.log(6 * 3600), 1.2)) + 120)
                responded = min(responded, resolved)
                if st == CLOSED:
                    closed = resolved + 3 * 86400
                    if closed >= now:
                        closed = resolved + int((now - resolved) * rnd())
                else:
                    paused = resolved
            elif st == CANCELLED:
                closed = min(now - 1, op + int(lognorm(math.log(2 * 3600), 1.0)) + 60)
                paused = closed
            elif st == ON_HOLD:
                paused = responded + int((now - responded) * rnd())
            response_due, resolution_due = op + resp_t * 60, op + res_t * 60
            response_breached = (responded or now) > response_due
            end = resolved or (None if st == CANCELLED else now)
            resolution_breached = end is not None and end > resolution_due and st != ON_HOLD
            if st == ON_HOLD:
                resolution_due = max(resolution_due, paused + res_t * 30)
            updated = max(x for x in (op, responded, resolved, closed, paused) if x is not None)
            title = (
                f"{SUBJECTS[iid * 7 % len(SUBJECTS)]} {PROBLEMS[iid * 3 % len(PROBLEMS)]}"
                if rnd() < 0.9
                else f"{SUBJECTS[int(rnd() * len(SUBJECTS))]} {FILLER[iid % len(FILLER)]}"
            )
            words = " ".join(FILLER[int(rnd() * len(FILLER))] for _ in range(6))
            description = f"{DETAILS[iid % len(DETAILS)]}: {title.lower()}. {words}."
            code = note = ""
            if st in (RESOLVED, CLOSED):
                code = RESOLUTION_CODES[iid % len(RESOLUTION_CODES)]
                note = "Resolved: " + COMMENT_BODIES[iid % len(COMMENT_BODIES)]
            facts.opened.append(op)
            facts.status.append(st)
            facts.responded.append(responded or 0)
            facts.resolved.append(resolved or 0)
            facts.closed.append(closed or 0)
            facts.requester.append(requester)
            facts.assignee.append(assignee or 0)
            yield "\t".join(
                (
                    str(iid), f"INC{iid:07d}", title, description, str(impact), str(urgency),
                    str(priority), CATEGORIES[iid % len(CATEGORIES)], STATUS_CODES[st], code,
                    note, ts(op), ts(responded), ts(resolved), ts(closed), ts(updated), "1",
                    nn(assignee), nn(org), str(requester), nn(service), nn(team),
                    "t" if resolution_breached else "f", ts(resolution_due),
                    ts(op + int(res_t * 48)), "t" if response_breached else "f",
                    ts(response_due), "0", ts(paused), "1",
                    nn((resolved - op) // 60 if resolved else None),
                    nn((responded - op) // 60 if responded else None),
                )
            )  # fmt: skip

    ld.copy(
        "servicedesk_incident",
        [
            "id",
            "number",
            "title",
            "description",
            "impact",
            "urgency",
            "priority",
            "category",
            "status",
            "resolution_code",
            "resolution_note",
            "opened_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "updated_at",
            "version",
            "assignee_id",
            "organisation_id",
            "requester_id",
            "service_id",
            "team_id",
            "resolution_breached",
            "resolution_due",
            "resolution_warn_at",
            "response_breached",
            "response_due",
            "sla_escalation_level",
            "sla_paused_since",
            "sla_policy_id",
            "resolution_business_minutes",
            "response_business_minutes",
        ],  # fmt: skip
        lines(),
    )
    return facts


def gen_incident_children(
    ld: Loader, rng: random.Random, c: Counts, people: People, f: IncidentFacts, now: int
):
    n = len(f.opened)
    agents = people.agents
    # Comments: 0–5 per incident (2 on average), ~20 % internal notes by agents.
    count_cum = _weighted_cum([0.15, 0.25, 0.25, 0.17, 0.1, 0.08])
    counts = rng.choices(range(6), cum_weights=count_cum, k=n)
    rnd = rng.random

    def comments():
        cid = 0
        for i in range(n):
            op = f.opened[i]
            end = f.resolved[i] or f.closed[i] or now
            span = max(60, end - op)
            for _ in range(counts[i]):
                cid += 1
                by_agent = rnd() < 0.6
                author = (
                    (f.assignee[i] or agents[int(rnd() * len(agents))])
                    if by_agent
                    else (f.requester[i])
                )
                internal = by_agent and rnd() < 0.34
                body = COMMENT_BODIES[cid % len(COMMENT_BODIES)]
                yield (
                    f"{cid}\t{body}\t{'t' if internal else 'f'}\t{ts(op + int(span * rnd()))}\t"
                    f"{author}\t{i + 1}"
                )

    ld.copy(
        "servicedesk_incidentcomment",
        ["id", "body", "internal", "created_at", "author_id", "incident_id"],
        comments(),
    )
    # Surveys: on resolved or closed incidents, `surveys` in all; ~60 % answered, mostly 4–5.
    resolved_n = sum(1 for s in f.status if s in (RESOLVED, CLOSED))
    p = min(1.0, c.surveys / max(1, resolved_n))
    rating_cum = _weighted_cum([0.05, 0.05, 0.12, 0.3, 0.48])

    def surveys():
        sid = 0
        for i in range(n):
            if f.status[i] not in (RESOLVED, CLOSED) or rnd() >= p:
                continue
            sid += 1
            created = f.resolved[i]
            answered = rating = None
            if rnd() < 0.6:
                answered = min(now - 1, created + int(rng.expovariate(1 / 86400)) + 60)
                rating = rng.choices((1, 2, 3, 4, 5), cum_weights=rating_cum)[0]
            yield (
                f"{sid}\tbench-{rng.getrandbits(128):032x}\t{nn(rating)}\t\t{ts(created)}\t"
                f"{ts(answered)}\t{i + 1}\t{f.requester[i]}"
            )

    ld.copy(
        "servicedesk_survey",
        [
            "id",
            "token",
            "rating",
            "comment",
            "created_at",
            "answered_at",
            "incident_id",
            "requester_id",
        ],  # fmt: skip
        surveys(),
    )

    # Open pauses of incidents on hold or resolved (the SLA clock reads them).
    def pauses():
        pid = 0
        for i in range(n):
            st = f.status[i]
            if st not in (ON_HOLD, RESOLVED):
                continue
            pid += 1
            at = f.resolved[i] if st == RESOLVED else max(f.responded[i], f.opened[i])
            reason = "resolved" if st == RESOLVED else "on_hold"
            yield f"{pid}\t{ts(at)}\t\\N\t{reason}\t{i + 1}"

    ld.copy(
        "servicedesk_incidentpause",
        ["id", "started_at", "ended_at", "reason", "incident_id"],
        pauses(),
    )
    # The audit trail of each incident: opened, and its resolution and closure.
    ld.cursor.execute(
        "SELECT id FROM django_content_type WHERE app_label = 'servicedesk' AND model = 'incident'"
    )
    ct = ld.cursor.fetchone()[0]

    def audit():
        aid = 0
        opened_changes = '{"status": [null, "new"]}'
        for i in range(n):
            iid = i + 1
            repr_ = f"INC{iid:07d}"
            aid += 1
            yield (
                f"{aid}\tincident.opened\t{iid}\t{repr_}\t{opened_changes}\tf\t"
                f"{ts(f.opened[i])}\t{ct}\t{f.requester[i]}"
            )
            actor = nn(f.assignee[i] or None)
            if f.resolved[i]:
                aid += 1
                yield (
                    f'{aid}\tincident.resolve\t{iid}\t{repr_}\t{{"status": ["in_progress", '
                    f'"resolved"]}}\tf\t{ts(f.resolved[i])}\t{ct}\t{actor}'
                )
            if f.closed[i]:
                aid += 1
                verb = "cancel" if f.status[i] == CANCELLED else "close"
                yield (
                    f'{aid}\tincident.{verb}\t{iid}\t{repr_}\t{{"status": ["resolved", '
                    f'"{STATUS_CODES[f.status[i]]}"]}}\tf\t{ts(f.closed[i])}\t{ct}\t{actor}'
                )

    ld.copy(
        "core_auditevent",
        [
            "id",
            "action",
            "object_id",
            "object_repr",
            "changes",
            "internal",
            "created_at",
            "content_type_id",
            "actor_id",
        ],  # fmt: skip
        audit(),
    )
    ld.copy(
        "core_numbercounter",
        ["prefix", "last_value"],
        [f"INC\t{n}"],
    )


def gen_service_requests(ld: Loader, rng: random.Random, c: Counts, people: People, now: int):
    """Catalog items and service requests, when those tables exist (they are being built)."""
    if not (ld.exists("servicedesk_catalogitem") and ld.exists("servicedesk_servicerequest")):
        ld.notes.append(
            "service requests: servicedesk_servicerequest/catalogitem not migrated yet, skipped"
        )
        return
    items = []
    lines = []
    for iid in range(1, max(2, c.services // 3) + 1):
        service = 1 + (iid - 1) % c.services
        items.append((iid, service))
        lines.append(
            f"{iid}\t{service}\tItem {iid}\tBench catalog item\t[]\t\\N\t[]\tnone\t\\N\t5\tt\t1\t"
            f"{ts(now - SPAN_DAYS * 86400)}"
        )
    ld.copy(
        "servicedesk_catalogitem",
        [
            "id",
            "service_id",
            "name",
            "description",
            "form_definition",
            "fulfilment_team_id",
            "fulfilment_checklist",
            "approval",
            "approver_id",
            "delivery_days",
            "active",
            "version",
            "created_at",
        ],  # fmt: skip
        lines,
    )
    statuses = ["submitted", "approved", "in_fulfilment", "fulfilled", "closed"]
    times = sorted(now - rng.randint(60, SPAN_DAYS * 86400) for _ in range(c.service_requests))

    def requests():
        for rid, op in enumerate(times, start=1):
            item, service = items[rid % len(items)]
            requester = people.requesters[int(rng.random() * len(people.requesters))]
            old = now - op > 14 * 86400
            st = "closed" if old and rng.random() < 0.95 else statuses[rid % len(statuses)]
            yield (
                f"{rid}\tREQ{rid:07d}\t{item}\t{service}\t{requester}\t"
                f"{nn(people.requester_org[requester])}\t{{}}\t{st}\t{ts(op)}\t{ts(op)}\t1"
            )

    ld.copy(
        "servicedesk_servicerequest",
        [
            "id",
            "number",
            "catalog_item_id",
            "service_id",
            "requester_id",
            "organisation_id",
            "answers",
            "status",
            "opened_at",
            "updated_at",
            "version",
        ],  # fmt: skip
        requests(),
    )
    ld.cursor.execute(
        "INSERT INTO core_numbercounter (prefix, last_value) VALUES ('REQ', %s) "
        "ON CONFLICT (prefix) DO UPDATE SET last_value = EXCLUDED.last_value",
        [c.service_requests],
    )


PHASES = [
    ("initiation", 8), ("planning", 10), ("execution", 22), ("monitoring_control", 10),
    ("closing", 5), ("closed", 40), ("cancelled", 5),
]  # fmt: skip


def gen_projects(ld: Loader, rng: random.Random, c: Counts, people: People, now: int):
    today = now // 86400
    pms = people.project_managers
    phase_cum = _weighted_cum(w for _, w in PHASES)
    projects = []
    for pid in range(1, c.projects + 1):
        phase = rng.choices([p for p, _ in PHASES], cum_weights=phase_cum)[0]
        length = rng.randint(60, 540)
        if phase in ("closed", "cancelled", "closing"):
            start = today - length - rng.randint(0, SPAN_DAYS - length)
        elif phase in ("initiation", "planning"):
            start = today + rng.randint(-20, 60)
        else:
            start = today - int(length * (0.2 + 0.7 * rng.random()))
        budget = rng.randint(20, 2000) * 1000
        projects.append((pid, phase, start, start + length, budget, pms[pid % len(pms)]))
    ld.copy(
        "projects_project",
        [
            "id",
            "code",
            "name",
            "description",
            "objectives",
            "scope",
            "success_criteria",
            "lessons_learned",
            "budget",
            "currency",
            "planned_start",
            "planned_finish",
            "phase",
            "version",
            "created_at",
            "updated_at",
            "manager_id",
            "service_id",
            "sponsor_id",
            "hypercare_end",
            "hypercare_start",
        ],  # fmt: skip
        (
            f"{pid}\tPRJ-{pid:05d}\tProject {pid} {SUBJECTS[pid % len(SUBJECTS)]} upgrade\t"
            f"Bench project\tDeliver it\tAll of it\tUsed by users\t\t{budget}.00\tEUR\t"
            f"{ds(s * 86400)}\t{ds(e * 86400)}\t{phase}\t1\t{ts((s - 30) * 86400)}\t"
            f"{ts(now)}\t{pm}\t{1 + pid % c.services}\t"
            f"{people.managers[pid % len(people.managers)]}\t\\N\t\\N"
            for pid, phase, s, e, budget, pm in projects
        ),
    )
    ld.copy(
        "projects_projectmember",
        ["id", "role", "project_id", "user_id"],
        (f"{pid}\tlead\t{pid}\t{pm}" for pid, *_, pm in projects),
    )
    # Tasks: 5 summary tasks × 9 leaves each = 50 per project; leaves carry dates and cost.
    task_rows, baseline_tasks, costs, milestones, baseline_ms, baselines = [], [], [], [], [], []
    per = c.tasks_per_project
    leaves_per = per // 5 - 1
    tid = mid = bid = btid = bmid = cid = 0

    def flush_tasks():
        nonlocal task_rows
        ld.copy(
            "projects_task",
            [
                "id",
                "position",
                "name",
                "planned_start",
                "planned_finish",
                "planned_cost",
                "percent_complete",
                "actual_start",
                "actual_finish",
                "version",
                "assignee_id",
                "parent_id",
                "project_id",
            ],  # fmt: skip
            task_rows,
        )
        task_rows = []

    for pid, phase, s, e, budget, pm in projects:
        length = e - s
        baselined = phase not in ("initiation", "planning")
        if baselined:
            bid += 1
            baselines.append(f"{bid}\t1\tPlan approved\t{ts((s - 1) * 86400)}\t{pm}\t{pid}")
        leaf_cost = budget // (5 * leaves_per)
        for g in range(5):
            tid += 1
            parent = tid
            g_start = s + length * g // 5
            g_end = s + length * (g + 1) // 5
            task_rows.append(
                f"{parent}\t{g}\tWork package {g + 1}\t{ds(g_start * 86400)}\t{ds(g_end * 86400)}"
                f"\t\\N\t0\t\\N\t\\N\t1\t\\N\t\\N\t{pid}"
            )
            if baselined:
                btid += 1
                baseline_tasks.append(
                    f"{btid}\tWork package {g + 1}\tf\t{ds(g_start * 86400)}\t"
                    f"{ds(g_end * 86400)}\t\\N\t{bid}\t{parent}"
                )
            for k in range(leaves_per):
                tid += 1
                t_start = g_start + (g_end - g_start) * k // leaves_per
                t_end = max(t_start, g_start + (g_end - g_start) * (k + 1) // leaves_per)
                if phase in ("closed", "closing") or t_end < today:
                    pct = 100 if phase != "cancelled" else rng.choice((0, 50, 100))
                elif t_start > today:
                    pct = 0
                else:
                    pct = min(
                        100,
                        int(
                            100
                            * (today - t_start)
                            / max(1, t_end - t_start)
                            * rng.uniform(0.6, 1.2)
                        ),
                    )
                cost = int(leaf_cost * rng.uniform(0.5, 1.5))
                act_s = ds(t_start * 86400) if pct else r"\N"
                act_f = ds(t_end * 86400) if pct == 100 else r"\N"
                task_rows.append(
                    f"{tid}\t{k}\tTask {g + 1}.{k + 1}\t{ds(t_start * 86400)}\t"
                    f"{ds(t_end * 86400)}\t{cost}.00\t{pct}\t{act_s}\t{act_f}\t1\t\\N\t"
                    f"{parent}\t{pid}"
                )
                if baselined:
                    btid += 1
                    baseline_tasks.append(
                        f"{btid}\tTask {g + 1}.{k + 1}\tt\t{ds(t_start * 86400)}\t"
                        f"{ds(t_end * 86400)}\t{cost}.00\t{bid}\t{tid}"
                    )
                if pct and rng.random() < 0.2:
                    cid += 1
                    spent = int(cost * pct / 100 * rng.uniform(0.7, 1.4))
                    day = min(today, t_start + (t_end - t_start) // 2)
                    costs.append(
                        f"{cid}\t{spent}.00\tEUR\t{ds(day * 86400)}\tlabour\tInvoice {cid}\t"
                        f"{ts(day * 86400)}\t{pm}\t{pid}\t{tid}"
                    )
        for m in range(5):
            mid += 1
            due = s + length * (m + 1) // 5
            done = ds(due * 86400 + rng.randint(-5, 15) * 86400) if due < today - 10 else r"\N"
            milestones.append(f"{mid}\tMilestone {m + 1}\t{ds(due * 86400)}\t{done}\tf\t\t{pid}")
            if baselined:
                bmid += 1
                baseline_ms.append(f"{bmid}\tMilestone {m + 1}\t{ds(due * 86400)}\t{bid}\t{mid}")
        if len(task_rows) > 200_000:
            flush_tasks()
    flush_tasks()
    ld.copy(
        "projects_milestone",
        ["id", "name", "due_date", "completed_on", "waived", "waived_reason", "project_id"],
        milestones,
    )
    ld.copy(
        "projects_baseline",
        ["id", "number", "note", "captured_at", "captured_by_id", "project_id"],
        baselines,
    )
    ld.copy(
        "projects_baselinetask",
        [
            "id",
            "name",
            "is_leaf",
            "planned_start",
            "planned_finish",
            "planned_cost",
            "baseline_id",
            "task_id",
        ],  # fmt: skip
        baseline_tasks,
    )
    ld.copy(
        "projects_baselinemilestone",
        ["id", "name", "due_date", "baseline_id", "milestone_id"],
        baseline_ms,
    )
    ld.copy(
        "projects_costentry",
        [
            "id",
            "amount",
            "currency",
            "incurred_on",
            "category",
            "description",
            "created_at",
            "created_by_id",
            "project_id",
            "task_id",
        ],  # fmt: skip
        costs,
    )


# --- orchestration --------------------------------------------------------------------------

META_DDL = "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)"


def read_meta(cursor) -> dict | None:
    cursor.execute(META_DDL)
    cursor.execute("SELECT value FROM bench_meta WHERE key = 'dataset'")
    row = cursor.fetchone()
    if not row:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the non-unique indexes on `tables` (constraints keep theirs)."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_index x ON x.indexrelid = c.oid "
        "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
        "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.indexname",
        [tables],
    )
    return cursor.fetchall()


def seed(*, url: str, scale: float, rng_seed: int = 42, force: bool = False) -> dict:
    """Load the data set at `scale` unless it is there already; returns the meta record."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    with connection.cursor() as outer:
        cur = outer.cursor  # the psycopg2 cursor (copy_expert)
        meta = read_meta(cur)
        wanted = {"scale": scale, "seed": rng_seed, "version": GENERATOR_VERSION}
        if meta and all(meta.get(k) == v for k, v in wanted.items()):
            print(f"bench seed: scale {scale} already loaded at {meta['loaded_at']}; skipping")
            return meta
        cur.execute("SELECT count(*) FROM (SELECT 1 FROM servicedesk_incident LIMIT 1) x")
        if cur.fetchone()[0] and not meta and not force:
            raise SystemExit(
                "bench seed: this database has incidents but no bench marker; it does not look "
                "like a bench database. Use another BENCH_DATABASE_URL, or --force."
            )

    counts = Counts.at(scale)
    fast = counts.incidents >= FAST_LOAD_FROM
    now = int(time.time()) // 3600 * 3600
    started = time.monotonic()
    print(f"bench seed: scale {scale} → {counts}", flush=True)
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as outer:
        cur = outer.cursor
        ld = Loader(cur, fast)
        present = [t for t in OWNED_TABLES if ld.exists(t)]
        cur.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in present) + " RESTART IDENTITY CASCADE"
        )
        cur.execute("DELETE FROM bench_meta")
        dropped = []
        if fast:
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cur.fetchone()[0]:  # skip FK triggers (the generator keeps references valid)
                cur.execute("SET LOCAL session_replication_role = replica")
            dropped = _secondary_indexes(cur, present)
            for name, _ in dropped:
                cur.execute(f'DROP INDEX "{name}"')
            print(f"  dropped {len(dropped)} secondary indexes for the load", flush=True)
        password_hash = make_password(PASSWORD)
        rng = random.Random(rng_seed)
        people = gen_people(ld, random.Random(rng.random()), counts, password_hash, now)
        service_team = gen_services(ld, random.Random(rng.random()), counts, people, now)
        facts = gen_incidents(ld, random.Random(rng.random()), counts, people, service_team, now)
        gen_incident_children(ld, random.Random(rng.random()), counts, people, facts, now)
        del facts
        gen_service_requests(ld, random.Random(rng.random()), counts, people, now)
        gen_projects(ld, random.Random(rng.random()), counts, people, now)
        loaded = time.monotonic()
        for name, definition in dropped:
            t0 = time.monotonic()
            cur.execute(definition)
            if time.monotonic() - t0 > 1:
                print(f"  index {name}: {time.monotonic() - t0:.1f}s", flush=True)
        for table in present:
            if "id" not in ld.table_columns(table):
                continue
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cur.fetchone()[0]
            if seq:
                cur.execute(
                    f'SELECT setval(%s, GREATEST(1, (SELECT COALESCE(max(id), 0) FROM "{table}")))',
                    [seq],
                )
        meta = {
            **wanted,
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "anchor": datetime.fromtimestamp(now, UTC).isoformat(),
            "rows": ld.rows,
            "notes": ld.notes,
            "load_seconds": round(loaded - started, 1),
            "index_seconds": round(time.monotonic() - loaded, 1),
            "fast_load": fast,
        }
        cur.execute(
            "INSERT INTO bench_meta (key, value) VALUES ('dataset', %s)", [json.dumps(meta)]
        )
    t0 = time.monotonic()
    with connection.cursor() as outer:
        if connection.get_autocommit():
            for table in present:
                outer.execute(f'VACUUM (ANALYZE) "{table}"')
    meta["vacuum_seconds"] = round(time.monotonic() - t0, 1)
    meta["total_seconds"] = round(time.monotonic() - started, 1)
    with connection.cursor() as outer:
        outer.execute("UPDATE bench_meta SET value = %s WHERE key = 'dataset'", [json.dumps(meta)])
    for note in ld.notes:
        print(f"  note: {note}")
    print(f"bench seed: done in {meta['total_seconds']}s", flush=True)
    return meta


def seed_markdown(meta: dict) -> str:
    rows = meta.get("rows", {})
    lines = [
        f"Data set: scale {meta['scale']}, seed {meta['seed']}, anchored at {meta['anchor']}, "
        f"loaded {meta['loaded_at']} (load {meta.get('load_seconds')} s, indexes "
        f"{meta.get('index_seconds')} s, vacuum/analyze {meta.get('vacuum_seconds')} s).",
        "",
        "| table | rows |",
        "|---|---:|",
        *(f"| {t} | {n:,} |" for t, n in sorted(rows.items())),
    ]
    for note in meta.get("notes", []):
        lines.append(f"\nNote: {note}")
    return "\n".join(lines)
