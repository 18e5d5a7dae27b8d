"""`manage.py load_demo`: both demo organizations with realistic, complete, deterministic data."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from rounds.accounts.models import EmployerProfile, Organization, Site, User
from rounds.activities.models import Activity
from rounds.candidates.models import (
    Availability,
    Candidate,
    Certification,
    ConsentRecord,
    Education,
    Experience,
    Licence,
)
from rounds.demo import loader
from rounds.demo.catalog import DEMO_PASSWORD, DEMO_SLUGS
from rounds.demo.management.commands.load_demo import Command
from rounds.jobs.models import Job, Requirement
from rounds.pipeline.models import Application, Stage, StageChange

pytestmark = pytest.mark.django_db

SMALL = 150


def load(*args) -> str:
    out = StringIO()
    call_command("load_demo", "--candidates", str(SMALL), *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "orgs": Organization.objects.count(), "users": User.objects.count(),
        "candidates": Candidate.objects.count(), "jobs": Job.objects.count(),
        "applications": Application.objects.count(), "moves": StageChange.objects.count(),
        "activities": Activity.objects.count(), "consents": ConsentRecord.objects.count(),
        "licences": Licence.objects.count(), "sites": Site.objects.count(),
    }


def test_default_demo_is_about_a_thousand_candidates():
    assert loader.DEFAULT_CANDIDATES == 1000
    parser = Command().create_parser("manage.py", "load_demo")
    assert parser.parse_args([]).candidates == 1000


def test_load_demo_on_empty_database_builds_both_orgs_with_complete_pipelines():
    output = load()
    assert "demo@rounds.test" in output and "staffing@rounds.test" in output

    alberta = Organization.objects.get(slug=DEMO_SLUGS[0])
    staffing = Organization.objects.get(slug=DEMO_SLUGS[1])
    assert (alberta.country, alberta.kind) == ("CA", "clinic_group")
    assert (staffing.country, staffing.kind) == ("US", "staffing_firm")

    # Logins work, each organization has every role.
    for org, owner_email in ((alberta, "demo@rounds.test"), (staffing, "staffing@rounds.test")):
        owner = User.objects.get(email=owner_email)
        assert owner.organization == org and owner.role == "admin"
        assert owner.check_password(DEMO_PASSWORD)
        roles = set(User.objects.filter(organization=org).values_list("role", flat=True))
        assert roles == {"admin", "recruiter", "hiring_manager", "read_only"}
    assert User.objects.get(email="viewer@rounds.test").check_password(DEMO_PASSWORD)

    # Employer profile and located sites.
    profile = EmployerProfile.objects.get(organization=alberta)
    assert profile.emr == "Accuro" and "70/30" in profile.compensation_details
    assert profile.value_proposition and profile.team_based_care and profile.community_points
    assert not Site.objects.filter(latitude__isnull=True).exists()
    assert {"Red Deer", "Lethbridge", "Medicine Hat", "Airdrie"} <= set(
        Site.objects.filter(organization=alberta).values_list("city", flat=True))

    # Candidates split between the two, each with a full, valid profile.
    assert Candidate.objects.count() == SMALL
    assert not Candidate.objects.filter(latitude__isnull=True).exists()
    assert not Candidate.objects.filter(search_text="").exists()
    assert set(Candidate.objects.filter(organization=staffing)
               .values_list("country", flat=True)) == {"US"}
    professions = Counter(Candidate.objects.values_list("profession", flat=True))
    assert {"physician", "nurse_practitioner", "registered_nurse"} <= set(professions)
    assert Candidate.objects.filter(source="referral").exclude(
        referred_by__isnull=True, referrer_name="").exists()
    assert Candidate.objects.exclude(preferred_channels=[]).count() == SMALL
    for model in (Licence, Certification, Experience, Education, Availability):
        rows = list(model.objects.all()[:40])
        assert rows, model
        for row in rows:
            row.full_clean(exclude=["organization", "candidate"])
    assert Licence.objects.filter(expires_on__isnull=False).exists()
    assert Experience.objects.exclude(therapeutic_areas=[]).exists() or not Candidate.objects \
        .filter(profession__startswith="clinical_research").exists()
    assert ConsentRecord.objects.values("candidate").distinct().count() == SMALL

    # Jobs with must-haves apart from nice-to-haves, an owner, a hiring team.
    for job in Job.objects.all():
        assert job.owner_id and job.site_id and job.pay_min and job.pay_max
        assert Requirement.objects.filter(job=job, required=True).exists()
        assert Requirement.objects.filter(job=job, required=False).exists()
    manager = User.objects.get(email="manager@rounds.test")
    assert Job.objects.filter(hiring_team=manager).exists()

    # Every stage used in each organization; every move recorded; closures have reasons.
    for org in (alberta, staffing):
        used = set(Application.objects.filter(organization=org).values_list("stage__name",
                                                                             flat=True))
        assert used == set(Stage.objects.filter(organization=org).values_list("name", flat=True))
    for app in Application.objects.select_related("stage").prefetch_related("stage_changes"):
        changes = list(app.stage_changes.all())
        assert changes[0].from_stage_id is None and changes[-1].to_stage_id == app.stage_id
        assert [c.at for c in changes] == sorted(c.at for c in changes)
        if app.stage.needs_reason:
            assert app.disposition_reason and changes[-1].reason

    # Every open application has a next action with a due time and an owner; the Today page of
    # each owner has overdue, due-today and later work.
    now = timezone.now()
    open_apps = Application.objects.open()
    assert open_apps.exists()
    assert not open_apps.filter(next_action="").exists()
    assert not open_apps.filter(next_action_due_at__isnull=True).exists()
    assert not open_apps.filter(owner__isnull=True).exists()
    for email in ("demo@rounds.test", "staffing@rounds.test"):
        mine = open_apps.filter(owner__email=email)
        assert mine.filter(next_action_due_at__lt=now).exists()
        assert mine.filter(next_action_due_at__gt=now).exists()

    # Activities over the past weeks, reflected in last_activity_at.
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert {"note", "call", "meeting", "stage_change"} <= kinds
    assert Activity.objects.filter(kind="call").exclude(outcome="").exists()
    assert not Activity.objects.filter(occurred_at__gt=now).exists()
    for cand in Candidate.objects.filter(applications__isnull=False).distinct():
        assert cand.last_activity_at is not None

    # A second run sees the demo and changes nothing.
    before = snapshot()
    assert "already loaded" in load()
    assert snapshot() == before


def test_reset_reloads_the_same_people():
    load()
    people = sorted(Candidate.objects.values_list("first_name", "last_name", "email",
                                                  "profession", "postal_code"))
    stages = sorted(Application.objects.values_list("candidate__email", "job__title",
                                                    "stage__name"))
    counts = snapshot()
    output = load("--reset")
    assert "Deleted 2 demo organization(s)" in output
    assert snapshot() == counts
    assert sorted(Candidate.objects.values_list("first_name", "last_name", "email",
                                                "profession", "postal_code")) == people
    assert sorted(Application.objects.values_list("candidate__email", "job__title",
                                                  "stage__name")) == stages


def test_the_demo_weights_are_sensible_and_explained(django_capture_on_commit_callbacks):
    """The demo's invented pipeline history does not teach matching (it is no recruiter's
    judgement); the demo's recruiter gives a few thumbs on real matches instead, so its weights
    move a little, well inside the learned bounds, licence and distance keep their weight, and
    every change is explained on the weights page."""
    from rounds.matching.choices import DEFAULT_WEIGHTS, learned_bounds
    from rounds.matching.models import MatchFeedback, MatchWeights, WeightChange

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        load()
    assert not [c for c in callbacks if "learn" in getattr(c, "__qualname__", "")
                or "learn" in repr(getattr(c, "__code__", ""))]
    assert not MatchFeedback.objects.exclude(source__in=["thumbs_up", "thumbs_down"]).exists()
    for org in Organization.objects.filter(slug__in=DEMO_SLUGS):
        weights = MatchWeights.objects.get(organization=org)
        assert weights.signals >= 4
        effective = weights.effective()
        for key, value in effective.items():  # tuned, nowhere near the learned bounds
            low, high = learned_bounds(key)
            assert low + 0.01 < value < high - 0.01, (org.slug, key, value)
        for key in ("licence", "distance"):  # still weigh: no drift towards nothing
            assert effective[key] >= 0.75 * DEFAULT_WEIGHTS[key], (org.slug, key, effective)
        assert WeightChange.objects.filter(organization=org, summary__startswith="Thumbs").exists()


def test_demo_messages_are_from_who_sent_them_in_plain_words():
    """The owner and the recruiter both post and send shifts; every offer is from the one who
    sent it, no configured sender names a person, and the words read right."""
    from rounds.locums.models import Shift, ShiftOffer
    from rounds.outreach.email import email_text
    from rounds.outreach.models import Meeting, Message, MessageTemplate, OutreachSettings

    load()
    alberta = Organization.objects.get(slug=DEMO_SLUGS[0])
    owner = User.objects.get(email="demo@rounds.test")
    assert OutreachSettings.for_org(alberta.pk).sender_name == ""
    posters = set(Shift.objects.filter(organization=alberta).values_list("created_by", flat=True))
    assert owner.pk in posters and len(posters) == 2
    for offer in ShiftOffer.objects.filter(organization=alberta, message__isnull=False
                                           ).select_related("message", "shift"):
        assert offer.message.created_by_id == offer.shift.created_by_id
    owners = Message.objects.filter(organization=alberta, created_by=owner, channel="email",
                                    idempotency_key__startswith="shift:").first()
    text = email_text(owners)
    assert "Dana Whitford at Aspen Ridge Family Health has a locum shift" in text
    assert "Jordan" not in text
    template = MessageTemplate.objects.get(organization=alberta, name__startswith="First touch")
    assert template.subject.startswith("A role at {{ organization.name }}")
    meeting = Meeting.objects.get(organization=alberta)
    assert meeting.title == "Introductory call"
