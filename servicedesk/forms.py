from django import forms

from core.choice_lists import load_choices
from core.models import Team, User
from core.params import whole_number
from core.people import PersonField
from core.roles import TICKET_WORKER_ROLES
from servicedesk.choices import ResolutionCode, ServiceStatus
from servicedesk.models import Incident, Service
from servicedesk.queries import services_taking_incidents


class ReportIncidentForm(forms.ModelForm):
    """The portal's 'Report an incident' form."""

    class Meta:
        model = Incident
        fields = ["service", "title", "description", "impact", "urgency", "category"]
        labels = {
            "title": "What is wrong?",
            "description": "Details",
            "impact": "How many people are affected?",
            "urgency": "How urgent is it?",
        }
        help_texts = {
            "description": "Markdown is supported. Include error messages and what you tried."
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        service.required = True
        service.empty_label = "Choose the affected service…"
        # The list offers the live services; any service is looked up, and incident_open says
        # why one it did not offer is refused (retired, not live yet) beside the field.
        load_choices((services_taking_incidents(staff=False), [service]))
        self.fields["impact"].choices = [
            (3, "Just me"),
            (2, "My team or department"),
            (1, "Many people / the whole organisation"),
        ]
        self.fields["urgency"].choices = [
            (3, "It can wait"),
            (2, "It slows my work"),
            (1, "I cannot work"),
        ]


def ticket_workers():
    """Who an incident may be assigned to: the people who work tickets."""
    return User.objects.filter(role__in=TICKET_WORKER_ROLES)


def _routing_choices(form) -> None:
    """The service, team and assignee lists of a console form (kept lists, one statement).
    The service list offers the services staff may log incidents on (no retired ones); the
    field looks up any service, and the actions say why one not offered is refused."""
    form.fields["assignee"].queryset = ticket_workers()
    form.fields["team"].queryset = Team.objects.all()
    load_choices(
        (services_taking_incidents(staff=True), [form.fields["service"]]),
        (form.fields["team"].queryset, [form.fields["team"]]),
        (form.fields["assignee"].queryset, [form.fields["assignee"]]),
    )


def _offer_own_service(form) -> None:
    """The side panel of a ticket whose service is no longer offered (retired) still shows
    that service, so the ticket's other fields stay editable (an unchanged service is no
    move); a refused move shows the service as typed. At most one statement (none on the
    ticket page, whose incident carries its service), for such tickets only."""
    field = form.fields["service"]
    listed = field.widget.listed
    typed = whole_number(form.data.get(form.add_prefix("service")))
    shown = {form.instance.service_id, typed} - {None}
    missing = {pk for pk in shown if str(pk) not in listed.position}
    if not missing:
        return
    found = []
    if form.instance.service_id in missing and Incident.service.is_cached(form.instance):
        found.append(form.instance.service)  # the ticket page's row: no statement
        missing.discard(form.instance.service_id)
    if missing:
        found += Service.objects.filter(pk__in=missing).only("name", "status")
    rows = [*listed.rows]
    rows += [(s.pk, f"{s.name} ({ServiceStatus(s.status).label.lower()})") for s in found]
    rows.sort(key=lambda row: (row[1].casefold(), row[0]))
    field.widget.choices = [*field.widget.blank, *rows]


class IncidentFieldsForm(forms.ModelForm):
    """The side panel of the agent's ticket page (inline edits via htmx)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Incident
        fields = ["service", "team", "assignee", "impact", "urgency", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _routing_choices(self)
        _offer_own_service(self)


class NewIncidentForm(forms.ModelForm):
    """The console's "New incident": an agent logs one for a requester (a call, a walk-in)."""

    class Meta:
        model = Incident
        fields = [
            "requester",
            "service",
            "title",
            "description",
            "impact",
            "urgency",
            "category",
            "team",
            "assignee",
        ]
        help_texts = {
            "description": "Markdown is supported. What they report, error messages, what was "
            "tried.",
            "team": "Leave team and assignee empty to give it to the service's support team as "
            "a new incident; choosing either assigns it now.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    requester = PersonField(
        label="Requester",
        help_text="Whose incident it is: type a name, username or email and pick the person. "
        "They follow it in the portal and get its emails, and it belongs to their organisation.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].required = True
        self.fields["service"].empty_label = "Choose the affected service…"
        self.fields["team"].empty_label = "The service's support team"
        self.fields["assignee"].empty_label = "Nobody yet"
        _routing_choices(self)  # after the empty labels: the lists are drawn with them


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=50_000, label="Reply"
    )
    internal = forms.BooleanField(required=False, label="Internal note (agents only)")
    attachment = forms.FileField(required=False)


class ResolveForm(forms.Form):
    resolution_code = forms.ChoiceField(choices=[("", "Choose…"), *ResolutionCode.choices])
    resolution_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)


class BulkAssignForm(forms.Form):
    """The queue's bulk assign. Its ids are bulk_team and bulk_assignee: the queue's Team
    filter is id_team already."""

    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = forms.ModelChoiceField(queryset=ticket_workers(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="bulk_%s", **kwargs)
        self.fields["ids"].choices = (
            [(i, i) for i in self.data.getlist("ids")] if hasattr(self.data, "getlist") else []
        )


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (5, "5 · Excellent"),
            (4, "4 · Good"),
            (3, "3 · OK"),
            (2, "2 · Poor"),
            (1, "1 · Bad"),
        ],
        widget=forms.RadioSelect,
        label="How satisfied are you with how we handled this?",
    )
    # Its length limit is survey_answer's (line breaks counted once, as the text box does).
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Anything to add? (optional)",
    )
