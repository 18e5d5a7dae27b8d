"""Every route that takes an object, web or API, is a 404 for another organization.

The test walks the URL resolver, so a route added later is covered without editing this file:
each parameter is filled with the identifiers of a complete set of records in one organization
(a candidate with every kind of related row, a job, an application, an import batch, a site, an
invitation, one of each outreach row — template, thread, messages in and out, sequence,
enrollment, campaign, meeting, follow-up — and of each locums row — list, member, shift, offer,
booking), and an admin of another organization requests it with GET and POST (and PUT, PATCH,
DELETE on the API). Anything but 404/405 (or a 422 for an API body that fails validation before
any lookup) is a leak. A second test checks that the fillings name real objects: the
organization's own admin finds something behind every outreach and locums route it can GET."""

import itertools
import re
import uuid as uuidlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db.models import F
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from conftest import client_for, make_user
from rounds.accounts.choices import Role
from rounds.accounts.models import Invitation, Site, User
from rounds.activities.models import Activity
from rounds.candidates import actions as candidate_actions
from rounds.candidates.models import (
    Attachment,
    Availability,
    Certification,
    Education,
    Experience,
    Licence,
    Specialty,
)
from rounds.followups.choices import FollowUpKind
from rounds.followups.models import FollowUp
from rounds.imports.models import ImportBatch
from rounds.jobs.models import Requirement
from rounds.locums.models import Booking, NetworkList, NetworkMember, Shift, ShiftOffer
from rounds.messaging.choices import Direction, MessageStatus
from rounds.messaging.models import Message, Thread
from rounds.outreach.models import Campaign, Enrollment, MessageTemplate, Sequence, SequenceStep
from rounds.pipeline.actions import do_add_to_pipeline
from rounds.scheduling.models import Meeting

PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
SECTIONS = ["specialty", "licence", "certification", "experience", "education", "availability"]
LEAKS = {200, 201, 204, 301, 302, 400}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if "^" in route or "(?P" in route:  # regex routes: static files
                continue
            yield route


def object_routes():
    return sorted({r for r in walk(get_resolver().url_patterns) if PARAM.search(r)})


@pytest.fixture
def world(org, recruiter, candidate, job, stages):
    """One organization's records, with a child of every kind hanging off the candidate."""
    c = candidate
    children = [
        Specialty.objects.create(organization=org, candidate=c, name="Obstetrics"),
        Licence.objects.create(organization=org, candidate=c, jurisdiction="CA-AB", number="12345"),
        Certification.objects.create(organization=org, candidate=c, name="ACLS"),
        Experience.objects.create(organization=org, candidate=c, employer="Foothills", role="GP"),
        Education.objects.create(
            organization=org, candidate=c, institution="UofC", credential="MD"
        ),
        Availability.objects.create(
            organization=org, candidate=c, start_date="2027-01-01", end_date="2027-01-31"
        ),
        Attachment.objects.create(
            organization=org,
            candidate=c,
            file=ContentFile(b"%PDF-1.4 cv", name="cv.pdf"),
            original_name="cv.pdf",
            content_type="application/pdf",
            size=11,
        ),
    ]
    consent = candidate_actions.do_record_consent(
        c, channel="email", basis="express", actor=recruiter
    )
    application = do_add_to_pipeline(c, job, actor=recruiter)
    note = Activity.objects.create(organization=org, candidate=c, kind="note", body="Called")
    requirement = Requirement.objects.create(organization=org, job=job, text="CCFP")
    site = Site.objects.create(organization=org, name="Red Deer Clinic")
    invitation = Invitation.objects.create(organization=org, email="new@prairie.test")
    batch = ImportBatch.objects.create(
        organization=org,
        file=ContentFile(b"first_name\nA\n", name="x.csv"),
        original_name="x.csv",
        file_format="csv",
        sha256="0" * 64,
    )
    second = candidate_actions.do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara.okafor@example.com",
        profession="physician",
    )
    outreach = outreach_rows(org, recruiter, c, application)
    locums = locums_rows(org, recruiter, c, site, outreach["outbound"])
    ints = sorted(
        {
            o.pk
            for o in [
                *children,
                consent,
                application,
                note,
                requirement,
                site,
                batch,
                job,
                c,
                second,
                invitation,
                *outreach.values(),
                *locums.values(),
            ]
        }
        | {s.pk for s in stages.values()}
        | set(application.stage_changes.values_list("pk", flat=True))
    )
    uuids = [
        c.uuid,
        second.uuid,
        job.uuid,
        batch.uuid,
        outreach["outbound"].uuid,
        outreach["inbound"].uuid,
        outreach["meeting"].uuid,
        locums["shift"].uuid,
    ]
    return {"ints": ints, "uuids": uuids, "tokens": [invitation.token]}


def outreach_rows(org, recruiter, c, application):
    """One of each outreach row, as the app writes them, so outreach routes get real ids."""
    template = MessageTemplate.objects.create(
        organization=org, name="Intro", subject="Hi", body="Hi {{ candidate.name }}",
        created_by=recruiter,
    )
    thread = Thread.objects.create(organization=org, candidate=c, application=application)
    # UNKNOWN: the one status a "send again" acts on, so the route does its work for an insider.
    outbound = Message.objects.create(
        organization=org, thread=thread, candidate=c, application=application,
        purpose="outreach.message", channel="email", status=MessageStatus.UNKNOWN,
        to_address=c.email, subject="Hi", body="Hi", idempotency_key="world-outbound",
        created_by=recruiter,
    )
    inbound = Message.objects.create(
        organization=org, thread=thread, candidate=c, channel="email",
        direction=Direction.INBOUND, status=MessageStatus.RECEIVED, from_address=c.email,
        body="Yes, call me", received_at=timezone.now(),
    )
    sequence = Sequence.objects.create(organization=org, name="Nurture", created_by=recruiter)
    SequenceStep.objects.create(sequence=sequence, position=0, action="email", template=template)
    enrollment = Enrollment.objects.create(
        organization=org, sequence=sequence, candidate=c, next_step_at=timezone.now(),
        started_by=recruiter,
    )
    campaign = Campaign.objects.create(
        organization=org, name="Spring", template=template, created_by=recruiter
    )
    meeting = Meeting.objects.create(
        organization=org, candidate=c, organizer=recruiter, title="Intro call",
        proposed_times=[(timezone.now() + timedelta(days=2)).isoformat()],
    )
    follow_up = FollowUp.objects.create(
        organization=org, kind=FollowUpKind.REPLY, candidate=c, message=inbound,
        owner=recruiter, due_at=timezone.now() + timedelta(minutes=30),
    )
    return {
        "template": template, "thread": thread, "outbound": outbound, "inbound": inbound,
        "sequence": sequence, "enrollment": enrollment, "campaign": campaign,
        "meeting": meeting, "follow_up": follow_up,
    }


def locums_rows(org, recruiter, c, site, message):
    """One of each locums row: a list, a member on it, a shift offered to them and booked."""
    network_list = NetworkList.objects.create(organization=org, name="AB family physicians")
    member = NetworkMember.objects.create(organization=org, candidate=c, vouched_by=recruiter)
    member.lists.add(network_list)
    starts = timezone.now() + timedelta(days=14)
    shift = Shift.objects.create(
        organization=org, site=site, starts_at=starts, ends_at=starts + timedelta(hours=10),
        profession="physician", created_by=recruiter,
    )
    offer = ShiftOffer.objects.create(
        organization=org, shift=shift, member=member, candidate=c, channel="email",
        message=message,
    )
    booking = Booking.objects.create(
        organization=org, shift=shift, member=member, candidate=c, offer=offer,
        starts_at=shift.starts_at, ends_at=shift.ends_at, via="web",
    )
    return {"list": network_list, "member": member, "shift": shift, "offer": offer,
            "booking": booking}


def fillings(route, world):
    """Every combination of plausible values for the route's parameters."""
    options = []
    for m in PARAM.finditer(route):
        conv, name = m.group("conv"), m.group("name")
        if name == "section":
            options.append(SECTIONS)
        elif conv == "int" or name in ("pk", "id") or name.endswith("_id"):
            options.append([str(i) for i in world["ints"]])
        elif name == "token":
            options.append([str(t) for t in world["tokens"]])
        elif conv == "uuid" or "uuid" in name or name in ("survivor", "other"):
            options.append([str(u) for u in world["uuids"]])
        else:  # untyped API path parameters: try everything
            options.append([str(u) for u in world["uuids"]] + [str(i) for i in world["ints"]])
    total = 1
    for values in options:
        total *= len(values)
    if total <= 100:
        combos = list(itertools.product(*options))
    else:
        # Every value of each parameter at least once, the others at each of their values in
        # turn (a lookup scoped to the organization answers 404 whatever its neighbours are;
        # the full product of two untyped parameters is thousands of requests).
        combos = [tuple(values[n % len(values)] for values in options)
                  for n in range(max(len(v) for v in options))]
        for k, values in enumerate(options):
            combos += [tuple(v if j == k else other[0] for j, other in enumerate(options))
                       for v in values]
        combos = list(dict.fromkeys(combos))
    for combo in combos:
        values = iter(combo)
        yield "/" + PARAM.sub(lambda _m, values=values: next(values), route)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER, Role.READ_ONLY])
def test_every_object_route_is_a_404_for_another_organization(world, other_org, role):
    make_user(other_org, role, "admin@lonestar.test")
    # Move the outsider's own users out of the range of the world's ids, so a 302 on "their"
    # user 3 can't be mistaken for a leak of the world's licence 3.
    User.objects.filter(organization=other_org).update(id=F("id") + 900_000)
    client = client_for(User.objects.get(email="admin@lonestar.test"))
    routes = object_routes()
    assert len(routes) > 10, routes
    leaks = []
    for route in routes:
        if route.startswith("accounts/invite/"):
            continue  # invitation acceptance is public by token; covered below
        is_api = route.startswith("api/")
        for url in fillings(route, world):
            methods = ("get", "post", "put", "patch", "delete") if is_api else ("get", "post")
            for method in methods:
                if method != "get" and is_api:  # a body that parses, so lookups are reached
                    response = getattr(client, method)(
                        url, data={}, content_type="application/json"
                    )
                else:
                    response = getattr(client, method)(url)
                if response.status_code in LEAKS:
                    leaks.append(f"{method.upper()} {url} → {response.status_code}")
    assert not leaks, "\n".join(leaks[:50])


def test_unknown_identifiers_are_404_not_errors(world, owner):
    client = client_for(owner)
    for route in object_routes():
        if route.startswith("accounts/invite/"):
            continue

        def unknown(m):
            conv, name = m.group("conv"), m.group("name")
            if conv == "uuid" or "uuid" in name or name in ("token", "survivor", "other"):
                return str(uuidlib.uuid4())
            if name == "section":
                return "licence"
            return "999999999"

        url = "/" + PARAM.sub(unknown, route)
        response = client.get(url)
        assert response.status_code in (404, 405), f"GET {url} → {response.status_code}"


OWN_AREAS = ("outreach/", "locums/", "api/outreach/", "api/locums/")


def test_outreach_and_locums_routes_are_filled_with_real_objects(world, owner):
    """Without this, a route whose fillings all miss (ids of other models only) would pass the
    walk above while proving nothing about it."""
    client = client_for(owner)
    missed = []
    for route in object_routes():
        if not route.startswith(OWN_AREAS):
            continue
        codes = set()
        for url in fillings(route, world):
            codes.add(client.get(url).status_code)
            if codes - {404, 405}:
                break
        if codes == {404}:  # a GET route none of the world's ids finds (405: POST only)
            missed.append(route)
    assert not missed, missed
