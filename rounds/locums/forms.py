"""Forms of the locum pages. The forms parse; the actions (shifts.py, network.py) validate and
write, and their errors land on the same field names."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from rounds.accounts.models import Site
from rounds.candidates.choices import Profession
from rounds.lib import jurisdictions

from .choices import RateUnit, ShiftStatus
from .models import NetworkList
from .shifts import SETTLED_ONCE_OFFERED, site_zone

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.CharField):
    """A date and time as typed in a datetime-local input, kept naive: it is read in the
    chosen site's time zone by the form, not in the server's."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        for fmt in (LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                return datetime.strptime(text.strip(), fmt)
            except ValueError:
                continue
        raise ValidationError("Enter a date and time, e.g. 2026-12-14 08:00.")


class ShiftForm(forms.Form):
    """A shift (or a block of days). Dates and times are in the site's time zone."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None)
    starts_at = LocalDateTimeField(label="Starts", help_text="In the site's time zone.")
    ends_at = LocalDateTimeField(
        label="Ends", help_text="For a block of days, the end of the last day.")
    profession = forms.ChoiceField(choices=Profession.choices, initial=Profession.PHYSICIAN)
    specialty = forms.CharField(
        required=False, max_length=120,
        help_text="E.g. family medicine, emergency medicine, ICU nursing.")
    licence_jurisdiction = forms.ChoiceField(
        label="Licence jurisdiction", required=False,
        choices=[("", "— Not required —"), *jurisdictions.CHOICES],
        help_text="A current licence here is required to be offered the shift.")
    required_credentials = forms.CharField(
        label="Credentials", required=False,
        help_text="Certifications that must be current, separated by commas: ACLS, PALS.")
    rate = forms.DecimalField(required=False, min_value=0, decimal_places=2, max_digits=10,
                              widget=forms.NumberInput(attrs={"step": "any", "min": "0"}))
    rate_unit = forms.ChoiceField(label="Rate unit", choices=RateUnit.choices,
                                  initial=RateUnit.DAY)
    currency = forms.CharField(max_length=3, initial="CAD",
                               widget=forms.TextInput(attrs={"maxlength": 3, "size": 4}))
    terms = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="Call, travel, lodging, overhead.")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lists = forms.ModelMultipleChoiceField(
        label="Send to", queryset=NetworkList.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: the whole network.")
    tiered = forms.BooleanField(
        label="Favourites first", required=False,
        help_text="Favourites hear first; everyone else after the delay if still open.")
    tier_delay_minutes = forms.IntegerField(
        label="Then everyone else after (minutes)", initial=30, min_value=1, max_value=1440)

    def __init__(self, *args, organization, shift=None, settled_locked: bool | None = None,
                 **kwargs):
        """`settled_locked`: show the fields members were told (SETTLED_ONCE_OFFERED) but don't
        take them from the post — by default once the shift is no longer open. A form loaded
        while the shift was open posts them all, and the action refuses the ones that changed
        if it was broadcast meanwhile."""
        self.organization = organization
        if shift is not None:
            zone = site_zone(shift.site)
            kwargs.setdefault("initial", {}).update({
                "site": shift.site_id,
                "starts_at": shift.starts_at.astimezone(zone).strftime(LOCAL_FORMAT),
                "ends_at": shift.ends_at.astimezone(zone).strftime(LOCAL_FORMAT),
                "profession": shift.profession, "specialty": shift.specialty,
                "licence_jurisdiction": shift.licence_jurisdiction,
                "required_credentials": ", ".join(shift.required_credentials or []),
                "rate": shift.rate, "rate_unit": shift.rate_unit, "currency": shift.currency,
                "terms": shift.terms, "notes": shift.notes,
                "lists": [lst.pk for lst in shift.lists.all()],
                "tiered": shift.tiered, "tier_delay_minutes": shift.tier_delay_minutes,
            })
        super().__init__(*args, **kwargs)
        self.shift = shift
        sites = Site.objects.filter(organization=organization, is_active=True)
        if shift is not None:  # its own site stays, even if deactivated since
            sites = Site.objects.filter(organization=organization).filter(
                Q(is_active=True) | Q(pk=shift.site_id))
        self.fields["site"].queryset = sites.select_related("organization")
        self.fields["lists"].queryset = NetworkList.objects.filter(organization=organization)
        if not self.fields["lists"].queryset.exists():
            del self.fields["lists"]  # no lists yet: it goes to the whole network
        self.fields["licence_jurisdiction"].choices = [
            ("", "— Not required —"), *jurisdictions.grouped_choices(organization.country)]
        if shift is None:
            self.initial.setdefault("currency", "USD" if organization.country == "US" else "CAD")
        if settled_locked is None:
            settled_locked = shift is not None and shift.status != ShiftStatus.OPEN
        if settled_locked:
            # Members have its details: only the terms and notes may change (shifts.py says
            # why); the rest is shown, not editable.
            for name in SETTLED_ONCE_OFFERED:
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        site = data.get("site")
        if site is not None:
            zone = site_zone(site)
            for name in ("starts_at", "ends_at"):
                if isinstance(data.get(name), datetime):
                    data[name] = data[name].replace(tzinfo=zone)
                    stored = getattr(self.shift, name, None)
                    # The form shows whole minutes: the same minute is the stored time
                    # (seconds from the API are not a change).
                    if stored is not None and data[name] == stored.replace(second=0,
                                                                           microsecond=0):
                        data[name] = stored
        return data

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "site": data["site"], "starts_at": data["starts_at"], "ends_at": data["ends_at"],
            "profession": data["profession"], "specialty": data["specialty"],
            "licence_jurisdiction": data["licence_jurisdiction"],
            "required_credentials": data["required_credentials"],
            "rate": data["rate"], "rate_unit": data["rate_unit"], "currency": data["currency"],
            "terms": data["terms"], "notes": data["notes"], "lists": list(data.get("lists", ())),
            "tiered": data["tiered"], "tier_delay_minutes": data["tier_delay_minutes"],
        }


class NetworkListForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="E.g. AB family physicians.")
    description = forms.CharField(max_length=300, required=False)


class MemberForm(forms.Form):
    """A member's lists, favourite star and vouch note, and their fatigue settings (what the
    member asked for, recorded by a recruiter on their behalf)."""

    lists = forms.ModelMultipleChoiceField(
        queryset=NetworkList.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    is_favourite = forms.BooleanField(
        label="Favourite", required=False,
        help_text="Favourites hear about shifts first when a broadcast is tiered.")
    vouch_note = forms.CharField(max_length=300, required=False, label="Vouch note",
                                 help_text="Who knows their work.")
    weekly_offer_cap = forms.IntegerField(
        label="Most offers a week", required=False, min_value=1, max_value=50,
        help_text="What the member asked for; empty for no cap.")
    muted_lists = forms.ModelMultipleChoiceField(
        label="Muted lists", queryset=NetworkList.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The member doesn't want offers sent to these lists.")

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault("initial", {}).update({
            "lists": [lst.pk for lst in member.lists.all()],
            "muted_lists": [lst.pk for lst in member.muted_lists.all()],
            "is_favourite": member.is_favourite, "vouch_note": member.vouch_note,
            "weekly_offer_cap": member.weekly_offer_cap,
        })
        super().__init__(*args, **kwargs)
        lists = NetworkList.objects.filter(organization_id=member.organization_id)
        self.fields["lists"].queryset = lists
        self.fields["muted_lists"].queryset = lists
