"""The service page's outage forms (record one, edit one); the views hand their cleaned data
to outage_actions."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from servicedesk.choices import OutageKind
from servicedesk.models import Outage
from servicedesk.queries import incidents_visible_to

# The browser's datetime-local input sends wall-clock time without a zone: Django's
# DateTimeField reads it (and shows stored times) in the current time zone, the site's
# TIME_ZONE, the zone every page prints times in. Minutes are what the input offers.
MINUTES = "%Y-%m-%dT%H:%M"


def _datetime_local() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MINUTES)


def to_the_minute(moment: datetime | None) -> datetime | None:
    """What the input shows of a stored time (an unchanged field then reads as unchanged)."""
    return moment.replace(second=0, microsecond=0) if moment else None


class OutageForm(forms.Form):
    """Kind, start, optional end (empty while ongoing), description, optional incident by
    number: an incident the user cannot see is an unknown number."""

    kind = forms.ChoiceField(choices=OutageKind.choices, initial=OutageKind.UNPLANNED)
    started_at = forms.DateTimeField(label="Started at", widget=_datetime_local())
    ended_at = forms.DateTimeField(
        label="Ended at",
        widget=_datetime_local(),
        required=False,
        help_text="Empty while it is ongoing.",
    )
    incident = forms.CharField(
        label="Incident",
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "INC0000042", "autocomplete": "off"}),
        help_text="Optional: the incident it relates to.",
    )
    description = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_incident(self):
        number = self.cleaned_data["incident"].strip().upper()
        if not number:
            return None
        found = incidents_visible_to(self.user).filter(number=number).first()
        if found is None:
            raise ValidationError(f"There is no incident {number}.", code="unknown_incident")
        return found


class OutageEditForm(OutageForm):
    """The same fields, and the version the edit is based on (a stale one answers 412)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @classmethod
    def of(cls, outage: Outage, *, user, data=None) -> "OutageEditForm":
        return cls(
            data,
            user=user,
            initial={
                "kind": outage.kind,
                "started_at": to_the_minute(outage.started_at),
                "ended_at": to_the_minute(outage.ended_at),
                "incident": outage.incident.number if outage.incident else "",
                "description": outage.description,
                "version": outage.version,
            },
        )

    def changes(self) -> dict:
        """The fields the user changed (an untouched time keeps its seconds)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}
