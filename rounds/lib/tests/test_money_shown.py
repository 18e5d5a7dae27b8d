"""Rates and pay are written one way wherever a person reads them (rounds.lib.money): the
shift list and page, the member's offer page, the job list and page."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from rounds.accounts.models import Site
from rounds.jobs.models import Job
from rounds.locums.models import Shift


def test_shift_pages_show_the_rate_as_money(org, recruiter, login):
    start = (timezone.now() + timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    site = Site.objects.create(
        organization=org,
        name="Red Deer Clinic",
        city="Red Deer",
        region="AB",
        country="CA",
        time_zone="America/Edmonton",
    )
    shift = Shift.objects.create(
        organization=org,
        site=site,
        starts_at=start,
        ends_at=start + timedelta(hours=9),
        profession="physician",
        rate=Decimal("1900.00"),
        currency="CAD",
        rate_unit="day",
        created_by=recruiter,
    )
    client = login(recruiter)
    assert (
        "$1,900 CAD per day"
        in client.get(reverse("locums:shift", args=[shift.uuid])).content.decode()
    )
    assert "$1,900 CAD per day" in client.get(reverse("locums:shifts")).content.decode()


def test_job_pages_show_the_pay_range_as_money(org, recruiter, login):
    job = Job.objects.create(
        organization=org,
        title="Family physician",
        profession="physician",
        pay_min=Decimal("280000"),
        pay_max=Decimal("420000"),
        pay_currency="CAD",
        pay_period="year",
    )
    assert job.pay_display == "$280,000–$420,000 CAD per year"
    client = login(recruiter)
    assert (
        "$280,000–$420,000 CAD per year"
        in client.get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    )
