"""The load client: one process per simulated user, plain http.client, no Django.

Each client logs in as real users (an agent's API token and console session, a requester's
portal session, a manager's session), waits at a barrier so all start together, then runs a
closed loop of weighted scenarios until its deadline or its request budget, and sends back
one record per request: (scenario, milliseconds, status, ok, SQL queries, SQL milliseconds).
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import re
import time
from urllib.parse import quote, urlencode, urlsplit

# (name, weight, kind): an agent's day, plus requesters in the portal and a manager.
SCENARIOS = [
    ("queue_api", 10, "list"),
    ("queue_api_mine", 6, "list"),
    ("queue_desk", 12, "list"),
    ("detail_api", 10, "detail"),
    ("detail_desk", 8, "detail"),
    ("comment", 6, "write"),
    ("create", 4, "write"),
    ("transition", 6, "write"),
    ("search", 6, "search"),
    ("scroll", 8, "page"),
    ("deep_page", 4, "page"),
    ("portal", 6, "list"),
    ("portal_detail", 4, "detail"),
    ("dashboard", 3, "other"),
    ("project", 3, "other"),
    ("evm", 4, "other"),
]
KIND = {name: kind for name, _, kind in SCENARIOS}
# The page-depth probe (one client, nothing else running): where in three years of
# incidents, newest first, a page starts, as a fraction of the span (0 = the first page).
DEPTHS = [0.0, 0.01, 0.1, 0.5, 0.9, 0.999]
DESK_VIEWS = ["mine", "team", "unassigned", "open", "breaching", "all"]
SEARCH_TERMS = [
    "vpn", "outlook", "printer", "keyboard", "citrix", "payroll", "mailbox locked",
    "sharepoint syncing", "0x80070005", "webcam freezes", "docking station", "firewall",
]  # fmt: skip
SCROLL_PAGES = 20
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Http:
    """One keep-alive connection (reopened when the server closes it) with a cookie jar."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError, TimeoutError):
                self.conn.close()
                if attempt == 2:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if resp.will_close:
            self.conn.close()
        return resp.status, resp.headers, data


def login_session(host: str, port: int, username: str, password: str) -> Http:
    h = Http(host, port)
    status, _, page = h.request("GET", "/login/")
    token = CSRF_RE.search(page)
    if status != 200 or not token:
        raise RuntimeError(f"login page: {status}")
    form = urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password}
    )
    status, _, _ = h.request(
        "POST",
        "/login/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 302 or "sessionid" not in h.cookies:
        raise RuntimeError(f"login of {username}: {status}")
    return h


def api_token(host: str, port: int, username: str, password: str) -> str:
    h = Http(host, port)
    body = json.dumps({"username": username, "password": password, "name": "bench"})
    status, _, data = h.request(
        "POST", "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json"}
    )
    if status != 201:
        raise RuntimeError(f"token for {username}: {status} {data[:200]!r}")
    return json.loads(data)["token"]


def deep_cursor(position: str) -> str:
    """A DRF cursor that starts the list at `position` (what scrolling that far would give)."""
    return quote(base64.b64encode(urlencode({"p": position}).encode()).decode())


class Agent:
    def __init__(self, idx: int, cfg: dict):
        self.cfg = cfg
        self.rng = random.Random(1000 + idx)
        self.idx = idx
        host, port = cfg["host"], cfg["port"]
        self.anon = Http(host, port)
        self.own: list[list] = []  # [incident id, status] created by this client
        self.scroll_path: str | None = None
        self.scroll_depth = 0
        if cfg["mode"] == "floor":
            return
        me = cfg["clients"][idx % len(cfg["clients"])]
        self.me = me
        pw = cfg["password"]
        self.token = {"Authorization": f"Token {api_token(host, port, me['agent'], pw)}"}
        self.api = Http(host, port)
        self.s_desk = login_session(host, port, me["agent"], pw)
        self.s_portal = login_session(host, port, me["requester"], pw)
        self.s_manager = login_session(host, port, me["manager"], pw)
        names = [n for n, _, _ in SCENARIOS]
        weights = [w for _, w, _ in SCENARIOS]
        self.plan = self.rng.choices(names, weights=weights, k=4096)

    # -- helpers
    def _get_api(self, path):
        return self.api.request("GET", path, headers={**self.token, "Accept": "application/json"})

    def _post_api(self, path, payload):
        headers = {**self.token, "Content-Type": "application/json", "Accept": "application/json"}
        return self.api.request("POST", path, body=json.dumps(payload), headers=headers)

    def _incident(self) -> int:
        return self.rng.randint(1, self.cfg["max_incident"])

    # -- scenarios: each returns (status, headers, body, expected status)
    def floor(self):
        return (*self.anon.request("GET", f"/bench/floor/{self._incident()}/"), 200)

    def queue_api(self):
        team = self.me["team"]
        query = self.rng.choice(
            [
                f"status=open&team={team}",
                f"status=open&team={team}&priority=3",
                "status=new&status=assigned&assignee=none",
                "sla=breaching",
                f"status=open&service={self.rng.choice(self.cfg['services'])}",
            ]
        )
        return (*self._get_api(f"/api/v1/incidents/?{query}"), 200)

    def queue_api_mine(self):
        return (*self._get_api("/api/v1/incidents/?status=open&assignee=me"), 200)

    def queue_desk(self):
        view = self.rng.choice(DESK_VIEWS)
        return (*self.s_desk.request("GET", f"/desk/?view={view}"), 200)

    def detail_api(self):
        return (*self._get_api(f"/api/v1/incidents/{self._incident()}/"), 200)

    def detail_desk(self):
        return (*self.s_desk.request("GET", f"/desk/incidents/INC{self._incident():07d}/"), 200)

    def comment(self):
        target = self.rng.choice(self.cfg["open_incidents"])
        body = {"body": "Bench: checked, working on it.", "internal": self.rng.random() < 0.2}
        return (*self._post_api(f"/api/v1/incidents/{target}/comments/", body), 201)

    def create(self):
        payload = {
            "title": f"Bench {self.rng.choice(SEARCH_TERMS)} problem from client {self.idx}",
            "description": "Created by the load benchmark.",
            "service": self.rng.choice(self.cfg["services"]),
            "impact": self.rng.choice([2, 3, 3]),
            "urgency": self.rng.choice([2, 3, 3]),
            "category": "software",
        }
        status, headers, body = self._post_api("/api/v1/incidents/", payload)
        if status == 201:
            self.own.append([json.loads(body)["id"], "new"])
        return status, headers, body, 201

    NEXT = {"new": "start", "in_progress": "hold", "on_hold": "resume", "resolved": "close"}

    def transition(self):
        if not self.own:
            return self.create(), "create"
        entry = self.own[self.rng.randrange(len(self.own))]
        pk, state = entry
        action = self.NEXT[state]
        payload = {"action": action}
        if state == "in_progress" and self.rng.random() < 0.4:
            payload = {
                "action": "resolve",
                "resolution_code": "fixed",
                "resolution_note": "Fixed by the bench.",
            }
        status, headers, body = self._post_api(f"/api/v1/incidents/{pk}/transitions/", payload)
        if status == 200:
            entry[1] = json.loads(body)["status"]
            if entry[1] == "closed":
                self.own.remove(entry)
        return (status, headers, body, 200), None

    def search(self):
        term = self.rng.choice(SEARCH_TERMS)
        return (*self._get_api(f"/api/v1/incidents/?q={quote(term)}"), 200)

    def scroll(self):
        if self.scroll_path is None or self.scroll_depth >= SCROLL_PAGES:
            self.scroll_path, self.scroll_depth = "/api/v1/incidents/", 0
        status, headers, body = self._get_api(self.scroll_path)
        self.scroll_depth += 1
        nxt = json.loads(body).get("next") if status == 200 else None
        self.scroll_path = None
        if nxt:
            parts = urlsplit(nxt)
            self.scroll_path = f"{parts.path}?{parts.query}"
        return status, headers, body, 200

    def deep_page(self):
        lo, hi = self.cfg["opened_range"]
        moment = time.gmtime(self.rng.randint(lo, hi))
        position = time.strftime("%Y-%m-%d %H:%M:%S+00:00", moment)
        return (*self._get_api(f"/api/v1/incidents/?cursor={deep_cursor(position)}"), 200)

    def depth(self, n: int) -> tuple[str, tuple]:
        """The n-th request of the depth probe: API and console pages, each depth in turn."""
        fraction = DEPTHS[(n // 2) % len(DEPTHS)]
        where = "api" if n % 2 == 0 else "desk"
        query = ""
        if fraction:
            lo, hi = self.cfg["opened_range"]
            moment = time.gmtime(hi - int(fraction * (hi - lo)))
            query = f"cursor={deep_cursor(time.strftime('%Y-%m-%d %H:%M:%S+00:00', moment))}"
        name = f"depth_{where}_{fraction:g}"
        if where == "api":
            return name, (*self._get_api(f"/api/v1/incidents/?{query}"), 200)
        return name, (*self.s_desk.request("GET", f"/desk/?view=all&{query}"), 200)

    def portal(self):
        return (*self.s_portal.request("GET", "/portal/"), 200)

    def portal_detail(self):
        number = self.rng.choice(self.me["requester_incidents"])
        return (*self.s_portal.request("GET", f"/portal/incidents/{number}/"), 200)

    def dashboard(self):
        return (*self.s_manager.request("GET", "/dashboards/"), 200)

    def project(self):
        pid = self.rng.choice(self.cfg["projects"])
        return (*self.s_manager.request("GET", f"/projects/{pid}/"), 200)

    def evm(self):
        pid = self.rng.choice(self.cfg["projects"])
        path = f"/api/v1/projects/{pid}/evm/"
        return (*self.s_manager.request("GET", path, headers={"Accept": "application/json"}), 200)


def run_client(idx: int, cfg: dict, barrier, results) -> None:
    """Entry point of a client process: log in, wait for the others, run, report."""
    records: list[tuple] = []
    errors: list[str] = []
    try:
        agent = Agent(idx, cfg)
    except Exception as exc:  # a failed login is reported, not hidden
        barrier.abort()
        results.put((idx, [], [f"setup: {type(exc).__name__}: {exc}"]))
        return
    try:
        barrier.wait(timeout=300)
    except Exception:
        results.put((idx, [], ["barrier broken"]))
        return
    began = time.monotonic()
    record_from = began + cfg["warmup"]
    deadline = record_from + cfg["duration"]
    n = 0
    while n < cfg["max_requests"]:
        now = time.monotonic()
        if now >= deadline:
            break
        name = "floor" if cfg["mode"] == "floor" else agent.plan[n % len(agent.plan)]
        n += 1
        t0 = time.perf_counter()
        try:
            if cfg["mode"] == "depth":
                name, out = agent.depth(n - 1)
            elif name == "transition":
                out, renamed = agent.transition()
                name = renamed or name
            else:
                out = getattr(agent, name)()
            status, headers, body, expected = out
            ok = status == expected
            queries = int(headers.get("X-Bench-Queries", -1))
            sql_ms = float(headers.get("X-Bench-SQL-ms", "nan"))
        except Exception as exc:
            status, ok, queries, sql_ms, body = 0, False, -1, float("nan"), str(exc).encode()
        ms = (time.perf_counter() - t0) * 1000
        if now >= record_from:
            records.append((name, ms, status, ok, queries, sql_ms))
            if not ok and len(errors) < 20:
                errors.append(f"{name}: {status} {body[:300]!r}")
    results.put((idx, records, errors))
