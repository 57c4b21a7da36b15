from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.security import client_ip, is_locked


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
