"""Load the demo: an Alberta family-medicine group and a Texas medical staffing firm, each with
users, an employer profile, sites, jobs, about half a thousand candidates with full profiles,
pipelines with applications in every stage, activities and next actions due.

Records are made through the real actions (organizations, sites, candidates, consent, jobs,
pipeline moves) so they look exactly like what users create; the rows that hang off a candidate
and the timeline activities are bulk-created for speed. Random choices are seeded; dates are
relative to "now". The caller owns the transaction (the management command wraps it)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from rounds.accounts.actions import (
    do_create_organization,
    do_create_site,
    do_update_employer_profile,
    employer_profile_for,
)
from rounds.accounts.models import Organization, User
from rounds.activities.choices import ActivityKind, CallOutcome
from rounds.activities.models import Activity
from rounds.candidates.actions import do_create_candidate, do_record_consent, refresh_search_text
from rounds.candidates.models import (
    Availability,
    Candidate,
    Certification,
    Education,
    Experience,
    Licence,
)
from rounds.jobs.actions import do_create_job
from rounds.jobs.models import Job
from rounds.lib.codes import licence_key
from rounds.pipeline.actions import do_add_to_pipeline, do_move_application
from rounds.pipeline.models import Application, Stage, StageChange

from . import profiles
from .catalog import DEMO_EMAILS, DEMO_PASSWORD, DEMO_SLUGS, ORGANIZATIONS
from .people import candidate_rows

DEFAULT_CANDIDATES = 1000
VIA = "cli"

# How often each stage is the one an application sits in now (every stage is used at least once).
STAGE_WEIGHTS = {
    "Sourced": 20, "Contacted": 17, "Engaged": 12, "Screened": 10,
    "Interview / site visit": 8, "Offer": 4, "Hired": 3, "Started": 3,
    "Rejected": 15, "Withdrawn": 7,
}
ACTIVE_PATH = ["Sourced", "Contacted", "Engaged", "Screened", "Interview / site visit", "Offer"]
REJECT_REASONS = [
    ("not_qualified", "No current licence in the jurisdiction and no plan to apply."),
    ("licensure", "CPSA/board timeline runs past the start date."),
    ("compensation", "Expects more than the range for this role."),
    ("location", "Won't relocate; commute over 2 hours."),
    ("fit", "Wants procedural/ER work this role doesn't offer."),
    ("position_filled", "Filled by an earlier candidate; keep warm for the next opening."),
    ("no_response", "Five touches over three weeks, no reply."),
]
WITHDRAW_REASONS = [
    ("other_offer", "Accepted a position closer to family."),
    ("family", "Spouse's job transfer fell through; staying put this year."),
    ("timing", "Wants to finish the current contract first — revisit in 6 months."),
    ("compensation", "Counter-offer from current employer."),
    ("location", "Decided against moving the kids mid-school-year."),
]
NEXT_ACTIONS = {
    "Sourced": ["Send a personal note: you, or someone you know?",
                "Text a short intro about the {site} opening",
                "Ask {referrer} for a warm introduction"],
    "Contacted": ["Follow up by text if no reply", "Try a call over lunch (12:15)",
                  "Second touch: share the value proposition one-pager"],
    "Engaged": ["Book a 15-minute call", "Send compensation summary and overhead details",
                "Answer questions about call schedule"],
    "Screened": ["Arrange site visit to {site}", "Check two references",
                 "Verify licence and board status"],
    "Interview / site visit": ["Debrief with the hiring team", "Send community info pack for "
                               "the spouse", "Plan the second visit with the family"],
    "Offer": ["Follow up on the offer — decision due Friday", "Start licensing and "
              "credentialing paperwork", "Confirm start date and orientation"],
}
NOTES = [
    "Prefers texts during clinic hours; calls after 6 pm.",
    "Partner is a teacher — asked about school-board openings.",
    "Wants predictable call, no more than 1 in 6.",
    "Asked about overhead cap and billing support; sent the summary.",
    "Interested in teaching residents; mention the U of C affiliation.",
    "Licence renewal due soon — remind to upload the new certificate.",
    "Kids in hockey; asked about arenas and commute times.",
    "Strong references from last locum; would rebook.",
    "Open to a rural rotation one week a month.",
    "Would consider part-time to start, full-time in a year.",
]
CALL_BODIES = {
    CallOutcome.CONNECTED: ["Good first call: likes the team model, wants panel details.",
                            "Talked through compensation; follow up with the FFS numbers.",
                            "Confirmed availability and licence status."],
    CallOutcome.LEFT_VOICEMAIL: ["Left voicemail; will follow up by text."],
    CallOutcome.NO_ANSWER: ["No answer; try again tomorrow at lunch."],
    CallOutcome.CALL_BACK: ["Asked to call back after clinic, around 5:30."],
    CallOutcome.NOT_INTERESTED: ["Not looking this year; OK to check in next spring."],
    CallOutcome.SCHEDULED: ["Booked a video call with the medical director."],
}
MEETINGS = ["Video call with the medical director", "Site visit and clinic tour",
            "Coffee chat at the conference", "Panel interview", "Family visit: schools and "
            "neighbourhoods tour"]
REFERRERS = {
    "CA": ["Dr. Priya Sharma (Red Deer site)", "Dr. Liam O'Brien (Beltline)",
           "Harpreet Gill, RN (Crowfoot)", "Dr. Mei Chen (former locum)",
           "Alberta RhPAP community attraction team"],
    "US": ["Dr. Rosa Martínez (placed 2023)", "Kwame Mensah, CRNA", "Dr. Ethan Walsh",
           "Maricel Santos, RN (travel nurse)", "Texas Rural Health Association contact"],
}


@dataclass
class Summary:
    organizations: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    stages: Counter = field(default_factory=Counter)
    next_actions: Counter = field(default_factory=Counter)


def demo_exists() -> bool:
    return (Organization.objects.filter(slug__in=DEMO_SLUGS).exists()
            or User.objects.filter(email__in=DEMO_EMAILS).exists())


def delete_demo() -> int:
    """Delete the demo organizations with everything in them, and the demo users. Applications,
    jobs and outreach go first: stages, sites, templates and users are protected from deletion
    while in use."""
    orgs = list(Organization.objects.filter(slug__in=DEMO_SLUGS))
    ids = [o.pk for o in orgs]
    Application.objects.filter(organization_id__in=ids).delete()
    Job.objects.filter(organization_id__in=ids).delete()
    from rounds.locums.models import Shift
    from rounds.outreach.models import Campaign, Sequence
    from rounds.scheduling.models import Meeting

    # Templates are protected while a sequence or campaign uses them; organizers while they
    # have meetings; sites while they have shifts.
    for model in (Meeting, Sequence, Campaign, Shift):
        model.objects.filter(organization_id__in=ids).delete()
    for org in orgs:
        org.delete()
    User.objects.filter(Q(email__in=DEMO_EMAILS) | Q(organization_id__in=ids)).delete()
    return len(orgs)


def load(*, candidates: int = DEFAULT_CANDIDATES) -> Summary:
    """Create both demo organizations. Assumes none exists (see demo_exists)."""
    summary = Summary()
    password = make_password(DEMO_PASSWORD)
    remaining = candidates
    for i, spec in enumerate(ORGANIZATIONS):
        n = remaining if i == len(ORGANIZATIONS) - 1 else round(candidates * spec["share"])
        remaining -= n
        loader = _OrgLoader(spec, n, password, summary)
        from rounds.matching.tasks import learning_paused

        with learning_paused():  # an invented pipeline history is no recruiter's judgement
            loader.run()
        # Match profiles now, so the first Matches tab doesn't compute them.
        from rounds.matching.profiles import refresh_organization

        summary.counts["match profiles"] += refresh_organization(loader.org.pk)
        from rounds.demo import matching

        summary.counts["match signals"] += matching.load(loader)
    return summary


class _OrgLoader:
    def __init__(self, spec: dict, n_candidates: int, password_hash: str, summary: Summary):
        self.spec = spec
        self.n = n_candidates
        self.password_hash = password_hash
        self.summary = summary
        self.rng = random.Random(f"rounds-demo:{spec['slug']}")
        self.now = timezone.now()
        self.tz = ZoneInfo(spec["time_zone"])
        self.today = timezone.localtime(self.now, self.tz).date()
        self.last_activity: dict[int, datetime] = {}
        self.created_at: dict[int, datetime] = {}

    # --- organization, people who work there --------------------------------------------------

    def run(self) -> None:
        spec = self.spec
        email, first, last, title = spec["owner"]
        self.org, self.owner = do_create_organization(
            name=spec["name"], slug=spec["slug"], owner_email=email,
            owner_password=DEMO_PASSWORD, owner_first_name=first, owner_last_name=last,
            kind=spec["kind"], country=spec["country"], time_zone=spec["time_zone"],
            postal_address=spec["postal_address"],
        )
        self.owner.title = title
        self.owner.save(update_fields=["title"])
        self.users = {"admin": self.owner}
        for email, role, first, last, title in spec["users"]:
            self.users[role] = User.objects.create(
                username=email, email=email, password=self.password_hash, first_name=first,
                last_name=last, organization=self.org, role=role, title=title,
            )
        self.recruiter = self.users["recruiter"]
        self.manager = self.users["hiring_manager"]
        profile = employer_profile_for(self.org.pk)
        fields = dict(spec["profile"])
        if fields.get("overhead_percent"):
            fields["overhead_percent"] = Decimal(fields["overhead_percent"])
        do_update_employer_profile(profile, actor=self.owner, **fields)
        self.sites = {}
        for site in spec["sites"]:
            created, _place = do_create_site(self.org.pk, actor=self.owner,
                                             country=spec["country"], **site)
            self.sites[created.name] = created
        self.stages = {s.name: s for s in Stage.objects.filter(organization=self.org)}
        self._jobs()
        self._candidates()
        self._pipelines()
        self._activities()
        self._finish()
        from rounds.demo import locums, outreach

        self.summary.counts.update(outreach.load(self))
        self.summary.counts.update(locums.load(self))
        self.summary.organizations.append(self.org.name)
        self.summary.counts["users"] += len(self.users)
        self.summary.counts["sites"] += len(self.sites)

    def _jobs(self) -> None:
        self.jobs: list[Job] = []
        for k, j in enumerate(self.spec["jobs"]):
            pay_min, pay_max, period = j["pay"]
            team = [self.manager] if j.get("team") else []
            if k % 3 == 0:
                team.append(self.recruiter)
            job = do_create_job(
                self.org.pk, actor=self.owner, via=VIA,
                must_haves=j["must"], nice_to_haves=j["nice"], hiring_team=team,
                title=j["title"], site=self.sites[j["site"]], profession=j["profession"],
                specialty=j["specialty"], employment_type=j["employment_type"],
                setting=j.get("setting", ""),
                licence_jurisdiction=j.get("licence_jurisdiction", ""),
                description=j["description"], pay_min=Decimal(str(pay_min)),
                pay_max=Decimal(str(pay_max)), pay_currency=self.spec["currency"],
                pay_period=period, openings=j.get("openings", 1),
                status=j.get("status", "open"),
                owner=self.recruiter if k % 2 == 0 else self.owner,
                opened_at=self.now - timedelta(days=self.rng.randint(10, 80)),
                start_date=self.today + timedelta(days=self.rng.choice((30, 45, 60, 90, 120))),
                published_on=["career_site"] + (["job_board"] if k % 2 else []),
            )
            self.jobs.append(job)
        self.summary.counts["jobs"] += len(self.jobs)

    # --- candidates -----------------------------------------------------------------------------

    def _candidates(self) -> None:
        spec, rng = self.spec, self.rng
        allowed = spec["professions"]
        rows = []
        for row in candidate_rows(self.n * 3 + 50, seed=spec["people_seed"],
                                  country=spec["people_country"]):
            if allowed is None or row["profession"] in allowed:
                rows.append(row)
                if len(rows) == self.n:
                    break
        recruiters = [self.owner, self.recruiter]
        self.candidates: list[Candidate] = []
        children = defaultdict(list)
        self.notes: list[tuple[Candidate, str]] = []
        for row in rows:
            p = profiles.build(row, rng, today=self.today, now=self.now)
            fields = p.fields
            if fields["source"] == "referral":
                if self.candidates and rng.random() < 0.5:
                    fields["referred_by"] = rng.choice(self.candidates)
                else:
                    fields["referrer_name"] = rng.choice(REFERRERS[row["country"]])
                fields["source_detail"] = ""
            created = self.now - timedelta(days=rng.randint(20, 700), hours=rng.randint(0, 23))
            fields["created_at"] = created
            candidate = do_create_candidate(
                self.org.pk, actor=rng.choice(recruiters), specialties=p.specialties,
                tags=p.tags, via=VIA, owner=rng.choice(recruiters), **fields,
            )
            self.created_at[candidate.pk] = created
            self.candidates.append(candidate)
            common = {"organization_id": self.org.pk, "candidate": candidate}
            children[Licence] += [Licence(**common, **x, number_key=licence_key(x["number"]))
                                  for x in p.licences]  # bulk_create skips save()
            children[Certification] += [Certification(**common, **x) for x in p.certifications]
            children[Experience] += [Experience(**common, **x) for x in p.experiences]
            children[Education] += [Education(**common, **x) for x in p.education]
            children[Availability] += [Availability(**common, **x) for x in p.availability]
            for consent in p.consents:
                consent["obtained_at"] = min(
                    max(consent["obtained_at"], created + timedelta(hours=1)), self.now)
                do_record_consent(candidate, actor=self.recruiter, via=VIA, **consent)
            self.summary.counts["consent records"] += len(p.consents)
            if p.note:
                self.notes.append((candidate, p.note))
        for model, objs in children.items():
            model.objects.bulk_create(objs, batch_size=500)
            self.summary.counts[model._meta.verbose_name_plural] += len(objs)
        self.summary.counts["candidates"] += len(self.candidates)

    # --- pipelines ------------------------------------------------------------------------------

    def _pick_stages(self, slots: list[tuple[Job, Candidate]]) -> list[str]:
        rng = self.rng
        names, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
        picked = []
        for job, _cand in slots:
            stage = rng.choices(names, weights)[0]
            if stage in ("Hired", "Started") and job.openings < 2:
                stage = rng.choice(("Offer", "Interview / site visit", "Rejected"))
            picked.append(stage)
        # Every stage shows up in every organization, hires in jobs with room for them.
        for stage in names:
            if stage in picked:
                continue
            counts = Counter(picked)
            choices = [i for i, (job, _c) in enumerate(slots)
                       if counts[picked[i]] > 1
                       and (stage not in ("Hired", "Started") or job.openings > 1)]
            if choices:
                picked[rng.choice(choices)] = stage
        return picked

    def _pipelines(self) -> None:
        rng = self.rng
        scale = min(1.0, len(self.candidates) / 500)
        by_prof = defaultdict(list)
        for c in self.candidates:
            if c.status != "do_not_contact":
                by_prof[c.profession].append(c)
        slots: list[tuple[Job, Candidate]] = []
        for job in self.jobs:
            pool = by_prof.get(job.profession, [])
            spec_match = [c for c in pool if c.search_text and job.specialty.lower()
                          .split(" /")[0].split(" (")[0] in c.search_text]
            others = [c for c in pool if c not in spec_match]
            rng.shuffle(spec_match)
            rng.shuffle(others)
            want = max(3, round(rng.randint(10, 18) * scale))
            for c in (spec_match + others)[:want]:
                slots.append((job, c))
        stages = self._pick_stages(slots)
        self.app_plans = []
        for (job, cand), target in zip(slots, stages, strict=True):
            self._apply(job, cand, target)
        self._backdate()

    def _owner_for(self, job: Job) -> User:
        r = self.rng.random()
        on_team = job.hiring_team.filter(pk=self.manager.pk).exists()
        if on_team and r < 0.25:
            return self.manager
        return self.owner if r < 0.6 else self.recruiter

    def _path(self, target: str) -> list[tuple[str, str, str]]:
        """The moves after Sourced: (stage, reason, note)."""
        rng = self.rng
        if target in ACTIVE_PATH:
            return [(s, "", "") for s in ACTIVE_PATH[1:ACTIVE_PATH.index(target) + 1]]
        if target in ("Hired", "Started"):
            moves = [(s, "", "") for s in ACTIVE_PATH[1:]] + [("Hired", "", "Offer signed.")]
            if target == "Started":
                moves.append(("Started", "", "First day; orientation done."))
            return moves
        depth = rng.randint(0, 4) if target == "Rejected" else rng.randint(1, 5)
        reason, note = rng.choice(REJECT_REASONS if target == "Rejected" else WITHDRAW_REASONS)
        return [(s, "", "") for s in ACTIVE_PATH[1:depth + 1]] + [(target, reason, note)]

    def _due(self) -> tuple[str, datetime, datetime]:
        """(bucket, due, last move) for an open application."""
        rng, now = self.rng, self.now
        r = rng.random()
        if r < 0.3:
            due = now - timedelta(hours=rng.randint(2, 96))
            return "overdue", due, due - timedelta(hours=rng.randint(24, 72))
        if r < 0.55:
            end_of_day = datetime.combine(self.today, datetime.max.time(), self.tz)
            left = int((end_of_day - now).total_seconds() // 60)
            due = now + timedelta(minutes=rng.randint(15, left - 5)) if left > 60 else (
                now - timedelta(minutes=rng.randint(5, 60)))
            return "due today", due, now - timedelta(hours=rng.randint(24, 120))
        due = now + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8))
        return "later", due, now - timedelta(hours=rng.randint(2, 144))

    def _action_text(self, stage: str, job: Job, cand: Candidate) -> str:
        choices = NEXT_ACTIONS[stage]
        if not (cand.referrer_name or cand.referred_by_id):
            choices = [c for c in choices if "{referrer}" not in c]
        text = self.rng.choice(choices)
        referrer = cand.referrer_name or (str(cand.referred_by) if cand.referred_by_id else "")
        return text.format(site=job.site.name if job.site else "the clinic", referrer=referrer)

    def _apply(self, job: Job, cand: Candidate, target: str) -> None:
        rng = self.rng
        owner = self._owner_for(job)
        moves = self._path(target)
        final = moves[-1][0] if moves else "Sourced"
        open_at_end = final in ACTIVE_PATH
        bucket = due = None
        if open_at_end:
            bucket, due, last_at = self._due()
            self.summary.next_actions[bucket] += 1
        else:
            last_at = self.now - timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 12))
        start_at = last_at - timedelta(days=sum(rng.uniform(1, 6) for _ in moves)) if moves \
            else last_at
        text = self._action_text(final, job, cand) if open_at_end else ""
        actor = owner if owner.role != "hiring_manager" else self.recruiter
        app = do_add_to_pipeline(
            cand, job, actor=actor, owner=owner, via=VIA,
            stage=self.stages["Sourced"],
            next_action=text if not moves else "", next_action_due_at=due if not moves else None,
        )
        for k, (stage, reason, note) in enumerate(moves):
            last = k == len(moves) - 1
            mover = self.manager if (stage == "Interview / site visit" and owner == self.manager) \
                else actor
            do_move_application(
                app, self.stages[stage], actor=mover, reason=reason, note=note, via=VIA,
                next_action=text if last and open_at_end else "",
                next_action_due_at=due if last and open_at_end else None,
            )
        # Evenly spread moves between start and last, a little jitter, in order.
        n = len(moves)
        times = [start_at] + [start_at + (last_at - start_at) * (k + 1) / n for k in range(n)]
        self.app_plans.append((app, times, owner))
        self.summary.stages[final] += 1
        self.summary.counts["applications"] += 1
        self.created_at[cand.pk] = min(self.created_at[cand.pk], start_at - timedelta(days=1))

    def _backdate(self) -> None:
        """Stage moves happened over the past weeks, not all at load time: time-in-stage and the
        timeline read these dates."""
        app_ids = [a.pk for a, _t, _o in self.app_plans]
        changes = defaultdict(list)
        for sc in StageChange.objects.filter(application_id__in=app_ids).order_by("id"):
            changes[sc.application_id].append(sc)
        acts = defaultdict(list)
        for act in (Activity.objects.filter(application_id__in=app_ids,
                                            kind=ActivityKind.STAGE_CHANGE).order_by("id")):
            acts[act.application_id].append(act)
        sc_rows, act_rows, apps = [], [], []
        for app, times, _owner in self.app_plans:
            for sc, at in zip(changes[app.pk], times, strict=True):
                sc.at = at
                sc_rows.append(sc)
            for act, at in zip(acts[app.pk], times, strict=True):
                act.occurred_at = at
                act_rows.append(act)
            app.created_at, app.stage_entered_at = times[0], times[-1]
            apps.append(app)
            self._touch(app.candidate_id, times[-1])
        StageChange.objects.bulk_update(sc_rows, ["at"], batch_size=500)
        Activity.objects.bulk_update(act_rows, ["occurred_at"], batch_size=500)
        Application.objects.bulk_update(apps, ["created_at", "stage_entered_at"], batch_size=500)
        self.summary.counts["stage moves"] += len(sc_rows)

    # --- activities -----------------------------------------------------------------------------

    def _touch(self, candidate_id: int, when: datetime) -> None:
        if when > self.last_activity.get(candidate_id, when - timedelta(seconds=1)):
            self.last_activity[candidate_id] = when

    def _activity(self, cand_id: int, kind: str, when: datetime, actor: User, *, app=None,
                  **fields) -> Activity:
        self._touch(cand_id, when)
        return Activity(organization_id=self.org.pk, candidate_id=cand_id, application=app,
                        kind=kind, occurred_at=when, actor=actor, **fields)

    def _call(self, cand_id, when, actor, app=None, outcome=None) -> Activity:
        outcome = outcome or self.rng.choices(
            list(CALL_BODIES), weights=[40, 20, 12, 10, 6, 12])[0]
        return self._activity(
            cand_id, ActivityKind.CALL, when, actor, app=app, direction="out" if
            self.rng.random() < 0.8 else "in", outcome=outcome,
            subject=f"Call — {CallOutcome(outcome).label.lower()}",
            body=self.rng.choice(CALL_BODIES[outcome]),
            duration_minutes=self.rng.choice((3, 8, 12, 15, 20, 30))
            if outcome in (CallOutcome.CONNECTED, CallOutcome.SCHEDULED) else 1,
        )

    def _activities(self) -> None:
        rng, now = self.rng, self.now
        workers = [self.owner, self.recruiter]
        rows: list[Activity] = []
        for app, times, owner in self.app_plans:
            actor = owner
            start = times[0]
            span = max((now - start).total_seconds(), 3600)
            for _ in range(rng.randint(1, 3)):
                when = start + timedelta(seconds=rng.uniform(0.1, 0.95) * span)
                kind = rng.choices(["call", "note", "meeting"], weights=[50, 35, 15])[0]
                if kind == "call":
                    rows.append(self._call(app.candidate_id, when, actor, app))
                elif kind == "note":
                    rows.append(self._activity(app.candidate_id, ActivityKind.NOTE, when, actor,
                                               app=app, body=rng.choice(NOTES)))
                else:
                    rows.append(self._activity(
                        app.candidate_id, ActivityKind.MEETING, when, actor, app=app,
                        subject=rng.choice(MEETINGS), duration_minutes=rng.choice((30, 45, 60)),
                        body=f"About {app.job.title}."))
        for cand, text in self.notes:
            when = self.created_at[cand.pk] + timedelta(hours=rng.randint(1, 72))
            rows.append(self._activity(cand.pk, ActivityKind.NOTE, min(when, now), cand.owner
                                       or self.owner, body=text))
        in_pipeline = {a.candidate_id for a, _t, _o in self.app_plans}
        for cand in self.candidates:
            if cand.pk in in_pipeline or rng.random() > 0.3:
                continue
            when = now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 12))
            when = max(when, self.created_at[cand.pk] + timedelta(hours=1))
            rows.append(self._call(cand.pk, when, rng.choice(workers)))
        Activity.objects.bulk_create(rows, batch_size=500)
        self.summary.counts["activities (notes, calls, meetings)"] += len(rows)

    def _finish(self) -> None:
        """Record creation dates and last activity, then rebuild the search text (it reads notes
        and call logs)."""
        for cand in self.candidates:
            cand.created_at = self.created_at[cand.pk]
            cand.last_activity_at = self.last_activity.get(cand.pk)
        Candidate.objects.bulk_update(self.candidates, ["created_at", "last_activity_at"],
                                      batch_size=500)
        for cand in (Candidate.objects.filter(organization=self.org)
                     .prefetch_related("specialties", "experiences", "certifications")):
            refresh_search_text(cand)
