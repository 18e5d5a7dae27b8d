from django import forms

from rounds.accounts.models import Site, User
from rounds.lib import jurisdictions

from .actions import check_job_fields, default_value_proposition, parse_requirement_lines
from .choices import JobStatus
from .models import Job

JOB_FIELDS = [
    "title", "site", "profession", "specialty", "specialty_code", "employment_type", "setting",
    "licence_jurisdiction", "description", "value_proposition", "pay_min", "pay_max",
    "pay_currency", "pay_period", "openings", "status", "start_date", "end_date", "owner",
    "benefits", "apply_by", "vacancy_exists", "ai_screening",
]


def _yes_no_unsaid():
    widget = forms.NullBooleanSelect()
    widget.choices = [("unknown", "— Not said —"), ("true", "Yes"), ("false", "No")]
    return widget


class JobForm(forms.ModelForm):
    """A requisition. Must-haves and nice-to-haves are two separate lists, one per line."""

    licence_jurisdiction = forms.ChoiceField(
        label="Licence jurisdiction", required=False,
        choices=[("", "— Any / not applicable —"), *jurisdictions.CHOICES],
        help_text="Where the candidate must be licensed to practise.",
    )
    must_haves = forms.CharField(
        label="Must-haves", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line. Only what the role truly needs: a missing must-have rules a "
                  "candidate out.",
    )
    nice_to_haves = forms.CharField(
        label="Nice-to-haves", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line. These rank candidates; nobody is dropped for lacking one.",
    )
    hiring_team = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Hiring managers see and work only the jobs they are on.",
    )
    published_on = forms.CharField(
        label="Published on", required=False,
        help_text="Where it is posted, separated by commas: career site, Indeed, CMA Careers…",
    )
    override_reason = forms.CharField(
        label="Reason for publishing anyway", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Owners and admins only; kept in the audit log with the rules overridden.",
    )

    class Meta:
        model = Job
        fields = JOB_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "value_proposition": forms.Textarea(attrs={"rows": 3}),
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "pay_min": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "pay_max": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "pay_currency": forms.TextInput(attrs={"maxlength": 3, "size": 4}),
            "benefits": forms.Textarea(attrs={"rows": 2}),
            "apply_by": forms.DateInput(attrs={"type": "date"}),
            "vacancy_exists": _yes_no_unsaid(),
            "ai_screening": _yes_no_unsaid(),
        }
        labels = {
            "specialty_code": "NUCC taxonomy code", "pay_min": "Pay from", "pay_max": "Pay to",
            "pay_currency": "Currency", "pay_period": "Pay period",
        }

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        users = User.objects.filter(organization=organization, is_active=True)
        self.fields["site"].queryset = Site.objects.filter(organization=organization)
        self.fields["owner"].queryset = users
        self.fields["hiring_team"].queryset = users
        self.fields["specialty_code"].help_text = "Optional, e.g. 207Q00000X (family medicine)."
        self.fields["status"].choices = JobStatus.choices
        self.fields["licence_jurisdiction"].choices = [
            ("", "— Any / not applicable —"),
            *jurisdictions.grouped_choices(getattr(organization, "country", ""))]
        if self.instance.pk:
            reqs = list(self.instance.requirements.all())
            self.initial.setdefault(
                "must_haves", "\n".join(r.text for r in reqs if r.required))
            self.initial.setdefault(
                "nice_to_haves", "\n".join(r.text for r in reqs if not r.required))
            self.initial.setdefault("hiring_team", list(self.instance.hiring_team.all()))
            self.initial.setdefault("published_on", ", ".join(self.instance.published_on or []))
        else:
            self.initial.setdefault("value_proposition", default_value_proposition(organization.pk))
            self.initial.setdefault(
                "pay_currency", "USD" if organization.country == "US" else "CAD")

    SECTIONS = {
        "role": ["title", "site", "profession", "specialty", "specialty_code", "employment_type",
                 "setting", "licence_jurisdiction", "openings", "start_date", "end_date"],
        "requirements": ["must_haves", "nice_to_haves"],
        "text": ["description", "value_proposition"],
        "pay": ["pay_min", "pay_max", "pay_currency", "pay_period", "benefits"],
        "posting": ["apply_by", "vacancy_exists", "ai_screening"],
        "people": ["status", "owner", "hiring_team", "published_on"],
    }

    def section(self, name: str) -> list:
        return [self[f] for f in self.SECTIONS[name]]

    @property
    def role_fields(self):
        return self.section("role")

    @property
    def requirement_fields(self):
        return self.section("requirements")

    @property
    def text_fields(self):
        return self.section("text")

    @property
    def pay_fields(self):
        return self.section("pay")

    @property
    def people_fields(self):
        return self.section("people")

    @property
    def posting_fields(self):
        return self.section("posting")

    def draft_job(self, instance: Job | None = None) -> Job:
        """An unsaved Job with what was typed (the fields that validated), for the audit to
        read while the recruiter edits; nothing is saved."""
        data = getattr(self, "cleaned_data", {})
        job = Job(organization=self.organization)
        if instance is not None:
            for f in JOB_FIELDS:
                setattr(job, f, getattr(instance, f))
        for f in JOB_FIELDS:
            if f in data:
                value = data[f]
                if f in ("licence_jurisdiction", "setting") and value is None:
                    value = ""
                setattr(job, f, value)
        return job

    def clean_pay_currency(self):
        return (self.cleaned_data.get("pay_currency") or "").strip().upper()

    def clean_published_on(self):
        raw = self.cleaned_data.get("published_on") or ""
        return [p.strip()[:80] for p in raw.split(",") if p.strip()]

    def clean_must_haves(self):
        return parse_requirement_lines(self.cleaned_data.get("must_haves", ""))

    def clean_nice_to_haves(self):
        return parse_requirement_lines(self.cleaned_data.get("nice_to_haves", ""))

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                check_job_fields(
                    self.organization.pk,
                    {k: data.get(k) for k in ("pay_min", "pay_max", "pay_currency", "start_date",
                                              "end_date")},
                )
            except forms.ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for m in messages:
                        self.add_error(field, m)
        must = {t.lower() for t in data.get("must_haves") or []}
        both = [t for t in data.get("nice_to_haves") or [] if t.lower() in must]
        if both:
            self.add_error("nice_to_haves",
                           f"“{both[0]}” is already a must-have; keep it in one list only.")
        return data

    def _post_clean(self):
        # The model's pay-range constraint is checked by check_job_fields with a clearer message.
        pass

    def action_kwargs(self) -> dict:
        data = self.cleaned_data
        fields = {f: data.get(f) for f in JOB_FIELDS}
        fields["benefits"] = fields["benefits"] or ""
        fields["licence_jurisdiction"] = fields["licence_jurisdiction"] or ""
        fields["setting"] = fields["setting"] or ""
        fields["published_on"] = data["published_on"]
        return {
            **fields, "must_haves": data["must_haves"], "nice_to_haves": data["nice_to_haves"],
            "hiring_team": list(data["hiring_team"]),
        }


class JobFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title"}))
    status = forms.ChoiceField(required=False,
                               choices=[("", "Any status"), ("active", "Open or on hold"),
                                        *JobStatus.choices])
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False,
                                  empty_label="Any site")
    profession = forms.ChoiceField(required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        from rounds.candidates.choices import Profession

        self.fields["site"].queryset = Site.objects.filter(organization=organization)
        self.fields["profession"].choices = [("", "Any profession"), *Profession.choices]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=JobStatus.choices)


POSTING_MAX_BYTES = 1_000_000
POSTING_EXTENSIONS = (".json", ".jsonld", ".html", ".htm")


class PostingForm(forms.Form):
    """A schema.org JobPosting to start a new job from: pasted JSON-LD, or a .json/.html file."""

    posting = forms.CharField(
        label="JobPosting JSON-LD", required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false",
                                     "placeholder": '{"@context": "https://schema.org", '
                                                    '"@type": "JobPosting", "title": …}'}),
        help_text="Paste the JSON from the posting's <script type=\"application/ld+json\"> "
                  "block, or the whole HTML page.",
    )
    file = forms.FileField(
        label="…or upload a file", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(POSTING_EXTENSIONS)}),
        help_text="A .json or .html file of at most 1 MB, e.g. a job page saved from a browser.",
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        text = (data.get("posting") or "").strip()
        if upload:
            name = upload.name.lower()
            if not name.endswith(POSTING_EXTENSIONS):
                self.add_error("file", "Choose a .json or .html file.")
                return data
            if upload.size > POSTING_MAX_BYTES:
                self.add_error("file", "That file is over 1 MB; a job posting is far smaller.")
                return data
            data["source"] = upload.read()
        elif text:
            data["source"] = text
        elif not self.errors:
            self.add_error("posting", "Paste a JobPosting or choose a file.")
        return data


def initial_from_posting(posting) -> dict:
    """The new-job form's starting values from a read JobPosting (rounds.matching.understand),
    for the recruiter to review before saving."""
    from rounds.matching import knowledge

    from .choices import EmploymentType, PayPeriod

    reading = posting.reading
    initial = {"title": posting.title[:200], "description": posting.description}
    if reading.profession:
        initial["profession"] = reading.profession
    info = knowledge.specialty(reading.specialties[0]) if reading.specialties else None
    if info is not None:
        initial["specialty"] = info.name[:120]
        initial["specialty_code"] = info.nucc[0] if info.nucc else ""
    if posting.employment_type in EmploymentType.values:
        initial["employment_type"] = posting.employment_type
    if reading.settings:
        initial["setting"] = reading.settings[0]
    code = reading.jurisdictions[0] if reading.jurisdictions else None
    if code is None and posting.region:
        code = jurisdictions.normalize(posting.region, posting.country or "")
    if code:
        initial["licence_jurisdiction"] = code
    for field in ("pay_min", "pay_max"):
        if getattr(posting, field) is not None:
            initial[field] = getattr(posting, field)
    if posting.pay_currency:
        initial["pay_currency"] = posting.pay_currency.upper()[:3]
    if posting.pay_period in PayPeriod.values:
        initial["pay_period"] = posting.pay_period
    # schema.org's jobStartDate, when the reading carries it (validThrough is the closing date
    # of the advert, not of the work).
    for field in ("start_date", "end_date"):
        if getattr(posting, field, None):
            initial[field] = getattr(posting, field)
    return initial
