"""Refresh the README screenshots from a running demo (`make run`), in headless Chromium.

.venv/bin/python docs/take_screenshots.py [http://127.0.0.1:8000]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# (user, path, file name)
SHOTS = [
    ("agent", "/desk/?view=all", "agent-console"),
    ("agent", "/desk/incidents/INC0000003/", "agent-ticket"),
    ("requester2", "/portal/", "portal"),
    ("pm", "/projects/", "portfolio"),
    ("pm", "/projects/{project}/", "project-workspace"),
    ("pm", "/projects/{project}/gantt/", "project-gantt"),
    ("manager", "/dashboards/", "dashboard-services"),
    ("manager", "/dashboards/portfolio/", "dashboard-portfolio"),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pages = {}
        for user, path, name in SHOTS:
            if user not in pages:
                page = browser.new_page(viewport={"width": 1366, "height": 860})
                page.goto(f"{BASE}/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", "demo")
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                pages[user] = page
            page = pages[user]
            if "{project}" in path:
                page.goto(f"{BASE}/projects/")
                href = page.locator("table a[href^='/projects/']").first.get_attribute("href")
                path = path.replace("/projects/{project}/", href)
            page.goto(BASE + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(400)  # charts animate in
            page.screenshot(path=str(OUT / f"{name}.png"))
            print("saved", name, page.url)
        browser.close()


if __name__ == "__main__":
    main()
