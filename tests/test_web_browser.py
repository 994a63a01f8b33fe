"""The web view in a real browser: Playwright driving Debian's Chromium over loopback.

Every page is opened on the demo warehouse (with one hostile article added) at desktop and
phone width, with scripts on and off; screenshots go to ``test-artifacts/web/``.
Playwright's own browser download is unreachable here, so ``executable_path`` points at
the system Chromium (``.ci/run`` installs it with apt).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.websupport import HOSTILE, HOSTILE_ID, HOSTILE_STORY, hostile_demo, web_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "web"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def demo(crawled, tmp_path_factory):
    config, _result, _log = crawled
    return hostile_demo(config, tmp_path_factory.mktemp("web-browser"))


@pytest.fixture(scope="module")
def site(demo) -> Iterator[str]:
    with web_server(demo.config) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "install Chromium: apt-get install -y chromium"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _pages(demo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "topics": "/",
        "topic": "/topics/chechnya",
        "topic-day": f"/topics/chechnya?day={demo.hostile_day}",
        "story": f"/stories/{HOSTILE_STORY}",
        "article": f"/articles/{HOSTILE_ID}",
        "outlets": "/outlets",
        "search": "/search?q=chechen%2A+AND+gay",
        "sql": "/sql?q=SELECT+outlet%2C+count%28%2A%29+AS+n+FROM+articles+GROUP+BY+outlet",
        "digests": "/digests",
    }


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url


@pytest.mark.parametrize("label", ["desktop", "phone"])
def test_every_page_at_desktop_and_phone_width(
    browser: Browser, site: str, demo, label: str
) -> None:
    dialogs: list[str] = []
    context = browser.new_context(viewport=DESKTOP if label == "desktop" else PHONE)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for name, path in _pages(demo).items():
        _open(page, site + path)
        assert page.locator("nav a").count() == 5, name
        assert page.locator("h1").first.inner_text().strip(), name
        # nothing wider than the screen: a phone never scrolls sideways (tables scroll inside)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} at {label}: {overflow}px wider than the screen"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"))
    context.close()
    assert dialogs == []
    # nothing comes from anywhere but the site itself (no CDN, no fonts, no trackers)
    assert requested and all(url.startswith(site + "/") for url in requested), requested


def test_what_the_pages_show(browser: Browser, site: str, demo) -> None:
    page = browser.new_page(viewport=DESKTOP)
    _open(page, site + "/")
    page.get_by_role("link", name="chechnya").first.click()
    assert page.locator("h1").inner_text() == "chechnya"
    bars = page.locator("svg.daily a")
    assert bars.count() == 30
    assert page.locator("svg.daily a.spike").count() >= 1
    assert "driven by terms" in page.locator("ul.spikes").inner_text()
    assert page.locator("svg.share").count() == 2
    # a click on a day's bar lists that day's stories
    page.locator(f'svg.daily a[href$="day={demo.hostile_day}"]').click()
    assert page.get_by_role("heading", name=f"Stories of {demo.hostile_day}").is_visible()
    page.get_by_role("link", name=HOSTILE).first.click()
    assert page.url.endswith(f"/stories/{HOSTILE_STORY}")
    assert "retitled" in page.locator("main").inner_text()
    page.get_by_role("link", name=HOSTILE).first.click()
    assert "Dates, and where each came from" in page.locator("main").inner_text()
    assert page.locator("td", has_text="json-ld").count() == 1
    # search: highlighted matches and the config entry to copy
    page.goto(site + "/search")
    page.fill("#q", "chechen* AND gay")
    page.fill("#name", "chechnya-test")
    page.get_by_role("button", name="search").click()
    assert page.locator("ol.results li").count() >= 1
    assert page.locator("ol.results mark").count() >= 2
    assert 'name = "chechnya-test"' in page.locator("pre.toml").inner_text()
    # SQL: a table, and downloads
    page.goto(site + "/sql")
    page.fill("#q", "SELECT outlet FROM articles GROUP BY outlet ORDER BY outlet")
    page.get_by_role("button", name="run").click()
    assert page.locator("table.list tbody tr").count() == 7
    with page.expect_download() as download:
        page.get_by_role("link", name="Parquet").click()
    assert download.value.suggested_filename == "mediawatch.parquet"
    # outlets: health for each configured outlet
    page.goto(site + "/outlets")
    assert page.locator("table.list").first.locator("tbody tr").count() == len(demo.config.outlets)
    # digests: the archive links to the digest as it was sent
    page.goto(site + "/digests")
    page.get_by_role("link", name="chechnya").first.click()
    assert page.url.endswith(f"/digests/{demo.digest_day}/chechnya.html")
    assert "chechnya" in page.content()
    page.close()


def test_hostile_titles_are_inert_in_the_browser(browser: Browser, site: str, demo) -> None:
    page = browser.new_page(viewport=DESKTOP)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in (f"/articles/{HOSTILE_ID}", f"/stories/{HOSTILE_STORY}",
                 f"/topics/chechnya?day={demo.hostile_day}", "/search?q=chechnya+gay",
                 f"/digests/{demo.digest_day}/chechnya.html"):  # fmt: skip
        _open(page, site + path)
        assert page.evaluate("document.scripts.length") == 0, path
        assert page.locator("[onerror], iframe, img[src=x]").count() == 0, path
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert not [h for h in hrefs if h.lower().startswith("javascript:")], path
        assert "<script>alert(1)</script>" in page.locator("body").inner_text(), path
    # the javascript: URL of the article is text, and clicking it goes nowhere
    _open(page, site + f"/articles/{HOSTILE_ID}")
    page.locator(".unsafe-link").first.click()
    assert page.url.endswith(f"/articles/{HOSTILE_ID}")
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "hostile-article.png"), full_page=True)
    page.close()


def test_readable_with_javascript_off(browser: Browser, site: str, demo) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    _open(page, site + "/topics/chechnya")
    page.locator(f'svg.daily a[href$="day={demo.hostile_day}"]').click()
    assert page.get_by_role("heading", name=f"Stories of {demo.hostile_day}").is_visible()
    page.goto(site + "/search")
    page.fill("#q", "chechnya")
    page.get_by_role("button", name="search").click()
    assert page.locator("ol.results li").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "search-phone-no-js.png"), full_page=True)
    context.close()
