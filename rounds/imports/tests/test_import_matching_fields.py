"""What an import does for matching: professions written out in words, specialties as NUCC codes
or words, an empty profession taken from the specialty, and match profiles built as it goes."""

import pytest

from rounds.candidates.models import Candidate, Specialty
from rounds.imports import fields
from rounds.imports.choices import RowOutcome
from rounds.matching.models import MatchProfile

from .conftest import csv_bytes, person
from .test_import_actions import issues, start


@pytest.mark.parametrize(("text", "profession"), [
    ("MD", "physician"),
    ("RN", "registered_nurse"),
    ("PA-C", "physician_assistant"),
    ("NURSE PRACTITIONER", "nurse_practitioner"),
    ("FAMILY PRACTICE", "physician"),
    ("CERTIFIED REGISTERED NURSE ANESTHETIST (CRNA)", "registered_nurse"),
    ("CLINICAL SOCIAL WORKER", "social_worker"),
    ("Family Physician - Locum", "physician"),
])
def test_professions_in_words_are_recognised(text, profession):
    assert fields.match_profession(text) == profession


def test_text_naming_no_profession_is_still_not_recognised():
    assert fields.match_profession("Wizard") is None
    assert fields.match_profession("") is None


def test_a_bare_nucc_code_is_named_after_its_specialty():
    found = fields.match_specialty("207Q00000X")
    assert (found.name, found.code, found.profession) == ("Family medicine", "207Q00000X",
                                                          "physician")
    assert fields.match_specialty("207q00000x").code == "207Q00000X"


def test_specialty_words_are_kept_as_written_with_their_code():
    found = fields.match_specialty("Family practice")
    assert (found.name, found.code, found.profession) == ("Family practice", "207Q00000X",
                                                          "physician")


def test_an_unknown_code_or_words_are_kept_without_a_code():
    assert fields.match_specialty("207ZZ9999X")[:3] == ("207ZZ9999X", "207ZZ9999X", None)
    assert fields.match_specialty("Underwater basket weaving")[:3] == (
        "Underwater basket weaving", "", None)


def test_import_stores_nucc_codes_and_reads_professions_in_words(org, recruiter):
    rows = [
        person(1, **{"Specialty": "207Q00000X"}),
        person(2, **{"Profession": "FAMILY PRACTICE", "Specialty": "Family practice"}),
        person(3, **{"Profession": "CLINICAL SOCIAL WORKER", "Specialty": "Mental health"}),
        person(4, **{"Profession": "MD", "Specialty": "207R00000X;Hospital medicine"}),
    ]
    batch = start(org, recruiter, csv_bytes(rows))
    assert (batch.created_count, batch.error_count) == (4, 0)

    def specialties(i):
        c = Candidate.objects.get(external_id=f"EXT-{i}")
        return c.profession, [(s.name, s.code, s.is_primary)
                              for s in Specialty.objects.filter(candidate=c).order_by("id")]

    assert specialties(1) == ("physician", [("Family medicine", "207Q00000X", True)])
    assert specialties(2) == ("physician", [("Family practice", "207Q00000X", True)])
    # “Mental health” reads as psychiatry, a physician's specialty: the social worker keeps the
    # words, without a physician's code.
    assert specialties(3) == ("social_worker", [("Mental health", "", True)])
    assert specialties(4) == ("physician", [("Internal medicine", "207R00000X", True),
                                            ("Hospital medicine", "208M00000X", False)])
    search_text = Candidate.objects.get(external_id="EXT-1").search_text
    assert "family medicine" in search_text


def test_an_empty_profession_is_taken_from_the_specialty(org, recruiter):
    rows = [
        person(1, **{"Profession": "", "Specialty": "Family medicine"}),
        person(2, **{"Profession": "", "Specialty": "367500000X"}),
        person(3, **{"Profession": "", "Specialty": "Underwater basket weaving"}),
        person(4, **{"Profession": "", "Specialty": ""}),
    ]
    batch = start(org, recruiter, csv_bytes(rows))
    assert (batch.created_count, batch.error_count) == (2, 2)
    assert Candidate.objects.get(external_id="EXT-1").profession == "physician"
    assert Candidate.objects.get(external_id="EXT-2").profession == "registered_nurse"
    assert [(line, f) for line, f, _m in issues(batch, RowOutcome.ERROR)] == [
        (4, "profession"), (5, "profession")
    ]


def test_the_batch_default_profession_wins_over_the_specialty(org, recruiter):
    from rounds.imports import actions, tasks

    from .conftest import upload

    content = csv_bytes([person(1, **{"Profession": "", "Specialty": "Emergency"})])
    batch = actions.do_create_batch(org.pk, upload(content), actor=recruiter)
    actions.do_start_import(batch, batch.mapping, "registered_nurse", actor=recruiter)
    tasks.run_import(batch.pk)
    nurse = Candidate.objects.get(external_id="EXT-1")
    assert nurse.profession == "registered_nurse"
    # “Emergency” reads as emergency medicine: not a nurse's code.
    assert list(Specialty.objects.filter(candidate=nurse).values_list("name", "code")) == [
        ("Emergency", "")
    ]


def test_each_chunk_queues_the_match_profiles_of_its_new_candidates(
        org, recruiter, monkeypatch, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from rounds.imports import actions
    from rounds.matching.tasks import refresh_profiles_task

    rows = [person(i, **({"Last Name": ""} if i == 3 else {})) for i in range(1, 6)]
    monkeypatch.setattr(actions, "CHUNK_SIZE", 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = start(org, recruiter, csv_bytes(rows))
    created = set(Candidate.objects.filter(organization=org).values_list("id", flat=True))
    assert batch.created_count == len(created) == 4
    # One task per chunk with new candidates (three chunks of 2, 2 and 1 rows), queued only
    # once the chunk has committed (and the claim's sweep, rounds/imports/tasks.py).
    assert len(callbacks) == 4
    queued = DBTaskResult.objects.filter(task_path__endswith="refresh_profiles_task")
    batches = [set(t.args_kwargs["args"][0]) for t in queued.order_by("enqueued_at")]
    assert len(batches) == 3 and set().union(*batches) == created
    assert not MatchProfile.objects.exists()

    for ids in batches:
        refresh_profiles_task.call(sorted(ids))
    for candidate in Candidate.objects.filter(organization=org):
        profile = MatchProfile.objects.get(candidate=candidate)
        assert profile.source_stamp == candidate.updated_at  # current: nothing to rebuild
        assert profile.profession == "physician"
        assert profile.specialties.split()[0] == "207Q00000X"
        assert profile.licences == "CA-AB:a"
