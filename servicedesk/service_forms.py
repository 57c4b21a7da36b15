"""The forms service owners and admins use to add and change a service in the browser: its
descriptive fields (never its status, which only the lifecycle buttons move). The views
(servicedesk/service_views.py) hand the cleaned data to actions.service_create /
service_update, which validate it again (the model's full_clean: a name used twice, say) and
audit the write.

Who may is servicedesk.lifecycle.service_may_create / service_may_run, the REST API's rules.
"""

from django import forms
from django.db.models import Q

from core.choice_lists import load_choices
from core.models import Team, User
from servicedesk import catalogue
from servicedesk.actions import SERVICE_FIELDS
from servicedesk.lifecycle import SERVICE_WRITER_ROLES
from servicedesk.models import BusinessCalendar, Service, SLAPolicy
from servicedesk.sla import policy_for

STALE_VERSION_MISSING = (
    "The form did not say which version of the service it was based on, so nothing was "
    "saved. Reload the page and make your change again."
)


def _model_field(name: str, **kwargs) -> forms.Field:
    """The form field the model declares (its length, choices and default kept)."""
    return Service._meta.get_field(name).formfield(**kwargs)


def owners_for(current_owner_id: int | None = None):
    """Who may own a service: active service owners and admins (the roles that can run one),
    and the current owner, so that a save of other fields never drops them."""
    sensible = Q(is_active=True, role__in=SERVICE_WRITER_ROLES)
    if current_owner_id is not None:
        sensible |= Q(pk=current_owner_id)
    return User.objects.filter(sensible).order_by("first_name", "last_name", "username")


class ServiceForm(forms.Form):
    """A service's own fields, named as the model names them, so that the action's errors land
    beside them."""

    name = _model_field("name")
    description = _model_field(
        "description",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the service is for and who uses it; shown on its page and in lists.",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody (only admins run it)",
        help_text="A service owner or an admin. The owner and admins change the service, "
        "take it live and retire it.",
    )
    support_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="None",
        label="Support team",
        help_text="Incidents reported on the service go to this team.",
    )
    criticality = _model_field(
        "criticality", help_text="How much the business depends on it (for reports)."
    )
    sla_policy = forms.ModelChoiceField(
        queryset=SLAPolicy.objects.order_by("name"),
        required=False,
        empty_label="The default policy",
        label="SLA policy",
        help_text="Response and resolution targets of incidents opened from now on.",
    )
    service_hours = forms.ModelChoiceField(
        queryset=BusinessCalendar.objects.none(),
        required=False,
        empty_label="Around the clock (the built-in 24x7)",
        label="Service hours",
        help_text="When the service is agreed to be available: availability counts only "
        "these hours.",
    )

    def __init__(self, *args, service: Service | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners_for(service.owner_id if service else None)
        # The built-in 24x7 row is what the empty choice means: listed only if chosen already.
        hours = Q(is_builtin=False)
        if service is not None and service.service_hours_id:
            hours |= Q(pk=service.service_hours_id)
        self.fields["service_hours"].queryset = BusinessCalendar.objects.filter(hours)

    def show_choices(self) -> None:
        """The four selects filled from one statement (or none, for lists a worker keeps),
        the empty SLA choice naming the default policy: call before rendering; the fields
        still validate against the database."""
        default = catalogue.kept_row("default_policy", lambda: policy_for(None))
        if default is not None:
            self.fields["sla_policy"].empty_label = f"The default policy ({default.name})"
        load_choices(
            *(
                (self.fields[name].queryset, [self.fields[name]])
                for name in ("owner", "support_team", "sla_policy", "service_hours")
            )
        )

    def service_fields(self) -> dict:
        """The cleaned fields as the actions take them (no version)."""
        return {name: self.cleaned_data[name] for name in SERVICE_FIELDS}


def _stored(service: Service, name: str):
    """A field's stored value (a related row's key, not the row: no statement)."""
    return getattr(service, Service._meta.get_field(name).attname)


class ServiceEditForm(ServiceForm):
    """The same fields and the version the edit is based on: a stale one answers 412, a
    missing one 400 (never the current version in its place, which would overwrite whatever
    was saved meanwhile)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": STALE_VERSION_MISSING,
            "invalid": STALE_VERSION_MISSING,
            "min_value": STALE_VERSION_MISSING,
        },
    )

    @classmethod
    def of(cls, service: Service, data=None) -> "ServiceEditForm":
        """The form of `service` as stored (bound to `data` when posted)."""
        initial = {name: _stored(service, name) for name in SERVICE_FIELDS}
        initial["version"] = service.version
        return cls(data, initial=initial, service=service)

    def changes(self, service: Service) -> dict:
        """The fields whose value differs from the service's as stored."""
        out = {}
        for name, value in self.service_fields().items():
            if getattr(value, "pk", value) != _stored(service, name):
                out[name] = value
        return out
