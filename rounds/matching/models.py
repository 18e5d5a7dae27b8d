"""What matching stores: a derived profile per candidate, an organization's weights, the feedback
that moved them and every change to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import HiringScope, OrgOwned, OrgQuerySet

from .choices import DEFAULT_WEIGHTS, FeedbackSource


class MatchProfile(OrgOwned):
    """What matching knows about one candidate, derived from their record and its rows
    (rounds.matching.profiles). `source_stamp` is the candidate's `updated_at` it was built from:
    when they differ the profile is rebuilt. Multi-valued facts are space-separated tokens so that
    a million rows load quickly into the in-memory index."""

    candidate = models.OneToOneField(
        "candidates.Candidate", on_delete=models.CASCADE, primary_key=True,
        related_name="match_profile",
    )
    source_stamp = models.DateTimeField()
    merged = models.BooleanField(default=False)
    profession = models.CharField(max_length=40, blank=True)
    specialties = models.TextField(blank=True, help_text="Specialty keys, primary first")
    # "CA-AB:a CA-ON:p": a current, p pending or eligible, x lapsed, r revoked or suspended.
    licences = models.TextField(blank=True)
    # "acls:2027-03-01 gcp:": certification key and expiry (empty: none recorded).
    certifications = models.TextField(blank=True)
    therapeutic_areas = models.TextField(blank=True)
    trial_phases = models.TextField(blank=True)
    settings = models.TextField(blank=True, help_text="Settings worked in")
    research_side = models.CharField(max_length=20, blank=True, help_text="site, sponsor or both")
    years_experience = models.PositiveSmallIntegerField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    place = models.CharField(max_length=120, blank=True)
    willing_to_relocate = models.BooleanField(default=False)
    relocation_radius_km = models.PositiveIntegerField(null=True, blank=True)
    preferred_employment_types = models.CharField(max_length=200, blank=True)
    preferred_settings = models.CharField(max_length=300, blank=True)
    preferred_compensation_models = models.CharField(max_length=200, blank=True)
    minimum_pay = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # "2026-12-01/2026-12-14 2027-01-05/2027-01-09"
    availability = models.TextField(blank=True)
    status = models.CharField(max_length=20, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    applications = models.PositiveIntegerField(default=0)
    engaged = models.PositiveIntegerField(default=0, help_text="Applications that reached engaged")
    hired = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "source_stamp"], name="matchprofile_org")]

    def __str__(self) -> str:
        return f"Match profile of candidate {self.candidate_id}"


class MatchWeights(OrgOwned):
    """An organization's weights for the score components (rounds.matching.choices.Component)."""

    weights = models.JSONField(default=dict)
    signals = models.PositiveIntegerField(default=0, help_text="Feedback and outcomes applied")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="match_weights_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Match weights of organization {self.organization_id}"

    def effective(self) -> dict[str, float]:
        """Every component's weight: stored ones, defaults for any the organization never set."""
        return {k: float(self.weights.get(k, v)) for k, v in DEFAULT_WEIGHTS.items()}


class MatchFeedback(OrgOwned):
    """A signal about one match: a recruiter's thumbs up or down, or a pipeline outcome. The
    component scores at that moment are kept, so the weight change it caused can be explained."""

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="match_feedback")
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="match_feedback"
    )
    source = models.CharField(max_length=20, choices=FeedbackSource)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stage_change = models.OneToOneField(
        "pipeline.StageChange", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="match_feedback",
    )
    components = models.JSONField(default=dict)
    score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["job", "candidate"], name="matchfeedback_pair")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} on candidate {self.candidate_id}"


class WeightChangeQuerySet(OrgQuerySet):
    # A change caused by a signal names a job and a candidate: a hiring manager sees only theirs.
    hiring_scope = HiringScope(about="feedback__job")


class WeightChange(OrgOwned):
    """One change of an organization's weights, with its cause, so the UI can show what changed
    and why."""

    source = models.CharField(max_length=20, choices=FeedbackSource)
    feedback = models.ForeignKey(
        MatchFeedback, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    summary = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = WeightChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.summary

    def deltas(self) -> list[tuple[str, float, float, float]]:
        """(component, before, after, change) for the components that moved, biggest first."""
        out = []
        for key in DEFAULT_WEIGHTS:
            b, a = float(self.before.get(key, 0)), float(self.after.get(key, 0))
            if abs(a - b) >= 0.0005:
                out.append((key, b, a, a - b))
        return sorted(out, key=lambda d: -abs(d[3]))
