import factory

from core.numbering import number_next
from servicedesk.models import Incident, IncidentComment, Service
from tests.core.factories import AgentFactory, RequesterFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service {n}")
    status = "live"


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    number = factory.LazyFunction(lambda: number_next(prefix="INC"))
    title = factory.Faker("sentence", nb_words=5)
    description = "Something is broken."
    service = factory.SubFactory(ServiceFactory)
    requester = factory.SubFactory(RequesterFactory)
    organisation = factory.LazyAttribute(lambda o: o.requester.organisation)
    impact = 2
    urgency = 2


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentComment

    incident = factory.SubFactory(IncidentFactory)
    author = factory.SubFactory(AgentFactory)
    body = "A reply."
