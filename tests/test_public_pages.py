"""One policy for every page reached by a link in a message, without signing in
(`rounds.lib.public`): the signed token is the credential, so no CSRF cookie is needed and none
is set; a form posted from another site is refused; the link never leaks through Referer, and
the page is never cached. The browser tests (tests/browser/test_public_pages.py) submit every
form of these pages in Chromium from the links in messages actually sent."""

import importlib
import pkgutil

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

import rounds
from rounds.candidates.actions import current_consent, do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.outreach import links

WEBHOOK_PREFIX = "hooks/"  # provider webhooks authenticate by signature, not by a link


def public_patterns():
    """Every route of every app's `public_urls` module (what is reached without signing in)."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append((prefix + str(p.pattern), p.callback))

    for info in pkgutil.iter_modules(rounds.__path__):
        try:
            module = importlib.import_module(f"rounds.{info.name}.public_urls")
        except ModuleNotFoundError:
            continue
        walk(module.urlpatterns)
    return found


def test_every_public_page_follows_the_one_policy():
    patterns = public_patterns()
    assert len(patterns) >= 8  # unsubscribe, preferences, consent, meetings, shift offers
    unwrapped = [
        route
        for route, view in patterns
        if not route.startswith(WEBHOOK_PREFIX) and not getattr(view, "public_page", False)
    ]
    assert unwrapped == [], "wrap these views in rounds.lib.public.public_page"


def test_no_public_template_strips_the_origin():
    """`<meta name="referrer" content="no-referrer">` made Chromium send `Origin: null` with
    the page's own forms, which Django's CSRF check refused: the header policy is the one."""
    from pathlib import Path

    root = Path(rounds.__file__).parent
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.html") if "no-referrer" in p.read_text()
    ]
    assert offenders == []


@pytest.fixture
def reachable(org, recruiter):
    cand = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        profession="physician",
        email="amara.okafor@example.com",
        phone="+14035550142",
    )
    for channel in ("email", "sms", "call"):
        do_record_consent(
            cand,
            channel=channel,
            basis=ConsentBasis.EXPRESS,
            actor=recruiter,
            evidence="Asked at the AFP conference",
        )
    return cand


@pytest.fixture
def preferences_path(reachable):
    return reverse(
        "outreach_public:preferences",
        args=[links.make_token(links.PREFERENCES, reachable.uuid.hex)],
    )


def test_a_public_page_sets_no_cookie_and_is_never_cached(preferences_path):
    response = Client(enforce_csrf_checks=True).get(preferences_path)
    assert response.status_code == 200
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]
    assert "csrfmiddlewaretoken" not in response.content.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {},  # an older browser or a mail provider: no fetch metadata at all
        {"HTTP_ORIGIN": "null"},  # a browser told not to reveal where the form came from
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
    ],
)
def test_stop_everything_works_without_a_csrf_cookie(
    reachable,
    preferences_path,
    headers,
):
    client = Client(enforce_csrf_checks=True)
    response = client.post(preferences_path, {"stop_everything": "1"}, **headers)
    assert response.status_code == 302
    for channel in ("email", "sms", "call"):
        assert current_consent(reachable, channel).basis == ConsentBasis.REVOKED


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
    ],
)
def test_a_form_posted_from_another_site_is_refused(
    reachable,
    preferences_path,
    headers,
):
    response = Client().post(preferences_path, {"stop_everything": "1"}, **headers)
    assert response.status_code == 403
    assert "another website" in response.content.decode()
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
