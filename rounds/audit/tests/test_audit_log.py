"""The audit log page: owners/admins read who viewed or changed which candidate."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rounds.audit import actions as audit
from rounds.audit.actions import format_changes
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.actions import do_create_candidate, do_update_candidate
from rounds.candidates.merge import do_merge_candidates


@pytest.fixture
def history(org, recruiter, owner, candidate):
    """A view and a change of a candidate, by the recruiter."""
    audit.record(actor=recruiter, action=AuditAction.VIEW, obj=candidate)
    do_update_candidate(candidate, actor=recruiter, email="amara@newmail.ca")
    return candidate


def test_format_changes_reads_like_a_sentence():
    lines = format_changes({"email": ["a@x.ca", "b@x.ca"], "added": "CA-AB 1",
                            "merged_from": [None, "Amara"], "phone": ["+1403", None]})
    assert lines == ["email: a@x.ca → b@x.ca", "added: CA-AB 1", "merged from: Amara",
                     "phone: +1403 → —"]


def test_owner_reads_views_and_changes_with_what_changed(login, owner, recruiter, history):
    response = login(owner).get(reverse("audit:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Viewed" in html and "Changed" in html
    assert "email: Amara.Okafor@example.com → amara@newmail.ca" in html
    assert str(recruiter) in html
    assert reverse("candidates:detail", args=[history.uuid]) in html
    assert reverse("audit:candidate", args=[history.uuid]) in html


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_everyone_but_admins_gets_403(login, history, persona, request):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:candidate", args=[history.uuid])).status_code == 403


def test_admin_of_another_org_never_sees_our_events(login, other_org, history):
    from rounds.accounts.models import User

    their_owner = User.objects.get(email="owner@lonestar.test")
    client = login(their_owner)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert "Okafor" not in response.content.decode()
    assert list(response.context["events"]) == []
    assert client.get(reverse("audit:candidate", args=[history.uuid])).status_code == 404


def test_filters_by_actor_action_candidate_and_dates(login, owner, recruiter, org, history):
    other = do_create_candidate(org.pk, actor=owner, first_name="Ben", last_name="Another",
                                profession="physician")
    client = login(owner)

    def events(**params):
        response = client.get(reverse("audit:list"), params)
        assert response.status_code == 200
        return list(response.context["events"])

    assert {e.actor_id for e in events(actor=recruiter.pk)} == {recruiter.pk}
    assert {e.action for e in events(action="view")} == {"view"}
    named = events(candidate="okafor")
    assert named and {e.candidate_id for e in named} == {history.pk}
    assert {e.candidate_id for e in events(candidate="Ben")} == {other.pk}
    today = timezone.localdate()
    assert len(events(since=today - timedelta(days=1), until=today + timedelta(days=1))) == (
        AuditEvent.objects.filter(organization=org).count())
    assert events(since=today + timedelta(days=2)) == []


def test_bad_dates_are_explained(login, owner, history):
    response = login(owner).get(reverse("audit:list"), {"since": "2025-05-02",
                                                         "until": "2025-05-01"})
    assert "The end date is before the start date." in response.content.decode()
    response = login(owner).get(reverse("audit:list"), {"since": "yesterday"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_audit_list_is_paginated_with_bounded_queries(login, owner, org, recruiter, candidate,
                                                       django_assert_max_num_queries):
    AuditEvent.objects.bulk_create(
        AuditEvent(organization=org, actor=recruiter, action=AuditAction.VIEW,
                   object_type="candidate", object_id=str(candidate.pk),
                   object_repr=str(candidate), candidate=candidate)
        for _ in range(120)
    )
    client = login(owner)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("audit:list"))
    assert len(response.context["events"]) == 50
    assert response.context["page_obj"].paginator.num_pages == 3
    with django_assert_max_num_queries(10):
        response = client.get(reverse("audit:list"), {"page": 3, "action": "view"})
    assert len(response.context["events"]) == 20


def test_candidate_trail_includes_records_merged_into_them(login, owner, recruiter, org,
                                                            history):
    twin = do_create_candidate(org.pk, actor=recruiter, first_name="Amara", last_name="O.",
                               profession="physician", email="amara@newmail.ca")
    audit.record(actor=recruiter, action=AuditAction.VIEW, obj=twin)
    with transaction.atomic():
        do_merge_candidates(history, twin, actor=recruiter)
    unrelated = do_create_candidate(org.pk, actor=recruiter, first_name="Zed",
                                    last_name="Else", profession="physician")
    response = login(owner).get(reverse("audit:candidate", args=[history.uuid]))
    assert response.status_code == 200
    ids = {e.candidate_id for e in response.context["events"]}
    assert ids == {history.pk, twin.pk}
    assert unrelated.pk not in ids
    actions = [e.action for e in response.context["events"]]
    assert actions.count("merge") == 2
