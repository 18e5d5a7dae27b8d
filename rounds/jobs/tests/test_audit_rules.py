"""The job-description audit's rules as pure functions: for every rule, a posting that passes
and one that fails. Dates are arguments; nothing here reads the clock or the database."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from rounds.jobs import audit
from rounds.jobs.audit import Posting
from rounds.jobs.choices import AuditSeverity

TODAY = date(2026, 3, 2)  # every law below is in force

GOOD = Posting(
    title="Family Physician",
    description=(
        "Join a clinic of eight family physicians caring for a rural community. You will see "
        "your own panel four days a week, share call one weekend in six, and work with nurses, "
        "a pharmacist and a social worker in the same building."
    ),
    value_proposition="Fee-for-service with a 70/30 split, no overhead in year one, and a "
                      "full front desk.",
    benefits="Health and dental plan, four weeks of paid time off, CME allowance.",
    profession="physician",
    must_haves=("Licence to practise in the province",),
    nice_to_haves=("Obstetrics",),
    pay_min=Decimal("280000"),
    pay_max=Decimal("320000"),
    pay_currency="CAD",
    pay_period="year",
    jurisdiction="CA-AB",
    has_location=True,
    place_names=("Red Deer", "AB", "Alberta"),
    apply_by=date(2026, 4, 30),
    vacancy_exists=True,
    ai_screening=False,
)


def rules_of(posting: Posting, today: date = TODAY) -> set[str]:
    return {f.rule for f in audit.audit(posting, today=today)}


def test_the_good_posting_passes_everywhere():
    for code in ("CA-AB", "US-CO", "US-NY", "US-CA", "US-WA", "CA-BC", "CA-ON", ""):
        assert rules_of(replace(GOOD, jurisdiction=code)) == set(), code


# (rule, the posting's jurisdiction, what breaks it)
FAILING = [
    # Pay in general
    ("pay.missing", "CA-AB", {"pay_min": None, "pay_max": None}),
    ("pay.open_ended", "CA-AB", {"pay_max": None}),
    ("pay.open_ended", "CA-AB", {"pay_min": None}),
    ("pay.unit", "CA-AB", {"pay_period": "hour"}),
    ("pay.unit", "CA-AB", {"pay_min": Decimal("95"), "pay_max": Decimal("120")}),
    ("pay.currency", "CA-AB", {"pay_currency": ""}),
    # Colorado
    ("co.pay_range", "US-CO", {"pay_max": None}),
    ("co.benefits", "US-CO", {"benefits": "  "}),
    ("co.apply_by", "US-CO", {"apply_by": None}),
    # New York State
    ("ny.pay_range", "US-NY", {"pay_min": None}),
    ("ny.description", "US-NY", {"description": ""}),
    # California and Washington
    ("ca.pay_scale", "US-CA", {"pay_min": None, "pay_max": None}),
    ("wa.pay_scale", "US-WA", {"pay_max": None}),
    ("wa.benefits", "US-WA", {"benefits": ""}),
    # British Columbia
    ("bc.pay", "CA-BC", {"pay_max": None}),
    ("bc.pay_wording", "CA-BC", {"description": GOOD.description + " Pay from $280,000."}),
    ("bc.pay_wording", "CA-BC", {"description": GOOD.description + " $280k and up."}),
    # Ontario (from 2026)
    ("on.pay", "CA-ON", {"pay_min": None, "pay_max": None}),
    ("on.pay_range_width", "CA-ON", {"pay_min": Decimal("100000"), "pay_max": Decimal("160000")}),
    ("on.pay_range_width", "CA-ON", {"pay_period": "month", "pay_min": Decimal("10000"),
                                     "pay_max": Decimal("15000")}),
    ("on.vacancy", "CA-ON", {"vacancy_exists": None}),
    ("on.ai_screening", "CA-ON", {"ai_screening": None}),
    ("on.canadian_experience", "CA-ON", {"must_haves": ("Two years of Canadian experience",)}),
    # Degree inflation
    ("degree.licensed_degree", "CA-AB", {"must_haves": ("MD degree from an accredited school",)}),
    ("degree.licensed_years", "CA-AB", {"must_haves": ("5+ years of experience",)}),
    ("degree.licensed_years", "CA-AB",
     {"description": GOOD.description + " A minimum of three years in practice is required."}),
    ("degree.licensed_years", "CA-AB",
     {"description": GOOD.description + " You have at least 2 years of practice."}),
    ("degree.credential_role", "CA-AB",
     {"profession": "front_office", "title": "Front Desk Coordinator",
      "must_haves": ("Bachelor's degree",)}),
    ("degree.credential_role", "CA-AB",
     {"profession": "other", "title": "Pharmacy Technician",
      "must_haves": ("University degree required",)}),
    ("degree.credential_years", "CA-AB",
     {"profession": "medical_office_assistant", "title": "Medical Office Assistant",
      "must_haves": ("3 years of experience",)}),
    # Exclusionary wording
    ("wording.canadian_experience", "CA-AB", {"nice_to_haves": ("Canadian experience",)}),
    ("wording.native_speaker", "CA-AB", {"must_haves": ("Native English speaker",)}),
    ("wording.age", "CA-AB", {"description": GOOD.description + " Ideal for a recent graduate."}),
    ("wording.age", "CA-AB", {"description": GOOD.description + " Join our young team."}),
    ("wording.citizenship", "US-CO", {"must_haves": ("Must be a US citizen",)}),
    # Gender-coded words (a note)
    ("wording.gender_coded", "CA-AB", {"description": GOOD.description + " Be competitive."}),
    ("wording.gender_coded", "CA-AB", {"value_proposition": "A warm, supportive clinic."}),
    # The posting itself
    ("posting.value_proposition", "CA-AB", {"value_proposition": ""}),
    ("posting.location", "CA-AB", {"has_location": False, "place_names": ()}),
    ("posting.title_stuffed", "CA-AB", {"title": "Family Physician $300K"}),
    ("posting.title_stuffed", "CA-AB", {"title": "Family Physician - Red Deer"}),
    ("posting.title_stuffed", "CA-AB", {"title": "Family Physician HIRING NOW!!"}),
    ("posting.title_stuffed", "CA-AB", {"title": "RN $45/hr"}),
    ("posting.description_short", "CA-AB", {"description": "Great job, apply now."}),
]


@pytest.mark.parametrize(("rule", "code", "changes"), FAILING,
                         ids=[f"{r}-{i}" for i, (r, _c, _x) in enumerate(FAILING)])
def test_each_rule_fails_a_posting_that_breaks_it_and_passes_the_good_one(rule, code, changes):
    good = replace(GOOD, jurisdiction=code)
    assert rule not in rules_of(good)
    bad = replace(good, **changes)
    findings = [f for f in audit.audit(bad, today=TODAY) if f.rule == rule]
    assert findings, f"{rule} not found in {rules_of(bad)}"
    f = findings[0]
    assert f.message and f.reason and f.fix
    assert f.severity in AuditSeverity.values


def test_every_rule_in_the_data_has_a_failing_case():
    covered = {r for r, _c, _x in FAILING}
    ids = {law["id"] for law in audit.rules()["pay_law"]}
    ids |= {f"wording.{e['id']}" for e in audit.rules()["exclusionary"]}
    assert ids <= covered, ids - covered


def test_jurisdiction_findings_block_publishing_and_advice_does_not():
    bad = replace(GOOD, jurisdiction="US-CO", benefits="", value_proposition="")
    findings = audit.audit(bad, today=TODAY)
    assert [f.rule for f in audit.blocking(findings)] == ["co.benefits"]
    assert findings[0].rule == "co.benefits"  # the law's findings come first
    assert not next(f for f in findings if f.rule == "posting.value_proposition").blocks_publishing


def test_a_law_finding_replaces_the_general_pay_advice():
    rules = rules_of(replace(GOOD, jurisdiction="CA-BC", pay_max=None))
    assert "bc.pay" in rules and "pay.open_ended" not in rules
    rules = rules_of(replace(GOOD, jurisdiction="CA-ON", must_haves=("Canadian experience",)))
    assert "on.canadian_experience" in rules and "wording.canadian_experience" not in rules


@pytest.mark.parametrize(("day", "expected"), [
    (date(2025, 12, 31), False),
    (date(2026, 1, 1), True),
])
def test_ontario_rules_apply_from_1_january_2026(day, expected):
    bad = replace(GOOD, jurisdiction="CA-ON", vacancy_exists=None, ai_screening=None)
    rules = rules_of(bad, today=day)
    assert ("on.vacancy" in rules) is expected
    assert ("on.ai_screening" in rules) is expected


def test_colorado_close_date_applies_from_2024():
    bad = replace(GOOD, jurisdiction="US-CO", apply_by=None)
    assert "co.apply_by" not in rules_of(bad, today=date(2023, 12, 31))
    assert "co.apply_by" in rules_of(bad, today=date(2024, 1, 1))


@pytest.mark.parametrize(("low", "high", "period", "ok"), [
    ("150000", "200000", "year", True),     # exactly $50,000 wide
    ("149999", "200000", "year", False),    # a dollar wider; a top of exactly $200,000
                                            # doesn't exceed $200,000
    ("190000", "260000", "year", True),     # wider, but the top exceeds $200,000
    ("100000", "150001", "year", False),
    ("12000", "16000", "month", True),      # $48,000 a year wide
    ("60", "140", "hour", True),            # as posted: never $50,000 wide
])
def test_ontario_range_width(low, high, period, ok):
    p = replace(GOOD, jurisdiction="CA-ON", pay_min=Decimal(low), pay_max=Decimal(high),
                pay_period=period)
    assert ("on.pay_range_width" not in rules_of(p)) is ok


def test_a_single_figure_is_a_closed_range():
    p = replace(GOOD, jurisdiction="CA-BC", pay_min=Decimal("300000"),
                pay_max=Decimal("300000"))
    assert rules_of(p) == set()


def test_ontario_width_message_says_how_wide():
    p = replace(GOOD, jurisdiction="CA-ON", pay_min=Decimal("100000"), pay_max=Decimal("170000"))
    f = next(f for f in audit.audit(p, today=TODAY) if f.rule == "on.pay_range_width")
    assert "70,000" in f.message
    assert "O. Reg. 476/24" in f.reason


def test_degree_in_a_nice_to_have_is_not_inflation():
    p = replace(GOOD, nice_to_haves=("Master's degree in public health",))
    assert not rules_of(p) & {"degree.licensed_degree"}


def test_years_in_a_sentence_not_about_experience_are_not_a_demand():
    p = replace(GOOD, description=GOOD.description + " Patients here need care, and the clinic "
                                                     "has served them for 30 years.")
    assert "degree.licensed_years" not in rules_of(p)


def test_pay_plus_benefits_is_not_open_ended():
    p = replace(GOOD, jurisdiction="CA-BC",
                description=GOOD.description + " $280,000 plus benefits; $300k or so.")
    assert "bc.pay_wording" not in rules_of(p)


def test_one_year_of_experience_is_not_flagged():
    assert "degree.licensed_years" not in rules_of(replace(GOOD, must_haves=("1 year in ER",)))


def test_a_licence_requirement_is_not_a_degree_demand():
    p = replace(GOOD, profession="registered_nurse", title="Registered Nurse",
                must_haves=("Active RN registration with CARNA", "BLS certification"))
    assert not {r for r in rules_of(p) if r.startswith("degree.")}


# Gender-coded words -------------------------------------------------------------------------


def test_the_word_list_is_the_published_one_with_its_source():
    data = audit.gendered_words()
    assert "doi:10.1037/a0022530" in data["source"]
    assert len(data["masculine"]) == 42
    assert len(data["feminine"]) == 40
    assert "Self-relian*" in data["masculine"] and "Yield*" in data["feminine"]


@pytest.mark.parametrize(("text", "masculine", "feminine"), [
    ("competitive, competition and compete", ["competitive", "competition", "compete"], []),
    ("a kind team; kindness matters", [], ["kind"]),          # "Kind" has no *: kindness isn't it
    ("self-reliant and self-confident", ["self-reliant", "self-confident"], []),
    ("we support and understand you", [], ["support", "understand"]),
    ("LEADERSHIP", ["leadership"], []),
    ("the clinic opens at eight", [], []),
])
def test_stems_with_a_star_match_prefixes_and_others_whole_words(text, masculine, feminine):
    found = audit.count_gendered_words(text)
    assert found == {"masculine": masculine, "feminine": feminine}


def test_gendered_wording_reports_counts_and_examples_not_a_verdict():
    p = replace(GOOD, description=GOOD.description + " Lead with confidence; a competitive, "
                                                     "decisive leader who can support others.")
    f = next(f for f in audit.audit(p, today=TODAY) if f.rule == "wording.gender_coded")
    assert f.severity == AuditSeverity.NOTE and not f.blocks_publishing
    assert f.counts == {"masculine": 4, "feminine": 1}
    assert set(f.examples) == {"lead", "competitive", "decisive", "leader", "support"}
    assert "4 masculine-coded words" in f.message and "1 feminine-coded word " in f.message
    assert "not a verdict" in f.reason


def test_findings_serialise_for_the_api():
    f = audit.audit(replace(GOOD, jurisdiction="US-WA", benefits=""), today=TODAY)[0]
    out = f.as_dict()
    assert out["rule"] == "wa.benefits" and out["blocks_publishing"] is True
    assert out["field"] == "benefits" and isinstance(out["examples"], list)
