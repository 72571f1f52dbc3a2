"""The layer rules import-linter cannot see: naming another app's URL is depending on it too.

Networks, measures, projects and theory sit below pdsa: none of them may name a pdsa URL (in
Python or a template). What pdsa shows on their pages comes through the hooks they offer
(measures.markers, projects.panels, theory.panels)."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import melior

PACKAGE = Path(melior.__file__).parent


def _url_names(patterns) -> dict[str, str]:
    """Every named route: its name → the app whose view answers it."""
    names = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names.update(_url_names(pattern.url_patterns))
        elif isinstance(pattern, URLPattern) and pattern.name:
            module = pattern.callback.__module__.split(".")
            if module[0] == "melior":
                names[pattern.name] = module[1]
    return names


def _quoted(names) -> re.Pattern:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"""["']({alternatives})["']""")


def _sources(app: str):
    for path in sorted((PACKAGE / app).rglob("*")):
        if path.suffix in (".py", ".html") and "migrations" not in path.parts:
            yield path


def pdsa_url_names() -> set[str]:
    return {name for name, app in _url_names(get_resolver().url_patterns).items() if app == "pdsa"}


def test_the_rule_sees_pdsas_own_urls():
    names = pdsa_url_names()
    assert {"pdsa-detail", "pdsa-list", "pdsa-idea"} <= names
    named = [p for p in _sources("pdsa") if _quoted(names).search(p.read_text())]
    assert named  # pdsa's templates do name them: the search would find a slip elsewhere


@pytest.mark.parametrize("app", ["networks", "measures", "projects", "theory"])
def test_apps_below_pdsa_name_no_pdsa_url(app):
    pattern = _quoted(pdsa_url_names())
    slips = [
        f"{path.relative_to(PACKAGE)}: {match.group(1)}"
        for path in _sources(app)
        for match in pattern.finditer(path.read_text())
    ]
    assert slips == []
