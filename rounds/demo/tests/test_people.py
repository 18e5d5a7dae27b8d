"""Generated people: valid, realistic enough to exercise import and search, deterministic."""

from collections import Counter

import pytest

from rounds.candidates.choices import Profession, Source
from rounds.demo.people import CA_PLACES, IMPORT_COLUMNS, US_PLACES, candidate_rows
from rounds.lib import geo, jurisdictions
from rounds.lib.contact import normalize_email, normalize_phone


def test_rows_have_exactly_the_import_columns_as_strings():
    for row in candidate_rows(200, seed=3):
        assert list(row) == IMPORT_COLUMNS
        assert all(isinstance(v, str) for v in row.values())


def test_same_seed_gives_same_rows_and_other_seed_differs():
    assert list(candidate_rows(300, seed=7)) == list(candidate_rows(300, seed=7))
    assert list(candidate_rows(50, seed=7)) == list(candidate_rows(300, seed=7))[:50]
    assert list(candidate_rows(300, seed=8)) != list(candidate_rows(300, seed=7))


def test_sample_rows_validate_email_phone_location_profession_source_jurisdictions():
    for row in candidate_rows(2000, seed=1):
        assert normalize_email(row["email"])
        assert normalize_phone(row["phone"], row["country"]).startswith("+1")
        place = geo.locate(postal_code=row["postal_code"], city=row["city"],
                           region=row["region"], country=row["country"])
        assert place is not None and place.region == row["region"], row
        assert row["profession"] in Profession.values
        assert row["source"] in Source.values
        codes = [c for c in row["licence_jurisdictions"].split(";") if c]
        assert all(c in jurisdictions.JURISDICTIONS for c in codes)
        assert all(jurisdictions.country_of(c) == row["country"] for c in codes)
        assert bool(codes) == bool(row["licence_number"])
        assert int(row["years_experience"]) >= 0
        assert row["first_name"] and row["last_name"] and row["headline"] and row["specialty"]


@pytest.mark.parametrize("place", CA_PLACES + US_PLACES, ids=lambda p: f"{p.city}-{p.region}")
def test_every_city_and_postal_code_resolves(place):
    assert geo.locate(city=place.city, region=place.region, country=place.country)
    for code in place.postal:
        found = geo.locate(postal_code=code, country=place.country)
        assert found is not None and found.region == place.region, code


def test_every_area_code_gives_valid_phones():
    rows = list(candidate_rows(20000, seed=2))
    area_codes = {p.area_codes[i] for p in CA_PLACES + US_PLACES for i in range(len(p.area_codes))}
    seen = set()
    for row in rows:
        e164 = normalize_phone(row["phone"], row["country"])
        seen.add(e164[2:5])
    assert seen == area_codes


def test_emails_are_unique_across_rows_and_seeds():
    a = [r["email"].lower() for r in candidate_rows(20000, seed=0)]
    b = [r["email"].lower() for r in candidate_rows(20000, seed=1)]
    assert len(set(a)) == len(a)
    assert not set(a) & set(b)


def test_mix_is_realistic_and_country_filter_holds():
    rows = list(candidate_rows(5000, seed=0))
    professions = Counter(r["profession"] for r in rows)
    for p in ("physician", "nurse_practitioner", "registered_nurse", "practical_nurse",
              "clinical_research_coordinator", "clinical_research_associate",
              "medical_office_assistant", "front_office", "pharmacist", "physiotherapist",
              "sonographer"):
        assert professions[p] > 0, p
    specialties = Counter((r["profession"], r["specialty"]) for r in rows)
    assert specialties.most_common(1)[0][0] == ("physician", "Family medicine")
    regions = Counter(r["region"] for r in rows if r["country"] == "CA")
    assert regions.most_common(1)[0][0] == "AB"
    assert {"BC", "SK", "ON"} <= set(regions)
    us_regions = Counter(r["region"] for r in rows if r["country"] == "US")
    assert us_regions.most_common(1)[0][0] == "TX" and "ME" in us_regions
    assert any(";" in r["licence_jurisdictions"] for r in rows)
    headlines = " ".join(r["headline"] for r in rows)
    for credential in ("MD", "CCFP", "FRCPC", "RN", "NP-C", "LPN"):
        assert credential in headlines
    assert {r["country"] for r in candidate_rows(500, seed=0, country="US")} == {"US"}
    assert {r["country"] for r in candidate_rows(500, seed=0, country="ca")} == {"CA"}
    with pytest.raises(ValueError):
        next(candidate_rows(1, country="GB"))


def test_generator_streams_the_requested_number_of_rows():
    # Speed is measured by the benchmarks (bench/seed.py, bench/import_csv.py), not here.
    assert sum(1 for _ in candidate_rows(5_000, seed=5)) == 5_000


RESERVED = (".example.com", ".example.org", ".example.net", ".example", ".test")


def _reserved(domain: str) -> bool:
    """RFC 2606 / RFC 6761 names: nobody can own them, so no demo message reaches a person."""
    return domain in {"example.com", "example.org", "example.net"} or domain.endswith(RESERVED)


def test_every_demo_address_and_site_is_on_a_reserved_domain():
    import re
    from pathlib import Path

    domains = {row["email"].rsplit("@", 1)[1] for row in candidate_rows(3000, seed=1)}
    assert domains and all(_reserved(d) for d in domains), sorted(domains)
    demo = Path(__file__).resolve().parents[1]
    found = set()
    for path in demo.glob("*.py"):
        for m in re.finditer(r"[\w.-]+@([\w-]+(?:\.[\w-]+)+)|\b([\w-]+\.(?:com|ca|net|org|io|me))"
                             r"(?:/[\w/-]*)?\b", path.read_text()):
            domain = m.group(1) or m.group(2)
            if not _reserved(domain) and not domain.startswith(("self.", "loader.")):
                found.add(f"{path.name}: {domain}")
    assert found == set()
