"""A job from a schema.org JobPosting: matching reads the posting and fills in the new-job
form's starting values, for the recruiter to review before saving. Registered with the job
pages (`rounds.jobs.hooks.set_posting_reader`), which import nothing of matching."""

from __future__ import annotations

from rounds.jobs.choices import EmploymentType, PayPeriod
from rounds.lib import jurisdictions

from . import knowledge
from .posting import read_posting


def read_for_job_form(source) -> tuple:
    """(posting, initial form values); a posting that can't be read raises PostingError (a
    ValueError) saying why."""
    posting = read_posting(source)
    return posting, initial_from_posting(posting)


def initial_from_posting(posting) -> dict:
    """The new-job form's starting values from a read JobPosting (rounds.matching.understand),
    for the recruiter to review before saving."""
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
