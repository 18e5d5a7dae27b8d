"""The owner's erasure pages: a confirmation naming what will be removed, then done; only
owners (others 403), only their own organization's candidates (another's is 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.activities.actions import do_add_note
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.choices import ErasureSource, ErasureStatus
from rounds.candidates.models import Candidate, Erasure


@pytest.fixture
def noted(candidate, recruiter):
    do_add_note(candidate, actor=recruiter, body="Prefers rural practice")
    return candidate


def test_owner_sees_what_will_be_removed_then_erases(login, owner, noted):
    client = login(owner)
    page = client.get(reverse("candidates:erase", args=[noted.uuid]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Amara Okafor" in text and "timeline entries" in text

    response = client.post(reverse("candidates:erase", args=[noted.uuid]), {"confirm": "yes"})

    assert response.status_code == 302 and response.url == reverse("candidates:erasures")
    tomb = Candidate._base_manager.get(pk=noted.pk)
    assert tomb.erased_at is not None and tomb.email == "" and not tomb.activities.exists()
    erasure = Erasure.objects.get()
    assert (erasure.source, erasure.status, erasure.actor) == (
        ErasureSource.OWNER, ErasureStatus.DONE, owner)
    assert AuditEvent.objects.filter(action=AuditAction.ERASE, actor=owner).exists()
    log = client.get(reverse("candidates:erasures")).content.decode()
    assert "Erased by an owner" in log and "Amara" not in log
    # The record is gone from every page.
    assert client.get(reverse("candidates:detail", args=[noted.uuid])).status_code == 404


def test_erasing_needs_the_box_ticked(login, owner, noted):
    response = login(owner).post(reverse("candidates:erase", args=[noted.uuid]), {})
    assert response.status_code == 400
    assert "can't be undone" in response.content.decode()
    assert Candidate.objects.filter(pk=noted.pk).exists()


@pytest.mark.parametrize("who", ["recruiter", "hiring_manager", "read_only"])
def test_only_owners_may_erase(request, login, who, noted):
    user = request.getfixturevalue(who)
    client = login(user)
    for name in ("candidates:erasures", "candidates:retention"):
        assert client.get(reverse(name)).status_code == 403
    url = reverse("candidates:erase", args=[noted.uuid])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert Candidate.objects.filter(pk=noted.pk, erased_at__isnull=True).exists()


def test_another_organizations_candidate_is_not_found(login, other_org, noted):
    from rounds.accounts.models import User

    their_owner = User.objects.get(email="owner@lonestar.test")
    client = login(their_owner)
    url = reverse("candidates:erase", args=[noted.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert Candidate.objects.filter(pk=noted.pk, erased_at__isnull=True).exists()


def test_the_record_page_offers_erasure_to_owners_only(login, owner, recruiter, candidate):
    url = reverse("candidates:detail", args=[candidate.uuid])
    erase_url = reverse("candidates:erase", args=[candidate.uuid])
    assert erase_url in login(owner).get(url).content.decode()
    assert erase_url not in login(recruiter).get(url).content.decode()
