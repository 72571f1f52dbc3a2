"""Learn as you go: docs inside the app, the glossary, the term links and the tool intros."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from melior.workspace import glossary, help
from melior.workspace.intros import INTROS


@pytest.fixture
def member(client, world):
    client.force_login(world.users["school:team_member"])
    return client


def anchors(html: str) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', html))


def test_every_doc_is_served_with_anchored_headings_and_no_file_paths(member):
    for page, title in help.pages():
        response = member.get(reverse("help-page", kwargs={"page": page}))
        assert response.status_code == 200, page
        assert "<h1" in response.text and title in response.text
        assert not re.search(r"docs/[a-z_-]+\.md", response.text), page
    spc = member.get(reverse("help-page", kwargs={"page": "spc"})).text
    assert 'id="centre-lines-and-limits"' in spc


def test_links_between_docs_lead_to_help_pages():
    _, html = help.render("deploy")
    assert '<a href="/help/operations/#settings">operations guide</a>' in html
    _, html = help.render("architecture")
    assert '(<a href="/help/privacy/">privacy guide</a>)' in html
    for page, _ in help.pages():
        text = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", help.render(page)[1], flags=re.S)
        assert not re.search(r"\w\.md\b", text), page


def test_the_docs_screenshots_are_served_with_them(member):
    _, html = help.render("workspace")
    assert 'src="/help/img/my-work.png"' in html
    response = member.get("/help/img/my-work.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert member.get("/help/img/..%2Fspc.md").status_code == 404
    assert member.get("/help/img/nothing.png").status_code == 404


@pytest.mark.parametrize("page", ["../settings", "nope", "README"])
def test_only_docs_are_served(member, page):
    assert member.get(f"/help/{page}/").status_code == 404


def test_every_glossary_and_intro_link_lands_on_a_heading(member):
    pages = {}
    links = [page for _, page in glossary.TERMS.values()] + [i[2] for i in INTROS.values()]
    for link in links:
        name, _, fragment = link.partition("#")
        if name not in pages:
            pages[name] = anchors(help.render(name)[1])
        assert not fragment or fragment in pages[name], link


def test_the_glossary_lists_the_words_with_anchors(member):
    page = member.get(reverse("help-glossary")).text
    words = ("shift", "common-cause", "special-cause", "control-limits", "funnel-plot",
             "effect-size", "ramp", "fidelity", "balancing-measure", "bright-spot")  # fmt: skip
    for word in words:
        assert f'<dt id="{word}">' in page


def test_the_term_tag_links_a_word_to_its_entry():
    html = Template('{% load learn %}{% term "shift" %} and {% term "Shifts" "shifts" %}').render(
        Context()
    )
    assert html.count('href="/help/glossary/#shift"') == 2
    assert 'title="A long run of points' in html
    assert Template('{% load learn %}{% term "banana" %}').render(Context()) == "banana"


def test_link_terms_links_each_word_once_and_escapes_the_rest():
    html = Template("{% load learn %}{{ s|link_terms }}").render(
        Context({"s": "A shift <b>up</b>: special cause, and another shift."})
    )
    assert html.count("/help/glossary/#shift") == 1
    assert "/help/glossary/#special-cause" in html
    assert "&lt;b&gt;up&lt;/b&gt;" in html


def test_each_tool_page_says_what_it_is_for(member, world):
    n = {"network": world.network.slug}
    for route in ("network", "pdsa-list", "theory", "learning-bright-spots", "pilots",
                  "students", "problem"):  # fmt: skip
        page = member.get(reverse(route, kwargs=n)).text
        assert 'aria-label="What this page is for"' in page, route
        assert "Principle:" in page and "How the method works" in page, route


def test_the_network_page_has_a_section_menu(member, world):
    page = member.get(reverse("network", kwargs={"network": world.network.slug})).text
    menu = re.search(r'<nav class="sections".*?</nav>', page, re.S)[0]
    labels = re.findall(r">([^<]+)</a>", menu)
    assert labels[:7] == ["Status", "Measures", "Theory", "Problems", "PDSA", "Bright spots",
                          "What works where"]  # fmt: skip
    assert "Progress" in labels and "Student data" in labels and "Hub tools" not in labels
