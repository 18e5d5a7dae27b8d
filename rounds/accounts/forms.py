"""Forms for signing in, invitations, the organization, its employer profile and its sites.

Forms only parse and describe input; the writes and the rules live in actions.py. A
ValidationError from an action is put back on the form with `rounds.lib.forms.add_errors`."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from rounds.lib.units import distance_unit

from .actions import EMPLOYER_PROFILE_FIELDS
from .choices import DistanceUnit, Role
from .models import SESSION_IDLE_MINUTES, SESSION_MAX_HOURS, EmployerProfile, Organization, Site

COUNTRY_CHOICES = [("CA", "Canada"), ("US", "United States"), ("GB", "United Kingdom")]


def _time_zone_choices() -> list[tuple[str, str]]:
    preferred = sorted(z for z in zoneinfo.available_timezones()
                       if z.startswith(("America/", "Europe/London", "Pacific/Honolulu")))
    return [(z, z.replace("_", " ")) for z in preferred]


class LoginForm(AuthenticationForm):
    """Email and password. One message for every failure, so nobody learns which emails exist."""

    username = forms.EmailField(
        label="Email", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": "That email and password don't match an active account. "
                         "Check both and try again.",
        "inactive": "That email and password don't match an active account. "
                    "Check both and try again.",
    }


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email", max_length=254,
        widget=forms.EmailInput(attrs={"placeholder": "name@clinic.example",
                                       "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        choices=Role.choices, initial=Role.RECRUITER,
        help_text="Hiring managers see only the jobs they are on; read-only users change nothing.",
    )


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(
        attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=150, widget=forms.TextInput(
        attrs={"autocomplete": "family-name"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(lambda: " ".join(password_validators_help_texts()), str)(),
    )
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") is not None \
                and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords don't match.")
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class OrganizationForm(forms.ModelForm):
    country = forms.ChoiceField(choices=COUNTRY_CHOICES)
    time_zone = forms.ChoiceField(
        choices=_time_zone_choices, help_text="Used for due dates and quiet hours by default."
    )
    distance_unit = forms.ChoiceField(
        label="Distances in", choices=DistanceUnit.choices, required=False,
        help_text="Used in candidate search and match reasons. Miles suit the US, kilometres "
                  "everywhere else.",
    )

    class Meta:
        model = Organization
        fields = ["name", "country", "time_zone", "distance_unit", "postal_address",
                  "retention_days"]
        labels = {"postal_address": "Postal address for message footers",
                  "retention_days": "Keep inactive candidate data for (days)"}
        widgets = {"retention_days": forms.NumberInput(attrs={"min": 30, "max": 3650})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.distance_unit:
            self.initial["distance_unit"] = distance_unit(self.instance)

    def clean_retention_days(self):
        days = self.cleaned_data["retention_days"]
        if days is not None and not (30 <= days <= 3650):
            raise ValidationError("Keep data between 30 and 3650 days.")
        return days


class EmployerProfileForm(forms.ModelForm):
    class Meta:
        model = EmployerProfile
        fields = list(EMPLOYER_PROFILE_FIELDS)
        labels = {
            "value_proposition": "Value proposition — what's in it for them",
            "overhead_percent": "Overhead (%)",
            "emr": "EMR",
        }
        help_texts = {"overhead_percent": "Share of billings that goes to overhead, 0–100."}
        widgets = {
            "value_proposition": forms.Textarea(attrs={"rows": 3}),
            "compensation_details": forms.Textarea(attrs={"rows": 3}),
            "team_based_care": forms.Textarea(attrs={"rows": 2}),
            "admin_support": forms.Textarea(attrs={"rows": 2}),
            "community_points": forms.Textarea(attrs={"rows": 3}),
            "overhead_percent": forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.5"}),
            "emr": forms.TextInput(attrs={"placeholder": "e.g. Accuro, Med Access, Epic"}),
        }

    def clean_overhead_percent(self):
        pct = self.cleaned_data.get("overhead_percent")
        if pct is not None and not (0 <= pct <= 100):
            raise ValidationError("Overhead is a percentage between 0 and 100.")
        return pct


class SiteForm(forms.ModelForm):
    country = forms.ChoiceField(choices=COUNTRY_CHOICES, initial="CA")

    class Meta:
        model = Site
        fields = ["name", "address_line", "city", "region", "postal_code", "country", "phone",
                  "is_active"]
        labels = {"address_line": "Street address", "region": "Province / state",
                  "is_active": "Active (offered on new jobs)"}
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": "e.g. Red Deer North Clinic"}),
            "postal_code": forms.TextInput(attrs={"placeholder": "T4N 1A1 or 75201"}),
            "region": forms.TextInput(attrs={"placeholder": "AB"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }
        help_texts = {"postal_code": "Places the site on the map for distance matching."}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Token name",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Spreadsheet sync"}),
        help_text="Say what uses it, so you know what breaks when you revoke it.",
    )


# --- sign-in security ----------------------------------------------------------------------------

class CodeForm(forms.Form):
    """A code from the authenticator app (or, at sign-in, a recovery code)."""

    code = forms.CharField(
        label="Code", max_length=40, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "none", "spellcheck": "false"}),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class SignInPolicyForm(forms.ModelForm):
    """The organization's two-factor requirement and session limits."""

    class Meta:
        model = Organization
        fields = ["require_two_factor", "session_idle_minutes", "session_max_hours"]
        widgets = {
            "session_idle_minutes": forms.NumberInput(
                attrs={"min": SESSION_IDLE_MINUTES[0], "max": SESSION_IDLE_MINUTES[1]}),
            "session_max_hours": forms.NumberInput(
                attrs={"min": SESSION_MAX_HOURS[0], "max": SESSION_MAX_HOURS[1]}),
        }
        help_texts = {
            "session_idle_minutes": f"Between {SESSION_IDLE_MINUTES[0]} and "
                                    f"{SESSION_IDLE_MINUTES[1]} (a day). 60 is a safe default.",
            "session_max_hours": f"Between {SESSION_MAX_HOURS[0]} and {SESSION_MAX_HOURS[1]} "
                                 "(a week). 12 is a safe default.",
        }
