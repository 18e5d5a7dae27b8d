"""Licence jurisdiction selects (job, shift, candidate licence, candidate search) list the
organization's own country first: a Texas firm doesn't scroll past thirteen provinces."""

from django.urls import reverse

from rounds.jobs.forms import JobForm
from rounds.lib.jurisdictions import grouped_choices
from rounds.locums.forms import ShiftForm


def groups(choices) -> list[str]:
    return [label for label, value in choices if isinstance(value, (list, tuple))]


def test_grouped_choices_put_the_country_first_each_in_alphabetical_order():
    assert groups(grouped_choices("US")) == ["United States", "Canada", "United Kingdom"]
    assert groups(grouped_choices("CA")) == ["Canada", "United States", "United Kingdom"]
    assert groups(grouped_choices("GB"))[0] == "United Kingdom"
    states = dict(grouped_choices("US"))["United States"]
    assert states[0] == ("US-AL", "Alabama (US-AL)")
    assert [label for _code, label in states] == sorted(label for _code, label in states)


def test_job_and_shift_forms_list_the_organizations_country_first(org, other_org):
    assert (
        groups(JobForm(organization=other_org).fields["licence_jurisdiction"].choices)[0]
        == "United States"
    )
    assert groups(JobForm(organization=org).fields["licence_jurisdiction"].choices)[0] == "Canada"
    assert (
        groups(ShiftForm(organization=other_org).fields["licence_jurisdiction"].choices)[0]
        == "United States"
    )
    form = ShiftForm({"licence_jurisdiction": "US-TX"}, organization=other_org)
    form.is_valid()
    assert "licence_jurisdiction" not in form.errors


def test_the_candidate_licence_form_lists_the_organizations_country_first(
    other_org, outsider, login
):
    from rounds.candidates.actions import do_create_candidate

    person = do_create_candidate(
        other_org.pk, actor=outsider, first_name="Ana", last_name="Austin", profession="physician"
    )
    html = login(outsider).get(reverse("candidates:detail", args=[person.uuid])).content.decode()
    start = html.index('name="licence-jurisdiction"')
    select = html[start : html.index("</select>", start)]
    assert select.index('label="United States"') < select.index('label="Canada"')
