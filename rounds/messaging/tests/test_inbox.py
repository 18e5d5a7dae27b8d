"""The unmatched inbox: inbound messages nobody's record knows wait here (never dropped) until
a recruiter finds the candidate and attaches them. Tenant-isolated; read-only can't attach."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.activities.models import Activity
from rounds.candidates.actions import current_consent, do_create_candidate
from rounds.candidates.choices import ConsentBasis
from rounds.followups.choices import FollowUpKind
from rounds.followups.models import FollowUp

from .. import inbound
from ..choices import MessageStatus
from ..models import Message, OutreachSettings

ORG_NUMBER = "+15875550199"
_sids = itertools.count(1)


@pytest.fixture
def numbered(org, settings):
    settings.SMS_FROM_NUMBER = "+15875550100"
    OutreachSettings.objects.create(organization=org, sms_from_number=ORG_NUMBER)
    return org


def unmatched_text(body: str, sender: str = "+17805550111") -> Message:
    message = inbound.receive_sms({"MessageSid": f"SMx{next(_sids):030d}", "From": sender,
                                   "To": ORG_NUMBER, "Body": body})
    assert message.status == MessageStatus.UNMATCHED
    return message


@pytest.fixture
def no_phone(org, recruiter):
    """Priya came from a conference card: an email, no phone yet."""
    return do_create_candidate(org.pk, actor=recruiter, first_name="Priya", last_name="Shah",
                               email="priya.shah@example.com", profession="nurse_practitioner",
                               city="Edmonton", region="AB", country="CA")


def test_inbox_lists_unmatched_messages_newest_first(login, recruiter, numbered):
    unmatched_text("Is the Banff locum still open?")
    unmatched_text("Also: do you sponsor licensing?")

    response = login(recruiter).get(reverse("messaging:inbox"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("do you sponsor licensing?") < page.index("Is the Banff locum")
    assert "+17805550111" in page


def test_inbox_query_count_does_not_grow_with_messages(login, recruiter, numbered):
    client = login(recruiter)
    unmatched_text("first")
    client.get(reverse("messaging:inbox"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("messaging:inbox"))
    for i in range(25):
        unmatched_text(f"message {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("messaging:inbox"))
    assert "message 24" in response.content.decode()
    assert len(many) == len(few)


def test_matched_messages_are_not_in_the_inbox(login, recruiter, numbered, reachable):
    inbound.receive_sms({"MessageSid": "SMmatched", "From": "+14035550142", "To": ORG_NUMBER,
                         "Body": "Matched reply"})
    response = login(recruiter).get(reverse("messaging:inbox"))
    assert "Matched reply" not in response.content.decode()


def test_attach_puts_it_on_the_timeline_and_opens_respond_now(
    login, recruiter, numbered, no_phone
):
    message = unmatched_text("Hi, it's Priya from the conference — is the NP job open?")
    response = login(recruiter).post(
        reverse("messaging:inbox_assign", args=[message.uuid]),
        {"candidate": str(no_phone.uuid), "record_address": "on"},
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.RECEIVED
    assert message.candidate_id == no_phone.pk
    assert message.thread.candidate_id == no_phone.pk
    assert Activity.objects.filter(candidate=no_phone, body__contains="NP job").exists()
    item = FollowUp.objects.get(candidate=no_phone)
    assert item.kind == FollowUpKind.REPLY and item.message_id == message.pk
    no_phone.refresh_from_db()
    assert no_phone.phone == "+17805550111"  # the sender's number, recorded
    # The next text from that number finds her by itself.
    again = inbound.receive_sms({"MessageSid": "SMnext", "From": "+17805550111",
                                 "To": ORG_NUMBER, "Body": "Any news?"})
    assert again.candidate_id == no_phone.pk


def test_attach_without_recording_the_address(login, recruiter, numbered, no_phone):
    message = unmatched_text("Hello")
    login(recruiter).post(reverse("messaging:inbox_assign", args=[message.uuid]),
                          {"candidate": str(no_phone.uuid)})
    no_phone.refresh_from_db()
    assert no_phone.phone == ""
    message.refresh_from_db()
    assert message.candidate_id == no_phone.pk


def test_an_attached_stop_opts_out(login, recruiter, numbered, reachable):
    message = unmatched_text("STOP", sender="+17805550111")
    login(recruiter).post(reverse("messaging:inbox_assign", args=[message.uuid]),
                          {"candidate": str(reachable.uuid)})
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    assert not FollowUp.objects.exists()
    # The STOP came from another number: no confirmation to the number on her record.
    assert not Message.objects.filter(kind="opt_out_confirmation").exists()


def test_an_attached_stop_from_the_recorded_number_is_confirmed(login, recruiter, numbered,
                                                                no_phone):
    message = unmatched_text("Stop", sender="+17805550111")
    login(recruiter).post(reverse("messaging:inbox_assign", args=[message.uuid]),
                          {"candidate": str(no_phone.uuid), "record_address": "on"})
    assert current_consent(no_phone, "sms").basis == ConsentBasis.REVOKED
    confirmation = Message.objects.get(kind="opt_out_confirmation")
    assert confirmation.to_address == "+17805550111"


def test_attaching_twice_is_refused(login, recruiter, numbered, no_phone, reachable):
    message = unmatched_text("Hello")
    client = login(recruiter)
    url = reverse("messaging:inbox_assign", args=[message.uuid])
    client.post(url, {"candidate": str(no_phone.uuid)})
    second = client.post(url, {"candidate": str(reachable.uuid)})
    assert second.status_code == 404  # no longer in the unmatched inbox
    message.refresh_from_db()
    assert message.candidate_id == no_phone.pk


def test_attach_without_a_candidate_names_what_is_missing(login, recruiter, numbered):
    message = unmatched_text("Hello")
    response = login(recruiter).post(reverse("messaging:inbox_assign", args=[message.uuid]),
                                     {}, follow=True)
    assert "Choose the candidate." in response.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.UNMATCHED


def test_search_finds_candidates_by_name_email_and_phone(login, recruiter, numbered, no_phone,
                                                          reachable):
    message = unmatched_text("Hello")
    client = login(recruiter)
    url = reverse("messaging:inbox_message", args=[message.uuid])
    for q, who in [("priya", "Priya Shah"), ("Shah", "Priya Shah"),
                   ("PRIYA.SHAH@example.com", "Priya Shah"), ("(403) 555-0142", "Amara Okafor")]:
        page = client.get(url, {"q": q}).content.decode()
        assert who in page, q
    assert "Amara Okafor" not in client.get(url, {"q": "priya"}).content.decode()


def test_search_suggests_by_the_senders_address(login, recruiter, numbered):
    message = unmatched_text("Hello", sender="+17805550111")
    # Added after the text arrived, with that number.
    do_create_candidate(numbered.pk, actor=recruiter, first_name="Noor", last_name="Haddad",
                        phone="780-555-0111", profession="physician", country="CA")
    page = login(recruiter).get(reverse("messaging:inbox_message", args=[message.uuid]))
    assert "Noor Haddad" in page.content.decode()


def test_read_only_sees_the_inbox_but_cannot_attach(login, read_only, numbered, no_phone):
    message = unmatched_text("Hello from a stranger")
    client = login(read_only)
    assert "Hello from a stranger" in client.get(reverse("messaging:inbox")).content.decode()
    response = client.post(reverse("messaging:inbox_assign", args=[message.uuid]),
                           {"candidate": str(no_phone.uuid)})
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.UNMATCHED


def test_outsider_sees_nothing_and_gets_404(login, outsider, numbered, no_phone):
    message = unmatched_text("Private to Prairie")
    client = login(outsider)
    assert "Private to Prairie" not in client.get(reverse("messaging:inbox")).content.decode()
    assert client.get(reverse("messaging:inbox_message", args=[message.uuid])).status_code == 404
    response = client.post(reverse("messaging:inbox_assign", args=[message.uuid]),
                           {"candidate": str(no_phone.uuid)})
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.status == MessageStatus.UNMATCHED


def test_cannot_attach_to_another_organizations_candidate(login, recruiter, numbered,
                                                          outsider_application):
    message = unmatched_text("Hello")
    response = login(recruiter).post(
        reverse("messaging:inbox_assign", args=[message.uuid]),
        {"candidate": str(outsider_application.candidate.uuid)},
    )
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.status == MessageStatus.UNMATCHED


def test_signed_out_visitors_are_sent_to_sign_in(client, numbered):
    message = unmatched_text("Hello")
    assert client.get(reverse("messaging:inbox")).status_code == 302
    assert client.post(reverse("messaging:inbox_assign", args=[message.uuid])).status_code == 302
