import datetime
from decimal import Decimal

import factory

from core.roles import Role
from projects.models import CostEntry, Milestone, Project, Risk, Task, TimeEntry
from tests.core.factories import UserFactory


class ProjectManagerFactory(UserFactory):
    role = Role.PROJECT_MANAGER


class SponsorFactory(UserFactory):
    role = Role.MANAGER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"PRJ-{n:03d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    manager = factory.SubFactory(ProjectManagerFactory)
    sponsor = factory.SubFactory(SponsorFactory)
    budget = Decimal("10000.00")
    currency = "EUR"
    objectives = "Replace the ageing mail platform."
    scope = "Mailboxes, calendars, archive migration."
    success_criteria = "All users migrated with no data loss."


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Task {n}")
    planned_start = datetime.date(2024, 6, 1)
    planned_finish = datetime.date(2024, 6, 10)
    planned_cost = Decimal("1000.00")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = datetime.date(2024, 6, 10)


class CostEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostEntry

    project = factory.SubFactory(ProjectFactory)
    amount = Decimal("100.00")
    currency = factory.LazyAttribute(lambda o: o.project.currency)
    incurred_on = datetime.date(2024, 6, 5)
    category = "material"


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    task = factory.SubFactory(TaskFactory)
    project = factory.LazyAttribute(lambda o: o.task.project)
    person = factory.SubFactory(UserFactory, role=Role.AGENT)
    date = datetime.date(2024, 6, 5)
    hours = Decimal("8")
    currency = factory.LazyAttribute(lambda o: o.project.currency)


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    project = factory.SubFactory(ProjectFactory)
    description = "Vendor delivers late"
    probability = 3
    impact = 4
