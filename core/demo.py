"""Demo people: organisations, teams and one user per role (password `demo`)."""

from core.models import Organisation, Team, User
from core.roles import Role

DEMO_PASSWORD = "demo"

# username, role, first, last, organisation, teams
DEMO_USERS = [
    ("admin", Role.ADMIN, "Ada", "Admin", None, []),
    ("agent", Role.AGENT, "Alex", "Agent", None, ["Service Desk"]),
    ("agent2", Role.AGENT, "Sam", "Second", None, ["Network Ops", "Service Desk"]),
    ("owner", Role.SERVICE_OWNER, "Olivia", "Owner", None, ["Network Ops"]),
    ("pm", Role.PROJECT_MANAGER, "Priya", "Manager", None, []),
    ("manager", Role.MANAGER, "Morgan", "Lead", None, []),
    ("requester", Role.REQUESTER, "Riley", "Acme", "Acme", []),
    ("requester2", Role.REQUESTER, "Gale", "Globex", "Globex", []),
    ("requester3", Role.REQUESTER, "Jordan", "Globex", "Globex", []),
]


def seed(stdout=None) -> dict:
    acme, _ = Organisation.objects.update_or_create(
        name="Acme", defaults={"shared": False, "email_domain": "acme.example"}
    )
    globex, _ = Organisation.objects.update_or_create(
        name="Globex", defaults={"shared": True, "email_domain": "globex.example"}
    )
    orgs = {"Acme": acme, "Globex": globex}
    teams = {
        name: Team.objects.get_or_create(name=name, defaults={"email": email})[0]
        for name, email in [
            ("Service Desk", "desk@example.com"),
            ("Network Ops", "netops@example.com"),
            ("Applications", "apps@example.com"),
        ]
    }
    users = {}
    for username, role, first, last, org, team_names in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "organisation": orgs.get(org),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.role = role
        user.organisation = orgs.get(org)
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save()
        user.teams.set([teams[t] for t in team_names])
        users[username] = user
    Team.objects.filter(name="Service Desk", lead__isnull=True).update(lead=users["agent"])
    Team.objects.filter(name="Network Ops", lead__isnull=True).update(lead=users["agent2"])
    users["requester"].manager = users["manager"]
    users["requester"].save(update_fields=["manager"])
    return {"users": users, "teams": teams, "organisations": orgs}
