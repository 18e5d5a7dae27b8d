"""The healthcare knowledge files: complete, consistent, true to the public code sets they
cite, and the closeness and portability rules the matching engine relies on."""

import csv
import tomllib

import pytest

from rounds.candidates.choices import CertificationKind, Profession, Setting
from rounds.lib.jurisdictions import JURISDICTIONS
from rounds.matching import knowledge
from rounds.matching.tests.shared_data import data_file


@pytest.fixture(scope="module")
def nucc_codes() -> dict[str, dict[str, str]]:
    with data_file("nucc_taxonomy_251.csv").open(newline="", encoding="utf-8") as f:
        return {row["Code"]: row for row in csv.DictReader(f)}


# --- completeness and consistency --------------------------------------------------------------

def test_every_profession_value_has_an_entry():
    assert set(knowledge.professions()) == set(Profession.values)


def test_profession_entries_refer_only_to_profession_values():
    for info in knowledge.professions().values():
        assert info.qualifies_as <= set(Profession.values)
        assert set(info.related) <= set(Profession.values)
        assert info.key not in info.qualifies_as


def test_profession_relatedness_is_symmetric():
    table = knowledge.professions()
    for key, info in table.items():
        for other, closeness in info.related.items():
            assert table[other].related[key] == closeness


def test_nurse_practitioner_may_work_as_a_nurse_but_a_nurse_never_as_a_physician():
    table = knowledge.professions()
    assert Profession.REGISTERED_NURSE in table[Profession.NURSE_PRACTITIONER].qualifies_as
    assert Profession.PHYSICIAN not in table[Profession.REGISTERED_NURSE].qualifies_as
    assert knowledge.profession_closeness("physician", "registered_nurse") == 0.0


def test_profession_closeness_follows_the_rules():
    assert knowledge.profession_closeness("registered_nurse", "registered_nurse") == 1.0
    assert knowledge.profession_closeness("registered_nurse", "nurse_practitioner") == 0.9
    assert knowledge.profession_closeness("clinical_research_associate",
                                          "clinical_research_coordinator") == 0.7
    assert knowledge.profession_closeness("registered_nurse", "practical_nurse") == 0.5
    assert knowledge.profession_closeness("nurse_practitioner", "physician_assistant") == 0.5
    assert knowledge.profession_closeness("physician", "nurse_practitioner") == 0.4
    assert knowledge.profession_closeness("pharmacist", "front_office") == 0.0
    assert knowledge.profession_closeness("physician", "") == 0.0


def test_every_specialty_belongs_to_a_profession_value():
    for info in knowledge.specialties().values():
        assert info.profession in Profession.values, info.key


def test_specialty_references_exist_and_settings_are_setting_values():
    table = knowledge.specialties()
    for info in table.values():
        assert info.classification in table, info.key
        assert table[info.classification].classification == info.classification
        assert set(info.related) <= set(table), info.key
        assert set(info.settings) <= set(Setting.values), info.key


def test_specialty_relatedness_is_symmetric_and_within_range():
    table = knowledge.specialties()
    for key, info in table.items():
        for other, closeness in info.related.items():
            assert table[other].related[key] == closeness
            assert 0.6 <= closeness <= 0.9, (key, other, closeness)


def test_specialty_keys_are_main_nucc_codes_or_rounds_keys():
    for key, info in knowledge.specialties().items():
        if info.nucc:
            assert key == info.nucc[0]
        else:
            assert key.startswith("rounds:")


def test_every_nucc_code_maps_to_one_specialty():
    seen: dict[str, str] = {}
    for key, info in knowledge.specialties().items():
        for code in info.nucc:
            assert code not in seen, f"{code} in {seen.get(code)} and {key}"
            seen[code] = key
            assert knowledge.specialty(code).key == key


def test_every_nucc_code_in_the_knowledge_files_exists_in_the_nucc_code_set(nucc_codes):
    unknown = sorted(code for info in knowledge.specialties().values() for code in info.nucc
                     if code not in nucc_codes)
    assert not unknown, f"not in NUCC v25.1: {unknown}"


def test_physician_specialties_use_physician_codes(nucc_codes):
    wrong = []
    for info in knowledge.specialties().values():
        if info.profession != Profession.PHYSICIAN:
            continue
        for code in info.nucc:
            if nucc_codes[code]["Grouping"] != "Allopathic & Osteopathic Physicians":
                wrong.append((info.key, code))
    assert not wrong


def test_unlisted_nucc_codes_fall_back_to_the_specialty_of_their_classification(nucc_codes):
    """A code we do not list resolves to whatever its NUCC classification-level code resolves
    to, and never to a specialty of another classification."""
    classification_code = {(row["Grouping"], row["Classification"]): code
                           for code, row in nucc_codes.items() if not row["Specialization"]}
    listed = {code for info in knowledge.specialties().values() for code in info.nucc}
    mismatched = []
    for code, row in nucc_codes.items():
        found = knowledge.specialty(code)
        if code in listed or found is None:
            continue
        parent = classification_code.get((row["Grouping"], row["Classification"]))
        if parent is None or knowledge.specialty(parent) != found:
            mismatched.append((code, row["Classification"], found.name))
    assert not mismatched


def test_specialty_lookup_by_key_code_or_id():
    assert knowledge.specialty("207Q00000X").name == "Family medicine"
    assert knowledge.specialty("207q00000x").key == "207Q00000X"
    assert knowledge.specialty("family_medicine").key == "207Q00000X"
    assert knowledge.specialty("rounds:nocturnist").classification == "208M00000X"
    assert knowledge.specialty("207RX9999X").key == "207R00000X"  # unlisted: its classification
    assert knowledge.specialty("999900000X") is None
    assert knowledge.specialty("") is None


def test_certifications_have_valid_kinds_and_life_support_expires_in_two_years():
    table = knowledge.certifications()
    assert len(table) <= 128  # the engine keeps certifications in a bitmap
    for info in table.values():
        assert info.kind in CertificationKind.values
        assert info.synonyms
    for key in ("acls", "pals", "bls"):
        assert table[key].validity_years == 2
        assert table[key].kind == CertificationKind.LIFE_SUPPORT
    assert table["gcp"].kind == CertificationKind.RESEARCH
    assert table["ccfp"].specialty == "207Q00000X"


def test_therapeutic_areas_and_trial_phases_fit_the_engine_bitmaps():
    assert 10 <= len(knowledge.therapeutic_areas()) <= 64
    phases = knowledge.trial_phases()
    assert list(phases)[:4] == ["phase_1", "phase_2", "phase_3", "phase_4"]
    assert len(phases) <= 8


# --- closeness ---------------------------------------------------------------------------

def test_specialty_closeness_orders_same_then_related_then_classification_then_profession():
    cardiology, internal, family, hospitalist = "207RC0000X", "207R00000X", "207Q00000X", \
        "208M00000X"
    same = knowledge.specialty_closeness(cardiology, cardiology)
    related = knowledge.specialty_closeness(hospitalist, internal)
    classification = knowledge.specialty_closeness(cardiology, internal)
    profession = knowledge.specialty_closeness(cardiology, family)
    other = knowledge.specialty_closeness(cardiology, "163WC0200X")  # critical care nursing
    assert same == 1.0
    assert same > related >= classification > profession > other == 0.0
    assert classification == 0.6 and profession == 0.3


def test_explicit_neighbours_are_close():
    close = knowledge.specialty_closeness
    assert close("208M00000X", "rounds:nocturnist") >= 0.9  # a nocturnist is a night hospitalist
    assert close("207P00000X", "207RC0200X") >= 0.7  # emergency medicine and critical care
    assert close("207Q00000X", "208M00000X") >= 0.7  # family medicine and hospital medicine
    assert close("207Q00000X", "207R00000X") >= 0.7


def test_specialty_closeness_is_symmetric():
    keys = list(knowledge.specialties())[:80]
    for a in keys:
        for b in keys:
            assert knowledge.specialty_closeness(a, b) == knowledge.specialty_closeness(b, a)


# --- portability -------------------------------------------------------------------------

def test_a_general_nurse_is_close_to_every_nursing_specialty_and_a_crna_is_not():
    close = knowledge.specialty_closeness
    general, gastro, mental, icu, theatre, crna = (
        "163W00000X", "163WG0100X", "163WP0808X", "163WC0200X", "163WR0006X", "367500000X")
    assert close(gastro, general) == close(mental, general) == knowledge.GENERAL == 0.6
    assert close(gastro, mental) == knowledge.SAME_PROFESSION  # unrelated specialties
    # Nurse anaesthesia is a practice apart: further than an unrelated nursing specialty,
    # and than an RN whose specialty is unknown (the engine scores that 0.3).
    for ward in (gastro, mental, icu, general):
        assert close(ward, crna) == close(crna, ward) == 0.1
    assert close(theatre, crna) == 0.6
    assert knowledge.specialty(crna).apart == 0.1


def test_a_nurse_practitioners_specialty_is_weighed_as_a_nurses():
    close = knowledge.specialty_closeness
    mental, gastro = "163WP0808X", "163WG0100X"
    pmhnp, fnp, np_general = "363LP0808X", "363LF0000X", "363L00000X"
    assert close(mental, pmhnp) == 0.8  # psychiatric-mental health nursing, at NP level
    assert close(gastro, np_general) == 0.6  # an NP with no focus is a general nurse here
    assert close(gastro, fnp) == knowledge.SAME_PROFESSION
    # Professions that cannot fill each other stay apart.
    assert close("207RG0100X", gastro) == 0.0  # gastroenterologist and gastro nurse
    assert close("363A00000X", mental) == 0.0  # physician assistant and mental health nurse


def test_acute_medicine_is_closer_to_hospital_medicine_than_to_internal_medicine():
    close = knowledge.specialty_closeness
    acute, hospitalist, internal = "rounds:acute_medicine", "208M00000X", "207R00000X"
    assert close(acute, hospitalist) == 0.9
    assert close(acute, hospitalist) > close(acute, internal) >= 0.6


def test_the_emergency_nurse_practitioner_has_no_nucc_code_and_family_nps_are_nearest():
    info = knowledge.specialty("np_emergency")
    assert info.key == "rounds:np_emergency" and not info.nucc
    assert info.profession == "nurse_practitioner"
    close = knowledge.specialty_closeness
    assert close(info.key, "363LF0000X") == 0.8  # ENP-C requires an FNP certification
    assert close(info.key, "363LA2100X") == 0.7
    assert close(info.key, "363L00000X") == 0.6


def test_new_specialties_are_added_at_the_end_of_their_file():
    # The engine numbers specialties in load order: entries added later go last in a file.
    with (knowledge.KNOWLEDGE_DIR / "specialties_nursing.toml").open("rb") as f:
        ids = [entry["id"] for entry in tomllib.load(f)["specialty"]]
    assert ids[-1] == "np_emergency"
    keys = list(knowledge.specialties())
    assert keys.index("rounds:np_emergency") == keys.index("176B00000X") + 1  # midwifery


def test_vocabulary_and_regulators_load():
    words = knowledge.setting_words()
    assert set(words) <= set(Setting.values) and "ITU" in words["icu"]
    for name in ("non_clinical", "generic", "office", "clinical", "research"):
        assert knowledge.words(name)
    assert "scheduling" in knowledge.words("office")
    assert knowledge.regulators()["CPSA"] == "CA-AB"
    assert set(knowledge.regulators().values()) <= set(JURISDICTIONS)


def test_a_physician_licensed_in_ontario_can_obtain_an_alberta_licence():
    found = knowledge.portability("physician", "CA-ON", "CA-AB")
    assert found.kind == "obtainable"
    assert found.scheme == "Canadian labour mobility"
    assert found.note == "licensed in ON; an AB licence is obtainable (Canadian labour mobility)"
    assert not knowledge.covers("physician", "CA-ON", "CA-AB")


def test_canadian_nurses_can_obtain_a_licence_in_another_province():
    found = knowledge.portability("registered_nurse", "CA-BC", "CA-NS")
    assert found.kind == "obtainable"
    assert "NS licence is obtainable" in found.note


def test_a_texas_multistate_nursing_licence_covers_florida():
    found = knowledge.portability("registered_nurse", "US-TX", "US-FL")
    assert found.kind == "covers"
    assert found.scheme == "Nurse Licensure Compact"
    assert knowledge.covers("registered_nurse", "US-TX", "US-FL")
    assert knowledge.covers("practical_nurse", "US-TX", "US-FL")


def test_a_california_nursing_licence_does_not_travel():
    assert knowledge.portability("registered_nurse", "US-CA", "US-FL") is None
    assert not knowledge.covers("registered_nurse", "US-CA", "US-FL")


def test_the_nurse_licensure_compact_does_not_cover_physicians_or_nurse_practitioners():
    assert knowledge.portability("nurse_practitioner", "US-TX", "US-FL") is None
    assert knowledge.portability("physician", "US-TX", "US-FL") is None


def test_a_wisconsin_physician_can_obtain_a_colorado_licence_through_the_imlc():
    found = knowledge.portability("physician", "US-WI", "US-CO")
    assert found.kind == "obtainable"
    assert found.scheme == "Interstate Medical Licensure Compact"
    assert found.note.startswith("licensed in WI; a CO licence is obtainable")


def test_a_california_physician_gets_no_compact_route_to_texas():
    assert knowledge.portability("physician", "US-CA", "US-TX") is None


def test_no_rule_for_the_same_jurisdiction_or_across_countries():
    assert knowledge.portability("physician", "CA-ON", "CA-ON") is None
    assert knowledge.portability("physician", "CA-ON", "US-NY") is None
    assert knowledge.portability("clinical_research_associate", "CA-ON", "CA-AB") is None


def test_uk_registration_covers_the_whole_uk_except_gphc_in_northern_ireland():
    assert knowledge.covers("registered_nurse", "GB-ENG", "GB-SCT")
    assert knowledge.covers("physician", "GB-WLS", "GB-NIR")
    assert knowledge.covers("pharmacist", "GB-ENG", "GB-SCT")
    assert not knowledge.covers("pharmacist", "GB-ENG", "GB-NIR")


def test_licensure_members_are_known_jurisdictions():
    data = tomllib.loads((knowledge.KNOWLEDGE_DIR / "licensure.toml").read_text())
    for scheme in data["scheme"]:
        assert set(scheme["members"]) <= set(JURISDICTIONS)


# --- malformed files ----------------------------------------------------------------------

@pytest.fixture
def broken_knowledge(tmp_path, monkeypatch):
    """A copy of the knowledge folder to break, with the caches cleared around the test."""
    for path in knowledge.KNOWLEDGE_DIR.glob("*.toml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(knowledge, "KNOWLEDGE_DIR", tmp_path)
    _clear_caches()
    yield tmp_path
    _clear_caches()


def _clear_caches():
    for fn in (knowledge.professions, knowledge._specialty_tables,
               knowledge._classification_prefixes, knowledge.certifications,
               knowledge._research, knowledge.therapeutic_areas, knowledge.trial_phases,
               knowledge.research_sides, knowledge._schemes, knowledge._vocabulary,
               knowledge.setting_words, knowledge.words, knowledge.regulators):
        fn.cache_clear()


def test_a_specialty_with_an_unknown_profession_is_reported_with_file_and_entry(
        broken_knowledge):
    path = broken_knowledge / "specialties_other.toml"
    path.write_text(path.read_text() + '\n[[specialty]]\nid = "bogus"\nname = "Bogus"\n'
                    'profession = "wizard"\n')
    with pytest.raises(knowledge.KnowledgeError, match=r"specialties_other\.toml: .*'bogus'.*"
                       r"wizard"):
        knowledge.specialties()


def test_a_related_specialty_that_does_not_exist_is_reported(broken_knowledge):
    path = broken_knowledge / "specialties_other.toml"
    path.write_text(path.read_text() + '\n[[specialty]]\nid = "lonely"\nname = "Lonely"\n'
                    'profession = "other"\nrelated = { nowhere = 0.7 }\n')
    with pytest.raises(knowledge.KnowledgeError, match="unknown specialty 'nowhere'"):
        knowledge.specialties()


def test_invalid_toml_is_reported_with_the_file_name(broken_knowledge):
    (broken_knowledge / "certifications.toml").write_text("[acls\nname = 'x'\n")
    with pytest.raises(knowledge.KnowledgeError, match=r"certifications\.toml: not valid TOML"):
        knowledge.certifications()


def test_a_certification_kind_outside_the_choices_is_reported(broken_knowledge):
    path = broken_knowledge / "certifications.toml"
    path.write_text(path.read_text() + '\n[magic]\nname = "Magic"\nkind = "spell"\n'
                    'synonyms = ["magic"]\n')
    with pytest.raises(knowledge.KnowledgeError, match="certification 'magic'.*spell"):
        knowledge.certifications()


def test_a_missing_profession_entry_is_reported(broken_knowledge):
    path = broken_knowledge / "professions.toml"
    text = path.read_text()
    start = text.index("[sonographer]")
    end = text.index("[lab_technologist]")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(knowledge.KnowledgeError, match="no entry for profession.*sonographer"):
        knowledge.professions()


def test_apart_must_be_below_the_same_profession_closeness(broken_knowledge):
    path = broken_knowledge / "specialties_other.toml"
    path.write_text(path.read_text() + '\n[[specialty]]\nid = "aloof"\nname = "Aloof"\n'
                    'profession = "other"\napart = 0.5\n')
    with pytest.raises(knowledge.KnowledgeError, match=r"'aloof'.*apart"):
        knowledge.specialties()


def test_a_setting_word_list_for_an_unknown_setting_is_reported(broken_knowledge):
    path = broken_knowledge / "vocabulary.toml"
    path.write_text(path.read_text().replace("\n[settings]\n",
                                             '\n[settings]\nspaceship = ["orbit"]\n'))
    with pytest.raises(knowledge.KnowledgeError, match=r"vocabulary\.toml.*spaceship"):
        knowledge.setting_words()


def test_a_regulator_in_an_unknown_jurisdiction_is_reported(broken_knowledge):
    path = broken_knowledge / "licensure.toml"
    path.write_text(path.read_text() + '"Board of Atlantis" = "XX-AT"\n')
    with pytest.raises(knowledge.KnowledgeError, match=r"licensure\.toml.*Atlantis"):
        knowledge.regulators()


def test_every_knowledge_file_notes_its_sources():
    for path in knowledge.KNOWLEDGE_DIR.glob("*.toml"):
        head = path.read_text(encoding="utf-8")[:3000]
        assert head.startswith("#") and "Sources" in head, path.name


def test_the_shipped_files_load():
    knowledge.validate_all()
