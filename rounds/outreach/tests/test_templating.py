"""Message templates: every field checked at save (named, with the part it is in), a sandboxed
engine, plain-dict contexts, and the template pages with their live preview."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.models import EmployerProfile, Site
from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.models import Certification, Experience
from rounds.outreach import templating
from rounds.outreach.actions import do_save_template
from rounds.outreach.models import MessageTemplate

HTMX = {"HTTP_HX_REQUEST": "true"}


def problem(subject, body):
    with pytest.raises(ValidationError) as info:
        templating.validate(subject, body)
    return info.value.message_dict


# --- validate -------------------------------------------------------------------------------

def test_misspelt_field_in_the_body_is_named_with_a_suggestion():
    errors = problem("Hello", "Dear {{ candidate.name }}, about {{ candidate.specialy }}")
    assert errors == {"body": ["Unknown field “candidate.specialy” in the body: did you mean "
                               "candidate.specialty?"]}


def test_unknown_field_in_the_subject_names_the_subject():
    errors = problem("{{ job.titel }} for you", "Hi {{ candidate.name }}")
    assert list(errors) == ["subject"]
    assert "“job.titel” in the subject" in errors["subject"][0]
    assert "job.title" in errors["subject"][0]


def test_every_documented_field_validates():
    body = " ".join(f"{{{{ {path} }}}}" for path in templating.ALL_PATHS)
    templating.validate(body, body)


@pytest.mark.parametrize("body, field", [
    ("{% if candidate.years_experiance > 5 %}x{% endif %}", "candidate.years_experiance"),
    ("{% if candidate.city and not employer.valu_proposition %}x{% endif %}",
     "employer.valu_proposition"),
    ("{% if candidate.certifications %}x{% endif %}", "candidate.certifications"),
    ("{{ candidate.city|default:job.cty }}", "job.cty"),
    ("{% with where=site.nam %}{{ where }}{% endwith %}", "site.nam"),
    ("{% firstof candidate.preferred_name candidate.frist_name %}", "candidate.frist_name"),
    ("{{ candidate.name.upper }}", "candidate.name.upper"),
    ("{{ recruiter.name }}", "recruiter.name"),
])
def test_conditions_loops_filter_arguments_and_tags_are_checked(body, field):
    assert f"“{field}” in the body" in problem("", body)["body"][0]


def test_names_bound_by_the_template_are_known_only_where_they_are_bound():
    templating.validate("", "{% firstof candidate.preferred_name candidate.first_name as who %}"
                            "{{ who }}{% with n=candidate.name %}{{ n }}{% endwith %}"
                            "{% now 'Y' as year %}{{ year }}")
    assert "“n” in the body" in problem("", "{% with n=candidate.name %}{% endwith %}{{ n }}")[
        "body"][0]


def test_a_group_alone_is_not_a_field():
    assert "“candidate” in the body is a group of fields" in problem("", "{{ candidate }}")[
        "body"][0]


@pytest.mark.parametrize("tag", ["{% load static %}", "{% include 'base.html' %}",
                                 "{% extends 'base.html' %}", "{% debug %}",
                                 "{% url 'today' %}", "{% csrf_token %}"])
def test_tags_that_reach_beyond_the_context_are_refused(tag):
    message = problem("", f"Hi\n{tag}")["body"][0]
    assert "can't be used in the body (line 2)" in message


def test_syntax_errors_are_named_with_the_part():
    errors = problem("{% if candidate.name %}Hi", "Fine")
    assert errors["subject"][0].startswith("Template syntax error in the subject: Unclosed tag")
    assert "Invalid filter" in problem("", "{{ candidate.name|shout }}")["body"][0]


@pytest.mark.parametrize("filter_", ["divisibleby:5", "center:'999999999'", "ljust:'99999'",
                                     "floatformat:99999", "stringformat:'999999d'", "add:1",
                                     "addslashes", "random", "first"])
def test_filters_that_can_fail_or_grow_without_limit_are_refused_by_name(filter_):
    name = filter_.split(":")[0]
    message = problem("", f"Hi{{% if candidate.years_experience|{filter_} %}}!{{% endif %}}")[
        "body"][0]
    assert message.startswith(f"The filter “{name}” isn't available in messages (in the body)")
    message = problem(f"{{{{ candidate.name|{filter_} }}}}", "Hi")["subject"][0]
    assert f"The filter “{name}” isn't available in messages (in the subject)" in message


@pytest.mark.parametrize("tag", ["{% lorem 99999999 %}", "{% widthratio candidate.city 1 2 %}",
                                 "{% for c in candidate.city %}{{ c }}{% endfor %}",
                                 "{% filter upper %}x{% endfilter %}", "{% cycle 'a' 'b' %}"])
def test_tags_that_loop_or_generate_text_are_refused_by_name(tag):
    name = tag.split()[1]
    message = problem("", f"Hi\n{tag}")["body"][0]
    assert message.startswith(f"The tag “{{% {name} %}}” isn't available in messages (in the "
                              "body, line 2)")


def test_the_allowed_tags_and_filters_validate_and_render():
    body = ("{% if candidate.years_experience %}{{ candidate.years_experience }} year"
            "{{ candidate.years_experience|pluralize }}{% else %}New{% endif %}, "
            "{{ candidate.city|default:'your area'|upper }}, {% firstof job.title 'a role' %}, "
            "{% with c=candidate.name|title %}{{ c }}{% endwith %}"
            "{% comment %}{% lorem %} is only a comment here{% endcomment %}")
    templating.validate("{{ candidate.name|truncatechars:20 }}", body)
    text = templating.render(body, {"candidate": {"years_experience": 1, "city": "",
                                                  "name": "amara"}, "job": {"title": ""}})
    assert text == "1 year, YOUR AREA, a role, Amara"


@pytest.mark.parametrize("subject, body, part, who", [
    # An int as a filter argument: fails for the sample candidate (12 years).
    ("Hi", "{{ candidate.city|pluralize:candidate.years_experience }}", "body",
     "a sample candidate"),
    # Fine for the sample, fails when the field holds nothing at all.
    ("{{ candidate.city|truncatechars:candidate.years_experience }}", "Hi", "subject",
     "a candidate with no values at all"),
])
def test_a_template_that_fails_to_render_fails_at_save_naming_the_part(org, recruiter, subject,
                                                                        body, part, who):
    with pytest.raises(ValidationError) as info:
        do_save_template(org.pk, actor=recruiter, name="Broken", subject=subject, body=body)
    message = info.value.message_dict[part][0]
    assert message.startswith(f"Rendering the {part} fails for {who}: TypeError")
    assert not MessageTemplate.objects.exists()


def test_render_or_error_reports_instead_of_raising():
    assert templating.render_or_error("Hi {{ candidate.name }}", {"candidate": {"name": "Ama"}}
                                      ) == ("Hi Ama", "")
    text, error = templating.render_or_error(
        "{{ candidate.city|pluralize:candidate.years_experience }}",
        {"candidate": {"city": "Calgary", "years_experience": 12}})
    assert text == ""
    assert error.startswith("The template could not be filled in for this candidate: TypeError")
    # Saved before the allowlist: the refused filter is named, not a bare syntax error.
    text, error = templating.render_or_error("{{ candidate.years_experience|divisibleby:5 }}",
                                             {"candidate": {"years_experience": ""}})
    assert text == "" and "The filter “divisibleby” isn't available in messages" in error


def test_the_template_page_refuses_a_filter_that_is_not_allowed(login, recruiter):
    response = login(recruiter).post(reverse("outreach:template_new"), {
        "name": "Round", "channel": "email", "topic": "jobs", "subject": "Hi",
        "body": "{% if candidate.years_experience|divisibleby:5 %}Round!{% endif %}",
    })
    assert response.status_code == 400
    assert "The filter “divisibleby” isn&#x27;t available in messages" in (
        response.content.decode())
    assert not MessageTemplate.objects.exists()


def test_live_preview_of_a_huge_width_is_refused_not_rendered(login, recruiter):
    html = login(recruiter).post(reverse("outreach:template_preview"), {
        "channel": "sms", "body": "{{ candidate.name|center:'99999999' }}{% lorem 9999999 %}"},
        **HTMX).content.decode()
    assert "isn&#x27;t available in messages" in html
    assert len(html) < 20_000


# --- render ---------------------------------------------------------------------------------

def test_render_is_plain_text_and_empty_values_render_as_nothing():
    ctx = {"candidate": {"name": "Zoë & Co <b>", "years_experience": ""}}
    text = templating.render("{{ candidate.name }}|{{ candidate.years_experience }}|"
                             "{% if candidate.years_experience %}years{% endif %}", ctx)
    assert text == "Zoë & Co <b>||"


# --- the context ------------------------------------------------------------------------------

@pytest.fixture
def rich(org, recruiter):
    cand = do_create_candidate(
        org.pk, actor=recruiter, first_name="Amara", last_name="Okafor", preferred_name="Ama",
        credentials="MD, CCFP", profession="physician", city="Calgary", region="AB",
        country="CA", years_experience=12, specialties=["Family Medicine", "Obstetrics"],
    )
    today = timezone.localdate()
    do_add_related(cand, Certification, actor=recruiter, name="ALSO",
                   obtained_on=today - timedelta(days=300))
    do_add_related(cand, Certification, actor=recruiter, name="ACLS",
                   obtained_on=today - timedelta(days=30))
    do_add_related(cand, Certification, actor=recruiter, name="NRP",
                   obtained_on=today - timedelta(days=900))
    return cand


@pytest.fixture
def profiled_org(org):
    EmployerProfile.objects.update_or_create(organization=org, defaults=dict(
        value_proposition="Full scope with a team that has your back.",
        practice_model="capitation", compensation_model="salary",
        team_based_care="Two NPs, a pharmacist and a social worker.",
        admin_support="Front desk and billing.", emr="Accuro",
        community_points="Trails, good schools.",
    ))
    return org


def _walk(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    else:
        yield value


def test_context_is_plain_values_for_every_documented_field(rich, profiled_org, job,
                                                            recruiter):
    site = Site.objects.create(organization=profiled_org, name="Red Deer Clinic",
                               city="Red Deer", region="AB")
    job.site, job.start_date, job.employment_type = site, date(2027, 3, 1), "locum"
    job.save()
    recruiter.title, recruiter.phone = "Physician recruiter", "+14035550100"
    recruiter.save()
    ctx = templating.context_for(rich, job=job, sender=recruiter)
    assert {g: set(v) for g, v in ctx.items()} == {
        g: set(v) for g, v in templating.FIELDS.items()}
    assert all(isinstance(v, str | int) for v in _walk(ctx))
    assert ctx["candidate"] == {
        "first_name": "Amara", "last_name": "Okafor", "preferred_name": "Ama", "name": "Ama",
        "credentials": "MD, CCFP", "specialty": "Family Medicine", "profession": "Physician",
        "city": "Calgary", "region": "AB", "years_experience": 12,
        "recent_certification": "ACLS",
    }
    assert ctx["job"] == {"title": "Family Physician — Red Deer", "city": "Red Deer",
                          "site": "Red Deer Clinic", "employment_type": "Locum",
                          "pay_range": "$280,000–$420,000 CAD per year",
                          "start": "March 1, 2027"}
    assert ctx["site"] == {"name": "Red Deer Clinic", "city": "Red Deer", "region": "AB"}
    assert ctx["employer"]["compensation_model"] == "Salary"
    assert ctx["employer"]["practice_model"] == "Capitation / blended"
    assert ctx["employer"]["name"] == ctx["organization"]["name"] == "Prairie Family Clinics"
    assert ctx["sender"] == {"first_name": "Rita", "last_name": "Recruiter",
                             "name": "Rita Recruiter", "title": "Physician recruiter",
                             "phone": "+14035550100", "email": "recruiter@prairie.test"}


def test_context_without_job_or_record_details_is_empty_strings_not_none(org, recruiter):
    bare = do_create_candidate(org.pk, actor=recruiter, first_name="Sam", last_name="Lee",
                               profession="registered_nurse")
    ctx = templating.context_for(bare)
    assert ctx["candidate"]["years_experience"] == ""
    assert ctx["candidate"]["specialty"] == ctx["candidate"]["recent_certification"] == ""
    assert set(ctx["job"].values()) == {""}
    assert ctx["sender"]["name"] == "Prairie Family Clinics"
    text = templating.render("{{ candidate.years_experience }}{{ job.title }}", ctx)
    assert "None" not in text and text == ""


def test_only_certifications_from_the_last_two_years_are_recent(org, recruiter):
    cand = do_create_candidate(org.pk, actor=recruiter, first_name="Old", last_name="Cert",
                               profession="physician")
    do_add_related(cand, Certification, actor=recruiter, name="ATLS",
                   obtained_on=timezone.localdate() - timedelta(days=800))
    do_add_related(cand, Certification, actor=recruiter, name="Undated")
    assert templating.context_for(cand)["candidate"]["recent_certification"] == ""


def test_contexts_for_many_candidates_match_one_by_one_in_few_queries(rich, org, recruiter):
    others = [do_create_candidate(org.pk, actor=recruiter, first_name=f"P{i}", last_name="Q",
                                  profession="physician", specialties=[f"Spec {i}"])
              for i in range(5)]
    do_add_related(others[0], Experience, actor=recruiter, employer="Foothills", role="GP")
    people = [rich, *others]
    templating.contexts_for([rich], org)  # the organization's outreach settings exist now
    with CaptureQueriesContext(connection) as one:
        templating.contexts_for([rich], org)
    with CaptureQueriesContext(connection) as queries:
        many = templating.contexts_for(people, org)
    assert len(queries) == len(one) <= 4  # specialties, certifications, profile, settings
    for cand in people:
        assert many[cand.pk] == templating.context_for(cand)


# --- saving a template ------------------------------------------------------------------------

def test_saving_a_template_with_an_unknown_field_fails_at_save(org, recruiter):
    with pytest.raises(ValidationError) as info:
        do_save_template(org.pk, actor=recruiter, name="Intro", subject="Hi",
                         body="{{ candidate.specialy }}")
    assert "candidate.specialy" in info.value.message_dict["body"][0]
    assert not MessageTemplate.objects.exists()


def test_changing_the_text_bumps_the_version_and_renaming_does_not(org, recruiter):
    t = do_save_template(org.pk, actor=recruiter, name="Intro", subject="Hi",
                         body="Hi {{ candidate.name }}")
    assert t.version == 1
    t = do_save_template(org.pk, actor=recruiter, template=t, name="Intro v2", subject="Hi",
                         body="Hi {{ candidate.name }}")
    assert t.version == 1
    t = do_save_template(org.pk, actor=recruiter, template=t, name="Intro v2", subject="Hello",
                         body="Hi {{ candidate.name }}")
    assert t.version == 2
    t = do_save_template(org.pk, actor=recruiter, template=t, name="Intro v2", subject="Hello",
                         body="Hello {{ candidate.name }}")
    assert t.version == 3


def test_names_are_unique_and_email_templates_need_a_subject(org, recruiter):
    do_save_template(org.pk, actor=recruiter, name="Intro", subject="Hi", body="Hi")
    with pytest.raises(ValidationError) as info:
        do_save_template(org.pk, actor=recruiter, name="intro", subject="", body="Hi")
    assert set(info.value.message_dict) == {"name", "subject"}
    text = do_save_template(org.pk, actor=recruiter, name="Text intro", channel="sms",
                            subject="ignored {{ nope }}", body="Hi {{ candidate.name }}")
    assert text.subject == ""


# --- the template pages -----------------------------------------------------------------------

def test_editor_creates_a_template_and_sees_it_listed(login, recruiter):
    client = login(recruiter)
    response = client.post(reverse("outreach:template_new"), {
        "name": "First touch", "channel": "email", "topic": "jobs",
        "subject": "{{ job.title|default:'A role' }} — you, or someone you know?",
        "body": "Hi {{ candidate.name }},\n\nWould you have 10 minutes for a call this week?",
    })
    assert response.status_code == 302
    template = MessageTemplate.objects.get(name="First touch")
    assert template.version == 1 and template.created_by == recruiter
    listing = client.get(reverse("outreach:templates")).content.decode()
    assert "First touch" in listing and "v1" in listing


def test_unknown_field_comes_back_next_to_the_body_and_nothing_is_saved(login, recruiter):
    response = login(recruiter).post(reverse("outreach:template_new"), {
        "name": "Oops", "channel": "email", "topic": "jobs", "subject": "Hi",
        "body": "{{ candidate.specialy }}",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "did you mean candidate.specialty?" in html
    assert "{{ candidate.specialy }}" in html  # what was typed is kept
    assert not MessageTemplate.objects.exists()


def test_editing_the_body_bumps_the_version(login, recruiter, org):
    t = do_save_template(org.pk, actor=recruiter, name="Intro", subject="Hi", body="Hi")
    response = login(recruiter).post(reverse("outreach:template_edit", args=[t.pk]), {
        "name": "Intro", "channel": "email", "topic": "jobs", "subject": "Hi",
        "body": "Hi {{ candidate.first_name }}",
    })
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.version == 2 and t.body == "Hi {{ candidate.first_name }}"


def test_live_preview_renders_for_a_chosen_candidate(login, recruiter, rich):
    response = login(recruiter).post(reverse("outreach:template_preview"), {
        "channel": "email", "subject": "For {{ candidate.name }}",
        "body": "{{ candidate.specialty }}, {{ candidate.years_experience }} years",
        "candidate": str(rich.uuid),
    }, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "For Ama" in html and "Family Medicine, 12 years" in html


def test_live_preview_uses_a_sample_and_shows_what_is_wrong(login, recruiter):
    client = login(recruiter)
    html = client.post(reverse("outreach:template_preview"), {
        "channel": "email", "subject": "x", "body": "Hi {{ candidate.name }}"},
        **HTMX).content.decode()
    assert "Hi Amara" in html and "sample candidate" in html
    html = client.post(reverse("outreach:template_preview"), {
        "channel": "email", "subject": "x", "body": "Hi {{ candidate.nmae }}"},
        **HTMX).content.decode()
    assert "did you mean candidate.name?" in html


def test_archive_and_restore(login, recruiter, org):
    t = do_save_template(org.pk, actor=recruiter, name="Intro", subject="Hi", body="Hi")
    client = login(recruiter)
    client.post(reverse("outreach:template_archive", args=[t.pk]), {"archived": "1"})
    t.refresh_from_db()
    assert t.is_archived
    link = reverse("outreach:template_edit", args=[t.pk])
    assert link not in client.get(reverse("outreach:templates")).content.decode()
    assert link in client.get(reverse("outreach:templates") + "?archived=1").content.decode()
    client.post(reverse("outreach:template_archive", args=[t.pk]), {"archived": "0"})
    t.refresh_from_db()
    assert not t.is_archived


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_template_pages_are_for_editors_only(request, login, org, recruiter, persona):
    t = do_save_template(org.pk, actor=recruiter, name="Intro", subject="Hi", body="Hi")
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("outreach:templates")).status_code == 403
    assert client.get(reverse("outreach:template_edit", args=[t.pk])).status_code == 403
    assert client.post(reverse("outreach:template_new"), {
        "name": "X", "channel": "sms", "topic": "jobs", "body": "x"}).status_code == 403
    assert client.post(reverse("outreach:template_archive", args=[t.pk])).status_code == 403
    t.refresh_from_db()
    assert not t.is_archived and MessageTemplate.objects.count() == 1


def test_outsider_gets_404_and_changes_nothing(login, org, recruiter, outsider):
    t = do_save_template(org.pk, actor=recruiter, name="Intro", subject="Hi", body="Hi")
    client = login(outsider)
    assert client.get(reverse("outreach:template_edit", args=[t.pk])).status_code == 404
    assert client.post(reverse("outreach:template_edit", args=[t.pk]), {
        "name": "Mine", "channel": "email", "topic": "jobs", "subject": "x",
        "body": "x"}).status_code == 404
    assert client.post(reverse("outreach:template_archive", args=[t.pk])).status_code == 404
    assert "Intro" not in client.get(reverse("outreach:templates")).content.decode()
    t.refresh_from_db()
    assert (t.name, t.is_archived, t.version) == ("Intro", False, 1)
