"""Picking a person by typing: a text box with a list of matches, not a select of everyone.

A select of every active user is one statement but, at 20,000 people, a page of megabytes
that no one can scroll. `PersonField` takes a username or an email address (typed, or picked
from the matches `people_search` offers as the user types: htmx fills the box's <datalist>);
without script, typing the username works as well.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.urls import reverse

from core.models import User

MATCHES_SHOWN = 20


def person_label(user) -> str:
    """ "Full Name (username, Organisation)": the username and organisation tell two people
    of the same name apart."""
    name = f"{user.first_name} {user.last_name}".strip()
    organisation = user.organisation.name if user.organisation_id else ""
    detail = ", ".join(part for part in (user.username if name else "", organisation) if part)
    return f"{name or user.username} ({detail})" if detail else user.username


def people_pickable_by(user):
    """Whom `user` may name in a person box or list (the console's requester, a catalog
    form's "For whom"): staff anyone active; a requester themselves and the active requesters
    of their own organisation (no staff, nobody of another organisation)."""
    from core.roles import STAFF_ROLES, is_staff_member

    people = User.objects.filter(is_active=True)
    if not (user and user.is_authenticated):
        return people.none()
    if is_staff_member(user):
        return people
    colleagues = Q(pk=user.pk)
    if user.organisation_id:
        colleagues |= Q(organisation_id=user.organisation_id) & ~Q(role__in=STAFF_ROLES)
    return people.filter(colleagues)


def people_matching(text: str, among) -> list:
    """Up to MATCHES_SHOWN of `among` whose name, username or email contains `text` (every
    word of it), by name."""
    found = among.select_related("organisation")
    for word in text.split()[:4]:
        found = found.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return list(found.order_by("first_name", "last_name", "username")[:MATCHES_SHOWN])


class PersonInput(forms.TextInput):
    """A text box whose <datalist> htmx refills with the matches of what is typed."""

    template_name = "core/widgets/person_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["attrs"].update(
            {
                "list": f"{widget_id}-people",
                "autocomplete": "off",
                "hx-get": reverse("people_search"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{widget_id}-people",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
        context["widget"]["list_id"] = f"{widget_id}-people"
        return context


class PersonField(forms.CharField):
    """One active person of `queryset`, named by username or email (case as typed); anyone
    else is refused with `error_messages["no_match"]` (a form may say its own rule there)."""

    widget = PersonInput
    default_error_messages = {
        "no_match": "No one by that username or email: type a name and pick the person from "
        "the list."
    }

    def __init__(self, *, queryset=None, **kwargs):
        self.queryset = queryset if queryset is not None else User.objects.filter(is_active=True)
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("help_text", "Type a name, username or email and pick the person.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, User):
            return value.username
        if isinstance(value, int):  # a model form's initial: the person's id
            return User.objects.filter(pk=value).values_list("username", flat=True).first()
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = text.strip()
        found = self.queryset.filter(Q(username__iexact=text) | Q(email__iexact=text))
        people = list(found[:2])
        if len(people) != 1:
            raise forms.ValidationError(self.error_messages["no_match"], code="no_match")
        return people[0]
