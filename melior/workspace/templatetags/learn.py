"""Learn as you go: `{% term "shift" %}` links a word to its glossary entry, `|link_terms` does
so for the glossary's words in a sentence, `{% intro "pdsa" %}` says what a tool page is for,
and `{% network_sections network %}` is the menu of a network's sections."""

import re
from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from .. import glossary
from ..intros import INTROS, PRINCIPLES

register = template.Library()


@register.simple_tag
def term(word: str, shown: str = ""):
    """The word linked to its glossary entry (its definition as the link's title)."""
    found = glossary.entry(word)
    text = shown or word
    if found is None:
        return text
    _, definition, anchor = found
    return format_html(
        '<a class="term" href="{}#{}" title="{}">{}</a>',
        reverse("help-glossary"),
        anchor,
        definition,
        text,
    )


@lru_cache(maxsize=1)
def _pattern():
    words = sorted(glossary.TERMS, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"\b({alternatives})(s?)\b", re.IGNORECASE)


@register.filter(needs_autoescape=True)
def link_terms(text, autoescape=True):
    """Plain text with each glossary word linked once (the first time it appears)."""
    text = conditional_escape(text) if autoescape else str(text)
    seen = set()

    def link(match):
        key = match[1].lower()
        if key in seen:
            return match[0]
        seen.add(key)
        return str(term(match[1], match[0]))

    return mark_safe(_pattern().sub(link, str(text)))


def _with_terms(sentences: str) -> str:
    """[[word]] in an intro becomes the linked word."""
    return re.sub(r"\[\[([^\]]+)\]\]", lambda m: str(term(m[1])), conditional_escape(sentences))


@register.simple_tag
def intro(key: str):
    """What this tool page is for and which principle it serves, with a link to the method."""
    sentences, principle, page = INTROS[key]
    url = glossary.help_url(page)
    return render_to_string(
        "workspace/_intro.html",
        {"text": mark_safe(_with_terms(sentences)), "principle": PRINCIPLES[principle], "url": url},
    )


def _first_settings_page(user, network) -> str | None:
    """The settings page a person may open first: the network's for its lead, else their part."""
    for permission, page in (
        ("networks.manage_network", "settings"),
        ("administration.manage_people", "settings-people"),
        ("networks.define_measures", "settings-measures"),
    ):
        if user.has_perm(permission, network):
            return page
    return None


@register.inclusion_tag("workspace/_sections.html", takes_context=True)
def network_sections(context, network, current: str = ""):
    """The network's sections, each a link; those the user may not use are left out."""
    user = context["request"].user
    n = {"network": network.slug}
    sections = [
        ("status", "Status", reverse("network", kwargs=n)),
        ("measures", "Measures", reverse("network", kwargs=n) + "#measures"),
        ("theory", "Theory", reverse("theory", kwargs=n)),
        ("problem", "Problems", reverse("problem", kwargs=n)),
        ("pdsa", "PDSA", reverse("pdsa-list", kwargs=n)),
        ("bright-spots", "Bright spots", reverse("learning-bright-spots", kwargs=n)),
        ("what-works-where", "What works where", reverse("learning-what-works-where", kwargs=n)),
        ("spread", "Spread", reverse("learning-spread", kwargs=n)),
        ("fidelity", "Fidelity", reverse("fidelity", kwargs=n)),
        ("progress", "Progress", reverse("network-progress", kwargs=n)),
        ("pilots", "Pilots", reverse("pilots", kwargs=n)),
        ("students", "Student data", reverse("students", kwargs=n)),
    ]
    if user.has_perm("networks.run_hub", network):
        sections.append(("hub", "Hub tools", reverse("hub", kwargs=n)))
        sections.append(("convening", "Convening pack", reverse("convening", kwargs=n)))
    settings_page = _first_settings_page(user, network)
    if settings_page:
        sections.append(("settings", "Settings", reverse(settings_page, kwargs=n)))
    return {"sections": sections, "current": current, "network": network}
