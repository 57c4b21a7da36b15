"""The data rules of the projects (tests/projects/test_data_rules.py) where review found them
too strict or unsafe: old projects stay editable with the dates they have, a legacy lower-case
currency takes costs, an open milestone may be moved and completed in one write, and two
people logging time for each other do not deadlock on the 24-hour rule's lock."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from core.roles import Role
from projects import cost_actions
from projects.models import CostEntry, Milestone, Project, TimeEntry
from tests.conftest import browser_for, client_for
from tests.core.factories import UserFactory
from tests.projects.factories import MilestoneFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    return ProjectFactory(
        code="PAY-01",
        manager=people["project_manager"],
        sponsor=people["manager"],
        planned_start=datetime.date(2026, 1, 5),
        planned_finish=datetime.date(2026, 12, 18),
    )


def test_an_old_project_is_renamed_on_its_edit_page_with_the_dates_it_has(people):
    old = ProjectFactory(
        code="OLD-1",
        manager=people["project_manager"],
        sponsor=people["manager"],
        planned_start=datetime.date(1999, 6, 1),
        planned_finish=datetime.date(2000, 6, 1),
    )
    form = {name: getattr(old, name) for name in ("code", "budget", "currency")}
    form.update(
        name="Renamed",
        planned_start="1999-06-01",
        planned_finish="2000-06-01",
        sponsor=people["manager"].pk,
        version=old.version,
    )
    answer = browser_for(people["project_manager"]).post(f"/projects/{old.pk}/edit/", form)
    assert answer.status_code == 302
    assert Project.objects.get(pk=old.pk).name == "Renamed"
    # Moving a date there is still checked.
    form.update(name="Again", planned_start="1998-01-01", version=old.version + 1)
    refused = browser_for(people["project_manager"]).post(f"/projects/{old.pk}/edit/", form)
    assert refused.status_code == 400
    assert b"earliest is 2000-01-01" in refused.content
    assert Project.objects.get(pk=old.pk).name == "Renamed"


def test_a_task_keeps_its_old_dates_when_renamed_over_the_api(people, project):
    task = TaskFactory(project=project, planned_start=datetime.date(2024, 1, 2))
    answer = client_for(people["project_manager"]).patch(
        f"/api/v1/projects/{project.pk}/tasks/{task.pk}/",
        {"name": "Discovery (renamed)", "planned_start": "2024-01-02", "version": task.version},
        format="json",
    )
    assert answer.status_code == 200, answer.json()


def test_a_legacy_lower_case_currency_takes_costs_in_it(people, project):
    Project.objects.filter(pk=project.pk).update(currency="eur")
    answer = client_for(people["project_manager"]).post(
        f"/api/v1/projects/{project.pk}/costs/",
        {"amount": "10.00", "incurred_on": "2026-03-01", "category": "labour", "currency": "eur"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert CostEntry.objects.get().amount == Decimal("10.00")


def test_an_open_milestone_is_moved_and_completed_in_one_write(people, project):
    milestone = MilestoneFactory(project=project, due_date=datetime.date(2026, 3, 1))
    answer = client_for(people["project_manager"]).patch(
        f"/api/v1/projects/{project.pk}/milestones/{milestone.pk}/",
        {"due_date": "2026-03-10", "completed_on": "2026-03-09"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.completed_on) == (
        datetime.date(2026, 3, 10),
        datetime.date(2026, 3, 9),
    )
    # Once completed it keeps its due date (409), as before.
    again = client_for(people["project_manager"]).patch(
        f"/api/v1/projects/{project.pk}/milestones/{milestone.pk}/",
        {"due_date": "2026-03-20"},
        format="json",
    )
    assert again.status_code == 409
    assert Milestone.objects.get(pk=milestone.pk).due_date == datetime.date(2026, 3, 10)


@pytest.mark.django_db(transaction=True)
def test_two_managers_logging_time_for_each_other_both_succeed(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    a = UserFactory(username="pm_a", role=Role.PROJECT_MANAGER)
    b = UserFactory(username="pm_b", role=Role.PROJECT_MANAGER)
    dates = {
        "planned_start": datetime.date(2026, 1, 1),
        "planned_finish": datetime.date(2026, 12, 1),
    }
    x = ProjectFactory(code="X-1", manager=a, **dates)
    y = ProjectFactory(code="Y-1", manager=b, **dates)
    tasks = {x.pk: TaskFactory(project=x), y.pk: TaskFactory(project=y)}
    barrier = threading.Barrier(2, timeout=10)
    check = cost_actions._check_day_has_room

    def held(**kwargs):
        check(**kwargs)
        barrier.wait()  # both hold their person's row before either writes its audit row

    monkeypatch.setattr(cost_actions, "_check_day_has_room", held)
    errors = []

    def log(actor, person, project):
        try:
            cost_actions.time_entry_add(
                project=project,
                actor=actor,
                person=person,
                task=tasks[project.pk],
                date=datetime.date(2026, 5, 5),
                hours=Decimal("2"),
            )
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=log, args=(a, b, x)),
        threading.Thread(target=log, args=(b, a, y)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert TimeEntry.objects.count() == 2
