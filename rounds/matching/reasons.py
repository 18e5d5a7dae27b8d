"""Reasons and gaps: short sentences a recruiter can say on the phone, written for the rows of
the page shown (rounds.matching.engine.rank), from the index columns and the knowledge."""

from __future__ import annotations

import math
import time
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from rounds.candidates.choices import CandidateStatus, EmploymentType, Profession
from rounds.lib import jurisdictions, units

from . import knowledge
from .choices import Component
from .spec import ANY_BOARD, COMMUTE_KM, TRAVEL_KM, JobSpec

if TYPE_CHECKING:
    from .engine import Match, Scored
    from .index import MatchIndex


def _bits(value: int, keys: list[str]) -> list[str]:
    """The keys whose bit is set in `value`, lowest bit first."""
    out = []
    while value:
        low = value & -value
        i = low.bit_length() - 1
        if i < len(keys):
            out.append(keys[i])
        value ^= low
    return out


def _row_mask128(col: np.ndarray, row: int) -> int:
    return int(col[row, 0]) | (int(col[row, 1]) << 64)


def _years(years: float) -> str:
    n = round(years)
    return "1 year's" if n == 1 else f"{n} years'"


def _fmt_date(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def org_unit(organization_id: int) -> str:
    """The organization's distance unit (miles in the US unless it chose otherwise)."""
    from rounds.accounts.models import Organization

    org = Organization.objects.only("country", "distance_unit").filter(pk=organization_id).first()
    return units.distance_unit(org) if org else units.KM


def explain(match: Match, spec: JobSpec, index: MatchIndex, row: int, scored: Scored, *,
            unit: str | None = None) -> None:
    """Short human-readable reasons (what fits) and gaps (what is missing) for one row."""
    c = index.cols
    v = index.vocab
    comp = match.components
    reasons, gaps = match.reasons, match.gaps
    prof_id = int(c["prof"][row])
    held = v.profession_keys[prof_id] if prof_id >= 0 else None
    if Component.PROFESSION in comp:
        label = Profession(held).label if held else "Profession not recorded"
        if comp[Component.PROFESSION] >= 1:
            reasons.append(label)
        elif held and comp[Component.PROFESSION] >= 0.85:
            gaps.append(f"{label}, not a {Profession(spec.profession).label.lower()} (may fill "
                        "the role)")
        elif held:
            gaps.append(f"{label}, not a {Profession(spec.profession).label.lower()}")
        else:
            gaps.append("Profession not recorded")

    specs = [v.specialty_keys[i] for i in c["spec"][row] if i >= 0]
    all_specialties = knowledge.specialties()
    wanted = all_specialties.get(spec.specialty or "")
    other_profession = bool(
        held and wanted and len(spec.professions) > 1 and held != wanted.profession
        and knowledge.profession_closeness(wanted.profession, held) < 0.85)
    if Component.SPECIALTY in comp and not other_profession:
        closeness = comp[Component.SPECIALTY]
        best = max(specs, key=lambda k: knowledge.specialty_closeness(spec.specialty, k),
                   default=None)
        if spec.also_specialty and best and closeness < 1 and spec.also_specialty in specs:
            best = spec.also_specialty
            closeness = 1.0
        best_name = all_specialties[best].name if best in all_specialties else None
        if not specs:
            gaps.append(f"No specialty recorded ({wanted.name} wanted)" if wanted
                        else "No specialty recorded")
        elif closeness >= 1:
            reasons.append(best_name)
        elif closeness < 0.75 and wanted and all(
                all_specialties[k].general for k in specs if k in all_specialties):
            gaps.append(f"No particular specialty ({best_name}); {wanted.name} wanted")
        elif closeness >= 0.75:
            reasons.append(f"{best_name}, close to {wanted.name}" if wanted else best_name)
        elif closeness >= 0.6:
            gaps.append(f"{best_name}, related to {wanted.name}" if wanted else best_name)
        else:
            names = ", ".join(all_specialties[k].name for k in specs[:2] if k in all_specialties)
            gaps.append(f"{names}, not {wanted.name}" if wanted else names)

    if Component.LICENCE in comp:
        j = spec.jurisdiction
        here = jurisdictions.label(j).split(" (")[0]
        short = j.split("-", 1)[1]
        states = {}
        for state in ("a", "p", "x", "r"):
            for code in _bits(_row_mask128(c[f"lic_{state}"], row), v.jurisdiction_keys):
                states.setdefault(code, state)
        current = [code for code, s in states.items() if s == "a"]
        score = comp[Component.LICENCE]
        # A licence carries by the rules of the profession it was issued for.
        licensed_as = held or spec.profession
        if states.get(j) == "a":
            reasons.append(f"Licensed in {short}")
        elif score >= 0.94:
            held_code = next((h for h in current if knowledge.covers(licensed_as, h, j)), "")
            rule = knowledge.portability(licensed_as, held_code, j) if held_code else None
            reasons.append(f"Licensed in {held_code.split('-', 1)[-1]}; "
                           f"{rule.scheme if rule else 'a compact'} covers {short}")
        elif states.get(j) == "p":
            gaps.append(f"{short} licence pending or eligible, not yet issued")
        else:
            rule = None
            for h in current:
                rule = knowledge.portability(licensed_as, h, j)
                if rule:
                    break
            if rule:
                gaps.append(rule.note[:1].upper() + rule.note[1:])
            elif states.get(j) == "x":
                gaps.append(f"{short} licence lapsed")
            elif current:
                listed = ", ".join(h.split("-", 1)[1] for h in current[:3])
                gaps.append(f"Licensed in {listed}; needs a {here} licence")
            else:
                gaps.append(f"No licence on record ({here} needed)")

    if Component.DISTANCE in comp and scored.distance is not None:
        d = float(scored.distance[row])
        place = spec.place or "the job"
        if math.isnan(d):
            gaps.append("Location unknown")
        else:
            unit = unit or org_unit(index.organization_id)
            km = f"{units.distance_text(d, unit)} from {place}"
            reloc = bool(c["reloc"][row])
            radius = float(c["radius"][row])
            if d <= COMMUTE_KM:
                reasons.append(km)
            elif reloc and (math.isnan(radius) or d <= radius):
                reasons.append(f"{km}; open to relocating")
            elif spec.short_term and d <= TRAVEL_KM:
                reasons.append(f"{km} (travel for short-term work)")
            elif reloc:
                gaps.append(f"{km}; relocation radius {units.distance_text(radius, unit)}")
            else:
                gaps.append(f"{km}; not open to relocating")

    if Component.AVAILABILITY in comp and scored.coverage is not None:
        cov = float(scored.coverage[row])
        window = _fmt_date(spec.start_date)
        if spec.end_date and spec.end_date != spec.start_date:
            window += f"–{_fmt_date(spec.end_date)}"
        has_windows = bool(np.any(index.win_row == row))
        if cov >= 0.999:
            reasons.append(f"Available {window}")
        elif cov > 0:
            reasons.append(f"Available for {cov:.0%} of {window}")
        elif has_windows:
            gaps.append(f"Availability on record doesn't cover {window}")
        else:
            gaps.append("No availability on record")

    years = float(c["years"][row])
    if Component.EXPERIENCE in comp:
        need = spec.years_required
        if math.isnan(years):
            gaps.append(f"Years of experience unknown ({need}+ asked)")
        elif years >= need:
            reasons.append(f"{_years(years)} experience ({need}+ asked)")
        else:
            gaps.append(f"{_years(years)} experience; {need}+ asked")
    elif not math.isnan(years) and years >= 1:
        reasons.append(f"{_years(years)} experience")

    certs = knowledge.certifications()
    held_now = set(_bits(_row_mask128(c["cert"], row), v.certification_keys))
    held_any = set(_bits(_row_mask128(c["cert_any"], row), v.certification_keys))
    asked = [*spec.certifications_required, *spec.certifications_wanted]
    boards = [k for k in held_now if k in certs and certs[k].kind == "board"]
    have = [certs[k].name for k in asked if k in held_now and k in certs]
    if ANY_BOARD in asked and ANY_BOARD not in held_now and boards:
        have.append(certs[boards[0]].name)
    if have:
        reasons.append(", ".join(have[:4]) + " current")
    for nice, met in zip(spec.nice_to_haves, scored.nice, strict=False):
        if met[row]:
            reasons.append(f"{nice.text} (nice-to-have)")
    for key in spec.certifications_required:
        if key in held_now or key not in certs or (key == ANY_BOARD and boards):
            continue
        name = certs[key].name
        gaps.append(f"{name} expired" if key in held_any else f"No {name} on record")
    areas = knowledge.therapeutic_areas()
    if spec.therapeutic_areas:
        got = [areas[k].name for k in _bits(int(c["areas"][row]), v.area_keys)
               if k in spec.therapeutic_areas and k in areas]
        if got:
            reasons.append(f"{', '.join(got[:3])} experience")
        else:
            gaps.append("No " + " / ".join(areas[k].name for k in spec.therapeutic_areas[:2]
                                           if k in areas) + " experience on record")
    phases = knowledge.trial_phases()
    if spec.trial_phases:
        got = [phases[k].name for k in _bits(int(c["phases"][row]), v.phase_keys)
               if k in spec.trial_phases and k in phases]
        if got:
            reasons.append(f"{', '.join(got)} trials")
    if spec.research_side in ("site", "sponsor"):
        side = int(c["side"][row])
        bit = 1 if spec.research_side == "site" else 2
        label = "site" if bit == 1 else "sponsor / CRO"
        if side & bit:
            reasons.append(f"{label.capitalize()} experience")
        elif side:
            gaps.append(f"No {label} experience ({'sponsor / CRO' if bit == 1 else 'site'} only)")

    if Component.PREFERENCES in comp:
        pref = int(c["pref_emp"][row])
        if spec.employment_type in v.employment_types and pref:
            label = EmploymentType(spec.employment_type).label.lower()
            if pref >> v.employment_types[spec.employment_type] & 1:
                reasons.append(f"Wants {label} work")
            else:
                wanted = [EmploymentType(k).label.lower() for k in
                          _bits(pref, list(v.employment_types))]
                gaps.append(f"Prefers {', '.join(wanted[:2])}")
        min_pay = float(c["min_pay"][row])
        if spec.pay_max and spec.pay_period == "year" and not math.isnan(min_pay) \
                and min_pay > spec.pay_max:
            gaps.append(f"Asks at least {min_pay:,.0f} a year")

    status_id = int(c["status"][row])
    status = list(v.statuses)[status_id] if status_id >= 0 else None
    hired = int(c["hired"][row])
    if hired:
        reasons.append("Hired by you before")
    elif int(c["engaged"][row]):
        reasons.append("Engaged with you before")
    if status == CandidateStatus.ACTIVE:
        reasons.append("Actively looking")
    elif status == CandidateStatus.NOT_LOOKING:
        gaps.append("Not looking at the moment")
    last = float(c["last_act"][row])
    if not math.isnan(last):
        age = (time.time() - last) / 86400
        if age <= 14:
            reasons.append("In touch in the last two weeks")
    if "text" in comp and comp["text"] > 0:
        reasons.append("Words of the posting appear in their record")
