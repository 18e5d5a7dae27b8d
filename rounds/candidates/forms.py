"""Forms for one candidate's record: the profile, the rows that hang off it, consent, documents.

Field errors come from the model's clean() (email, phone, quiet hours) and from the actions, and
are shown next to the field; nothing typed is lost when a form comes back with errors."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from rounds.accounts.models import User
from rounds.lib import jurisdictions, units
from rounds.lib.contact import format_phone

from .choices import AttachmentKind, Channel, ConsentBasis, EmploymentType, Setting
from .models import (
    Availability,
    Candidate,
    Certification,
    Education,
    Experience,
    Licence,
    Specialty,
)

UUID_RE = re.compile(
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.IGNORECASE
)
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def split_list(text: str) -> list[str]:
    """"a, b\nc" → ["a", "b", "c"]: what people type in a list box, cleaned, order kept."""
    seen, out = set(), []
    for part in re.split(r"[,;\n]", text or ""):
        part = part.strip()
        if part and part.lower() not in seen:
            seen.add(part.lower())
            out.append(part)
    return out


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones()
                   if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return [("", "— from their location —"), *((z, z.replace("_", " ")) for z in zones)]


def referrer_label(candidate: Candidate) -> str:
    """What the referrer box shows for a candidate in the pool: readable, and resolvable."""
    extra = f" · {candidate.email}" if candidate.email else ""
    return f"{candidate.full_name}{extra} — {candidate.uuid}"


class CandidateForm(forms.ModelForm):
    """Create or edit a candidate's profile."""

    specialties_text = forms.CharField(
        label="Specialties", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Comma- or line-separated; the first is the primary specialty.",
    )
    referrer = forms.CharField(
        label="Referred by", required=False, max_length=300,
        help_text="Start typing a candidate in your pool, or write the referrer's name.",
    )
    employment_types = forms.MultipleChoiceField(
        label="Employment types", choices=EmploymentType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    compensation_models = forms.MultipleChoiceField(
        label="Compensation models", required=False, widget=forms.CheckboxSelectMultiple,
    )
    settings = forms.MultipleChoiceField(
        label="Practice settings", choices=Setting.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channel_1 = forms.ChoiceField(label="First choice", required=False)
    channel_2 = forms.ChoiceField(label="Second choice", required=False)
    channel_3 = forms.ChoiceField(label="Third choice", required=False)
    time_zone = forms.ChoiceField(label="Time zone", required=False)
    languages_text = forms.CharField(
        label="Languages", required=False, help_text="Comma-separated, e.g. English, French."
    )
    npi = forms.CharField(
        label="NPI", required=False, max_length=20,
        help_text="US National Provider Identifier, 10 digits (checked).",
    )
    tags_text = forms.CharField(
        label="Tags", required=False, help_text="Comma-separated, e.g. francophone, 2025 fair."
    )

    class Meta:
        model = Candidate
        fields = [
            "first_name", "last_name", "preferred_name", "credentials", "pronouns", "npi",
            "email", "phone", "profession", "headline", "summary", "years_experience",
            "postal_code", "city", "region", "country", "willing_to_relocate",
            "relocation_radius_km", "status", "source", "source_detail",
            "preferred_schedule", "desired_start", "minimum_pay",
            "quiet_hours_start", "quiet_hours_end", "contact_frequency", "owner",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "desired_start": DATE,
            "quiet_hours_start": TIME,
            "quiet_hours_end": TIME,
            "country": forms.TextInput(attrs={"placeholder": "CA", "maxlength": 2}),
            "npi": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }
        labels = {
            "postal_code": "Postal / ZIP code", "region": "Province / state",
            "relocation_radius_km": "Relocation radius (km)", "minimum_pay": "Minimum pay",
            "source_detail": "Source detail", "quiet_hours_start": "Quiet hours from",
            "quiet_hours_end": "Quiet hours until", "contact_frequency": "Contact frequency",
        }
        help_texts = {
            "email": "Checked and normalized when saved.",
            "phone": "Any format; stored as +1 403 555 0142 style (E.164).",
            "country": "Two letters: CA, US, GB.",
            "source_detail": "Which board, event, group or program.",
        }

    # Sections of the form, in order, for the template.
    SECTIONS = [
        ("Identity", ["first_name", "last_name", "preferred_name", "credentials", "pronouns",
                      "npi"]),
        ("Contact", ["email", "phone"]),
        ("Profession", ["profession", "specialties_text", "headline", "summary",
                        "years_experience"]),
        ("Location", ["postal_code", "city", "region", "country", "willing_to_relocate",
                      "relocation_radius_km"]),
        ("Status and source", ["status", "source", "source_detail", "referrer", "owner",
                               "tags_text"]),
        ("Preferences", ["employment_types", "compensation_models", "settings",
                         "preferred_schedule", "desired_start", "minimum_pay"]),
        ("Communication", ["channel_1", "channel_2", "channel_3", "quiet_hours_start",
                           "quiet_hours_end", "time_zone", "contact_frequency",
                           "languages_text"]),
    ]

    def __init__(self, *args, organization_id: int, **kwargs):
        from rounds.accounts.choices import CompensationModel

        super().__init__(*args, **kwargs)
        self.organization_id = organization_id
        self.fields["owner"].queryset = User.objects.filter(
            organization_id=organization_id, is_active=True
        )
        self.fields["compensation_models"].choices = CompensationModel.choices
        channel_choices = [("", "—"), *Channel.choices]
        for name in ("channel_1", "channel_2", "channel_3"):
            self.fields[name].choices = channel_choices
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["phone"].max_length = 40
        # The radius is kept in km and typed in the organization's unit.
        from rounds.accounts.models import Organization

        self.distance_unit = units.distance_unit(
            Organization.objects.only("country", "distance_unit").get(pk=organization_id))
        radius = self.fields["relocation_radius_km"]
        radius.label = f"Relocation radius ({units.UNITS[self.distance_unit]})"
        if self.instance.relocation_radius_km and not self.is_bound:
            self.initial["relocation_radius_km"] = round(
                units.from_km(self.instance.relocation_radius_km, self.distance_unit))
        self.referred_by: Candidate | None = None
        c = self.instance
        if c.pk and not self.is_bound:
            self.initial.update({
                "specialties_text": "\n".join(s.name for s in c.specialties.all()),
                "referrer": referrer_label(c.referred_by) if c.referred_by else c.referrer_name,
                "employment_types": c.preferred_employment_types,
                "compensation_models": c.preferred_compensation_models,
                "settings": c.preferred_settings,
                "time_zone": c.time_zone,
                "languages_text": ", ".join(c.languages or []),
                "tags_text": ", ".join(t.name for t in c.tags.all()),
                "phone": format_phone(c.phone) or c.phone,
            })
            for i, channel in enumerate((c.preferred_channels or [])[:3], start=1):
                self.initial[f"channel_{i}"] = channel

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean_relocation_radius_km(self):
        value = self.cleaned_data.get("relocation_radius_km")
        return None if value is None else round(units.to_km(value, self.distance_unit))

    def clean_region(self):
        return (self.cleaned_data.get("region") or "").strip()

    def clean(self):
        data = super().clean()
        channels = [data.get(f"channel_{i}") for i in (1, 2, 3)]
        chosen = [c for c in channels if c]
        if len(chosen) != len(set(chosen)):
            self.add_error("channel_2", "Each channel can only be chosen once.")
        self.instance.preferred_channels = chosen
        data["preferred_channels"] = chosen
        referrer = (data.get("referrer") or "").strip()
        self.referred_by = None
        if referrer:
            self.referred_by = self._resolve_referrer(referrer)
            if self.referred_by is not None and self.instance.pk == self.referred_by.pk:
                self.add_error("referrer", "A candidate cannot refer themselves.")
        return data

    def _resolve_referrer(self, text: str) -> Candidate | None:
        pool = Candidate.objects.filter(organization_id=self.organization_id).current()
        if m := UUID_RE.search(text):
            found = pool.filter(uuid=m.group(1)).first()
            if found is None:
                self.add_error("referrer", "That candidate is not in your pool.")
            return found
        if "@" in text and " " not in text:
            return pool.filter(email_normalized=text.lower()).first()
        return None

    def candidate_fields(self) -> dict:
        """The model fields, as do_create_candidate / do_update_candidate take them."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.Meta.fields}
        for name in ("first_name", "last_name"):
            fields[name] = (fields[name] or "").strip()
        referrer = (data.get("referrer") or "").strip()
        fields.update(
            referred_by=self.referred_by,
            referrer_name="" if self.referred_by else referrer[:200],
            preferred_employment_types=data.get("employment_types") or [],
            preferred_compensation_models=data.get("compensation_models") or [],
            preferred_settings=data.get("settings") or [],
            preferred_channels=data.get("preferred_channels") or [],
            languages=split_list(data.get("languages_text", "")),
            time_zone=data.get("time_zone") or "",
        )
        return fields

    @property
    def specialties(self) -> list[str]:
        return split_list(self.cleaned_data.get("specialties_text", ""))

    @property
    def tags(self) -> list[str]:
        return split_list(self.cleaned_data.get("tags_text", ""))

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]


# --- The rows that hang off a candidate -----------------------------------------------------

class SpecialtyForm(forms.ModelForm):
    class Meta:
        model = Specialty
        fields = ["name", "code", "is_primary"]
        labels = {"code": "NUCC code", "is_primary": "Primary"}


class LicenceForm(forms.ModelForm):
    class Meta:
        model = Licence
        fields = ["jurisdiction", "licence_type", "number", "status", "issuer", "issued_on",
                  "expires_on"]
        widgets = {"issued_on": DATE, "expires_on": DATE}

    def __init__(self, *args, country: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", "— choose —"),
                                               *jurisdictions.grouped_choices(country)]

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date is before the issue date.")
        return data


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["name", "kind", "issuer", "obtained_on", "expires_on"]
        widgets = {"obtained_on": DATE, "expires_on": DATE}

    def clean(self):
        data = super().clean()
        start, end = data.get("obtained_on"), data.get("expires_on")
        if start and end and end < start:
            self.add_error("expires_on", "The expiry date is before the date obtained.")
        return data


class ExperienceForm(forms.ModelForm):
    therapeutic_areas_text = forms.CharField(
        label="Therapeutic areas", required=False, help_text="Comma-separated (research roles)."
    )
    trial_phases_text = forms.CharField(
        label="Trial phases", required=False, help_text="Comma-separated, e.g. I, II, III."
    )

    class Meta:
        model = Experience
        fields = ["role", "employer", "setting", "location", "start_date", "end_date",
                  "description"]
        widgets = {"start_date": DATE, "end_date": DATE,
                   "description": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return data

    def row_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}
        data["therapeutic_areas"] = split_list(self.cleaned_data.get("therapeutic_areas_text"))
        data["trial_phases"] = split_list(self.cleaned_data.get("trial_phases_text"))
        return data


class EducationForm(forms.ModelForm):
    class Meta:
        model = Education
        fields = ["credential", "institution", "field", "graduation_year"]

    def clean_graduation_year(self):
        year = self.cleaned_data.get("graduation_year")
        if year is not None and not 1940 <= year <= 2100:
            raise ValidationError("Give a four-digit year, e.g. 2012.")
        return year


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = ["start_date", "end_date", "note"]
        widgets = {"start_date": DATE, "end_date": DATE}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return data


# section name in the URL → (model, form, title)
SECTIONS = {
    "specialty": (Specialty, SpecialtyForm, "Specialties"),
    "licence": (Licence, LicenceForm, "Licences"),
    "certification": (Certification, CertificationForm, "Certifications"),
    "experience": (Experience, ExperienceForm, "Experience"),
    "education": (Education, EducationForm, "Education"),
    "availability": (Availability, AvailabilityForm, "Availability"),
}


def row_fields(form: forms.ModelForm) -> dict:
    if hasattr(form, "row_fields"):
        return form.row_fields()
    return {k: v for k, v in form.cleaned_data.items() if k in form.Meta.fields}


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    basis = forms.ChoiceField(choices=ConsentBasis.choices)
    obtained_at = forms.DateTimeField(
        label="Obtained", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now.",
    )
    evidence = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Where and how: the form, the conversation, the page where it was published.",
    )

    def clean(self):
        data = super().clean()
        basis = data.get("basis")
        needs_evidence = (ConsentBasis.EXPRESS, ConsentBasis.PUBLISHED_ADDRESS)
        if basis in needs_evidence and not (data.get("evidence") or "").strip():
            self.add_error("evidence", "Say how consent was given (CASL asks for the evidence).")
        return data


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AttachmentKind.choices, initial=AttachmentKind.CV)
    file = forms.FileField(
        help_text=(
            "PDF, Word, ODT, RTF, text, or a JPG/PNG scan; up to "
            f"{settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.doc,.docx,.odt,.rtf,.txt,.jpg,.jpeg,.png"}
        ),
    )


class AddToJobForm(forms.Form):
    job = forms.ModelChoiceField(queryset=None, empty_label="— choose an open job —")

    def __init__(self, *args, jobs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = jobs
