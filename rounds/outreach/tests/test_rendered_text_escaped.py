"""Rendered message text is text wherever it is shown: a candidate named like an HTML tag
(typed in, imported or sent through the API) never becomes markup in the owner's page."""

from django.urls import reverse

from rounds.candidates.actions import do_create_candidate
from rounds.outreach import templating

HTMX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<img src=x onerror="alert(document.cookie)">'


def test_a_rendered_template_is_plain_text():
    rendered = templating.render("Hi {{ name }}", {"name": HOSTILE})
    assert rendered == f"Hi {HOSTILE}"
    assert not hasattr(rendered, "__html__")  # not marked safe


def test_the_preview_escapes_a_hostile_name(login, owner, org):
    cand = do_create_candidate(org.pk, actor=owner, first_name=HOSTILE, last_name="Okafor",
                               profession="physician")
    html = login(owner).post(reverse("outreach:template_preview"), {
        "channel": "email", "subject": "For {{ candidate.first_name }}",
        "body": "Dear {{ candidate.first_name }},\nhello", "candidate": str(cand.uuid),
    }, **HTMX).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=" in html
