"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium), headless,
against pytest-django's live server. Skipped with a clear message when Chromium is missing
(`make chromium` installs it) — except in CI, where a missing browser fails the run.

Every document a test's browser loads must be looked at with `look(page, name)`: it runs
axe-core's WCAG 2.1 A/AA rules at phone width (390×844) and at 1366 wide, fails on any
violation or on a page wider than the phone, and keeps a screenshot of each width under
`tests/screenshots/<test>/`. A page loaded and never looked at fails the test when it ends."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Each document reports itself once it has parsed; `look` reads the same id.
_DOCUMENT_ID_SCRIPT = """
(() => {
  if (window.top !== window) return;
  const id = (self.crypto && crypto.randomUUID) ? crypto.randomUUID()
                                                : String(Math.random()).slice(2);
  Object.defineProperty(window, "__roundsDocument", {value: id});
  const report = () =>
    window.__roundsDocumentLoaded && window.__roundsDocumentLoaded(id, location.href);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", report);
  else report();
})();
"""

# The widest elements, to say what makes a page wider than the phone.
_OVERFLOW_SCRIPT = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      let hidden = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (s.overflowX !== "visible" && p !== document.body && p !== document.documentElement) {
          hidden = true; break;
        }
      }
      const cls = typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      const id = el.id ? "#" + el.id : "";
      if (!hidden) out.push(`${el.tagName.toLowerCase()}${id}${cls} ` +
                            `(right edge ${Math.round(r.right)}px)`);
    }
    if (out.length >= 8) break;
  }
  return out.length ? out : [`document ${document.documentElement.scrollWidth}px wide`];
}
"""


class Visits:
    """The documents a test's browser loaded, and the ones it looked at."""

    def __init__(self):
        self.loaded: dict[str, str] = {}
        self.looked: set[str] = set()
        self.skipped: dict[str, str] = {}

    def track(self, context) -> None:
        context.expose_binding(
            "__roundsDocumentLoaded", lambda _source, doc, url: self.loaded.setdefault(doc, url)
        )
        context.add_init_script(_DOCUMENT_ID_SCRIPT)

    def unlooked(self) -> list[str]:
        return [
            url
            for doc, url in self.loaded.items()
            if url.startswith("http") and doc not in self.looked and doc not in self.skipped
        ]


def _visits_of(page) -> Visits | None:
    return getattr(page.context, "rounds_visits", None)


def _test_name() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "test").split(" ")[0]
    return re.sub(r"[^\w.-]+", "_", current.split("::")[-1])


def _axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def _axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_script())
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, "
        "help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + "
        "(n.failureSummary || '').replace(/\\s+/g, ' ')).slice(0, 5)})))",
        AXE_TAGS,
    )
    return [f"{v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"]) for v in violations]


def look(page, name: str, *, full_page: bool = True) -> None:
    """Look at the page a person now sees, as a phone and as a laptop: axe-core's WCAG 2.1 A/AA
    rules at both widths (any violation fails), no horizontal scrolling at 390 px, and a
    screenshot of each under tests/screenshots/<test>/<name>-<width>.png."""
    page.wait_for_load_state("load")
    doc = page.evaluate("window.__roundsDocument || null")
    original = page.viewport_size
    folder = SCREENSHOTS / _test_name()
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            if size is PHONE:
                wide = page.evaluate(_OVERFLOW_SCRIPT)
                if wide:
                    problems.append(f"wider than a {size['width']} px phone: " + "; ".join(wide))
            problems += [f"axe at {size['width']} px: {v}" for v in _axe_violations(page)]
            page.screenshot(path=str(folder / f"{name}-{size['width']}.png"), full_page=full_page)
    finally:
        if original:
            page.set_viewport_size(original)
    visits = _visits_of(page)
    if doc and visits is not None:
        visits.looked.add(doc)
    if problems:
        pytest.fail(f"{name} ({page.url}):\n  " + "\n  ".join(problems), pytrace=False)


def skip_look(page, why: str) -> None:
    """Mark the page as not a page a person reads (a file download, a JSON answer), saying why."""
    doc = page.evaluate("window.__roundsDocument || null")
    visits = _visits_of(page)
    if doc and visits is not None:
        visits.skipped[doc] = why


def _travelling() -> bool:
    try:
        import time_machine
    except ImportError:  # pragma: no cover
        return False
    return time_machine.escape_hatch.is_travelling()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def project_static_files(settings):
    """Serve rounds/static (app.css) from the live server."""
    project_static = settings.BASE_DIR / "rounds" / "static"
    if project_static not in [Path(p) for p in settings.STATICFILES_DIRS]:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, project_static]


@pytest.fixture
def chromium(monkeypatch):
    """The browser; contexts come from `new_page`."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: Chromium is missing at /usr/bin/chromium.")
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium "
            "(run `make chromium` or `apt-get install chromium`)."
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        browser.rounds_visits = Visits()
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium, request):
    """A page in a new browser context (its own cookies, like another person's browser):
    `new_page()` is a desktop, `new_page(phone=True)` a phone at 390×844. When the test ends,
    every page its browsers loaded must have been looked at."""
    visits = chromium.rounds_visits
    contexts = []
    csp_violations: list[str] = []

    def make(*, phone: bool = False):
        context = chromium.new_context(
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
        )
        context.rounds_visits = visits
        visits.track(context)
        if _travelling():  # the browser's clock agrees with the server's
            context.clock.install(time=datetime.now(UTC))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.script_errors = errors
        # Anything the Content-Security-Policy blocked is something a page needed: it fails.
        page.on("console", lambda msg: "Content Security Policy" in msg.text
                and csp_violations.append(f"{page.url}: {msg.text}"))
        return page

    yield make
    for context in contexts:
        for page in context.pages:  # flush the last documents' reports
            if not page.is_closed():
                page.evaluate("0")
        context.close()
    failed = getattr(request.node, "rep_call", None)
    if csp_violations and not (failed and failed.failed):
        pytest.fail("Blocked by the Content-Security-Policy:\n  " + "\n  ".join(csp_violations),
                    pytrace=False)
    unlooked = visits.unlooked()
    if unlooked and not (failed and failed.failed):
        pytest.fail(
            "Pages loaded but never looked at (call look(page, name) on each page a "
            "person sees):\n  " + "\n  ".join(unlooked),
            pytrace=False,
        )


@pytest.fixture
def browser_page(new_page):
    """A desktop page (1366 wide) for the staff side."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone (390×844) in its own browser, for the candidate's side."""
    return new_page(phone=True)


@pytest.fixture
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


PASSWORD = "correct horse battery staple"  # the personas' password (see the root conftest.py)


def sign_in(page, base: str, user) -> list[str]:
    """Sign in through the form as a person does; returns the list that collects the page's
    script errors from then on (a test asserts it stays empty)."""
    from playwright.sync_api import expect

    page.goto(f"{base}/accounts/login/")
    look(page, "sign-in")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Today")
    look(page, "today")
    return page.script_errors


# Messages actually sent, and the links in them.

_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def links_in(text: str) -> list[str]:
    return [u.rstrip(".,;") for u in _URL.findall(text)]


def email_text(message) -> str:
    """The plain-text body of an email received by the SMTP server."""
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content()


def link_in_email(message, contains: str) -> str:
    """The link in a received email whose address contains `contains`."""
    found = [u for u in links_in(email_text(message)) if contains in u]
    assert found, f"no link containing {contains!r} in:\n{email_text(message)}"
    return found[0]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback; the app sends through it."""
    from rounds.messaging.testing import SmtpServer

    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        yield server


@pytest.fixture
def sms_provider(settings):
    """The SMS provider's stand-in on loopback; the app's texts go through its REST API."""
    from rounds.messaging.testing import SmsProvider

    with SmsProvider() as provider:
        settings.SMS_BACKEND = "rounds.messaging.sms.TwilioBackend"
        settings.SMS_API_BASE = provider.base_url
        settings.SMS_ACCOUNT_SID = provider.account_sid
        settings.SMS_AUTH_TOKEN = provider.auth_token
        yield provider


def locum(org, actor, first, **fields):
    """A locum network member (see rounds/locums/tests/test_fit.py) whose licence and ACLS run
    a year from today, whatever today is."""
    from django.utils import timezone

    from rounds.candidates.choices import LicenceStatus
    from rounds.locums.tests.test_fit import make_member

    year_on = timezone.localdate() + timedelta(days=365)
    fields.setdefault("licences", (("CA-AB", LicenceStatus.ACTIVE, year_on),))
    fields.setdefault("certifications", (("ACLS", year_on),))
    return make_member(org, actor, first, **fields)
