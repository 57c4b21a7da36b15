"""Smoke run: log in as demo users and open the main pages of a running server."""

import http.cookiejar
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
# username -> pages that must answer 200 and contain the text
PAGES = {
    "agent": [
        ("/", "Agent console"),
        # The list's newest page (which demo incidents it holds depends on the hour), and a
        # given incident found by its number whatever its age.
        ("/desk/?view=all", "INC000"),
        ("/desk/?view=all&q=INC0000001", "INC0000001"),
        ("/desk/incidents/INC0000001/", "History"),
        ("/services/", "VPN"),
    ],
    "requester": [("/", "My tickets"), ("/portal/report/", "Report an incident")],
    "pm": [("/", "Portfolio"), ("/projects/", "Portfolio")],
    "manager": [("/dashboards/", "CSAT"), ("/dashboards/portfolio/", "SPI")],
    "owner": [("/services/", "Email"), ("/account/notifications/", "Email me when")],
    "admin": [("/", "Servicehub"), ("/admin/", "Site administration")],
}
PUBLIC = [("/healthz", '"status": "ok"'), ("/api/schema/", "openapi"), ("/api/docs/", "swagger")]


def wait_until_up() -> None:
    for _ in range(60):
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    sys.exit("server did not come up")


def session_for(username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(BASE + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "demo", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(BASE + "/login/", data=data, headers={"Referer": BASE})
    response = opener.open(request)
    if "/login/" in response.geturl():
        sys.exit(f"login failed for {username}")
    return opener


def check(opener, path: str, needle: str) -> None:
    body = opener.open(BASE + path).read().decode()
    if needle.lower() not in body.lower():
        sys.exit(f"{path}: expected {needle!r}")
    print(f"ok  {path}")


def main() -> None:
    wait_until_up()
    anonymous = urllib.request.build_opener()
    for path, needle in PUBLIC:
        check(anonymous, path, needle)
    for username, pages in PAGES.items():
        opener = session_for(username)
        print(f"logged in as {username}")
        for path, needle in pages:
            check(opener, path, needle)
    print("smoke passed")


if __name__ == "__main__":
    main()
