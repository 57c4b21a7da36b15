"""The overview's Team panel on a 1280 px desktop and a 390 px phone: its add-a-member form
shows every role and person in full (QA saw "Work-stream le") and stays inside its panel.
In a real Chromium."""

import pytest
from django.core.management import call_command

from projects.models import Project
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The widest text each select offers, against the room its box leaves for text (the box
# less its padding and the native arrow).
ROOM = """select => {
  const style = getComputedStyle(select);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = style.font;
  const widest = Math.max(...[...select.options].map(o => pen.measureText(o.text).width));
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  return [widest, select.clientWidth - padding - 20];
}"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_team_form_shows_every_role_in_full_and_fits_its_panel(
    browser, live_server, demo, width
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, "pm")
        project = Project.objects.get(code="PAY-01")
        page.goto(f"/projects/{project.pk}/")
        page.wait_for_load_state("networkidle")
        form = page.locator(f"form[action='/projects/{project.pk}/members/']")
        form.scroll_into_view_if_needed()
        screenshot(page, f"team-form-{width}")
        role = form.locator("select[name=role]")
        role.select_option("lead")
        person = form.locator("select[name=user]")
        for select in (role, person):
            widest, room = select.evaluate(ROOM)
            assert widest <= room, f"{width} px: options {widest:.0f} px wide in {room:.0f} px"
        panel = form.locator("xpath=ancestor::div[contains(@class, 'panel')][1]").bounding_box()
        for control in (person, role, form.locator("button[type=submit]")):
            box = control.bounding_box()
            assert box["x"] >= panel["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"]
        inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert inner[0] <= inner[1]
    finally:
        context.close()
