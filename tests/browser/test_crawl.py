"""Every page as every demo role, at desktop and phone width.

Signed in as each of the six demo roles, the crawl follows every same-origin link breadth-first
(GET only: no sign-out, no file downloads, nothing that changes state), visiting up to a few URLs
per route so that each page *kind* is seen at least once, at 1280 px and at 390 px. A page fails
on a non-2xx answer (for it or anything it loads), an error in the browser console, a request to
another host, sideways scrolling on the phone, or a serious or critical axe-core finding. Each
failure names the URL, the role, the width and the rule.

Run it against a running server too, to look at a live demo:
    python tests/browser/test_crawl.py http://127.0.0.1:8000 [role ...]
"""

from __future__ import annotations

import collections
import dataclasses
import time
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

ROLES = ("lead", "coach", "steward", "viewer", "sitelead", "teacher")
WIDTHS = (1280, 390)
PER_ROUTE = 2  # URLs visited for each route name (e.g. two schools, two cycles)
MAX_PAGES = 120  # per role: a safety cap, far above the routes a role can reach

# Routes the crawl never opens: sign-out, file downloads, machine endpoints and the admin.
SKIPPED_ROUTES = {
    "logout",
    "favicon",
    "site-measure-export",
    "theory-export",
    "project-theory-export",
    "pdsa-attachment",
    "openapi-json",
    "convening-pdf",  # the convening pack, a file (tests/browser/test_convening.py opens it)
    "convening-pptx",
}
SKIPPED_PREFIXES = ("/admin/", "/health", "/api/networks", "/xapi/", "/static/", "/media/")
DOWNLOAD_SUFFIXES = (
    ".csv",
    ".xlsx",
    ".json",
    ".pdf",
    ".pptx",
    ".png",
    ".svg",
    ".zip",
    ".txt",
    ".ics",
)

SERIOUS = {"serious", "critical"}

_LINKS = """() => [...document.querySelectorAll('a[href]')]
  .filter((a) => !a.hasAttribute('download'))
  .map((a) => a.href)"""
# Every chart drawn (or its failure written in its place): what the page waits for rather than
# "network idle", which costs half a second a page and the crawl opens hundreds.
_CHARTS_DRAWN = """() => typeof window.vegaEmbed !== 'function'
  || [...document.querySelectorAll('[data-vega-spec]')].every((el) =>
    el.classList.contains('chart-ready') || el.textContent.startsWith('The chart could not'))"""
_SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
_WIDEST = """() => {
  const limit = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > limit + 1)
    .filter((el) => !el.parentElement
      || el.parentElement.getBoundingClientRect().right <= limit + 1);
  return wide.slice(0, 3).map((el) => el.tagName.toLowerCase()
    + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined
      ? '.' + String(el.className).trim().split(/\\s+/).join('.') : ''));
}"""


@dataclasses.dataclass
class Failure:
    role: str
    width: int
    url: str
    rule: str
    detail: str = ""

    def __str__(self):
        return f"{self.role} @ {self.width}px {self.url}: {self.rule} {self.detail}".rstrip()


def route_name(path: str) -> str | None:
    """The URL name Django resolves a path to; None for a path that is not one of our pages."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).url_name or path
    except Resolver404:
        return None


def crawlable(url: str, origin: str) -> str | None:
    """The route name when the crawl should open `url`, else None."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    if parts.path.startswith(SKIPPED_PREFIXES) or parts.path.endswith(DOWNLOAD_SUFFIXES):
        return None
    if "export=" in parts.query or "download" in parts.query:
        return None
    name = route_name(parts.path)
    return None if name is None or name in SKIPPED_ROUTES else name


class Watcher:
    """Collects what a page does while it loads: console errors, failed and foreign requests."""

    def __init__(self, page, origin: str):
        self.origin = origin
        self.problems: list[tuple[str, str]] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(("script error", str(error))))
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(("console error", message.text[:300]))

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(("request to another host", request.url))

    def _response(self, response):
        if response.status >= 400 and not response.request.is_navigation_request():
            self.problems.append((f"HTTP {response.status}", response.url))

    def take(self) -> list[tuple[str, str]]:
        problems, self.problems = self.problems, []
        return problems


def axe_findings(axe, page) -> list[tuple[str, str]]:
    results = axe.run(page).response
    return [
        (
            f"axe {violation['id']} ({violation['impact']})",
            "; ".join(
                " ".join(node["target"]) if isinstance(node["target"], list) else node["target"]
                for node in violation["nodes"][:3]
            ),
        )
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
    ]


def sign_in(page, origin: str, role: str, password: str):
    page.goto(f"{origin}/accounts/login/")
    page.get_by_label("Username", exact=False).first.fill(role)
    page.get_by_label("Password").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{role} could not sign in"


def check(page, watcher, axe, url, role, width) -> tuple[list[Failure], list[str]]:
    """Open one URL at one width; its failures and (at desktop width) the links on it. With no
    `axe`, the page is not checked by axe-core (it was, at another URL of the same route)."""
    try:
        response = page.goto(url, wait_until="load")
    except PlaywrightError as error:  # a download, or no answer in time
        return [Failure(role, width, url, "did not load", str(error).splitlines()[0])], []
    failures = []
    if response is None or not 200 <= response.status < 300:
        status = response.status if response else "no answer"
        failures.append(Failure(role, width, url, f"HTTP {status}"))
    if response is not None and "text/html" not in response.headers.get("content-type", ""):
        return [*failures, Failure(role, width, url, "not a page", "link to a download")], []
    if width < 640 and (overflow := page.evaluate(_SIDEWAYS)) > 0:
        failures.append(
            Failure(
                role, width, url, f"scrolls sideways by {overflow}px", str(page.evaluate(_WIDEST))
            )
        )
    page.wait_for_function(_CHARTS_DRAWN)
    problems = watcher.take() + (axe_findings(axe, page) if axe else [])
    failures += [Failure(role, width, url, rule, detail) for rule, detail in problems]
    return failures, (page.evaluate(_LINKS) if width == WIDTHS[0] else [])


def crawl_role(
    browser, origin: str, role: str, password: str, axe_checked: set, log=None
) -> tuple[list, int]:
    """Crawl everything `role` can reach; the failures found and the pages opened. axe-core is
    slow on long pages, so it checks each route once, as the first role that reaches it
    (`axe_checked` holds the routes checked so far)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    context.set_default_timeout(60_000)
    pages = {}
    for width in WIDTHS:
        pages[width] = context.new_page()
        pages[width].set_viewport_size({"width": width, "height": 900 if width > 640 else 844})
    watchers = {width: Watcher(page, origin) for width, page in pages.items()}
    sign_in(pages[WIDTHS[0]], origin, role, password)
    watchers[WIDTHS[0]].take()

    queue = collections.deque([(f"{origin}/", "home")])
    seen = {f"{origin}/"}
    per_route = collections.Counter()
    failures, opened = [], 0
    while queue and opened < MAX_PAGES:
        url, name = queue.popleft()
        opened += 1
        links = []
        first = name not in axe_checked
        axe_checked.add(name)
        for width in WIDTHS:
            found, more = check(
                pages[width], watchers[width], axe if first else None, url, role, width
            )
            failures += found
            links += more
        if log:
            log(f"{role} {time.monotonic():.1f} {url} {len(failures)}")
        for link in links:
            link = urldefrag(urljoin(url, link)).url
            if link in seen:
                continue
            seen.add(link)
            name = crawlable(link, origin)
            if name and per_route[name] < PER_ROUTE:
                per_route[name] += 1
                queue.append((link, name))
    context.close()
    return failures, opened


def test_every_page_works_for_every_role_at_both_widths(page, live_server, transactional_db):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=7, sites=2)
    started, failures, checked = time.monotonic(), [], set()
    for role in ROLES:
        found, opened = crawl_role(
            page.context.browser, live_server.url, role, DEMO_PASSWORD, checked
        )
        assert opened >= 8, f"{role} reached only {opened} pages"
        print(f"{role}: {opened} pages")
        failures += found
    print(f"{len(checked)} kinds of page in {time.monotonic() - started:.0f} s")
    assert len(checked) >= 30, f"only {len(checked)} kinds of page reached"
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(map(str, failures))


if __name__ == "__main__":
    import os
    import shutil
    import sys

    import django
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    django.setup()
    origin, roles = sys.argv[1].rstrip("/"), sys.argv[2:] or ROLES
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        checked = set()
        for role in roles:
            started = time.monotonic()
            found, count = crawl_role(browser, origin, role, "melior-demo", checked, log=print)
            print(f"== {role}: {count} pages in {time.monotonic() - started:.0f}s")
            for failure in found:
                print(failure)
        browser.close()
