from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.params import whole_number
from core.roles import Role
from core.security import client_ip, is_locked
from core.tokens import SERVICE_ROLES


class LoginForm(AuthenticationForm):
    """The login form, telling a locked-out user so instead of 'wrong password'."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and is_locked(username, client_ip(self.request)):
            raise forms.ValidationError(
                "Too many failed logins for this account or address; try again later.",
                code="locked",
            )
        return super().clean()


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Name", help_text="What will use it, e.g. “monitoring”."
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Expires in (days)",
        help_text="Empty: never.",
    )


class ServiceTokenForm(forms.Form):
    """A service token (admins); the rules are core.tokens.service_token_issue's."""

    name = forms.CharField(
        max_length=60,
        label="Name",
        help_text="What will use it, e.g. “erp”: its account is svc-<name>.",
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[(role, Role(role).label) for role in SERVICE_ROLES],
        help_text="What the integration may do.",
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Expires in (days)",
        help_text="Empty: never.",
    )


def one_more_row(data, prefix: str, most: int):
    """A formset's POST with room for one more (empty) row in its `prefix` rows, up to `most`
    (an "Add a row" button without script: the page comes back with the row, saving nothing).
    A broken management form is left as posted, for the formset to report."""
    total = f"{prefix}-TOTAL_FORMS"
    rows = whole_number(data.get(total), max_digits=3)
    if rows is None:
        return data
    data = data.copy()
    data[total] = str(min(rows + 1, most))
    return data
