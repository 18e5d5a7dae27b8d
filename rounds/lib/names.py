"""People's names as registries export them: ALL CAPS ("MC DONALD", "O'BRIEN", "SMITH-JONES")
made readable, and full names split into first and last.

Only names written entirely in capitals are re-cased: a name with any lower-case letter was
typed by someone who knew how it is written ("de la Cruz", "McKenzie", "van Gogh") and is kept
exactly as it is."""

from __future__ import annotations

import re

# Words that stay in lower case inside a name ("Maria de la Cruz"), never at its start.
PARTICLES = frozenset({"de", "la", "del", "della", "di", "da", "du", "dos", "das", "y"})
ROMAN = frozenset({"ii", "iii", "iv", "vi", "vii", "viii", "ix"})
# "Mac" is cased MacX only before these stems: Machado, Mackey, Macon and Macias are not
# Mac + a name, and no rule on the letters tells them apart.
_MAC_STEMS = frozenset(
    {
        "allister",
        "alister",
        "arthur",
        "aulay",
        "cormack",
        "donald",
        "donnell",
        "dougall",
        "dowell",
        "ewan",
        "ewen",
        "farlane",
        "gillivray",
        "gregor",
        "innes",
        "intosh",
        "intyre",
        "iver",
        "kay",
        "kenna",
        "kenzie",
        "kinley",
        "kinnon",
        "lachlan",
        "laren",
        "lean",
        "lennan",
        "leod",
        "millan",
        "namara",
        "neil",
        "nab",
        "pherson",
        "phail",
        "queen",
        "rae",
        "tavish",
    }
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_HONORIFICS = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "miss", "sir", "rev"})
# Family-name prefixes that belong with the word after them: "Molly Van Wert", "Khaled Al Sibai".
_SURNAME_PREFIXES = frozenset(
    {
        "van",
        "von",
        "de",
        "del",
        "della",
        "der",
        "den",
        "di",
        "da",
        "du",
        "dos",
        "das",
        "la",
        "le",
        "st",
        "st.",
        "ste",
        "saint",
        "al",
        "el",
        "bin",
        "ben",
        "ter",
        "ten",
        "mc",
        "mac",
        "abu",
        "ibn",
    }
)


def _case_piece(piece: str, *, first: bool) -> str:
    """One alphabetic run of a name, in capitals, properly cased."""
    low = piece.lower()
    if not first and low in PARTICLES:
        return low
    if not first and low in ROMAN:
        return piece.upper()
    if low.startswith("mc") and len(low) > 2:
        return "Mc" + low[2].upper() + low[3:]
    if low.startswith("mac") and low[3:] in _MAC_STEMS:
        return "Mac" + low[3].upper() + low[4:]
    return low[:1].upper() + low[1:]


def proper_case_name(text: str) -> str:
    """A name in capitals, properly cased: "MC DONALD" → "McDonald", "O'BRIEN" → "O'Brien",
    "SMITH-JONES" → "Smith-Jones",
    "DE LA CRUZ" → "De la Cruz", "JOHN SMITH III" → "John Smith III". A name with any
    lower-case letter comes back unchanged."""
    if not text or not any(ch.isupper() for ch in text) or any(ch.islower() for ch in text):
        return text
    words = text.split()
    # "MC DONALD": the prefix and the name are one word that lost its capital D.
    joined: list[str] = []
    for word in words:
        if joined and joined[-1].lower() == "mc" and word.isalpha():
            joined[-1] = joined[-1] + word
        else:
            joined.append(word)
    out = []
    for i, word in enumerate(joined):
        # Letters between apostrophes, hyphens and dots each start with a capital ("O'Brien",
        # "Smith-Jones", "St.John"), except a possessive-like trailing s ("D'S" is rare).
        parts = re.split(r"([-'’.])", word)
        cased = []
        for j, part in enumerate(parts):
            if not part or not part.isalpha():
                cased.append(part)
            else:
                cased.append(_case_piece(part, first=(i == 0 and j == 0)))
        out.append("".join(cased))
    return " ".join(out)


def split_full_name(text: str) -> tuple[str, str]:
    """(first, last) from a full name: “Okafor, Amara” → (Amara, Okafor); “Dr. Amara N.
    Okafor” → (Amara N., Okafor); “MOLLY VAN WERT” → (MOLLY, VAN WERT); “KWAKU OWUSU -
    ABROKWA” → (KWAKU, OWUSU-ABROKWA). Casing is left to proper_case_name."""
    text = " ".join((text or "").split())
    text = re.sub(r"\s*-\s*", "-", text)
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split(" ")
    while len(words) > 1 and words[0].lower().rstrip(".") in _HONORIFICS:
        words.pop(0)
    if len(words) < 2:
        return (words[0] if words else ""), ""
    start = len(words) - 1
    # "JOHN SMITH III", "Smith Jr.": the suffix goes with the family name.
    if start > 1 and words[start].lower().rstrip(".") in _SUFFIXES:
        start -= 1
    # Pull the family-name prefixes in front of the last word into the last name, keeping at
    # least one word for the first name.
    while start > 1 and words[start - 1].lower() in _SURNAME_PREFIXES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])
