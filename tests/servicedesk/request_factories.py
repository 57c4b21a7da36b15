"""Factories of the catalog, service requests and improvements."""

import factory

from servicedesk.models import CatalogItem, Improvement
from tests.core.factories import UserFactory
from tests.servicedesk.factories import ServiceFactory

LAPTOP_FORM = [
    {
        "name": "model",
        "label": "Model",
        "type": "choice",
        "required": True,
        "choices": ["13-inch", "15-inch"],
    },
    {"name": "justification", "label": "Why?", "type": "text", "required": True},
    {"name": "needed_by", "label": "Needed by", "type": "date", "required": False},
]


class CatalogItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogItem

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Item {n}")
    description = "Something useful."
    form_definition = factory.LazyFunction(lambda: [dict(f) for f in LAPTOP_FORM])
    fulfilment_checklist = factory.LazyFunction(lambda: ["Order", "Hand over"])
    delivery_days = 3


class ImprovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Improvement

    title = factory.Sequence(lambda n: f"Improvement {n}")
    service = factory.SubFactory(ServiceFactory)
    problem_statement = "Too many incidents."
    metric = "Incidents per month"
    baseline_value = 40
    target_value = 10
    owner = factory.SubFactory(UserFactory, role="agent")
    planned_quarter = "2026-Q2"
