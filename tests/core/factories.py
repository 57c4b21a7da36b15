import factory

from core.models import Organisation, Team, User
from core.roles import Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Org {n}")
    shared = False


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.REQUESTER
    password = factory.django.Password("demo")

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class RequesterFactory(UserFactory):
    role = Role.REQUESTER
    organisation = factory.SubFactory(OrganisationFactory)


class AgentFactory(UserFactory):
    role = Role.AGENT


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True
