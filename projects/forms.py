"""HTML forms; views hand their cleaned data to actions."""

from django import forms
from django.db.models import Q

from core.choice_lists import load_choices
from core.models import Team, User
from core.roles import STAFF_ROLES, Role
from projects.choices import CostCategory, MemberRole, RiskResponse, RiskStatus
from projects.models import Task
from servicedesk.choices import Criticality, ImprovementStatus
from servicedesk.models import BusinessCalendar, Improvement, Service, SLAPolicy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _staff():
    return User.objects.filter(role__in=STAFF_ROLES).order_by("first_name", "username")


class ProjectForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    objectives = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    success_criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    lessons_learned = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    sponsor = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    budget = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)
    currency = forms.CharField(max_length=3, initial="EUR")
    planned_start = forms.DateField(widget=DATE, required=False)
    planned_finish = forms.DateField(widget=DATE, required=False)
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    improvement = forms.ModelChoiceField(
        queryset=Improvement.objects.none(),
        required=False,
        help_text="The approved CSI improvement this project delivers.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, from_improvement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = User.objects.filter(
            role__in=[Role.MANAGER, Role.ADMIN, Role.SERVICE_OWNER]
        ).order_by("first_name")
        self.fields["service"].queryset = Service.objects.order_by("name")
        # Carriable ones, and the one the project already carries (implemented at closing).
        current = getattr((self.initial or {}).get("improvement"), "pk", None)
        self.fields["improvement"].queryset = Improvement.objects.filter(
            Q(status__in=[ImprovementStatus.APPROVED, ImprovementStatus.IN_PROGRESS])
            | Q(pk=current)
        ).order_by("title")
        if from_improvement is not None:
            # Started from an improvement: its service and link are fixed; the starter
            # (a service owner or manager) names the project manager.
            del self.fields["service"], self.fields["improvement"], self.fields["lessons_learned"]
            self.fields["manager"] = forms.ModelChoiceField(
                queryset=User.objects.filter(role__in=[Role.PROJECT_MANAGER, Role.ADMIN]).order_by(
                    "first_name", "username"
                )
            )

    def domain_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class TaskForm(forms.Form):
    name = forms.CharField(max_length=200)
    parent = forms.ModelChoiceField(queryset=Task.objects.none(), required=False)
    planned_start = forms.DateField(widget=DATE, required=False)
    planned_finish = forms.DateField(widget=DATE, required=False)
    planned_cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = project.tasks.all()
        self.fields["assignee"].queryset = _staff()
        load_choices((_staff(), [self.fields["assignee"]]))  # kept per worker, sorted by name


class TaskProgressForm(forms.Form):
    percent_complete = forms.IntegerField(min_value=0, max_value=100)
    version = forms.IntegerField()


class DependencyForm(forms.Form):
    predecessor = forms.ModelChoiceField(queryset=Task.objects.none())
    successor = forms.ModelChoiceField(queryset=Task.objects.none())

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("predecessor", "successor"):
            self.fields[name].queryset = project.tasks.all()


class MilestoneForm(forms.Form):
    name = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=DATE)


class MilestoneStatusForm(forms.Form):
    ACTIONS = [("complete", "Complete"), ("waive", "Waive"), ("reschedule", "Reschedule")]
    action = forms.ChoiceField(choices=ACTIONS)
    completed_on = forms.DateField(widget=DATE, required=False)
    due_date = forms.DateField(widget=DATE, required=False)
    waived_reason = forms.CharField(max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "reschedule":
            # The row has one date box (completed_on): to reschedule, it is the new due date.
            data["due_date"] = data.get("due_date") or data.get("completed_on")
            if data["due_date"] is None:
                self.add_error("completed_on", "Give the new due date.")
        return data


class CostEntryForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    incurred_on = forms.DateField(widget=DATE)
    category = forms.ChoiceField(choices=CostCategory.choices)
    task = forms.ModelChoiceField(queryset=Task.objects.none(), required=False)
    description = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = project.tasks.all()


class TimeEntryForm(forms.Form):
    task = forms.ModelChoiceField(queryset=Task.objects.none())
    date = forms.DateField(widget=DATE)
    hours = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0.25, max_value=24)
    hourly_rate = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = project.tasks.all()


class RiskForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    probability = forms.TypedChoiceField(choices=[(i, i) for i in range(1, 6)], coerce=int)
    impact = forms.TypedChoiceField(choices=[(i, i) for i in range(1, 6)], coerce=int)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    response = forms.ChoiceField(choices=RiskResponse.choices)
    response_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    status = forms.ChoiceField(choices=RiskStatus.choices, initial=RiskStatus.OPEN)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()
        load_choices((_staff(), [self.fields["owner"]]))  # kept per worker, sorted by name


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), empty_label="Choose a person")
    role = forms.ChoiceField(choices=MemberRole.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _staff()
        load_choices((_staff(), [self.fields["user"]]))  # kept per worker, sorted by name


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    reason = forms.CharField(max_length=1000, required=False)


class HandoffForm(forms.Form):
    """The handoff editor: an existing service being changed, or a new one described here."""

    TARGETS = [("existing", "a change to an existing service"), ("new", "a new service")]
    target = forms.ChoiceField(choices=TARGETS, widget=forms.RadioSelect, initial="existing")
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    service_name = forms.CharField(max_length=200, required=False, label="New service name")
    service_description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Service description"
    )
    service_owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="New service owner"
    )
    # Empty = the service keeps what it has (a new service: its default); see handoff_terms.
    support_team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="Unchanged / none"
    )
    criticality = forms.TypedChoiceField(
        choices=[("", "Unchanged / medium"), *Criticality.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    sla_policy = forms.ModelChoiceField(
        queryset=SLAPolicy.objects.none(), required=False, empty_label="Unchanged / default policy"
    )
    service_hours = forms.ModelChoiceField(
        queryset=BusinessCalendar.objects.none(),
        required=False,
        empty_label="Unchanged / 24x7",
        help_text="Unchanged keeps the service's hours (a new service runs 24x7); choose 24x7 "
        "to make a service round the clock.",
    )
    go_live_on = forms.DateField(widget=DATE, required=False, label="Go-live date")
    hypercare_days = forms.IntegerField(min_value=1, max_value=365, initial=30)
    documents = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Runbook | https://wiki/runbook"}),
        required=False,
        help_text="One per line: title | link",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = {
            "service": Service.objects.exclude(status="retired"),
            "service_owner": User.objects.filter(role__in=[Role.SERVICE_OWNER, Role.ADMIN]),
            "support_team": Team.objects.all(),
            "sla_policy": SLAPolicy.objects.all(),
            # The built-in 24x7 row is listed: choosing it makes a changed service 24x7.
            "service_hours": BusinessCalendar.objects.all(),
        }
        for name, queryset in choices.items():
            self.fields[name].queryset = queryset  # what a submitted value is checked against
        # Shown sorted by label, the five lists read in one statement.
        load_choices(*((queryset, [self.fields[name]]) for name, queryset in choices.items()))

    @staticmethod
    def initial_for(handoff) -> dict:
        names = [
            "service",
            "service_name",
            "service_description",
            "service_owner",
            "support_team",
            "criticality",
            "sla_policy",
            "service_hours",
            "go_live_on",
            "hypercare_days",
            "version",
        ]
        initial = {name: getattr(handoff, name) for name in names}
        initial["target"] = "new" if handoff.new_service else "existing"
        initial["documents"] = "\n".join(
            f"{d.get('title', '')} | {d.get('url', '')}" for d in handoff.documents or []
        )
        return initial

    def clean_documents(self) -> list[dict]:
        docs = []
        for n, line in enumerate(self.cleaned_data.get("documents", "").splitlines(), start=1):
            if not line.strip():
                continue
            title, sep, url = line.rpartition("|")
            if not sep or not title.strip() or not url.strip():
                raise forms.ValidationError(f"Line {n}: write it as “title | link”.")
            docs.append({"title": title.strip(), "url": url.strip()})
        return docs

    def domain_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["new_service"] = data.pop("target") == "new"
        return data


class ChecklistItemForm(forms.Form):
    label = forms.CharField(max_length=200)


class HandoffDecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("submit", "submit"),
            ("accept", "accept"),
            ("reject", "reject"),
            ("redraft", "redraft"),
        ]
    )
    note = forms.CharField(max_length=5000, required=False)
