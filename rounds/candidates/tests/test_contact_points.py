"""Every email and phone of a person is kept: a merge keeps both records' addresses and numbers
(secondary contact points), inbound mail and texts from a secondary one reach the person, and
duplicate checks compare them — including when a recruiter adds someone by hand."""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from django.db import transaction
from django.urls import reverse

from rounds.candidates.actions import do_create_candidate
from rounds.candidates.choices import ContactKind
from rounds.candidates.duplicates import duplicates_of, find_duplicate_pair_keys
from rounds.candidates.merge import do_merge_candidates
from rounds.candidates.models import Candidate, ContactPoint, DuplicateDismissal
from rounds.messaging import inbound
from rounds.messaging.choices import Direction


@pytest.fixture
def twins(org, recruiter):
    """Two records of one person: a work address and mobile, a personal address and office
    number."""
    first = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara.okafor@prairiehealth.ca",
        phone="403-555-0142",
        profession="physician",
        city="Calgary",
        region="AB",
        country="CA",
        preferred_channels=["sms", "email"],
        preferred_settings=["rural", "community_clinic"],
    )
    second = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara@gmail.com",
        phone="587-555-0199",
        profession="physician",
        city="Red Deer",
        region="AB",
        country="CA",
        preferred_channels=["email"],
        preferred_settings=["hospital_inpatient"],
    )
    return first, second


def merge(survivor, other, actor, **choices):
    with transaction.atomic():
        return do_merge_candidates(survivor, other, actor=actor, field_choices=choices)


def points(candidate):
    return sorted(
        ContactPoint.objects.filter(candidate=candidate).values_list("kind", "value_normalized")
    )


def test_merging_keeps_both_emails_and_both_phones(twins, recruiter):
    first, second = twins
    merge(first, second, recruiter)
    first.refresh_from_db()
    assert (first.email, first.phone) == ("amara.okafor@prairiehealth.ca", "+14035550142")
    assert points(first) == [
        (ContactKind.EMAIL, "amara@gmail.com"),
        (ContactKind.PHONE, "+15875550199"),
    ]


def test_choosing_the_other_records_email_keeps_the_survivors_as_secondary(twins, recruiter):
    first, second = twins
    merge(first, second, recruiter, email="other", phone="other")
    first.refresh_from_db()
    assert (first.email_normalized, first.phone) == ("amara@gmail.com", "+15875550199")
    assert points(first) == [
        (ContactKind.EMAIL, "amara.okafor@prairiehealth.ca"),
        (ContactKind.PHONE, "+14035550142"),
    ]


def test_a_third_record_merged_in_keeps_every_address_once(twins, org, recruiter):
    first, second = twins
    merge(first, second, recruiter)
    third = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="AMARA@gmail.com",
        phone="(780) 555-0100",
        profession="physician",
        country="CA",
    )
    merge(third, first, recruiter, email="other", phone="other")
    third.refresh_from_db()
    assert (third.email_normalized, third.phone) == (
        "amara.okafor@prairiehealth.ca",
        "+14035550142",
    )
    # amara@gmail.com was the third record's own main address and a secondary one of the
    # first: kept once.
    assert points(third) == [
        (ContactKind.EMAIL, "amara@gmail.com"),
        (ContactKind.PHONE, "+15875550199"),
        (ContactKind.PHONE, "+17805550100"),
    ]


def email_from(sender: str, body: str = "Is the Red Deer job still open?") -> bytes:
    m = EmailMessage()
    m["From"] = f"Amara Okafor <{sender}>"
    m["To"] = "jobs@prairie.test"
    m["Subject"] = "Question"
    m["Date"] = formatdate()
    m["Message-ID"] = make_msgid(domain="mail.example.com")
    m.set_content(body)
    return m.as_bytes()


def test_email_from_the_secondary_address_reaches_the_merged_candidate(twins, recruiter):
    first, second = twins
    merge(first, second, recruiter)
    message = inbound.receive_email(email_from("Amara@GMAIL.com"))
    assert message.direction == Direction.INBOUND
    assert message.candidate_id == first.pk
    assert message.thread.candidate_id == first.pk


def test_email_from_an_address_only_kept_as_secondary_reaches_the_candidate(
    org, recruiter, other_org
):
    """No merged record carries the address: only the contact point knows it."""
    amara = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara.okafor@prairiehealth.ca",
        profession="physician",
        country="CA",
    )
    ContactPoint.objects.create(
        organization=org,
        candidate=amara,
        kind=ContactKind.EMAIL,
        value="amara@gmail.com",
        value_normalized="amara@gmail.com",
    )
    message = inbound.receive_email(email_from("amara@gmail.com"))
    assert message.candidate_id == amara.pk


def test_a_text_from_the_secondary_number_reaches_the_merged_candidate(
    twins, recruiter, settings, org
):
    from rounds.messaging.models import OutreachSettings

    first, second = twins
    merge(first, second, recruiter)
    OutreachSettings.objects.update_or_create(
        organization=org, defaults={"sms_from_number": "+15875550100"}
    )
    message = inbound.receive_sms(
        {"From": "+15875550199", "To": "+15875550100", "Body": "Yes, call me", "MessageSid": "SM1"}
    )
    assert message.candidate_id == first.pk


def test_duplicate_detection_finds_a_candidate_by_a_secondary_contact_point(twins, org, recruiter):
    first, second = twins
    merge(first, second, recruiter)
    newcomer = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="A.",
        last_name="Okafor",
        email="amara@gmail.com",
        profession="physician",
        country="CA",
    )
    texter = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Dr",
        last_name="Okafor",
        phone="587 555 0199",
        profession="physician",
        country="CA",
    )
    pairs = find_duplicate_pair_keys(org.pk)
    assert pairs[(first.pk, newcomer.pk)] == ["same email amara@gmail.com"]
    assert pairs[(first.pk, texter.pk)] == ["same phone (587) 555-0199"]
    assert [m.candidate.pk for m in duplicates_of(newcomer)] == [first.pk]
    # The other way round: the survivor's secondary number finds the newcomer.
    assert [m.candidate.pk for m in duplicates_of(first)] == [newcomer.pk, texter.pk]


def test_the_same_npi_is_a_likely_duplicate(org, recruiter):
    a = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="David",
        last_name="Wiebe",
        profession="physician",
        npi="1679576722",
    )
    b = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Dave",
        last_name="Wiebe",
        profession="physician",
        npi="1679 576 722",
    )
    assert b.npi == "1679576722"
    assert find_duplicate_pair_keys(org.pk)[(a.pk, b.pk)] == ["same NPI 1679576722"]


# --- adding someone by hand ---------------------------------------------------------------------


def form_data(**over):
    data = {
        "first_name": "Amara",
        "last_name": "Okafor",
        "email": "amara@gmail.com",
        "phone": "",
        "profession": "physician",
        "status": "passive",
        "source": "sourced",
        "contact_frequency": "any",
        "country": "CA",
    }
    data.update(over)
    return data


def test_adding_by_hand_warns_of_a_likely_duplicate_and_saves_nothing(client, recruiter, twins):
    first, second = twins
    merge(first, second, recruiter)
    client.force_login(recruiter)
    before = Candidate.objects.count()
    response = client.post(reverse("candidates:create"), form_data())
    assert response.status_code == 409
    html = response.content.decode()
    assert "This may be someone already in your pool" in html
    assert reverse("candidates:detail", kwargs={"uuid": first.uuid}) in html
    assert "same email amara@gmail.com" in html
    assert 'name="confirm_new_person"' in html
    assert 'value="amara@gmail.com"' in html  # what was typed is still in the form
    assert Candidate.objects.count() == before


def test_adding_by_hand_proceeds_when_the_user_says_it_is_another_person(client, recruiter, twins):
    first, _second = twins
    client.force_login(recruiter)
    response = client.post(
        reverse("candidates:create"),
        form_data(email="amara.okafor@prairiehealth.ca", confirm_new_person="1"),
    )
    assert response.status_code == 302
    new = Candidate.objects.get(
        email_normalized="amara.okafor@prairiehealth.ca",
        merged_into__isnull=True,
        pk__gt=first.pk + 1,
    )
    # Not suggested again as a duplicate of the record the user was shown.
    assert DuplicateDismissal.objects.filter(first=first, second=new).exists()
    assert (first.pk, new.pk) not in find_duplicate_pair_keys(recruiter.organization_id)


def test_adding_by_hand_without_a_likely_duplicate_saves_at_once(client, recruiter, twins):
    client.force_login(recruiter)
    response = client.post(
        reverse("candidates:create"),
        form_data(first_name="Noor", last_name="Haddad", email="noor@example.com"),
    )
    assert response.status_code == 302
    assert Candidate.objects.filter(email_normalized="noor@example.com").exists()


def test_an_invalid_npi_is_a_form_error(client, recruiter, org):
    client.force_login(recruiter)
    response = client.post(
        reverse("candidates:create"), form_data(email="noor@example.com", npi="1679576723")
    )
    assert response.status_code == 400
    assert "check digit" in response.content.decode()


# --- the merge page --------------------------------------------------------------------------


def test_merge_page_shows_words_not_codes(client, recruiter, twins):
    first, second = twins
    client.force_login(recruiter)
    html = client.get(
        reverse("candidates:merge", kwargs={"survivor": first.uuid, "other": second.uuid})
    ).content.decode()
    assert "Text message, Email" in html
    assert "Rural / remote, Community clinic / office" in html
    assert "Hospital inpatient" in html
    assert "Calgary, Alberta, Canada" in html
    for code in ("sms, email", "community_clinic", "hospital_inpatient", ", AB", ", CA<"):
        assert code not in html
    # What moves includes the other record's email and phone, kept as contact points.
    assert "<strong>2</strong> contact points" in html


def test_merge_page_of_another_organizations_records_is_404(client, outsider, twins):
    first, second = twins
    client.force_login(outsider)
    response = client.get(
        reverse("candidates:merge", kwargs={"survivor": first.uuid, "other": second.uuid})
    )
    assert response.status_code == 404
