"""What a job asks for, as matching sees it: a `JobSpec` read from a saved requisition or a
schema.org JobPosting, in codes (profession, specialty, licence jurisdiction, place, dates,
certifications, research areas), with what was understood and any warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rounds.candidates.choices import EmploymentType, Profession, Setting
from rounds.lib import jurisdictions

from . import knowledge, understand

SHORT_TERM = {EmploymentType.LOCUM, EmploymentType.CONTRACT, EmploymentType.PER_DIEM}
RESEARCH_PROFESSIONS = {Profession.CLINICAL_RESEARCH_ASSOCIATE,
                        Profession.CLINICAL_RESEARCH_COORDINATOR}
RESEARCH_SETTINGS = {Setting.RESEARCH_SITE, Setting.SPONSOR_CRO}
# "Board certified" with no board named is met by any board or college certification.
ANY_BOARD = "board_certified"


def _specialty_of(reading: understand.Reading, profession: str | None,
                  skip: str | None = None) -> str | None:
    """The first specialty read from the text that belongs to the job's profession (a nursing
    posting that mentions "family medicine clinic" is not asking for a family physician)."""
    for key in reading.specialties:
        info = knowledge.specialty(key)
        if info is None or key == skip:
            continue
        if not profession or profession == Profession.OTHER or info.profession == profession:
            return key
        if knowledge.profession_closeness(profession, info.profession) >= 0.7:
            return key
    return None


def specialty_for(reading: understand.Reading, profession: str | None) -> str | None:
    """The first specialty of a reading that belongs to this profession (public: locum shifts
    read theirs from their lists' names and notes this way)."""
    return _specialty_of(reading, profession)


COMMUTE_KM = 40.0
# Short-term work (locums, contracts) is travelled to, up to about a day's travel.
TRAVEL_KM = 1500.0

# Words of a nice-to-have that say nothing about what is wanted ("experience with", "speaks").
_FILLER = frozenset(["a", "an", "and", "in", "of", "on", "or", "the", "to", "with", "for", "at",
    "as", "by", "experience", "experienced", "skills", "skill", "knowledge", "ability", "able",
    "speaks", "speak", "speaking", "fluent", "fluency", "spoken", "language", "languages",
    "preferred", "desirable", "nice", "have", "having", "background", "interest", "interested",
    "exposure", "working", "work", "current", "valid", "plus"])
_NICE_SECTION = re.compile(
    r"(?:nice to have|nice-to-have|desirable|preferred qualifications?|an asset|assets?)"
    r"\s*:\s*([^\n]+?)(?:\.(?:\s|$)|\n|$)", re.IGNORECASE)


@dataclass(frozen=True)
class NiceToHave:
    """One nice-to-have as matching reads it: a certification, a specialty or, failing those,
    the words a candidate's record should contain ("Speaks Cree" -> "cree")."""

    text: str
    kind: str  # "certification" | "specialty" | "words"
    key: str = ""
    words: tuple[str, ...] = ()


def read_nice_to_have(text: str, profession: str | None) -> NiceToHave | None:
    text = " ".join((text or "").split()).strip(" .;,")
    if not text:
        return None
    cert = understand.read_certification(text)
    if cert:
        return NiceToHave(text, "certification", cert)
    words = tuple(w for w in re.findall(r"[a-zà-ÿ][a-zà-ÿ0-9+-]{2,}", text.lower())
                  if w not in _FILLER)
    reading = understand.read(text, title=text)
    key = _specialty_of(reading, profession)
    if key:
        return NiceToHave(text, "specialty", key, words)
    return NiceToHave(text, "words", "", words) if words else None


def nice_to_haves_in(description: str) -> list[str]:
    """The items of a "Nice to have: ..." sentence in a posting's text."""
    out: list[str] = []
    for found in _NICE_SECTION.findall(understand.plain_text(description or "")):
        for item in re.split(r";|,|\band\b", found):
            item = item.strip(" .")
            if item and len(item) <= 120 and item not in out:
                out.append(item)
    return out[:8]


def professions_in_title(title: str, first: str | None) -> list[str]:
    """Every profession a title names outright ("Respiratory Specialist Nurse/OT/
    Physiotherapist": three), the one read first; a profession another one named there may
    legally fill is not added ("Nurse Practitioner" is not also a registered-nurse post)."""
    out = [first] if first else []
    if not title:
        return out
    from .understand import _corrected, _index, _matches, _profession_votes, _tokens

    votes = _profession_votes(_matches(_corrected(_tokens(title)), _index()), field_words=0.0)
    for profession, vote in votes.most_common():
        if vote >= 2.9 and profession not in out:
            out.append(profession)
    return out


# --- what a job asks for ----------------------------------------------------------------------


@dataclass
class JobSpec:
    """A job as matching sees it: codes, place, dates and asks, plus where each came from."""

    title: str = ""
    description: str = ""
    profession: str | None = None
    # Every profession the post is open to, `profession` first ("Nurse/OT/Physiotherapist").
    professions: list[str] = field(default_factory=list)
    specialty: str | None = None
    # Another specialty the job names ("Intensivist / Anaesthetist"), counted a little less.
    also_specialty: str | None = None
    setting: str | None = None
    employment_type: str | None = None
    jurisdiction: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    place: str = ""
    remote: bool = False
    start_date: date | None = None
    end_date: date | None = None
    years_required: int | None = None
    certifications_required: list[str] = field(default_factory=list)
    certifications_wanted: list[str] = field(default_factory=list)
    nice_to_haves: list[NiceToHave] = field(default_factory=list)
    therapeutic_areas: list[str] = field(default_factory=list)
    trial_phases: list[str] = field(default_factory=list)
    research_side: str | None = None
    pay_max: float | None = None
    pay_period: str | None = None
    compensation_model: str | None = None
    job_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def recognised(self) -> bool:
        return bool(self.profession and self.profession != Profession.OTHER) or bool(
            self.specialty
        )

    @property
    def regulated(self) -> bool:
        info = knowledge.professions().get(self.profession or "")
        return bool(info and info.regulated)

    @property
    def short_term(self) -> bool:
        return self.employment_type in SHORT_TERM

    @classmethod
    def from_job(cls, job) -> JobSpec:
        """From a saved requisition: its fields first, then what its text says."""
        requirements = list(job.requirements.all())
        text = "\n".join([job.description or "", *(r.text for r in requirements)])
        reading = understand.read(text, title=job.title)
        spec = cls(title=job.title, description=job.description or "", job_id=job.pk)
        spec.profession = job.profession if job.profession != Profession.OTHER else None
        spec.profession = spec.profession or reading.profession
        spec.professions = professions_in_title(job.title, spec.profession)
        info = knowledge.specialty(job.specialty_code) if job.specialty_code else None
        if info is None and job.specialty:
            info = understand.read_specialty(job.specialty)
        spec.specialty = info.key if info else _specialty_of(reading, spec.profession)
        if info is None and spec.specialty:
            spec.also_specialty = _specialty_of(reading, spec.profession, skip=spec.specialty)
        spec.setting = job.setting or (reading.settings[0] if reading.settings else None)
        spec.employment_type = job.employment_type or reading.employment_type
        site = job.site
        spec.jurisdiction = job.licence_jurisdiction or (
            reading.jurisdictions[0] if reading.jurisdictions else None
        )
        if site is not None:
            if site.latitude is not None:
                spec.latitude, spec.longitude = site.latitude, site.longitude
            spec.place = site.city or site.name
            if not spec.jurisdiction and site.region:
                spec.jurisdiction = jurisdictions.normalize(site.region, site.country)
        spec.remote = spec.setting == Setting.VIRTUAL
        spec.start_date, spec.end_date = job.start_date, getattr(job, "end_date", None)
        for r in requirements:
            cert = understand.read_certification(r.text)
            if cert:
                (spec.certifications_required if r.required else spec.certifications_wanted
                 ).append(cert)
            if r.kind == "experience" and spec.years_required is None and r.required:
                spec.years_required = understand.read(r.text, title="").years_experience
            if not r.required:
                nice = read_nice_to_have(r.text, spec.profession)
                if nice and nice not in spec.nice_to_haves:
                    spec.nice_to_haves.append(nice)
        spec.years_required = spec.years_required or reading.years_experience
        for cert in reading.certifications:
            if cert not in spec.certifications_required and cert not in spec.certifications_wanted:
                spec.certifications_wanted.append(cert)
        spec._research_asks(reading)
        if job.pay_max is not None or job.pay_min is not None:
            spec.pay_max = float(job.pay_max if job.pay_max is not None else job.pay_min)
            spec.pay_period = job.pay_period
        profile = getattr(job.organization, "employer_profile", None) if job.organization_id \
            else None
        spec.compensation_model = (profile.compensation_model or None) if profile else None
        spec.evidence = dict(reading.evidence)
        spec._warn()
        return spec

    @classmethod
    def from_posting(cls, posting: understand.Posting) -> JobSpec:
        """From a schema.org JobPosting read by rounds.matching.understand.read_posting."""
        reading = posting.reading
        spec = cls(title=posting.title, description=posting.description)
        spec.profession = reading.profession
        spec.professions = professions_in_title(posting.title, spec.profession)
        spec.specialty = _specialty_of(reading, spec.profession)
        if spec.specialty:
            spec.also_specialty = _specialty_of(reading, spec.profession, skip=spec.specialty)
        spec.setting = reading.settings[0] if reading.settings else None
        spec.employment_type = posting.employment_type or reading.employment_type
        # Where the job is decides the licence it needs; a jurisdiction the text names (a
        # remote role, a posting without an address) comes next.
        spec.jurisdiction = (
            jurisdictions.normalize(posting.region, posting.country) if posting.region else None
        ) or (reading.jurisdictions[0] if reading.jurisdictions else None)
        spec.latitude, spec.longitude = posting.latitude, posting.longitude
        if spec.latitude is None and (posting.postal_code or posting.city):
            from rounds.lib import geo

            place = geo.locate(postal_code=posting.postal_code, city=posting.city,
                               region=posting.region, country=posting.country)
            if place:
                spec.latitude, spec.longitude = place.latitude, place.longitude
        spec.place = posting.city or posting.region
        spec.remote = spec.setting == Setting.VIRTUAL
        spec.years_required = reading.years_experience
        spec.certifications_wanted = list(reading.certifications)
        for text in nice_to_haves_in(posting.description):
            nice = read_nice_to_have(text, spec.profession)
            if nice and nice not in spec.nice_to_haves:
                spec.nice_to_haves.append(nice)
        spec._research_asks(reading)
        if posting.pay_max is not None or posting.pay_min is not None:
            spec.pay_max = float(posting.pay_max if posting.pay_max is not None
                                 else posting.pay_min)
            spec.pay_period = posting.pay_period
        spec.evidence = dict(reading.evidence)
        spec.warnings = list(posting.warnings)
        spec._warn()
        return spec

    def _research_asks(self, reading: understand.Reading) -> None:
        """Therapeutic areas, trial phases and site or sponsor side matter for research roles;
        elsewhere "oncology" in a nurse's posting is the ward, not a trial portfolio."""
        if self.profession in RESEARCH_PROFESSIONS or self.setting in RESEARCH_SETTINGS:
            self.therapeutic_areas = list(reading.therapeutic_areas)
            self.trial_phases = list(reading.trial_phases)
            self.research_side = reading.research_side

    def _warn(self) -> None:
        if not self.recognised:
            message = ("Nothing recognisable in this job's title or description (no profession "
                       "or specialty): candidates are ranked by text similarity.")
            if message not in self.warnings and not any("text similarity" in w
                                                        for w in self.warnings):
                self.warnings.append(message)

    def summary(self) -> list[str]:
        """What matching understood, in words, to show above the results."""
        out = []
        for profession in self.professions or ([self.profession] if self.profession else []):
            out.append(Profession(profession).label)
        for key in (self.specialty, self.also_specialty):
            info = knowledge.specialty(key) if key else None
            if info:
                out.append(info.name)
        if self.jurisdiction and self.regulated:
            out.append(f"licence: {jurisdictions.label(self.jurisdiction)}")
        if self.place:
            out.append(f"near {self.place}")
        if self.employment_type:
            out.append(EmploymentType(self.employment_type).label.lower())
        if self.years_required:
            out.append(f"{self.years_required}+ years")
        certs = knowledge.certifications()
        for key in self.certifications_required:
            out.append(f"{certs[key].name if key in certs else key} (must-have)")
        areas = knowledge.therapeutic_areas()
        out.extend(areas[k].name for k in self.therapeutic_areas if k in areas)
        out.extend(f"{nice.text} (nice-to-have)" for nice in self.nice_to_haves)
        return out


_spec_cache: dict[tuple, JobSpec] = {}


def spec_for_job(job) -> JobSpec:
    """The JobSpec of a saved job, remembered until the job or its employer profile (whose
    compensation model the spec reads) changes."""
    profile = getattr(job.organization, "employer_profile", None) if job.organization_id \
        else None
    key = (job.pk, job.updated_at, profile.updated_at if profile else None)
    spec = _spec_cache.get(key)
    if spec is None:
        if len(_spec_cache) > 2000:
            _spec_cache.clear()
        spec = _spec_cache[key] = JobSpec.from_job(job)
    return spec


def forget() -> None:
    """Drop remembered specs (tests roll the database back between them)."""
    _spec_cache.clear()
