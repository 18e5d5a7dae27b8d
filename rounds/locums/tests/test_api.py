"""The locums API (/api/locums): shifts listed and filtered, posted with 400s naming the field,
one shift with who is booked and its figures, broadcast; the network listed and a candidate
added (200 when already in it, 201 when joined). Outsiders get 404, read-only users 403 on
writes, hiring managers see shifts but not the network."""

from datetime import UTC, datetime, timedelta

import pytest

from rounds.accounts.models import Site
from rounds.locums import network
from rounds.locums.choices import ShiftStatus
from rounds.locums.models import Booking, NetworkMember, Shift, ShiftOffer

from .test_fit import make_member

STARTS = datetime(2027, 1, 15, 15, 0, tzinfo=UTC)


@pytest.fixture
def site(org):
    return Site.objects.create(organization=org, name="Red Deer Clinic", city="Red Deer",
                               region="AB", country="CA", time_zone="America/Edmonton")


def shift_body(site, **changes):
    body = {"site_id": site.pk, "starts_at": STARTS.isoformat(),
            "ends_at": (STARTS + timedelta(hours=9)).isoformat(), "profession": "physician",
            "specialty": "Family medicine", "licence_jurisdiction": "AB",
            "required_credentials": ["ACLS"], "rate": "1800", "rate_unit": "day",
            "currency": "CAD"}
    body.update(changes)
    return body


def post_json(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_a_recruiter_posts_a_shift(login, recruiter, site, org):
    lst = network.do_create_list(org, actor=recruiter, name="AB family")
    response = post_json(login(recruiter), "/api/locums/shifts",
                         shift_body(site, list_ids=[lst.pk], tiered=True))
    assert response.status_code == 201, response.content
    data = response.json()
    shift = Shift.objects.get(uuid=data["uuid"])
    assert data["licence_jurisdiction"] == "CA-AB" and data["specialty_code"] == "207Q00000X"
    assert data["status"] == "open" and data["list_ids"] == [lst.pk]
    assert data["figures"]["reached"] == 0
    assert shift.created_by == recruiter


@pytest.mark.parametrize("changes, field", [
    ({"ends_at": STARTS.isoformat()}, "ends_at"),
    ({"starts_at": "2020-01-01T08:00:00Z", "ends_at": "2020-01-01T17:00:00Z"}, "starts_at"),
    ({"starts_at": "2027-01-15T08:00:00"}, "starts_at"),
    ({"licence_jurisdiction": "Atlantis"}, "licence_jurisdiction"),
    ({"profession": "wizard"}, "profession"),
    ({"currency": "dollars"}, "currency"),
    ({"site_id": 999999}, "site_id"),
    ({"list_ids": [999999]}, "list_ids"),
    ({"tier_delay_minutes": 0}, "tier_delay_minutes"),
])
def test_bad_shift_input_is_a_400_naming_the_field(login, recruiter, site, changes, field):
    response = post_json(login(recruiter), "/api/locums/shifts", shift_body(site, **changes))
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"]
    assert body["detail"].startswith(f"{field}: ")
    assert not Shift.objects.exists()


def test_a_body_of_the_wrong_shape_is_a_422_naming_the_field(login, recruiter, site):
    response = post_json(login(recruiter), "/api/locums/shifts",
                         shift_body(site, starts_at="soon"))
    assert response.status_code == 422
    assert "starts_at" in response.json()["errors"]


def test_another_organizations_site_is_refused(login, recruiter, site, other_org):
    theirs = Site.objects.create(organization=other_org, name="Austin")
    response = post_json(login(recruiter), "/api/locums/shifts",
                         shift_body(site, site_id=theirs.pk))
    assert response.status_code == 400 and "site_id" in response.json()["errors"]


def make_shift(org, site, **extra):
    return Shift.objects.create(organization=org, site=site, starts_at=STARTS,
                                ends_at=STARTS + timedelta(hours=9), profession="physician",
                                specialty="Family Medicine", specialty_code="207Q00000X",
                                **extra)


def test_shifts_are_listed_and_filtered_by_site_and_status(login, recruiter, site, org,
                                                           other_org):
    airdrie = Site.objects.create(organization=org, name="Airdrie")
    a = make_shift(org, site)
    b = make_shift(org, airdrie, status=ShiftStatus.OFFERED)
    make_shift(other_org, Site.objects.create(organization=other_org, name="Austin"))
    client = login(recruiter)
    every = client.get("/api/locums/shifts").json()["items"]
    assert {s["uuid"] for s in every} == {str(a.uuid), str(b.uuid)}
    by_site = client.get("/api/locums/shifts", {"site": airdrie.pk}).json()["items"]
    assert [s["uuid"] for s in by_site] == [str(b.uuid)]
    by_status = client.get("/api/locums/shifts", {"status": "open"}).json()["items"]
    assert [s["uuid"] for s in by_status] == [str(a.uuid)]
    assert client.get("/api/locums/shifts", {"status": "lost"}).status_code == 422


def test_one_shift_carries_who_is_booked_and_its_figures(login, recruiter, site, org):
    member = make_member(org, recruiter, "Amara")
    shift = make_shift(org, site, status=ShiftStatus.BOOKED,
                       created_at=STARTS - timedelta(days=3, hours=1),
                       broadcast_at=STARTS - timedelta(days=3),
                       booked_at=STARTS - timedelta(days=3, minutes=-7))
    ShiftOffer.objects.create(organization=org, shift=shift, member=member,
                              candidate=member.candidate, channel="sms", status="accepted")
    Booking.objects.create(organization=org, shift=shift, member=member,
                           candidate=member.candidate, starts_at=shift.starts_at,
                           ends_at=shift.ends_at, via="link")
    data = login(recruiter).get(f"/api/locums/shifts/{shift.uuid}").json()
    assert data["booked"]["name"] == "Amara Locum" and data["booked"]["via"] == "link"
    assert data["figures"]["time_to_book_minutes"] == 67.0  # from the posting
    assert data["figures"]["broadcast_to_book_minutes"] == 7.0
    assert data["figures"]["acceptances"] == 1
    assert data["figures"]["reached"] == 1 and data["figures"]["on_the_way"] == 0


def test_fill_rates_by_site(login, recruiter, read_only, hiring_manager, outsider, site, org,
                            other_org):
    airdrie = Site.objects.create(organization=org, name="Airdrie")
    posted = datetime.now(UTC) - timedelta(days=5)
    make_shift(org, site, status=ShiftStatus.BOOKED, created_at=posted,
               broadcast_at=posted + timedelta(minutes=30),
               booked_at=posted + timedelta(minutes=40))
    make_shift(org, site, status=ShiftStatus.CANCELLED, created_at=posted)
    make_shift(org, airdrie, status=ShiftStatus.BOOKED,
               created_at=datetime.now(UTC) - timedelta(days=200))
    theirs = Site.objects.create(organization=other_org, name="Austin")
    make_shift(other_org, theirs, status=ShiftStatus.BOOKED, created_at=posted)
    for user in (recruiter, read_only, hiring_manager):
        response = login(user).get("/api/locums/figures/sites")
        assert response.status_code == 200, response.content
        assert response.json()["items"] == [{
            "site_id": site.pk, "site": "Red Deer Clinic", "posted": 2, "booked": 1,
            "cancelled": 1, "open": 0, "unfilled": 0, "fill_rate": 0.5,
            "median_minutes_to_book": 40.0, "median_minutes_broadcast_to_book": 10.0}]
    year = login(recruiter).get("/api/locums/figures/sites", {"days": 365}).json()["items"]
    assert [r["site"] for r in year] == ["Airdrie", "Red Deer Clinic"]
    assert login(outsider).get("/api/locums/figures/sites").json()["items"] == [
        {"site_id": theirs.pk, "site": "Austin", "posted": 1, "booked": 1, "cancelled": 0,
         "open": 0, "unfilled": 0, "fill_rate": 1.0, "median_minutes_to_book": None,
         "median_minutes_broadcast_to_book": None}]
    bad = login(recruiter).get("/api/locums/figures/sites", {"days": 0})
    assert bad.status_code == 400 and "days" in bad.json()["errors"]


def test_a_far_future_shift_is_a_400_not_a_500(login, recruiter, site):
    response = post_json(login(recruiter), "/api/locums/shifts", shift_body(
        site, starts_at="9999-12-31T20:00:00-07:00", ends_at="9999-12-31T23:00:00-07:00"))
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {"starts_at", "ends_at"}
    assert not Shift.objects.exists()


def test_broadcast_through_the_api(login, recruiter, site, org):
    make_member(org, recruiter, "Amara")
    shift = make_shift(org, site)
    client = login(recruiter)
    response = client.post(f"/api/locums/shifts/{shift.uuid}/broadcast")
    assert response.status_code == 200, response.content
    assert response.json()["offered"] == 1
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OFFERED
    Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.CANCELLED)
    refused = client.post(f"/api/locums/shifts/{shift.uuid}/broadcast")
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def test_the_network_is_listed_and_a_candidate_added_once(login, recruiter, org, candidate):
    lst = network.do_create_list(org, actor=recruiter, name="AB family")
    client = login(recruiter)
    body = {"candidate_uuid": str(candidate.uuid), "list_ids": [lst.pk],
            "vouch_note": "Worked with her", "favourite": True}
    first = post_json(client, "/api/locums/network", body)
    assert first.status_code == 201, first.content
    assert first.json()["list_ids"] == [lst.pk] and first.json()["is_favourite"]
    again = post_json(client, "/api/locums/network", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    members = client.get("/api/locums/network").json()["items"]
    assert [m["name"] for m in members] == ["Amara Okafor"]
    assert members[0]["vouched_by"] == str(recruiter)
    assert client.get("/api/locums/network", {"list_id": lst.pk + 1}).json()["items"] == []
    from rounds.audit.models import AuditEvent

    assert AuditEvent.objects.filter(object_type="networkmember", via="api").exists()


def test_a_list_of_another_organization_is_a_400(login, recruiter, candidate, other_org,
                                                 outsider):
    theirs = network.do_create_list(other_org, actor=outsider, name="Theirs")
    response = post_json(login(recruiter), "/api/locums/network",
                         {"candidate_uuid": str(candidate.uuid), "list_ids": [theirs.pk]})
    assert response.status_code == 400 and "list_ids" in response.json()["errors"]
    assert not NetworkMember.objects.exists()


def test_an_outsider_gets_404_on_every_object(login, outsider, site, org, candidate):
    shift = make_shift(org, site)
    client = login(outsider)
    assert client.get(f"/api/locums/shifts/{shift.uuid}").status_code == 404
    assert client.post(f"/api/locums/shifts/{shift.uuid}/broadcast").status_code == 404
    assert post_json(client, "/api/locums/network",
                     {"candidate_uuid": str(candidate.uuid)}).status_code == 404
    assert client.get("/api/locums/shifts").json()["items"] == []
    assert post_json(client, "/api/locums/shifts", shift_body(site)).status_code == 400
    assert Shift.objects.count() == 1 and not NetworkMember.objects.exists()


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_read_only_and_hiring_managers_cannot_write(request, login, persona, site, org,
                                                    candidate):
    shift = make_shift(org, site)
    client = login(request.getfixturevalue(persona))
    assert post_json(client, "/api/locums/shifts", shift_body(site)).status_code == 403
    assert client.post(f"/api/locums/shifts/{shift.uuid}/broadcast").status_code == 403
    assert post_json(client, "/api/locums/network",
                     {"candidate_uuid": str(candidate.uuid)}).status_code == 403
    assert client.get(f"/api/locums/shifts/{shift.uuid}").status_code == 200
    assert Shift.objects.count() == 1 and not NetworkMember.objects.exists()


def test_hiring_managers_do_not_list_the_network(login, hiring_manager, read_only):
    assert login(hiring_manager).get("/api/locums/network").status_code == 403
    assert login(read_only).get("/api/locums/network").status_code == 200


def test_the_routes_are_in_the_openapi_document(login, recruiter):
    paths = login(recruiter).get("/api/openapi.json").json()["paths"]
    for route in ("/api/locums/shifts", "/api/locums/shifts/{uuid}",
                  "/api/locums/shifts/{uuid}/broadcast", "/api/locums/network",
                  "/api/locums/figures/sites"):
        assert route in paths
