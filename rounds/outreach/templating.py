"""Message templates: Django template syntax over a documented context of plain values.

A template may use these fields and nothing else (`FIELDS`); `validate` checks every variable,
every filter argument and every `{% if %}` condition against them when the template is saved, so
a misspelt field fails there, naming the field and the part, never at send time.

Only a short list of built-in tags and filters is available (`ALLOWED_TAGS`, `ALLOWED_FILTERS`):
those that can't fail on a field that is empty and can't make a text much longer than the
template (no `{% lorem %}`, no `center:"999999999"`, no loops: the context holds no lists). No
`{% load %}`, no `{% include %}`/`{% extends %}`, no tags that reach the request or the site, and
no autoescaping, since messages are text. At save, the subject and body are also rendered for a
made-up candidate and for one whose every field is empty, so a template that saves renders.
Sending goes through `render_or_error`, so a template saved before these rules (or a surprise)
costs one message with its reason, never the page or the worker.

The context is built from the records as plain dicts (`context_for`, `contexts_for` for many
candidates at once); model instances never reach a template, so a template can't walk from a
candidate to anything it was not given.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.template import (
    Context,
    Library,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import FilterExpression, Lexer, Node, TokenType, Variable
from django.template.defaulttags import ForNode, IfNode, RegroupNode, WithNode
from django.template.engine import Engine
from django.template.smartif import TokenBase
from django.utils import timezone

from rounds.candidates.choices import Profession

# Every field a template may use, with what it holds (shown on the template editor).
FIELDS: dict[str, dict[str, str]] = {
    "candidate": {
        "first_name": "First name",
        "last_name": "Last name",
        "preferred_name": "Preferred name (empty when none)",
        "name": "What to call them: preferred name, else first name",
        "credentials": "Credentials as written (MD, CCFP, RN…)",
        "specialty": "Primary specialty",
        "profession": "Profession (e.g. Physician)",
        "city": "City",
        "region": "Province or state",
        "years_experience": "Years of experience (empty when unknown)",
        "recent_certification": "A certification obtained in the last 2 years",
    },
    "job": {
        "title": "Job title",
        "city": "City of the job's site",
        "site": "Name of the job's site",
        "employment_type": "Permanent full-time, locum…",
        "pay_range": "Pay range as posted (e.g. CAD 280,000–420,000 per year)",
        "start": "Start date (e.g. March 2, 2026)",
    },
    "site": {
        "name": "Site name",
        "city": "Site city",
        "region": "Site province or state",
    },
    "employer": {
        "name": "Organization name",
        "value_proposition": "What's in it for them",
        "practice_model": "Practice model (e.g. Fee-for-service)",
        "compensation_model": "Compensation model",
        "team_based_care": "Team-based care",
        "admin_support": "Admin support",
        "emr": "EMR",
        "community_points": "Community and lifestyle",
    },
    "sender": {
        "first_name": "Your first name",
        "last_name": "Your last name",
        "name": "Your full name",
        "title": "Your title",
        "phone": "Your phone",
        "email": "Your email",
    },
    "organization": {
        "name": "Organization name",
    },
}
ALL_PATHS = [f"{group}.{name}" for group, names in FIELDS.items() for name in names]
PARTS = {"subject": "subject", "body": "body"}
# Names the template language itself provides.
BUILTIN_NAMES = {"True", "False", "None"}
# Tags a message template may not use: they load code, read other templates, or reach the
# request and the site rather than the documented context.
FORBIDDEN_TAGS = {
    "load", "include", "extends", "block", "ssi", "debug", "url", "csrf_token", "querystring",
}
# The built-in tags a message may use: none loops, repeats or generates text, and none fails on
# an empty field (`{% for %}` has nothing to walk: every field is a single value).
ALLOWED_TAGS = ("if", "with", "firstof", "now", "comment", "spaceless", "templatetag",
                "verbatim")
# Words that close or continue an allowed tag.
CLOSING_TAGS = {"elif", "else", "endif", "endwith", "endcomment", "endspaceless", "endverbatim"}
# The built-in filters a message may use: string filters that don't fail on an empty field or a
# number, and can't make a text longer than a small multiple of it (no `center`, `ljust`,
# `stringformat`, `add` or `addslashes`, which can grow it without limit, no `divisibleby` or
# `floatformat`, which fail on empty values or can be made to compute for ever).
ALLOWED_FILTERS = ("capfirst", "cut", "default", "default_if_none", "length", "lower",
                   "pluralize", "slugify", "striptags", "title", "truncatechars",
                   "truncatewords", "upper", "urlencode", "wordcount", "yesno")
RECENT_CERTIFICATION_DAYS = 730
# Looked up once: get_FOO_display rebuilds the choices on every call (10,000 in a campaign).
PROFESSION_LABELS = dict(Profession.choices)


class TextEngine(Engine):
    """Every built-in tag and filter, without the loader tags: used only to read a template
    while checking it, so a refused tag or filter can be named rather than be a syntax error."""

    default_builtins = ["django.template.defaulttags", "django.template.defaultfilters"]


def _allowed_library() -> Library:
    library = Library()
    for name in ALLOWED_TAGS:
        library.tags[name] = defaulttags.register.tags[name]
    for name in ALLOWED_FILTERS:
        library.filters[name] = defaultfilters.register.filters[name]
    return library


ALLOWED_LIBRARY = _allowed_library()


class MessageEngine(Engine):
    """The engine messages are rendered with: the allowed tags and filters and nothing else,
    so even a template that escaped the checks can't use the others."""

    def get_template_builtins(self, builtins):
        return [ALLOWED_LIBRARY]


CHECK_ENGINE = TextEngine(autoescape=False, loaders=[], libraries={})
ENGINE = MessageEngine(autoescape=False, loaders=[], libraries={})
# The name of each built-in filter function, to name a refused one.
FILTER_NAMES = {func: name for name, func in defaultfilters.register.filters.items()}


@lru_cache(maxsize=256)
def compile_text(text: str) -> Template:
    """Compile once per distinct text (a campaign renders one template thousands of times)."""
    return ENGINE.from_string(text or "")


def render(text: str, context: dict) -> str:
    """Render a subject or body with a context from `context_for`. The result is plain text
    (never marked safe): a candidate's name or an imported value is whatever people typed, so
    wherever the text is shown in a page, it is escaped."""
    rendered = compile_text(text).render(Context(context, autoescape=False))
    return "".join([rendered])  # a plain str: SafeString would skip escaping in templates


def render_or_error(text: str, context: dict) -> tuple[str, str]:
    """(rendered text, "") or ("", why it can't be rendered) — for sending, where a template
    that fails for one candidate must cost that message (with the reason), not the request or
    the worker's run."""
    try:
        return render(text, context), ""
    except Exception as exc:  # noqa: BLE001 - any failure of a user's template is reported
        return "", failure_reason(exc, text)


def failure_reason(exc: Exception, text: str = "") -> str:
    """Why rendering `text` raised `exc`, in words, for a message's status reason."""
    if isinstance(exc, TemplateSyntaxError):
        # Saved before the current rules (e.g. a filter no longer available): say which.
        reason = check_text(text, "template") or _describe(exc)
    else:
        reason = _describe(exc)
    return f"The template could not be filled in for this candidate: {reason}"


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- validation ---------------------------------------------------------------------------


def validate(subject: str, body: str) -> None:
    """Raise ValidationError({part: message}) when the subject or body uses an unknown field,
    a tag or filter messages can't use, is not valid template syntax, or fails to render for
    a made-up candidate or for one whose every field is empty."""
    errors: dict[str, str] = {}
    for part, text in (("subject", subject or ""), ("body", body or "")):
        message = check_text(text, part) or check_renders(text, part)
        if message:
            errors[part] = message
    if errors:
        raise ValidationError(errors)


def check_text(text: str, part: str = "body") -> str:
    """The first problem in one part of a template, in words, or "" when it is fine."""
    where = f"in the {PARTS.get(part, part)}"
    problem = _check_tags(text, where)
    if problem:
        return problem
    try:
        template = CHECK_ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        return f"Template syntax error {where}: {exc}"
    for name in _filter_names(template.nodelist):
        if name not in ALLOWED_FILTERS:
            return (f"The filter “{name}” isn't available in messages ({where}); use one of "
                    f"{', '.join(ALLOWED_FILTERS)}.")
    try:
        # Only the allowed tags and filters: whatever the checks above missed fails here.
        ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        return f"Template syntax error {where}: {exc}"
    bound = _bound_names(template.nodelist)
    for path in _paths(template.nodelist, frozenset(bound)):
        problem = _check_path(path)
        if problem:
            return problem.replace("{where}", where)
    return ""


def _check_tags(text: str, where: str) -> str:
    comment = False
    for token in Lexer(text).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        name = (token.contents.split() or [""])[0]
        if comment:  # what is inside {% comment %} is never compiled
            comment = name != "endcomment"
            continue
        if name in FORBIDDEN_TAGS:
            return (f"“{{% {name} %}}” can't be used {where} (line {token.lineno}): message "
                    "templates use only the listed fields and the built-in tags.")
        if name not in ALLOWED_TAGS and name not in CLOSING_TAGS:
            return (f"The tag “{{% {name} %}}” isn't available in messages ({where}, line "
                    f"{token.lineno}); use one of {', '.join(ALLOWED_TAGS)}.")
        comment = name == "comment"
    return ""


def _filter_names(nodelist):
    """The name of every filter the template applies, wherever it is (variables, conditions,
    `with` and `firstof` arguments)."""
    for node in _all_nodes(nodelist):
        for value in vars(node).values():
            yield from _filters_in(value)


def _filters_in(value, depth: int = 0):
    if depth > 6 or isinstance(value, Node):
        return  # nodes are walked by _all_nodes
    if isinstance(value, FilterExpression):
        for func, _args in value.filters:
            yield FILTER_NAMES.get(func, getattr(func, "__name__", "?"))
    elif isinstance(value, TokenBase):
        for side in ("value", "first", "second"):
            yield from _filters_in(getattr(value, side, None), depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _filters_in(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _filters_in(item, depth + 1)


def check_renders(text: str, part: str = "body") -> str:
    """Render one part of a (checked) template for a made-up candidate, then for one whose
    every documented field is empty, then None; the first failure in words, or ""."""
    where = f"the {PARTS.get(part, part)}"
    for who, context in (("a sample candidate", SAMPLE_CONTEXT),
                         ("a candidate with empty fields", EMPTY_CONTEXT),
                         ("a candidate with no values at all", NONE_CONTEXT)):
        try:
            render(text, context)
        except Exception as exc:  # noqa: BLE001 - any failure is reported at save
            return f"Rendering {where} fails for {who}: {_describe(exc)}"
    return ""


def _check_path(path: tuple[str, ...]) -> str:
    dotted = ".".join(path)
    root = path[0]
    if root in FIELDS:
        if len(path) == 1:
            first = next(iter(FIELDS[root]))
            return (f"“{root}” {{where}} is a group of fields, not a field: use one of them, "
                    f"e.g. {root}.{first}.")
        if len(path) == 2 and path[1] in FIELDS[root]:
            return ""
    suggestion = difflib.get_close_matches(dotted, ALL_PATHS, n=1, cutoff=0.6)
    if not suggestion and len(path) > 2:
        suggestion = difflib.get_close_matches(".".join(path[:2]), ALL_PATHS, n=1, cutoff=0.6)
    if suggestion:
        return f"Unknown field “{dotted}” {{where}}: did you mean {suggestion[0]}?"
    groups = ", ".join(f"{g}.…" for g in FIELDS)
    return f"Unknown field “{dotted}” {{where}}: use one of the listed fields ({groups})."


def _bound_names(nodelist) -> set[str]:
    """Names a template binds for itself with `as` ({% now "Y" as year %}, {% cycle … as x %},
    {% regroup … as groups %}, {% firstof … as x %}, {% widthratio … as x %})."""
    names: set[str] = set()
    for node in _all_nodes(nodelist):
        for attr in ("asvar", "variable_name", "var_name"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value:
                names.add(value)
    return names


def _all_nodes(nodelist):
    for node in nodelist:
        yield node
        for child in _child_nodelists(node):
            yield from _all_nodes(child)


def _child_nodelists(node) -> list:
    if isinstance(node, IfNode):
        return [nodelist for _cond, nodelist in node.conditions_nodelists]
    out = []
    for attr in getattr(node, "child_nodelists", ()):
        child = getattr(node, attr, None)
        if child is not None:
            out.append(child)
    return out


def _paths(nodelist, scope: frozenset[str]):
    """Every variable path the nodes read from the context (not from names they bind)."""
    for node in nodelist:
        if isinstance(node, ForNode):
            yield from _expr_paths(node.sequence, scope)
            yield from _paths(node.nodelist_loop, scope | set(node.loopvars) | {"forloop"})
            yield from _paths(node.nodelist_empty, scope)
            continue
        if isinstance(node, WithNode):
            for expr in node.extra_context.values():
                yield from _expr_paths(expr, scope)
            yield from _paths(node.nodelist, scope | set(node.extra_context))
            continue
        if isinstance(node, IfNode):
            for condition, child in node.conditions_nodelists:
                if condition is not None:
                    yield from _condition_paths(condition, scope)
                yield from _paths(child, scope)
            continue
        if isinstance(node, RegroupNode):
            # `by <attr>` is read from each item of the list, not from the context.
            yield from _expr_paths(node.target, scope)
            continue
        for attr, value in vars(node).items():
            if attr in ("token", "origin") or attr in getattr(node, "child_nodelists", ()):
                continue
            yield from _values_paths(value, scope)
        for child in _child_nodelists(node):
            yield from _paths(child, scope)


def _values_paths(value, scope, depth: int = 0):
    if depth > 4:
        return
    if isinstance(value, FilterExpression):
        yield from _expr_paths(value, scope)
    elif isinstance(value, Variable):
        yield from _variable_paths(value, scope)
    elif isinstance(value, TokenBase):
        yield from _condition_paths(value, scope)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values_paths(item, scope, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _values_paths(item, scope, depth + 1)


def _condition_paths(condition, scope):
    """An {% if %} condition is a tree of operators over literals (smartif)."""
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield from _expr_paths(value, scope)
    for side in ("first", "second"):
        operand = getattr(condition, side, None)
        if operand is not None:
            yield from _condition_paths(operand, scope)


def _expr_paths(expr: FilterExpression, scope):
    if isinstance(expr.var, Variable):
        yield from _variable_paths(expr.var, scope)
    for _func, args in expr.filters:
        for lookup, arg in args:
            if lookup and isinstance(arg, Variable):
                yield from _variable_paths(arg, scope)


def _variable_paths(var: Variable, scope):
    if var.literal is not None or not var.lookups:
        return
    root = var.lookups[0]
    if root in scope or root in BUILTIN_NAMES:
        return
    yield tuple(var.lookups)


# --- the context --------------------------------------------------------------------------


def _text(value: Any) -> Any:
    # None renders as "None" in a template; an empty string renders as nothing and is falsy.
    return "" if value is None else value


def candidate_fields(candidate, *, specialty: str = "", recent_certification: str = "") -> dict:
    """The `candidate` group for one candidate; specialty and certification come from the
    caller, which loads them for one or many candidates."""
    first = candidate.first_name or ""
    return {
        "first_name": first,
        "last_name": candidate.last_name or "",
        "preferred_name": candidate.preferred_name or "",
        "name": candidate.preferred_name or first,
        "credentials": candidate.credentials or "",
        "specialty": specialty,
        "profession": str(PROFESSION_LABELS.get(candidate.profession, candidate.profession or "")),
        "city": candidate.city or "",
        "region": candidate.region or "",
        "years_experience": _text(candidate.years_experience),
        "recent_certification": recent_certification,
    }


def recent_cutoff(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=RECENT_CERTIFICATION_DAYS)


def primary_specialty(candidate) -> str:
    """The primary specialty's name (the first by the model's order: primary first)."""
    for specialty in candidate.specialties.all():
        return specialty.name
    return ""


def recent_certification(candidate, today: date | None = None):
    """The most recent certification obtained in the last 2 years, or None."""
    today = today or timezone.localdate()
    cutoff = recent_cutoff(today)
    best = None
    for cert in candidate.certifications.all():
        if not cert.obtained_on or not cutoff <= cert.obtained_on <= today:
            continue
        if best is None or cert.obtained_on > best.obtained_on:
            best = cert
    return best


def employer_profile(organization):
    from rounds.accounts.models import EmployerProfile

    try:
        return organization.employer_profile
    except EmployerProfile.DoesNotExist:
        return None


def shared_context(organization, *, job=None, sender=None) -> dict:
    """Everything but the candidate: job, site, employer, sender, organization."""
    profile = employer_profile(organization)
    site = job.site if job is not None and job.site_id else None
    employer = {
        "name": organization.name,
        "value_proposition": "",
        "practice_model": "",
        "compensation_model": "",
        "team_based_care": "",
        "admin_support": "",
        "emr": "",
        "community_points": "",
    }
    if profile is not None:
        employer.update(
            value_proposition=profile.value_proposition,
            practice_model=profile.get_practice_model_display() if profile.practice_model
            else "",
            compensation_model=profile.get_compensation_model_display()
            if profile.compensation_model else "",
            team_based_care=profile.team_based_care,
            admin_support=profile.admin_support,
            emr=profile.emr,
            community_points=profile.community_points,
        )
    job_ctx = dict.fromkeys(FIELDS["job"], "")
    if job is not None:
        job_ctx.update(
            title=job.title,
            city=site.city if site else "",
            site=site.name if site else "",
            employment_type=job.get_employment_type_display() if job.employment_type else "",
            pay_range=job.pay_display,
            start=_date_words(job.start_date),
        )
        if job.value_proposition:
            # The job's own value proposition is the more specific one.
            employer["value_proposition"] = job.value_proposition
    site_ctx = {"name": site.name if site else "", "city": site.city if site else "",
                "region": site.region if site else ""}
    return {
        "job": job_ctx,
        "site": site_ctx,
        "employer": employer,
        "sender": sender_fields(sender, organization),
        "organization": {"name": organization.name},
    }


def sender_fields(sender, organization) -> dict:
    if sender is None or not getattr(sender, "is_authenticated", False):
        from .models import OutreachSettings

        name = OutreachSettings.for_org(organization.pk).sender_name or organization.name
        return {"first_name": "", "last_name": "", "name": name, "title": "", "phone": "",
                "email": ""}
    return {
        "first_name": sender.first_name or "",
        "last_name": sender.last_name or "",
        "name": sender.get_full_name() or sender.email,
        "title": getattr(sender, "title", "") or "",
        "phone": getattr(sender, "phone", "") or "",
        "email": sender.email or "",
    }


def _date_words(value: date | None) -> str:
    return f"{value:%B} {value.day}, {value.year}" if value else ""


def context_for(candidate, *, job=None, sender=None) -> dict:
    """The documented context for one candidate, as plain dicts."""
    cert = recent_certification(candidate)
    return {
        "candidate": candidate_fields(
            candidate, specialty=primary_specialty(candidate),
            recent_certification=cert.name if cert else "",
        ),
        **shared_context(candidate.organization, job=job, sender=sender),
    }


def fields_used(*texts: str) -> set[str]:
    """The documented fields some valid template texts read, e.g. {"candidate.name"}."""
    used: set[str] = set()
    for text in texts:
        nodelist = compile_text(text).nodelist
        used.update(".".join(path) for path in _paths(nodelist, frozenset(_bound_names(nodelist))))
    return used


def contexts_for(candidates: Iterable, organization, *, job=None, sender=None,
                 shared: dict | None = None, uses: set[str] | None = None) -> dict[int, dict]:
    """Contexts for many candidates of one organization in two queries a chunk of 900:
    specialties and recent certifications are read for all of them at once (only when the
    template `uses` them, if told); the rest is shared (pass `shared` from `shared_context` to
    build it once for several calls)."""
    from rounds.candidates.models import Certification, Specialty

    candidates = list(candidates)
    ids = [c.pk for c in candidates]
    specialty: dict[int, str] = {}
    certification: dict[int, tuple[date, str]] = {}
    today = timezone.localdate()
    cutoff = recent_cutoff(today)
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        if uses is None or "candidate.specialty" in uses:
            rows = (Specialty.objects.filter(candidate_id__in=chunk)
                    .order_by("candidate_id", "-is_primary", "name")
                    .values_list("candidate_id", "name"))
            for cid, name in rows:
                specialty.setdefault(cid, name)
        if uses is None or "candidate.recent_certification" in uses:
            rows = (Certification.objects.filter(candidate_id__in=chunk,
                                                 obtained_on__gte=cutoff, obtained_on__lte=today)
                    .values_list("candidate_id", "obtained_on", "name"))
            for cid, obtained, name in rows:
                if cid not in certification or obtained > certification[cid][0]:
                    certification[cid] = (obtained, name)
    if shared is None:
        shared = shared_context(organization, job=job, sender=sender)
    return {
        c.pk: {
            "candidate": candidate_fields(
                c, specialty=specialty.get(c.pk, ""),
                recent_certification=certification[c.pk][1] if c.pk in certification else "",
            ),
            **shared,
        }
        for c in candidates
    }


SAMPLE_CANDIDATE = {
    "first_name": "Amara", "last_name": "Okafor", "preferred_name": "", "name": "Amara",
    "credentials": "MD, CCFP", "specialty": "Family Medicine", "profession": "Physician",
    "city": "Calgary", "region": "AB", "years_experience": 12,
    "recent_certification": "ACLS",
}


# Made-up values for every documented field, to render a template at save (no database).
SAMPLE_CONTEXT = {
    "candidate": SAMPLE_CANDIDATE,
    "job": {"title": "Family Physician — Red Deer", "city": "Red Deer",
            "site": "Red Deer Clinic", "employment_type": "Permanent full-time",
            "pay_range": "CAD 280,000–420,000 per year", "start": "March 2, 2026"},
    "site": {"name": "Red Deer Clinic", "city": "Red Deer", "region": "AB"},
    "employer": {"name": "Prairie Family Clinics", "value_proposition": "A team that has your "
                 "back.", "practice_model": "Fee-for-service", "compensation_model": "Salary",
                 "team_based_care": "Two NPs and a pharmacist", "admin_support": "Billing",
                 "emr": "Accuro", "community_points": "Trails and good schools"},
    "sender": {"first_name": "Rita", "last_name": "Recruiter", "name": "Rita Recruiter",
               "title": "Physician recruiter", "phone": "+14035550100",
               "email": "rita@example.com"},
    "organization": {"name": "Prairie Family Clinics"},
}
EMPTY_CONTEXT = {group: dict.fromkeys(names, "") for group, names in FIELDS.items()}
NONE_CONTEXT = {group: dict.fromkeys(names) for group, names in FIELDS.items()}


def sample_context(organization, *, sender=None, job=None) -> dict:
    """A made-up candidate with every field filled, for previews when none is chosen."""
    return {"candidate": dict(SAMPLE_CANDIDATE),
            **shared_context(organization, job=job, sender=sender)}
