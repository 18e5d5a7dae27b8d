"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium), headless,
against pytest-django's live server. Skipped with a clear message when Chromium is missing
(`make chromium` installs it) — except in CI, where a missing browser fails the run."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture(autouse=True)
def project_static_files(settings):
    """Serve rounds/static (app.css) from the live server. rounds/settings.py should list it in
    STATICFILES_DIRS itself; until it does, the page would be unstyled."""
    project_static = settings.BASE_DIR / "rounds" / "static"
    if project_static not in [Path(p) for p in settings.STATICFILES_DIRS]:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, project_static]


@pytest.fixture
def browser_page(monkeypatch):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: Chromium is missing at /usr/bin/chromium.")
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium "
                    "(run `make chromium` or `apt-get install chromium`).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


PASSWORD = "correct horse battery staple"  # the personas' password (see the root conftest.py)


def sign_in(page, base: str, user) -> list[str]:
    """Sign in through the form as a person does; returns the list that collects the page's
    script errors from then on (a test asserts it stays empty)."""
    from playwright.sync_api import expect

    script_errors: list[str] = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Today")
    return script_errors
