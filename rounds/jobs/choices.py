from django.db import models

from rounds.candidates.choices import EmploymentType  # one vocabulary for jobs and preferences

__all__ = ["AuditSeverity", "EmploymentType", "JobStatus", "PayPeriod", "RequirementKind"]


class JobStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    ON_HOLD = "on_hold", "On hold"
    FILLED = "filled", "Filled"
    CLOSED = "closed", "Closed"


class PayPeriod(models.TextChoices):
    HOUR = "hour", "per hour"
    DAY = "day", "per day"
    SHIFT = "shift", "per shift"
    MONTH = "month", "per month"
    YEAR = "year", "per year"


class RequirementKind(models.TextChoices):
    LICENCE = "licence", "Licence"
    CERTIFICATION = "certification", "Certification"
    EXPERIENCE = "experience", "Experience"
    EDUCATION = "education", "Education"
    LANGUAGE = "language", "Language"
    SKILL = "skill", "Skill"
    OTHER = "other", "Other"


class AuditSeverity(models.TextChoices):
    """How much a job-description audit finding weighs (rounds.jobs.audit)."""

    REQUIRED = "required", "Required by law here"
    ADVICE = "advice", "Advice"
    NOTE = "note", "Note"
