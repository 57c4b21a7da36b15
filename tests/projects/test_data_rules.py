"""What a project manager may not write into a project, over the API and on the pages alike:
a currency that is no ISO 4217 code or that changes under recorded costs, more than 24 hours
in a person's day, a finish before the start, a code that differs from another only in case,
dates far outside the project, a completed milestone moved, a link added twice. Each refusal
is a 4xx naming the field in words, and nothing is written."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from projects.actions import member_add
from projects.models import CostEntry, Dependency, Milestone, Project, Task, TimeEntry
from projects.task_actions import dependency_add
from tests.conftest import assert_status, browser_for
from tests.projects.factories import (
    CostEntryFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def _written() -> tuple[int, ...]:
    models = (Project, Task, Dependency, Milestone, CostEntry, TimeEntry, AuditEvent)
    return tuple(model.objects.count() for model in models)


@pytest.fixture
def pm(people):
    return people["project_manager"]


@pytest.fixture
def project(people, pm):
    return ProjectFactory(
        code="PAY-01",
        manager=pm,
        sponsor=people["manager"],
        planned_start=datetime.date(2026, 1, 5),
        planned_finish=datetime.date(2026, 12, 18),
    )


def api(project, suffix=""):
    return f"/api/v1/projects/{project.pk}/{suffix}"


def page(project, suffix=""):
    return f"/projects/{project.pk}/{suffix}"


def _new_project(**changes) -> dict:
    return {"code": "NEW-1", "name": "Payroll", "budget": "100", "currency": "EUR", **changes}


# ---------------------------------------------------------------- 1. currency


@pytest.mark.parametrize("typed", ["12!", "US", "XYZ", "!!", "e1"])
def test_a_currency_that_is_no_iso_4217_code_is_refused_naming_currency(pm, typed):
    before = _written()
    body = assert_status(pm, "POST", "/api/v1/projects/", 400, _new_project(currency=typed)).data
    assert "ISO 4217" in body["fields"]["currency"][0]
    response = browser_for(pm).post("/projects/new/", _new_project(currency=typed))
    assert response.status_code == 400
    assert "is not an ISO 4217 currency code" in response.content.decode()
    assert _written() == before


def test_a_currency_typed_in_lower_case_is_saved_upper_case(pm):
    assert browser_for(pm).post("/projects/new/", _new_project(currency="usd")).status_code == 302
    assert Project.objects.get(code="NEW-1").currency == "USD"
    created = assert_status(
        pm, "POST", "/api/v1/projects/", 201, _new_project(code="NEW-2", currency=" gbp ")
    )
    assert created.data["currency"] == "GBP"


def test_the_currency_cannot_change_once_costs_are_recorded(pm, project):
    CostEntryFactory(project=project, amount=Decimal("22041.30"))
    before = _written()
    body = assert_status(
        pm, "PATCH", api(project), 400, {"currency": "USD", "version": project.version}
    ).data
    assert "cannot change once costs or time are recorded" in body["fields"]["currency"][0]
    form = {
        "code": project.code,
        "name": project.name,
        "budget": "10000",
        "currency": "USD",
        "version": project.version,
    }
    response = browser_for(pm).post(page(project, "edit/"), form)
    assert response.status_code == 400
    assert "cannot change once costs or time are recorded" in response.content.decode()
    project.refresh_from_db()
    assert project.currency == "EUR" and _written() == before


def test_the_currency_cannot_change_once_time_is_logged(pm, project):
    TimeEntryFactory(task=TaskFactory(project=project), date=datetime.date(2026, 3, 2))
    body = assert_status(
        pm, "PATCH", api(project), 400, {"currency": "GBP", "version": project.version}
    ).data
    assert "currency" in body["fields"]


def test_the_currency_of_a_project_without_costs_may_change(pm, project):
    body = assert_status(
        pm, "PATCH", api(project), 200, {"currency": "chf", "version": project.version}
    ).data
    assert body["currency"] == "CHF"
    # Sending the same currency again, in any case, is no change.
    CostEntryFactory(project=project, currency="CHF")
    assert_status(pm, "PATCH", api(project), 200, {"currency": "chf", "version": body["version"]})


def test_a_project_saved_with_a_bad_currency_before_the_check_can_still_be_edited(pm, project):
    Project.objects.filter(pk=project.pk).update(currency="!!")
    CostEntryFactory(project=project, currency="!!")
    form = {"code": project.code, "name": "Renamed", "budget": "10000", "currency": "!!"}
    response = browser_for(pm).post(page(project, "edit/"), {**form, "version": project.version})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.currency) == ("Renamed", "!!")


# ---------------------------------------------------------------- 2. a day has 24 hours


def test_a_person_cannot_log_more_than_24_hours_in_a_day(pm, project):
    task = TaskFactory(project=project, name="Discovery")
    entry = {"task": task.pk, "date": TODAY().isoformat(), "hours": "23.9", "hourly_rate": "75"}
    assert_status(pm, "POST", api(project, "time-entries/"), 201, entry)
    before = _written()
    body = assert_status(pm, "POST", api(project, "time-entries/"), 400, entry).data
    assert body["fields"]["hours"] == [
        f"You have 0.1 of 24 hours left on {TODAY().isoformat()}: 23.9 are logged that day."
    ]
    response = browser_for(pm).post(page(project, "time/add/"), entry)
    assert response.status_code == 400
    assert "You have 0.1 of 24 hours left" in response.content.decode()
    assert _written() == before
    # What is left still fits.
    assert_status(pm, "POST", api(project, "time-entries/"), 201, {**entry, "hours": "0.1"})


def test_the_day_counts_hours_on_every_project_of_the_person(people, pm, project):
    other = ProjectFactory(manager=pm)
    agent = people["agent"]
    for p in (project, other):
        member_add(project=p, actor=pm, user=agent, role="member")
    TimeEntryFactory(task=TaskFactory(project=other), person=agent, date=TODAY(), hours=20)
    task = TaskFactory(project=project)
    body = assert_status(
        pm,
        "POST",
        api(project, "time-entries/"),
        400,
        {"task": task.pk, "person": agent.pk, "date": TODAY().isoformat(), "hours": "5"},
    ).data
    assert body["fields"]["hours"][0].startswith(f"{agent.display_name} has 4 of 24 hours left")


# ---------------------------------------------------------------- 3. finish before start


def test_a_new_project_finishing_before_it_starts_is_refused_beside_the_finish_date(pm):
    dates = {"planned_start": "2026-12-01", "planned_finish": "2026-11-01"}
    before = _written()
    body = assert_status(pm, "POST", "/api/v1/projects/", 400, _new_project(**dates)).data
    assert body["fields"] == {"planned_finish": ["The planned finish is before the planned start."]}
    response = browser_for(pm).post("/projects/new/", _new_project(**dates))
    html = response.content.decode()
    assert response.status_code == 400
    assert "The planned finish is before the planned start." in html
    assert "Constraint" not in html
    assert _written() == before


def test_moving_the_finish_before_the_start_is_refused_naming_planned_finish(pm, project):
    body = assert_status(
        pm,
        "PATCH",
        api(project),
        400,
        {"planned_finish": "2025-12-01", "version": project.version},
    ).data
    assert body["fields"] == {"planned_finish": ["The planned finish is before the planned start."]}


def test_a_milestone_waived_without_a_reason_is_refused_in_words(pm, project):
    body = assert_status(
        pm,
        "POST",
        api(project, "milestones/"),
        400,
        {"name": "Go-live", "due_date": "2026-06-01", "waived": True},
    ).data
    assert body["fields"] == {"waived_reason": ["Say why the milestone is waived."]}


# ---------------------------------------------------------------- 4. codes ignore case


@pytest.mark.parametrize("typed", ["pay-01", " PAY-01 ", "Pay-01"])
def test_a_project_code_is_unique_ignoring_case(pm, project, typed):
    other = ProjectFactory(code="HR-06", manager=pm)
    before = _written()
    body = assert_status(pm, "POST", "/api/v1/projects/", 400, _new_project(code=typed)).data
    assert body["fields"]["code"] == [
        "The code PAY-01 is taken: project codes are unique whatever their case."
    ]
    response = browser_for(pm).post("/projects/new/", _new_project(code=typed))
    assert response.status_code == 400
    assert "The code PAY-01 is taken" in response.content.decode()
    assert_status(pm, "PATCH", api(other), 400, {"code": typed, "version": other.version})
    assert _written() == before


def test_a_code_is_saved_trimmed_and_a_project_keeps_its_own_code_in_another_case(pm, project):
    created = assert_status(pm, "POST", "/api/v1/projects/", 201, _new_project(code="  NEW-9 "))
    assert created.data["code"] == "NEW-9"
    body = assert_status(
        pm, "PATCH", api(project), 200, {"code": "pay-01", "version": project.version}
    ).data
    assert body["code"] == "pay-01"


# ---------------------------------------------------------------- 5. dates in bounds


def test_a_completed_milestone_cannot_be_rescheduled(pm, project):
    milestone = MilestoneFactory(
        project=project, due_date=datetime.date(2026, 3, 1), completed_on=datetime.date(2026, 3, 2)
    )
    before = _written()
    response = browser_for(pm).post(
        page(project, f"milestones/{milestone.pk}/"),
        {"action": "reschedule", "completed_on": "2026-06-01"},
    )
    assert response.status_code == 409
    assert "completed on 2026-03-02: it cannot be rescheduled" in response.content.decode()
    body = assert_status(
        pm, "PATCH", api(project, f"milestones/{milestone.pk}/"), 409, {"due_date": "2026-06-01"}
    ).data
    assert "cannot be rescheduled" in body["detail"]
    milestone.refresh_from_db()
    assert milestone.due_date == datetime.date(2026, 3, 1) and _written() == before


def test_a_milestone_cannot_be_moved_to_1999(pm, project):
    milestone = MilestoneFactory(project=project, due_date=datetime.date(2026, 3, 1))
    before = _written()
    response = browser_for(pm).post(
        page(project, f"milestones/{milestone.pk}/"),
        {"action": "reschedule", "completed_on": "1999-01-01"},
    )
    assert response.status_code == 400
    assert (
        "The due date cannot be 1999-01-01: the earliest is 2025-01-05, "
        "a year before the planned start (2026-01-05)."
    ) in response.content.decode()
    body = assert_status(
        pm, "PATCH", api(project, f"milestones/{milestone.pk}/"), 400, {"due_date": "2040-01-01"}
    ).data
    assert body["fields"]["due_date"] == [
        "The due date cannot be 2040-01-01: the latest is 2031-12-18, "
        "five years after the planned finish (2026-12-18)."
    ]
    milestone.refresh_from_db()
    assert milestone.due_date == datetime.date(2026, 3, 1) and _written() == before


def test_a_cost_incurred_in_1900_is_refused_and_not_counted(pm, project):
    before = _written()
    response = browser_for(pm).post(
        page(project, "costs/add/"),
        {"amount": "500", "incurred_on": "1900-01-01", "category": "material"},
    )
    assert response.status_code == 400
    assert "The date the cost was incurred cannot be 1900-01-01" in response.content.decode()
    body = assert_status(
        pm,
        "POST",
        api(project, "costs/"),
        400,
        {"amount": "500", "incurred_on": "1900-01-01", "cost_category": "material"},
    ).data
    assert "incurred_on" in body["fields"]
    assert _written() == before


def test_a_project_without_dates_refuses_only_absurd_years(pm):
    undated = ProjectFactory(manager=pm)
    body = assert_status(
        pm,
        "POST",
        api(undated, "milestones/"),
        400,
        {"name": "Go-live", "due_date": "1900-01-01"},
    ).data
    assert body["fields"]["due_date"] == [
        "The due date cannot be 1900-01-01: the earliest is 2000-01-01."
    ]
    assert_status(
        pm, "POST", api(undated, "milestones/"), 201, {"name": "Go-live", "due_date": "2024-07-01"}
    )
    refused = assert_status(
        pm, "POST", "/api/v1/projects/", 400, _new_project(planned_start="0001-01-01")
    ).data
    assert "planned_start" in refused["fields"]


# ---------------------------------------------------------------- 6. a link twice


def test_adding_an_existing_dependency_says_it_already_exists(pm, project):
    discovery = TaskFactory(project=project, name="Discovery")
    workshops = TaskFactory(project=project, name="Requirements workshops")
    dependency_add(predecessor=discovery, successor=workshops, actor=pm)
    link = {"predecessor": discovery.pk, "successor": workshops.pk}
    before = _written()
    response = browser_for(pm).post(page(project, "plan/dependencies/"), link)
    assert response.status_code == 400
    assert "This link already exists." in response.content.decode()
    body = assert_status(pm, "POST", api(project, "dependencies/"), 400, link).data
    assert body["fields"] == {"successor": ["This link already exists."]}
    assert _written() == before


# ---------------------------------------------------------------- 4. the migration


@pytest.mark.django_db(transaction=True)
def test_the_code_migration_renames_existing_clashes_instead_of_failing(people, pm):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("projects", "0003_project_improvement"),
        (
            "projects",
            "0004_project_code_unique_ignoring_case",
        ),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("projects", "Project")
        for code in (
            "PAY-01",
            "pay-01",
            " Pay-01 ",
            "PAY-01-2",
            "ABCDEFGHIJKLMNOPQRST",
            "abcdefghijklmnopqrst",
        ):
            old.objects.create(code=code, name=f"Project {code}", manager_id=pm.pk)
        executor = MigrationExecutor(connection)
        executor.migrate([after])
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    codes = list(Project.objects.order_by("id").values_list("code", flat=True))
    assert codes == [
        "PAY-01",
        "pay-01-3",
        "Pay-01-4",
        "PAY-01-2",
        "ABCDEFGHIJKLMNOPQRST",
        "abcdefghijklmnopqr-2",
    ]
    renamed = AuditEvent.objects.filter(action="project.updated").order_by("id")
    assert [event.changes["code"] for event in renamed] == [
        ["pay-01", "pay-01-3"],
        [" Pay-01 ", "Pay-01-4"],
        ["abcdefghijklmnopqrst", "abcdefghijklmnopqr-2"],
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(code="pay-01", name="Again", manager=pm)


@pytest.mark.django_db(transaction=True)
def test_the_code_migration_passes_exact_clashes_after_trimming_and_taken_fallbacks(people, pm):
    """The old exact unique index holds while the rows change: "PAY-01 " trimmed is another
    row's "PAY-01" until that one moves; a blank code's fallback may be taken already."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("projects", "0003_project_improvement"),
        ("projects", "0004_project_code_unique_ignoring_case"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("projects", "Project")
        old.objects.create(code="PAY-01 ", name="Trimmed", manager_id=pm.pk)
        old.objects.create(code="PAY-01", name="Exact", manager_id=pm.pk)
        blank = old.objects.create(code="  ", name="Blank", manager_id=pm.pk)
        old.objects.create(code=f"P-{blank.pk}", name="Fallback's code", manager_id=pm.pk)
        MigrationExecutor(connection).migrate([after])
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    codes = dict(Project.objects.values_list("name", "code"))
    assert codes == {
        "Trimmed": "PAY-01",
        "Exact": "PAY-01-2",
        "Blank": f"P-{blank.pk}-2",
        "Fallback's code": f"P-{blank.pk}",
    }
